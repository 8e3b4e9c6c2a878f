// SPDX-License-Identifier: GPL-2.0-only
/*
 * Synthetic dead-kernel images (dkimg.h): the memory, page tables, ELF core
 * and BTF that the libdeadkernel unit tests build their kernels in.
 */
#include <elf.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "unit.h"
#include "dkimg.h"

uint64_t alloc(struct img *m, uint64_t len, uint64_t align)
{
	uint64_t pa = (m->next + align - 1) & ~(align - 1);

	m->next = pa + len;
	memset(m->mem + pa, 0, len);
	return pa;
}

uint64_t *pt_entry(struct img *m, uint64_t va, int stop)
{
	uint64_t table = m->pgd;
	int level;

	for (level = 3;; level--) {
		uint64_t *e = P(m, table + ((va >> (12 + 9 * level)) & 511) * 8);

		if (level == stop)
			return e;
		if (!(*e & 1))
			*e = alloc(m, 4096, 4096) | 0x63;
		table = *e & 0x000ffffffffff000ULL;
	}
}

void map(struct img *m, uint64_t va, uint64_t pa, int level)
{
	*pt_entry(m, va, level) = pa | 0x63 | (level ? 0x80 : 0) | (1ULL << 63);
}

void img_init(struct img *m, const char *extra)
{
	m->mem = calloc(1, MEM);
	m->next = PHYS_BASE;
	m->pgd = alloc(m, 4096, 4096);
	m->path[0] = 0;
	snprintf(m->info, sizeof(m->info),
		 "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=%llx\n"
		 "NUMBER(phys_base)=%llu\nNUMBER(pgtable_l5_enabled)=0\n%s",
		 (unsigned long long)(KIMG + m->pgd - PHYS_BASE),
		 (unsigned long long)PHYS_BASE, extra ? extra : "");
	map(m, DMAP, 0, 2);
	map(m, VMAL, 0x300000, 0);
	map(m, VMAL + 0x1000, 0x2ff000, 0);
	map(m, VMAL + 0x200000, 0x400000, 1);
}

void img_write(struct img *m, bool note)
{
	size_t ilen = strlen(m->info), nlen = 12 + 12 + ((ilen + 3) & ~3u);
	uint64_t data = 4096 * 2, gap = 4096;
	Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 3 };
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_NOTE, .p_offset = 4096, .p_filesz = note ? nlen : 0 },
		{ .p_type = PT_LOAD, .p_paddr = 0, .p_offset = data, .p_filesz = MEM / 2 },
		{ .p_type = PT_LOAD, .p_paddr = MEM / 2, .p_offset = data + MEM / 2 + gap,
		  .p_filesz = MEM / 2 },
	};
	Elf64_Nhdr nh = { 11, ilen, 0 };
	int fd;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	if (m->path[0])
		unlink(m->path);	/* an earlier core of the image */
	strcpy(m->path, "/tmp/orthros-dk-XXXXXX");
	fd = mkstemp(m->path);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, &eh, sizeof(eh), 0) == sizeof(eh));
	CHECK(pwrite(fd, ph, sizeof(ph), sizeof(eh)) == sizeof(ph));
	CHECK(pwrite(fd, &nh, sizeof(nh), 4096) == sizeof(nh));
	CHECK(pwrite(fd, "VMCOREINFO\0\0", 12, 4096 + 12) == 12);
	CHECK(pwrite(fd, m->info, ilen, 4096 + 24) == (ssize_t)ilen);
	CHECK(pwrite(fd, m->mem, MEM / 2, data) == MEM / 2);
	CHECK(pwrite(fd, m->mem + MEM / 2, MEM / 2, data + MEM / 2 + gap) == MEM / 2);
	close(fd);
}

void img_free(struct img *m)
{
	unlink(m->path);
	free(m->mem);
}

const char *write_file(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/orthros-dk-XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
	close(fd);
	return path;
}

struct btf *dkimg_btf(struct dkimg_types *t)
{
	struct btf *b = btf__new_empty();
	int u8 = btf__add_int(b, "unsigned char", 1, 0);
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int u64 = btf__add_int(b, "long unsigned int", 8, 0);
	int vp = btf__add_ptr(b, 0);
	int slots64 = btf__add_array(b, u32, vp, 64);
	int mark1 = btf__add_array(b, u32, u64, 1);
	int marks3 = btf__add_array(b, u32, mark1, 3);
	int piv15 = btf__add_array(b, u32, u64, 15), slot16 = btf__add_array(b, u32, vp, 16);
	int pad15 = btf__add_array(b, u32, vp, 15);
	int piv9 = btf__add_array(b, u32, u64, 9), slot10 = btf__add_array(b, u32, vp, 10);
	int list_head, hlist_head, hlist_node, meta, marks_u, lock_u, pad_s, slot_u;

	list_head = btf__add_struct(b, "list_head", 16);
	btf__add_field(b, "next", vp, 0, 0);
	btf__add_field(b, "prev", vp, 64, 0);
	hlist_head = btf__add_struct(b, "hlist_head", 8);
	btf__add_field(b, "first", vp, 0, 0);
	hlist_node = btf__add_struct(b, "hlist_node", 16);
	btf__add_field(b, "next", vp, 0, 0);
	btf__add_field(b, "pprev", vp, 64, 0);
	btf__add_struct(b, "xarray", 16);
	btf__add_field(b, "xa_lock", u32, 0, 0);
	btf__add_field(b, "xa_flags", u32, 32, 0);
	btf__add_field(b, "xa_head", vp, 64, 0);
	marks_u = btf__add_union(b, NULL, 24);
	btf__add_field(b, "tags", marks3, 0, 0);
	btf__add_field(b, "marks", marks3, 0, 0);
	btf__add_struct(b, "xa_node", 576);
	btf__add_field(b, "shift", u8, 0, 0);
	btf__add_field(b, "offset", u8, 8, 0);
	btf__add_field(b, "parent", vp, 64, 0);
	btf__add_field(b, "slots", slots64, 320, 0);
	btf__add_field(b, NULL, marks_u, 4416, 0);
	lock_u = btf__add_union(b, NULL, 4);
	btf__add_field(b, "ma_lock", u32, 0, 0);
	btf__add_struct(b, "maple_tree", 24);
	btf__add_field(b, NULL, lock_u, 0, 0);
	btf__add_field(b, "ma_root", vp, 64, 0);
	btf__add_field(b, "ma_flags", u32, 128, 0);
	meta = btf__add_struct(b, "maple_metadata", 2);
	btf__add_field(b, "end", u8, 0, 0);
	btf__add_field(b, "gap", u8, 8, 0);
	pad_s = btf__add_struct(b, NULL, 128);
	btf__add_field(b, "pad", pad15, 0, 0);
	btf__add_field(b, "meta", meta, 960, 0);
	slot_u = btf__add_union(b, NULL, 128);
	btf__add_field(b, "slot", slot16, 0, 0);
	btf__add_field(b, NULL, pad_s, 0, 0);
	btf__add_struct(b, "maple_range_64", 256);
	btf__add_field(b, "parent", vp, 0, 0);
	btf__add_field(b, "pivot", piv15, 64, 0);
	btf__add_field(b, NULL, slot_u, 1024, 0);
	btf__add_struct(b, "maple_arange_64", 248);
	btf__add_field(b, "parent", vp, 0, 0);
	btf__add_field(b, "pivot", piv9, 64, 0);
	btf__add_field(b, "slot", slot10, 640, 0);
	btf__add_field(b, "meta", meta, 1920, 0);
	btf__add_struct(b, "page", 64);
	btf__add_field(b, "flags", u64, 0, 0);
	btf__add_field(b, "mapping", vp, 192, 0);
	btf__add_field(b, "bits", u32, 256, 3);
	btf__add_struct(b, "pglist_data", 128);
	btf__add_field(b, "node_id", u32, 0, 0);
	btf__add_struct(b, "zone", 256);
	btf__add_field(b, "free_area", u64, 512, 0);
	btf__add_enum(b, "pageflags", 4);
	btf__add_enum_value(b, "PG_locked", 0);
	btf__add_enum_value(b, "PG_dirty", 4);
	if (t)
		*t = (struct dkimg_types){ u8, u32, u64, vp, list_head, hlist_head, hlist_node };
	return b;
}

const char *dkimg_btf_write(struct btf *b, char *path)
{
	const void *raw;
	uint32_t size;

	raw = btf__raw_data(b, &size);
	write_file(path, raw, size);
	btf__free(b);
	return path;
}

struct dk *img_open_btf(struct img *m, const char *btf, const char *syms)
{
	struct dk_sources src = { m->path, btf, syms };
	struct dk *dk = NULL;
	char err[512];

	img_write(m, true);
	if (dk_open(&dk, &src, err, sizeof(err)))
		printf("  dk_open: %s\n", err);
	CHECK(dk != NULL);
	return dk;
}
