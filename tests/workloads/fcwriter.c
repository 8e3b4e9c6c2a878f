// SPDX-License-Identifier: GPL-2.0-only
/*
 * fcwriter: keeps verifiable records dirty in the page cache of an ext4
 * disk and acks every write() that has returned on a serial tty or file, so
 * that after a kernel panic `fcwriter verify` can tell whether any returned
 * write was lost (it must not be when the file cache is migrated).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fcrecord.h"

#define FILL_NREC	20			/* 4000 bytes per write */
#define FILL_FILE_MAX	(64ull << 20)

static const char usage_text[] =
"usage: fcwriter run DIR --acks PATH [--rate WRITES_PER_SEC] [--seed N]\n"
"       fcwriter fill DIR --acks PATH --mib N\n"
"       fcwriter verify DIR ACKLOG\n"
"\n"
"run     create DIR/middle.dat (2048 records, fsynced) and DIR/append.dat,\n"
"        ack \"READY\", then forever append to append.dat and overwrite\n"
"        records of middle.dat, never syncing, at --rate writes/s (default\n"
"        200, 0 = flat out); after each write() returns, ack\n"
"        \"A <file_id> <seq> <slot> <nrec>\". SIGUSR1 creates\n"
"        DIR/late/fresh.dat (acks \"LATE 3 late/fresh.dat\") and appends to\n"
"        it too. SIGTERM or SIGINT stops it (exit 0).\n"
"fill    ack \"READY\", write N MiB as 4000-byte appends to DIR/fill-<k>.dat\n"
"        (64 MiB each, file id 10+k), acking each, ack \"FILLED <N>\", then\n"
"        wait for a signal with the data left dirty.\n"
"verify  check that every write acked in ACKLOG is in the files under DIR;\n"
"        exit 0 if none was lost, 1 if some were, 2 on a usage or I/O error.\n"
"\n"
"PATH is a tty (set raw), or a file that is appended to (created if need be).\n"
"Records are 200 bytes: magic, file id, seq, slot, payload and crc32.\n";

static volatile sig_atomic_t stop, late_req;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		late_req = 1;
	else
		stop = 1;
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "fcwriter: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(fcwriter --help for usage)\n");
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "fcwriter: %s: %s (errno %d)\n", what, strerror(errno),
		errno);
	exit(1);
}

/* Writes all of buf at off (off < 0: at the file position), despite EINTR. */
static void write_all(int fd, const void *buf, size_t len, off_t off,
		      const char *what)
{
	const char *p = buf;

	while (len) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			die(what);
		}
		p += n;
		len -= n;
		if (off >= 0)
			off += n;
	}
}

static void ack(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ack(int fd, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write_all(fd, line, n, -1, "ack");	/* one write() unless cut short */
}

static uint64_t parse_num(const char *s, const char *opt)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		usage_error("%s needs a number", opt);
	return v;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void mkdir_p(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; ; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			die(path);
		if (!c)
			break;
		*p = c;
	}
}

static int open_file(const char *dir, const char *rel, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, flags, 0644);
	if (fd < 0)
		die(path);
	return fd;
}

static int open_acks(const char *path)
{
	int fl = O_WRONLY | O_NOCTTY | O_NONBLOCK | O_APPEND;
	struct termios t;
	int fd;

	fd = open(path, fl);
	if (fd < 0 && errno == ENOENT && strncmp(path, "/dev/", 5))
		fd = open(path, fl | O_CREAT, 0644);
	if (fd < 0)
		die(path);
	if (isatty(fd)) {	/* bytes pass unchanged, no modem control */
		if (tcgetattr(fd, &t))
			die(path);
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL;
		if (tcsetattr(fd, TCSANOW, &t))
			die(path);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		die(path);
	return fd;
}

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* One write of n records from slot on, then its ack. */
static void record_write(int fd, int afd, uint32_t id, uint64_t seq,
			 uint64_t slot, unsigned int n)
{
	static uint8_t buf[FC_MAX_NREC * FCREC_SIZE];

	for (unsigned int i = 0; i < n; i++)
		fcrec_make(buf + i * FCREC_SIZE, id, seq, slot + i);
	write_all(fd, buf, n * FCREC_SIZE, slot * FCREC_SIZE, "pwrite");
	ack(afd, "A %u %" PRIu64 " %" PRIu64 " %u\n", id, seq, slot, n);
}

static int run(const char *dir, int afd, uint64_t rate, uint64_t seed)
{
	uint64_t seq = 0, x = seed * 0x9e3779b97f4a7c15ull + 1, aslots = 0, lslots = 0;
	int fa, fm, fl = -1, dfd;
	struct timespec next, now;
	uint8_t *init;
	char path[4096];

	if (!x)
		x = 1;
	mkdir_p(dir);
	snprintf(path, sizeof(path), "%s/late/fresh.dat", dir);
	if (unlink(path) && errno != ENOENT)	/* left by an earlier run */
		die(path);
	snprintf(path, sizeof(path), "%s/late", dir);
	if (rmdir(path) && errno != ENOENT)
		die(path);
	init = malloc(FC_MIDDLE_RECS * FCREC_SIZE);
	if (!init)
		die("malloc");
	for (uint64_t s = 0; s < FC_MIDDLE_RECS; s++)
		fcrec_make(init + s * FCREC_SIZE, FC_ID_MIDDLE, 0, s);
	fm = open_file(dir, "middle.dat", O_RDWR | O_CREAT | O_TRUNC);
	write_all(fm, init, FC_MIDDLE_RECS * FCREC_SIZE, 0, "middle.dat");
	free(init);
	fa = open_file(dir, "append.dat", O_RDWR | O_CREAT | O_TRUNC);
	dfd = open_file(dir, ".", O_RDONLY | O_DIRECTORY);
	if (fsync(fm) || fsync(fa) || fsync(dfd))
		die("fsync");
	ack(afd, "READY\n");
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		uint64_t r = rnd(&x), op = r % (fl >= 0 ? 3 : 2);
		unsigned int n;

		if (late_req && fl < 0) {	/* SIGUSR1 */
			snprintf(path, sizeof(path), "%s/late", dir);
			if (mkdir(path, 0755) && errno != EEXIST)
				die(path);
			fl = open_file(dir, "late/fresh.dat", O_RDWR | O_CREAT | O_TRUNC);
			ack(afd, "LATE %d late/fresh.dat\n", FC_ID_LATE);
		}
		late_req = 0;
		seq++;
		r = rnd(&x);
		if (op == 0) {
			n = 1 + r % 12;
			record_write(fa, afd, FC_ID_APPEND, seq, aslots, n);
			aslots += n;
		} else if (op == 1) {
			n = 1 + r % 4;
			record_write(fm, afd, FC_ID_MIDDLE, seq,
				     (r >> 8) % (FC_MIDDLE_RECS - n + 1), n);
		} else {
			n = 1 + r % 12;
			record_write(fl, afd, FC_ID_LATE, seq, lslots, n);
			lslots += n;
		}
		if (!rate)
			continue;
		next.tv_nsec += 1000000000 / rate;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec + 1)
			next = now;		/* far behind: do not burst */
		while (!stop && !late_req &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	fprintf(stderr, "fcwriter: stopped after %" PRIu64 " writes\n", seq);
	return 0;
}

static int fill(const char *dir, int afd, uint64_t mib)
{
	uint64_t total = mib << 20, done = 0, seq = 0, slot = 0;
	struct timespec t0, t1;
	int fd = -1, k = -1;
	char rel[64];
	double secs;

	mkdir_p(dir);
	ack(afd, "READY\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < total && !stop) {
		if (fd < 0 || (slot + FILL_NREC) * FCREC_SIZE > FILL_FILE_MAX) {
			if (fd >= 0)
				close(fd);
			fc_relpath(FC_ID_FILL + ++k, rel, sizeof(rel));
			fd = open_file(dir, rel, O_WRONLY | O_CREAT | O_TRUNC);
			slot = 0;
		}
		record_write(fd, afd, FC_ID_FILL + k, ++seq, slot, FILL_NREC);
		slot += FILL_NREC;
		done += FILL_NREC * FCREC_SIZE;
	}
	if (stop)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ack(afd, "FILLED %" PRIu64 "\n", mib);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "fcwriter: filled %" PRIu64 " bytes in %d files in %.2f s "
		"(%.1f MiB/s), waiting\n", done, k + 1, secs,
		secs > 0 ? done / secs / (1 << 20) : 0);
	while (!stop)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *acks = NULL, *cmd;
	uint64_t rate = 200, seed = 1, mib = 0;
	int npos = 0, have_mib = 0, have_run = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
	if (argc < 2)
		usage_error("%s", "no command given");
	cmd = argv[1];
	if (strcmp(cmd, "run") && strcmp(cmd, "fill") && strcmp(cmd, "verify"))
		usage_error("unknown command '%s'", cmd);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			if (npos == 2)
				usage_error("unexpected argument '%s'", a);
			pos[npos++] = a;
			continue;
		}
		if (strcmp(a, "--acks") && strcmp(a, "--rate") &&
		    strcmp(a, "--seed") && strcmp(a, "--mib"))
			usage_error("unknown option '%s'", a);
		if (i + 1 == argc)
			usage_error("%s needs a value", a);
		if (!strcmp(a, "--acks"))
			acks = argv[++i];
		else if (!strcmp(a, "--rate"))
			rate = parse_num(argv[++i], a), have_run = 1;
		else if (!strcmp(a, "--seed"))
			seed = parse_num(argv[++i], a), have_run = 1;
		else
			mib = parse_num(argv[++i], a), have_mib = 1;
	}
	if (!strcmp(cmd, "verify")) {
		long lost;

		if (npos != 2 || acks)
			usage_error("%s", "verify takes DIR ACKLOG and no options");
		lost = fcverify(pos[0], pos[1], stdout);
		return lost < 0 ? 2 : lost > 0;
	}
	if (npos != 1)
		usage_error("%s takes one DIR", cmd);
	if (!acks)
		usage_error("%s needs --acks PATH", cmd);
	if (rate > 1000000)
		usage_error("%s", "--rate is at most 1000000");
	if (!strcmp(cmd, "fill") && !have_mib)
		usage_error("%s", "fill needs --mib N");
	if (have_mib && strcmp(cmd, "fill"))
		usage_error("%s", "--mib is for fill only");
	if (have_run && strcmp(cmd, "run"))
		usage_error("%s", "--rate and --seed are for run only");
	if (mib > FC_FILL_MAX * 63)	/* a fill file holds 63.99 MiB */
		usage_error("%s", "--mib is too large");
	signals();
	if (!strcmp(cmd, "run"))
		return run(pos[0], open_acks(acks), rate, seed);
	return fill(pos[0], open_acks(acks), mib);
}
