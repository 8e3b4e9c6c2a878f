// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmpeer: the host side of "pmwork net": one TCP connection, checked at
 * every byte both ways and never made again, and UDP datagrams whose server
 * sequence must only grow; a stall (a crash and restore) is no failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pmnet.h"

#define RATE		10240	/* bytes of the stream a second, by default */
#define TICK_S		0.05	/* a chunk of the stream every 50 ms */
#define CONNECT_S	60.0	/* (re)connecting: in the first minute only */
#define STALL_S		2.0	/* no server byte for longer: a stall */
#define DRAIN_S		3.0	/* at the end, for the last answers */

static const char usage[] =
"usage: pmpeer --tcp IP:PORT --udp IP:PORT [--log FILE] [--duration SECONDS]\n"
"              [--rate BYTES_PER_SECOND]\n"
"The client of \"pmwork net\" and \"inflight\" (pmnet.h): sends its stream at the\n"
"rate (10240 by default, at most 1 MiB/s) and checks the server's, never longer\n"
"than its own. Lines \"T pmpeer: ...\", T monotonic s:\n"
"\"connected to IP:PORT attempts=N\", 1/s \"ok tcp_out=O tcp_in=I udp_sent=S\n"
"udp_server_seq=Q\" or (no server byte in S > 2 s) \"stall S\", \"resumed after\n"
"S s\", \"FAIL WHAT\" (exit 1), at SIGTERM or the duration's end \"stop ...\"\n"
"(exit 0). PMPEER_CORRUPT_AT=K in the environment: stream byte K sent wrong.\n";

static FILE *logfp;
static volatile sig_atomic_t stop;
static int tfd = -1;
static uint64_t tcp_out, tcp_in, udp_sent, udp_seq;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void __attribute__((format(printf, 2, 3))) out(int bad, const char *fmt, ...)
{
	struct linger l = { 1, 0 };
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(logfp, "%.3f pmpeer: %s%s\n", now_s(), bad ? "FAIL " : "", line);
	if (!bad)
		return;
	if (logfp != stdout)
		fprintf(stderr, "pmpeer: FAIL %s\n", line);
	/* A reset, not a FIN: pmwork takes a FIN for the client's clean end. */
	if (tfd >= 0 && !setsockopt(tfd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		close(tfd);
	exit(1);
}

#define say(...)	out(0, __VA_ARGS__)
#define fail(...)	out(1, __VA_ARGS__)

static void resolve(const char *ipport, struct sockaddr_in *sa)
{
	const char *colon = strrchr(ipport, ':');
	char ip[64];

	*sa = (struct sockaddr_in){ .sin_family = AF_INET };
	snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - ipport) : 0, ipport);
	if (!colon || inet_pton(AF_INET, ip, &sa->sin_addr) != 1 || !atoi(colon + 1)) {
		fprintf(stderr, "pmpeer: %s: not IP:PORT\n%s", ipport, usage);
		exit(2);
	}
	sa->sin_port = htons(atoi(colon + 1));
}

/* Whether an event every period is due; when it is, the next one is set. */
static int due(double *next, double period, double now)
{
	if (now < *next)
		return 0;
	*next = *next + period < now ? now + period : *next + period;
	return 1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct sockaddr_in ta, ua;
static double t0, last_in;
static int connected, attempts;
static uint8_t buf[65536];

/* The TCP connection is gone: a failure, unless it never answered yet. */
static void lost(const char *why)
{
	if (connected || now_s() - t0 >= CONNECT_S)
		fail("tcp: %s%s at tcp_out=%" PRIu64 " tcp_in=%" PRIu64,
		     connected ? "" : "no answer in 60 s: ", why, tcp_out, tcp_in);
	close(tfd);	/* the guest was not listening yet: again */
	tfd = -1;
	usleep(200000);
}

static void tcp_recv(const char *name, double now)
{
	for (;;) {
		ssize_t n = recv(tfd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t k;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0)
			return lost(n ? strerror(errno) : "end of stream");
		k = pmnet_check(buf, n, tcp_in, PMNET_SERVER);
		if (k < (size_t)n)
			fail("tcp: byte %" PRIu64 " from the server is %#x, expected %#x",
			     tcp_in + k, buf[k], pmnet_pat(tcp_in + k, PMNET_SERVER));
		if ((tcp_in += n) > tcp_out)
			fail("tcp: the server sent %" PRIu64 " bytes for %" PRIu64, tcp_in,
			     tcp_out);
		if (!connected)
			say("connected to %s attempts=%d", name, attempts);
		else if (now - last_in > STALL_S)
			say("resumed after %.3f s", now - last_in);
		connected = 1;
		last_in = now;
	}
}

static void udp_recv(int ufd)
{
	for (;;) {
		struct pmnet_rep r = { 0 };
		ssize_t n = recv(ufd, &r, sizeof(r), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0)
			return;	/* EAGAIN, or an ICMP error: a datagram lost */
		if (n != sizeof(r) || r.magic != PMNET_MAGIC)
			fail("udp: a reply of %zd bytes, magic %#x", n, r.magic);
		if (r.server_seq <= udp_seq)
			fail("udp: server_seq %" PRIu64 " after %" PRIu64, r.server_seq, udp_seq);
		if (!r.client_seq || r.client_seq > udp_sent)
			fail("udp: client_seq %" PRIu64 " echoed, %" PRIu64 " sent",
			     r.client_seq, udp_sent);
		udp_seq = r.server_seq;
	}
}

int main(int argc, char **argv)
{
	static const char *const opts[] = { "--tcp", "--udp", "--log", "--duration", "--rate" };
	const char *arg[5] = { NULL }, *env = getenv("PMPEER_CORRUPT_AT");
	double duration, now, next_tcp, next_udp, next_sec, stopping = 0, until;
	uint64_t owed = 0, bad_at = env && *env ? strtoull(env, NULL, 0) : UINT64_MAX;
	uint64_t chunk, max_owed;
	long rate;
	int ufd, i, k, one = 1, zero = 0;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return fputs(usage, stdout) < 0;
	for (i = 1; i + 1 < argc; i += 2) {
		for (k = 0; k < 5 && strcmp(argv[i], opts[k]); k++)
			;
		if (k == 5)
			break;
		arg[k] = argv[i + 1];
	}
	if (i < argc || !arg[0] || !arg[1]) {
		fputs(usage, stderr);
		return 2;
	}
	resolve(arg[0], &ta);
	resolve(arg[1], &ua);
	duration = arg[3] ? strtod(arg[3], NULL) : 0;
	rate = arg[4] ? atol(arg[4]) : RATE;
	if (rate <= 0 || rate > 1 << 20) {
		fprintf(stderr, "pmpeer: --rate %s: not 1 to 1048576\n%s", arg[4], usage);
		return 2;
	}
	/* Due but not taken by a full send buffer: a few chunks, one buffer. */
	chunk = (uint64_t)(rate * TICK_S + 0.5) ?: 1;
	max_owed = chunk * 8 > sizeof(buf) ? sizeof(buf) : chunk * 8 < 4096 ? 4096 : chunk * 8;
	logfp = arg[2] ? fopen(arg[2], "w") : stdout;
	if (!logfp) {
		fprintf(stderr, "pmpeer: %s: %s\n", arg[2], strerror(errno));
		return 2;
	}
	setvbuf(logfp, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);	/* poll() returns EINTR all the same */
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ufd < 0)
		fail("udp: socket: %s", strerror(errno));
	t0 = next_tcp = next_udp = now_s();
	next_sec = t0 + 1;
	for (;;) {
		now = now_s();
		if (!stopping && (stop || (duration > 0 && now - t0 >= duration)))
			stopping = now;
		if (stopping && (!connected || tcp_in == tcp_out || now - stopping >= DRAIN_S))
			break;
		if (tfd < 0) {	/* not connected yet: the first minute only */
			tfd = socket(AF_INET, SOCK_STREAM, 0);
			attempts++;
			owed = tcp_out = tcp_in = 0;
			if (tfd < 0 || connect(tfd, (struct sockaddr *)&ta, sizeof(ta))) {
				lost(strerror(errno));
				continue;
			}
			/* No keepalive, no user timeout: the kernel waits ~15 min. */
			setsockopt(tfd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
			setsockopt(tfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		if (!stopping && due(&next_tcp, TICK_S, now))
			owed = owed + chunk < max_owed ? owed + chunk : max_owed;
		if (owed) {
			ssize_t n;

			pmnet_fill(buf, owed, tcp_out, PMNET_CLIENT);
			if (bad_at >= tcp_out && bad_at < tcp_out + owed)
				buf[bad_at - tcp_out] ^= 0xff;
			n = send(tfd, buf, owed, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				tcp_out += n;
				owed -= n;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				lost(strerror(errno));
				continue;
			}
		}
		if (!stopping && due(&next_udp, 0.1, now)) {
			struct pmnet_req q = { PMNET_MAGIC, 0, ++udp_sent };

			sendto(ufd, &q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&ua,
			       sizeof(ua));	/* lost: the server sees a gap */
		}
		if (due(&next_sec, 1, now) && connected) {
			if (now - last_in > STALL_S)
				say("stall %.1f", now - last_in);
			else
				say("ok tcp_out=%" PRIu64 " tcp_in=%" PRIu64 " udp_sent=%" PRIu64
				    " udp_server_seq=%" PRIu64, tcp_out, tcp_in, udp_sent, udp_seq);
		}
		until = stopping ? now + 0.05 : next_tcp < next_udp ? next_tcp : next_udp;
		until = until < next_sec ? until : next_sec;
		struct pollfd p[2] = { { .fd = tfd, .events = POLLIN },
				       { .fd = ufd, .events = POLLIN } };
		if (poll(p, 2, until > now ? (int)((until - now) * 1000) + 1 : 0) < 0 &&
		    errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (p[1].revents)
			udp_recv(ufd);
		if (p[0].revents)
			tcp_recv(arg[0], now_s());
	}
	if (!connected)
		fail("tcp: no byte from the server by the end");
	say("stop tcp_out=%" PRIu64 " tcp_in=%" PRIu64 " udp_sent=%" PRIu64
	    " udp_server_seq=%" PRIu64, tcp_out, tcp_in, udp_sent, udp_seq);
	shutdown(tfd, SHUT_WR);	/* pmwork: "tcp end" */
	close(tfd);
	return 0;
}
