/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The protected-process set: processes that a surviving kernel re-creates
 * from this kernel's memory after it dies (Orthros process migration).
 * The kernel keeps it in the variable orthros_protected, which the
 * survivor finds by symbol; threads and descendants of a protected
 * process are protected with it.
 */
#ifndef _UAPI_LINUX_ORTHROS_PROTECT_H
#define _UAPI_LINUX_ORTHROS_PROTECT_H

#include <linux/types.h>

#define ORTHROS_PROTECT_MAGIC	0x4f525054	/* "ORPT" */
#define ORTHROS_PROTECT_MAX	64

/*
 * A re-created process keeps its PIDs, so they must be free in the OS that
 * re-creates it: protected processes are started with PIDs from
 * ORTHROS_PID_MIN up, and a BackupOS keeps its own below
 * ORTHROS_BACKUP_PID_MAX until it takes over.
 */
#define ORTHROS_PID_MIN		10000
#define ORTHROS_BACKUP_PID_MAX	8192

struct orthros_protected_proc {
	__s32 pid;		/* thread-group ID in the initial PID namespace */
	__u32 reserved;
	__u64 start_time;	/* task->start_time (ns): tells a reused PID */
};

struct orthros_protected_set {
	__u32 magic;
	__u32 count;		/* entries in use, from the first */
	struct orthros_protected_proc proc[ORTHROS_PROTECT_MAX];
};

#endif
