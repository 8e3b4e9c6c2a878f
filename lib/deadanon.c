// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadproc: files with no inode of their own (anon_inode_getfile()): an
 * eventfd, a signalfd, a timerfd, an inotify instance... Each is told by
 * its file_operations, one table line per kind: carried ones with a reader
 * of what the restore needs, the others named so that the refusal says what
 * the process holds (their inodes are all the same anonymous one, mode
 * 0600, which says nothing).
 */
#include <string.h>

#include "deadanon.h"

#define EFD_SEMAPHORE_	1

struct anon_layout {
	uint32_t f_private, efd_count, efd_flags, sfd_sigmask;
};

typedef const char *(*anon_read_fn)(struct dk *dk, const struct anon_layout *l, uint64_t ctx,
				    struct dp_file *f);

/* An eventfd: its counter. CRIU 3.17 makes it with eventfd(counter, 0): no semaphore mode. */
static const char *read_eventfd(struct dk *dk, const struct anon_layout *l, uint64_t ctx,
				struct dp_file *f)
{
	uint32_t flags;

	if (dk_read_u64(dk, ctx + l->efd_count, &f->anon_value) ||
	    dk_read(dk, ctx + l->efd_flags, &flags, 4))
		return "eventfd unreadable";
	if (flags & EFD_SEMAPHORE_)
		return "an eventfd in semaphore mode (EFD_SEMAPHORE), which CRIU re-creates counting";
	return NULL;
}

/*
 * A signalfd: the signals it takes. The kernel keeps the complement (the
 * signals dequeue_signal() is to leave), as signalfd4() stored it; SIGKILL
 * and SIGSTOP are never taken.
 */
static const char *read_signalfd(struct dk *dk, const struct anon_layout *l, uint64_t ctx,
				 struct dp_file *f)
{
	uint64_t kept;

	if (dk_read_u64(dk, ctx + l->sfd_sigmask, &kept))
		return "signalfd unreadable";
	f->anon_value = ~kept & ~(1ULL << (9 - 1) | 1ULL << (19 - 1));
	return NULL;
}

static const struct anon_kind {
	const char *fops;		/* the kernel's file_operations */
	const char *what;		/* what the process holds, in a refusal */
	enum dp_file_kind kind;		/* DP_OTHER: not carried */
	anon_read_fn read;
} kinds[] = {
	{ "eventfd_fops", "an eventfd", DP_EVENTFD, read_eventfd },
	{ "signalfd_fops", "a signalfd", DP_SIGNALFD, read_signalfd },
	{ "timerfd_fops", "a timerfd", DP_OTHER, NULL },
	{ "inotify_fops", "an inotify instance", DP_OTHER, NULL },
	{ "fanotify_fops", "a fanotify instance", DP_OTHER, NULL },
	{ "userfaultfd_fops", "a userfaultfd", DP_OTHER, NULL },
	{ "pidfd_fops", "a pidfd", DP_OTHER, NULL },
	{ "io_uring_fops", "an io_uring instance", DP_OTHER, NULL },
	{ "perf_fops", "a perf event", DP_OTHER, NULL },
};

#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

/* This kernel's: the offsets, and each kind's file_operations (0: not built in). */
struct anon_kernel {
	struct anon_layout l;
	uint64_t fops[NKINDS];
};

static int fill(struct dk *dk, void *out)
{
	struct anon_kernel *k = out;
	const struct dk_field fl[] = {
		{ "struct file", "private_data", &k->l.f_private },
		{ "struct eventfd_ctx", "count", &k->l.efd_count },
		{ "struct eventfd_ctx", "flags", &k->l.efd_flags },
		{ "struct signalfd_ctx", "sigmask", &k->l.sfd_sigmask },
	};
	unsigned int i;

	if (dk_offsets(dk, fl, DK_NFIELDS(fl)))
		return -1;
	for (i = 0; i < NKINDS; i++)
		if (dk_symbol(dk, kinds[i].fops, &k->fops[i]))
			k->fops[i] = 0;	/* a kernel built without it */
	return 0;
}

int dp_read_anon(struct dk *dk, uint64_t file, uint64_t fop, struct dp_file *f, const char **why)
{
	const struct anon_kernel *k = dk_reader_layout(dk, fill, sizeof(*k));
	unsigned int i;
	uint64_t ctx;

	if (!k)
		return -1;
	*why = NULL;
	for (i = 0; i < NKINDS && (!k->fops[i] || k->fops[i] != fop); i++)
		;
	if (i == NKINDS)
		return 0;
	f->kind = kinds[i].kind;
	f->what = kinds[i].what;
	if (!kinds[i].read)
		return 1;
	if (dk_read_u64(dk, file + k->l.f_private, &ctx))
		*why = "unreadable";
	else
		*why = kinds[i].read(dk, &k->l, ctx, f);
	return 1;
}
