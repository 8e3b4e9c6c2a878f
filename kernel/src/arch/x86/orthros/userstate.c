// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros: a CPU that stops for good (panic, kdump, stop NMI) leaves the
 * user state of the task it ran in memory, where a surviving kernel reads
 * it to re-create the process. Registers are already in the task's pt_regs
 * (kernel entry saved them); the FPU registers and the FS base are not.
 */
#include <linux/orthros.h>
#include <linux/sched.h>
#include <asm/fpu/sched.h>
#include <asm/fsgsbase.h>

void orthros_save_user_state(void)
{
	struct task_struct *t = current;

	if (!t->mm || (t->flags & PF_KTHREAD))
		return;
	/* Live in the registers unless the kernel already saved them. */
	if (!test_thread_flag(TIF_NEED_FPU_LOAD))
		save_fpregs_to_fpstate(&t->thread.fpu);
	/* User space may have moved it with WRFSBASE behind the kernel's back. */
	t->thread.fsbase = x86_fsbase_read_cpu();
}
