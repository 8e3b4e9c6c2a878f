/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orthros AP trampoline. The loader copies it to the first page of a
 * slot's low chunk (below 1 MiB) and starts the core there with
 * INIT-SIPI-SIPI. From real mode it enters protected mode, then long mode
 * with the loader's identity page tables, and jumps to the next kernel by
 * the 64-bit boot protocol (Documentation/x86/boot.rst): CS = __BOOT_CS
 * (0x10), data segments __BOOT_DS (0x18), %rsi = boot_params.
 *
 * It is data here: never run in place, only copied. %ebx holds the
 * physical address of the copy throughout; the loader patches the absolute
 * fields listed in orthros_trampoline_offsets.
 */
#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

	.section ".rodata", "a"
	.balign	16
SYM_DATA_START(orthros_trampoline)
	.code16
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx
	lgdtl	(tr_gdt_desc - orthros_trampoline)
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*(tr_pm_jump - orthros_trampoline)

	.code32
tr_pm:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	(tr_cr3 - orthros_trampoline)(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	*(tr_lm_jump - orthros_trampoline)(%ebx)

	.code64
tr_lm:
	movl	%ebx, %ebx
	movq	(tr_boot_params - orthros_trampoline)(%rbx), %rsi
	movq	(tr_entry - orthros_trampoline)(%rbx), %rax
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	jmpq	*%rax

	.balign	8
tr_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad	0x00af9a000000ffff	/* 0x10: 64-bit code, __BOOT_CS */
	.quad	0x00cf92000000ffff	/* 0x18: data, __BOOT_DS */
tr_gdt_end:
tr_gdt_desc:
	.word	tr_gdt_end - tr_gdt - 1
	.long	0			/* patched: address of tr_gdt */
tr_pm_jump:
	.long	0			/* patched: address of tr_pm */
	.word	0x08
tr_lm_jump:
	.long	0			/* patched: address of tr_lm */
	.word	0x10
	.balign	8
tr_cr3:
	.quad	0			/* patched: identity PML4 */
tr_entry:
	.quad	0			/* patched: 64-bit entry of the kernel */
tr_boot_params:
	.quad	0			/* patched: its boot_params */
tr_end:
SYM_DATA_END(orthros_trampoline)

/* Where the loader patches (struct orthros_trampoline_offsets). */
	.balign	4
SYM_DATA_START(orthros_trampoline_offsets)
	.long	tr_pm - orthros_trampoline
	.long	tr_lm - orthros_trampoline
	.long	tr_gdt - orthros_trampoline
	.long	tr_gdt_desc - orthros_trampoline
	.long	tr_pm_jump - orthros_trampoline
	.long	tr_lm_jump - orthros_trampoline
	.long	tr_cr3 - orthros_trampoline
	.long	tr_entry - orthros_trampoline
	.long	tr_boot_params - orthros_trampoline
	.long	tr_end - orthros_trampoline
SYM_DATA_END(orthros_trampoline_offsets)
