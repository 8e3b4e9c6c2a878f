/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * /dev/orthros: the ActiveOS's interface for booting and stopping a
 * BackupOS. User space (orthrosctl boot) reads the kernel image and builds
 * boot_params, command line and e820 map (the x86 boot protocol); the kernel
 * checks that every segment lies in the slot, writes them, builds the AP
 * trampoline and identity page tables in the slot's low chunk, and starts
 * the core by INIT-SIPI-SIPI.
 */
#ifndef _UAPI_LINUX_ORTHROS_LOADER_H
#define _UAPI_LINUX_ORTHROS_LOADER_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/orthros/partition.h>
#include <linux/orthros/shmem.h>

#define ORTHROS_MAX_SEGMENTS	8

/*
 * The first 28 KiB of a slot's low chunk are the kernel's: trampoline and
 * GDT, then the identity page tables. Segments go after it.
 */
#define ORTHROS_LOW_RESERVED	0x7000

struct orthros_segment {
	__u64 buf;			/* user address of the bytes */
	__u64 mem;			/* physical address to put them at */
	__u64 size;
};

struct orthros_boot {
	__u32 nth;			/* the new OS is the NthOS */
	__u32 apic_id;			/* local APIC ID of its core */
	__u32 slot;			/* 1..ORTHROS_NR_SLOTS */
	__u32 nr_segments;
	/*
	 * If it is not up this long after its start, the ActiveOS declares it
	 * dead (a backup-hang event) and fences its core, so the slot can be
	 * booted again (0: 120 s).
	 */
	__u32 up_timeout_ms;
	__u32 reserved;			/* 0 */
	__u64 entry;			/* physical 64-bit entry point */
	__u64 boot_params;		/* physical address of its boot_params */
	struct orthros_segment segments[ORTHROS_MAX_SEGMENTS];
	struct orthros_partition partition;
};

/*
 * Monitoring events, read() from /dev/orthros one struct at a time (poll()
 * says when one is ready). Times are TSC counts; tsc_khz converts.
 */
enum orthros_event_type {
	ORTHROS_EVENT_ACTIVE_PANIC = 1,	/* the ActiveOS's failure notice */
	ORTHROS_EVENT_ACTIVE_HANG = 2,	/* no alive notice from the ActiveOS */
	ORTHROS_EVENT_BACKUP_PANIC = 3,	/* the BackupOS's failure notice */
	ORTHROS_EVENT_BACKUP_HANG = 4,	/* no alive notice from the BackupOS */
};

struct orthros_event {
	__u32 type;			/* enum orthros_event_type */
	__u32 nth;			/* the OS that failed */
	__u64 seq;			/* 1, 2, ... in this OS */
	__u64 tsc_khz;
	__u64 failure_tsc;		/* its panic() entry, 0 for a hang */
	__u64 last_alive_tsc;		/* its last alive notice */
	__u64 detect_tsc;		/* this OS declared it dead */
	__u64 fence_tsc;		/* all its cores were sent INIT */
	__u64 fenced_tsc;		/* ... and were seen to be stopped (0: not seen) */
	__u64 stopped_tsc;		/* a panicking OS stopped its own CPUs (0: not seen) */
	__u32 nr_fenced;		/* cores sent INIT, their APIC IDs in fenced[] */
	__u32 nr_proven;		/* of those, cores that then ran our park stub */
	char reason[128];
	__u32 fenced[ORTHROS_MAX_CPUS];
};

/* A range of the dead ActiveOS's memory to hot-add, in whole blocks. */
struct orthros_memory {
	__u64 start;
	__u64 size;
};

#define ORTHROS_IOC_BOOT	_IOW('O', 1, struct orthros_boot)
#define ORTHROS_IOC_STOP	_IO('O', 2)	/* stop the BackupOS's core */
/*
 * Failover, in the BackupOS, once the ActiveOS is dead and fenced:
 * TAKEOVER makes this OS the ActiveOS and shows the dead one's memory as
 * /proc/vmcore; ADOPT_DEVICES scans and binds the dead one's devices (the
 * partition's 'active' ones) and returns how many were found; ADD_MEMORY
 * hot-adds and onlines part of its memory, which ends /proc/vmcore.
 */
#define ORTHROS_IOC_TAKEOVER	_IO('O', 3)
#define ORTHROS_IOC_ADOPT_DEVICES _IO('O', 4)
#define ORTHROS_IOC_ADD_MEMORY	_IOW('O', 5, struct orthros_memory)
/*
 * Re-split, in an ActiveOS that took over (paper 3.1, 3.3): ADD_CPU brings
 * a core of the dead OS online here by local APIC ID (never the BSP);
 * RELEASE_DEVICES gives up, by PCI hot-remove, the devices the NthOS (the
 * argument) will own as the next BackupOS and returns how many;
 * RECORD_FAILOVER keeps a failover in the shared memory's history.
 */
#define ORTHROS_IOC_ADD_CPU	_IOW('O', 6, __u32)
#define ORTHROS_IOC_RELEASE_DEVICES _IOW('O', 7, __u32)
#define ORTHROS_IOC_RECORD_FAILOVER _IOW('O', 8, struct orthros_failover_record)

#endif /* _UAPI_LINUX_ORTHROS_LOADER_H */
