// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadproc: POSIX timers (timer_create) of a dead kernel's process,
 * read as timer_gettime() shows them (kernel/time/posix-timers.c,
 * common_timer_get()): what is left until the next expiry on the timer's
 * own clock, the interval, and how it notifies (signal, value, thread), so
 * CRIU's restore makes each again with its id and arms it for what was
 * left. Timers on the clocks the hrtimer bases keep (CLOCK_REALTIME,
 * CLOCK_MONOTONIC, CLOCK_BOOTTIME) are carried; a CPU-time or alarm
 * clock's is refused.
 *
 * The dead kernel stopped at now_ns on CLOCK_MONOTONIC (its last tick); a
 * timer's clock stood at that plus its hrtimer base's offset, which the
 * kernel keeps up to date on every CPU when the wall clock is set.
 */
#include <stdlib.h>
#include <string.h>

#include "deadtimer.h"

#define CLOCK_REALTIME_		0
#define CLOCK_MONOTONIC_	1
#define CLOCK_BOOTTIME_		7
#define SIGEV_SIGNAL_		0
#define SIGEV_NONE_		1
#define SIGEV_THREAD_ID_	4
#define REQUEUE_PENDING		1
#define MAX_TIMERS		1024
/* Times in ns kept below these, so no sum or product below overflows 63 bits. */
#define MAX_NOW			(1LL << 61)	/* 73 years */
#define MAX_EXPIRES		(1LL << 62)
/* kernel_siginfo is siginfo_t's first 48 bytes (the ABI): a timer's value at 24. */
#define SI_SIGNO		0
#define SI_TIMER_SIGVAL		24

struct timer_layout {
	uint32_t list, clock, id, active, overrun_last, requeue, notify, interval, pid, sigq;
	uint32_t hrtimer, hrt_expires, hrt_base, base_offset, sq_info;
	uint32_t pid_numbers, upid_nr;
};

static int layout(struct dk *dk, void *out)
{
	struct timer_layout *l = out;
	const struct dk_field f[] = {
		{ "struct k_itimer", "list", &l->list },
		{ "struct k_itimer", "it_clock", &l->clock },
		{ "struct k_itimer", "it_id", &l->id },
		{ "struct k_itimer", "it_active", &l->active },
		{ "struct k_itimer", "it_overrun_last", &l->overrun_last },
		{ "struct k_itimer", "it_requeue_pending", &l->requeue },
		{ "struct k_itimer", "it_sigev_notify", &l->notify },
		{ "struct k_itimer", "it_interval", &l->interval },
		{ "struct k_itimer", "it_pid", &l->pid },
		{ "struct k_itimer", "sigq", &l->sigq },
		{ "struct k_itimer", "it.real.timer", &l->hrtimer },
		{ "struct hrtimer", "node.expires", &l->hrt_expires },
		{ "struct hrtimer", "base", &l->hrt_base },
		{ "struct hrtimer_clock_base", "offset", &l->base_offset },
		{ "struct sigqueue", "info", &l->sq_info },
		{ "struct pid", "numbers", &l->pid_numbers },
		{ "struct upid", "nr", &l->upid_nr },
	};

	return dk_offsets(dk, f, DK_NFIELDS(f));
}

static int rd32(struct dk *dk, uint64_t va, int32_t *v)
{
	return dk_read(dk, va, v, 4);
}

struct walk {
	const struct timer_layout *l;
	uint64_t now_ns;
	struct dp_proc *p;
	const char *why;
};

/*
 * What is left of a timer at now on its clock, as common_timer_get()
 * computes it: an interval timer whose signal is pending (its hrtimer not
 * re-armed until the signal is taken) or one that signals nothing is moved
 * on by whole intervals first; a timer due but not yet fired has 1 ns left.
 */
static uint64_t left(int64_t expires, int64_t now, int64_t interval, bool forward, bool sig_none)
{
	if (interval > 0 && forward && expires <= now)
		expires += ((now - expires) / interval + 1) * interval;
	if (expires > now)
		return expires - now;
	return sig_none ? 0 : 1;
}

static int one_timer(struct dk *dk, uint64_t node, void *arg)
{
	struct walk *w = arg;
	const struct timer_layout *l = w->l;
	uint64_t t = node - l->list, pid, sigq, base;
	int32_t clock, id, active, overrun, requeue, notify, signo = 0, tid = 0;
	int64_t interval, expires, offset;
	struct dp_posix_timer *pt;
	uint64_t sival = 0;
	bool sig_none;

	/* The clock first: a CPU-time or alarm timer's union holds no hrtimer. */
	if (rd32(dk, t + l->clock, &clock))
		return -1;
	if (clock != CLOCK_REALTIME_ && clock != CLOCK_MONOTONIC_ && clock != CLOCK_BOOTTIME_)
		return w->why = "a POSIX timer on a CPU-time or alarm clock, not carried", 1;
	if (rd32(dk, t + l->id, &id) || rd32(dk, t + l->active, &active) || rd32(dk, t + l->overrun_last, &overrun) ||
	    rd32(dk, t + l->requeue, &requeue) || rd32(dk, t + l->notify, &notify) ||
	    dk_read(dk, t + l->interval, &interval, 8) || dk_read_u64(dk, t + l->pid, &pid) ||
	    dk_read_u64(dk, t + l->sigq, &sigq) ||
	    dk_read(dk, t + l->hrtimer + l->hrt_expires, &expires, 8) ||
	    dk_read_u64(dk, t + l->hrtimer + l->hrt_base, &base) ||
	    dk_read(dk, base + l->base_offset, &offset, 8) ||
	    (sigq && (rd32(dk, sigq + l->sq_info + SI_SIGNO, &signo) ||
		      dk_read_u64(dk, sigq + l->sq_info + SI_TIMER_SIGVAL, &sival))) ||
	    ((notify & SIGEV_THREAD_ID_) && pid &&
	     rd32(dk, pid + l->pid_numbers + l->upid_nr, &tid)))
		return -1;
	sig_none = notify == SIGEV_NONE_;
	if (id < 0 || interval < 0 || interval > MAX_NOW || expires < 0 || expires > MAX_EXPIRES ||
	    offset < 0 || offset > MAX_NOW || signo < 0 || signo > 64 ||
	    (notify != SIGEV_SIGNAL_ && !sig_none && notify != (SIGEV_SIGNAL_ | SIGEV_THREAD_ID_)))
		return w->why = "a corrupt POSIX timer", 1;
	if (w->p->nptimers == MAX_TIMERS)
		return w->why = "more POSIX timers than can be carried", 1;
	pt = realloc(w->p->ptimers, (w->p->nptimers + 1) * sizeof(*pt));
	if (!pt)
		return w->why = "out of memory", 1;
	w->p->ptimers = pt;
	pt = &pt[w->p->nptimers++];
	memset(pt, 0, sizeof(*pt));
	pt->id = id;
	pt->clock = clock;
	pt->signo = signo;
	pt->notify = notify;
	pt->sival = sival;
	pt->overrun = overrun;
	pt->notify_tid = tid;
	pt->interval_ns = interval;
	/* A one-shot timer that fired is disarmed (not active); SIGEV_NONE ones never are. */
	if (interval || active || sig_none)
		pt->value_ns = left(expires, (int64_t)w->now_ns + offset, interval,
				    (requeue & REQUEUE_PENDING) || sig_none, sig_none);
	return 0;
}

const char *dp_read_posix_timers(struct dk *dk, uint64_t head, uint64_t now_ns, struct dp_proc *p)
{
	const struct timer_layout *l = dk_reader_layout(dk, layout, sizeof(struct timer_layout));
	struct walk w = { .l = l, .now_ns = now_ns, .p = p };

	if (!l)
		return dk_error(dk);
	if (now_ns > MAX_NOW)
		return "the dead kernel's clock out of range";
	if (dk_list_walk(dk, head, one_timer, &w))
		return w.why ? w.why : "POSIX timers unreadable";
	return NULL;
}
