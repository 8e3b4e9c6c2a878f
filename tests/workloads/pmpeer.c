// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmpeer: the other side of "pmwork net", run on the host. One TCP
 * connection, never made again once bytes came back, whose streams are
 * checked at every byte both ways (pmnet.h), and UDP datagrams whose server
 * sequence must only grow. A stall (the guest crashed, being restored) is
 * logged, not a failure: "stall" lines, then "resumed after S s".
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
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

#define CHUNK		512	/* bytes of the stream every 50 ms */
#define MAX_OWED	4096	/* due but not taken by a full send buffer */
#define CONNECT_S	60.0	/* (re)connecting: in the first minute only */
#define STALL_S		2.0	/* no server byte for longer: a stall */
#define DRAIN_S		3.0	/* at the end, for the last answers */

static const char usage[] =
"usage: pmpeer --tcp HOST:PORT --udp HOST:PORT [--log FILE] [--duration SECONDS]\n"
"The client of \"pmwork net\": every 50 ms 512 bytes of its stream to the TCP\n"
"server, every 100 ms a datagram to the UDP one; checks what comes back. Log\n"
"lines (stdout without --log) \"T pmpeer: ...\", T CLOCK_MONOTONIC seconds:\n"
"\"connected to H:P attempts=N\" at the server's first bytes (until then,\n"
"for 60 s, a refused or closed connection is made again), \"ok tcp_out=O\n"
"tcp_in=I udp_sent=S udp_server_seq=Q\" each second, or \"stall S\" while no\n"
"server byte came for S > 2 s, \"resumed after S s\", \"FAIL WHAT\" (exit 1,\n"
"the connection reset) and at SIGTERM/SIGINT or the end of the duration\n"
"\"stop tcp_out=O ...\" (exit 0; the connection ends with a FIN once the\n"
"server answered all, or 3 s). PMPEER_CORRUPT_AT=K: byte K sent wrong.\n";

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

static void resolve(const char *hp, int type, struct sockaddr_in *sa)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = type }, *ai;
	const char *colon = strrchr(hp, ':');
	char host[256];
	int e;

	if (!colon || colon == hp || colon - hp >= (long)sizeof(host)) {
		fprintf(stderr, "pmpeer: %s: not HOST:PORT\n%s", hp, usage);
		exit(2);
	}
	memcpy(host, hp, colon - hp);
	host[colon - hp] = 0;
	e = getaddrinfo(host, colon + 1, &hints, &ai);
	if (e) {
		fprintf(stderr, "pmpeer: %s: %s\n", hp, gai_strerror(e));
		exit(2);
	}
	memcpy(sa, ai->ai_addr, sizeof(*sa));
	freeaddrinfo(ai);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *tcp = NULL, *udp = NULL, *logname = NULL, *env;
	double duration = 0, t0, now, next_tcp, next_udp, next_sec, last_in = 0;
	double stopping = 0, until;
	uint64_t owed = 0, bad_at = UINT64_MAX;
	struct sockaddr_in ta, ua;
	int ufd, connected = 0, attempts = 0, one = 1, zero = 0;
	static uint8_t buf[65536];

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v && !strcmp(argv[i], "--tcp"))
			tcp = v;
		else if (v && !strcmp(argv[i], "--udp"))
			udp = v;
		else if (v && !strcmp(argv[i], "--log"))
			logname = v;
		else if (v && !strcmp(argv[i], "--duration"))
			duration = strtod(v, NULL);
		else {
			fputs(usage, strcmp(argv[i], "--help") ? stderr : stdout);
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
		i++;
	}
	if (!tcp || !udp) {
		fputs(usage, stderr);
		return 2;
	}
	resolve(tcp, SOCK_STREAM, &ta);
	resolve(udp, SOCK_DGRAM, &ua);
	logfp = logname ? fopen(logname, "w") : stdout;
	if (!logfp) {
		fprintf(stderr, "pmpeer: %s: %s\n", logname, strerror(errno));
		return 2;
	}
	setvbuf(logfp, NULL, _IOLBF, 0);
	env = getenv("PMPEER_CORRUPT_AT");
	if (env && *env)
		bad_at = strtoull(env, NULL, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: poll() returns */
	sigaction(SIGINT, &sa, NULL);
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
			if (tfd < 0 || connect(tfd, (struct sockaddr *)&ta, sizeof(ta))) {
				if (now - t0 >= CONNECT_S)
					fail("tcp: no connection to %s in %.0f s: %s", tcp,
					     CONNECT_S, strerror(errno));
				close(tfd);
				tfd = -1;
				usleep(200000);
				continue;
			}
			/* No keepalive, no user timeout: the kernel waits ~15 min. */
			setsockopt(tfd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
			setsockopt(tfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			tcp_out = tcp_in = owed = 0;
		}
		if (!stopping && now >= next_tcp) {
			next_tcp = next_tcp + 0.05 < now ? now + 0.05 : next_tcp + 0.05;
			owed = owed + CHUNK < MAX_OWED ? owed + CHUNK : MAX_OWED;
		}
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
				goto lost;
			}
		}
		if (!stopping && now >= next_udp) {
			struct pmnet_req q = { PMNET_MAGIC, 0, ++udp_sent };

			next_udp = next_udp + 0.1 < now ? now + 0.1 : next_udp + 0.1;
			sendto(ufd, &q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&ua,
			       sizeof(ua));	/* lost: the server sees a gap */
		}
		if (now >= next_sec) {
			next_sec = next_sec + 1 < now ? now + 1 : next_sec + 1;
			if (connected && now - last_in > STALL_S)
				say("stall %.1f", now - last_in);
			else if (connected)
				say("ok tcp_out=%" PRIu64 " tcp_in=%" PRIu64 " udp_sent=%"
				    PRIu64 " udp_server_seq=%" PRIu64, tcp_out, tcp_in,
				    udp_sent, udp_seq);
		}
		until = stopping ? now + 0.05 : next_tcp < next_udp ? next_tcp : next_udp;
		until = until < next_sec ? until : next_sec;
		struct pollfd p[2] = { { .fd = tfd, .events = POLLIN },
				       { .fd = ufd, .events = POLLIN } };
		if (poll(p, 2, until > now ? (int)((until - now) * 1000) + 1 : 0) < 0 &&
		    errno != EINTR)
			fail("poll: %s", strerror(errno));
		now = now_s();
		while (p[0].revents) {
			ssize_t n = recv(tfd, buf, sizeof(buf), MSG_DONTWAIT);
			size_t k;

			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				break;
			if (n <= 0) {
				errno = n ? errno : 0;
				goto lost;
			}
			k = pmnet_check(buf, n, tcp_in, PMNET_SERVER);
			if (k < (size_t)n)
				fail("tcp: byte %" PRIu64 " from the server is %#x, expected %#x",
				     tcp_in + k, buf[k], pmnet_pat(tcp_in + k, PMNET_SERVER));
			tcp_in += n;
			if (tcp_in > tcp_out)
				fail("tcp: the server sent %" PRIu64 " bytes, for %" PRIu64,
				     tcp_in, tcp_out);
			if (!connected)
				say("connected to %s attempts=%d", tcp, attempts);
			else if (now - last_in > STALL_S)
				say("resumed after %.3f s", now - last_in);
			connected = 1;
			last_in = now;
		}
		while (p[1].revents) {
			struct pmnet_rep r = { 0 };
			ssize_t n = recv(ufd, &r, sizeof(r), MSG_DONTWAIT | MSG_TRUNC);

			if (n < 0)
				break;	/* EAGAIN; an ICMP error: a datagram lost */
			if (n != sizeof(r) || r.magic != PMNET_MAGIC)
				fail("udp: a reply of %zd bytes, magic %#x", n, r.magic);
			if (r.server_seq <= udp_seq)
				fail("udp: server_seq %" PRIu64 " after %" PRIu64, r.server_seq,
				     udp_seq);
			if (!r.client_seq || r.client_seq > udp_sent)
				fail("udp: client_seq %" PRIu64 " echoed, %" PRIu64 " sent",
				     r.client_seq, udp_sent);
			udp_seq = r.server_seq;
		}
		continue;
lost:
		if (connected || now - t0 >= CONNECT_S)
			fail("tcp: %s at tcp_out=%" PRIu64 " tcp_in=%" PRIu64,
			     errno ? strerror(errno) : "end of stream",
			     tcp_out, tcp_in);
		close(tfd);	/* the guest was not listening yet: again */
		tfd = -1;
		usleep(200000);
	}
	if (!connected)
		fail("tcp: no byte from the server at the end");
	say("stop tcp_out=%" PRIu64 " tcp_in=%" PRIu64 " udp_sent=%" PRIu64
	    " udp_server_seq=%" PRIu64, tcp_out, tcp_in, udp_sent, udp_seq);
	shutdown(tfd, SHUT_WR);	/* pmwork: "tcp end" */
	close(tfd);
	return 0;
}
