// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dead-memory walkers on memory the input fills. A fixed core maps
 * physical 0 at the direct map (a 1 GiB page); the input becomes the
 * memory from DATA on, and each walker starts at its own place in it: a
 * list, an hlist, an rb-tree, an xarray, a maple tree, a dentry chain and
 * a string. Pointers into the data are DMAP + DATA + offset. Every walk
 * must end in a result or an error: no crash, no hang (libFuzzer's
 * time-out), no read outside what the core holds.
 */
#include "fuzz.h"

#include <elf.h>
#include <string.h>

#include "../../lib/deadfs.h"
#include "../../lib/deadkernel.h"

#define DMAP	0xffff888000000000ULL
#define KIMG	0xffffffff80000000ULL
#define DATA	0x3000ULL		/* after the PGD, PUD and notes pages */
#define MEMSZ	(DATA + 0x10000)	/* 64 KiB of input-made memory */

static const struct dk_layout layout = {
	.list_next = 0, .list_prev = 8, .hlist_first = 0, .hnode_next = 0,
	.xa_flags = 4, .xa_head = 8,
	.xn_shift = 0, .xn_offset = 1, .xn_parent = 8, .xn_slots = 40, .xn_marks = 552,
	.xa_chunk = 64, .xa_marks = 3, .mt_root = 8, .mt_flags = 16,
	.mr64_pivot = 8, .mr64_slot = 128, .mr64_end = 248, .mr64_slots = 16,
	.ma64_pivot = 8, .ma64_slot = 80, .ma64_end = 240, .ma64_slots = 10,
};

static const struct dk_fs_layout fs = {
	.d_parent = 0, .d_len = 8, .d_name = 16,
	.mnt_parent = 0, .mnt_mountpoint = 8, .mount_mnt = 16, .mnt_root = 0,
};

struct core {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[12];
	char info[256];
	unsigned char pad[4096 - sizeof(Elf64_Ehdr) - 2 * sizeof(Elf64_Phdr) -
			  sizeof(Elf64_Nhdr) - 12 - 256];
	unsigned char mem[MEMSZ];
};

static int count(struct dk *dk, uint64_t node, void *arg)
{
	(void)dk, (void)node;
	return ++*(unsigned long *)arg > 100000;
}

static int count_xa(struct dk *dk, uint64_t index, uint64_t entry, void *arg)
{
	(void)index, (void)entry;
	return count(dk, 0, arg);
}

static int count_mt(struct dk *dk, uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
	(void)first, (void)last, (void)entry;
	return count(dk, 0, arg);
}

static struct core *core_new(void)
{
	static struct core c;
	uint64_t *pgd = (uint64_t *)c.mem, *pud = (uint64_t *)(c.mem + 0x1000);
	int n;

	c.eh = (Elf64_Ehdr){ .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			     .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			     .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
	memcpy(c.eh.e_ident, ELFMAG, SELFMAG);
	c.eh.e_ident[EI_CLASS] = ELFCLASS64;
	c.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	n = snprintf(c.info, sizeof(c.info),
		     "OSRELEASE=6.1.0-fuzz\nSYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=0\n"
		     "NUMBER(pgtable_l5_enabled)=0\n", KIMG);
	c.nh = (Elf64_Nhdr){ sizeof("VMCOREINFO"), n, 0 };
	memcpy(c.name, "VMCOREINFO", sizeof("VMCOREINFO"));
	c.ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(struct core, nh),
				.p_filesz = sizeof(c.nh) + sizeof(c.name) + sizeof(c.info) };
	c.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_paddr = 0,
				.p_offset = offsetof(struct core, mem), .p_filesz = MEMSZ };
	/* The direct map's PGD slot -> a PUD whose first entry maps 1 GiB at 0. */
	pgd[(DMAP >> 39) & 511] = 0x1000 | 0x63;
	pud[0] = 0 | 0xe3;
	return &c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct core *c;
	unsigned long n;
	struct dk *dk = NULL;
	const char *path;
	char err[512], buf[256];
	const uint64_t d = DMAP + DATA;

	if (!c)
		c = core_new();
	if (len > MEMSZ - DATA)
		len = MEMSZ - DATA;
	memset(c->mem + DATA, 0, MEMSZ - DATA);
	memcpy(c->mem + DATA, data, len);
	path = fuzz_file(c, sizeof(*c));
	if (!path || dk_open_layout(&dk, path, &layout, err, sizeof(err)))
		__builtin_trap();	/* the fixed part is a valid core */
	n = 0, dk_list_walk(dk, d + 0x000, count, &n);
	n = 0, dk_hlist_walk(dk, d + 0x010, count, &n);
	n = 0, dk_rb_walk(dk, d + 0x020, 16, 8, count, &n);
	n = 0, dk_xa_walk(dk, d + 0x030, 7, count_xa, &n);
	n = 0, dk_xa_walk(dk, d + 0x030, 0, count_xa, &n);
	n = 0, dk_mt_walk(dk, d + 0x040, count_mt, &n);
	dk_dentry_path(dk, &fs, 0, d + 0x060, buf, sizeof(buf));
	dk_dentry_path(dk, &fs, d + 0x080, d + 0x060, buf, sizeof(buf));
	dk_read_str(dk, d + 0x0a0, buf, 32);
	dk_close(dk);
	return 0;
}
