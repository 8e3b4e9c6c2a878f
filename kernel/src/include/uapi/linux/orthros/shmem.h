/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The Orthros inter-OS shared memory: the one region every OS instance maps
 * (the partition's "shared" range). The OS that boots the 2ndOS creates it;
 * every later boot inherits it (paper 3.4.1, 4.3.1). It holds the partition
 * description, the platform facts a second kernel must not measure itself
 * on shared hardware, and one record per role.
 *
 * Every reader checks signature, revision and size before trusting it.
 * Times are TSC counts (one TSC for the whole machine); tsc_khz converts.
 */
#ifndef _UAPI_LINUX_ORTHROS_SHMEM_H
#define _UAPI_LINUX_ORTHROS_SHMEM_H

#include <linux/types.h>
#include <linux/orthros/partition.h>

#define ORTHROS_SHM_SIGNATURE	"ORTHSHM1"
#define ORTHROS_SHM_REVISION	5
#define ORTHROS_MAX_RAM		32
#define ORTHROS_HISTORY_MAX	32

enum orthros_os_state {
	ORTHROS_OS_NONE = 0,		/* no OS in this role */
	ORTHROS_OS_BOOTING = 1,		/* started by INIT-SIPI-SIPI, not up yet */
	ORTHROS_OS_UP = 2,		/* its kernel finished booting */
	ORTHROS_OS_STOPPED = 3,		/* stopped by the other OS */
	ORTHROS_OS_DEAD = 4,		/* failed; its cores are fenced */
};

enum orthros_role {
	ORTHROS_ROLE_ACTIVE = 0,
	ORTHROS_ROLE_BACKUP = 1,
	ORTHROS_NR_ROLES = 2,
};

struct orthros_os_record {
	__u32 state;			/* enum orthros_os_state */
	__u32 nth;			/* N of the NthOS in this role */
	__u32 apic_id;			/* its boot core */
	__u32 slot;			/* its memory slot, 0 for the 1stOS */
	__u64 boot_tsc;			/* when it was started */
	__u64 up_tsc;			/* when its kernel said it is up */
	__u64 boots;			/* how many OSes have held this role */
	__u64 heartbeat;		/* alive notices sent */
	__u64 heartbeat_tsc;		/* when the last one was sent */
} __attribute__((packed));

/* What an OS writes from its panic() before anything else. */
struct orthros_failure {
	__u32 failed;			/* nonzero once written */
	__u32 apic_id;			/* the CPU that panicked */
	__u64 tsc;			/* panic() entry */
	__u64 stopped_tsc;		/* its other CPUs stopped, user state saved */
	char msg[128];			/* the panic message, NUL-terminated */
} __attribute__((packed));

/* Liveness monitoring, the same for both roles. */
struct orthros_monitor {
	__u32 period_ms;		/* alive notice every period */
	__u32 timeout_ms;		/* declared dead after this long without one */
	__u32 vector;			/* IPI vector of the notices */
	__u32 reserved;
} __attribute__((packed));

/* What a BackupOS kernel takes from here instead of touching shared timers. */
struct orthros_platform {
	__u64 tsc_khz;
	__u32 lapic_timer_period;	/* LAPIC ticks per jiffy, as the ActiveOS measured */
	__u32 hz;			/* the HZ that period is for */
	__u64 ecam_base;		/* PCI ECAM of segment 0, bus 0 (0: none) */
	__u32 ecam_last_bus;
	__u32 reserved;
} __attribute__((packed));

/*
 * The wall clock, for an OS that has no clock of its own to read (no CMOS):
 * CLOCK_REALTIME and the TSC read together by the OS that boots the next
 * one, just before it starts it. check is orthros_clock_check() of the
 * other fields, so a record zeroed or scribbled is seen as such.
 */
struct orthros_clock {
	__u64 real_ns;			/* ns since the epoch at tsc */
	__u64 tsc;
	__u64 tsc_khz;			/* of the OS that read them */
	__u64 check;
} __attribute__((packed));

/*
 * Where an OS's memory is, for the survivor's /proc/vmcore if it dies: what
 * kdump's ELF core header says, kept by the OS itself (at the boot of its
 * BackupOS and whenever its memory changes), never by copying the memory.
 */
struct orthros_memmap {
	__u64 vmcoreinfo;		/* physical address of its VMCOREINFO note */
	__u32 vmcoreinfo_size;		/* bytes reserved for the note */
	__u32 nr_ram;
	struct orthros_ram {
		__u64 start;
		__u64 size;
	} __attribute__((packed)) ram[ORTHROS_MAX_RAM];	/* its System RAM, ascending */
} __attribute__((packed));

/*
 * One failover, as the OS that took over recorded it: the history every
 * later OS inherits with the shared memory.
 */
struct orthros_failover_record {
	__u32 dead;			/* the NthOS that failed */
	__u32 survivor;			/* the NthOS that took over */
	__u32 type;			/* enum orthros_event_type */
	__u32 ok;			/* every phase succeeded */
	__s64 downtime_us;		/* failure -> processes running again, -1: never */
	__u64 failure_tsc;		/* panic() entry, or the last alive notice */
} __attribute__((packed));

struct orthros_shm {
	char signature[8];		/* ORTHROS_SHM_SIGNATURE, no NUL */
	__u32 revision;
	__u32 size;			/* sizeof(struct orthros_shm) */
	__u64 generation;		/* bumped on every change of roles */
	struct orthros_partition partition;
	struct orthros_platform platform;
	struct orthros_clock clock;
	struct orthros_os_record os[ORTHROS_NR_ROLES];
	struct orthros_failure failure[ORTHROS_NR_ROLES];
	struct orthros_monitor monitor;
	struct orthros_memmap memmap[ORTHROS_NR_ROLES];
	__u64 nr_failovers;		/* ever; history[n % ORTHROS_HISTORY_MAX] */
	struct orthros_failover_record history[ORTHROS_HISTORY_MAX];
	__u64 probe;			/* a word tests may change, to see who still runs */
} __attribute__((packed));

#endif /* _UAPI_LINUX_ORTHROS_SHMEM_H */
