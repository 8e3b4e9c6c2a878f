/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The Orthros partition description: how one machine is split between the
 * OS instances (docs/partition.md). One binary layout, shared by the kernel
 * and the tools: fixed-width fields, counts followed by fixed arrays, a
 * signature and a revision that changes with any layout or meaning change.
 *
 *   CPUs     by local APIC ID (fixed at power-on, the same in every OS); one
 *            is the BSP (the 1stOS's boot CPU, never a BackupOS's), one is
 *            marked as the first BackupOS's core.
 *   Memory   the paper's three kinds: a 1stOS-only region; BackupOS slots,
 *            each with its own chunk below 1 MiB for that kernel's AP
 *            trampoline; the inter-OS shared memory; the general region,
 *            always the ActiveOS's, in whole hotplug blocks.
 *   Devices  PCI functions by bus:device.function, each with a role saying
 *            which OS instance owns it. Unlisted devices are the 1stOS's.
 */
#ifndef _UAPI_LINUX_ORTHROS_PARTITION_H
#define _UAPI_LINUX_ORTHROS_PARTITION_H

#include <linux/const.h>
#include <linux/types.h>

#define ORTHROS_PARTITION_SIGNATURE	"ORTHPART"
#define ORTHROS_PARTITION_REVISION	1

#define ORTHROS_MAX_CPUS	64
#define ORTHROS_MAX_RANGES	32
#define ORTHROS_MAX_DEVICES	32
#define ORTHROS_NR_SLOTS	3		/* paper 3.3.2 */
#define ORTHROS_NAME_LEN	16

#define ORTHROS_BLOCK_SIZE	(128ULL << 20)	/* x86-64 memory hotplug block */
#define ORTHROS_SLOT_MIN	(128ULL << 20)	/* smallest slot a BackupOS boots in */
#define ORTHROS_LOW_MIN		(64ULL << 10)	/* trampoline chunk below 1 MiB */
#define ORTHROS_LOW_LIMIT	_BITULL(20)
#define ORTHROS_SHARED_MIN	(4ULL << 10)

#define ORTHROS_CPU_BSP		_BITUL(0)
#define ORTHROS_CPU_BACKUP	_BITUL(1)	/* core of the first BackupOS */

enum orthros_mem_kind {
	ORTHROS_MEM_FIRST_ONLY = 1,	/* the 1stOS's alone; unused after it */
	ORTHROS_MEM_SLOT = 2,		/* a BackupOS slot (slot 1..3) */
	ORTHROS_MEM_SLOT_LOW = 3,	/* that slot's chunk below 1 MiB */
	ORTHROS_MEM_SHARED = 4,		/* inter-OS shared memory */
	ORTHROS_MEM_GENERAL = 5,	/* always the ActiveOS's */
};

enum orthros_dev_role {
	ORTHROS_DEV_ACTIVE = 1,		/* the ActiveOS's; migrates at failover */
	ORTHROS_DEV_BACKUP = 2,		/* the BackupOS's own, whichever it is */
	ORTHROS_DEV_ODD = 3,		/* OS instances with odd N (1st, 3rd, ...) */
	ORTHROS_DEV_EVEN = 4,		/* OS instances with even N (2nd, 4th, ...) */
};

struct orthros_cpu {
	__u32 apic_id;
	__u32 flags;			/* ORTHROS_CPU_* */
} __attribute__((packed));

struct orthros_range {
	__u64 start;
	__u64 size;
	__u32 kind;			/* enum orthros_mem_kind */
	__u32 slot;			/* 1..ORTHROS_NR_SLOTS for slot kinds, else 0 */
} __attribute__((packed));

struct orthros_device {
	__u16 segment;
	__u8 bus;
	__u8 devfn;			/* device << 3 | function */
	__u32 role;			/* enum orthros_dev_role */
	char name[ORTHROS_NAME_LEN];	/* NUL-terminated */
} __attribute__((packed));

struct orthros_partition {
	char signature[8];		/* ORTHROS_PARTITION_SIGNATURE, no NUL */
	__u32 revision;
	__u32 nr_cpus;
	__u32 nr_ranges;
	__u32 nr_devices;
	struct orthros_cpu cpus[ORTHROS_MAX_CPUS];
	struct orthros_range ranges[ORTHROS_MAX_RANGES];
	struct orthros_device devices[ORTHROS_MAX_DEVICES];
} __attribute__((packed));

#endif /* _UAPI_LINUX_ORTHROS_PARTITION_H */
