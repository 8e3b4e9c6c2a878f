/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libbzimage: an x86 bzImage and the boot_params that start it in an
 * Orthros slot by the 64-bit boot protocol (Documentation/x86/boot.rst).
 */
#ifndef ORTHROS_LIB_BZIMAGE_H
#define ORTHROS_LIB_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/orthros/partition.h>

#define BOOT_PARAMS_SIZE	4096
#define BOOT_CMDLINE_MAX	4096

struct bzimage {
	const unsigned char *data;
	size_t size;
	uint16_t version;		/* boot protocol, e.g. 0x020f */
	uint32_t kernel_alignment;
	uint32_t init_size;		/* memory the kernel needs from its load address */
	size_t pm_offset, pm_size;	/* the protected-mode kernel in the file */
};

/* Where the pieces go in the slot. */
struct boot_layout {
	uint64_t load;			/* protected-mode kernel */
	uint64_t entry;			/* 64-bit entry: load + 0x200 */
	uint64_t boot_params;
	uint64_t cmdline;
};

/* Check that data is a relocatable 64-bit bzImage. 0, or -1 with err. */
int bzimage_parse(const void *data, size_t size, struct bzimage *bz,
		  char *err, size_t errlen);

/*
 * Lay the kernel out in slot `slot` of p and fill bp (BOOT_PARAMS_SIZE
 * bytes) with its setup header, the command line address and an e820 map
 * of its low chunk and slot (RAM) and the shared memory (reserved).
 */
int bzimage_boot_params(const struct bzimage *bz, const struct orthros_partition *p,
			unsigned int slot, size_t cmdline_len, unsigned char *bp,
			struct boot_layout *lay, char *err, size_t errlen);

#endif
