// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcriuimg: CRIU images from a dead kernel's processes, built as CRIU's
 * own messages (lib/criu-proto: the .proto files of CRIU 3.17's images/,
 * compiled by protobuf-c) and framed as CRIU frames them; see criuimg.h.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "sk-packet.pb-c.h"
#include "tcp-stream.pb-c.h"

#include "criuimg.h"
#include "errf.h"
#include "pbuf.h"

/* Image magics (criu/include/magic.h): not part of the .proto files. */
#define IMG_COMMON_MAGIC	0x54564319u
#define MAGIC_INVENTORY		0x58313116u
#define MAGIC_PSTREE		0x50273030u
#define MAGIC_CORE		0x55053847u
#define MAGIC_IDS		0x54432030u
#define MAGIC_MM		0x57492820u
#define MAGIC_PAGEMAP		0x56084025u
#define MAGIC_FILES		0x56303138u
#define MAGIC_FDINFO		0x56213732u
#define MAGIC_FS		0x51403912u
#define MAGIC_TCP_STREAM	0x51465506u
#define MAGIC_PIPES_DATA	0x56453709u
#define MAGIC_FIFO_DATA		0x59333054u
#define MAGIC_SK_QUEUES		0x56264026u
#define TCPI_OPT_WSCALE		4	/* tcp_stream_entry.opt_mask */

#define IMAGES_V1_1	2
#define TASK_ALIVE	1
#define TASK_DEAD	2	/* a zombie */
#define PE_PRESENT	(1u << 2)
#define FD_CLOEXEC_FLAG	1
#define SS_DISABLE	2

/* VMA status bits (criu/include/image.h) */
#define VMA_AREA_REGULAR	(1u << 0)
#define VMA_AREA_VDSO		(1u << 3)
#define VMA_AREA_HEAP		(1u << 5)
#define VMA_FILE_PRIVATE	(1u << 6)
#define VMA_FILE_SHARED		(1u << 7)
#define VMA_ANON_SHARED		(1u << 8)
#define VMA_ANON_PRIVATE	(1u << 9)
#define VMA_AREA_VVAR		(1u << 12)

#define VM_READ		0x01ULL
#define VM_WRITE	0x02ULL
#define VM_EXEC		0x04ULL
#define VM_MAYSHARE	0x80ULL
#define VM_GROWSDOWN	0x100ULL
#define MAP_SHARED_	0x01
#define MAP_PRIVATE_	0x02
#define MAP_ANON_	0x20
#define MAP_GROWSDOWN_	0x100
#define MADV_DONTDUMP_BIT (1ULL << 16)

#define AF_INET6_	10
#define PAGE_SIZE	4096
#define XSTATE_FP	1ULL
#define XSTATE_SSE	2ULL

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
/* Set a proto2 optional scalar: its value and its presence. */
#define OPT(m, f, v)	((m).f = (v), (m).has_##f = 1)

struct writer {
	struct dk *dk;
	const char *dir;
	char *err;
	size_t errlen;
	unsigned int next_file_id;
	struct pbuf files;		/* files.img entries, for all processes */
	struct pbuf pstree;
	struct pipes {			/* pipes-data.img, fifo-data.img: */
		struct pbuf data;	/* each pipe's bytes, once */
		uint64_t *ino;		/* the pipes (inode numbers) seen */
		unsigned int n;
	} pipes, fifos;
	struct pbuf sk_queues;		/* sk-queues.img: bytes queued to Unix sockets */
	struct seen_file {		/* open files written, by dead struct file */
		uint64_t addr;
		uint32_t id;
	} *seen;
	unsigned int nseen;
	void **scratch;			/* the entry being built's arrays */
	unsigned int nscratch;
	bool oom;			/* an allocation failed: nothing is written */
};

/* ---- Image files ---- */

/*
 * Zeroed room for n elements of a message being built, freed once it is
 * packed; NULL (and the whole write fails) if memory ran out.
 */
static void *scratch(struct writer *w, size_t n, size_t size)
{
	void **list, *p;

	if (w->oom)
		return NULL;
	p = calloc(n ? n : 1, size);
	list = p ? realloc(w->scratch, (w->nscratch + 1) * sizeof(*list)) : NULL;
	if (!list) {
		free(p);
		w->oom = true;
		return NULL;
	}
	w->scratch = list;
	list[w->nscratch++] = p;
	return p;
}

static void scratch_free(struct writer *w)
{
	while (w->nscratch)
		free(w->scratch[--w->nscratch]);
	free(w->scratch);
	w->scratch = NULL;
}

/* An entry of an image: its size as 32 bits, then the packed message. */
static void entry(struct writer *w, struct pbuf *img, const void *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint32_t len = n;
	unsigned char *d;

	pb_raw(img, &len, 4);
	d = pb_grow(img, n);
	if (d && protobuf_c_message_pack(msg, d) != n)
		img->oom = true;
	scratch_free(w);
}

static int write_file(struct writer *w, const char *name, const void *data, size_t len)
{
	char path[4096];
	const char *p = data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errf(w->err, w->errlen, "%s: %s", path, strerror(errno));
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return errf(w->err, w->errlen, "%s: %s", path, strerror(errno));
		}
		p += n;
		len -= n;
	}
	if (close(fd))
		return errf(w->err, w->errlen, "%s: %s", path, strerror(errno));
	return 0;
}

/* An image: the magics, then the entries already framed in body. */
static int write_image(struct writer *w, const char *name, uint32_t magic, struct pbuf *body)
{
	struct pbuf img = { 0 };
	uint32_t head[2] = { IMG_COMMON_MAGIC, magic };
	int ret;

	/* The inventory alone has no common magic. */
	if (magic == MAGIC_INVENTORY)
		pb_raw(&img, &magic, 4);
	else
		pb_raw(&img, head, sizeof(head));
	pb_raw(&img, body->data, body->len);
	if (img.oom || body->oom || w->oom)
		ret = errf(w->err, w->errlen, "%s: out of memory", name);
	else
		ret = write_file(w, name, img.data, img.len);
	pb_free(&img);
	pb_free(body);
	return ret;
}

/* An image of one entry. */
static int single(struct writer *w, const char *name, uint32_t magic, const void *msg)
{
	struct pbuf body = { 0 };

	entry(w, &body, msg);
	return write_image(w, name, magic, &body);
}

/* ---- Messages ---- */

static void ids_msg(TaskKobjIdsEntry *m, uint32_t id)
{
	m->vm_id = id;
	m->files_id = id;
	m->fs_id = id;
	m->sighand_id = id;
}

/* Capabilities: two 32-bit words each, low first; set[] holds the words. */
static void creds_msg(CredsEntry *m, const struct dp_creds *c, uint32_t set[4][2])
{
	const uint64_t caps[] = { c->cap_inh, c->cap_prm, c->cap_eff, c->cap_bnd };
	uint32_t **field[] = { &m->cap_inh, &m->cap_prm, &m->cap_eff, &m->cap_bnd };
	size_t *count[] = { &m->n_cap_inh, &m->n_cap_prm, &m->n_cap_eff, &m->n_cap_bnd };
	unsigned int i;

	m->uid = c->uid;
	m->gid = c->gid;
	m->euid = c->euid;
	m->egid = c->egid;
	m->suid = c->suid;
	m->sgid = c->sgid;
	m->fsuid = c->fsuid;
	m->fsgid = c->fsgid;
	for (i = 0; i < 4; i++) {
		set[i][0] = (uint32_t)caps[i];
		set[i][1] = caps[i] >> 32;
		*field[i] = set[i];
		*count[i] = 2;
	}
	m->secbits = c->securebits;
	m->n_groups = c->ngroups < ARRAY_LEN(c->groups) ? c->ngroups : ARRAY_LEN(c->groups);
	m->groups = (uint32_t *)c->groups;
}

static uint32_t le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/*
 * Where xsave component c starts in the kernel's buffer. The standard
 * format puts it where CPUID leaf 0xd says; the compacted one (XSAVES,
 * bit 63 of XCOMP_BV) packs the components present in XCOMP_BV from byte
 * 576 on, some aligned to 64 bytes. This runs on the dead kernel's own
 * machine, so its CPUID describes the buffer.
 */
static uint32_t xsave_offset(unsigned int c, uint64_t xcomp_bv, uint32_t *size)
{
	unsigned int a, b, cx, d, i;
	uint32_t off = 576;

	__cpuid_count(0xd, c, a, b, cx, d);
	*size = a;
	if (!(xcomp_bv & (1ULL << 63)))
		return b;
	for (i = 2; i <= c; i++) {
		if (!(xcomp_bv & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, a, b, cx, d);
		if (cx & 2)
			off = (off + 63) & ~63u;
		if (i == c)
			return off;
		off += a;
	}
	return 0;
}

/*
 * CRIU's user_x86_xsave_entry: the component, its field (the count, then
 * the array), the size of an element in bytes.
 */
#define XS(comp, f, elem) { comp, offsetof(UserX86XsaveEntry, n_##f), \
			    offsetof(UserX86XsaveEntry, f), elem }
static const struct {
	unsigned int comp;
	size_t count, array;
	unsigned int elem;
} xsave_fields[] = {
	XS(2, ymmh_space, 4),
	XS(3, bndreg_state, 8),
	XS(4, bndcsr_state, 8),
	XS(5, opmask_reg, 8),
	XS(6, zmm_upper, 8),
	XS(7, hi16_zmm, 8),
	XS(9, pkru, 4),
};

/* The extended components the task's buffer holds, or NULL if none. */
static UserX86XsaveEntry *xsave_msg(struct writer *w, const struct dp_thread *t,
				    const unsigned char *x, uint64_t bv, uint64_t xcomp)
{
	UserX86XsaveEntry *xs = scratch(w, 1, sizeof(*xs));
	unsigned int i, j;

	if (!xs)
		return NULL;
	user_x86_xsave_entry__init(xs);
	xs->xstate_bv = bv;
	for (i = 0; i < ARRAY_LEN(xsave_fields); i++) {
		unsigned int c = xsave_fields[i].comp, e = xsave_fields[i].elem;
		bool live = bv & (1ULL << c);
		uint32_t size, off;
		void *a;

		if (!(t->xfeatures & (1ULL << c)))
			continue;
		off = xsave_offset(c, xcomp, &size);
		if (live && (!off || off + size > t->xsave_size))
			live = false;
		a = scratch(w, size / e, e);
		if (!a)
			return NULL;
		for (j = 0; j + e <= size; j += e) {
			if (e == 4)
				((uint32_t *)a)[j / 4] = live ? le32(x + off + j) : 0;
			else
				((uint64_t *)a)[j / 8] = live ? le64(x + off + j) : 0;
		}
		*(size_t *)((char *)xs + xsave_fields[i].count) = size / e;
		*(void **)((char *)xs + xsave_fields[i].array) = a;
	}
	return xs;
}

/*
 * FPU registers from the kernel's xregs_state: the FXSAVE area, then each
 * extended component the task's buffer holds. A component whose
 * xstate_bv bit is clear is in its initial state and its area may be
 * stale: write the initial values. st and xmm hold the arrays.
 */
static void fpregs_msg(struct writer *w, UserX86FpregsEntry *m, const struct dp_thread *t,
		       uint32_t st[32], uint32_t xmm[64])
{
	static const unsigned char zero[576];
	const unsigned char *x = t->xsave && t->xsave_size >= 576 ? t->xsave : zero;
	uint64_t bv = x == zero ? 0 : le64(x + 512), xcomp = x == zero ? 0 : le64(x + 520);
	bool fp = bv & XSTATE_FP, sse = bv & XSTATE_SSE;
	unsigned int i;

	m->cwd = fp ? le32(x) & 0xffff : 0x37f;
	m->swd = fp ? le32(x) >> 16 : 0;
	m->twd = fp ? x[4] : 0;				/* abridged */
	m->fop = fp ? le32(x + 4) >> 16 : 0;
	m->rip = fp ? le64(x + 8) : 0;
	m->rdp = fp ? le64(x + 16) : 0;
	m->mxcsr = x == zero ? 0x1f80 : le32(x + 24);	/* always saved */
	m->mxcsr_mask = x == zero ? 0xffff : le32(x + 28);
	for (i = 0; i < 32; i++)
		st[i] = fp ? le32(x + 32 + 4 * i) : 0;
	for (i = 0; i < 64; i++)
		xmm[i] = sse ? le32(x + 160 + 4 * i) : 0;
	m->n_st_space = 32;
	m->st_space = st;
	m->n_xmm_space = 64;
	m->xmm_space = xmm;
	if (x != zero && (t->xfeatures & ~(XSTATE_FP | XSTATE_SSE)))
		m->xsave = xsave_msg(w, t, x, bv, xcomp);
}

static void gpregs_msg(UserX86RegsEntry *m, const struct dp_thread *t)
{
	const struct dp_regs *r = &t->regs;

	m->r15 = r->r15;
	m->r14 = r->r14;
	m->r13 = r->r13;
	m->r12 = r->r12;
	m->bp = r->bp;
	m->bx = r->bx;
	m->r11 = r->r11;
	m->r10 = r->r10;
	m->r9 = r->r9;
	m->r8 = r->r8;
	m->ax = r->ax;
	m->cx = r->cx;
	m->dx = r->dx;
	m->si = r->si;
	m->di = r->di;
	m->orig_ax = r->orig_ax;
	m->ip = r->ip;
	m->cs = r->cs;
	m->flags = r->flags;
	m->sp = r->sp;
	m->ss = r->ss;
	m->fs_base = t->fs_base;
	m->gs_base = t->gs_base;
	m->ds = t->ds;
	m->es = t->es;
	m->fs = t->fsindex;
	m->gs = t->gsindex;
	OPT(*m, mode, USER_X86_REGS_MODE__NATIVE);
}

/* signal_queue_entry: each queued signal as a raw siginfo_t; NULL if none. */
static SignalQueueEntry *sigqueue_msg(struct writer *w, unsigned char (*info)[DP_SIGINFO_SIZE],
				      unsigned int n)
{
	SignalQueueEntry *q = n ? scratch(w, 1, sizeof(*q)) : NULL;
	SiginfoEntry *e = q ? scratch(w, n, sizeof(*e)) : NULL;
	SiginfoEntry **pe = e ? scratch(w, n, sizeof(*pe)) : NULL;
	unsigned int i;

	if (!pe)
		return NULL;
	signal_queue_entry__init(q);
	for (i = 0; i < n; i++) {
		siginfo_entry__init(&e[i]);
		e[i].siginfo.data = info[i];
		e[i].siginfo.len = DP_SIGINFO_SIZE;
		pe[i] = &e[i];
	}
	q->n_signals = n;
	q->signals = pe;
	return q;
}

/* In us, the value rounded up: less than 1 us left must not read as disarmed. */
static void itimer_msg(ItimerEntry *m, uint64_t interval_ns, uint64_t value_ns)
{
	uint64_t interval = interval_ns / 1000, value = (value_ns + 999) / 1000;

	m->isec = interval / 1000000;
	m->iusec = interval % 1000000;
	m->vsec = value / 1000000;
	m->vusec = value % 1000000;
}

/*
 * The POSIX timers, in the order of their ids (CRIU makes them again one
 * after another until each gets its id), with what was left of each.
 */
static void posix_timers_msg(struct writer *w, TaskTimersEntry *m, const struct dp_proc *p)
{
	PosixTimerEntry *e = p->nptimers ? scratch(w, p->nptimers, sizeof(*e)) : NULL;
	PosixTimerEntry **pe = e ? scratch(w, p->nptimers, sizeof(*pe)) : NULL;
	unsigned int i, j, n;

	if (!pe)
		return;
	for (n = 0; n < p->nptimers; n++) {
		const struct dp_posix_timer *t = &p->ptimers[n];

		for (i = 0; i < n && pe[i]->it_id < (uint32_t)t->id; i++)
			;
		for (j = n; j > i; j--)
			pe[j] = pe[j - 1];
		pe[i] = &e[n];
		posix_timer_entry__init(&e[n]);
		e[n].it_id = t->id;
		e[n].clock_id = t->clock;
		e[n].si_signo = t->signo;
		e[n].it_sigev_notify = t->notify;
		e[n].sival_ptr = t->sival;
		e[n].overrun = t->overrun;
		e[n].isec = t->interval_ns / 1000000000;
		e[n].insec = t->interval_ns % 1000000000;
		e[n].vsec = t->value_ns / 1000000000;
		e[n].vnsec = t->value_ns % 1000000000;
		if (t->notify_tid)
			OPT(e[n], notify_thread_id, t->notify_tid);
	}
	m->n_posix = p->nptimers;
	m->posix = pe;
}

/* The sigactions of all signals but SIGKILL and SIGSTOP: 62. */
#define CORE_NSA (DP_NSIG - 2)

struct task_core {		/* what a task_core_entry points to */
	TaskCoreEntry tc;
	TaskTimersEntry timers;
	ItimerEntry it[3];
	TaskRlimitsEntry rlimits;
	RlimitEntry rl[DP_NRLIMITS], *prl[DP_NRLIMITS];
	SaEntry sa[CORE_NSA], *psa[CORE_NSA];
};

static void task_core_msg(struct writer *w, struct task_core *c, const struct dp_proc *p)
{
	TaskCoreEntry *m = &c->tc;
	unsigned int i, sig, n = 0;

	task_core_entry__init(m);
	m->task_state = TASK_ALIVE;
	m->exit_code = 0;
	m->personality = p->personality;
	m->flags = 0;
	m->blk_sigset = p->threads[0].blocked;
	m->comm = (char *)p->comm;
	task_timers_entry__init(&c->timers);
	for (i = 0; i < 3; i++)
		itimer_entry__init(&c->it[i]);
	itimer_msg(&c->it[0], p->itimer_real_interval_ns, p->itimer_real_ns);
	itimer_msg(&c->it[1], p->itimer_cpu_interval_ns[1], p->itimer_cpu_ns[1]);	/* virt */
	itimer_msg(&c->it[2], p->itimer_cpu_interval_ns[0], p->itimer_cpu_ns[0]);	/* prof */
	c->timers.real = &c->it[0];
	c->timers.virt = &c->it[1];
	c->timers.prof = &c->it[2];
	posix_timers_msg(w, &c->timers, p);
	m->timers = &c->timers;
	task_rlimits_entry__init(&c->rlimits);
	for (i = 0; i < DP_NRLIMITS; i++) {
		rlimit_entry__init(&c->rl[i]);
		c->rl[i].cur = p->rlim[i][0];
		c->rl[i].max = p->rlim[i][1];
		c->prl[i] = &c->rl[i];
	}
	c->rlimits.n_rlimits = DP_NRLIMITS;
	c->rlimits.rlimits = c->prl;
	m->rlimits = &c->rlimits;
	for (sig = 1; sig <= DP_NSIG; sig++) {
		const struct dp_sigaction *a = &p->sigaction[sig - 1];

		if (sig == 9 || sig == 19 || n == CORE_NSA)
			continue;
		sa_entry__init(&c->sa[n]);
		c->sa[n].sigaction = a->handler;
		c->sa[n].flags = a->flags;
		c->sa[n].restorer = a->restorer;
		c->sa[n].mask = a->mask;
		c->psa[n] = &c->sa[n];
		n++;
	}
	m->n_sigactions = n;
	m->sigactions = c->psa;
	m->signals_s = sigqueue_msg(w, p->shared_siginfo, p->nshared_siginfo);
}

struct thread_core {		/* what a thread_core_entry points to */
	ThreadCoreEntry m;
	ThreadSasEntry sas;
	CredsEntry creds;
	uint32_t caps[4][2];
	RseqEntry rseq;
};

static void thread_core_msg(struct writer *w, struct thread_core *c, const struct dp_proc *p,
			    const struct dp_thread *t, bool leader)
{
	ThreadCoreEntry *m = &c->m;

	thread_core_entry__init(m);
	m->futex_rla = t->robust_list;
	m->futex_rla_len = t->robust_len;
	OPT(*m, sched_nice, t->nice);
	OPT(*m, sched_policy, t->policy);
	if (!leader)
		OPT(*m, blk_sigset, t->blocked);
	thread_sas_entry__init(&c->sas);
	c->sas.ss_sp = t->sas_sp;
	c->sas.ss_size = t->sas_size;
	c->sas.ss_flags = t->sas_size ? t->sas_flags : SS_DISABLE;
	m->sas = &c->sas;
	m->signals_p = sigqueue_msg(w, t->siginfo, t->nsiginfo);
	creds_entry__init(&c->creds);
	creds_msg(&c->creds, &p->creds, c->caps);
	m->creds = &c->creds;
	m->comm = (char *)t->comm;
	if (t->rseq) {
		rseq_entry__init(&c->rseq);
		c->rseq.rseq_abi_pointer = t->rseq;
		c->rseq.rseq_abi_size = t->rseq_len;
		c->rseq.signature = t->rseq_sig;
		m->rseq_entry = &c->rseq;
	}
}

static int write_core(struct writer *w, const struct dp_proc *p, const struct dp_thread *t,
		      bool leader)
{
	CoreEntry core = CORE_ENTRY__INIT;
	ThreadInfoX86 ti = THREAD_INFO_X86__INIT;
	UserX86RegsEntry gp = USER_X86_REGS_ENTRY__INIT;
	UserX86FpregsEntry fp = USER_X86_FPREGS_ENTRY__INIT;
	uint32_t st[32], xmm[64];
	struct task_core *tc = leader ? scratch(w, 1, sizeof(*tc)) : NULL;
	struct thread_core thc;
	char name[64];

	core.mtype = CORE_ENTRY__MARCH__X86_64;
	ti.clear_tid_addr = t->clear_child_tid;
	gpregs_msg(&gp, t);
	ti.gpregs = &gp;
	fpregs_msg(w, &fp, t, st, xmm);
	ti.fpregs = &fp;
	core.thread_info = &ti;
	if (tc) {
		task_core_msg(w, tc, p);
		core.tc = &tc->tc;
	}
	thread_core_msg(w, &thc, p, t, leader);
	core.thread_core = &thc.m;
	snprintf(name, sizeof(name), "core-%d.img", t->tid);
	return single(w, name, MAGIC_CORE, &core);
}

/* ---- Files ---- */

/* O_CLOEXEC is an fd flag in the images, not an open flag. */
#define O_CLOEXEC_ 02000000

/* Files are not set to signal an owner (F_SETOWN): every fown is zero. */
static FownEntry no_fown = FOWN_ENTRY__INIT;

/* A file by path (file_entry.reg, 3). */
static uint32_t reg_entry(struct writer *w, FileEntry *fe, const char *path, uint32_t flags,
			  uint64_t pos)
{
	RegFileEntry reg = REG_FILE_ENTRY__INIT;

	reg.id = fe->id;
	reg.flags = flags;
	reg.pos = pos;
	reg.fown = &no_fown;
	reg.name = (char *)path;
	fe->reg = &reg;
	entry(w, &w->files, fe);
	return fe->id;
}

/* A path of its own (a cwd, a root, a named pipe's). */
static uint32_t reg_file(struct writer *w, const char *path, uint32_t flags)
{
	FileEntry fe = FILE_ENTRY__INIT;

	fe.type = FD_TYPES__REG;
	fe.id = w->next_file_id++;
	return reg_entry(w, &fe, path, flags, 0);
}

static uint32_t reg_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	return reg_entry(w, fe, f->path, f->flags & ~O_CLOEXEC_, f->pos);
}

/*
 * A pipe's unread bytes, once, whichever of its ends (or openings) comes
 * first: an entry, then the bytes. 0, or -1 if memory ran out.
 */
static int pipe_data(struct writer *w, struct pipes *seen, const struct dp_file *f)
{
	PipeDataEntry data = PIPE_DATA_ENTRY__INIT;
	unsigned int i;
	uint64_t *n;

	for (i = 0; i < seen->n; i++)
		if (seen->ino[i] == f->ino)
			return 0;
	n = realloc(seen->ino, (seen->n + 1) * sizeof(*n));
	if (!n)
		return -1;
	seen->ino = n;
	seen->ino[seen->n++] = f->ino;
	if (!f->pipe_len)
		return 0;
	data.pipe_id = (uint32_t)f->ino;
	data.bytes = f->pipe_len;
	OPT(data, size, f->pipe_size);
	entry(w, &seen->data, &data);
	pb_raw(&seen->data, f->pipe_data, f->pipe_len);
	return 0;
}

/*
 * An end of an anonymous pipe (file_entry.pipe, 18); both ends name the
 * pipe by its inode, its bytes in pipes-data.img.
 */
static uint32_t pipe_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	PipeEntry pe = PIPE_ENTRY__INIT;

	pe.id = fe->id;
	pe.pipe_id = (uint32_t)f->ino;
	pe.flags = f->flags & ~O_CLOEXEC_;
	pe.fown = &no_fown;
	fe->pipe = &pe;
	entry(w, &w->files, fe);
	return pipe_data(w, &w->pipes, f) ? 0 : fe->id;
}

/*
 * An opening of a named pipe (file_entry.fifo, 17): its path a file entry
 * of its own (regf_id) with the opening's flags, the pipe by its inode,
 * its bytes in fifo-data.img. CRIU opens the path read-write to put the
 * bytes back, then as the process had it, as its own dump writes them.
 */
static uint32_t fifo_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	FifoEntry fifo = FIFO_ENTRY__INIT;

	fifo.id = fe->id;
	fifo.pipe_id = (uint32_t)f->ino;
	OPT(fifo, regf_id, reg_file(w, f->path, f->flags & ~O_CLOEXEC_));
	fe->fifo = &fifo;
	entry(w, &w->files, fe);
	return pipe_data(w, &w->fifos, f) ? 0 : fe->id;
}

/* A connection's state and queues (established or closing): tcp-stream-<ino>.img. */
static int tcp_stream(struct writer *w, const struct dp_file *f)
{
	const struct dp_tcp *t = f->inet->tcp;
	TcpStreamEntry e = TCP_STREAM_ENTRY__INIT;
	struct pbuf body = { 0 };
	char name[64];

	e.inq_len = t->inq_len;
	e.inq_seq = t->inq_seq;
	e.outq_len = t->outq_len;
	e.outq_seq = t->outq_seq;
	/*
	 * Window scaling always, 0/0 where the connection has none: CRIU
	 * sets the shifts only when the mask has it, and a socket made for
	 * repair keeps the receive shift its own SYN would have offered (14
	 * with large buffers), so it would advertise windows 2^14 times too
	 * small to a peer that scales nothing. Scaling by 0 is no scaling.
	 */
	e.opt_mask = t->opt_mask | TCPI_OPT_WSCALE;
	e.snd_wscale = t->snd_wscale;
	e.mss_clamp = t->mss_clamp;
	OPT(e, rcv_wscale, t->rcv_wscale);
	OPT(e, timestamp, t->timestamp);
	OPT(e, nodelay, t->nodelay);
	OPT(e, unsq_len, t->unsq_len);
	OPT(e, snd_wl1, t->snd_wl1);
	OPT(e, snd_wnd, t->snd_wnd);
	OPT(e, max_window, t->max_window);
	OPT(e, rcv_wnd, t->rcv_wnd);
	OPT(e, rcv_wup, t->rcv_wup);
	entry(w, &body, &e);
	pb_raw(&body, t->inq, t->inq_len);	/* the queues follow the entry */
	pb_raw(&body, t->outq, t->outq_len);
	snprintf(name, sizeof(name), "tcp-stream-%llx.img", (unsigned long long)f->ino);
	return write_image(w, name, MAGIC_TCP_STREAM, &body);
}

/* An IPv4 or IPv6 socket (file_entry.isk, 4), and a connection's stream. */
static uint32_t inet_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	const struct dp_inet *in = f->inet;
	InetSkEntry isk = INET_SK_ENTRY__INIT;
	SkOptsEntry opts = SK_OPTS_ENTRY__INIT;
	uint32_t src[4], dst[4];
	bool v6 = in->family == AF_INET6_;

	isk.id = fe->id;
	isk.ino = f->ino;
	isk.family = in->family;
	isk.type = in->type;
	isk.proto = in->proto;
	isk.state = in->state;
	isk.src_port = in->src_port;
	isk.dst_port = in->dst_port;
	isk.flags = f->flags & ~O_CLOEXEC_;
	isk.backlog = in->backlog;
	if (v6) {
		memcpy(src, in->src6, sizeof(src));
		memcpy(dst, in->dst6, sizeof(dst));
	} else {
		src[0] = in->src_addr;
		dst[0] = in->dst_addr;
	}
	isk.n_src_addr = isk.n_dst_addr = v6 ? 4 : 1;
	isk.src_addr = src;
	isk.dst_addr = dst;
	isk.fown = &no_fown;
	opts.so_sndbuf = in->sndbuf;
	opts.so_rcvbuf = in->rcvbuf;
	/* no time-outs: deadsock refuses a socket with one */
	OPT(opts, reuseaddr, in->reuseaddr);
	isk.opts = &opts;
	if (v6)
		OPT(isk, v6only, in->v6only);
	if (in->shutdown)	/* sk_shutdown: READ 1, WRITE 2, BOTH 3, as the kernel's bits */
		OPT(isk, shutdown, (SkShutdown)in->shutdown);
	fe->isk = &isk;
	entry(w, &w->files, fe);
	if (in->tcp && tcp_stream(w, f))
		return 0;
	return fe->id;
}

/*
 * A Unix socket (file_entry.usk, 16): its peer by socket inode, its name
 * and, bound to a path, its file's owner and mode; what is queued to it
 * goes to sk-queues.img under its id, a message to an entry, and CRIU's
 * restore sends it again from the peer.
 */
static uint32_t unix_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	const struct dp_unix *u = f->unx;
	UnixSkEntry usk = UNIX_SK_ENTRY__INIT;
	SkOptsEntry opts = SK_OPTS_ENTRY__INIT;
	FilePermsEntry perms = FILE_PERMS_ENTRY__INIT;
	unsigned int i;

	usk.id = fe->id;
	usk.ino = f->ino;
	usk.type = u->type;
	usk.state = u->state;
	usk.flags = f->flags & ~O_CLOEXEC_;
	usk.backlog = u->backlog;
	usk.peer = u->peer_ino;
	usk.fown = &no_fown;
	opts.so_sndbuf = u->sndbuf;
	opts.so_rcvbuf = u->rcvbuf;
	/* no time-outs: deadunix refuses a socket with one */
	OPT(opts, so_passcred, u->passcred);
	OPT(opts, so_passsec, u->passsec);
	usk.opts = &opts;
	usk.name.len = u->namelen;
	usk.name.data = (uint8_t *)u->name;
	if (u->shutdown)
		OPT(usk, shutdown, (SkShutdown)u->shutdown);
	if (u->namelen && u->name[0]) {
		perms.mode = u->file_mode;
		perms.uid = u->file_uid;
		perms.gid = u->file_gid;
		usk.file_perms = &perms;
	}
	fe->usk = &usk;
	entry(w, &w->files, fe);
	for (i = 0; i < u->npackets; i++) {
		SkPacketEntry pe = SK_PACKET_ENTRY__INIT;

		pe.id_for = fe->id;
		pe.length = u->packets[i].len;
		entry(w, &w->sk_queues, &pe);
		pb_raw(&w->sk_queues, u->packets[i].data, u->packets[i].len);
	}
	return fe->id;
}

/* An epoll instance (file_entry.epfd, 9) and what it watches, by fd. */
static uint32_t epoll_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	EventpollFileEntry ep = EVENTPOLL_FILE_ENTRY__INIT;
	EventpollTfdEntry *t = scratch(w, f->ntfds, sizeof(*t));
	EventpollTfdEntry **pt = scratch(w, f->ntfds, sizeof(*pt));
	unsigned int i;

	if (!pt)
		return 0;
	ep.id = fe->id;
	ep.flags = f->flags & ~O_CLOEXEC_;
	ep.fown = &no_fown;
	for (i = 0; i < f->ntfds; i++) {
		eventpoll_tfd_entry__init(&t[i]);
		t[i].id = fe->id;
		t[i].tfd = f->tfds[i].fd;
		t[i].events = f->tfds[i].events;
		t[i].data = f->tfds[i].data;
		pt[i] = &t[i];
	}
	ep.n_tfd = f->ntfds;
	ep.tfd = pt;
	fe->epfd = &ep;
	entry(w, &w->files, fe);
	return fe->id;
}

/* An eventfd and its counter (file_entry.efd, 8). */
static uint32_t eventfd_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	EventfdFileEntry e = EVENTFD_FILE_ENTRY__INIT;

	e.id = fe->id;
	e.flags = f->flags & ~O_CLOEXEC_;
	e.fown = &no_fown;
	e.counter = f->anon_value;
	fe->efd = &e;
	entry(w, &w->files, fe);
	return fe->id;
}

/* A signalfd and its mask (file_entry.sgfd, 10). */
static uint32_t signalfd_kind(struct writer *w, const struct dp_file *f, FileEntry *fe)
{
	SignalfdEntry e = SIGNALFD_ENTRY__INIT;

	e.id = fe->id;
	e.flags = f->flags & ~O_CLOEXEC_;
	e.fown = &no_fown;
	e.sigmask = f->anon_value;
	fe->sgfd = &e;
	entry(w, &w->files, fe);
	return fe->id;
}

/*
 * The kinds of open file carried, each with its fd type and the function
 * that writes its file entry (given the entry's type and id, it fills in
 * its part, appends the entry to files.img and returns the id, 0 if it
 * could not). A kind added to deadproc's reader is one line here.
 */
static const struct file_kind {
	enum dp_file_kind kind;
	FdTypes type;
	uint32_t (*write)(struct writer *w, const struct dp_file *f, FileEntry *fe);
} file_kinds[] = {
	{ DP_REG,	FD_TYPES__REG,		reg_kind },
	{ DP_PIPE,	FD_TYPES__PIPE,		pipe_kind },
	{ DP_FIFO,	FD_TYPES__FIFO,		fifo_kind },
	{ DP_INET,	FD_TYPES__INETSK,	inet_kind },
	{ DP_UNIX,	FD_TYPES__UNIXSK,	unix_kind },
	{ DP_EPOLL,	FD_TYPES__EVENTPOLL,	epoll_kind },
	{ DP_EVENTFD,	FD_TYPES__EVENTFD,	eventfd_kind },
	{ DP_SIGNALFD,	FD_TYPES__SIGNALFD,	signalfd_kind },
};

static const struct file_kind *file_kind(enum dp_file_kind k)
{
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(file_kinds); i++)
		if (file_kinds[i].kind == k)
			return &file_kinds[i];
	return NULL;
}

/*
 * The id of an open file: one file entry however many fds and processes
 * share it (a listening socket shared by a server's processes must stay
 * one socket).
 */
static uint32_t file_id(struct writer *w, const struct dp_file *f)
{
	const struct file_kind *k = file_kind(f->kind);
	FileEntry fe = FILE_ENTRY__INIT;
	struct seen_file *s;
	unsigned int i;
	uint32_t id;

	for (i = 0; f->addr && i < w->nseen; i++)
		if (w->seen[i].addr == f->addr)
			return w->seen[i].id;
	if (!k)
		return 0;
	fe.type = k->type;
	fe.id = w->next_file_id++;
	id = k->write(w, f, &fe);
	s = id ? realloc(w->seen, (w->nseen + 1) * sizeof(*s)) : NULL;
	if (!s)
		return 0;
	w->seen = s;
	w->seen[w->nseen++] = (struct seen_file){ f->addr, id };
	return id;
}

static int write_files(struct writer *w, const struct dp_proc *p, uint32_t files_id,
		       uint32_t *file_ids)
{
	struct pbuf fdinfo = { 0 };
	FsEntry fs = FS_ENTRY__INIT;
	char name[64];
	unsigned int i;

	for (i = 0; i < p->nfiles; i++) {
		/* Shared anonymous memory goes with the memory map, by its shmid. */
		if (p->files[i].kind == DP_SHMEM)
			continue;
		file_ids[i] = file_id(w, &p->files[i]);
		if (!file_ids[i])
			return errf(w->err, w->errlen, "process %d: %s: cannot write its file entry",
				    p->pid, p->files[i].path);
	}
	for (i = 0; i < p->nfds; i++) {
		const struct file_kind *k = file_kind(p->files[p->fds[i].file].kind);
		FdinfoEntry fd = FDINFO_ENTRY__INIT;

		fd.id = file_ids[p->fds[i].file];
		fd.flags = p->fds[i].cloexec ? FD_CLOEXEC_FLAG : 0;
		fd.type = k ? k->type : FD_TYPES__UND;
		fd.fd = p->fds[i].fd;
		entry(w, &fdinfo, &fd);
	}
	snprintf(name, sizeof(name), "fdinfo-%u.img", files_id);
	if (write_image(w, name, MAGIC_FDINFO, &fdinfo))
		return -1;
	fs.cwd_id = reg_file(w, p->cwd, 0);
	fs.root_id = reg_file(w, p->root, 0);
	OPT(fs, umask, p->umask);
	snprintf(name, sizeof(name), "fs-%d.img", p->pid);
	return single(w, name, MAGIC_FS, &fs);
}

/* ---- Memory ---- */

static void vma_msg(VmaEntry *m, const struct dp_vma *v, const uint32_t *file_ids)
{
	bool shared = v->vm_flags & VM_MAYSHARE, file = v->file >= 0 && !v->shmid;
	uint32_t status = VMA_AREA_REGULAR, flags = shared ? MAP_SHARED_ : MAP_PRIVATE_;

	if (file)
		status |= shared ? VMA_FILE_SHARED : VMA_FILE_PRIVATE;
	else if (v->shmid)
		status |= VMA_ANON_SHARED, flags |= MAP_ANON_;
	else
		status |= VMA_ANON_PRIVATE, flags |= MAP_ANON_;
	if (v->heap)
		status |= VMA_AREA_HEAP;
	if (v->vdso)
		status |= VMA_AREA_VDSO;
	if (v->vvar)
		status |= VMA_AREA_VVAR;
	if (v->vm_flags & VM_GROWSDOWN)
		flags |= MAP_GROWSDOWN_;
	vma_entry__init(m);
	m->start = v->start;
	m->end = v->end;
	m->pgoff = file || v->shmid ? v->pgoff * PAGE_SIZE : 0;
	/* shmid: the file's id, or the shared anonymous object's */
	m->shmid = file ? file_ids[v->file] : v->shmid;
	m->prot = v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);	/* as PROT_* */
	m->flags = flags;
	m->status = status;
	m->fd = -1;
	if (v->vvar)
		OPT(*m, madv, MADV_DONTDUMP_BIT);
	if (file)
		OPT(*m, fdflags, shared && (v->vm_flags & VM_WRITE) ? O_RDWR : O_RDONLY);
}

static int write_mm(struct writer *w, const struct dp_proc *p, const uint32_t *file_ids)
{
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry *v = scratch(w, p->nvmas, sizeof(*v));
	VmaEntry **pv = scratch(w, p->nvmas, sizeof(*pv));
	char name[64];
	unsigned int i;

	mm.mm_start_code = p->start_code;
	mm.mm_end_code = p->end_code;
	mm.mm_start_data = p->start_data;
	mm.mm_end_data = p->end_data;
	mm.mm_start_stack = p->start_stack;
	mm.mm_start_brk = p->start_brk;
	mm.mm_brk = p->brk;
	mm.mm_arg_start = p->arg_start;
	mm.mm_arg_end = p->arg_end;
	mm.mm_env_start = p->env_start;
	mm.mm_env_end = p->env_end;
	mm.exe_file_id = file_ids[p->exe];
	for (i = 0; i + 1 < p->nauxv && p->auxv[i]; i += 2)	/* without AT_NULL */
		;
	mm.n_mm_saved_auxv = i;
	mm.mm_saved_auxv = (uint64_t *)p->auxv;
	for (i = 0; pv && i < p->nvmas; i++) {
		vma_msg(&v[i], &p->vmas[i], file_ids);
		pv[i] = &v[i];
	}
	mm.n_vmas = pv ? p->nvmas : 0;
	mm.vmas = pv;
	OPT(mm, dumpable, 1);
	snprintf(name, sizeof(name), "mm-%d.img", p->pid);
	return single(w, name, MAGIC_MM, &mm);
}

/*
 * The pages of a process, in pagemap order, copied from the dead memory
 * through a buffer: physically consecutive frames are read at once, and
 * written a buffer at a time (a 1 GiB process is 262144 pages).
 */
#define BATCH_PAGES 256

struct page_copy {
	struct dk *dk;
	int fd;
	unsigned char *buf;
	unsigned int n;			/* pages in buf */
	uint64_t run_pfn;		/* first frame of the run not yet read */
	unsigned int run_start, run_len;	/* its place in buf, its length */
};

static int read_run(struct page_copy *c)
{
	int ret = c->run_len ? dk_read_phys(c->dk, c->run_pfn * PAGE_SIZE,
					    c->buf + (size_t)c->run_start * PAGE_SIZE,
					    (size_t)c->run_len * PAGE_SIZE) : 0;

	c->run_len = 0;
	return ret;
}

static int flush_pages(struct page_copy *c)
{
	size_t len = (size_t)c->n * PAGE_SIZE;

	if (read_run(c))
		return -1;
	if (len && write(c->fd, c->buf, len) != (ssize_t)len)
		return dk_fail(c->dk, "writing pages: %s", strerror(errno));
	c->n = 0;
	return 0;
}

static int add_page(struct page_copy *c, uint64_t pfn)
{
	if (c->n == BATCH_PAGES && flush_pages(c))
		return -1;
	if (!c->run_len || pfn != c->run_pfn + c->run_len) {
		if (read_run(c))
			return -1;
		c->run_pfn = pfn;
		c->run_start = c->n;
	}
	c->run_len++;
	c->n++;
	return 0;
}

/* A pagemap image (name) of runs of pages and their pages-<pages_id>.img. */
static int write_page_runs(struct writer *w, const struct dp_pages *runs, unsigned int nruns,
			   const char *name, uint32_t pages_id, const char *what)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	struct pbuf pagemap = { 0 };
	struct page_copy c = { .dk = w->dk };
	char path[4096];
	unsigned int i, j;
	int ret = -1;

	head.pages_id = pages_id;
	entry(w, &pagemap, &head);
	snprintf(path, sizeof(path), "%s/pages-%u.img", w->dir, pages_id);
	c.buf = malloc((size_t)BATCH_PAGES * PAGE_SIZE);
	c.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!c.buf || c.fd < 0) {
		errf(w->err, w->errlen, "%s: %s", path, c.buf ? strerror(errno) : "out of memory");
		goto out;
	}
	for (i = 0; i < nruns; i++) {
		const struct dp_pages *r = &runs[i];
		PagemapEntry e = PAGEMAP_ENTRY__INIT;

		e.vaddr = r->vaddr;
		e.nr_pages = r->npages;
		OPT(e, flags, PE_PRESENT);
		entry(w, &pagemap, &e);
		for (j = 0; j < r->npages; j++)
			if (add_page(&c, r->pfn[j])) {
				errf(w->err, w->errlen, "%s page 0x%llx: %s", what,
				     (unsigned long long)(r->vaddr + j * PAGE_SIZE), dk_error(w->dk));
				goto out;
			}
	}
	if (flush_pages(&c)) {
		errf(w->err, w->errlen, "%s: %s", what, dk_error(w->dk));
		goto out;
	}
	if (close(c.fd)) {
		c.fd = -1;
		errf(w->err, w->errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	c.fd = -1;
	free(c.buf);
	return write_image(w, name, MAGIC_PAGEMAP, &pagemap);
out:
	if (c.fd >= 0)
		close(c.fd);
	free(c.buf);
	pb_free(&pagemap);
	return ret;
}

static int write_pages(struct writer *w, const struct dp_proc *p, uint32_t pages_id)
{
	char name[64], what[64];

	snprintf(name, sizeof(name), "pagemap-%d.img", p->pid);
	snprintf(what, sizeof(what), "process %d", p->pid);
	return write_page_runs(w, p->pages, p->npages_runs, name, pages_id, what);
}

/*
 * The shared anonymous objects the written processes map, each once:
 * pagemap-shmem-<shmid>.img, pages by offset in the object.
 */
#define SHMEM_PAGES_ID	0x40000000u

static int write_shmems(struct writer *w, const struct dp_set *set)
{
	unsigned int i, j, k;

	for (k = 0; k < set->nshmems; k++) {
		const struct dp_shmem *sh = &set->shmems[k];
		bool used = false;
		char name[64], what[64];

		for (i = 0; i < set->nprocs && !used; i++)
			for (j = 0; !set->procs[i].problems[0] && j < set->procs[i].nvmas; j++)
				used |= set->procs[i].vmas[j].shmid == sh->shmid;
		if (!used)
			continue;
		snprintf(name, sizeof(name), "pagemap-shmem-%llu.img", (unsigned long long)sh->shmid);
		snprintf(what, sizeof(what), "shared memory %llu", (unsigned long long)sh->shmid);
		if (write_page_runs(w, sh->pages, sh->npages_runs, name, SHMEM_PAGES_ID + k, what))
			return -1;
	}
	return 0;
}

/* ---- Processes ---- */

static bool written(const struct dp_set *set, int pid)
{
	unsigned int i;

	for (i = 0; i < set->nprocs; i++)
		if (set->procs[i].pid == pid && !set->procs[i].problems[0])
			return true;
	return false;
}

/* A process's place in the tree: pstree.img, with its threads (tids). */
static void pstree_entry(struct writer *w, const struct dp_set *set, const struct dp_proc *p,
			 uint32_t *tids, unsigned int ntids)
{
	PstreeEntry ps = PSTREE_ENTRY__INIT;

	ps.pid = p->pid;
	ps.ppid = written(set, p->ppid) ? p->ppid : 0;
	ps.pgid = p->pgid;
	ps.sid = p->sid;
	ps.n_threads = tids ? ntids : 0;
	ps.threads = tids;
	entry(w, &w->pstree, &ps);
}

/* A zombie: its place in the tree and a core with its exit status, as CRIU dumps one. */
static int write_zombie(struct writer *w, const struct dp_set *set, const struct dp_proc *p)
{
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	uint32_t tid = p->pid;
	char name[64];

	pstree_entry(w, set, p, &tid, 1);
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	tc.task_state = TASK_DEAD;
	tc.exit_code = p->exit_status;
	tc.personality = p->personality;
	tc.comm = (char *)p->comm;
	core.tc = &tc;
	snprintf(name, sizeof(name), "core-%d.img", p->pid);
	return single(w, name, MAGIC_CORE, &core);
}

static int write_proc(struct writer *w, const struct dp_set *set, const struct dp_proc *p,
		      uint32_t id)
{
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	uint32_t *file_ids, *tids;
	char name[64];
	unsigned int i;
	int ret = -1;

	if (p->zombie)
		return write_zombie(w, set, p);
	if (p->exe < 0)
		return errf(w->err, w->errlen, "process %d: no executable", p->pid);
	file_ids = calloc(p->nfiles + 1, sizeof(*file_ids));
	if (!file_ids)
		return errf(w->err, w->errlen, "out of memory");
	tids = scratch(w, p->nthreads, sizeof(*tids));
	for (i = 0; tids && i < p->nthreads; i++)
		tids[i] = p->threads[i].tid;
	pstree_entry(w, set, p, tids, p->nthreads);
	ids_msg(&ids, id);
	snprintf(name, sizeof(name), "ids-%d.img", p->pid);
	if (single(w, name, MAGIC_IDS, &ids))
		goto out;
	for (i = 0; i < p->nthreads; i++)
		if (write_core(w, p, &p->threads[i], i == 0))
			goto out;
	if (write_files(w, p, id, file_ids) || write_mm(w, p, file_ids) ||
	    write_pages(w, p, id))
		goto out;
	ret = 0;
out:
	free(file_ids);
	return ret;
}

int ci_write(struct dk *dk, const struct dp_set *set, const char *dir, char *err, size_t errlen)
{
	struct writer w = { .dk = dk, .dir = dir, .err = err, .errlen = errlen, .next_file_id = 1 };
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	TaskKobjIdsEntry root = TASK_KOBJ_IDS_ENTRY__INIT;
	unsigned int i, n = 0;
	int ret = -1;

	for (i = 0; i < set->nprocs; i++) {
		if (set->procs[i].problems[0])
			continue;
		/* Ids 1 are CRIU's own (root_ids); each process gets its own. */
		if (write_proc(&w, set, &set->procs[i], i + 2))
			goto out;
		n++;
	}
	if (write_shmems(&w, set) ||
	    write_image(&w, "pstree.img", MAGIC_PSTREE, &w.pstree) ||
	    write_image(&w, "files.img", MAGIC_FILES, &w.files) ||
	    write_image(&w, "pipes-data.img", MAGIC_PIPES_DATA, &w.pipes.data) ||
	    write_image(&w, "fifo-data.img", MAGIC_FIFO_DATA, &w.fifos.data) ||
	    write_image(&w, "sk-queues.img", MAGIC_SK_QUEUES, &w.sk_queues))
		goto out;
	inv.img_version = IMAGES_V1_1;
	OPT(inv, fdinfo_per_id, 1);
	ids_msg(&root, 1);
	inv.root_ids = &root;
	if (single(&w, "inventory.img", MAGIC_INVENTORY, &inv))
		goto out;
	ret = n;
out:
	scratch_free(&w);
	free(w.pipes.ino);
	free(w.fifos.ino);
	free(w.seen);
	pb_free(&w.pstree);
	pb_free(&w.files);
	pb_free(&w.pipes.data);
	pb_free(&w.fifos.data);
	pb_free(&w.sk_queues);
	return ret;
}

bool ci_has_tcp(const struct dp_set *set)
{
	unsigned int i, j;

	for (i = 0; i < set->nprocs; i++)
		for (j = 0; j < set->procs[i].nfiles; j++)
			if (!set->procs[i].problems[0] && set->procs[i].files[j].inet &&
			    set->procs[i].files[j].inet->tcp)
				return true;
	return false;
}
