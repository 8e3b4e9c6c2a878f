// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcpclose: TCP connections held in the closing states a server meets,
 * carried across a failover, checked by both ends.
 *
 * "tcpclose serve PORT" runs protected in the ActiveOS; "tcpclose peer
 * IP:PORT" runs on the host. The peer opens five connections, each named by
 * its first byte; the server brings each to one state and holds it there:
 *
 *   A  CLOSE_WAIT  the peer sent 1000 bytes and its FIN; none read yet
 *   B  FIN_WAIT2   the server sent 3000 bytes and its FIN; the peer read them
 *   C  FIN_WAIT1   the server's bytes and FIN queued behind the peer's zero
 *                  window (the peer does not read)
 *   D  LAST_ACK    as C, after the peer's FIN
 *   E  CLOSE       both FINs exchanged, the peer's 700 bytes not read
 *
 * Both print "ready" and wait for SIGUSR1 (after the failover). The server
 * then checks every connection is in the state it left it in, reads E's 700
 * bytes and end of file, reads A's 1000 bytes and end of file and answers
 * 2000, and reads on B the byte counts the peer got from C and D to their
 * end of file, then 500 bytes and end of file; the peer checks all it reads.
 * Every byte is pmnet_pat(k, tag). Each prints "PASS ..." (exit 0) or
 * "FAIL WHAT" (exit 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pmnet.h"
#include "state.h"

#define NCONN		5
#define WAIT_MS		60000	/* any one wait, at most */
#define STUCK_MS	2000	/* no room to write for this long: the window is shut */
#define A_IN		1000
#define A_OUT		2000
#define B_OUT		3000
#define B_IN		500
#define E_IN		700

static const char usage[] =
"usage: tcpclose serve PORT | tcpclose peer IP:PORT\n"
"TCP connections held in CLOSE_WAIT, FIN_WAIT2, FIN_WAIT1, LAST_ACK and CLOSE\n"
"(both ends of each, see the source's head), checked after SIGUSR1.\n"
"Lines: \"tcpclose ROLE: ready ...\", \"tcpclose ROLE: PASS ...\" (exit 0) or\n"
"\"tcpclose ROLE: FAIL WHAT\" (exit 1).\n";

static const char *const tcp_state[] = {
	"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
};

static int state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		fail("TCP_INFO: %s", strerror(errno));
	return ti.tcpi_state;
}

static const char *name_of(int st)
{
	return st > 0 && st < (int)(sizeof(tcp_state) / sizeof(tcp_state[0])) ? tcp_state[st] : "?";
}

static void wait_state(int fd, char tag, int want)
{
	int ms;

	for (ms = 0; state(fd) != want; ms += 10) {
		if (ms > WAIT_MS)
			fail("%c: still %s, not %s", tag, name_of(state(fd)), name_of(want));
		usleep(10000);
	}
}

static void wait_io(int fd, short ev, char tag)
{
	struct pollfd p = { fd, ev, 0 };
	int r;

	while ((r = poll(&p, 1, WAIT_MS)) < 0 && errno == EINTR)
		;
	if (r <= 0)
		fail("%c: nothing for %d s", tag, WAIT_MS / 1000);
}

static void send_all(int fd, char tag, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("%c: send: %s", tag, strerror(errno));
		p += n, len -= n;
	}
}

static void send_pat(int fd, char tag, size_t len)
{
	uint8_t buf[4096];
	size_t off;

	for (off = 0; off < len; off += sizeof(buf)) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		pmnet_fill(buf, n, off, (uint8_t)tag);
		send_all(fd, tag, buf, n);
	}
}

/*
 * Read to end of file: the first head_len bytes into head, every later one
 * must be the tag's stream from its byte 0. How many bytes in all.
 */
static uint64_t read_to_eof(int fd, char tag, void *head, size_t head_len)
{
	uint8_t buf[65536];
	uint64_t got = 0;

	for (;;) {
		ssize_t n, i;

		wait_io(fd, POLLIN, tag);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			fail("%c: recv after %" PRIu64 " bytes: %s", tag, got, strerror(errno));
		if (!n)
			return got;
		for (i = 0; i < n; i++, got++) {
			if (got < head_len)
				((uint8_t *)head)[got] = buf[i];
			else if (buf[i] != pmnet_pat(got - head_len, (uint8_t)tag))
				fail("%c: byte %" PRIu64 " wrong", tag, got);
		}
	}
}

static void expect_stream(int fd, char tag, uint64_t want)
{
	uint64_t got = read_to_eof(fd, tag, NULL, 0);

	if (got != want)
		fail("%c: %" PRIu64 " bytes to end of file, not %" PRIu64, tag, got, want);
}

/* Write until the peer's window and our send buffer are full: how much. */
static uint64_t fill(int fd, char tag)
{
	uint8_t buf[16384];
	uint64_t sent = 0;
	int flags = fcntl(fd, F_GETFL);

	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		fail("%c: O_NONBLOCK: %s", tag, strerror(errno));
	for (;;) {
		struct pollfd p = { fd, POLLOUT, 0 };
		ssize_t n;

		pmnet_fill(buf, sizeof(buf), sent, (uint8_t)tag);
		n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n > 0) {
			sent += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			fail("%c: send: %s", tag, strerror(errno));
		if (poll(&p, 1, STUCK_MS) == 0)
			break;
	}
	if (fcntl(fd, F_SETFL, flags))
		fail("%c: fcntl: %s", tag, strerror(errno));
	return sent;
}

static void wait_go(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!state_go)
		sigsuspend(&none);
}

/* SIGUSR1 blocked but in sigsuspend: a wait cut short by it would read as a failure. */
static void block_go(void)
{
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);	/* only sigsuspend takes it */
}

static int serve(int port)
{
	static const int held[NCONN] = { 8, 5, 4, 9, 7 };	/* A..E, tcp_states.h */
	int one = 1, ls, fd[NCONN], i, small = 32768;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint64_t sent_c, sent_d, counts[2];
	uint8_t tagbuf;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, NCONN))
		fail("listen on %d: %s", port, strerror(errno));
	state_say("listening pid=%d port=%d", getpid(), port);
	for (i = 0; i < NCONN; i++)
		fd[i] = -1;
	for (i = 0; i < NCONN; i++) {
		int c = accept(ls, NULL, NULL);

		if (c < 0 || recv(c, &tagbuf, 1, MSG_WAITALL) != 1 || tagbuf < 'A' ||
		    tagbuf >= 'A' + NCONN || fd[tagbuf - 'A'] >= 0)
			fail("accept: a connection without its own tag");
		fd[tagbuf - 'A'] = c;
	}
	/* The send buffers of C and D small and fixed: little to fill. */
	if (setsockopt(fd[2], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) ||
	    setsockopt(fd[3], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)))
		fail("SO_SNDBUF: %s", strerror(errno));
	wait_state(fd[0], 'A', 8);
	send_pat(fd[1], 'B', B_OUT);
	shutdown(fd[1], SHUT_WR);
	wait_state(fd[1], 'B', 5);
	sent_c = fill(fd[2], 'C');
	shutdown(fd[2], SHUT_WR);
	wait_state(fd[3], 'D', 8);
	sent_d = fill(fd[3], 'D');
	shutdown(fd[3], SHUT_WR);
	wait_state(fd[4], 'E', 8);
	shutdown(fd[4], SHUT_WR);
	wait_state(fd[4], 'E', 7);
	for (i = 0; i < NCONN; i++)
		if (state(fd[i]) != held[i])
			fail("%c: %s, not %s, before the failover", 'A' + i, name_of(state(fd[i])),
			     name_of(held[i]));
	state_say("ready: CLOSE_WAIT FIN_WAIT2 FIN_WAIT1 LAST_ACK CLOSE held, sent_c=%" PRIu64
	    " sent_d=%" PRIu64, sent_c, sent_d);
	wait_go();
	for (i = 0; i < NCONN; i++)
		if (state(fd[i]) != held[i])
			fail("%c: %s after the failover, %s before", 'A' + i, name_of(state(fd[i])),
			     name_of(held[i]));
	state_say("every connection in the state it was left in");
	expect_stream(fd[4], 'E', E_IN);
	expect_stream(fd[0], 'A', A_IN);
	send_pat(fd[0], 'A', A_OUT);
	close(fd[0]);
	if (read_to_eof(fd[1], 'B', counts, sizeof(counts)) != sizeof(counts) + B_IN)
		fail("B: not the counts and %d bytes", B_IN);
	if (counts[0] != sent_c || counts[1] != sent_d)
		fail("the peer got %" PRIu64 " bytes on C and %" PRIu64 " on D, not %" PRIu64
		     " and %" PRIu64, counts[0], counts[1], sent_c, sent_d);
	state_end(0, "E %d bytes unread at the crash, A %d in and %d out, B %d in, C %" PRIu64
	    " and D %" PRIu64 " bytes out, each to its end of file", E_IN, A_IN, A_OUT, B_IN, sent_c,
	    sent_d);
}

static int dial(const struct sockaddr_in *sa, char tag, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) ||
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		fail("%c: connect: %s", tag, strerror(errno));
	send_all(fd, tag, &tag, 1);
	return fd;
}

static int peer(const char *ipport)
{
	const char *colon = strrchr(ipport, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd[NCONN];
	uint64_t counts[2];
	char ip[64];

	if (!colon || (size_t)(colon - ipport) >= sizeof(ip))
		fail("not IP:PORT: %s", ipport);
	memcpy(ip, ipport, colon - ipport);
	ip[colon - ipport] = 0;
	sa.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		fail("not an IPv4 address: %s", ip);
	fd[0] = dial(&sa, 'A', 0);
	send_pat(fd[0], 'A', A_IN);
	shutdown(fd[0], SHUT_WR);
	fd[1] = dial(&sa, 'B', 0);
	fd[2] = dial(&sa, 'C', 4096);
	fd[3] = dial(&sa, 'D', 4096);
	shutdown(fd[3], SHUT_WR);
	fd[4] = dial(&sa, 'E', 0);
	send_pat(fd[4], 'E', E_IN);
	shutdown(fd[4], SHUT_WR);
	expect_stream(fd[1], 'B', B_OUT);
	expect_stream(fd[4], 'E', 0);
	close(fd[4]);
	state_say("ready: A B C D E connected and closing");
	wait_go();
	counts[0] = read_to_eof(fd[2], 'C', NULL, 0);
	counts[1] = read_to_eof(fd[3], 'D', NULL, 0);
	close(fd[2]);
	close(fd[3]);
	send_all(fd[1], 'B', counts, sizeof(counts));
	send_pat(fd[1], 'B', B_IN);
	close(fd[1]);
	expect_stream(fd[0], 'A', A_OUT);
	close(fd[0]);
	state_end(0, "A %d bytes, C %" PRIu64 " and D %" PRIu64 " bytes, each to its end of file", A_OUT,
	    counts[0], counts[1]);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "serve") && strcmp(argv[1], "peer"))) {
		fputs(usage, stderr);
		return 2;
	}
	state_init(!strcmp(argv[1], "serve") ? "tcpclose serve" : "tcpclose peer");
	block_go();
	return !strcmp(argv[1], "serve") ? serve(atoi(argv[2])) : peer(argv[2]);
}
