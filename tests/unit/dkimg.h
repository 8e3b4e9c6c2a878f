/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synthetic dead-kernel images for the libdeadkernel unit tests: 8 MiB of
 * "physical memory" written as an ELF core in two segments with a
 * VMCOREINFO note, x86-64 page tables (the direct map at DMAP, a few
 * vmalloc pages at VMAL), and BTF, made with libbpf, of the structures
 * dk_open() itself reads, for a test to add its own to.
 */
#ifndef ORTHROS_DKIMG_H
#define ORTHROS_DKIMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/deadkernel.h"

#define MEM		(8ULL << 20)
#define DMAP		0xffff888000000000ULL
#define VMAL		0xffffc90000000000ULL
#define KIMG		0xffffffff80000000ULL
#define PHYS_BASE	0x100000ULL

struct img {
	unsigned char *mem;
	uint64_t next, pgd;
	char info[2048];
	char path[64];
};

/* The direct-map address of physical pa. */
static inline uint64_t DM(uint64_t pa)
{
	return DMAP + pa;
}

/* The image's memory at physical pa, as 64-bit words. */
static inline uint64_t *P(struct img *m, uint64_t pa)
{
	return (uint64_t *)(m->mem + pa);
}

/* Zeroed physical memory of len bytes, aligned. */
uint64_t alloc(struct img *m, uint64_t len, uint64_t align);
/* The entry for va at level (3 = PGD ... 0 = PTE), making tables above it. */
uint64_t *pt_entry(struct img *m, uint64_t va, int stop);
/* Map va to pa at a level: 2 = 1 GiB, 1 = 2 MiB, 0 = 4 KiB; NX set. */
void map(struct img *m, uint64_t va, uint64_t pa, int level);
/* Page tables and VMCOREINFO; extra is appended to VMCOREINFO. */
void img_init(struct img *m, const char *extra);
/*
 * The core, in place of an earlier one: a VMCOREINFO note (unless note is
 * false), two PT_LOADs.
 */
void img_write(struct img *m, bool note);
void img_free(struct img *m);
/* A temporary file (path: 64 bytes) holding data; returns path. */
const char *write_file(char *path, const void *data, size_t len);

/* Type ids in dkimg_btf()'s BTF, for a test's own structures. */
struct dkimg_types {
	int u8, u32, u64, vp;
	int list_head, hlist_head, hlist_node;
};

struct btf;
/* BTF of the structures dk_open() reads, shaped like 6.1's; t may be NULL. */
struct btf *dkimg_btf(struct dkimg_types *t);
/* Write the BTF to a temporary file (path: 64 bytes) and free it. */
const char *dkimg_btf_write(struct btf *b, char *path);

/* VMCOREINFO that agrees with dkimg_btf() given SIZE(page) (64). */
#define BTF_INFO "SIZE(page)=%d\nSIZE(list_head)=16\nSIZE(pglist_data)=128\nSIZE(zone)=256\n" \
	"OFFSET(page.flags)=0\nOFFSET(page.mapping)=24\nOFFSET(list_head.next)=0\n" \
	"OFFSET(list_head.prev)=8\nOFFSET(zone.free_area)=64\nSYMBOL(init_uts_ns)=ffffffff82000100\n"

/* Write the image and dk_open() it with BTF and symbols files; NULL if not. */
struct dk *img_open_btf(struct img *m, const char *btf, const char *syms);

/* call fails with a dk_error() that contains text (dk in scope). */
#define CHECK_ERR(call, text)						\
	do {								\
		CHECK((call) < 0);					\
		CHECK(strstr(dk_error(dk), text) != NULL);		\
	} while (0)

#endif
