/* SPDX-License-Identifier: GPL-2.0-only */
/* libdeadproc: SysV IPC objects of a dead kernel that protected processes used (deadipc.c). */
#ifndef ORTHROS_LIB_DEADIPC_H
#define ORTHROS_LIB_DEADIPC_H

#include "deadkernel.h"
#include "deadproc.h"

/*
 * Refuse, naming the object, every process of set that was the last to
 * operate on a SysV semaphore set or message queue of the dead kernel's
 * first IPC namespace: those live in the namespace, not in the process,
 * and are not carried. 0, or -1 (dk_error) if the namespace is unreadable.
 */
int dp_refuse_sysv_users(struct dk *dk, struct dp_set *set);

#endif
