// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcriuimg: CRIU images from a dead kernel's processes. Field numbers
 * follow CRIU 3.17's .proto files (images/); see criuimg.h.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "criuimg.h"
#include "errf.h"
#include "pbuf.h"

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
#define TCPI_OPT_WSCALE		4	/* tcp_stream_entry.opt_mask */

#define IMAGES_V1_1	2
#define MARCH_X86_64	1
#define FD_TYPE_REG	1
#define FD_TYPE_PIPE	2
#define FD_TYPE_INETSK	4
#define FD_TYPE_EVENTFD	6
#define FD_TYPE_EVENTPOLL 7
#define FD_TYPE_SIGNALFD 9
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

struct writer {
	struct dk *dk;
	const char *dir;
	char *err;
	size_t errlen;
	unsigned int next_file_id;
	struct pbuf files;		/* files.img entries, for all processes */
	struct pbuf pstree;
	struct pbuf pipes_data;		/* pipes-data.img: each pipe's bytes, once */
	uint64_t *pipes;		/* the pipes (inode numbers) seen */
	unsigned int npipes;
	struct seen_file {		/* open files written, by dead struct file */
		uint64_t addr;
		uint32_t id;
	} *seen;
	unsigned int nseen;
};

/* ---- Image files ---- */

static int put_u32(struct pbuf *b, uint32_t v)
{
	pb_raw(b, &v, 4);
	return 0;
}

static void entry(struct pbuf *img, struct pbuf *msg)
{
	put_u32(img, msg->len);
	pb_raw(img, msg->data, msg->len);
	if (msg->oom)
		img->oom = true;
	pb_free(msg);
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
	int ret;

	if (magic != MAGIC_INVENTORY)
		put_u32(&img, IMG_COMMON_MAGIC);
	put_u32(&img, magic);
	pb_raw(&img, body->data, body->len);
	if (img.oom || body->oom)
		ret = errf(w->err, w->errlen, "out of memory");
	else
		ret = write_file(w, name, img.data, img.len);
	pb_free(&img);
	pb_free(body);
	return ret;
}

static int single(struct writer *w, const char *name, uint32_t magic, struct pbuf *msg)
{
	struct pbuf body = { 0 };

	entry(&body, msg);
	return write_image(w, name, magic, &body);
}

/* ---- Messages ---- */

static void ids_msg(struct pbuf *m, uint32_t id)
{
	pb_uint(m, 1, id);	/* vm_id */
	pb_uint(m, 2, id);	/* files_id */
	pb_uint(m, 3, id);	/* fs_id */
	pb_uint(m, 4, id);	/* sighand_id */
}

static void creds_msg(struct pbuf *m, const struct dp_creds *c)
{
	const uint64_t caps[] = { c->cap_inh, c->cap_prm, c->cap_eff, c->cap_bnd };
	unsigned int i;

	pb_uint(m, 1, c->uid);
	pb_uint(m, 2, c->gid);
	pb_uint(m, 3, c->euid);
	pb_uint(m, 4, c->egid);
	pb_uint(m, 5, c->suid);
	pb_uint(m, 6, c->sgid);
	pb_uint(m, 7, c->fsuid);
	pb_uint(m, 8, c->fsgid);
	for (i = 0; i < 4; i++) {	/* two 32-bit words each, low first */
		pb_uint(m, 9 + i, (uint32_t)caps[i]);
		pb_uint(m, 9 + i, caps[i] >> 32);
	}
	pb_uint(m, 13, c->securebits);
	for (i = 0; i < c->ngroups; i++)
		pb_uint(m, 14, c->groups[i]);
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

/* CRIU's user_x86_xsave_entry: component, field, element size in bytes. */
static const struct { unsigned int comp, field, elem; } xsave_fields[] = {
	{ 2, 2, 4 },	/* ymmh_space */
	{ 3, 3, 8 },	/* bndreg_state */
	{ 4, 4, 8 },	/* bndcsr_state */
	{ 5, 5, 8 },	/* opmask_reg */
	{ 6, 6, 8 },	/* zmm_upper */
	{ 7, 7, 8 },	/* hi16_zmm */
	{ 9, 8, 4 },	/* pkru */
};

/*
 * FPU registers from the kernel's xregs_state: the FXSAVE area, then each
 * extended component the task's buffer holds. A component whose
 * xstate_bv bit is clear is in its initial state and its area may be
 * stale: write the initial values.
 */
static void fpregs_msg(struct pbuf *m, const struct dp_thread *t)
{
	static const unsigned char zero[576];
	const unsigned char *x = t->xsave && t->xsave_size >= 576 ? t->xsave : zero;
	uint64_t bv = x == zero ? 0 : le64(x + 512), xcomp = x == zero ? 0 : le64(x + 520);
	bool fp = bv & XSTATE_FP, sse = bv & XSTATE_SSE;
	struct pbuf xs = { 0 };
	unsigned int i, j;

	pb_uint(m, 1, fp ? le32(x) & 0xffff : 0x37f);		/* cwd */
	pb_uint(m, 2, fp ? le32(x) >> 16 : 0);			/* swd */
	pb_uint(m, 3, fp ? x[4] : 0);				/* twd, abridged */
	pb_uint(m, 4, fp ? le32(x + 4) >> 16 : 0);		/* fop */
	pb_uint(m, 5, fp ? le64(x + 8) : 0);			/* rip */
	pb_uint(m, 6, fp ? le64(x + 16) : 0);			/* rdp */
	pb_uint(m, 7, x == zero ? 0x1f80 : le32(x + 24));	/* mxcsr, always saved */
	pb_uint(m, 8, x == zero ? 0xffff : le32(x + 28));	/* mxcsr_mask */
	for (i = 0; i < 32; i++)
		pb_uint(m, 9, fp ? le32(x + 32 + 4 * i) : 0);	/* st_space */
	for (i = 0; i < 64; i++)
		pb_uint(m, 10, sse ? le32(x + 160 + 4 * i) : 0);	/* xmm_space */
	if (x == zero || !(t->xfeatures & ~(XSTATE_FP | XSTATE_SSE)))
		return;
	pb_uint(&xs, 1, bv);
	for (i = 0; i < sizeof(xsave_fields) / sizeof(xsave_fields[0]); i++) {
		unsigned int c = xsave_fields[i].comp, e = xsave_fields[i].elem;
		bool live = bv & (1ULL << c);
		uint32_t size, off;

		if (!(t->xfeatures & (1ULL << c)))
			continue;
		off = xsave_offset(c, xcomp, &size);
		if (live && (!off || off + size > t->xsave_size))
			live = false;
		for (j = 0; j + e <= size; j += e)
			pb_uint(&xs, xsave_fields[i].field,
				!live ? 0 : e == 4 ? le32(x + off + j) : le64(x + off + j));
	}
	pb_msg(m, 13, &xs);
}

static void gpregs_msg(struct pbuf *m, const struct dp_thread *t)
{
	const struct dp_regs *r = &t->regs;
	const uint64_t v[] = {
		r->r15, r->r14, r->r13, r->r12, r->bp, r->bx, r->r11, r->r10, r->r9, r->r8,
		r->ax, r->cx, r->dx, r->si, r->di, r->orig_ax, r->ip, r->cs, r->flags, r->sp,
		r->ss, t->fs_base, t->gs_base, t->ds, t->es, t->fsindex, t->gsindex,
	};
	unsigned int i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		pb_uint(m, i + 1, v[i]);
	pb_uint(m, 28, 1);	/* native mode */
}

/* signal_queue_entry: each queued signal as a raw siginfo_t. */
static void sigqueue_msg(struct pbuf *m, unsigned int field,
			 unsigned char (*info)[DP_SIGINFO_SIZE], unsigned int n)
{
	struct pbuf q = { 0 }, e = { 0 };
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		pb_bytes(&e, 1, info[i], DP_SIGINFO_SIZE);
		pb_msg(&q, 1, &e);
	}
	pb_msg(m, field, &q);
}

static void task_core_msg(struct pbuf *m, const struct dp_proc *p)
{
	struct pbuf timers = { 0 }, it = { 0 }, rl = { 0 }, r = { 0 }, sa = { 0 };
	unsigned int i, sig;

	pb_uint(m, 1, TASK_ALIVE);
	pb_uint(m, 2, 0);			/* exit_code */
	pb_uint(m, 3, p->personality);
	pb_uint(m, 4, 0);			/* flags */
	pb_uint(m, 5, p->threads[0].blocked);
	pb_str(m, 6, p->comm);
	for (i = 1; i <= 3; i++) {		/* real; virt, prof: not running (deadproc refuses them) */
		/* In us, the value rounded up: less than 1 us left must not read as disarmed. */
		uint64_t interval = i == 1 ? p->itimer_real_interval_ns / 1000 : 0;
		uint64_t value = i == 1 ? (p->itimer_real_ns + 999) / 1000 : 0;

		pb_uint(&it, 1, interval / 1000000);
		pb_uint(&it, 2, interval % 1000000);
		pb_uint(&it, 3, value / 1000000);
		pb_uint(&it, 4, value % 1000000);
		pb_msg(&timers, i, &it);
	}
	pb_msg(m, 7, &timers);
	for (i = 0; i < DP_NRLIMITS; i++) {
		pb_uint(&r, 1, p->rlim[i][0]);
		pb_uint(&r, 2, p->rlim[i][1]);
		pb_msg(&rl, 1, &r);
	}
	pb_msg(m, 8, &rl);
	for (sig = 1; sig <= DP_NSIG; sig++) {	/* 62: all but SIGKILL, SIGSTOP */
		const struct dp_sigaction *a = &p->sigaction[sig - 1];

		if (sig == 9 || sig == 19)
			continue;
		pb_uint(&sa, 1, a->handler);
		pb_uint(&sa, 2, a->flags);
		pb_uint(&sa, 3, a->restorer);
		pb_uint(&sa, 4, a->mask);
		pb_msg(m, 15, &sa);
	}
	sigqueue_msg(m, 10, p->shared_siginfo, p->nshared_siginfo);	/* signals_s */
}

static void thread_core_msg(struct pbuf *m, const struct dp_proc *p, const struct dp_thread *t,
			    bool leader)
{
	struct pbuf sas = { 0 }, creds = { 0 }, rseq = { 0 };

	pb_uint(m, 1, t->robust_list);
	pb_uint(m, 2, t->robust_len);
	pb_sint(m, 3, t->nice);
	pb_uint(m, 4, t->policy);
	if (!leader)
		pb_uint(m, 6, t->blocked);
	pb_uint(&sas, 1, t->sas_sp);
	pb_uint(&sas, 2, t->sas_size);
	pb_uint(&sas, 3, t->sas_size ? t->sas_flags : SS_DISABLE);
	pb_msg(m, 7, &sas);
	sigqueue_msg(m, 9, t->siginfo, t->nsiginfo);			/* signals_p */
	creds_msg(&creds, &p->creds);
	pb_msg(m, 10, &creds);
	pb_str(m, 13, t->comm);
	if (t->rseq) {
		pb_uint(&rseq, 1, t->rseq);
		pb_uint(&rseq, 2, t->rseq_len);
		pb_uint(&rseq, 3, t->rseq_sig);
		pb_msg(m, 15, &rseq);
	}
}

static int write_core(struct writer *w, const struct dp_proc *p, const struct dp_thread *t,
		      bool leader)
{
	struct pbuf core = { 0 }, ti = { 0 }, sub = { 0 };
	char name[64];

	pb_uint(&core, 1, MARCH_X86_64);
	pb_uint(&ti, 1, t->clear_child_tid);
	gpregs_msg(&sub, t);
	pb_msg(&ti, 2, &sub);
	fpregs_msg(&sub, t);
	pb_msg(&ti, 3, &sub);
	pb_msg(&core, 2, &ti);
	if (leader) {
		task_core_msg(&sub, p);
		pb_msg(&core, 3, &sub);
	}
	thread_core_msg(&sub, p, t, leader);
	pb_msg(&core, 5, &sub);
	snprintf(name, sizeof(name), "core-%d.img", t->tid);
	return single(w, name, MAGIC_CORE, &core);
}

/* ---- Files ---- */

/* O_CLOEXEC is an fd flag in the images, not an open flag. */
#define O_CLOEXEC_ 02000000

static void fown_msg(struct pbuf *m, unsigned int field)
{
	struct pbuf fown = { 0 };
	unsigned int i;

	for (i = 1; i <= 5; i++)
		pb_uint(&fown, i, 0);
	pb_msg(m, field, &fown);
}

static uint32_t reg_file(struct writer *w, const char *path, uint32_t flags, uint64_t pos)
{
	struct pbuf fe = { 0 }, reg = { 0 };
	uint32_t id = w->next_file_id++;

	pb_uint(&reg, 1, id);
	pb_uint(&reg, 2, flags);
	pb_uint(&reg, 3, pos);
	fown_msg(&reg, 5);
	pb_str(&reg, 6, path);
	pb_uint(&fe, 1, FD_TYPE_REG);
	pb_uint(&fe, 2, id);
	pb_msg(&fe, 3, &reg);
	entry(&w->files, &fe);
	return id;
}

/*
 * An end of an anonymous pipe; both ends name the pipe by its inode. Its
 * unread bytes go to pipes-data.img once, whichever end comes first.
 */
static uint32_t pipe_file(struct writer *w, const struct dp_file *f)
{
	struct pbuf fe = { 0 }, pe = { 0 }, data = { 0 };
	uint32_t id = w->next_file_id++;
	unsigned int i;
	uint64_t *n;

	pb_uint(&pe, 1, id);
	pb_uint(&pe, 2, (uint32_t)f->ino);
	pb_uint(&pe, 3, f->flags & ~O_CLOEXEC_);
	fown_msg(&pe, 4);
	pb_uint(&fe, 1, FD_TYPE_PIPE);
	pb_uint(&fe, 2, id);
	pb_msg(&fe, 18, &pe);
	entry(&w->files, &fe);
	for (i = 0; i < w->npipes; i++)
		if (w->pipes[i] == f->ino)
			return id;
	n = realloc(w->pipes, (w->npipes + 1) * sizeof(*n));
	if (!n)
		return 0;
	w->pipes = n;
	w->pipes[w->npipes++] = f->ino;
	if (!f->pipe_len)
		return id;
	pb_uint(&data, 1, (uint32_t)f->ino);
	pb_uint(&data, 2, f->pipe_len);
	pb_uint(&data, 3, f->pipe_size);
	entry(&w->pipes_data, &data);
	pb_raw(&w->pipes_data, f->pipe_data, f->pipe_len);
	return id;
}

/* A connection's state and queues (established or closing): tcp-stream-<ino>.img. */
static int tcp_stream(struct writer *w, const struct dp_file *f)
{
	const struct dp_tcp *t = f->inet->tcp;
	struct pbuf body = { 0 }, e = { 0 };
	char name[64];

	pb_uint(&e, 1, t->inq_len);
	pb_uint(&e, 2, t->inq_seq);
	pb_uint(&e, 3, t->outq_len);
	pb_uint(&e, 4, t->outq_seq);
	/*
	 * Window scaling always, 0/0 where the connection has none: CRIU
	 * sets the shifts only when the mask has it, and a socket made for
	 * repair keeps the receive shift its own SYN would have offered (14
	 * with large buffers), so it would advertise windows 2^14 times too
	 * small to a peer that scales nothing. Scaling by 0 is no scaling.
	 */
	pb_uint(&e, 5, t->opt_mask | TCPI_OPT_WSCALE);
	pb_uint(&e, 6, t->snd_wscale);
	pb_uint(&e, 7, t->mss_clamp);
	pb_uint(&e, 8, t->rcv_wscale);
	pb_uint(&e, 9, t->timestamp);
	pb_uint(&e, 11, t->nodelay);
	pb_uint(&e, 12, t->unsq_len);
	pb_uint(&e, 13, t->snd_wl1);
	pb_uint(&e, 14, t->snd_wnd);
	pb_uint(&e, 15, t->max_window);
	pb_uint(&e, 16, t->rcv_wnd);
	pb_uint(&e, 17, t->rcv_wup);
	entry(&body, &e);
	pb_raw(&body, t->inq, t->inq_len);	/* the queues follow the entry */
	pb_raw(&body, t->outq, t->outq_len);
	snprintf(name, sizeof(name), "tcp-stream-%llx.img", (unsigned long long)f->ino);
	return write_image(w, name, MAGIC_TCP_STREAM, &body);
}

static uint32_t inet_file(struct writer *w, const struct dp_file *f)
{
	const struct dp_inet *in = f->inet;
	struct pbuf fe = { 0 }, isk = { 0 }, opts = { 0 };
	uint32_t id = w->next_file_id++;
	unsigned int i;

	pb_uint(&isk, 1, id);
	pb_uint(&isk, 2, f->ino);
	pb_uint(&isk, 3, in->family);
	pb_uint(&isk, 4, in->type);
	pb_uint(&isk, 5, in->proto);
	pb_uint(&isk, 6, in->state);
	pb_uint(&isk, 7, in->src_port);
	pb_uint(&isk, 8, in->dst_port);
	pb_uint(&isk, 9, f->flags & ~O_CLOEXEC_);
	pb_uint(&isk, 10, in->backlog);
	if (in->family == AF_INET6_) {
		for (i = 0; i < 4; i++)
			pb_uint(&isk, 11, in->src6[i]);
		for (i = 0; i < 4; i++)
			pb_uint(&isk, 12, in->dst6[i]);
	} else {
		pb_uint(&isk, 11, in->src_addr);
		pb_uint(&isk, 12, in->dst_addr);
	}
	fown_msg(&isk, 13);
	pb_uint(&opts, 1, in->sndbuf);
	pb_uint(&opts, 2, in->rcvbuf);
	for (i = 3; i <= 6; i++)
		pb_uint(&opts, i, 0);		/* no time-outs */
	pb_uint(&opts, 7, in->reuseaddr);
	pb_msg(&isk, 14, &opts);
	if (in->family == AF_INET6_)
		pb_uint(&isk, 15, in->v6only);
	if (in->shutdown)	/* sk_shutdown: READ 1, WRITE 2, BOTH 3, as the kernel's bits */
		pb_uint(&isk, 19, in->shutdown);
	pb_uint(&fe, 1, FD_TYPE_INETSK);
	pb_uint(&fe, 2, id);
	pb_msg(&fe, 4, &isk);
	entry(&w->files, &fe);
	if (in->tcp && tcp_stream(w, f))
		return 0;
	return id;
}


/* An epoll instance and what it watches, by fd, in files.img. */
static uint32_t epoll_file(struct writer *w, const struct dp_file *f)
{
	struct pbuf fe = { 0 }, ep = { 0 };
	uint32_t id = w->next_file_id++;
	unsigned int i;

	pb_uint(&ep, 1, id);
	pb_uint(&ep, 2, f->flags & ~O_CLOEXEC_);
	fown_msg(&ep, 3);
	for (i = 0; i < f->ntfds; i++) {
		struct pbuf t = { 0 };

		pb_uint(&t, 1, id);
		pb_uint(&t, 2, f->tfds[i].fd);
		pb_uint(&t, 3, f->tfds[i].events);
		pb_uint(&t, 4, f->tfds[i].data);
		pb_msg(&ep, 4, &t);
	}
	pb_uint(&fe, 1, FD_TYPE_EVENTPOLL);
	pb_uint(&fe, 2, id);
	pb_msg(&fe, 9, &ep);
	entry(&w->files, &fe);
	return id;
}

/*
 * An eventfd and its counter (file_entry.efd, 8), or a signalfd and its
 * mask (file_entry.sgfd, 10): the same four fields.
 */
static uint32_t anon_file(struct writer *w, const struct dp_file *f)
{
	struct pbuf fe = { 0 }, e = { 0 };
	uint32_t id = w->next_file_id++;
	bool efd = f->kind == DP_EVENTFD;

	pb_uint(&e, 1, id);
	pb_uint(&e, 2, f->flags & ~O_CLOEXEC_);
	fown_msg(&e, 3);
	pb_uint(&e, 4, f->anon_value);
	pb_uint(&fe, 1, efd ? FD_TYPE_EVENTFD : FD_TYPE_SIGNALFD);
	pb_uint(&fe, 2, id);
	pb_msg(&fe, efd ? 8 : 10, &e);
	entry(&w->files, &fe);
	return id;
}

/*
 * The id of an open file: one file entry however many fds and processes
 * share it (a listening socket shared by a server's processes must stay
 * one socket).
 */
static uint32_t file_id(struct writer *w, const struct dp_file *f)
{
	struct seen_file *s;
	unsigned int i;
	uint32_t id;

	for (i = 0; f->addr && i < w->nseen; i++)
		if (w->seen[i].addr == f->addr)
			return w->seen[i].id;
	id = f->kind == DP_REG ? reg_file(w, f->path, f->flags & ~O_CLOEXEC_, f->pos) :
	     f->kind == DP_INET ? inet_file(w, f) :
	     f->kind == DP_PIPE ? pipe_file(w, f) :
	     f->kind == DP_EPOLL ? epoll_file(w, f) :
	     f->kind == DP_EVENTFD || f->kind == DP_SIGNALFD ? anon_file(w, f) : 0;
	s = id ? realloc(w->seen, (w->nseen + 1) * sizeof(*s)) : NULL;
	if (!s)
		return 0;
	w->seen = s;
	w->seen[w->nseen++] = (struct seen_file){ f->addr, id };
	return id;
}

static uint32_t fd_type(enum dp_file_kind k)
{
	return k == DP_INET ? FD_TYPE_INETSK : k == DP_PIPE ? FD_TYPE_PIPE :
	       k == DP_EPOLL ? FD_TYPE_EVENTPOLL : k == DP_EVENTFD ? FD_TYPE_EVENTFD :
	       k == DP_SIGNALFD ? FD_TYPE_SIGNALFD : FD_TYPE_REG;
}

static int write_files(struct writer *w, const struct dp_proc *p, uint32_t files_id,
		       uint32_t *file_ids)
{
	struct pbuf fdinfo = { 0 }, fs = { 0 };
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
		struct pbuf fd = { 0 };

		pb_uint(&fd, 1, file_ids[p->fds[i].file]);
		pb_uint(&fd, 2, p->fds[i].cloexec ? FD_CLOEXEC_FLAG : 0);
		pb_uint(&fd, 3, fd_type(p->files[p->fds[i].file].kind));
		pb_uint(&fd, 4, p->fds[i].fd);
		entry(&fdinfo, &fd);
	}
	snprintf(name, sizeof(name), "fdinfo-%u.img", files_id);
	if (write_image(w, name, MAGIC_FDINFO, &fdinfo))
		return -1;
	pb_uint(&fs, 1, reg_file(w, p->cwd, 0, 0));
	pb_uint(&fs, 2, reg_file(w, p->root, 0, 0));
	pb_uint(&fs, 3, p->umask);
	snprintf(name, sizeof(name), "fs-%d.img", p->pid);
	return single(w, name, MAGIC_FS, &fs);
}

/* ---- Memory ---- */

static void vma_msg(struct pbuf *m, const struct dp_vma *v, const uint32_t *file_ids)
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
	pb_uint(m, 1, v->start);
	pb_uint(m, 2, v->end);
	pb_uint(m, 3, file || v->shmid ? v->pgoff * PAGE_SIZE : 0);
	/* shmid: the file's id, or the shared anonymous object's */
	pb_uint(m, 4, file ? file_ids[v->file] : v->shmid);
	pb_uint(m, 5, v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));	/* as PROT_* */
	pb_uint(m, 6, flags);
	pb_uint(m, 7, status);
	pb_sint(m, 8, -1);
	if (v->vvar)
		pb_uint(m, 9, MADV_DONTDUMP_BIT);
	if (file)
		pb_uint(m, 10, shared && (v->vm_flags & VM_WRITE) ? O_RDWR : O_RDONLY);
}

static int write_mm(struct writer *w, const struct dp_proc *p, const uint32_t *file_ids)
{
	struct pbuf mm = { 0 };
	const uint64_t f[] = {
		p->start_code, p->end_code, p->start_data, p->end_data, p->start_stack,
		p->start_brk, p->brk, p->arg_start, p->arg_end, p->env_start, p->env_end,
	};
	char name[64];
	unsigned int i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		pb_uint(&mm, i + 1, f[i]);
	pb_uint(&mm, 12, file_ids[p->exe]);
	for (i = 0; i + 1 < p->nauxv && p->auxv[i]; i += 2) {	/* without AT_NULL */
		pb_uint(&mm, 13, p->auxv[i]);
		pb_uint(&mm, 13, p->auxv[i + 1]);
	}
	for (i = 0; i < p->nvmas; i++) {
		struct pbuf v = { 0 };

		vma_msg(&v, &p->vmas[i], file_ids);
		pb_msg(&mm, 14, &v);
	}
	pb_uint(&mm, 15, 1);		/* dumpable */
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
	struct pbuf pagemap = { 0 }, head = { 0 };
	struct page_copy c = { .dk = w->dk };
	char path[4096];
	unsigned int i, j;
	int ret = -1;

	pb_uint(&head, 1, pages_id);
	entry(&pagemap, &head);
	snprintf(path, sizeof(path), "%s/pages-%u.img", w->dir, pages_id);
	c.buf = malloc((size_t)BATCH_PAGES * PAGE_SIZE);
	c.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!c.buf || c.fd < 0) {
		errf(w->err, w->errlen, "%s: %s", path, c.buf ? strerror(errno) : "out of memory");
		goto out;
	}
	for (i = 0; i < nruns; i++) {
		const struct dp_pages *r = &runs[i];
		struct pbuf e = { 0 };

		pb_uint(&e, 1, r->vaddr);
		pb_uint(&e, 2, r->npages);
		pb_uint(&e, 4, PE_PRESENT);
		entry(&pagemap, &e);
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

/* A zombie: its place in the tree and a core with its exit status, as CRIU dumps one. */
static int write_zombie(struct writer *w, const struct dp_set *set, const struct dp_proc *p)
{
	struct pbuf ps = { 0 }, core = { 0 }, tc = { 0 };
	char name[64];

	pb_uint(&ps, 1, p->pid);
	pb_uint(&ps, 2, written(set, p->ppid) ? p->ppid : 0);
	pb_uint(&ps, 3, p->pgid);
	pb_uint(&ps, 4, p->sid);
	pb_uint(&ps, 5, p->pid);
	entry(&w->pstree, &ps);
	pb_uint(&core, 1, MARCH_X86_64);
	pb_uint(&tc, 1, TASK_DEAD);
	pb_uint(&tc, 2, p->exit_status);
	pb_uint(&tc, 3, p->personality);
	pb_uint(&tc, 4, 0);			/* flags */
	pb_uint(&tc, 5, 0);			/* blk_sigset */
	pb_str(&tc, 6, p->comm);
	pb_msg(&core, 3, &tc);
	snprintf(name, sizeof(name), "core-%d.img", p->pid);
	return single(w, name, MAGIC_CORE, &core);
}

static int write_proc(struct writer *w, const struct dp_set *set, const struct dp_proc *p,
		      uint32_t id)
{
	struct pbuf ps = { 0 }, ids = { 0 };
	uint32_t *file_ids;
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
	pb_uint(&ps, 1, p->pid);
	pb_uint(&ps, 2, written(set, p->ppid) ? p->ppid : 0);
	pb_uint(&ps, 3, p->pgid);
	pb_uint(&ps, 4, p->sid);
	for (i = 0; i < p->nthreads; i++)
		pb_uint(&ps, 5, p->threads[i].tid);
	entry(&w->pstree, &ps);
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
	struct pbuf inv = { 0 }, root = { 0 };
	unsigned int i, n = 0;

	for (i = 0; i < set->nprocs; i++) {
		if (set->procs[i].problems[0])
			continue;
		/* Ids 1 are CRIU's own (root_ids); each process gets its own. */
		if (write_proc(&w, set, &set->procs[i], i + 2))
			goto fail;
		n++;
	}
	free(w.pipes);
	w.pipes = NULL;
	free(w.seen);
	w.seen = NULL;
	if (write_shmems(&w, set))
		goto fail;
	if (write_image(&w, "pstree.img", MAGIC_PSTREE, &w.pstree) ||
	    write_image(&w, "files.img", MAGIC_FILES, &w.files) ||
	    write_image(&w, "pipes-data.img", MAGIC_PIPES_DATA, &w.pipes_data))
		goto fail;
	pb_uint(&inv, 1, IMAGES_V1_1);
	pb_uint(&inv, 2, 1);		/* fdinfo_per_id */
	ids_msg(&root, 1);
	pb_msg(&inv, 3, &root);
	if (single(&w, "inventory.img", MAGIC_INVENTORY, &inv))
		return -1;
	return n;
fail:
	free(w.pipes);
	free(w.seen);
	pb_free(&w.pstree);
	pb_free(&w.files);
	pb_free(&w.pipes_data);
	return -1;
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
