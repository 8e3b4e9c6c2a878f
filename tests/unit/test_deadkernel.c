// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadkernel on synthetic dead-kernel images (dkimg.h): an ELF core of
 * 8 MiB "physical memory" in two segments, x86-64 page tables with 1 GiB,
 * 2 MiB and 4 KiB mappings, lists, xarrays and maple trees laid out as the
 * kernel lays them out, BTF made with libbpf, and corrupted variants that
 * must be rejected with a message naming the fault.
 */
#include <elf.h>
#include <stddef.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "unit.h"
#include "dkimg.h"

/* The kernel's layouts on x86-64 (6.1), as BTF would give them. */
static const struct dk_layout kernel_layout = {
	.list_next = 0, .list_prev = 8, .hlist_first = 0, .hnode_next = 0,
	.xa_flags = 4, .xa_head = 8,
	.xn_shift = 0, .xn_offset = 1, .xn_parent = 8, .xn_slots = 40, .xn_marks = 552,
	.xa_chunk = 64, .xa_marks = 3,
	.mt_root = 8, .mt_flags = 16,
	.mr64_pivot = 8, .mr64_slot = 128, .mr64_end = 248, .mr64_slots = 16,
	.ma64_pivot = 8, .ma64_slot = 80, .ma64_end = 240, .ma64_slots = 10,
};

static struct dk *img_open(struct img *m)
{
	struct dk *dk = NULL;
	char err[512];

	img_write(m, true);
	if (dk_open_layout(&dk, m->path, &kernel_layout, err, sizeof(err)))
		printf("  dk_open_layout: %s\n", err);
	CHECK(dk != NULL);
	return dk;
}

TEST(dk_translates_through_the_dead_page_tables)
{
	struct img m;
	struct dk *dk;
	uint64_t pa, v;
	char buf[16];

	img_init(&m, NULL);
	memcpy(m.mem + 0x300ffc, "ABCD", 4);
	memcpy(m.mem + 0x2ff000, "EFGH", 4);
	memcpy(m.mem + 0x3ffffc, "wxyz0123", 8);
	/* A corrupt PMD entry: its page table lies outside memory. */
	*pt_entry(&m, VMAL + 0x600000, 1) = (2 * MEM) | 0x63;
	dk = img_open(&m);
	if (!dk)
		return;
	CHECK(dk_read(dk, VMAL + 0xffc, buf, 8) == 0 && !memcmp(buf, "ABCDEFGH", 8));
	CHECK(dk_virt_to_phys(dk, VMAL + 0x200123, &pa) == 0 && pa == 0x400123);
	CHECK(dk_virt_to_phys(dk, DM(0x123456), &pa) == 0 && pa == 0x123456);
	/* Across the two segments of the core. */
	CHECK(dk_read(dk, DM(0x3ffffc), buf, 8) == 0 && !memcmp(buf, "wxyz0123", 8));
	CHECK_ERR(dk_read(dk, VMAL + 0x5000, buf, 1), "not mapped (PTE entry not present)");
	CHECK_ERR(dk_read(dk, VMAL + 0x40000000, buf, 1), "not mapped (PUD");
	CHECK_ERR(dk_read(dk, 0x1000, buf, 1), "not a kernel address");
	CHECK_ERR(dk_read(dk, VMAL + 0x600000, buf, 1), "PTE table at physical 0x1000000 unreadable");
	CHECK_ERR(dk_read(dk, DM(MEM + 0x1000), buf, 1), "not in the dead kernel's memory");
	CHECK_STR(dk_info(dk, "OSRELEASE"), "6.1.0-test");
	CHECK(dk_info_u64(dk, "NUMBER(phys_base)", &v) == 0 && v == PHYS_BASE);
	CHECK_ERR(dk_info_u64(dk, "NUMBER(nothing)", &v), "VMCOREINFO has no NUMBER(nothing)");
	CHECK_ERR(dk_info_u64(dk, "OSRELEASE", &v), "is not a number");
	dk_close(dk);
	img_free(&m);
}

TEST(dk_rejects_what_is_not_a_dead_kernel)
{
	struct img m;
	struct dk *dk = NULL;
	char err[512];

	img_init(&m, NULL);
	img_write(&m, false);
	CHECK(dk_open_layout(&dk, m.path, &kernel_layout, err, sizeof(err)) < 0);
	CHECK(strstr(err, "no VMCOREINFO note") != NULL);
	CHECK(dk_open_layout(&dk, "/etc/hostname", &kernel_layout, err, sizeof(err)) < 0);
	CHECK(strstr(err, "not an x86-64 ELF core file") != NULL);
	CHECK(dk_open_layout(&dk, "/nonexistent/vmcore", &kernel_layout, err, sizeof(err)) < 0);
	CHECK(strstr(err, "No such file") != NULL);
	img_free(&m);
	/* Page tables outside the core. */
	img_init(&m, NULL);
	snprintf(m.info, sizeof(m.info), "SYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=%llu\n",
		 KIMG + (16ULL << 20), PHYS_BASE);
	img_write(&m, true);
	CHECK(dk_open_layout(&dk, m.path, &kernel_layout, err, sizeof(err)) < 0);
	CHECK(strstr(err, "is not in the core") != NULL);
	img_free(&m);
}

/*
 * A core whose one note claims n_descsz 0xffffffff: the rounded size once
 * wrapped to 0, the note "fitted", and 4 GiB were copied into malloc(0).
 */
TEST(dk_rejects_a_note_longer_than_its_segment)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[2];
		Elf64_Nhdr nh;
		char name[12], desc[16];
	} c = {
		.eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 },
		.nh = { sizeof("VMCOREINFO"), 0xffffffff, 0 },
		.name = "VMCOREINFO",
		.desc = "OSRELEASE=6.1\n",
	};
	uint32_t sizes[] = { 0xffffffff, 0xfffffffd, sizeof(c.desc) + 1 };
	struct dk *dk = NULL;
	char path[64], err[512];
	unsigned int i;

	memcpy(c.eh.e_ident, ELFMAG, SELFMAG);
	c.eh.e_ident[EI_CLASS] = ELFCLASS64;
	c.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	c.ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(typeof(c), nh),
				.p_filesz = sizeof(c.nh) + sizeof(c.name) + sizeof(c.desc) };
	c.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0, .p_filesz = sizeof(c) };
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		c.nh.n_descsz = sizes[i];
		write_file(path, &c, sizeof(c));
		CHECK(dk_open_layout(&dk, path, &kernel_layout, err, sizeof(err)) < 0);
		CHECK(strstr(err, "no VMCOREINFO note") != NULL);
		unlink(path);
	}
	c.nh.n_descsz = sizeof(c.desc);		/* the same note, well formed */
	write_file(path, &c, sizeof(c));
	CHECK(dk_open_layout(&dk, path, &kernel_layout, err, sizeof(err)) < 0);
	CHECK(strstr(err, "SYMBOL(init_top_pgt)") != NULL);
	unlink(path);
}

/* struct page <-> pfn with a MAX_PHYSMEM_BITS that once shifted by 68. */
TEST(dk_page_to_pfn_checks_the_vmcoreinfo_it_uses)
{
	uint64_t root, sec, pfn, vmemmap = DM(0x200000);
	char extra[256];
	struct img m;
	struct dk *dk;
	size_t len;

	img_init(&m, NULL);
	root = alloc(&m, 8, 8);
	sec = alloc(&m, 16, 8);
	P(&m, root)[0] = DM(sec);
	P(&m, sec)[0] = vmemmap;
	len = strlen(m.info);
	snprintf(extra, sizeof(extra), "SYMBOL(mem_section)=%llx\nOFFSET(mem_section.section_mem_map)=0\n"
		 "SIZE(page)=64\nNUMBER(MAX_PHYSMEM_BITS)=46\n", (unsigned long long)DM(root));
	snprintf(m.info + len, sizeof(m.info) - len, "%s", extra);
	dk = img_open(&m);
	CHECK(dk_page_to_pfn(dk, vmemmap + 64 * 5, &pfn) == 0 && pfn == 5);
	CHECK_ERR(dk_page_to_pfn(dk, vmemmap + 64 * 5 + 8, &pfn), "is not a struct page");
	dk_close(dk);
	strcpy(strstr(m.info, "BITS)=46"), "BITS)=80\n");
	dk = img_open(&m);
	CHECK_ERR(dk_page_to_pfn(dk, vmemmap + 64 * 5, &pfn), "MAX_PHYSMEM_BITS=80");
	dk_close(dk);
	img_free(&m);
}

/* ---- Lists ---- */

struct visits {
	int n;
	uint64_t item[16], first[16], last[16];
};

static int visit_node(struct dk *dk, uint64_t node, void *arg)
{
	struct visits *v = arg;

	(void)dk;
	if (v->n < 16)
		v->item[v->n] = node;
	v->n++;
	return 0;
}

/* A list_head ring of n nodes after head; returns the head's address. */
static uint64_t mklist(struct img *m, int n, uint64_t *node)
{
	uint64_t head = alloc(m, 16, 8), prev = head;
	int i;

	for (i = 0; i < n; i++) {
		node[i] = alloc(m, 64, 8);
		P(m, prev)[0] = DM(node[i]);
		P(m, node[i])[1] = DM(prev);
		prev = node[i];
	}
	P(m, prev)[0] = DM(head);
	P(m, head)[1] = DM(prev);
	return head;
}

TEST(dk_walks_lists_and_rejects_broken_ones)
{
	struct visits v = { 0 };
	uint64_t node[5], head, h, a, b, c;
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	head = mklist(&m, 5, node);
	dk = img_open(&m);
	CHECK(dk_list_walk(dk, DM(head), visit_node, &v) == 0);
	CHECK(v.n == 5 && v.item[0] == DM(node[0]) && v.item[4] == DM(node[4]));
	dk_close(dk);

	P(&m, node[2])[1] = DM(node[0]);	/* stray back pointer */
	dk = img_open(&m);
	CHECK_ERR(dk_list_walk(dk, DM(head), visit_node, &v), "prev is");
	dk_close(dk);

	P(&m, node[2])[1] = DM(node[1]);
	P(&m, node[3])[0] = 0x1234;		/* user address */
	dk = img_open(&m);
	CHECK_ERR(dk_list_walk(dk, DM(head), visit_node, &v), "bad pointer 0x1234");
	dk_close(dk);

	/* An hlist a -> b -> c -> a never ends. */
	h = alloc(&m, 8, 8), a = alloc(&m, 16, 8), b = alloc(&m, 16, 8), c = alloc(&m, 16, 8);
	P(&m, h)[0] = DM(a), P(&m, a)[0] = DM(b), P(&m, b)[0] = DM(c), P(&m, c)[0] = DM(a);
	dk = img_open(&m);
	v.n = 0;
	CHECK_ERR(dk_hlist_walk(dk, DM(h), visit_node, &v), "cycle");
	CHECK(v.n >= 3 && v.n < 10);
	dk_close(dk);
	P(&m, c)[0] = 0;
	dk = img_open(&m);
	v.n = 0;
	CHECK(dk_hlist_walk(dk, DM(h), visit_node, &v) == 0 && v.n == 3);
	dk_close(dk);
	img_free(&m);
}

/* ---- Red-black trees ---- */

/* rb_node: parent_color, right, left (the kernel's order). */
static uint64_t rb(struct img *m, uint64_t left, uint64_t right)
{
	uint64_t n = alloc(m, 24, 8);

	P(m, n)[1] = right ? DM(right) : 0;
	P(m, n)[2] = left ? DM(left) : 0;
	if (left)		/* the parent, black */
		P(m, left)[0] = DM(n) | 1;
	if (right)
		P(m, right)[0] = DM(n) | 1;
	return n;
}

TEST(dk_walks_rbtrees_in_order_and_rejects_cycles)
{
	struct visits v = { 0 };
	uint64_t root, a, b, c, d, e;
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	a = rb(&m, 0, 0), c = rb(&m, 0, 0), e = rb(&m, 0, 0);
	b = rb(&m, a, c), d = rb(&m, b, e);
	root = alloc(&m, 8, 8);
	P(&m, root)[0] = DM(d);
	dk = img_open(&m);
	CHECK(dk_rb_walk(dk, DM(root), 16, 8, visit_node, &v) == 0);
	CHECK(v.n == 5 && v.item[0] == DM(a) && v.item[1] == DM(b) && v.item[2] == DM(c) &&
	      v.item[3] == DM(d) && v.item[4] == DM(e));
	dk_close(dk);
	P(&m, a)[2] = DM(d);		/* a's left child is the root: an endless spine */
	dk = img_open(&m);
	CHECK_ERR(dk_rb_walk(dk, DM(root), 16, 8, visit_node, &v), "has parent");
	dk_close(dk);
	P(&m, a)[2] = 0;
	/* e's right pointer is e itself: once walked 2^24 times before a count stopped it. */
	P(&m, e)[1] = DM(e);
	v.n = 0;
	dk = img_open(&m);
	CHECK_ERR(dk_rb_walk(dk, DM(root), 16, 8, visit_node, &v), "has parent");
	CHECK(v.n <= 5);
	dk_close(dk);
	P(&m, e)[1] = 0;
	P(&m, b)[1] = DM(a);		/* b's left and right are both a */
	v.n = 0;
	dk = img_open(&m);
	CHECK_ERR(dk_rb_walk(dk, DM(root), 16, 8, visit_node, &v), "one child twice");
	dk_close(dk);
	img_free(&m);
}

/* ---- XArray ---- */

struct xa_seen {
	int n;
	uint64_t index[16], entry[16];
};

static int visit_xa(struct dk *dk, uint64_t index, uint64_t entry, void *arg)
{
	struct xa_seen *s = arg;

	(void)dk;
	if (s->n < 16) {
		s->index[s->n] = index;
		s->entry[s->n] = entry;
	}
	s->n++;
	return 0;
}

static uint64_t xa_node(struct img *m, unsigned int shift, unsigned int offset, uint64_t parent)
{
	uint64_t n = alloc(m, 576, 64);

	m->mem[n] = shift;
	m->mem[n + 1] = offset;
	P(m, n)[1] = parent ? DM(parent) : 0;
	return n;
}

static void xa_set(struct img *m, uint64_t node, unsigned int slot, uint64_t entry)
{
	P(m, node + 40)[slot] = entry;
}

static void xa_mark(struct img *m, uint64_t node, unsigned int mark, unsigned int slot)
{
	P(m, node + 552)[mark] |= 1ULL << slot;
}

TEST(dk_walks_xarrays_with_marks)
{
	uint64_t xa, root, c1, c2, e1 = DM(0x500000), e2 = DM(0x500040), e3 = DM(0x500080), e;
	struct xa_seen s = { 0 };
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	xa = alloc(&m, 16, 8);
	root = xa_node(&m, 6, 0, 0);
	c1 = xa_node(&m, 0, 0, root);
	c2 = xa_node(&m, 0, 1, root);
	P(&m, xa)[1] = DM(root) + 2;
	xa_set(&m, root, 0, DM(c1) + 2);
	xa_set(&m, root, 1, DM(c2) + 2);
	xa_set(&m, c1, 3, e1);
	xa_set(&m, c1, 5, 0x11);		/* a value entry */
	xa_set(&m, c1, 8, e2);
	xa_set(&m, c1, 9, (8 << 2) | 2);	/* sibling of slot 8 */
	xa_set(&m, c2, 6, e3);			/* index 70, marked 0 */
	xa_mark(&m, root, 0, 1);
	xa_mark(&m, c2, 0, 6);
	dk = img_open(&m);
	CHECK(dk_xa_walk(dk, DM(xa), 0, visit_xa, &s) == 0);
	CHECK(s.n == 4);
	CHECK(s.index[0] == 3 && s.entry[0] == e1);
	CHECK(s.index[1] == 5 && dk_xa_is_value(s.entry[1]));
	CHECK(s.index[2] == 8 && s.entry[2] == e2);
	CHECK(s.index[3] == 70 && s.entry[3] == e3);
	s.n = 0;
	CHECK(dk_xa_walk(dk, DM(xa), 1 << 0, visit_xa, &s) == 0);
	CHECK(s.n == 1 && s.index[0] == 70);
	s.n = 0;
	CHECK(dk_xa_walk(dk, DM(xa), 1 << 1, visit_xa, &s) == 0 && s.n == 0);
	/* One index, looked up from the root down. */
	CHECK(dk_xa_load(dk, DM(xa), 3, &e) == 0 && e == e1);
	CHECK(dk_xa_load(dk, DM(xa), 5, &e) == 0 && dk_xa_is_value(e));
	CHECK(dk_xa_load(dk, DM(xa), 9, &e) == 0 && e == e2);		/* its sibling slot */
	CHECK(dk_xa_load(dk, DM(xa), 70, &e) == 0 && e == e3);
	CHECK(dk_xa_load(dk, DM(xa), 71, &e) == 0 && e == 0);
	CHECK(dk_xa_load(dk, DM(xa), 200, &e) == 0 && e == 0);	/* no node there */
	CHECK(dk_xa_load(dk, DM(xa), 1ULL << 40, &e) == 0 && e == 0);	/* beyond the tree */
	dk_close(dk);

	/* A lone entry lives in the root itself. */
	P(&m, xa)[1] = e1;
	dk = img_open(&m);
	s.n = 0;
	CHECK(dk_xa_walk(dk, DM(xa), 1 << 0, visit_xa, &s) == 0);
	CHECK(s.n == 1 && s.index[0] == 0 && s.entry[0] == e1);
	CHECK(dk_xa_load(dk, DM(xa), 0, &e) == 0 && e == e1);
	CHECK(dk_xa_load(dk, DM(xa), 1, &e) == 0 && e == 0);
	dk_close(dk);
	img_free(&m);
}

TEST(dk_rejects_corrupt_xarrays)
{
	uint64_t xa, root, c1, e;
	struct xa_seen s = { 0 };
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	xa = alloc(&m, 16, 8);
	root = xa_node(&m, 6, 0, 0);
	c1 = xa_node(&m, 0, 0, root);
	P(&m, xa)[1] = DM(root) + 2;
	xa_set(&m, root, 0, DM(c1) + 2);
	xa_set(&m, c1, 1, DM(0x500000));

	P(&m, c1)[1] = DM(0x600000);		/* wrong parent */
	dk = img_open(&m);
	CHECK_ERR(dk_xa_walk(dk, DM(xa), 0, visit_xa, &s), "parent");
	CHECK_ERR(dk_xa_load(dk, DM(xa), 1, &e), "parent");
	dk_close(dk);
	P(&m, c1)[1] = DM(root);

	m.mem[c1] = 12;				/* wrong shift */
	dk = img_open(&m);
	CHECK_ERR(dk_xa_walk(dk, DM(xa), 0, visit_xa, &s), "has shift 12, expected 0");
	dk_close(dk);
	m.mem[c1] = 0;

	xa_set(&m, root, 2, DM(root) + 2);	/* a cycle back to the root */
	dk = img_open(&m);
	CHECK_ERR(dk_xa_walk(dk, DM(xa), 0, visit_xa, &s), "expected 0");
	CHECK_ERR(dk_xa_load(dk, DM(xa), 2 << 6, &e), "do not fit");
	dk_close(dk);
	xa_set(&m, root, 2, 0);

	xa_set(&m, c1, 2, DM(root) + 2);	/* a node below the leaves */
	dk = img_open(&m);
	CHECK_ERR(dk_xa_walk(dk, DM(xa), 0, visit_xa, &s), "node pointer in a leaf slot");
	dk_close(dk);
	xa_set(&m, c1, 2, 0);

	xa_set(&m, root, 3, VMAL + 0x7000 + 2);	/* a node that is not mapped */
	dk = img_open(&m);
	CHECK_ERR(dk_xa_walk(dk, DM(xa), 0, visit_xa, &s), "unreadable");
	dk_close(dk);
	img_free(&m);
}

/* ---- Maple tree ---- */

struct mt_seen {
	int n;
	uint64_t first[16], last[16], entry[16];
};

static int visit_mt(struct dk *dk, uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
	struct mt_seen *s = arg;

	(void)dk;
	if (s->n < 16) {
		s->first[s->n] = first;
		s->last[s->n] = last;
		s->entry[s->n] = entry;
	}
	s->n++;
	return 0;
}

enum { LEAF = 1, RANGE = 2, ARANGE = 3 };

/* A node of a type with pivots, slots and its data end; returns its enode. */
static uint64_t mt_node(struct img *m, int type, unsigned int end, const uint64_t *piv,
			const uint64_t *slot)
{
	uint64_t n = alloc(m, 256, 256);
	unsigned int npiv = type == ARANGE ? 9 : 15, soff = type == ARANGE ? 80 : 128, i;

	for (i = 0; i <= end; i++) {
		if (i < npiv)
			P(m, n + 8)[i] = piv[i];
		P(m, n + soff)[i] = slot[i];
	}
	m->mem[n + (type == ARANGE ? 240 : 248)] = end;
	return DM(n) | type << 3 | 4;
}

TEST(dk_walks_maple_trees_of_three_levels)
{
	uint64_t E1 = DM(0x500000), E2 = DM(0x500100), E3 = DM(0x500200), E4 = DM(0x500300);
	uint64_t a1, a2, b1, b2, a, b, root, mt, max = ~0ULL;
	struct mt_seen s = { 0 };
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	a1 = mt_node(&m, LEAF, 2, (uint64_t[]){ 0xfff, 0x1fff, 0x3fff }, (uint64_t[]){ 0, E1, 0 });
	a2 = mt_node(&m, LEAF, 1, (uint64_t[]){ 0x4fff, 0x7fff }, (uint64_t[]){ E2, 0 });
	b1 = mt_node(&m, LEAF, 0, (uint64_t[]){ 0x9fff }, (uint64_t[]){ E3 });
	b2 = mt_node(&m, LEAF, 1, (uint64_t[]){ 0xafff, max }, (uint64_t[]){ E4, 0 });
	a = mt_node(&m, RANGE, 1, (uint64_t[]){ 0x3fff, 0x7fff }, (uint64_t[]){ a1, a2 });
	b = mt_node(&m, RANGE, 1, (uint64_t[]){ 0x9fff, max }, (uint64_t[]){ b1, b2 });
	root = mt_node(&m, ARANGE, 1, (uint64_t[]){ 0x7fff, 0 }, (uint64_t[]){ a, b });
	mt = alloc(&m, 24, 8);
	P(&m, mt)[1] = root | 2;
	P(&m, mt)[2] = 3 << 2 | 1;		/* height 3, allocation tree */
	dk = img_open(&m);
	CHECK(dk_mt_walk(dk, DM(mt), visit_mt, &s) == 0);
	CHECK(s.n == 4);
	CHECK(s.first[0] == 0x1000 && s.last[0] == 0x1fff && s.entry[0] == E1);
	CHECK(s.first[1] == 0x4000 && s.last[1] == 0x4fff && s.entry[1] == E2);
	CHECK(s.first[2] == 0x8000 && s.last[2] == 0x9fff && s.entry[2] == E3);
	CHECK(s.first[3] == 0xa000 && s.last[3] == 0xafff && s.entry[3] == E4);
	dk_close(dk);

	/* The tree's height disagrees with its nodes. */
	P(&m, mt)[2] = 2 << 2 | 1;
	dk = img_open(&m);
	CHECK_ERR(dk_mt_walk(dk, DM(mt), visit_mt, &s), "of a tree of height 2");
	dk_close(dk);
	P(&m, mt)[2] = 3 << 2 | 1;

	/* A pivot outside the parent's range. */
	P(&m, (a1 & ~255ULL) - DMAP + 8)[1] = 0x9000;
	dk = img_open(&m);
	CHECK_ERR(dk_mt_walk(dk, DM(mt), visit_mt, &s), "outside [0x0, 0x3fff]");
	dk_close(dk);
	P(&m, (a1 & ~255ULL) - DMAP + 8)[1] = 0x1fff;

	/* A cycle: a child points back at the root. */
	P(&m, (b & ~255ULL) - DMAP + 128)[0] = root;
	dk = img_open(&m);
	CHECK_ERR(dk_mt_walk(dk, DM(mt), visit_mt, &s), "(inner) at depth 2");
	dk_close(dk);

	/* A node type that no tree of ranges has. */
	P(&m, (b & ~255ULL) - DMAP + 128)[0] = b1 & ~(15ULL << 3);
	dk = img_open(&m);
	CHECK_ERR(dk_mt_walk(dk, DM(mt), visit_mt, &s), "has type 0");
	dk_close(dk);

	/* One entry and no node: the root holds it for index 0. */
	P(&m, mt)[1] = E1;
	dk = img_open(&m);
	s.n = 0;
	CHECK(dk_mt_walk(dk, DM(mt), visit_mt, &s) == 0 && s.n == 1 && s.entry[0] == E1);
	dk_close(dk);
	img_free(&m);
}

/* ---- BTF and symbols ---- */

TEST(dk_open_takes_layouts_from_btf_and_checks_them)
{
	char btf[64], syms[64], info[512], err[512], text[256];
	struct dk_sources src = { NULL, btf, syms };
	const struct dk_layout *l;
	struct dk *dk = NULL;
	struct img m;
	uint64_t addr;
	uint32_t v, bits;
	int64_t e;

	dkimg_btf_write(dkimg_btf(NULL), btf);
	snprintf(text, sizeof(text), "ffffffff81000000 T _stext\nffffffff82000100 D init_uts_ns\n"
		 "ffffffff82000200 B super_blocks\nffffffffc0000000 t helper\t[mod]\n");
	write_file(syms, text, strlen(text));
	snprintf(info, sizeof(info), BTF_INFO, 64);
	img_init(&m, info);
	dk = img_open_btf(&m, btf, syms);
	if (dk) {
		l = dk_layout(dk);
		CHECK(l->list_prev == 8 && l->xa_flags == 4 && l->xa_head == 8);
		CHECK(l->xn_slots == 40 && l->xn_marks == 552);
		CHECK(l->xa_chunk == 64 && l->xa_marks == 3);
		CHECK(l->mt_root == 8 && l->mt_flags == 16);
		CHECK(l->mr64_slot == 128 && l->mr64_end == 248 && l->mr64_slots == 16);
		CHECK(l->ma64_slot == 80 && l->ma64_end == 240 && l->ma64_slots == 10);
		CHECK(memcmp(l, &kernel_layout, sizeof(*l)) == 0);
		CHECK(dk_enum(dk, "PG_dirty", &e) == 0 && e == 4);
		CHECK_ERR(dk_enum(dk, "PG_nothing", &e), "no enumerator PG_nothing");
		CHECK(dk_symbol(dk, "super_blocks", &addr) == 0 && addr == 0xffffffff82000200ULL);
		CHECK_ERR(dk_symbol(dk, "helper", &addr), "no symbol helper");
		CHECK_ERR(dk_offset(dk, "struct page", "bits", &v), "is a bit field");
		CHECK(dk_bitfield(dk, "struct page", "bits", &v, &bits) == 0 && v == 256 && bits == 3);
		CHECK_ERR(dk_bitfield(dk, "struct page", "flags", &v, &bits), "is not a bit field");
		CHECK_ERR(dk_offset(dk, "struct page", "lru", &v), "has no member lru");
		CHECK_ERR(dk_offset(dk, "struct inode", "i_size", &v), "BTF has no struct inode");
		CHECK(dk_array_len(dk, "struct maple_range_64", "pivot", &v) == 0 && v == 15);
		dk_close(dk);
	}
	img_free(&m);

	/* BTF of another build: struct page has another size there. */
	snprintf(info, sizeof(info), BTF_INFO, 80);
	img_init(&m, info);
	img_write(&m, true);
	src.core = m.path;
	CHECK(dk_open(&dk, &src, err, sizeof(err)) < 0);
	CHECK(strstr(err, "the BTF is not the dead kernel's: struct page is 64 bytes in it, 80 in VMCOREINFO") != NULL);
	img_free(&m);

	/* Symbols of another build. */
	snprintf(info, sizeof(info), BTF_INFO, 64);
	img_init(&m, info);
	img_write(&m, true);
	src.core = m.path;
	snprintf(text, sizeof(text), "ffffffff82000180 D init_uts_ns\n");
	unlink(syms);
	write_file(syms, text, strlen(text));
	CHECK(dk_open(&dk, &src, err, sizeof(err)) < 0);
	CHECK(strstr(err, "is not the dead kernel's: init_uts_ns is 0xffffffff82000180") != NULL);
	img_free(&m);
	unlink(btf);
	unlink(syms);
}

/*
 * Found by fuzz_symbols: a symbols file with no symbol line reached
 * qsort() with no array (undefined), and BTF that nests an anonymous union
 * in itself made the member search recurse until the stack ran out.
 */
TEST(dk_open_survives_empty_symbols_and_self_nesting_btf)
{
	char btf[64], syms[64], info[512], err[512];
	struct dk_sources src = { NULL, btf, syms };
	struct dkimg_types t;
	struct btf *b = dkimg_btf(&t);
	struct dk *dk = NULL;
	struct img m;
	uint32_t v;
	int self;

	self = btf__add_union(b, NULL, 8);
	btf__add_field(b, NULL, self, 0, 0);
	btf__add_struct(b, "loop", 8);
	btf__add_field(b, NULL, self, 0, 0);
	dkimg_btf_write(b, btf);
	write_file(syms, "\n", 1);
	snprintf(info, sizeof(info), BTF_INFO, 64);
	img_init(&m, info);
	img_write(&m, true);
	src.core = m.path;
	CHECK(dk_open(&dk, &src, err, sizeof(err)) < 0);
	CHECK(strstr(err, "shares no symbol with VMCOREINFO") != NULL);
	unlink(syms);
	write_file(syms, "ffffffff82000100 D init_uts_ns\n", 31);
	dk = img_open_btf(&m, btf, syms);
	if (dk) {
		CHECK_ERR(dk_offset(dk, "struct loop", "anything", &v), "has no member anything");
		dk_close(dk);
	}
	img_free(&m);
	unlink(btf);
	unlink(syms);
}

/* ---- Types from the caller (synthetic images, the fuzz harnesses) ---- */

static int t_member(void *arg, const char *type, const char *path, uint32_t *bit_off,
		    uint32_t *bits, uint32_t *nelems)
{
	(void)arg;
	if (strcmp(type, "struct t"))
		return -1;
	*bit_off = !strcmp(path, "b") ? 8 * 24 + 3 : 8 * 16;
	*bits = !strcmp(path, "b") ? 5 : 0;
	*nelems = !strcmp(path, "arr") ? 7 : 0;
	return 0;
}

static int t_size(void *arg, const char *type, uint32_t *size)
{
	(void)arg;
	*size = 40;
	return strcmp(type, "struct t") ? -1 : 0;
}

static int t_enum(void *arg, const char *name, int64_t *val)
{
	(void)arg;
	*val = 3;
	return strcmp(name, "E_THREE") ? -1 : 0;
}

static int t_symbol(void *arg, const char *name, uint64_t *addr)
{
	*addr = *(uint64_t *)arg;
	return strcmp(name, "sym") ? -1 : 0;
}

TEST(dk_takes_types_and_symbols_from_the_caller)
{
	uint64_t where = DM(0x1000), addr = 0;
	const struct dk_types t = { t_member, t_size, t_enum, t_symbol, &where };
	uint32_t off = 0, bits = 0, n = 0, size = 0;
	int64_t v = 0;
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	dk = img_open(&m);
	CHECK_ERR(dk_offset(dk, "struct t", "a", &off), "BTF");	/* none yet */
	dk_set_types(dk, &t);
	CHECK(dk_offset(dk, "struct t", "a", &off) == 0 && off == 16);
	CHECK_ERR(dk_offset(dk, "struct t", "b", &off), "bit field");
	CHECK(dk_bitfield(dk, "struct t", "b", &off, &bits) == 0 && off == 195 && bits == 5);
	CHECK(dk_array_len(dk, "struct t", "arr", &n) == 0 && n == 7);
	CHECK_ERR(dk_array_len(dk, "struct t", "a", &n), "not an array");
	CHECK(dk_sizeof(dk, "struct t", &size) == 0 && size == 40);
	CHECK_ERR(dk_sizeof(dk, "struct u", &size), "no size for struct u");
	CHECK(dk_enum(dk, "E_THREE", &v) == 0 && v == 3);
	CHECK_ERR(dk_enum(dk, "E_FOUR", &v), "no enumerator E_FOUR");
	CHECK(dk_symbol(dk, "sym", &addr) == 0 && addr == where);
	CHECK_ERR(dk_symbol(dk, "other", &addr), "no symbol other");
	CHECK_ERR(dk_offset(dk, "struct u", "a", &off), "no member struct u.a");
	dk_close(dk);
	img_free(&m);
}

static unsigned int fills;

static int fill_answer(struct dk *dk, void *layout)
{
	(void)dk;
	fills++;
	*(uint32_t *)layout = 42;
	return 0;
}

static int fill_fails(struct dk *dk, void *layout)
{
	(void)layout;
	fills++;
	return dk_fail(dk, "no such type");
}

/*
 * A reader's layout is made once per dead kernel and kept with it: a new
 * dead kernel (which may well be allocated where a closed one was) gets
 * its own; a fill that fails is not kept.
 */
TEST(dk_keeps_each_readers_layout_with_its_dead_kernel)
{
	const uint32_t *a, *b;
	struct img m;
	struct dk *dk;

	img_init(&m, NULL);
	dk = img_open(&m);
	if (!dk)
		return;
	fills = 0;
	a = dk_reader_layout(dk, fill_answer, sizeof(*a));
	b = dk_reader_layout(dk, fill_answer, sizeof(*b));
	CHECK(a && a == b && *a == 42 && fills == 1);
	CHECK(!dk_reader_layout(dk, fill_fails, 8) && !dk_reader_layout(dk, fill_fails, 8));
	CHECK(fills == 3 && strstr(dk_error(dk), "no such type"));
	dk_close(dk);
	dk = img_open(&m);
	if (!dk)
		return;
	CHECK(dk_reader_layout(dk, fill_answer, 4) && fills == 4);
	dk_close(dk);
	img_free(&m);
}
