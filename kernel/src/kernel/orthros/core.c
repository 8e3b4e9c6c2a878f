// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros core: which OS instance this kernel is, what it owns, and the
 * inter-OS shared memory.
 *
 * Every OS instance runs the same kernel build. The ActiveOS boots the N-th
 * OS with orthros.nth=N and orthros.shared=ADDR (the shared memory, which
 * holds the partition description); the kernel the firmware booted has
 * neither and is the 1stOS. The 1stOS learns what is not its own from its
 * command line: memmap= for memory and orthros.pci_foreign= for devices.
 * An isolated OS boots as the BackupOS and becomes the ActiveOS when it
 * takes over from a dead one (failover.c). State is shown in
 * /sys/kernel/orthros/.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/bitmap.h>
#include <linux/crash_core.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/export.h>
#include <linux/kobject.h>
#include <linux/orthros.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <uapi/linux/orthros/loader.h>
#include <asm/apic.h>
#include <asm/e820/api.h>
#include <asm/early_ioremap.h>
#include <asm/tsc.h>

#include "partition_check.h"

static unsigned int orthros_nth_param = 1;
static phys_addr_t shared_phys;

/* Devices the 1stOS must leave alone: orthros.pci_foreign=BB:DD.F,... */
static struct {
	u8 bus, devfn;
} pci_foreign[ORTHROS_MAX_DEVICES];
static unsigned int nr_pci_foreign;

/* What an isolated OS (N >= 2) was booted with, copied at early boot. */
static struct orthros_partition boot_part;
static struct orthros_platform boot_platform;
static bool have_boot_part;
/* Of boot_part's devices, those this OS drives (an isolated OS only). */
static DECLARE_BITMAP(owned_devices, ORTHROS_MAX_DEVICES);
/* An isolated OS that took over from a dead ActiveOS. */
static bool took_over;

static struct orthros_shm *shm;
/*
 * The partition as this OS knows it: boot_part (N >= 2), or first_part,
 * kept when the 1stOS created the shared memory. Never re-read from there:
 * the other OS may scribble over it while it dies.
 */
static struct orthros_partition first_part;
static const struct orthros_partition *known_part;

unsigned int orthros_nth(void)
{
	return orthros_nth_param;
}

unsigned int orthros_role(void)
{
	return orthros_isolated() && !READ_ONCE(took_over) ? ORTHROS_ROLE_BACKUP :
							     ORTHROS_ROLE_ACTIVE;
}

void orthros_become_active(void)
{
	WRITE_ONCE(took_over, true);
}

static int __init orthros_nth_setup(char *arg)
{
	unsigned int n;

	if (!arg || kstrtouint(arg, 0, &n) || n < 1) {
		pr_err("bad orthros.nth=%s, using 1\n", arg);
		return 0;
	}
	orthros_nth_param = n;
	return 0;
}
early_param("orthros.nth", orthros_nth_setup);

static int __init orthros_shared_setup(char *arg)
{
	u64 addr;

	if (!arg || kstrtou64(arg, 0, &addr) || !addr || !PAGE_ALIGNED(addr)) {
		pr_err("bad orthros.shared=%s\n", arg);
		return 0;
	}
	shared_phys = addr;
	return 0;
}
early_param("orthros.shared", orthros_shared_setup);

static int __init orthros_pci_foreign_setup(char *arg)
{
	unsigned int bus, dev, fn;
	char *tok;

	while (arg && (tok = strsep(&arg, ",")) != NULL) {
		if (sscanf(tok, "%x:%x.%x", &bus, &dev, &fn) != 3 || bus > 0xff ||
		    dev > 0x1f || fn > 7 || nr_pci_foreign >= ARRAY_SIZE(pci_foreign)) {
			pr_err("bad device '%s' in orthros.pci_foreign\n", tok);
			continue;
		}
		pci_foreign[nr_pci_foreign].bus = bus;
		pci_foreign[nr_pci_foreign].devfn = PCI_DEVFN(dev, fn);
		nr_pci_foreign++;
	}
	return 0;
}
early_param("orthros.pci_foreign", orthros_pci_foreign_setup);

phys_addr_t orthros_shared_phys(void)
{
	return shared_phys;
}

const struct orthros_partition *orthros_boot_partition(void)
{
	return have_boot_part ? &boot_part : NULL;
}

const struct orthros_partition *orthros_partition(void)
{
	return known_part;
}

const struct orthros_platform *orthros_boot_platform(void)
{
	return have_boot_part ? &boot_platform : NULL;
}

static bool shm_valid(const struct orthros_shm *s)
{
	return !memcmp(s->signature, ORTHROS_SHM_SIGNATURE, sizeof(s->signature)) &&
	       s->revision == ORTHROS_SHM_REVISION && s->size == sizeof(*s) &&
	       !orthros_partition_check(&s->partition);
}

/*
 * Early in an isolated OS's boot: copy the partition and platform facts out
 * of the shared memory. Without them it cannot know its CPUs or timers.
 */
void __init orthros_early_read_shm(void)
{
	struct orthros_shm *s;
	unsigned int i;

	if (!shared_phys)
		panic("orthros: NthOS %u booted without orthros.shared=", orthros_nth_param);
	s = early_memremap(shared_phys, sizeof(*s));
	if (!s)
		panic("orthros: cannot map the shared memory at %pa", &shared_phys);
	if (!shm_valid(s))
		panic("orthros: no valid shared memory at %pa", &shared_phys);
	boot_part = s->partition;
	boot_platform = s->platform;
	have_boot_part = true;
	known_part = &boot_part;
	early_memunmap(s, sizeof(*s));
	/* Booted as the BackupOS: its own devices and those of its parity. */
	for (i = 0; i < boot_part.nr_devices; i++)
		if (orthros_device_of_backup(&boot_part.devices[i], orthros_nth_param))
			set_bit(i, owned_devices);
}

static void shm_init(struct orthros_shm *s, const struct orthros_partition *part);

/*
 * After a takeover: a dying OS may have scribbled over the shared memory.
 * If it no longer holds what every reader checks, make it anew from this
 * OS's own partition (the failover history is lost, and the log says so),
 * so the next BackupOS can boot.
 */
int orthros_shm_repair(void)
{
	const struct orthros_range *r;

	if (!shm || shm_valid(shm))
		return 0;
	pr_err("the shared memory was overwritten by the dead OS: made anew, its failover history is lost\n");
	r = known_part ? orthros_find_range(known_part, ORTHROS_MEM_SHARED, 0) : NULL;
	if (!r || r->start != shared_phys || r->size < sizeof(*shm))
		return -EINVAL;
	/* In place, in the mapping this OS has: a second one would never be undone. */
	shm_init(shm, known_part);
	return 0;
}

/* From now on this OS drives the partition's devices of a role. */
void orthros_own_devices(u32 role)
{
	unsigned int i;

	for (i = 0; i < boot_part.nr_devices; i++)
		if (boot_part.devices[i].role == role)
			set_bit(i, owned_devices);
}

bool orthros_owns_device(unsigned int i)
{
	return i < ORTHROS_MAX_DEVICES && test_bit(i, owned_devices);
}

void orthros_disown_device(unsigned int i)
{
	if (i < ORTHROS_MAX_DEVICES)
		clear_bit(i, owned_devices);
}

/* Will the NthOS own device d while it is the BackupOS? */
bool orthros_device_of_backup(const struct orthros_device *d, u32 nth)
{
	return d->role == ORTHROS_DEV_BACKUP ||
	       (d->role == ORTHROS_DEV_ODD && (nth & 1)) ||
	       (d->role == ORTHROS_DEV_EVEN && !(nth & 1));
}

/* The validator the tools use too (partition_check.c); why is logged. */
int orthros_partition_check(const struct orthros_partition *p)
{
	char why[160];
	int ret = orthros_partition_validate(p, why, sizeof(why));

	if (ret)
		pr_err("partition description refused: %s\n", why);
	return ret;
}

const struct orthros_range *orthros_find_range(const struct orthros_partition *p,
					       u32 kind, u32 slot)
{
	unsigned int i;

	for (i = 0; i < p->nr_ranges; i++)
		if (p->ranges[i].kind == kind && p->ranges[i].slot == slot)
			return &p->ranges[i];
	return NULL;
}

const struct orthros_cpu *orthros_find_cpu(const struct orthros_partition *p, u32 apic_id)
{
	unsigned int i;

	for (i = 0; i < p->nr_cpus; i++)
		if (p->cpus[i].apic_id == apic_id)
			return &p->cpus[i];
	return NULL;
}

/*
 * Device ownership (docs/partition.md): the 1stOS leaves alone what its
 * command line names; an isolated OS drives only the devices it owns, and
 * unlisted devices are the 1stOS's alone.
 */
bool orthros_pci_foreign(int domain, unsigned int bus, unsigned int devfn)
{
	unsigned int i;

	if (domain)
		return orthros_isolated();
	if (!orthros_isolated()) {
		for (i = 0; i < nr_pci_foreign; i++)
			if (pci_foreign[i].bus == bus && pci_foreign[i].devfn == devfn)
				return true;
		return false;
	}
	for (i = 0; i < boot_part.nr_devices; i++)
		if (boot_part.devices[i].bus == bus && boot_part.devices[i].devfn == devfn)
			return !test_bit(i, owned_devices);
	return true;
}

/*
 * A core this OS must not start: in the BackupOS every core but its own;
 * in the ActiveOS the BackupOS's core, and in one that took over also the
 * BSP (parked by its fence; the startup IPI does not work on it, paper
 * 3.3.1) and any core the partition does not list.
 */
bool orthros_apic_foreign(u32 apic_id)
{
	const struct orthros_os_record *r;
	const struct orthros_cpu *c;
	u32 state;

	if (orthros_role() == ORTHROS_ROLE_BACKUP)
		return apic_id != read_apic_id();
	if (orthros_isolated()) {
		c = orthros_find_cpu(&boot_part, apic_id);
		if (!c || (c->flags & ORTHROS_CPU_BSP))
			return true;
	}
	if (!shm)
		return false;
	r = &shm->os[ORTHROS_ROLE_BACKUP];
	state = READ_ONCE(r->state);
	return (state == ORTHROS_OS_BOOTING || state == ORTHROS_OS_UP) &&
	       READ_ONCE(r->apic_id) == apic_id;
}

struct orthros_shm *orthros_shm(void)
{
	return shm;
}
EXPORT_SYMBOL_GPL(orthros_shm);

static int add_ram(struct resource *res, void *arg)
{
	struct orthros_memmap *m = arg;
	struct orthros_ram *last = m->nr_ram ? &m->ram[m->nr_ram - 1] : NULL;

	if (last && last->start + last->size == res->start) {
		last->size += resource_size(res);
		return 0;
	}
	if (m->nr_ram == ORTHROS_MAX_RAM)
		return -ENOSPC;
	m->ram[m->nr_ram].start = res->start;
	m->ram[m->nr_ram].size = resource_size(res);
	m->nr_ram++;
	return 0;
}

/*
 * Say in the shared memory where this OS's memory is, for the OS that
 * reads it after a failure (failover.c, vmcore.c): its System RAM and its
 * VMCOREINFO note, which gives the layouts and addresses of this build.
 */
int orthros_publish_memmap(void)
{
	struct orthros_memmap m = { 0 };
	int ret;

	if (!shm)
		return -ENODEV;
	ret = walk_system_ram_res(0, -1, &m, add_ram);
	if (ret) {
		pr_err("more than %d System RAM ranges: a survivor could not read all of them\n",
		       ORTHROS_MAX_RAM);
		return ret;
	}
	m.vmcoreinfo = paddr_vmcoreinfo_note();
	m.vmcoreinfo_size = VMCOREINFO_NOTE_SIZE;
	memcpy(&shm->memmap[orthros_role()], &m, sizeof(m));
	return 0;
}

/* The shared memory's contents as the 1stOS first writes them, this OS the ActiveOS. */
static void shm_init(struct orthros_shm *s, const struct orthros_partition *part)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->signature, ORTHROS_SHM_SIGNATURE, sizeof(s->signature));
	s->revision = ORTHROS_SHM_REVISION;
	s->size = sizeof(*s);
	s->partition = *part;
	if (part != &first_part)
		first_part = *part;
	known_part = &first_part;
	orthros_arch_fill_platform(&s->platform);
	s->os[ORTHROS_ROLE_ACTIVE].state = ORTHROS_OS_UP;
	s->os[ORTHROS_ROLE_ACTIVE].nth = orthros_nth_param;
	s->os[ORTHROS_ROLE_ACTIVE].apic_id = boot_cpu_physical_apicid;
	s->os[ORTHROS_ROLE_ACTIVE].boots = 1;
}

/*
 * The range the 1stOS is about to zero: all of it RAM in the firmware's
 * memory map (never device registers, firmware tables or a hole) and none
 * of it this kernel's RAM (memmap=$ of 'orthrosctl cmdline' kept it out).
 */
static bool shared_range_ok(u64 start, u64 size)
{
	const struct e820_table *t = e820_table_firmware;
	u64 end = start + size;
	bool progress = true;
	unsigned int i;

	if (region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT)
		return false;
	/* Firmware entries need not be sorted: sweep until nothing advances. */
	while (start < end && progress) {
		progress = false;
		for (i = 0; i < t->nr_entries && start < end; i++) {
			const struct e820_entry *e = &t->entries[i];

			if (e->type == E820_TYPE_RAM && e->addr <= start &&
			    e->addr + e->size > start) {
				start = e->addr + e->size;
				progress = true;
			}
		}
	}
	return start >= end;
}

/* The 1stOS makes the shared memory when it boots the 2ndOS. */
int orthros_shm_create(const struct orthros_partition *part)
{
	const struct orthros_range *r = orthros_find_range(part, ORTHROS_MEM_SHARED, 0);
	struct orthros_shm *s;

	if (!r || r->size < sizeof(*s))
		return -EINVAL;
	if (!shared_range_ok(r->start, r->size)) {
		pr_err("the shared range [%#llx-%#llx) is not firmware RAM kept from this kernel (memmap=$): not zeroed\n",
		       r->start, r->start + r->size);
		return -EINVAL;
	}
	s = memremap(r->start, r->size, MEMREMAP_WB);
	if (!s)
		return -ENOMEM;
	memset(s, 0, r->size);
	shm_init(s, part);
	shared_phys = r->start;
	/* The contents before the pointer that publishes them. */
	smp_wmb();
	shm = s;
	orthros_publish_memmap();
	pr_info("inter-OS shared memory created at %pa (%zu bytes used)\n",
		&shared_phys, sizeof(*s));
	return 0;
}

static const char *const state_names[] = {
	[ORTHROS_OS_NONE] = "none",
	[ORTHROS_OS_BOOTING] = "booting",
	[ORTHROS_OS_UP] = "up",
	[ORTHROS_OS_STOPPED] = "stopped",
	[ORTHROS_OS_DEAD] = "dead",
};

static ssize_t show_record(char *buf, unsigned int role)
{
	struct orthros_os_record r;
	u32 st;

	if (!shm)
		return sysfs_emit(buf, "state=none\n");
	memcpy(&r, &shm->os[role], sizeof(r));
	st = r.state < ARRAY_SIZE(state_names) ? r.state : 0;
	return sysfs_emit(buf, "state=%s nth=%u apic=%u slot=%u boots=%llu up_ms=%llu\n",
			  state_names[st], r.nth, r.apic_id, r.slot, r.boots,
			  r.up_tsc > r.boot_tsc && shm->platform.tsc_khz ?
			  (r.up_tsc - r.boot_tsc) / shm->platform.tsc_khz : 0);
}

static ssize_t nth_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", orthros_nth_param);
}

static ssize_t role_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", orthros_role() == ORTHROS_ROLE_BACKUP ? "backup" : "active");
}

static ssize_t shared_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	if (!shm)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%pa\n", &shared_phys);
}

static ssize_t active_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return show_record(buf, ORTHROS_ROLE_ACTIVE);
}

static ssize_t backup_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return show_record(buf, ORTHROS_ROLE_BACKUP);
}

static ssize_t platform_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct orthros_platform pf;

	orthros_arch_fill_platform(&pf);
	return sysfs_emit(buf, "tsc_khz=%llu lapic_timer_period=%u hz=%u ecam=%#llx\n",
			  pf.tsc_khz, pf.lapic_timer_period, pf.hz, pf.ecam_base);
}

static ssize_t cpus_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return orthros_arch_show_cpus(buf);
}

static ssize_t monitor_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return orthros_monitor_show(buf);
}

static ssize_t last_event_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return orthros_last_event_show(buf);
}

static ssize_t monitor_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t len)
{
	int ret;

	if (sysfs_streq(buf, "on"))
		ret = orthros_monitor_set(true);
	else if (sysfs_streq(buf, "off"))
		ret = orthros_monitor_set(false);
	else
		ret = -EINVAL;
	return ret ?: len;
}

static const char *const event_names[] = {
	[ORTHROS_EVENT_ACTIVE_PANIC] = "active-panic",
	[ORTHROS_EVENT_ACTIVE_HANG] = "active-hang",
	[ORTHROS_EVENT_BACKUP_PANIC] = "backup-panic",
	[ORTHROS_EVENT_BACKUP_HANG] = "backup-hang",
};

/* The failovers of this machine, oldest first, one line each. */
static ssize_t history_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	u64 n, i, first;
	ssize_t len = 0;

	if (!shm)
		return 0;
	n = READ_ONCE(shm->nr_failovers);
	first = n > ORTHROS_HISTORY_MAX ? n - ORTHROS_HISTORY_MAX : 0;
	for (i = first; i < n; i++) {
		struct orthros_failover_record r = shm->history[i % ORTHROS_HISTORY_MAX];
		s64 us = r.downtime_us;

		len += sysfs_emit_at(buf, len,
				     "failover=%llu dead=%u survivor=%u type=%s ok=%u downtime_ms=%lld.%03lld\n",
				     i + 1, r.dead, r.survivor,
				     r.type < ARRAY_SIZE(event_names) && event_names[r.type] ?
				     event_names[r.type] : "?",
				     r.ok, us < 0 ? -1 : us / 1000, us < 0 ? 0 : us % 1000);
	}
	return len;
}

static ssize_t vmcore_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return orthros_vmcore_show(buf);
}

static ssize_t dma_stopped_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return orthros_dma_stopped_show(buf);
}

static ssize_t protected_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return orthros_protected_show(buf);
}

/* "PID" protects a process (and its threads and descendants), "-PID" not. */
static ssize_t protected_store(struct kobject *kobj, struct kobj_attribute *attr,
			       const char *buf, size_t len)
{
	bool on = buf[0] != '-';
	int pid, ret;

	ret = kstrtoint(buf + !on, 10, &pid);
	if (ret || pid <= 0)
		return -EINVAL;
	ret = orthros_protect(pid, on);
	return ret ?: len;
}

static struct kobj_attribute monitor_attr = __ATTR_RW(monitor);
static struct kobj_attribute protected_attr = __ATTR_RW(protected);
static struct kobj_attribute last_event_attr = __ATTR_RO(last_event);
static struct kobj_attribute vmcore_attr = __ATTR_RO(vmcore);
static struct kobj_attribute dma_stopped_attr = __ATTR_RO(dma_stopped);
static struct kobj_attribute history_attr = __ATTR_RO(history);
static struct kobj_attribute nth_attr = __ATTR_RO(nth);
static struct kobj_attribute cpus_attr = __ATTR_RO(cpus);
static struct kobj_attribute role_attr = __ATTR_RO(role);
static struct kobj_attribute shared_attr = __ATTR_RO(shared);
static struct kobj_attribute active_attr = __ATTR_RO(active);
static struct kobj_attribute backup_attr = __ATTR_RO(backup);
static struct kobj_attribute platform_attr = __ATTR_RO(platform);

static struct attribute *orthros_attrs[] = {
	&nth_attr.attr,
	&role_attr.attr,
	&shared_attr.attr,
	&active_attr.attr,
	&backup_attr.attr,
	&platform_attr.attr,
	&cpus_attr.attr,
	&monitor_attr.attr,
	&last_event_attr.attr,
	&protected_attr.attr,
	&vmcore_attr.attr,
	&dma_stopped_attr.attr,
	&history_attr.attr,
	NULL,
};

/*
 * The partition in force, binary (struct orthros_partition): the one in
 * the shared memory, inherited by every OS; empty before there is one.
 */
static ssize_t partition_read(struct file *f, struct kobject *kobj, struct bin_attribute *a,
			      char *buf, loff_t off, size_t len)
{
	const struct orthros_partition *p = have_boot_part ? &boot_part :
					    shm ? &shm->partition : NULL;

	if (!p)
		return 0;
	return memory_read_from_buffer(buf, len, &off, p, sizeof(*p));
}

static BIN_ATTR_RO(partition, sizeof(struct orthros_partition));

static struct bin_attribute *orthros_bin_attrs[] = {
	&bin_attr_partition,
	NULL,
};

static const struct attribute_group orthros_group = {
	.attrs = orthros_attrs,
	.bin_attrs = orthros_bin_attrs,
};

static int __init orthros_init(void)
{
	struct kobject *kobj;
	int ret;

	pr_info("this kernel is the NthOS with N=%u\n", orthros_nth_param);
	kobj = kobject_create_and_add("orthros", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	ret = sysfs_create_group(kobj, &orthros_group);
	if (ret)
		kobject_put(kobj);
	return ret;
}
subsys_initcall(orthros_init);

/* An isolated OS says it is up, last thing before user space starts. */
static int __init orthros_say_up(void)
{
	struct orthros_os_record *r;
	struct orthros_shm *s;

	if (!orthros_isolated())
		return 0;
	s = memremap(shared_phys, sizeof(*s), MEMREMAP_WB);
	if (!s || !shm_valid(s)) {
		pr_err("shared memory at %pa is gone or corrupt\n", &shared_phys);
		return -ENODEV;
	}
	shm = s;
	r = &s->os[ORTHROS_ROLE_BACKUP];
	if (r->nth != orthros_nth_param || r->apic_id != read_apic_id())
		pr_warn("shared memory expects NthOS %u on APIC %u, this is %u on APIC %u\n",
			r->nth, r->apic_id, orthros_nth_param, read_apic_id());
	WRITE_ONCE(r->up_tsc, rdtsc());
	/* The other OS reads state first, then the time: write in reverse. */
	smp_wmb();
	WRITE_ONCE(r->state, ORTHROS_OS_UP);
	orthros_publish_memmap();
	pr_info("NthOS %u up as the BackupOS on APIC %u\n", orthros_nth_param, read_apic_id());
	/* The ActiveOS that started us, as it was then: sound, and never re-read. */
	orthros_monitor_start(READ_ONCE(s->os[ORTHROS_ROLE_ACTIVE].nth),
			      READ_ONCE(s->os[ORTHROS_ROLE_ACTIVE].apic_id), 0);
	return 0;
}
late_initcall_sync(orthros_say_up);
