// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmwork: a workload that is crashed under (a kernel panic), restored by
 * CRIU in another kernel and goes on running, checking itself all along:
 * its memory, FPU/SSE and integer registers, file data and file offsets,
 * threads, mutex state, pid, and TCP and UDP sockets with a peer (pmpeer)
 * on the other side. One write(2) per status line on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pmnet.h"

#define REC_SIZE	64
#define REC_MAGIC	0x4b525750u			/* "PWRK" */
#define CAP_RECS	((64u << 20) / REC_SIZE)	/* records.dat restarts */
#define CHUNK_RECS	((8u << 20) / REC_SIZE)		/* per write (write timing) */
/* The checked buffer: 32 MiB, or PMWORK_MEM_MIB (the restore benchmark). */
static size_t mem_words = (32u << 20) / 8;
#define MEM_WORDS	mem_words
#define NWORK		4
#define BLOCK		(1u << 20)			/* threads, write timing */
#define NBLOCKS		64				/* thread-<i>.dat: 64 MiB */
#define BLOCK_MAGIC	0x42545750u			/* "PWTB" */
#define STALL_ROUNDS	60
#define NET_BLOCK	(8u << 20)			/* net, write timing */
#define NET_SLOTS	8				/* net.dat: 64 MiB */
#define NSEC		1000000000ull
#define MEM_WORD(i)	((uint64_t)((i) * 0x9e3779b97f4a7c15ull) ^ mem_seed)

enum { T_SYSCALL, T_WRITE, T_USER };
enum { W_FILE, W_THREADS, W_NET };

static const char usage_text[] =
"usage: pmwork file|threads|net syscall|write|user DIR\n"
"Runs until SIGTERM/SIGINT (exit 0) checking itself, to notice what a restore\n"
"in another kernel after a crash lost. Makes DIR (one level). stdout lines:\n"
"\"pmwork: start WORKLOAD TIMING pid=P\" when set up; about once a second\n"
"\"pmwork: alive round=N seq=S gen=G\" (file), \"... counter=C\" (threads) or\n"
"\"... tcp_in=I tcp_out=O udp=U\" (net), N += 1 a line; \"pmwork: FAIL WHAT\"\n"
"(exit 1); \"pmwork: stop round=N\".\n"
"file     pwrite()s 64-byte records {\"PWRK\", 0, seq, payload, crc32} at\n"
"         seq*64 to DIR/records.dat (truncated at start; again at 64 MiB,\n"
"         seq from 0, gen+1), reading each write's ends back; each round a\n"
"         2nd fd read()s on to the end, every 2nd the whole file is checked.\n"
"threads  4 workers count under an error-checking mutex, checking their own\n"
"         counts and tids; the main thread checks the sums and a hash.\n"
"net      listens on TCP 0.0.0.0:7000, is bound to UDP 0.0.0.0:7001 (the\n"
"         peer: pmpeer; tests/workloads/pmnet.h). Accepts one connection,\n"
"         checks each byte from it against the client stream (pmnet_pat(k,\n"
"         0xC1) at offset k) and answers each read with as many bytes of its\n"
"         own (0x5E): I = O. The client's end (FIN) gives \"pmwork: tcp end\n"
"         tcp_in=I tcp_out=O\" and the checks of it stop; a reset, an error or\n"
"         no byte in 60 rounds is a FAIL. Answers each datagram {\"PUDP\", 0,\n"
"         u64 client_seq} (client_seq must grow) with {\"PUDP\", 0, u64\n"
"         server_seq, u64 client_seq}, server_seq U = 1, 2, 3... Each round the\n"
"         3 sockets' types, addresses and peer are checked.\n"
"syscall  mostly in nanosleep: 50 ms a record (workers: 10 ms a step); net:\n"
"         in poll() (pmpeer sends every 50 ms)\n"
"write    mostly in pwrite: 8 MiB a write (workers: 1 MiB blocks to\n"
"         DIR/thread-I.dat, wrapping at 64 MiB, their ends read back; net: 8 MiB\n"
"         to DIR/net.dat, wrapping at 64 MiB, the last one read back each\n"
"         round, the network looked at between blocks)\n"
"user     mostly computing: a ~0.5 s (workers ~0.2 s, net ~0.3 s between\n"
"         looks at the network) floating-point loop compared bit for bit\n"
"         with its result at start\n"
"Always: a 32 MiB buffer (PMWORK_MEM_MIB in the environment: that many MiB)\n"
"checked each round; pid unchanged; SIGUSR2 blocked, and once sent it must\n"
"stay pending (\"pmwork: sigusr2 pending\" when first seen); the wall clock\n"
"never goes back more than 2 s nor ahead more than 120 s between checks.\n";

static const char *const timings[] = { "syscall", "write", "user" };
static int timing;
static pid_t pid0;
static pthread_t main_self;
static volatile sig_atomic_t stop;
static volatile double fpu_seed = 1.0;	/* keeps fpu_loop() from being folded */
static uint64_t *mem, mem_seed;

static void __attribute__((format(printf, 2, 3))) out(int bad, const char *fmt, ...)
{
	static int failing;
	char line[512];
	va_list ap;
	int n;

	if (bad && __atomic_exchange_n(&failing, 1, __ATOMIC_SEQ_CST))
		for (;;)
			pause();	/* another thread is reporting */
	n = snprintf(line, sizeof(line), "pmwork: %s", bad ? "FAIL " : "");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n = n < (int)sizeof(line) - 1 ? n : (int)sizeof(line) - 1;
	line[n++] = '\n';
	n = write(1, line, n);	/* if it fails, there is nowhere to say so */
	if (bad)
		_exit(1);
}

#define say(...)	out(0, __VA_ARGS__)
#define fail(...)	out(1, __VA_ARGS__)

static void check_e(int e, const char *who, const char *what)
{
	if (e)
		fail("%s: %s: %s", who, what, strerror(e));
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	check_e(p ? 0 : ENOMEM, "malloc", "setting up");
	return p;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * NSEC + t.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);	/* EINTR: the caller looks at stop */
}

/*
 * Whether a round is due: once a second on average. After a jump of the
 * clock (a restore in another kernel) the next is due in a second.
 */
static int round_due(uint64_t now, uint64_t *next)
{
	if (now + NSEC < *next)
		*next = now + NSEC;
	if (now < *next)
		return 0;
	*next = now < *next + NSEC ? *next + NSEC : now + NSEC;
	return 1;
}

static uint64_t mix(uint64_t x)		/* splitmix64 */
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint32_t pw_crc32(const void *buf, size_t len)	/* IEEE */
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	uint32_t c;

	for (uint32_t i = 0; !table[255] && i < 256; i++) {
		c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	for (c = ~0u; len--; p++)
		c = table[(c ^ *p) & 0xff] ^ (c >> 8);
	return ~c;
}

/* Record seq: u32 magic, u32 0, u64 seq, 44 bytes payload, u32 crc32. */
static void rec_make(uint8_t *r, uint64_t seq)
{
	uint32_t head[2] = { REC_MAGIC, 0 }, crc;
	uint64_t p[6];

	for (int k = 0; k < 6; k++)
		p[k] = mix(seq * 8 + k);
	memcpy(r, head, 8);
	memcpy(r + 8, &seq, 8);
	memcpy(r + 16, p, 44);
	crc = pw_crc32(r, 60);
	memcpy(r + 60, &crc, 4);
}

/* Why r is not record seq, or NULL if it is. */
static const char *rec_check(const uint8_t *r, uint64_t seq)
{
	uint8_t want[REC_SIZE], zero[REC_SIZE] = { 0 };
	uint32_t magic, crc;
	uint64_t s;

	rec_make(want, seq);
	memcpy(&magic, r, 4);
	memcpy(&s, r + 8, 8);
	memcpy(&crc, r + 60, 4);
	return !memcmp(r, want, REC_SIZE) ? NULL :
	       !memcmp(r, zero, REC_SIZE) ? "zeros" :
	       magic != REC_MAGIC ? "bad magic" :
	       crc != pw_crc32(r, 60) ? "bad crc" :
	       s != seq ? "another seq" : "bad payload";
}

/* The user timing's loop: independent accumulators kept in registers. */
struct fpres {
	double d;
	uint64_t h;
};

static __attribute__((noinline)) struct fpres fpu_loop(uint64_t n)
{
	double x = fpu_seed, f = fpu_seed, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (uint64_t i = 0; i < n; i++) {
		x += 1.0;
		f *= 1.000001;
		if (f > 4.0)
			f *= 0.25;
		a0 += f / x;
		a1 += x * f * 1e-9;
		a2 = a2 * 0.9999 + f;
		a3 += 1.0 / (x * f);
		h = (h ^ i) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return (struct fpres){ a0 + a1 + a2 + a3, h };
}

static uint64_t fpu_n;		/* iterations for about target_ns */
static struct fpres fpu_ref;

static void fpu_calibrate(uint64_t target_ns)
{
	uint64_t n, t;

	for (n = 1 << 16; ; n *= 2) {
		t = mono_ns();
		fpu_ref = fpu_loop(n);
		t = mono_ns() - t;
		if (t >= NSEC / 20 || n >= (1ull << 40))
			break;
	}
	fpu_n = (double)n * target_ns / (t ? t : 1) + 1;
	fpu_ref = fpu_loop(fpu_n);
}

static void fpu_check(const char *who)
{
	struct fpres r = fpu_loop(fpu_n);

	if (memcmp(&r, &fpu_ref, sizeof(r)))
		fail("%s: fpu loop gave %a/%#" PRIx64 ", expected %a/%#" PRIx64,
		     who, r.d, r.h, fpu_ref.d, fpu_ref.h);
}

/*
 * SIGUSR2 stays blocked: once the lab sends one, it must stay pending
 * (a restore carries queued signals over).
 */
static void sig_check(void)
{
	static int seen;
	sigset_t set;

	sigpending(&set);
	if (sigismember(&set, SIGUSR2)) {
		if (!seen)
			say("sigusr2 pending");
		seen = 1;
	} else if (seen) {
		fail("the pending SIGUSR2 was lost");
	}
}

/*
 * The wall clock goes on across a failover as between two checks: never
 * back (2 s for a clock read from a CMOS second), never ahead by more than
 * the longest failover. A survivor whose clock began at the epoch once
 * made restored processes see it jump back 57 years. NULL if it is fine.
 */
#define CLOCK_MAX_BACK_NS	(2 * NSEC)
#define CLOCK_MAX_AHEAD_NS	(120 * NSEC)
static const char *clock_gap(int64_t prev_ns, int64_t now_ns)
{
	if (prev_ns && now_ns < prev_ns - (int64_t)CLOCK_MAX_BACK_NS)
		return "went back";
	if (prev_ns && now_ns > prev_ns + (int64_t)CLOCK_MAX_AHEAD_NS)
		return "jumped ahead";
	return NULL;
}

static void clock_check(void)
{
	static int64_t prev;
	struct timespec t;
	const char *why;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &t);
	now = (int64_t)t.tv_sec * NSEC + t.tv_nsec;
	why = clock_gap(prev, now);
	if (why)
		fail("wall clock %s: %.3f s -> %.3f s since the epoch", why, prev / 1e9, now / 1e9);
	prev = now;
}

static void mem_check(void)
{
	sig_check();
	clock_check();
	for (size_t i = 0; i < MEM_WORDS; i++)
		if (mem[i] != MEM_WORD(i))
			fail("memory: word %zu of the buffer is %#" PRIx64
			     ", expected %#" PRIx64, i, mem[i], MEM_WORD(i));
}

static void check_ids(const char *who, long tid, pthread_t self)
{
	if (getpid() != pid0 || syscall(SYS_gettid) != tid ||
	    !pthread_equal(pthread_self(), self))
		fail("%s: pid %d tid %ld or pthread_self changed (were %d %ld)",
		     who, (int)getpid(), syscall(SYS_gettid), (int)pid0, tid);
}

/* pwrite ('w'), pread ('p') or read ('r', off only said) all of len. */
static void xfer(int op, int fd, void *buf, size_t len, off_t off,
		 const char *what)
{
	for (char *p = buf; len; ) {
		ssize_t n = op == 'w' ? pwrite(fd, p, len, off) :
			    op == 'p' ? pread(fd, p, len, off) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("%s %s at %lld: %s", op == 'w' ? "write" : "read",
			     what, (long long)off, n ? strerror(errno) : "end of file");
		p += n;
		len -= n;
		off += n;
	}
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags, 0644);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	return fd;
}

/* The file workload: the writer's fd, the follower's fd and where they are. */
static struct {
	int wfd, rfd;
	uint64_t next_seq, rseq, round;
	unsigned int gen;
	uint8_t *buf;		/* CHUNK_RECS records */
	uint8_t *image;		/* write timing: records 0 .. CAP_RECS-1, */
	uint64_t image_sum;	/* checked each round */
} f;

static uint64_t sum64(const void *buf, size_t len)
{
	const uint64_t *w = buf;
	uint64_t h = 0;

	for (len /= 8; len--; w++)
		h = (h ^ *w) * 0x100000001b3ull;
	return h;
}

static void check_recs(const uint8_t *buf, uint64_t seq, uint64_t n,
		       const char *who)
{
	if (f.image && !memcmp(buf, f.image + seq * REC_SIZE, n * REC_SIZE))
		return;
	for (; n--; buf += REC_SIZE, seq++) {
		const char *why = rec_check(buf, seq);

		if (why)
			fail("%s: records.dat record %" PRIu64 " (offset %" PRIu64
			     ", gen %u): %s, seq field %" PRIu64, who, seq,
			     seq * REC_SIZE, f.gen, why, *(const uint64_t *)(buf + 8));
	}
}

/* Reads n records from seq on by pread ('p') or the follower's read ('r'). */
static void read_recs(int op, uint64_t seq, uint64_t n, const char *who)
{
	for (uint64_t k; n; n -= k, seq += k) {
		k = n < CHUNK_RECS ? n : CHUNK_RECS;
		xfer(op, op == 'r' ? f.rfd : f.wfd, f.buf, k * REC_SIZE,
		     seq * REC_SIZE, "records.dat");
		check_recs(f.buf, seq, k, who);
	}
}

static void check_follower(void)
{
	off_t pos = lseek(f.rfd, 0, SEEK_CUR);

	if (pos != (off_t)(f.rseq * REC_SIZE) || f.rseq > f.next_seq)
		fail("follower: file offset %lld, expected %" PRIu64 " (writer at %"
		     PRIu64 ")", (long long)pos, f.rseq * REC_SIZE, f.next_seq * REC_SIZE);
}

static void file_write(uint64_t n)
{
	uint8_t one[REC_SIZE];

	if (f.next_seq + n > CAP_RECS) {
		check_follower();
		if (ftruncate(f.wfd, 0) || lseek(f.rfd, 0, SEEK_SET))
			fail("restarting records.dat: %s", strerror(errno));
		f.next_seq = f.rseq = 0;
		f.gen++;
	}
	if (!f.image)
		rec_make(one, f.next_seq);
	xfer('w', f.wfd, f.image ? f.image + f.next_seq * REC_SIZE : one,
	     n * REC_SIZE, f.next_seq * REC_SIZE, "records.dat");
	f.next_seq += n;
	read_recs('p', f.next_seq - n, 1, "read back");
	read_recs('p', f.next_seq - 1, 1, "read back");
}

static void round_file(void)
{
	struct stat st;

	check_follower();
	read_recs('r', f.rseq, f.next_seq - f.rseq, "follower");
	f.rseq = f.next_seq;
	if (!(++f.round % 2)) {
		if (fstat(f.wfd, &st))
			fail("fstat records.dat: %s", strerror(errno));
		if ((uint64_t)st.st_size != f.next_seq * REC_SIZE)
			fail("records.dat is %lld bytes, expected %" PRIu64 " (gen %u)",
			     (long long)st.st_size, f.next_seq * REC_SIZE, f.gen);
		read_recs('p', 0, f.next_seq, "full check");
	}
	mem_check();
	if (f.image && sum64(f.image, CAP_RECS * REC_SIZE) != f.image_sum)
		fail("memory: the records to write changed");
	say("alive round=%" PRIu64 " seq=%" PRIu64 " gen=%u", f.round,
	    f.next_seq - 1, f.gen);
}

static uint64_t run_file(const char *dir)
{
	uint64_t next = mono_ns() + NSEC;

	f.wfd = open_in(dir, "records.dat", O_RDWR | O_CREAT | O_TRUNC);
	f.rfd = open_in(dir, "records.dat", O_RDONLY);
	f.buf = xmalloc(CHUNK_RECS * REC_SIZE);
	f.image = timing == T_WRITE ? xmalloc(CAP_RECS * REC_SIZE) : NULL;
	for (uint64_t s = 0; f.image && s < CAP_RECS; s++)
		rec_make(f.image + s * REC_SIZE, s);
	f.image_sum = f.image ? sum64(f.image, CAP_RECS * REC_SIZE) : 0;
	say("start file %s pid=%d", timings[timing], (int)pid0);
	while (!stop) {
		if (timing == T_SYSCALL)
			sleep_ms(50);
		if (timing == T_USER) {
			fpu_check("main");
			mem_check();
		}
		file_write(timing == T_WRITE ? CHUNK_RECS : 1);
		check_ids("main", pid0, main_self);
		if (round_due(mono_ns(), &next))
			round_file();
	}
	return f.round;
}

/* The threads workload: what the workers share, under an error-checking mutex. */
static struct {
	pthread_mutex_t lock;
	uint64_t counter, hash, per_thread[NWORK];
} sh;
static int block_fd[NWORK];

/* Block b of worker i: a per-worker pattern with a header in every 4 KiB. */
static void block_stamp(uint8_t *blk, uint32_t i, uint64_t b)
{
	uint32_t head[2] = { BLOCK_MAGIC, i };

	for (uint64_t pg = 0; pg < BLOCK / 4096; pg++) {
		memcpy(blk + pg * 4096, head, 8);
		memcpy(blk + pg * 4096 + 8, &b, 8);
		memcpy(blk + pg * 4096 + 16, &pg, 8);
	}
}

/* Fills worker i's pattern outside the headers, or checks it (check). */
static void block_pattern(uint64_t *w, int i, int check)
{
	for (size_t k = 0; k < BLOCK / 8; k++) {
		uint64_t v = mix((uint64_t)i << 32 | k);

		if (k % 512 < 3)	/* a page header */
			continue;
		if (check && w[k] != v)
			fail("worker %d: its block pattern in memory changed", i);
		w[k] = v;
	}
}

/* Checks the first 4 KiB of block b-1, writes block b and reads its ends back. */
static void block_io(int i, uint64_t b, uint8_t *wbuf, uint8_t *rbuf,
		     const char *who)
{
	if (b % NBLOCKS == 0)	/* the pattern: made at 0, checked at each wrap */
		block_pattern((uint64_t *)wbuf, i, b != 0);
	if (b) {
		block_stamp(wbuf, i, b - 1);
		xfer('p', block_fd[i], rbuf, 4096, (b - 1) % NBLOCKS * BLOCK, who);
		if (memcmp(rbuf, wbuf, 4096))
			fail("%s: block %" PRIu64 " lost (first 4 KiB)", who, b - 1);
	}
	block_stamp(wbuf, i, b);
	xfer('w', block_fd[i], wbuf, BLOCK, b % NBLOCKS * BLOCK, who);
	/* Its ends read back: the time goes to writing, the write timing's point. */
	xfer('p', block_fd[i], rbuf, 4096, b % NBLOCKS * BLOCK, who);
	xfer('p', block_fd[i], rbuf + 4096, 4096, b % NBLOCKS * BLOCK + BLOCK - 4096, who);
	if (memcmp(rbuf, wbuf, 4096) || memcmp(rbuf + 4096, wbuf + BLOCK - 4096, 4096))
		fail("%s: block %" PRIu64 " read back differs", who, b);
}

/* The main thread tries for 10 s, so that a mutex left locked is reported. */
static void lock(const char *who, int try)
{
	int e = try ? pthread_mutex_trylock(&sh.lock) : pthread_mutex_lock(&sh.lock);

	for (int tries = 0; e == EBUSY && tries < 1000; tries++) {
		sleep_ms(10);
		e = pthread_mutex_trylock(&sh.lock);
	}
	check_e(e, who, e == EBUSY ? "mutex still locked after 10 s" : "mutex lock");
}

static void *worker(void *arg)
{
	int i = (int)(intptr_t)arg;
	long tid = syscall(SYS_gettid);
	pthread_t self = pthread_self();
	uint64_t mine = 0, last = 0, c, b;
	uint8_t *wbuf = NULL, *rbuf = NULL;
	char who[32];

	snprintf(who, sizeof(who), "worker %d", i);
	if (timing == T_WRITE) {
		wbuf = xmalloc(BLOCK);
		rbuf = xmalloc(BLOCK);
	}
	for (b = 0; ; b++) {
		lock(who, 0);
		c = ++sh.counter;
		if (++sh.per_thread[i] != ++mine || c <= last)
			fail("%s: own count %" PRIu64 " shared, %" PRIu64 " own; counter %"
			     PRIu64 " after %" PRIu64, who, sh.per_thread[i], mine, c, last);
		sh.hash = mix(sh.hash ^ c);
		check_e(pthread_mutex_unlock(&sh.lock), who, "mutex unlock");
		last = c;
		check_ids(who, tid, self);
		if (timing == T_SYSCALL)
			sleep_ms(10);
		else if (timing == T_WRITE)
			block_io(i, b, wbuf, rbuf, who);
		else
			fpu_check(who);
	}
	return NULL;
}

static uint64_t run_threads(const char *dir)
{
	uint64_t round = 0, next, mc = 0, mh = 0, c, h, sum;
	uint64_t cur[NWORK], prev[NWORK] = { 0 }, still[NWORK] = { 0 };
	pthread_mutexattr_t ma;
	pthread_t t;
	sigset_t sigs;
	char name[32];
	int i;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&sh.lock, &ma);
	for (i = 0; timing == T_WRITE && i < NWORK; i++) {
		snprintf(name, sizeof(name), "thread-%d.dat", i);
		block_fd[i] = open_in(dir, name, O_RDWR | O_CREAT | O_TRUNC);
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);	/* not for the workers */
	for (i = 0; i < NWORK; i++)
		check_e(pthread_create(&t, NULL, worker, (void *)(intptr_t)i),
			"main", "pthread_create");
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	say("start threads %s pid=%d", timings[timing], (int)pid0);
	for (next = mono_ns() + NSEC; !stop; ) {
		sleep_ms(50);
		check_ids("main", pid0, main_self);
		if (stop || !round_due(mono_ns(), &next))
			continue;
		lock("main", 1);
		c = sh.counter;
		h = sh.hash;
		for (sum = 0, i = 0; i < NWORK; i++)
			sum += cur[i] = sh.per_thread[i];
		check_e(pthread_mutex_unlock(&sh.lock), "main", "mutex unlock");
		if (c != sum || c < mc)
			fail("main: counter %" PRIu64 ", per-thread sum %" PRIu64
			     ", was %" PRIu64, c, sum, mc);
		while (mc < c)
			mh = mix(mh ^ ++mc);
		if (h != mh)
			fail("main: hash %#" PRIx64 " at counter %" PRIu64
			     ", expected %#" PRIx64, h, c, mh);
		for (i = 0; i < NWORK; i++) {
			still[i] = cur[i] == prev[i] ? still[i] + 1 : 0;
			prev[i] = cur[i];
			if (still[i] >= STALL_ROUNDS)
				fail("worker %d: no progress in %d rounds", i, STALL_ROUNDS);
		}
		mem_check();
		say("alive round=%" PRIu64 " counter=%" PRIu64, ++round, c);
	}
	return round;
}

/*
 * The net workload: one TCP connection whose streams are checked at every
 * byte, datagrams answered with a sequence kept in memory, and its sockets.
 */
static struct {
	int lfd, ufd, cfd, ended, wfd;
	struct sockaddr_in local, peer;	/* cfd's, at accept */
	uint64_t tin, tout, useq, cseq, round, last_in, still, blocks;
	uint64_t *wbuf, *rbuf;		/* write timing: a block of net.dat */
	uint8_t buf[64 << 10];
} net;

static int net_socket(int type, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, type, 0);

	if (fd < 0 || (type == SOCK_STREAM &&
		       setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(fd, 4)))
		fail("%s port %d: %s", type == SOCK_STREAM ? "tcp" : "udp", port,
		     strerror(errno));
	return fd;
}

static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
	       a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* Whether fd still is the socket it was: type, listening, addresses. */
static void net_check_sock(int fd, const char *what, int type,
			   const struct sockaddr_in *self, const struct sockaddr_in *peer)
{
	struct sockaddr_in a = { 0 }, p = { 0 };
	socklen_t al = sizeof(a), pl = sizeof(p), tl = sizeof(int), ll = sizeof(int);
	int t = -1, lis = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tl) ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &lis, &ll) ||
	    getsockname(fd, (struct sockaddr *)&a, &al) ||
	    (peer && getpeername(fd, (struct sockaddr *)&p, &pl)))
		fail("sockets: the %s socket: %s", what, strerror(errno));
	if (t != type || lis != (fd == net.lfd) || !same_addr(&a, self) ||
	    (peer && !same_addr(&p, peer)))
		fail("sockets: the %s socket changed: type %d, listening %d, port %d, "
		     "peer port %d (were %d, %d, %d, %d)", what, t, lis,
		     ntohs(a.sin_port), ntohs(p.sin_port), type, fd == net.lfd,
		     ntohs(self->sin_port), peer ? ntohs(peer->sin_port) : 0);
}

static void net_accept(void)
{
	socklen_t pl = sizeof(net.peer), ll = sizeof(net.local);
	int fd = accept(net.lfd, (struct sockaddr *)&net.peer, &pl);

	if (fd < 0 && (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED))
		return;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&net.local, &ll))
		fail("tcp: accept: %s", strerror(errno));
	net.cfd = fd;	/* the only one: the listening socket is not polled again */
}

/* Checks what the client sent and answers with as many bytes. */
static void net_tcp(void)
{
	ssize_t n = read(net.cfd, net.buf, sizeof(net.buf)), w;
	size_t k;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0)
		fail("tcp: read at offset %" PRIu64 ": %s", net.tin, strerror(errno));
	if (!n) {
		net.ended = 1;
		say("tcp end tcp_in=%" PRIu64 " tcp_out=%" PRIu64, net.tin, net.tout);
		return;
	}
	k = pmnet_check(net.buf, n, net.tin, PMNET_CLIENT);
	if (k < (size_t)n)
		fail("tcp: byte %" PRIu64 " from the client is %#x, expected %#x",
		     net.tin + k, net.buf[k], pmnet_pat(net.tin + k, PMNET_CLIENT));
	net.tin += n;
	pmnet_fill(net.buf, n, net.tout, PMNET_SERVER);
	for (uint8_t *p = net.buf; n > 0; p += w, n -= w, net.tout += w) {
		w = send(net.cfd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w <= 0)
			fail("tcp: send at offset %" PRIu64 ": %s", net.tout,
			     w ? strerror(errno) : "nothing sent");
	}
}

static void net_udp(void)
{
	for (;;) {
		union { struct pmnet_req q; uint8_t raw[64]; } in = { 0 };
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(net.ufd, &in, sizeof(in), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		struct pmnet_rep r;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n < 0)
			fail("udp: recvfrom: %s", strerror(errno));
		if (n != sizeof(in.q) || in.q.magic != PMNET_MAGIC)
			fail("udp: a datagram of %zd bytes, magic %#x", n, in.q.magic);
		if (in.q.client_seq <= net.cseq)
			fail("udp: client_seq %" PRIu64 " after %" PRIu64,
			     in.q.client_seq, net.cseq);
		net.cseq = in.q.client_seq;
		r = (struct pmnet_rep){ PMNET_MAGIC, 0, net.useq + 1, net.cseq };
		if (sendto(net.ufd, &r, sizeof(r), MSG_DONTWAIT,
			   (struct sockaddr *)&from, fl) == sizeof(r))
			net.useq++;	/* a reply not sent is a datagram lost */
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
			 errno != EINTR)
			fail("udp: sendto: %s", strerror(errno));
	}
}

/* One look at the network, waiting up to ms. */
static void net_poll(int ms)
{
	struct pollfd p[2] = {
		{ .fd = net.ufd, .events = POLLIN },
		{ .fd = net.cfd < 0 ? net.lfd : net.ended ? -1 : net.cfd, .events = POLLIN },
	};

	if (poll(p, 2, ms) < 0) {
		if (errno != EINTR)
			fail("poll: %s", strerror(errno));
		return;
	}
	if (p[0].revents)
		net_udp();
	if (p[1].revents && net.cfd < 0)
		net_accept();
	else if (p[1].revents)
		net_tcp();
}

/* Write timing: block b to its slot of net.dat, its two ends read back. */
static void net_block(void)
{
	uint64_t b = net.blocks++, ends[2], words = NET_BLOCK / 8;
	off_t off = (off_t)(b % NET_SLOTS) * NET_BLOCK;

	net.wbuf[0] = net.wbuf[words - 1] = b;
	xfer('w', net.wfd, net.wbuf, NET_BLOCK, off, "net.dat");
	xfer('p', net.wfd, &ends[0], 8, off, "net.dat");
	xfer('p', net.wfd, &ends[1], 8, off + NET_BLOCK - 8, "net.dat");
	if (ends[0] != b || ends[1] != b)
		fail("net.dat: block %" PRIu64 " read back stamped %" PRIu64 "/%" PRIu64,
		     b, ends[0], ends[1]);
}

/* Each round: the last block, all read back; the file's size. */
static void net_check_file(void)
{
	uint64_t b = net.blocks - 1, words = NET_BLOCK / 8, want;
	struct stat st;

	xfer('p', net.wfd, net.rbuf, NET_BLOCK, (off_t)(b % NET_SLOTS) * NET_BLOCK,
	     "net.dat");
	for (uint64_t k = 0; k < words; k++) {
		want = k == 0 || k == words - 1 ? b : mix(k);
		if (net.rbuf[k] != want)
			fail("net.dat: word %" PRIu64 " of block %" PRIu64 " is %#" PRIx64
			     ", expected %#" PRIx64, k, b, net.rbuf[k], want);
	}
	want = (net.blocks < NET_SLOTS ? net.blocks : NET_SLOTS) * NET_BLOCK;
	if (fstat(net.wfd, &st))
		fail("fstat net.dat: %s", strerror(errno));
	if ((uint64_t)st.st_size != want)
		fail("net.dat is %lld bytes, expected %" PRIu64, (long long)st.st_size,
		     want);
}

static void round_net(void)
{
	struct sockaddr_in any = { .sin_family = AF_INET };

	any.sin_port = htons(PMNET_TCP_PORT);
	net_check_sock(net.lfd, "listening", SOCK_STREAM, &any, NULL);
	any.sin_port = htons(PMNET_UDP_PORT);
	net_check_sock(net.ufd, "udp", SOCK_DGRAM, &any, NULL);
	if (net.cfd >= 0 && !net.ended) {
		net_check_sock(net.cfd, "tcp", SOCK_STREAM, &net.local, &net.peer);
		net.still = net.tin == net.last_in ? net.still + 1 : 0;
		net.last_in = net.tin;
		if (net.still >= STALL_ROUNDS)
			fail("tcp: no byte from the client in %d rounds (at offset %"
			     PRIu64 ")", STALL_ROUNDS, net.tin);
	}
	if (net.blocks)
		net_check_file();
	mem_check();
	say("alive round=%" PRIu64 " tcp_in=%" PRIu64 " tcp_out=%" PRIu64 " udp=%"
	    PRIu64, ++net.round, net.tin, net.tout, net.useq);
}

static uint64_t run_net(const char *dir)
{
	uint64_t next = mono_ns() + NSEC, now;

	net.lfd = net_socket(SOCK_STREAM, PMNET_TCP_PORT);
	net.ufd = net_socket(SOCK_DGRAM, PMNET_UDP_PORT);
	net.cfd = -1;
	if (timing == T_WRITE) {
		net.wfd = open_in(dir, "net.dat", O_RDWR | O_CREAT | O_TRUNC);
		net.wbuf = xmalloc(NET_BLOCK);
		net.rbuf = xmalloc(NET_BLOCK);
		for (uint64_t k = 0; k < NET_BLOCK / 8; k++)
			net.wbuf[k] = mix(k);
	}
	say("start net %s pid=%d", timings[timing], (int)pid0);
	while (!stop) {
		if (timing == T_WRITE)
			net_block();
		if (timing == T_USER)
			fpu_check("main");
		now = mono_ns();
		net_poll(timing != T_SYSCALL || now >= next ? 0 :
			 next - now >= NSEC ? 1000 : (int)((next - now) / 1000000) + 1);
		check_ids("main", pid0, main_self);
		if (round_due(mono_ns(), &next))
			round_net();
	}
	return net.round;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

#ifdef PMWORK_NO_MAIN	/* tests/unit/test_pmwork.c includes this file */
#define main pmwork_main
#endif

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	static const char *const workloads[] = { "file", "threads", "net" };
	int work = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	while (argc == 4 && work < 3 && strcmp(argv[1], workloads[work]))
		work++;
	for (timing = 0; argc == 4 && timing < 3 && strcmp(argv[2], timings[timing]); )
		timing++;
	if (argc != 4 || work == 3 || timing == 3) {
		fprintf(stderr, "%s", usage_text);
		return 2;
	}
	pid0 = getpid();
	main_self = pthread_self();
	{
		sigset_t usr2;

		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		sigprocmask(SIG_BLOCK, &usr2, NULL);	/* threads inherit it */
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (mkdir(argv[3], 0755) && errno != EEXIST)
		fail("mkdir %s: %s", argv[3], strerror(errno));
	if (getenv("PMWORK_MEM_MIB"))
		mem_words = strtoul(getenv("PMWORK_MEM_MIB"), NULL, 10) << 17;
	if (!mem_words)
		mem_words = 1;
	mem = xmalloc(MEM_WORDS * 8);
	mem_seed = mix(pid0 ^ mono_ns());
	for (size_t i = 0; i < MEM_WORDS; i++)
		mem[i] = MEM_WORD(i);
	if (timing == T_USER)
		fpu_calibrate(work == W_THREADS ? NSEC / 5 :
			      work == W_NET ? NSEC * 3 / 10 : NSEC / 2);
	say("stop round=%" PRIu64, work == W_FILE ? run_file(argv[3]) :
	    work == W_THREADS ? run_threads(argv[3]) : run_net(argv[3]));
	return 0;
}
