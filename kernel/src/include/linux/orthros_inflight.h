/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orthros: how far a system call got, for the recovery after a crash.
 *
 * When a kernel dies, the other OS re-creates its protected processes from
 * its memory. A thread that was inside a system call is resumed at the
 * call's start, so the call runs again, unless the call had already made
 * an effect the program must not see twice: bytes appended to a file, or
 * queued on a TCP connection or a pipe, or taken out of one into the
 * program's buffer. For those calls the kernel notes where the call began, and the
 * recovery gives the thread the part done as the call's result (as a short
 * read or write) instead of running the call again.
 *
 * The record lives in the task and costs a few stores per call; it is reset
 * at every system call entry, so a record is only ever that of the call the
 * thread is in. Nothing is copied anywhere while all is well: the recovery
 * reads it from the dead kernel's memory, and takes none of it on trust.
 */
#ifndef _LINUX_ORTHROS_INFLIGHT_H
#define _LINUX_ORTHROS_INFLIGHT_H

#include <linux/compiler.h>
#include <linux/types.h>

enum orthros_inflight_kind {
	ORTHROS_INFLIGHT_NONE,		/* nothing done the call cannot redo */
	ORTHROS_INFLIGHT_FILE_WRITE,	/* generic_perform_write() */
	ORTHROS_INFLIGHT_TCP_SEND,	/* tcp_sendmsg_locked() */
	ORTHROS_INFLIGHT_TCP_RECV,	/* tcp_recvmsg_locked(), not MSG_PEEK */
	ORTHROS_INFLIGHT_PIPE_WRITE,	/* pipe_write() */
	ORTHROS_INFLIGHT_PIPE_READ,	/* pipe_read() */
};

struct orthros_inflight {
	enum orthros_inflight_kind kind;
	const void *obj;	/* the struct file, or the struct sock */
	u64 start;		/* file position; TCP write_seq or copied_seq */
	u64 size;		/* the file's size when the write began */
	u64 count;		/* bytes asked for */
	u64 done;		/* bytes into the page cache, or into or out of a pipe */
};

#ifdef CONFIG_ORTHROS

static inline void __orthros_inflight_begin(struct orthros_inflight *r,
					    enum orthros_inflight_kind kind,
					    const void *obj, u64 start, u64 size,
					    u64 count)
{
	r->obj = obj;
	r->start = start;
	r->size = size;
	r->count = count;
	r->done = 0;
	/* The kind last: a CPU stopped in between leaves no half record. */
	barrier();
	WRITE_ONCE(r->kind, kind);
}

/*
 * Macros, as this header is read before struct task_struct is complete:
 * each names current's record where it is used.
 */
#define orthros_inflight_syscall_enter() \
	WRITE_ONCE(current->orthros_inflight.kind, ORTHROS_INFLIGHT_NONE)
#define orthros_inflight_begin(kind, obj, start, size, count) \
	__orthros_inflight_begin(&current->orthros_inflight, kind, obj, \
				 start, size, count)
#define orthros_inflight_done(n) \
	WRITE_ONCE(current->orthros_inflight.done, (n))

#else

static inline void orthros_inflight_syscall_enter(void) { }
static inline void orthros_inflight_begin(enum orthros_inflight_kind kind,
					  const void *obj, u64 start, u64 size,
					  u64 count) { }
static inline void orthros_inflight_done(u64 n) { }

#endif /* CONFIG_ORTHROS */

#endif /* _LINUX_ORTHROS_INFLIGHT_H */
