// SPDX-License-Identifier: GPL-2.0-only
/*
 * unixsk: Unix sockets carried across a failover, each with bytes or
 * messages queued to it, not yet read:
 *
 *   S  a stream socketpair: 23 bytes to end 1, of which it read 7 (a
 *      buffer half read), and 9 bytes to end 0;
 *   Q  a seqpacket socketpair: two messages to end 1;
 *   D  a datagram socketpair: two datagrams to end 0;
 *   L  a stream socket listening on a path in the working directory, a
 *      client connected to it and accepted, 12 bytes to the server's end
 *      and 13 to the client's;
 *   A  a seqpacket socket listening on an abstract name.
 *
 * At SIGUSR1 (after the failover) it checks that every byte and message
 * comes out as it went in (the boundaries of messages kept), that each
 * connection carries new bytes both ways, and that both listeners accept
 * a new connection at their names. Lines: "unixsk: ready pid=P",
 * "unixsk: PASS ..." (exit 0) or "unixsk: FAIL WHAT" (exit 1).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "state.h"

static void put(int fd, const char *s, const char *what)
{
	if (send(fd, s, strlen(s), 0) != (ssize_t)strlen(s))
		fail("%s: send: %s", what, strerror(errno));
}

/* The next message (or, on a stream, what is there) must be want. */
static void expect(int fd, const char *want, const char *what)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n < 0)
		fail("%s: nothing to read (%s), \"%s\" was queued", what, strerror(errno), want);
	buf[n] = 0;
	if (strcmp(buf, want))
		fail("%s: read \"%s\", not \"%s\"", what, buf, want);
}

/* Both ends carry new bytes. */
static void talk(int a, int b, const char *what)
{
	put(a, "new->", what);
	put(b, "<-new", what);
	expect(b, "new->", what);
	expect(a, "<-new", what);
}

static socklen_t name_of(struct sockaddr_un *sa, const char *path, int abstract)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path + !!abstract, sizeof(sa->sun_path) - 1, "%s", path);
	return offsetof(struct sockaddr_un, sun_path) + !!abstract + strlen(path) + !abstract;
}

static int listener(int type, const char *path, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len = name_of(&sa, path, abstract);
	int fd = socket(AF_UNIX, type, 0);

	if (!abstract)
		unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 8))
		fail("listening on %s%s: %s", abstract ? "@" : "", path, strerror(errno));
	return fd;
}

/* A client connected to a listener's name, and the listener's end of it. */
static void connect_to(int ls, int type, const char *path, int abstract, int *c, int *a)
{
	struct sockaddr_un sa;
	socklen_t len = name_of(&sa, path, abstract);

	*c = socket(AF_UNIX, type, 0);
	if (*c < 0 || connect(*c, (struct sockaddr *)&sa, len) || (*a = accept(ls, NULL, NULL)) < 0)
		fail("connecting to %s%s: %s", abstract ? "@" : "", path, strerror(errno));
}

int main(void)
{
	int s[2], q[2], d[2], l, lc, la, ab, nc, na;
	char path[PATH_MAX], abs[64], buf[16];
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	state_init("unixsk");
	if (!getcwd(path, sizeof(path) - 16) || strlen(path) > 90)
		fail("the working directory's path is too long for a socket name");
	strcat(path, "/unixsk.sock");
	snprintf(abs, sizeof(abs), "unixsk-%d", getpid());
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, d))
		fail("socketpair: %s", strerror(errno));
	put(s[0], "stream to 1: 0123456789", "S");
	if (recv(s[1], buf, 7, 0) != 7 || memcmp(buf, "stream ", 7))
		fail("S: the first 7 bytes");
	put(s[1], "back to 0", "S");
	put(q[0], "m1", "Q");
	put(q[0], "message two", "Q");
	put(d[1], "d1", "D");
	put(d[1], "dgram2", "D");
	l = listener(SOCK_STREAM, path, 0);
	connect_to(l, SOCK_STREAM, path, 0, &lc, &la);
	put(lc, "hello server", "L");
	put(la, "hello client!", "L");
	ab = listener(SOCK_SEQPACKET, abs, 1);
	state_say("ready pid=%d", getpid());
	while (!state_go)
		pause();

	expect(s[1], "to 1: 0123456789", "S, end 1");
	expect(s[0], "back to 0", "S, end 0");
	talk(s[0], s[1], "S");
	expect(q[1], "m1", "Q, first message");
	expect(q[1], "message two", "Q, second message");
	talk(q[0], q[1], "Q");
	expect(d[0], "d1", "D, first datagram");
	expect(d[0], "dgram2", "D, second datagram");
	talk(d[0], d[1], "D");
	expect(la, "hello server", "L, the server's end");
	expect(lc, "hello client!", "L, the client's end");
	talk(lc, la, "L");
	if (getsockname(l, (struct sockaddr *)&sa, &len) || strcmp(sa.sun_path, path))
		fail("L: the listener is not bound to %s", path);
	connect_to(l, SOCK_STREAM, path, 0, &nc, &na);
	talk(nc, na, "L, a new connection");
	connect_to(ab, SOCK_SEQPACKET, abs, 1, &nc, &na);
	talk(nc, na, "A, a new connection");
	state_end(0, "stream, seqpacket and datagram pairs gave every byte and message queued (a stream buffer half read), a path listener's accepted connection both ways, both listeners accept at their names");
}
