/* SPDX-License-Identifier: GPL-2.0-only */
/* libdeadproc: POSIX timers of a dead kernel's process (deadtimer.c). */
#ifndef ORTHROS_LIB_DEADTIMER_H
#define ORTHROS_LIB_DEADTIMER_H

#include "deadkernel.h"
#include "deadproc.h"

/*
 * The POSIX timers on the list at head (a signal_struct's posix_timers)
 * into p, each as timer_gettime() would have shown it at now_ns (the dead
 * kernel's CLOCK_MONOTONIC when it stopped): NULL, or why they cannot be
 * carried over.
 */
const char *dp_read_posix_timers(struct dk *dk, uint64_t head, uint64_t now_ns, struct dp_proc *p);

#endif
