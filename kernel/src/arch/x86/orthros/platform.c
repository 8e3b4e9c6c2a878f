// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros x86 platform for an OS booted by another OS (NthOS, N >= 2).
 *
 * The machine's shared hardware belongs to the OS that booted first, which
 * keeps running beside this one. So this kernel must not program the
 * IOAPIC or the 8259, the PIT, HPET or CMOS clock, must not run the ACPI
 * interpreter, must not touch the PCI port pair 0xcf8/0xcfc (the other
 * kernel interleaves on it) or any PCI function it does not own, and must
 * write to its own serial port only. What it would have measured on that
 * hardware (TSC and LAPIC timer rates, the ECAM base) and its CPUs come
 * from the shared memory the ActiveOS set up (struct orthros_platform).
 * Reboot, halt and power-off stop this OS's cores, never the machine.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/cpu.h>
#include <linux/init.h>
#include <linux/orthros.h>
#include <linux/pci.h>
#include <linux/reboot.h>
#include <linux/serial_8250.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/i8259.h>
#include <asm/io_apic.h>
#include <asm/pci_x86.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/x86_init.h>

static const u16 com_base[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

/* Logical APIC IDs by rank of local APIC ID, identical in every OS. */
u32 orthros_flat_logical_id(unsigned int cpu)
{
	u32 apicid = early_per_cpu(x86_cpu_to_apicid, cpu), id, rank = 0;

	for (id = 0; id < apicid && id < MAX_LOCAL_APIC; id++)
		rank += physid_isset(id, phys_cpu_present_map);
	return rank < 8 ? 1U << rank : 0;
}

static void read_ldr(void *ldr)
{
	*(u32 *)ldr = GET_APIC_LOGICAL_ID(apic_read(APIC_LDR));
}

/* One line per online CPU: its local APIC ID and the logical ID it carries. */
ssize_t orthros_arch_show_cpus(char *buf)
{
	unsigned int cpu;
	ssize_t n = 0;
	u32 ldr;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		ldr = 0;
		smp_call_function_single(cpu, read_ldr, &ldr, 1);
		n += sysfs_emit_at(buf, n, "cpu=%u apic=%u logical=%#04x\n", cpu,
				   per_cpu(x86_cpu_to_apicid, cpu), ldr);
	}
	cpus_read_unlock();
	return n;
}

static unsigned long orthros_tsc_khz(void)
{
	return orthros_boot_platform()->tsc_khz;
}

static void orthros_get_wallclock(struct timespec64 *now)
{
	memset(now, 0, sizeof(*now));
}

static void __init orthros_timer_init(void)
{
	const struct orthros_platform *pf = orthros_boot_platform();

	/* No PIT and no HPET: the LAPIC timer, at the rate measured for us. */
	lapic_timer_period = pf->hz == HZ ? pf->lapic_timer_period :
			     div_u64((u64)pf->lapic_timer_period * pf->hz, HZ);
}

/* Every CPU of the machine is possible; only this one comes up at boot. */
static void __init orthros_get_smp_config(unsigned int early)
{
	const struct orthros_partition *p = orthros_boot_partition();
	unsigned int i;

	if (early)
		return;
	register_lapic_address(APIC_DEFAULT_PHYS_BASE);
	for (i = 0; i < p->nr_cpus; i++)
		generic_processor_info(p->cpus[i].apic_id, boot_cpu_apic_version);
	smp_found_config = 1;
}

static void __init orthros_find_smp_config(void)
{
}

static int __init orthros_pci_arch_init(void)
{
	const struct orthros_platform *pf = orthros_boot_platform();

	/* ECAM only: one load or store per access, nothing to interleave. */
	if (!pf->ecam_base) {
		pr_err("no PCI ECAM base in the shared memory: no PCI\n");
		return 0;
	}
	if (!pci_mmconfig_add(0, 0, pf->ecam_last_bus, pf->ecam_base))
		return 0;
	pci_mmcfg_arch_init();
	raw_pci_ops = NULL;	/* raw_pci_read() then takes ECAM for every offset */
	pcibios_last_bus = 0;	/* no probing of peer buses */
	return 0;
}

/* Scan bus 0; pci_scan_single_device() skips the functions of other OSes. */
static int __init orthros_pci_init(void)
{
	if (!raw_pci_ext_ops)
		return 1;
	pr_info("PCI: scanning bus 0 for this OS's devices (ECAM)\n");
	pcibios_scan_root(0);
	return 0;
}

static void orthros_stop_self(void)
{
	pr_emerg("NthOS %u stops its own cores; the machine and the other OS run on\n",
		 orthros_nth());
	local_irq_disable();
	stop_other_cpus();
	for (;;)
		native_halt();
}

static void orthros_restart(char *cmd)
{
	orthros_stop_self();
}

static void orthros_serial_fixup(int port, struct uart_port *up, u32 *capabilities)
{
	unsigned int mine = (orthros_nth() - 1) % ARRAY_SIZE(com_base);

	if (up->iobase != com_base[mine]) {
		up->iobase = 0;		/* another OS's console: never probed */
		return;
	}
	up->irq = 0;			/* no IOAPIC here: polled */
}

void __init orthros_init_platform(void)
{
	if (!orthros_isolated())
		return;
	orthros_early_read_shm();
	pr_info("NthOS %u: isolated platform (no ACPI, IOAPIC, 8259, PIT, HPET, CMOS; ECAM %#llx; TSC %llu kHz)\n",
		orthros_nth(), orthros_boot_platform()->ecam_base,
		orthros_boot_platform()->tsc_khz);

	x86_init.irqs.pre_vector_init = x86_init_noop;
	x86_init.timers.timer_init = orthros_timer_init;
	x86_init.mpparse.find_smp_config = orthros_find_smp_config;
	x86_init.mpparse.get_smp_config = orthros_get_smp_config;
	x86_init.pci.arch_init = orthros_pci_arch_init;
	x86_init.pci.init = orthros_pci_init;
	x86_init.pci.init_irq = x86_init_noop;

	x86_platform.calibrate_cpu = orthros_tsc_khz;
	x86_platform.calibrate_tsc = orthros_tsc_khz;
	x86_platform.get_wallclock = orthros_get_wallclock;
	x86_platform.legacy.rtc = 0;
	x86_platform.legacy.warm_reset = 0;
	x86_platform.legacy.i8042 = X86_LEGACY_I8042_PLATFORM_ABSENT;
	setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	setup_force_cpu_cap(X86_FEATURE_TSC_RELIABLE);

	legacy_pic = &null_legacy_pic;
	disable_ioapic_support();
	disable_acpi();
	pci_probe = 0;			/* no port-pair probing, no early quirks */
	setup_max_cpus = 1;		/* the other cores run other OSes */

	machine_ops.restart = orthros_restart;
	machine_ops.emergency_restart = orthros_stop_self;
	machine_ops.halt = orthros_stop_self;
	machine_ops.power_off = orthros_stop_self;
	pm_power_off = NULL;

	serial8250_set_isa_configurator(orthros_serial_fixup);
}
