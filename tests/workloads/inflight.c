// SPDX-License-Identifier: GPL-2.0-only
/*
 * inflight: a workload whose system calls are caught half done by a crash
 * (syscall-inflight): one thread appends records to a file with O_APPEND,
 * the main thread echoes pmpeer's TCP stream with its own, sending through a
 * small send buffer so that a send sleeps with part of its data queued,
 * and a thread writes a stream into a pipe in 1 MiB writes that another
 * thread reads 64 KiB at a time, ten times a second, so that a pipe write
 * sleeps with part of its data in the pipe. After a restore in another
 * kernel it goes on, and it checks itself: the file holds every record
 * once, in order (its size after each append, its bytes every few); every
 * byte from the peer is the peer's stream (pmpeer checks the bytes sent
 * back); every byte out of the pipe is the stream's next. One write(2) per
 * status line on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pmnet.h"

#define REC		(64u << 10)	/* one append: 16 pages */
#define REC_MAGIC	0x544c4649u	/* "IFLT" */
#define CAP_RECS	128u		/* 8 MiB, then the file starts again */
#define CHECK_EVERY	16u		/* records between checks of the whole file */
#define NET_BUF		(256u << 10)
#define SNDBUF		4096		/* the kernel's least: a send sleeps often */
#define PIPE_WRITE	(1u << 20)	/* one pipe write: 16 times the pipe */
#define PIPE_READ	(64u << 10)	/* one pipe read, every PIPE_PAUSE_US */
#define PIPE_PAUSE_US	100000
#define PIPE_SALT	0x5a

static const char usage[] =
"usage: inflight DIR\n"
"Appends 64 KiB records {\"IFLT\", seq, gen} + a pattern with O_APPEND to\n"
"DIR/append.dat (8 MiB, then truncated, gen+1), checking the file's size after\n"
"each append and its every byte every 16; serves pmpeer on TCP port 7000:\n"
"read()s its stream, checks it, send()s as many bytes of its own through a\n"
"4 KiB send buffer; writes a pattern into a pipe 1 MiB a call and reads it\n"
"back 64 KiB ten times a second, checking it. Lines: \"inflight: start pid=P\",\n"
"\"inflight: pipe writer tid=T\", about once a second \"inflight: alive\n"
"appended=A gen=G tcp_in=I tcp_out=O piped=B\", \"inflight: FAIL WHAT\"\n"
"(exit 1), at the peer's end of stream \"inflight: stop ...\" (exit 0).\n";

static const char *dir;
static atomic_uint_fast64_t appended, gen, tcp_in, tcp_out, piped;
static int pipefd[2];

static void __attribute__((format(printf, 2, 3))) say(int bad, const char *fmt, ...)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "inflight: %s", bad ? "FAIL " : "");
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(1, line, n) < 0)
		exit(3);
	if (bad)
		exit(1);
}

/* Byte k of record seq of generation g: a header, then a pattern of both. */
static void fill_rec(uint8_t *p, uint64_t seq, uint64_t g)
{
	uint32_t h[4] = { REC_MAGIC, (uint32_t)seq, (uint32_t)g, REC };

	pmnet_fill(p, REC, seq * REC, (uint8_t)(seq ^ g));
	memcpy(p, h, sizeof(h));
}

static void check_file(int fd, uint64_t nrecs, uint64_t g)
{
	static uint8_t want[REC], have[REC];
	uint64_t i;

	for (i = 0; i < nrecs; i++) {
		ssize_t n = pread(fd, have, REC, i * REC);

		if (n != REC)
			say(1, "append.dat: record %" PRIu64 " of %" PRIu64 ": read %zd", i, nrecs, n);
		fill_rec(want, i, g);
		if (memcmp(have, want, REC)) {
			size_t k = 0;

			while (have[k] == want[k])
				k++;
			say(1, "append.dat: record %" PRIu64 " gen %" PRIu64 " byte %zu is %#x, expected %#x",
			    i, g, k, have[k], want[k]);
		}
	}
}

/* Appends, short writes and all, as a careful program does. */
static void *appender(void *unused)
{
	static uint8_t rec[REC];
	char path[4096];
	struct stat st;
	uint64_t seq = 0;
	int fd, rfd;

	(void)unused;
	snprintf(path, sizeof(path), "%s/append.dat", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	rfd = open(path, O_RDONLY);
	if (fd < 0 || rfd < 0)
		say(1, "%s: %s", path, strerror(errno));
	for (;;) {
		size_t off = 0;

		if (seq == CAP_RECS) {
			if (ftruncate(fd, 0))
				say(1, "ftruncate: %s", strerror(errno));
			seq = 0;
			atomic_fetch_add(&gen, 1);
		}
		fill_rec(rec, seq, atomic_load(&gen));
		while (off < REC) {
			ssize_t n = write(fd, rec + off, REC - off);

			if (n <= 0)
				say(1, "append: write: %s", n ? strerror(errno) : "0 bytes");
			off += n;
		}
		seq++;
		if (fstat(fd, &st))
			say(1, "fstat: %s", strerror(errno));
		if ((uint64_t)st.st_size != seq * REC)
			say(1, "append.dat is %jd bytes after record %" PRIu64 ", expected %" PRIu64,
			    (intmax_t)st.st_size, seq - 1, seq * REC);
		if (seq % CHECK_EVERY == 0)
			check_file(rfd, seq, atomic_load(&gen));
		atomic_fetch_add(&appended, 1);
		usleep(20000);
	}
	return NULL;
}

/* The pipe's writer: a stream of PIPE_WRITE-byte writes, short ones and all. */
static void *pipe_writer(void *unused)
{
	static uint8_t buf[PIPE_WRITE];
	uint64_t out = 0;

	(void)unused;
	say(0, "pipe writer tid=%d", (int)gettid());
	for (;;) {
		size_t off = 0;

		pmnet_fill(buf, sizeof(buf), out, PIPE_SALT);
		while (off < sizeof(buf)) {
			ssize_t n = write(pipefd[1], buf + off, sizeof(buf) - off);

			if (n <= 0)
				say(1, "pipe: write: %s", n ? strerror(errno) : "0 bytes");
			off += n;
		}
		out += sizeof(buf);
	}
	return NULL;
}

/* The pipe's reader: every byte must be the stream's next, none twice. */
static void *pipe_reader(void *unused)
{
	static uint8_t buf[PIPE_READ];

	(void)unused;
	for (;;) {
		uint64_t in = atomic_load(&piped);
		ssize_t n = read(pipefd[0], buf, sizeof(buf));
		size_t k;

		if (n <= 0)
			say(1, "pipe: read: %s at byte %" PRIu64, n ? strerror(errno) : "end of file", in);
		k = pmnet_check(buf, n, in, PIPE_SALT);
		if (k < (size_t)n)
			say(1, "pipe: byte %" PRIu64 " is %#x, expected %#x", in + k, buf[k],
			    pmnet_pat(in + k, PIPE_SALT));
		atomic_store(&piped, in + n);
		usleep(PIPE_PAUSE_US);
	}
	return NULL;
}

static void *reporter(void *unused)
{
	(void)unused;
	for (;;) {
		sleep(1);
		say(0, "alive appended=%" PRIu64 " gen=%" PRIu64 " tcp_in=%" PRIu64
		    " tcp_out=%" PRIu64 " piped=%" PRIu64, atomic_load(&appended),
		    atomic_load(&gen), atomic_load(&tcp_in), atomic_load(&tcp_out),
		    atomic_load(&piped));
	}
	return NULL;
}

/* The TCP side, in the main thread: read the peer's stream, echo as much. */
static void serve(void)
{
	static uint8_t buf[NET_BUF];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PMNET_TCP_PORT) };
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd, one = 1, small = SNDBUF;

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		say(1, "tcp: listen: %s", strerror(errno));
	cfd = accept(lfd, NULL, NULL);
	if (cfd < 0 || setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)))
		say(1, "tcp: accept: %s", strerror(errno));
	close(lfd);
	for (;;) {
		ssize_t n = read(cfd, buf, sizeof(buf));
		uint64_t in = atomic_load(&tcp_in), out = atomic_load(&tcp_out);
		size_t k, off = 0;

		if (!n) {
			say(0, "stop tcp_in=%" PRIu64 " tcp_out=%" PRIu64, in, out);
			exit(0);
		}
		if (n < 0)
			say(1, "tcp: read: %s at tcp_in=%" PRIu64, strerror(errno), in);
		k = pmnet_check(buf, n, in, PMNET_CLIENT);
		if (k < (size_t)n)
			say(1, "tcp: byte %" PRIu64 " from the peer is %#x, expected %#x", in + k,
			    buf[k], pmnet_pat(in + k, PMNET_CLIENT));
		atomic_store(&tcp_in, in + n);
		pmnet_fill(buf, n, out, PMNET_SERVER);
		while (off < (size_t)n) {
			ssize_t m = send(cfd, buf + off, n - off, MSG_NOSIGNAL);

			if (m <= 0)
				say(1, "tcp: send: %s", m ? strerror(errno) : "0 bytes");
			off += m;
		}
		atomic_store(&tcp_out, out + n);
	}
}

int main(int argc, char **argv)
{
	pthread_t a, r, pw, pr;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return fputs(usage, stdout) < 0;
	if (argc != 2) {
		fputs(usage, stderr);
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST)
		say(1, "%s: %s", dir, strerror(errno));
	say(0, "start pid=%d", (int)getpid());
	if (pipe(pipefd))
		say(1, "pipe: %s", strerror(errno));
	if (pthread_create(&a, NULL, appender, NULL) || pthread_create(&r, NULL, reporter, NULL) ||
	    pthread_create(&pw, NULL, pipe_writer, NULL) ||
	    pthread_create(&pr, NULL, pipe_reader, NULL))
		say(1, "pthread_create failed");
	serve();
	return 0;
}
