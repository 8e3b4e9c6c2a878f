// SPDX-License-Identifier: GPL-2.0-only
/*
 * redischeck: a Redis client on the host that knows every key it set.
 * Over one TCP connection, never re-opened, it sets key rc:N to a value
 * made of N and a run id, one SET at a time, each counted once Redis
 * answers +OK. At SIGUSR1 it stops, reads every key it was told was set
 * back over the same connection and checks each value. A connection that
 * breaks is a failure: it is never opened again.
 *
 *   redischeck HOST PORT
 *
 * Lines: "redischeck: connected", "redischeck: N keys set" every 1000,
 * then "redischeck: PASS N keys set and read back over one connection,
 * longest wait for an answer T ms" (exit 0), or "redischeck: FAIL WHAT"
 * (exit 1). Redis's answers are parsed with bounds (a bulk string of at
 * most 64 bytes here).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static int fd;
static char in[4096];
static size_t have;

static void on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	printf("redischeck: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void send_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("the connection broke while sending: %s", n ? strerror(errno) : "closed");
		buf += n;
		len -= n;
	}
}

/* One line of Redis's answer (without its CRLF) into line. */
static void read_line(char *line, size_t max)
{
	char *crlf;

	while (!(crlf = memmem(in, have, "\r\n", 2))) {
		ssize_t n;

		if (have == sizeof(in))
			fail("an answer line longer than %zu bytes", sizeof(in));
		n = recv(fd, in + have, sizeof(in) - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("the connection broke while waiting for an answer: %s",
			     n ? strerror(errno) : "closed by the server");
		have += n;
	}
	if ((size_t)(crlf - in) >= max)
		fail("an answer line longer than %zu bytes", max);
	memcpy(line, in, crlf - in);
	line[crlf - in] = 0;
	have -= crlf - in + 2;
	memmove(in, crlf + 2, have);
}

static void command(const char *a, const char *b, const char *c)
{
	char buf[256];
	int n = c ? snprintf(buf, sizeof(buf), "*3\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
			     strlen(a), a, strlen(b), b, strlen(c), c) :
		    snprintf(buf, sizeof(buf), "*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
			     strlen(a), a, strlen(b), b);

	send_all(buf, n);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	char key[32], value[64], line[128], want[64];
	double longest = 0, t;
	unsigned long n, set = 0;
	unsigned int run;
	int one = 1;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || !atoi(argv[2])) {
		fprintf(stderr, "usage: redischeck HOST-IPv4 PORT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: a blocked read returns */
	addr.sin_port = htons(atoi(argv[2]));
	srand(time(NULL) ^ getpid());
	run = rand();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		fail("connecting to %s:%s: %s", argv[1], argv[2], strerror(errno));
	printf("redischeck: connected\n");
	while (!stop) {
		snprintf(key, sizeof(key), "rc:%lu", set);
		snprintf(value, sizeof(value), "%lu-%08x", set, run);
		t = now_ms();
		command("SET", key, value);
		read_line(line, sizeof(line));
		if (strcmp(line, "+OK"))
			fail("SET %s answered \"%s\"", key, line);
		if (now_ms() - t > longest)
			longest = now_ms() - t;
		if (++set % 1000 == 0)
			printf("redischeck: %lu keys set\n", set);
		usleep(2000);
	}
	for (n = 0; n < set; n++) {
		snprintf(key, sizeof(key), "rc:%lu", n);
		snprintf(want, sizeof(want), "%lu-%08x", n, run);
		command("GET", key, NULL);
		read_line(line, sizeof(line));
		if (line[0] != '$' || atoi(line + 1) != (int)strlen(want))
			fail("GET %s answered \"%s\" (%lu of %lu keys read back)", key, line, n, set);
		read_line(line, sizeof(line));
		if (strcmp(line, want))
			fail("%s holds \"%s\", not \"%s\"", key, line, want);
	}
	printf("redischeck: PASS %lu keys set and read back over one connection, longest wait for an answer %.0f ms\n",
	       set, longest);
	return 0;
}
