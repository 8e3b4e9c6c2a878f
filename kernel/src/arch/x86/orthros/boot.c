// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros x86 loader part: start a kernel on a core by local APIC ID.
 *
 * The first page of the slot's low chunk gets the trampoline
 * (trampoline.S), the next five pages identity page tables for the first
 * 4 GiB (2 MiB pages), which cover every slot. The core is offlined here if
 * it was ours, then sent INIT-SIPI-SIPI with the trampoline page as vector.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/mc146818rtc.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/orthros.h>
#include <asm/apic.h>
#include <asm/pci_x86.h>
#include <asm/pgtable_types.h>
#include <asm/tsc.h>
#include <uapi/linux/orthros/loader.h>

#include "trampoline.h"

#define PT_PML4		0x1000
#define PT_PDPT		0x2000
#define PT_PD		0x3000	/* four page directories: 4 GiB */

void orthros_arch_fill_platform(struct orthros_platform *pf)
{
	const struct orthros_platform *boot = orthros_boot_platform();
	struct pci_mmcfg_region *cfg;

	memset(pf, 0, sizeof(*pf));
	pf->tsc_khz = tsc_khz;
	pf->lapic_timer_period = lapic_timer_period;
	pf->hz = HZ;
	if (boot) {
		pf->ecam_base = boot->ecam_base;
		pf->ecam_last_bus = boot->ecam_last_bus;
		return;
	}
	list_for_each_entry(cfg, &pci_mmcfg_list, list) {
		if (cfg->segment == 0 && cfg->start_bus == 0) {
			pf->ecam_base = cfg->address;
			pf->ecam_last_bus = cfg->end_bus;
			break;
		}
	}
}

/* This kernel's number for the core with a local APIC ID, or -1. */
int orthros_arch_cpu_of(u32 apic_id)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (per_cpu(x86_cpu_to_apicid, cpu) == apic_id)
			return cpu;
	return -1;
}

static void put32(void *base, u32 off, u32 val)
{
	memcpy(base + off, &val, sizeof(val));
}

static void put16(void *base, u32 off, u16 val)
{
	memcpy(base + off, &val, sizeof(val));
}

static void put64(void *base, u32 off, u64 val)
{
	memcpy(base + off, &val, sizeof(val));
}

/* An xAPIC ICR write is two register writes: no interrupt in between. */
static void send_ipi(u32 low, u32 apic_id)
{
	unsigned long flags;

	local_irq_save(flags);
	apic_icr_write(low, apic_id);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

static void send_init(u32 apic_id)
{
	send_ipi(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apic_id);
	usleep_range(10000, 20000);	/* INIT asserted at least 10 ms */
	send_ipi(APIC_INT_LEVELTRIG | APIC_DM_INIT, apic_id);
}

int orthros_arch_boot(u32 apic_id, phys_addr_t low, u64 entry, u64 boot_params)
{
	const struct orthros_trampoline_offsets *o = &orthros_trampoline_offsets;
	u64 *pml4, *pdpt, *pd;
	void *p;
	int cpu, i, ret;

	if (o->size > PT_PML4 || low + ORTHROS_LOW_RESERVED > SZ_1M || !PAGE_ALIGNED(low))
		return -EINVAL;
	p = memremap(low, ORTHROS_LOW_RESERVED, MEMREMAP_WB);
	if (!p)
		return -ENOMEM;
	memset(p, 0, ORTHROS_LOW_RESERVED);
	memcpy(p, orthros_trampoline, o->size);
	put32(p, o->gdt_desc + 2, low + o->gdt);
	put32(p, o->pm_jump, low + o->pm);
	put32(p, o->lm_jump, low + o->lm);
	put64(p, o->cr3, low + PT_PML4);
	put64(p, o->entry, entry);
	put64(p, o->boot_params, boot_params);

	pml4 = p + PT_PML4;
	pdpt = p + PT_PDPT;
	pd = p + PT_PD;
	pml4[0] = (low + PT_PDPT) | _PAGE_PRESENT | _PAGE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (low + PT_PD + i * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	for (i = 0; i < 4 * PTRS_PER_PMD; i++)
		pd[i] = ((u64)i << PMD_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE;
	memunmap(p);

	/* A core this OS runs on is given up first; it will not come back. */
	cpu = orthros_arch_cpu_of(apic_id);
	if (cpu >= 0 && cpu_online(cpu)) {
		ret = remove_cpu(cpu);
		if (ret) {
			pr_err("cannot offline CPU%d (APIC %u): %d\n", cpu, apic_id, ret);
			return ret;
		}
		pr_info("CPU%d (APIC %u) offlined for the BackupOS\n", cpu, apic_id);
	}

	send_init(apic_id);
	for (i = 0; i < 2; i++) {
		send_ipi(APIC_DM_STARTUP | (low >> PAGE_SHIFT), apic_id);
		usleep_range(300, 500);
	}
	return 0;
}

/* INIT puts an AP in wait-for-SIPI: whatever ran there stops. */
int orthros_arch_stop(u32 apic_id)
{
	send_init(apic_id);
	return 0;
}

/*
 * The proof that a fenced core stopped: after INIT it runs code of ours,
 * from a page below 1 MiB that only this OS owns, which counts its arrival
 * in that page and halts. A kernel that hung with interrupts off shows a
 * still heartbeat too; it cannot run this page, in real mode, at our
 * request. The stub is position-independent (CS is the page's segment,
 * reached by a startup IPI for an AP, through the firmware for the BSP):
 *   cli; mov ax, cs; mov ds, ax; lock inc dword [PARK_COUNT]; 1: hlt; jmp 1b
 * A core parked there still takes INIT, so it can be started again.
 */
#define PARK_COUNT	0x100

static const u8 park_stub[] = {
	0xfa, 0x8c, 0xc8, 0x8e, 0xd8, 0xf0, 0x66, 0xff, 0x06,
	PARK_COUNT & 0xff, PARK_COUNT >> 8, 0xf4, 0xeb, 0xfd,
};

static int park_prepare(phys_addr_t park)
{
	u8 *p;

	/* Page 0 holds the real-mode vectors and the BIOS data area itself. */
	if (!park || park + PAGE_SIZE > SZ_1M || !PAGE_ALIGNED(park))
		return -EINVAL;
	p = memremap(park, PAGE_SIZE, MEMREMAP_WB);
	if (!p)
		return -ENOMEM;
	memcpy(p, park_stub, sizeof(park_stub));
	put32(p, PARK_COUNT, 0);
	memunmap(p);
	return 0;
}

/* Wait up to ms for a core to arrive in the park page: 0, or -ETIMEDOUT. */
int orthros_arch_wait_parked(phys_addr_t park, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	u32 *count;
	int ret = -ETIMEDOUT;

	count = memremap(park + PARK_COUNT, sizeof(*count), MEMREMAP_WB);
	if (!count)
		return -ENOMEM;
	do {
		if (READ_ONCE(*count)) {
			ret = 0;
			break;
		}
		usleep_range(100, 200);
	} while (time_before(jiffies, end));
	memunmap(count);
	return ret;
}

/* Fence an AP: INIT, then a startup IPI into the park page (the proof). */
int orthros_arch_fence(u32 apic_id, phys_addr_t park)
{
	int ret = park_prepare(park);

	send_init(apic_id);
	if (ret)
		return ret;
	send_ipi(APIC_DM_STARTUP | (park >> PAGE_SHIFT), apic_id);
	return 0;
}

#define CMOS_SHUTDOWN_CODE	0x0f
#define SHUTDOWN_JMP_4067	0x0a	/* resume by a far jump through 40:67 */
#define BDA_RESUME_VECTOR	0x467

/*
 * INIT sends the BSP not to wait-for-SIPI but to the reset vector, into
 * the firmware, which would reset the whole machine. Before the INIT, set
 * the CMOS shutdown code that makes the BIOS's resume path (SeaBIOS
 * handle_resume) jump through the BIOS data area's vector at 40:67, and
 * point that at the park stub in a page of ours below 1 MiB: the BSP
 * passes through the firmware and parks there, counting its arrival.
 */
int orthros_arch_fence_bsp(u32 apic_id, phys_addr_t park)
{
	unsigned long flags;
	u8 *p;
	int ret = park_prepare(park);

	if (ret)
		return ret;
	p = memremap(0, PAGE_SIZE, MEMREMAP_WB);
	if (!p)
		return -ENOMEM;
	put16(p, BDA_RESUME_VECTOR, 0);			/* offset */
	put16(p, BDA_RESUME_VECTOR + 2, park >> 4);	/* segment */
	memunmap(p);
	spin_lock_irqsave(&rtc_lock, flags);
	CMOS_WRITE(SHUTDOWN_JMP_4067, CMOS_SHUTDOWN_CODE);
	spin_unlock_irqrestore(&rtc_lock, flags);
	send_init(apic_id);
	/*
	 * A BSP not in wait-for-SIPI ignores a startup IPI; but one halted
	 * with interrupts off inside an NMI (stopped by a panic on another
	 * core) may not act on the INIT until something wakes it, which QEMU
	 * TCG shows: the startup IPI does.
	 */
	send_ipi(APIC_DM_STARTUP | (park >> PAGE_SHIFT), apic_id);
	return 0;
}
