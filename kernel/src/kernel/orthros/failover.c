// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros failover, the kernel's part (paper section 2.1, steps 3-6): the
 * BackupOS takes over from a dead ActiveOS. The failover daemon (orthrosd)
 * runs the pipeline and calls these one at a time through /dev/orthros:
 *
 *   takeover        bus mastering off for every PCI function of the dead
 *                   OS (and a Function Level Reset where it offers one),
 *                   this OS becomes the ActiveOS in the shared memory,
 *                   and the dead OS's memory becomes /proc/vmcore (vmcore.c)
 *   adopt devices   the dead OS's devices (the partition's 'active' ones)
 *                   are scanned and bound here, for the first time
 *   add memory      whole blocks of the dead OS's RAM in the general or
 *                   1stOS-only region are hot-added and onlined here;
 *                   /proc/vmcore ends before the first
 *
 * and then re-splits the machine for the next BackupOS (paper 3.1, 3.3):
 *
 *   add cpu         a core of the dead OS comes online here (CPU hotplug)
 *   release devices the next BackupOS's devices are hot-removed here
 *
 * Nothing of the dead OS is touched before the monitor saw it fenced: its
 * cores stopped and its memory no longer changing.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/orthros.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

static DEFINE_MUTEX(failover_lock);

/* How a function of the dead OS was reset after its bus mastering went off. */
enum dead_reset { RESET_NONE, RESET_FLR, RESET_AF_FLR, RESET_FAILED };
static const char *const reset_names[] = { "none", "flr", "af-flr", "FAILED" };

/* The dead OS's PCI functions whose bus mastering this OS switched off. */
#define MAX_STOPPED	64
static struct {
	u16 domain;
	u8 bus, devfn;
	u8 reset;		/* enum dead_reset */
	u16 command;		/* read back after the stop and the reset */
} stopped[MAX_STOPPED];
static unsigned int nr_stopped, nr_still_master, nr_reset_failed;

/* Wait up to 100 ms for a status bit (transactions pending) to clear. */
static void wait_not_pending(struct pci_bus *bus, unsigned int devfn, int where, u16 bit)
{
	u16 sta;
	int i;

	for (i = 0; i < 5; i++) {
		if (pci_bus_read_config_word(bus, devfn, where, &sta) || !(sta & bit))
			return;
		msleep(20);
	}
}

/*
 * Start a Function Level Reset where the function offers one: the PCIe
 * capability's, else the Advanced Features capability's of a conventional
 * function, as pcie_flr() and pci_af_flr() do for functions that have a
 * pci_dev (these have none here). Bus mastering off stops new requests;
 * the reset also drops what the dead OS had told the device (rings,
 * posted buffers), so none of it survives into a driver here.
 */
static u8 start_reset(struct pci_bus *bus, unsigned int devfn)
{
	u8 pos = pci_bus_find_capability(bus, devfn, PCI_CAP_ID_EXP);
	u32 cap;
	u16 ctl;
	u8 af;

	if (pos && !pci_bus_read_config_dword(bus, devfn, pos + PCI_EXP_DEVCAP, &cap) &&
	    (cap & PCI_EXP_DEVCAP_FLR) &&
	    !pci_bus_read_config_word(bus, devfn, pos + PCI_EXP_DEVCTL, &ctl)) {
		wait_not_pending(bus, devfn, pos + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_TRPND);
		pci_bus_write_config_word(bus, devfn, pos + PCI_EXP_DEVCTL,
					  ctl | PCI_EXP_DEVCTL_BCR_FLR);
		return RESET_FLR;
	}
	pos = pci_bus_find_capability(bus, devfn, PCI_CAP_ID_AF);
	if (pos && !pci_bus_read_config_byte(bus, devfn, pos + PCI_AF_CAP, &af) &&
	    (af & PCI_AF_CAP_TP) && (af & PCI_AF_CAP_FLR)) {
		wait_not_pending(bus, devfn, pos + PCI_AF_STATUS, PCI_AF_STATUS_TP);
		pci_bus_write_config_byte(bus, devfn, pos + PCI_AF_CTRL, PCI_AF_CTRL_FLR);
		return RESET_AF_FLR;
	}
	return RESET_NONE;
}

/*
 * Wait for the functions being reset: 100 ms for all at once (PCIe r6.0,
 * 6.6.2), then each must answer config reads again within a second. One
 * that does not is recorded as FAILED (it is not trusted to be quiet).
 */
static void finish_resets(void)
{
	unsigned long deadline;
	unsigned int i;
	bool any = false;
	u16 vendor;

	for (i = 0; i < nr_stopped; i++)
		any |= stopped[i].reset != RESET_NONE;
	if (!any)
		return;
	msleep(100);
	deadline = jiffies + HZ;
	for (i = 0; i < nr_stopped; i++) {
		struct pci_bus *bus;

		if (stopped[i].reset == RESET_NONE)
			continue;
		bus = pci_find_bus(stopped[i].domain, stopped[i].bus);
		for (;;) {
			if (bus && !pci_bus_read_config_word(bus, stopped[i].devfn, PCI_VENDOR_ID,
							     &vendor) &&
			    vendor != 0xffff && vendor != 0x0001)	/* 1: retry status */
				break;
			if (!bus || time_after(jiffies, deadline)) {
				stopped[i].reset = RESET_FAILED;
				nr_reset_failed++;
				break;
			}
			msleep(20);
		}
		if (bus && stopped[i].reset != RESET_FAILED)
			pci_bus_read_config_word(bus, stopped[i].devfn, PCI_COMMAND,
						 &stopped[i].command);
	}
}

/*
 * Stop the dead OS's devices from writing into its memory before any of it
 * is reused here: a device left receiving (a NIC, a serial port with
 * buffers posted) would go on writing into pages this OS hot-adds. At
 * takeover every PCI function on our buses that is not ours is the dead
 * OS's (the 1stOS's also those no partition lists): bus mastering off in
 * its command register, read back, then a Function Level Reset where it
 * offers one. Bridges are left alone (ours may sit behind them); the
 * devices adopted next are reset again by their drivers, which switch bus
 * mastering on again.
 */
static void stop_dead_dma(void)
{
	struct pci_bus *bus = NULL;
	unsigned int devfn, nr_unrecorded = 0;
	u32 class;
	u16 vendor, cmd;

	nr_stopped = 0;
	nr_still_master = 0;
	nr_reset_failed = 0;
	while ((bus = pci_find_next_bus(bus))) {
		for (devfn = 0; devfn < 256; devfn++) {
			struct pci_dev *ours = pci_get_slot(bus, devfn);

			if (ours) {
				pci_dev_put(ours);
				continue;
			}
			if (pci_bus_read_config_word(bus, devfn, PCI_VENDOR_ID, &vendor) ||
			    vendor == 0xffff || vendor == 0 ||
			    pci_bus_read_config_dword(bus, devfn, PCI_CLASS_REVISION, &class) ||
			    (class >> 24) == PCI_BASE_CLASS_BRIDGE ||
			    pci_bus_read_config_word(bus, devfn, PCI_COMMAND, &cmd))
				continue;
			if (cmd & PCI_COMMAND_MASTER) {
				pci_bus_write_config_word(bus, devfn, PCI_COMMAND,
							  cmd & ~PCI_COMMAND_MASTER);
				pci_bus_read_config_word(bus, devfn, PCI_COMMAND, &cmd);
			}
			nr_still_master += !!(cmd & PCI_COMMAND_MASTER);
			if (nr_stopped == MAX_STOPPED) {
				nr_unrecorded++;	/* stopped, neither reset nor listed */
				continue;
			}
			stopped[nr_stopped++] = (typeof(stopped[0])){
				pci_domain_nr(bus), bus->number, devfn,
				start_reset(bus, devfn), cmd };
		}
	}
	finish_resets();
	if (nr_unrecorded)
		pr_warn("takeover: %u more functions of the dead OS were stopped but not reset\n",
			nr_unrecorded);
	if (nr_still_master || nr_reset_failed)
		pr_err("takeover: of the dead OS's %u PCI functions, %u still have bus mastering on, %u did not come back from their reset\n",
		       nr_stopped, nr_still_master, nr_reset_failed);
	else
		pr_info("takeover: bus mastering off for the dead OS's %u PCI functions\n",
			nr_stopped);
}

/*
 * Each function stopped at the last takeover: its bus mastering as read
 * back then, how it was reset and its command register after that
 * ("0000:00:0b.0 master=off reset=flr command=0x0000"; a driver here or the
 * next OS may have switched it on again since, for its own use).
 */
ssize_t orthros_dma_stopped_show(char *buf)
{
	unsigned int i;
	ssize_t n = 0;

	for (i = 0; i < nr_stopped; i++)
		n += sysfs_emit_at(buf, n, "%04x:%02x:%02x.%u master=%s reset=%s command=0x%04x\n",
				   stopped[i].domain, stopped[i].bus, PCI_SLOT(stopped[i].devfn),
				   PCI_FUNC(stopped[i].devfn),
				   stopped[i].command & PCI_COMMAND_MASTER ? "ON" : "off",
				   reset_names[stopped[i].reset], stopped[i].command);
	return n;
}

int orthros_takeover(void)
{
	struct orthros_shm *s = orthros_shm();
	struct orthros_os_record *act, *bak;
	unsigned int dead;
	u64 boots;
	int ret = 0;

	if (!s || !orthros_isolated())
		return -EOPNOTSUPP;
	mutex_lock(&failover_lock);
	act = &s->os[ORTHROS_ROLE_ACTIVE];
	bak = &s->os[ORTHROS_ROLE_BACKUP];
	if (orthros_role() == ORTHROS_ROLE_ACTIVE) {
		ret = -EALREADY;
		goto out;
	}
	/* Our own verdict, not the shared memory's: the dead OS may have written there. */
	dead = orthros_peer_nth();
	if (!orthros_peer_fenced()) {
		pr_err("takeover refused: the ActiveOS (NthOS %u) is not dead and fenced\n", dead);
		ret = -EBUSY;
		goto out;
	}
	stop_dead_dma();
	/*
	 * Without a view of its memory nothing can be recovered, but this OS
	 * still takes over the devices and serves: the error is kept for
	 * /sys/kernel/orthros/vmcore and the daemon's record.
	 */
	orthros_vmcore_create(&s->memmap[ORTHROS_ROLE_ACTIVE], dead);

	/* This OS's record becomes the ActiveOS's; no BackupOS until the next boots. */
	boots = act->boots;
	memcpy(act, bak, sizeof(*act));
	act->boots = boots + 1;
	memset(&s->failure[ORTHROS_ROLE_ACTIVE], 0, sizeof(s->failure[0]));
	memset(&s->memmap[ORTHROS_ROLE_BACKUP], 0, sizeof(s->memmap[0]));
	boots = bak->boots;
	memset(bak, 0, sizeof(*bak));
	bak->boots = boots;
	s->generation++;
	orthros_become_active();
	if (orthros_shm_repair())
		pr_err("the shared memory cannot be made anew: no BackupOS can boot\n");
	orthros_publish_memmap();
	pr_emerg("NthOS %u takes over from the dead NthOS %u and is the ActiveOS now\n",
		 orthros_nth(), dead);
out:
	mutex_unlock(&failover_lock);
	return ret;
}

/*
 * Scan the dead OS's functions one by one (never the whole bus: the other
 * functions may be another OS's), claim the addresses the firmware gave
 * their BARs and bind drivers. Returns how many of them are here now.
 */
int orthros_adopt_devices(void)
{
	const struct orthros_partition *p = orthros_boot_partition();
	unsigned int i;
	int found = 0;

	if (!p || !orthros_isolated() || orthros_role() != ORTHROS_ROLE_ACTIVE)
		return -EOPNOTSUPP;
	mutex_lock(&failover_lock);
	orthros_own_devices(ORTHROS_DEV_ACTIVE);
	pci_lock_rescan_remove();
	for (i = 0; i < p->nr_devices; i++) {
		const struct orthros_device *d = &p->devices[i];
		struct pci_bus *bus;
		struct pci_dev *dev;

		if (d->role != ORTHROS_DEV_ACTIVE)
			continue;
		bus = pci_find_bus(d->segment, d->bus);
		if (!bus) {
			pr_err("adopt: no PCI bus %04x:%02x for %s\n", d->segment, d->bus, d->name);
			continue;
		}
		dev = pci_get_slot(bus, d->devfn);
		if (dev) {
			pci_dev_put(dev);	/* adopted before */
			found++;
			continue;
		}
		dev = pci_scan_single_device(bus, d->devfn);
		if (!dev) {
			pr_err("adopt: %s (%02x:%02x.%u) is not there\n", d->name, d->bus,
			       PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
			continue;
		}
		pcibios_resource_survey_bus(bus);
		pci_bus_add_devices(bus);
		pr_info("adopt: %s is %s here\n", d->name, pci_name(dev));
		found++;
	}
	pci_unlock_rescan_remove();
	mutex_unlock(&failover_lock);
	return found;
}

/* Does [start, start + size) lie in one range of a kind the ActiveOS may grow into? */
static bool growable(const struct orthros_partition *p, u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; i < p->nr_ranges; i++) {
		const struct orthros_range *r = &p->ranges[i];

		if ((r->kind == ORTHROS_MEM_GENERAL || r->kind == ORTHROS_MEM_FIRST_ONLY) &&
		    start >= r->start && start + size <= r->start + r->size)
			return true;
	}
	return false;
}

int orthros_add_memory(u64 start, u64 size)
{
	const struct orthros_partition *p = orthros_boot_partition();
	u64 block = memory_block_size_bytes();
	int ret;

	if (!p || !orthros_isolated() || orthros_role() != ORTHROS_ROLE_ACTIVE)
		return -EOPNOTSUPP;
	if (!size || start + size < start || !IS_ALIGNED(start | size, block)) {
		pr_err("add memory: [%#llx+%#llx) is not whole %llu MiB blocks\n",
		       start, size, block >> 20);
		return -EINVAL;
	}
	if (!growable(p, start, size) || !orthros_vmcore_covers(start, size)) {
		pr_err("add memory: [%#llx+%#llx) is not the dead ActiveOS's RAM in the general or 1stOS-only region\n",
		       start, size);
		return -EINVAL;
	}
	mutex_lock(&failover_lock);
	orthros_vmcore_retire();
	ret = add_memory(memory_add_physaddr_to_nid(start), start, size, MHP_NONE);
	if (ret)
		pr_err("add memory: [%#llx+%#llx): %d\n", start, size, ret);
	else
		orthros_publish_memmap();
	mutex_unlock(&failover_lock);
	return ret;
}

/* The active role, taken over: what the re-split may do. */
static bool took_over(void)
{
	return orthros_isolated() && orthros_role() == ORTHROS_ROLE_ACTIVE;
}

int orthros_add_cpu(u32 apic_id)
{
	int cpu, ret;

	if (!took_over())
		return -EOPNOTSUPP;
	if (orthros_apic_foreign(apic_id)) {
		pr_err("add cpu: APIC %u is the BSP, another OS's, or not in the partition\n",
		       apic_id);
		return -EBUSY;
	}
	cpu = orthros_arch_cpu_of(apic_id);
	if (cpu < 0)
		return -ENODEV;
	if (cpu_online(cpu))
		return 0;
	ret = add_cpu(cpu);
	if (ret)
		pr_err("add cpu: CPU%d (APIC %u): %d\n", cpu, apic_id, ret);
	else
		pr_info("add cpu: CPU%d (APIC %u) of the dead OS is this OS's now\n", cpu, apic_id);
	return ret;
}

/* Hot-remove the devices the NthOS will own as BackupOS; how many there were. */
int orthros_release_devices(u32 nth)
{
	const struct orthros_partition *p = orthros_boot_partition();
	unsigned int i;
	int released = 0;

	if (!took_over() || !p)
		return -EOPNOTSUPP;
	mutex_lock(&failover_lock);
	for (i = 0; i < p->nr_devices; i++) {
		const struct orthros_device *d = &p->devices[i];
		struct pci_dev *dev;

		if (!orthros_device_of_backup(d, nth) || !orthros_owns_device(i))
			continue;
		dev = pci_get_domain_bus_and_slot(d->segment, d->bus, d->devfn);
		if (dev) {
			pr_info("release: %s (%s) for NthOS %u\n", d->name, pci_name(dev), nth);
			pci_stop_and_remove_bus_device_locked(dev);
			pci_dev_put(dev);
		}
		orthros_disown_device(i);
		released++;
	}
	mutex_unlock(&failover_lock);
	return released;
}

int orthros_record_failover(const struct orthros_failover_record *r)
{
	struct orthros_shm *s = orthros_shm();

	if (!s || orthros_role() != ORTHROS_ROLE_ACTIVE)
		return -EOPNOTSUPP;
	mutex_lock(&failover_lock);
	s->history[s->nr_failovers % ORTHROS_HISTORY_MAX] = *r;
	/* The record before the count that shows it. */
	smp_wmb();
	WRITE_ONCE(s->nr_failovers, s->nr_failovers + 1);
	mutex_unlock(&failover_lock);
	return 0;
}
