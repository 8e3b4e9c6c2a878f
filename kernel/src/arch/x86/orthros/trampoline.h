/* SPDX-License-Identifier: GPL-2.0-only */
/* The AP trampoline (trampoline.S) and where the loader patches it. */
#ifndef _ARCH_X86_ORTHROS_TRAMPOLINE_H
#define _ARCH_X86_ORTHROS_TRAMPOLINE_H

#include <linux/types.h>

struct orthros_trampoline_offsets {
	u32 pm, lm, gdt, gdt_desc, pm_jump, lm_jump, cr3, entry, boot_params, size;
};

extern const u8 orthros_trampoline[];
extern const struct orthros_trampoline_offsets orthros_trampoline_offsets;

#endif /* _ARCH_X86_ORTHROS_TRAMPOLINE_H */
