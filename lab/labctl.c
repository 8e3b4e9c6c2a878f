// SPDX-License-Identifier: GPL-2.0-only
/*
 * labctl - the lab host's hands on a running lab machine.
 *
 *   labctl run SOCKET [-t SECONDS] -- COMMAND...
 *	Run COMMAND with sh -c in the OS instance whose control channel
 *	(a virtio-serial port) is SOCKET; print its output and exit with its
 *	status.
 *   labctl qmp SOCKET [-t SECONDS] COMMAND [ARGUMENTS-JSON]
 *	Execute one QMP command on QEMU's monitor socket, print the reply.
 *   labctl free-port [tcp|udp]
 *	Print a TCP (or UDP) port on 127.0.0.1 that is free now (for host forwards).
 *
 * The host only drives and observes: it never performs a failover step.
 *
 * Control protocol (the guest side is lab/guest/agent):
 *   host -> guest: "<id> <timeout> <base64 of the command>\n"
 *   guest -> host: the command's output, then "\n@@orthros-rc <id> <rc>\n"
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "labproto.h"

#define EXIT_TIMEOUT 124
#define EXIT_LAB 125	/* the lab itself failed: no socket, no answer */

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("labctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die(EXIT_LAB, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(EXIT_LAB, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(EXIT_LAB, "cannot connect to %s: %s (is the lab machine running?)",
		    path, strerror(errno));
	return fd;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EXIT_LAB, "write to the lab machine failed: %s", strerror(errno));
		buf += n;
		len -= n;
	}
}

/*
 * Read more bytes into *buf before the deadline. Returns the number read,
 * 0 at end of file, -1 when the deadline passed.
 */
static ssize_t read_some(int fd, struct labbuf *b, double deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		int r;
		ssize_t n;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_LAB, "poll: %s", strerror(errno));
		if (r == 0)
			continue;
		labbuf_reserve(b, 4096);
		n = read(fd, b->data + b->len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_LAB, "read from the lab machine failed: %s", strerror(errno));
		b->len += n;
		return n;
	}
}

static int cmd_run(const char *sock, double timeout, int argc, char **argv)
{
	struct labbuf cmd = { 0 }, line = { 0 }, in = { 0 };
	char id[32];
	double deadline = now() + timeout;
	int fd, i, rc;
	size_t out_start, out_len;

	for (i = 0; i < argc; i++) {
		if (i)
			labbuf_append(&cmd, " ", 1);
		labbuf_append(&cmd, argv[i], strlen(argv[i]));
	}
	snprintf(id, sizeof(id), "%ld-%ld", (long)getpid(), (long)time(NULL));
	if (!labproto_request(&line, id, (unsigned int)timeout, cmd.data, cmd.len))
		die(EXIT_LAB, "bad request id %s", id);

	fd = connect_unix(sock);
	write_all(fd, line.data, line.len);
	for (;;) {
		ssize_t n = read_some(fd, &in, deadline);

		if (labproto_reply(in.data, in.len, id, &out_start, &out_len, &rc))
			break;
		if (n == 0)
			die(EXIT_LAB, "control channel closed before the command finished");
		if (n < 0) {
			fwrite(in.data, 1, in.len, stdout);
			fprintf(stderr, "labctl: command did not finish within %.0f s: %s\n",
				timeout, cmd.data);
			return EXIT_TIMEOUT;
		}
	}
	fwrite(in.data + out_start, 1, out_len, stdout);
	close(fd);
	return rc;
}

/* Read one QMP line (a JSON object); skip asynchronous events. */
static char *qmp_line(int fd, struct labbuf *b, double deadline)
{
	for (;;) {
		char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;

		if (nl) {
			size_t n = nl - b->data + 1;
			char *l = strndup(b->data, n);

			memmove(b->data, b->data + n, b->len - n);
			b->len -= n;
			if (strstr(l, "\"event\""))
				continue;
			return l;
		}
		if (read_some(fd, b, deadline) <= 0)
			die(EXIT_LAB, "QMP did not answer");
	}
}

static int cmd_qmp(const char *sock, double timeout, const char *qcmd, const char *args)
{
	struct labbuf in = { 0 };
	double deadline = now() + timeout;
	char req[4096];
	char *l;
	int fd, ok;

	fd = connect_unix(sock);
	free(qmp_line(fd, &in, deadline));	/* greeting */
	write_all(fd, "{\"execute\":\"qmp_capabilities\"}\n", 31);
	free(qmp_line(fd, &in, deadline));
	if (args)
		snprintf(req, sizeof(req), "{\"execute\":\"%s\",\"arguments\":%s}\n", qcmd, args);
	else
		snprintf(req, sizeof(req), "{\"execute\":\"%s\"}\n", qcmd);
	write_all(fd, req, strlen(req));
	l = qmp_line(fd, &in, deadline);
	fputs(l, stdout);
	ok = strncmp(l, "{\"return\"", 9) == 0;
	free(l);
	close(fd);
	return ok ? 0 : 1;
}

static int cmd_free_port(bool udp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die(EXIT_LAB, "no free port: %s", strerror(errno));
	printf("%u\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: labctl run SOCKET [-t SECONDS] -- COMMAND...\n"
	      "       labctl qmp SOCKET [-t SECONDS] COMMAND [ARGUMENTS-JSON]\n"
	      "       labctl free-port [tcp|udp]\n"
	      "Exit status: the command's own, 124 on time-out, 125 when the lab\n"
	      "machine cannot be reached.\n", f);
}

int main(int argc, char **argv)
{
	double timeout = 60;
	const char *verb, *sock;
	int i = 3;

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "free-port") &&
	    (argc == 2 || !strcmp(argv[2], "tcp") || !strcmp(argv[2], "udp")))
		return cmd_free_port(argc == 3 && !strcmp(argv[2], "udp"));
	if (argc < 4) {
		usage(stderr);
		return 2;
	}
	verb = argv[1];
	sock = argv[2];
	if (!strcmp(argv[i], "-t")) {
		char *end;

		if (i + 1 >= argc)
			die(2, "-t needs a number of seconds");
		timeout = strtod(argv[i + 1], &end);
		if (*end || timeout <= 0)
			die(2, "bad time-out '%s'", argv[i + 1]);
		i += 2;
	}
	if (!strcmp(verb, "run")) {
		if (i < argc && !strcmp(argv[i], "--"))
			i++;
		if (i >= argc)
			die(2, "run needs a command");
		return cmd_run(sock, timeout, argc - i, argv + i);
	}
	if (!strcmp(verb, "qmp")) {
		if (i >= argc || argc - i > 2)
			die(2, "qmp needs a command and at most one JSON argument");
		return cmd_qmp(sock, timeout, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	}
	usage(stderr);
	return 2;
}
