// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "../../lib/bzimage.h"
#include "../../lib/partition.h"

#define IMG_SIZE (64 * 1024)

static unsigned char img[IMG_SIZE];

static void put16(unsigned char *p, size_t off, unsigned int v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
}

static void put32(unsigned char *p, size_t off, uint32_t v)
{
	put16(p, off, v);
	put16(p, off + 2, v >> 16);
}

static uint64_t get64(const unsigned char *p, size_t off)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[off + i];
	return v;
}

/* A minimal image with a 2.15 boot protocol header and 4 setup sectors. */
static void make_image(void)
{
	memset(img, 0x90, sizeof(img));
	img[0x1f1] = 4;				/* setup_sects */
	put16(img, 0x1fe, 0xaa55);
	img[0x201] = 0x66;			/* header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	put16(img, 0x206, 0x020f);
	img[0x210] = 0;
	put32(img, 0x230, 0x200000);		/* kernel_alignment 2 MiB */
	img[0x234] = 1;				/* relocatable */
	put16(img, 0x236, 1);			/* XLF_KERNEL_64 */
	put32(img, 0x238, 2047);		/* cmdline_size */
	put32(img, 0x260, 48 << 20);		/* init_size 48 MiB */
}

static const char lab[] =
	"orthros-partition 1\ncpu 0 bsp\ncpu 1\ncpu 3 backup\n"
	"first-only 0 0x60000\nfirst-only 0x90000 0x7f70000\n"
	"slot 1 0x08000000 256M low 0x60000 64K\n"
	"slot 2 0x18100000 255M low 0x70000 64K\n"
	"slot 3 0x28000000 128M low 0x80000 64K\n"
	"general 0x38000000 1G\nshared 0x78000000 2M\n";

TEST(bzimage_accepts_a_relocatable_64bit_kernel)
{
	struct bzimage bz;
	char err[256];

	make_image();
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == 0);
	CHECK(bz.pm_offset == 5 * 512);
	CHECK(bz.pm_size == IMG_SIZE - 5 * 512);
	CHECK(bz.version == 0x020f);
	CHECK(bz.init_size == 48 << 20);
}

TEST(bzimage_refuses_what_it_cannot_boot)
{
	struct bzimage bz;
	char err[256];

	make_image();
	img[0x202] = 'X';
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a Linux kernel image") != NULL);
	make_image();
	put16(img, 0x206, 0x020a);
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too old") != NULL);
	make_image();
	put16(img, 0x236, 0);
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == -1);
	CHECK(strstr(err, "64-bit entry") != NULL);
	make_image();
	img[0x234] = 0;
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not relocatable") != NULL);
	CHECK(bzimage_parse(img, 100, &bz, err, sizeof(err)) == -1);
}

TEST(bzimage_boot_params_lay_the_kernel_out_in_its_slot)
{
	struct orthros_partition p;
	struct boot_layout lay;
	struct bzimage bz;
	unsigned char bp[BOOT_PARAMS_SIZE];
	char err[256];

	make_image();
	CHECK(orthros_partition_parse(lab, "t", &p, err, sizeof(err)) == 0);
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == 0);
	CHECK(bzimage_boot_params(&bz, &p, 1, 100, bp, &lay, err, sizeof(err)) == 0);
	CHECK(lay.load == 0x08000000 && lay.entry == 0x08000200);
	CHECK(lay.boot_params == 0x67000 && lay.cmdline == 0x68000);
	CHECK(bp[0x210] == 0xff);				/* type_of_loader */
	CHECK(bp[0x1f1] == 4 && bp[0x202] == 'H');		/* header copied */
	CHECK(bp[0x228] == 0x00 && bp[0x229] == 0x80 && bp[0x22a] == 0x06);
	CHECK(bp[0x1e8] == 3);					/* e820 entries */
	CHECK(get64(bp, 0x2d0) == 0x60000 && get64(bp, 0x2d8) == 0x10000);
	CHECK(bp[0x2d0 + 16] == 1);				/* RAM */
	CHECK(get64(bp, 0x2d0 + 20) == 0x08000000);
	CHECK(get64(bp, 0x2d0 + 40) == 0x78000000 && bp[0x2d0 + 56] == 2);
	/* Slot 2 starts off a 2 MiB boundary: the kernel goes to the next one. */
	CHECK(bzimage_boot_params(&bz, &p, 2, 100, bp, &lay, err, sizeof(err)) == 0);
	CHECK(lay.load == 0x18200000);
}

TEST(bzimage_boot_params_refuse_small_slot_and_long_cmdline)
{
	struct orthros_partition p;
	struct boot_layout lay;
	struct bzimage bz;
	unsigned char bp[BOOT_PARAMS_SIZE];
	char err[256];

	make_image();
	put32(img, 0x260, 200 << 20);		/* needs 200 MiB */
	CHECK(orthros_partition_parse(lab, "t", &p, err, sizeof(err)) == 0);
	CHECK(bzimage_parse(img, sizeof(img), &bz, err, sizeof(err)) == 0);
	CHECK(bzimage_boot_params(&bz, &p, 3, 100, bp, &lay, err, sizeof(err)) == -1);
	CHECK(strstr(err, "slot 3 [0x28000000-0x30000000) is too small") != NULL);
	CHECK(bzimage_boot_params(&bz, &p, 1, 3000, bp, &lay, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too long") != NULL);
}
