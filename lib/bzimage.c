// SPDX-License-Identifier: GPL-2.0-only
/*
 * libbzimage. Field offsets are those of the x86 boot protocol
 * (Documentation/x86/boot.rst, "The real-mode kernel header" and
 * "zero page"); they are an ABI and do not move.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/orthros/loader.h>

#include "errf.h"
#include "bzimage.h"

#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP_END		0x201	/* the header ends at 0x202 + this byte */
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_CMD_LINE_PTR	0x228
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_INIT_SIZE		0x260
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define E820_ENTRY_SIZE		20
#define E820_RAM		1
#define E820_RESERVED		2
#define XLF_KERNEL_64		(1 << 0)
#define ENTRY_64		0x200

/* Where boot_params and the command line go in the slot's low chunk. */
#define LOW_BOOT_PARAMS		ORTHROS_LOW_RESERVED
#define LOW_CMDLINE		(LOW_BOOT_PARAMS + BOOT_PARAMS_SIZE)

static uint16_t get16(const unsigned char *p, size_t off)
{
	return p[off] | p[off + 1] << 8;
}

static uint32_t get32(const unsigned char *p, size_t off)
{
	return get16(p, off) | (uint32_t)get16(p, off + 2) << 16;
}

static void put32(unsigned char *p, size_t off, uint32_t v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
	p[off + 2] = v >> 16;
	p[off + 3] = v >> 24;
}

static void put64(unsigned char *p, size_t off, uint64_t v)
{
	put32(p, off, v);
	put32(p, off + 4, v >> 32);
}

int bzimage_parse(const void *data, size_t size, struct bzimage *bz,
		  char *err, size_t errlen)
{
	const unsigned char *d = data;
	unsigned int setup_sects;

	memset(bz, 0, sizeof(*bz));
	if (size < 0x300 || get16(d, HDR_BOOT_FLAG) != 0xaa55 ||
	    memcmp(d + HDR_MAGIC, "HdrS", 4))
		return errf(err, errlen, "not a Linux kernel image (no bzImage header)");
	bz->version = get16(d, HDR_VERSION);
	if (bz->version < 0x020c)
		return errf(err, errlen, "boot protocol %u.%02u is too old (need 2.12)",
			    bz->version >> 8, bz->version & 0xff);
	if (!(get16(d, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return errf(err, errlen, "the kernel has no 64-bit entry point");
	if (!d[HDR_RELOCATABLE])
		return errf(err, errlen, "the kernel is not relocatable (CONFIG_RELOCATABLE)");
	setup_sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : 4;
	bz->pm_offset = (size_t)(setup_sects + 1) * 512;
	if (bz->pm_offset + ENTRY_64 >= size)
		return errf(err, errlen, "truncated kernel image");
	bz->pm_size = size - bz->pm_offset;
	bz->kernel_alignment = get32(d, HDR_KERNEL_ALIGNMENT);
	if (!bz->kernel_alignment || (bz->kernel_alignment & (bz->kernel_alignment - 1)))
		return errf(err, errlen, "bad kernel_alignment %#x", bz->kernel_alignment);
	bz->init_size = get32(d, HDR_INIT_SIZE);
	if (bz->init_size < bz->pm_size)
		return errf(err, errlen, "bad init_size %#x", bz->init_size);
	bz->data = d;
	bz->size = size;
	return 0;
}

static const struct orthros_range *find(const struct orthros_partition *p,
					unsigned int kind, unsigned int slot)
{
	unsigned int i;

	for (i = 0; i < p->nr_ranges; i++)
		if (p->ranges[i].kind == kind && p->ranges[i].slot == slot)
			return &p->ranges[i];
	return NULL;
}

static void add_e820(unsigned char *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	size_t off = BP_E820_TABLE + bp[BP_E820_ENTRIES] * E820_ENTRY_SIZE;

	put64(bp, off, addr);
	put64(bp, off + 8, size);
	put32(bp, off + 16, type);
	bp[BP_E820_ENTRIES]++;
}

int bzimage_boot_params(const struct bzimage *bz, const struct orthros_partition *p,
			unsigned int slot, size_t cmdline_len, unsigned char *bp,
			struct boot_layout *lay, char *err, size_t errlen)
{
	const struct orthros_range *s = find(p, ORTHROS_MEM_SLOT, slot);
	const struct orthros_range *low = find(p, ORTHROS_MEM_SLOT_LOW, slot);
	const struct orthros_range *shared = find(p, ORTHROS_MEM_SHARED, 0);
	const struct orthros_range *map[3];
	size_t hdr_end;
	int i, j;
	uint64_t align = bz->kernel_alignment;

	if (!s || !low || !shared)
		return errf(err, errlen, "slot %u is not in the partition description", slot);
	if (cmdline_len + 1 > BOOT_CMDLINE_MAX ||
	    cmdline_len + 1 > get32(bz->data, HDR_CMDLINE_SIZE) + 1)
		return errf(err, errlen, "command line of %zu bytes is too long", cmdline_len);
	if (LOW_CMDLINE + BOOT_CMDLINE_MAX > low->size)
		return errf(err, errlen, "the low chunk of slot %u is too small", slot);
	lay->load = (s->start + align - 1) & ~(align - 1);
	if (lay->load + bz->init_size > s->start + s->size)
		return errf(err, errlen,
			    "slot %u [%#" PRIx64 "-%#" PRIx64 ") is too small for this kernel (it needs %u MiB from a %u KiB boundary)",
			    slot, (uint64_t)s->start, (uint64_t)(s->start + s->size),
			    bz->init_size >> 20, bz->kernel_alignment >> 10);
	lay->entry = lay->load + ENTRY_64;
	lay->boot_params = low->start + LOW_BOOT_PARAMS;
	lay->cmdline = low->start + LOW_CMDLINE;

	memset(bp, 0, BOOT_PARAMS_SIZE);
	hdr_end = 0x202 + bz->data[HDR_JUMP_END];
	if (hdr_end > BOOT_PARAMS_SIZE || hdr_end > bz->pm_offset)
		return errf(err, errlen, "bad setup header length");
	memcpy(bp + HDR_SETUP_SECTS, bz->data + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = 0xff;		/* undefined loader */
	put32(bp, HDR_CMD_LINE_PTR, (uint32_t)lay->cmdline);
	put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(lay->cmdline >> 32));

	/* Its own memory only, in address order. */
	map[0] = low;
	map[1] = s;
	map[2] = shared;
	for (i = 1; i < 3; i++)
		for (j = i; j > 0 && map[j]->start < map[j - 1]->start; j--) {
			const struct orthros_range *t = map[j];

			map[j] = map[j - 1];
			map[j - 1] = t;
		}
	for (i = 0; i < 3; i++)
		add_e820(bp, map[i]->start, map[i]->size,
			 map[i] == shared ? E820_RESERVED : E820_RAM);
	return 0;
}
