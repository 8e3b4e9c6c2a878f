// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros loader: /dev/orthros boots a BackupOS into a slot and stops it.
 *
 * User space reads the kernel image and builds its boot_params (as
 * kexec-tools does); here every segment is checked to lie in the slot,
 * which this kernel must not be using, the devices the new OS will own must
 * not be driven by this one, and then the segments are written and the core
 * is started (arch/x86/orthros/boot.c). Success means "started"; the new
 * kernel reports "up" through the shared memory (/sys/kernel/orthros/backup).
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/orthros.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/orthros/loader.h>
#include <asm/apic.h>
#include <asm/tsc.h>

/* A new OS not up this long after its start is declared dead (orthros_boot.up_timeout_ms). */
#define UP_TIMEOUT_MS		120000
#define UP_TIMEOUT_MAX_MS	3600000

static DEFINE_MUTEX(loader_lock);
/*
 * The core of the BackupOS this OS started: the shared memory's record may
 * be zeroed by then, and APIC 0 would be our own boot CPU.
 */
static u32 backup_apic;
static bool backup_started;

/* This kernel must not be using [start, start + size) as RAM (hot-added included). */
static int check_not_mine(const char *what, u64 start, u64 size)
{
	if (region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT) {
		pr_err("%s [%#llx-%#llx) is RAM of this OS; boot it with the memmap= options of 'orthrosctl cmdline'\n",
		       what, start, start + size);
		return -EADDRINUSE;
	}
	return 0;
}

/* Is [start, start + size) inside r, past its first skip bytes? No sum may wrap. */
static bool inside(u64 start, u64 size, const struct orthros_range *r, u64 skip)
{
	return skip <= r->size && start >= r->start && start - r->start >= skip &&
	       size <= r->size && start - r->start <= r->size - size;
}

/*
 * Every OS ranks the partition's CPUs by local APIC ID for their logical
 * APIC IDs (flat mode): a CPU of this OS the partition leaves out would
 * share a logical ID with a core of the other OS.
 */
static int check_cpus(const struct orthros_partition *p)
{
	int cpu;

	for_each_present_cpu(cpu) {
		u32 apic = per_cpu(x86_cpu_to_apicid, cpu);

		if (!orthros_find_cpu(p, apic)) {
			pr_err("boot: CPU%d (APIC %u) is not in the partition: logical APIC IDs would clash between the OSes; list every CPU\n",
			       cpu, apic);
			return -EINVAL;
		}
	}
	return 0;
}

/* Devices the NthOS (as BackupOS) will own must not be driven here. */
static int check_devices(const struct orthros_partition *p, u32 nth)
{
	unsigned int i;

	for (i = 0; i < p->nr_devices; i++) {
		const struct orthros_device *d = &p->devices[i];
		struct pci_dev *pdev;

		if (!orthros_device_of_backup(d, nth))
			continue;
		pdev = pci_get_domain_bus_and_slot(d->segment, d->bus, d->devfn);
		if (!pdev)
			continue;
		if (pdev->driver) {
			pr_err("device %s (%s) is driven by this OS (%s); boot it with the orthros.pci_foreign= of 'orthrosctl cmdline'\n",
			       d->name, pci_name(pdev), pdev->driver->name);
			pci_dev_put(pdev);
			return -EBUSY;
		}
		pci_dev_put(pdev);
	}
	return 0;
}

static int copy_segment(const struct orthros_segment *seg)
{
	void *dst = memremap(seg->mem, seg->size, MEMREMAP_WB);
	int ret = 0;

	if (!dst)
		return -ENOMEM;
	if (copy_from_user(dst, u64_to_user_ptr(seg->buf), seg->size))
		ret = -EFAULT;
	memunmap(dst);
	return ret;
}

static long orthros_boot(struct orthros_boot __user *ubp)
{
	const struct orthros_range *slot, *low, *shared;
	const struct orthros_cpu *cpu;
	struct orthros_os_record *rec;
	struct orthros_boot *b;
	struct orthros_shm *s;
	bool entry_ok = false, bp_ok = false;
	unsigned int i;
	int ret;

	b = memdup_user(ubp, sizeof(*b));
	if (IS_ERR(b))
		return PTR_ERR(b);
	ret = -EINVAL;
	if (orthros_partition_check(&b->partition)) {
		pr_err("boot: invalid partition description\n");
		goto out;
	}
	if (b->nth < 2 || b->slot < 1 || b->slot > ORTHROS_NR_SLOTS ||
	    b->nr_segments > ORTHROS_MAX_SEGMENTS || b->up_timeout_ms > UP_TIMEOUT_MAX_MS ||
	    b->reserved) {
		pr_err("boot: bad request (nth %u, slot %u, %u segments, up time-out %u ms)\n",
		       b->nth, b->slot, b->nr_segments, b->up_timeout_ms);
		goto out;
	}
	cpu = orthros_find_cpu(&b->partition, b->apic_id);
	if (!cpu) {
		pr_err("boot: local APIC ID %u is not in the partition\n", b->apic_id);
		goto out;
	}
	if (cpu->flags & ORTHROS_CPU_BSP) {
		pr_err("boot: APIC ID %u is the BSP; a BackupOS cannot start on it\n", b->apic_id);
		goto out;
	}
	/* Any other core of ours is fine: remove_cpu() moves us off it. */
	if (b->apic_id == boot_cpu_physical_apicid) {
		pr_err("boot: APIC ID %u is this OS's boot CPU\n", b->apic_id);
		goto out;
	}
	slot = orthros_find_range(&b->partition, ORTHROS_MEM_SLOT, b->slot);
	low = orthros_find_range(&b->partition, ORTHROS_MEM_SLOT_LOW, b->slot);
	shared = orthros_find_range(&b->partition, ORTHROS_MEM_SHARED, 0);
	if (!slot || !low || !shared || low->size < ORTHROS_LOW_RESERVED + PAGE_SIZE) {
		pr_err("boot: slot %u or the shared region is missing or too small\n", b->slot);
		goto out;
	}
	ret = check_cpus(&b->partition) ?:
	      check_not_mine("slot", slot->start, slot->size) ?:
	      check_not_mine("slot low chunk", low->start, low->size) ?:
	      check_not_mine("shared memory", shared->start, shared->size) ?:
	      check_devices(&b->partition, b->nth);
	if (ret)
		goto out;
	ret = -EINVAL;
	for (i = 0; i < b->nr_segments; i++) {
		const struct orthros_segment *seg = &b->segments[i];

		if (!inside(seg->mem, seg->size, slot, 0) &&
		    !inside(seg->mem, seg->size, low, ORTHROS_LOW_RESERVED)) {
			pr_err("boot: segment %u [%#llx+%#llx] is outside slot %u\n",
			       i, seg->mem, seg->size, b->slot);
			goto out;
		}
		/* inside() checked that the segment does not wrap; neither may these. */
		entry_ok |= b->entry >= seg->mem && b->entry - seg->mem < seg->size;
		bp_ok |= b->boot_params >= seg->mem && seg->size >= PAGE_SIZE &&
			 b->boot_params - seg->mem <= seg->size - PAGE_SIZE;
	}
	if (!entry_ok || !bp_ok) {
		pr_err("boot: entry or boot_params not in a segment\n");
		goto out;
	}

	mutex_lock(&loader_lock);
	s = orthros_shm();
	if (!s) {
		ret = orthros_shm_create(&b->partition);
		if (ret) {
			pr_err("boot: cannot create the shared memory: %d\n", ret);
			goto unlock;
		}
		s = orthros_shm();
	} else if (memcmp(&s->partition, &b->partition, sizeof(b->partition))) {
		pr_err("boot: the partition differs from the one in the shared memory\n");
		ret = -EINVAL;
		goto unlock;
	}
	/* Where our memory is, for the new BackupOS if we die. */
	ret = orthros_publish_memmap();
	if (ret)
		goto unlock;
	rec = &s->os[ORTHROS_ROLE_BACKUP];
	if (rec->state == ORTHROS_OS_BOOTING || rec->state == ORTHROS_OS_UP) {
		pr_err("boot: the %uth OS is still the BackupOS on APIC %u; stop it first\n",
		       rec->nth, rec->apic_id);
		ret = -EBUSY;
		goto unlock;
	}
	for (i = 0; i < b->nr_segments; i++) {
		ret = copy_segment(&b->segments[i]);
		if (ret)
			goto unlock;
	}
	WRITE_ONCE(rec->state, ORTHROS_OS_NONE);
	rec->nth = b->nth;
	rec->apic_id = b->apic_id;
	rec->slot = b->slot;
	rec->up_tsc = 0;
	rec->boot_tsc = rdtsc();
	rec->boots++;
	orthros_clock_publish(&s->clock);
	/* The record's fields before its state, which readers check first. */
	smp_wmb();
	WRITE_ONCE(rec->state, ORTHROS_OS_BOOTING);
	ret = orthros_arch_boot(b->apic_id, low->start, b->entry, b->boot_params);
	if (ret) {
		WRITE_ONCE(rec->state, ORTHROS_OS_STOPPED);
		goto unlock;
	}
	pr_info("started NthOS %u on APIC %u in slot %u\n", b->nth, b->apic_id, b->slot);
	backup_apic = b->apic_id;
	backup_started = true;
	orthros_monitor_start(b->nth, b->apic_id, b->up_timeout_ms ?: UP_TIMEOUT_MS);
unlock:
	mutex_unlock(&loader_lock);
out:
	kfree(b);
	return ret;
}

static long orthros_stop(void)
{
	struct orthros_shm *s = orthros_shm();
	struct orthros_os_record *rec;
	int ret = 0;

	if (!s)
		return -ENODEV;
	mutex_lock(&loader_lock);
	rec = &s->os[ORTHROS_ROLE_BACKUP];
	if (rec->state == ORTHROS_OS_DEAD)
		goto out;	/* the monitor found it dead and fenced it already */
	if (rec->state != ORTHROS_OS_BOOTING && rec->state != ORTHROS_OS_UP) {
		ret = -ESRCH;
		goto out;
	}
	if (!backup_started) {
		ret = -ESRCH;
		goto out;
	}
	orthros_monitor_forget_peer();
	ret = orthros_arch_stop(backup_apic);
	if (!ret) {
		WRITE_ONCE(rec->state, ORTHROS_OS_STOPPED);
		backup_started = false;
		pr_info("stopped NthOS %u on APIC %u\n", rec->nth, backup_apic);
	}
out:
	mutex_unlock(&loader_lock);
	return ret;
}

static long orthros_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct orthros_failover_record rec;
	struct orthros_memory mem;
	u32 val;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	switch (cmd) {
	case ORTHROS_IOC_BOOT:
	case ORTHROS_IOC_STOP:
		if (orthros_role() != ORTHROS_ROLE_ACTIVE)
			return -EOPNOTSUPP;	/* only the ActiveOS boots BackupOSes */
		/* Starting a kernel of the caller's choosing is kexec: lockdown says no to both. */
		if (cmd == ORTHROS_IOC_BOOT && security_locked_down(LOCKDOWN_KEXEC))
			return -EPERM;
		return cmd == ORTHROS_IOC_BOOT ?
		       orthros_boot((struct orthros_boot __user *)arg) : orthros_stop();
	case ORTHROS_IOC_TAKEOVER:
		return orthros_takeover();
	case ORTHROS_IOC_ADOPT_DEVICES:
		return orthros_adopt_devices();
	case ORTHROS_IOC_ADD_MEMORY:
		if (copy_from_user(&mem, (void __user *)arg, sizeof(mem)))
			return -EFAULT;
		return orthros_add_memory(mem.start, mem.size);
	case ORTHROS_IOC_ADD_CPU:
	case ORTHROS_IOC_RELEASE_DEVICES:
		if (get_user(val, (u32 __user *)arg))
			return -EFAULT;
		return cmd == ORTHROS_IOC_ADD_CPU ? orthros_add_cpu(val) :
		       orthros_release_devices(val);
	case ORTHROS_IOC_RECORD_FAILOVER:
		if (copy_from_user(&rec, (void __user *)arg, sizeof(rec)))
			return -EFAULT;
		return orthros_record_failover(&rec);
	}
	return -ENOTTY;
}

/* Monitoring events: each open file reads them in order from the first. */
static int orthros_open(struct inode *inode, struct file *f)
{
	u64 *seen = kzalloc(sizeof(*seen), GFP_KERNEL);

	if (!seen)
		return -ENOMEM;
	f->private_data = seen;
	return 0;
}

static int orthros_release(struct inode *inode, struct file *f)
{
	kfree(f->private_data);
	return 0;
}

static ssize_t orthros_read(struct file *f, char __user *buf, size_t len, loff_t *pos)
{
	u64 *seen = f->private_data;
	struct orthros_event ev;
	int ret;

	if (len < sizeof(ev))
		return -EINVAL;
	while (!orthros_next_event(seen, &ev)) {
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = orthros_wait_event(*seen);
		if (ret)
			return ret;
	}
	if (copy_to_user(buf, &ev, sizeof(ev)))
		return -EFAULT;
	return sizeof(ev);
}

static __poll_t orthros_poll(struct file *f, poll_table *wait)
{
	return orthros_poll_event(f, wait, *(u64 *)f->private_data);
}

static const struct file_operations orthros_fops = {
	.owner = THIS_MODULE,
	.open = orthros_open,
	.release = orthros_release,
	.read = orthros_read,
	.poll = orthros_poll,
	.unlocked_ioctl = orthros_ioctl,
};

static struct miscdevice orthros_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "orthros",
	.fops = &orthros_fops,
};

static int __init orthros_loader_init(void)
{
	return misc_register(&orthros_dev);
}
device_initcall(orthros_loader_init);
