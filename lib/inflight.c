// SPDX-License-Identifier: GPL-2.0-only
/*
 * libinflight: a system call the dead kernel was inside, run again or
 * completed. See inflight.h.
 */
#include <stdio.h>
#include <string.h>

#include "inflight.h"

#define ENOSYS_RET	((uint64_t)-38)		/* entry code's ax in a system call */
#define O_APPEND_	02000
#define SYSCALL_LEN	2			/* the syscall instruction */

/*
 * The system calls whose part done the kernel records, by the path that
 * does it. A record in any other call (sendfile into a file, say) is one
 * this reader cannot turn into a result: the process is refused.
 */
static const struct call {
	uint64_t nr;
	enum dp_inflight_kind kind;
	bool count_in_dx;	/* its third argument is the byte count */
	bool moves_pos;		/* the file position moves by the result */
} calls[] = {
	{ 1, DP_INFLIGHT_FILE_WRITE, true, true },	/* write */
	{ 18, DP_INFLIGHT_FILE_WRITE, true, false },	/* pwrite64 */
	{ 20, DP_INFLIGHT_FILE_WRITE, false, true },	/* writev */
	{ 296, DP_INFLIGHT_FILE_WRITE, false, false },	/* pwritev */
	{ 328, DP_INFLIGHT_FILE_WRITE, false, false },	/* pwritev2: see below */
	{ 1, DP_INFLIGHT_TCP_SEND, true, false },	/* write */
	{ 20, DP_INFLIGHT_TCP_SEND, false, false },	/* writev */
	{ 44, DP_INFLIGHT_TCP_SEND, true, false },	/* sendto */
	{ 46, DP_INFLIGHT_TCP_SEND, false, false },	/* sendmsg */
	{ 0, DP_INFLIGHT_TCP_RECV, true, false },	/* read */
	{ 19, DP_INFLIGHT_TCP_RECV, false, false },	/* readv */
	{ 45, DP_INFLIGHT_TCP_RECV, true, false },	/* recvfrom */
	{ 47, DP_INFLIGHT_TCP_RECV, false, false },	/* recvmsg */
	{ 1, DP_INFLIGHT_PIPE_WRITE, true, false },	/* write */
	{ 20, DP_INFLIGHT_PIPE_WRITE, false, false },	/* writev */
	{ 0, DP_INFLIGHT_PIPE_READ, true, false },	/* read */
	{ 19, DP_INFLIGHT_PIPE_READ, false, false },	/* readv */
};

static int refuse(char *err, size_t errlen, const struct dp_thread *th, const char *why)
{
	snprintf(err, errlen, "thread %d: in system call %llu, %s: cannot tell its result",
		 th->tid, (unsigned long long)th->regs.orig_ax, why);
	return -1;
}

static struct dp_file *fd_file(struct dp_proc *p, uint64_t fd)
{
	unsigned int i;

	for (i = 0; i < p->nfds; i++)
		if ((uint64_t)p->fds[i].fd == fd && p->fds[i].file >= 0 &&
		    (unsigned int)p->fds[i].file < p->nfiles)
			return &p->files[p->fds[i].file];
	return NULL;
}

/* Bytes of a file write in the page cache; UINT64_MAX if the record does not fit. */
static uint64_t file_done(const struct dp_inflight *in, const struct dp_file *f)
{
	uint64_t done = in->done;

	if (f->kind != DP_REG || in->start > INT64_MAX || in->count > INT64_MAX)
		return UINT64_MAX;
	/*
	 * A write at or past the end moves i_size as each page is written,
	 * just before the record's count of bytes done: the size is the
	 * later word. (A write inside the file leaves the size alone; a
	 * page written twice there writes the same bytes.)
	 */
	if (in->start >= in->size && f->size > in->start) {
		uint64_t grown = f->size - in->start;

		if (grown > in->count)
			return UINT64_MAX;
		if (grown > done)
			done = grown;
	}
	return done;
}

/* Bytes of a TCP send queued, or of a receive taken; UINT64_MAX if it does not fit. */
static uint64_t tcp_done(const struct dp_inflight *in, const struct dp_file *f)
{
	const struct dp_tcp *t = f->inet ? f->inet->tcp : NULL;
	uint32_t now;

	if (f->kind != DP_INET || !t || f->inet->sk != in->obj || in->start > UINT32_MAX)
		return UINT64_MAX;
	/* Sequence numbers wrap: the distance, mod 2^32, from the start. */
	if (in->kind == DP_INFLIGHT_TCP_SEND)
		now = t->outq_seq;			/* write_seq */
	else
		now = t->inq_seq - t->inq_len;		/* copied_seq */
	return (uint32_t)(now - (uint32_t)in->start);
}

/*
 * Bytes a pipe write put in the pipe, or a read took out of it; UINT64_MAX
 * if the record does not fit. The count alone: a pipe keeps no running
 * total to check it against, but the record is only ever read of a pipe
 * whose lock nobody held (deadproc refuses the others), where the count
 * and the ring agree.
 */
static uint64_t pipe_done(const struct dp_inflight *in, const struct dp_file *f)
{
	if ((f->kind != DP_PIPE && f->kind != DP_FIFO) || in->start || in->size)
		return UINT64_MAX;
	return in->done;
}

/*
 * Each kind of record: what it is called, whether it names the fd's
 * struct file (a socket's names its struct sock), and how much of the
 * call it says was done (UINT64_MAX: the record does not fit).
 */
static const struct kind {
	const char *name;
	bool names_file;
	uint64_t (*done)(const struct dp_inflight *in, const struct dp_file *f);
} kinds[] = {
	[DP_INFLIGHT_FILE_WRITE] = { "a file write", true, file_done },
	[DP_INFLIGHT_TCP_SEND] = { "a TCP send", false, tcp_done },
	[DP_INFLIGHT_TCP_RECV] = { "a TCP receive", false, tcp_done },
	[DP_INFLIGHT_PIPE_WRITE] = { "a pipe write", true, pipe_done },
	[DP_INFLIGHT_PIPE_READ] = { "a pipe read", true, pipe_done },
};

int dp_inflight_resolve(struct dp_proc *p, struct dp_thread *th, char *err, size_t errlen)
{
	const struct dp_inflight *in = &th->inflight;
	struct dp_regs *r = &th->regs;
	const struct call *c = NULL;
	struct dp_file *f;
	uint64_t done;
	unsigned int i;

	th->syscall = DP_SYSCALL_NONE;
	if ((int64_t)r->orig_ax < 0 || r->ax != ENOSYS_RET)
		return 0;
	if (in->kind == DP_INFLIGHT_NONE) {
		r->ax = r->orig_ax;
		r->ip -= SYSCALL_LEN;
		th->syscall = DP_SYSCALL_RESTART;
		return 0;
	}
	if (in->kind >= DP_INFLIGHT_UNKNOWN)
		return refuse(err, errlen, th, "a progress record of an unknown kind");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == r->orig_ax && calls[i].kind == in->kind)
			c = &calls[i];
	if (!c)
		return refuse(err, errlen, th, kinds[in->kind].name);
	f = fd_file(p, r->di);
	if (!f)
		return refuse(err, errlen, th, "its fd is not open");
	if (kinds[in->kind].names_file && f->addr != in->obj)
		return refuse(err, errlen, th, "its record names another file than its fd's");
	if (c->count_in_dx && in->count > r->dx)
		return refuse(err, errlen, th, "its record counts more bytes than it asked for");
	done = kinds[in->kind].done(in, f);
	if (done == UINT64_MAX)
		return refuse(err, errlen, th, "its record does not fit its file or socket");
	if (done > in->count)
		return refuse(err, errlen, th, "more done than it asked for");
	if (!done) {
		r->ax = r->orig_ax;
		r->ip -= SYSCALL_LEN;
		th->syscall = DP_SYSCALL_RESTART;
		return 0;
	}
	if (in->kind == DP_INFLIGHT_FILE_WRITE &&
	    (c->moves_pos || (r->orig_ax == 328 && r->r10 == UINT64_MAX))) {
		/* A write at the file's position (pwritev2 with offset -1 too). */
		if (!(f->flags & O_APPEND_) && f->pos != in->start)
			return refuse(err, errlen, th, "its file's position is not where it began");
		f->pos = in->start + done;
	}
	r->ax = done;
	th->syscall = DP_SYSCALL_COMPLETED;
	return 0;
}
