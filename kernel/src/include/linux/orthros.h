/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orthros: the kernel's view of the Software LPAR (kernel/orthros/core.c,
 * arch/x86/orthros/). Every OS instance runs this same kernel; the NthOS
 * number decides what it may touch:
 *   N = 1   the 1stOS, booted by the firmware: the whole machine but the
 *           memory and devices its command line says are another OS's
 *   N >= 2  booted by the ActiveOS into a slot: only its partition
 */
#ifndef _LINUX_ORTHROS_H
#define _LINUX_ORTHROS_H

#include <linux/init.h>
#include <linux/types.h>
#include <uapi/linux/orthros/shmem.h>

struct pci_bus;
struct pci_dev;

#ifdef CONFIG_ORTHROS

unsigned int orthros_nth(void);

/* ORTHROS_ROLE_ACTIVE or _BACKUP: an isolated OS is the BackupOS until it takes over. */
unsigned int orthros_role(void);
void orthros_become_active(void);

/* An OS booted by another OS, confined to its partition (N >= 2). */
static inline bool orthros_isolated(void)
{
	return orthros_nth() >= 2;
}

/* Copy partition and platform facts from the shared memory (N >= 2). */
void __init orthros_early_read_shm(void);

/* The partition this OS was booted with (N >= 2), else NULL. */
const struct orthros_partition *orthros_boot_partition(void);
phys_addr_t orthros_shared_phys(void);
const struct orthros_platform *orthros_boot_platform(void);
/* The partition in force, this OS's own copy (NULL before there is one). */
const struct orthros_partition *orthros_partition(void);

/* Is a PCI function another OS's? Then this OS neither scans nor binds it. */
bool orthros_pci_foreign(int domain, unsigned int bus, unsigned int devfn);
/* An isolated OS now owns the partition's devices of this role. */
void orthros_own_devices(u32 role);
bool orthros_owns_device(unsigned int i);
void orthros_disown_device(unsigned int i);
/* Will the NthOS own this device while it is the BackupOS? */
bool orthros_device_of_backup(const struct orthros_device *d, u32 nth);

/* Does the core with this local APIC ID run, or belong to, another OS? */
bool orthros_apic_foreign(u32 apic_id);

/* The wall clock, passed to the next OS through the shared memory (clock.c). */
void orthros_clock_publish(struct orthros_clock *c);

/* The shared memory, once mapped (NULL before). */
struct orthros_shm *orthros_shm(void);
int orthros_shm_create(const struct orthros_partition *part);
int orthros_shm_repair(void);
/* Where this OS's memory is, for whoever reads it after a failure. */
int orthros_publish_memmap(void);

/* Liveness monitoring (monitor.c). */
struct file;
struct poll_table_struct;
struct orthros_event;
void orthros_monitor_start(u32 peer_nth, u32 peer_apic, u32 up_timeout_ms);
int orthros_monitor_set(bool on);
void orthros_panic(const char *msg);
void orthros_panic_stopped(void);
bool orthros_peer_fenced(void);
u32 orthros_peer_nth(void);
void orthros_monitor_forget_peer(void);
ssize_t orthros_monitor_show(char *buf);
ssize_t orthros_last_event_show(char *buf);
bool orthros_next_event(u64 *seen, struct orthros_event *ev);
int orthros_wait_event(u64 seen);
__poll_t orthros_poll_event(struct file *f, struct poll_table_struct *wait, u64 seen);

/* Failover (failover.c, vmcore.c), in the BackupOS once the ActiveOS is fenced. */
int orthros_takeover(void);
int orthros_adopt_devices(void);
int orthros_add_memory(u64 start, u64 size);
int orthros_add_cpu(u32 apic_id);
int orthros_release_devices(u32 nth);
int orthros_record_failover(const struct orthros_failover_record *r);
int orthros_vmcore_create(const struct orthros_memmap *m, unsigned int nth);
void orthros_vmcore_retire(void);
bool orthros_vmcore_covers(u64 start, u64 size);
ssize_t orthros_vmcore_show(char *buf);
ssize_t orthros_dma_stopped_show(char *buf);

/* Protected processes (protect.c): pid is a thread-group ID. */
int orthros_protect(pid_t pid, bool on);
ssize_t orthros_protected_show(char *buf);

/* A CPU stopping for good keeps its task's user state in memory (x86). */
void orthros_save_user_state(void);

/* Kernel-side checks of a partition description from user space. */
int orthros_partition_check(const struct orthros_partition *p);
const struct orthros_range *orthros_find_range(const struct orthros_partition *p,
					       u32 kind, u32 slot);
const struct orthros_cpu *orthros_find_cpu(const struct orthros_partition *p, u32 apic_id);

/* x86: arch/x86/orthros/ */
void __init orthros_init_platform(void);
u32 orthros_flat_logical_id(unsigned int cpu);
ssize_t orthros_arch_show_cpus(char *buf);
void orthros_arch_fill_platform(struct orthros_platform *pf);
int orthros_arch_boot(u32 apic_id, phys_addr_t low, u64 entry, u64 boot_params);
int orthros_arch_stop(u32 apic_id);
int orthros_arch_fence(u32 apic_id, phys_addr_t park);
int orthros_arch_fence_bsp(u32 apic_id, phys_addr_t park);
int orthros_arch_wait_parked(phys_addr_t park, unsigned int ms);
int orthros_arch_cpu_of(u32 apic_id);

#else /* !CONFIG_ORTHROS */

static inline bool orthros_isolated(void)
{
	return false;
}

static inline bool orthros_pci_foreign(int domain, unsigned int bus,
				       unsigned int devfn)
{
	return false;
}

static inline bool orthros_apic_foreign(u32 apic_id)
{
	return false;
}

static inline void orthros_init_platform(void)
{
}

static inline void orthros_panic(const char *msg)
{
}

static inline void orthros_panic_stopped(void)
{
}

static inline void orthros_save_user_state(void)
{
}

#endif /* CONFIG_ORTHROS */

#endif /* _LINUX_ORTHROS_H */
