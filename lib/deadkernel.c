// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadkernel: the ELF core view, VMCOREINFO, address translation through
 * the dead kernel's page tables, and layouts and symbols of its build.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "deadkernel.h"
#include "errf.h"

#define PAGE_SIZE	4096ULL
#define START_KERNEL_MAP 0xffffffff80000000ULL	/* x86-64 kernel image base */
#define PTE_PRESENT	0x1ULL
#define PTE_HUGE	0x80ULL
#define PTE_PROTNONE	0x100ULL	/* _PAGE_PROTNONE: the global bit, unused by user pages */
#define PTE_ADDR	0x000ffffffffff000ULL
#define TLB_SIZE	512
#define PCACHE_SIZE	64
#define DK_READERS	8	/* readers keeping a layout with a dk (dk_reader_layout) */
#define MAX_SEGMENTS	4096
#define MAX_NOTES	(16u << 20)

struct segment {
	uint64_t pa, size, offset;	/* physical start, bytes in file, file offset */
};

struct symbol {
	const char *name;
	uint64_t addr;
};

struct dk {
	int fd;
	struct segment *seg;
	unsigned int nseg;
	char *info;			/* VMCOREINFO text, NUL-terminated */
	uint64_t pgd, addr_mask;
	unsigned int levels;
	struct dk_layout layout;
	struct btf *btf;
	const struct dk_types *types;	/* in place of BTF and symbols */
	struct symbol *sym;
	size_t nsym;
	char *symtext;
	uint64_t vmemmap, page_size;	/* vmemmap base (0: not yet), sizeof(struct page) */
	struct { uint64_t vpn, pa; } tlb[TLB_SIZE];
	struct { uint64_t pfn; unsigned char *data; } pcache[PCACHE_SIZE];
	struct { dk_fill_fn fill; void *layout; } readers[DK_READERS];
	char err[512];
};

int dk_fail(struct dk *dk, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dk->err, sizeof(dk->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *dk_error(const struct dk *dk)
{
	return dk->err;
}

const struct dk_layout *dk_layout(const struct dk *dk)
{
	return &dk->layout;
}

const void *dk_reader_layout(struct dk *dk, dk_fill_fn fill, size_t size)
{
	unsigned int i;

	for (i = 0; i < DK_READERS && dk->readers[i].fill; i++)
		if (dk->readers[i].fill == fill)
			return dk->readers[i].layout;
	if (i == DK_READERS) {
		dk_fail(dk, "more than %u readers' layouts", DK_READERS);
		return NULL;
	}
	dk->readers[i].layout = calloc(1, size);
	if (!dk->readers[i].layout) {
		dk_fail(dk, "out of memory");
		return NULL;
	}
	if (fill(dk, dk->readers[i].layout)) {
		free(dk->readers[i].layout);
		dk->readers[i].layout = NULL;
		return NULL;
	}
	dk->readers[i].fill = fill;
	return dk->readers[i].layout;
}

bool dk_kernel_addr(uint64_t va)
{
	return va >= 0xffff800000000000ULL;
}

/* ---- The ELF core view ---- */

static int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

/* One ELF note, its name and descriptor inside the buffer it came from. */
struct note {
	uint32_t type, namesz, descsz;
	const unsigned char *name, *desc;
};

/*
 * The note at *off in p[0..len), moving *off past it; false at the end or
 * on a note that does not fit. The sizes are 32-bit words from the input:
 * they are rounded up in 64-bit arithmetic, so no n_descsz (0xffffffff
 * included) can wrap the bounds check.
 */
static bool next_note(const unsigned char *p, size_t len, size_t *off, struct note *n)
{
	Elf64_Nhdr h;
	uint64_t name, desc;

	if (*off > len || len - *off < sizeof(h))
		return false;
	memcpy(&h, p + *off, sizeof(h));	/* notes need not be aligned here */
	name = *off + sizeof(h);
	desc = name + (((uint64_t)h.n_namesz + 3) & ~3ULL);
	if (desc > len || h.n_descsz > len - desc)
		return false;
	n->type = h.n_type;
	n->namesz = h.n_namesz;
	n->descsz = h.n_descsz;
	n->name = p + name;
	n->desc = p + desc;
	*off = desc + (((uint64_t)h.n_descsz + 3) & ~3ULL);
	return true;
}

/* Find the VMCOREINFO note in a PT_NOTE segment's bytes. */
static char *find_vmcoreinfo(const unsigned char *p, size_t len)
{
	struct note n;
	size_t off = 0;

	while (next_note(p, len, &off, &n)) {
		if (n.namesz == sizeof("VMCOREINFO") &&
		    !memcmp(n.name, "VMCOREINFO", sizeof("VMCOREINFO"))) {
			char *s = malloc((size_t)n.descsz + 1);

			if (s) {
				memcpy(s, n.desc, n.descsz);
				s[n.descsz] = 0;
			}
			return s;
		}
	}
	return NULL;
}

static int open_core(struct dk *dk, const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned int i;

	dk->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dk->fd < 0)
		return dk_fail(dk, "%s: %s", path, strerror(errno));
	if (read_exact(dk->fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_CORE ||
	    eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(ph))
		return dk_fail(dk, "%s: not an x86-64 ELF core file", path);
	if (eh.e_phnum == 0 || eh.e_phnum > MAX_SEGMENTS)
		return dk_fail(dk, "%s: %u program headers", path, eh.e_phnum);
	dk->seg = calloc(eh.e_phnum, sizeof(*dk->seg));
	if (!dk->seg)
		return dk_fail(dk, "out of memory");
	for (i = 0; i < eh.e_phnum; i++) {
		if (read_exact(dk->fd, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * sizeof(ph)))
			return dk_fail(dk, "%s: cannot read program header %u", path, i);
		if (ph.p_type == PT_LOAD && ph.p_filesz) {
			struct segment *s = &dk->seg[dk->nseg++];

			s->pa = ph.p_paddr;
			s->size = ph.p_filesz;
			s->offset = ph.p_offset;
		} else if (ph.p_type == PT_NOTE && !dk->info) {
			unsigned char *notes;

			if (ph.p_filesz > MAX_NOTES)
				return dk_fail(dk, "%s: PT_NOTE of %llu bytes", path,
					       (unsigned long long)ph.p_filesz);
			notes = malloc(ph.p_filesz);
			if (!notes || read_exact(dk->fd, notes, ph.p_filesz, ph.p_offset)) {
				free(notes);
				return dk_fail(dk, "%s: cannot read its notes", path);
			}
			dk->info = find_vmcoreinfo(notes, ph.p_filesz);
			free(notes);
		}
	}
	if (!dk->nseg)
		return dk_fail(dk, "%s: no memory segments", path);
	if (!dk->info)
		return dk_fail(dk, "%s: no VMCOREINFO note", path);
	return 0;
}

/* ---- VMCOREINFO ---- */

const char *dk_info(const struct dk *dk, const char *key)
{
	size_t klen = strlen(key);
	const char *p = dk->info;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			static __thread char val[128];
			size_t n = strcspn(p + klen + 1, "\n");

			if (n >= sizeof(val))
				return NULL;
			memcpy(val, p + klen + 1, n);
			val[n] = 0;
			return val;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int dk_info_u64(struct dk *dk, const char *key, uint64_t *val)
{
	const char *s = dk_info(dk, key);
	int base = !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET") ? 16 : 10;
	char *end;

	if (!s)
		return dk_fail(dk, "VMCOREINFO has no %s", key);
	errno = 0;
	*val = strtoull(s, &end, base);
	if (errno || end == s || *end)
		return dk_fail(dk, "VMCOREINFO %s=%s is not a number", key, s);
	return 0;
}

/* ---- Physical memory ---- */

static const struct segment *find_segment(const struct dk *dk, uint64_t pa)
{
	unsigned int i;

	for (i = 0; i < dk->nseg; i++)
		if (pa >= dk->seg[i].pa && pa - dk->seg[i].pa < dk->seg[i].size)
			return &dk->seg[i];
	return NULL;
}

static int read_phys_direct(struct dk *dk, uint64_t pa, void *buf, size_t len)
{
	while (len) {
		const struct segment *s = find_segment(dk, pa);
		uint64_t n;

		if (!s)
			return dk_fail(dk, "physical address 0x%llx is not in the dead kernel's memory",
				       (unsigned long long)pa);
		n = s->size - (pa - s->pa);
		if (n > len)
			n = len;
		if (read_exact(dk->fd, buf, n, s->offset + (pa - s->pa)))
			return dk_fail(dk, "cannot read physical 0x%llx from the core",
				       (unsigned long long)pa);
		buf = (char *)buf + n;
		pa += n;
		len -= n;
	}
	return 0;
}

/* Small reads go through a cache of whole pages: structure walks reread. */
int dk_read_phys(struct dk *dk, uint64_t pa, void *buf, size_t len)
{
	uint64_t pfn = pa / PAGE_SIZE, off = pa % PAGE_SIZE;
	unsigned int slot = pfn % PCACHE_SIZE;

	if (len > PAGE_SIZE - off)
		return read_phys_direct(dk, pa, buf, len);
	if (!dk->pcache[slot].data || dk->pcache[slot].pfn != pfn) {
		if (!dk->pcache[slot].data) {
			dk->pcache[slot].data = malloc(PAGE_SIZE);
			if (!dk->pcache[slot].data)
				return dk_fail(dk, "out of memory");
		}
		dk->pcache[slot].pfn = ~0ULL;
		if (read_phys_direct(dk, pfn * PAGE_SIZE, dk->pcache[slot].data, PAGE_SIZE))
			return -1;
		dk->pcache[slot].pfn = pfn;
	}
	memcpy(buf, dk->pcache[slot].data + off, len);
	return 0;
}

/* ---- Virtual memory: the dead kernel's own page tables ---- */

static const char *const level_name[] = { "PTE", "PMD", "PUD", "P4D", "PGD" };

/*
 * Walk the page tables at root for va: 0 with *pa set, 1 if va is not
 * mapped (*where says at which level), -1 if a table cannot be read. In
 * user space a leaf that is not present but PROT_NONE still holds its page
 * (as pte_present() says).
 */
static int pt_walk(struct dk *dk, uint64_t root, uint64_t va, bool user, uint64_t *pa,
		   int *where)
{
	uint64_t table = root, e = 0;
	int level;

	for (level = dk->levels - 1; level >= 0; level--) {
		unsigned int shift = 12 + 9 * level;
		uint64_t idx = (va >> shift) & 511;
		bool leaf;

		if (dk_read_phys(dk, table + idx * 8, &e, 8))
			return dk_fail(dk, "0x%llx: %s table at physical 0x%llx unreadable",
				       (unsigned long long)va, level_name[level],
				       (unsigned long long)table);
		leaf = level == 0 || ((level == 1 || level == 2) && (e & PTE_HUGE));
		if (!(e & PTE_PRESENT) && !(user && leaf && (e & PTE_PROTNONE))) {
			*where = level;
			return 1;
		}
		if (leaf && level) {
			uint64_t size = 1ULL << shift;

			*pa = (e & dk->addr_mask & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & dk->addr_mask;
	}
	*pa = table | (va & (PAGE_SIZE - 1));
	return 0;
}

int dk_user_virt_to_phys(struct dk *dk, uint64_t pgd, uint64_t va, uint64_t *pa)
{
	uint64_t root;
	int where, r;

	if (dk_virt_to_phys(dk, pgd, &root))
		return -1;
	r = pt_walk(dk, root, va, true, pa, &where);
	return r;
}

int dk_virt_to_phys(struct dk *dk, uint64_t va, uint64_t *pa)
{
	uint64_t vpn = va / PAGE_SIZE;
	unsigned int slot = vpn % TLB_SIZE;
	int where, r;

	if (dk->tlb[slot].vpn == vpn + 1) {	/* +1: entry 0 is empty */
		*pa = dk->tlb[slot].pa + va % PAGE_SIZE;
		return 0;
	}
	if (!dk_kernel_addr(va))
		return dk_fail(dk, "0x%llx is not a kernel address", (unsigned long long)va);
	r = pt_walk(dk, dk->pgd, va, false, pa, &where);
	if (r > 0)
		return dk_fail(dk, "0x%llx is not mapped (%s entry not present)",
			       (unsigned long long)va, level_name[where]);
	if (r < 0)
		return -1;
	dk->tlb[slot].vpn = vpn + 1;
	dk->tlb[slot].pa = *pa & ~(PAGE_SIZE - 1);
	return 0;
}

int dk_read(struct dk *dk, uint64_t va, void *buf, size_t len)
{
	while (len) {
		uint64_t pa, n = PAGE_SIZE - va % PAGE_SIZE;

		if (n > len)
			n = len;
		if (dk_virt_to_phys(dk, va, &pa) || dk_read_phys(dk, pa, buf, n))
			return -1;
		buf = (char *)buf + n;
		va += n;
		len -= n;
	}
	return 0;
}

int dk_read_u64(struct dk *dk, uint64_t va, uint64_t *val)
{
	return dk_read(dk, va, val, sizeof(*val));
}

int dk_read_str(struct dk *dk, uint64_t va, char *buf, size_t max)
{
	size_t i;

	for (i = 0; i < max; i++) {
		if (dk_read(dk, va + i, buf + i, 1))
			return -1;
		if (!buf[i])
			return 0;
	}
	buf[max - 1] = 0;
	return dk_fail(dk, "string at 0x%llx longer than %zu bytes", (unsigned long long)va, max - 1);
}

static int setup_paging(struct dk *dk)
{
	uint64_t pgd, phys_base, l5 = 0, sme = 0;

	if (dk_info_u64(dk, "SYMBOL(init_top_pgt)", &pgd) ||
	    dk_info_u64(dk, "NUMBER(phys_base)", &phys_base))
		return -1;
	if (dk_info(dk, "NUMBER(pgtable_l5_enabled)") &&
	    dk_info_u64(dk, "NUMBER(pgtable_l5_enabled)", &l5))
		return -1;
	if (dk_info(dk, "NUMBER(sme_mask)") && dk_info_u64(dk, "NUMBER(sme_mask)", &sme))
		return -1;
	if (pgd < START_KERNEL_MAP)
		return dk_fail(dk, "init_top_pgt 0x%llx is outside the kernel image",
			       (unsigned long long)pgd);
	dk->pgd = pgd - START_KERNEL_MAP + phys_base;
	dk->levels = l5 ? 5 : 4;
	dk->addr_mask = PTE_ADDR & ~sme;
	if (!find_segment(dk, dk->pgd))
		return dk_fail(dk, "init_top_pgt (physical 0x%llx) is not in the core",
			       (unsigned long long)dk->pgd);
	return 0;
}

/* ---- BTF: layouts by name ---- */

static int btf_type(struct dk *dk, const char *type, int *id)
{
	int kind = BTF_KIND_TYPEDEF;
	const char *name = type;

	if (!dk->btf)
		return dk_fail(dk, "no BTF for %s", type);
	if (!strncmp(type, "struct ", 7)) {
		kind = BTF_KIND_STRUCT;
		name += 7;
	} else if (!strncmp(type, "union ", 6)) {
		kind = BTF_KIND_UNION;
		name += 6;
	}
	*id = btf__find_by_name_kind(dk->btf, name, kind);
	if (*id <= 0)
		return dk_fail(dk, "BTF has no %s", type);
	return 0;
}

/*
 * Find a member by name, looking into anonymous structs and unions, at
 * most 8 deep: the BTF is a file, and one that nests a struct in itself
 * must not recurse forever.
 */
static int btf_member(const struct btf *btf, int id, const char *name, size_t nlen,
		      uint32_t *bits, uint32_t *bitsize, int *mtype, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const struct btf_member *m;
	int i;

	if (depth > 8 || !t || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		uint32_t sub;

		if (mname && *mname) {
			if (strlen(mname) != nlen || strncmp(mname, name, nlen))
				continue;
			*bitsize = btf_member_bitfield_size(t, i);
			*bits = btf_member_bit_offset(t, i);
			*mtype = m->type;
			return 0;
		}
		if (!btf_member(btf, m->type, name, nlen, &sub, bitsize, mtype, depth + 1)) {
			*bits = btf_member_bit_offset(t, i) + sub;
			return 0;
		}
	}
	return -1;
}

/* The member at path: its bit offset, bit-field size (0: none), type. */
static int member_path(struct dk *dk, const char *type, const char *path,
		       uint32_t *bit_off, uint32_t *bitsize, int *mtype)
{
	const char *p = path;
	uint32_t total = 0, nelems;
	int id;

	if (dk->types) {
		*mtype = 0;
		if (dk->types->member(dk->types->arg, type, path, bit_off, bitsize, &nelems))
			return dk_fail(dk, "no member %s.%s", type, path);
		return 0;
	}
	if (btf_type(dk, type, &id))
		return -1;
	*bitsize = 0;
	while (*p) {
		size_t n = strcspn(p, ".");
		uint32_t bits;

		if (*bitsize || btf_member(dk->btf, id, p, n, &bits, bitsize, &id, 0))
			return dk_fail(dk, "BTF: %s has no member %s", type, path);
		total += bits;
		p += n + (p[n] == '.');
	}
	*bit_off = total;
	*mtype = id;
	return 0;
}

int dk_offset(struct dk *dk, const char *type, const char *path, uint32_t *off)
{
	uint32_t bits, bitsize;
	int mtype;

	if (member_path(dk, type, path, &bits, &bitsize, &mtype))
		return -1;
	if (bitsize)
		return dk_fail(dk, "%s.%s is a bit field", type, path);
	if (bits % 8)
		return dk_fail(dk, "BTF: %s.%s is not byte aligned", type, path);
	*off = bits / 8;
	return 0;
}

int dk_offsets(struct dk *dk, const struct dk_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (dk_offset(dk, f[i].type, f[i].path, f[i].off))
			return -1;
	return 0;
}

int dk_bitfield(struct dk *dk, const char *type, const char *path, uint32_t *bit_off,
		uint32_t *bits)
{
	int mtype;

	if (member_path(dk, type, path, bit_off, bits, &mtype))
		return -1;
	if (!*bits)
		return dk_fail(dk, "%s.%s is not a bit field", type, path);
	return 0;
}

int dk_sizeof(struct dk *dk, const char *type, uint32_t *size)
{
	int id, sz;

	if (dk->types)
		return dk->types->size(dk->types->arg, type, size) ?
		       dk_fail(dk, "no size for %s", type) : 0;
	if (btf_type(dk, type, &id))
		return -1;
	sz = btf__resolve_size(dk->btf, id);
	if (sz <= 0)
		return dk_fail(dk, "BTF: no size for %s", type);
	*size = sz;
	return 0;
}

int dk_array_len(struct dk *dk, const char *type, const char *path, uint32_t *n)
{
	const struct btf_type *t;
	uint32_t off, bitsize;
	int mtype;

	if (dk->types) {
		if (dk->types->member(dk->types->arg, type, path, &off, &bitsize, n) || !*n)
			return dk_fail(dk, "%s.%s is not an array", type, path);
		return 0;
	}
	if (member_path(dk, type, path, &off, &bitsize, &mtype))
		return -1;
	t = btf__type_by_id(dk->btf, btf__resolve_type(dk->btf, mtype));
	if (!t || !btf_is_array(t))
		return dk_fail(dk, "BTF: %s.%s is not an array", type, path);
	*n = btf_array(t)->nelems;
	return 0;
}

int dk_enum(struct dk *dk, const char *name, int64_t *val)
{
	unsigned int id, n = dk->btf ? btf__type_cnt(dk->btf) : 0;

	if (dk->types)
		return dk->types->enumerator(dk->types->arg, name, val) ?
		       dk_fail(dk, "no enumerator %s", name) : 0;
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(dk->btf, id);
		int i;

		if (!t || !btf_is_enum(t))
			continue;
		for (i = 0; i < btf_vlen(t); i++) {
			const struct btf_enum *e = btf_enum(t) + i;
			const char *ename = btf__name_by_offset(dk->btf, e->name_off);

			if (ename && !strcmp(ename, name)) {
				*val = e->val;
				return 0;
			}
		}
	}
	return dk_fail(dk, "BTF has no enumerator %s", name);
}

static int layout_from_btf(struct dk *dk)
{
	struct dk_layout *l = &dk->layout;
	uint32_t marks_len, longs;
	const struct dk_field f[] = {
		{ "struct list_head", "next", &l->list_next },
		{ "struct list_head", "prev", &l->list_prev },
		{ "struct hlist_head", "first", &l->hlist_first },
		{ "struct hlist_node", "next", &l->hnode_next },
		{ "struct xarray", "xa_flags", &l->xa_flags },
		{ "struct xarray", "xa_head", &l->xa_head },
		{ "struct xa_node", "shift", &l->xn_shift },
		{ "struct xa_node", "offset", &l->xn_offset },
		{ "struct xa_node", "parent", &l->xn_parent },
		{ "struct xa_node", "slots", &l->xn_slots },
		{ "struct xa_node", "marks", &l->xn_marks },
		{ "struct maple_tree", "ma_root", &l->mt_root },
		{ "struct maple_tree", "ma_flags", &l->mt_flags },
		{ "struct maple_range_64", "pivot", &l->mr64_pivot },
		{ "struct maple_range_64", "slot", &l->mr64_slot },
		{ "struct maple_range_64", "meta.end", &l->mr64_end },
		{ "struct maple_arange_64", "pivot", &l->ma64_pivot },
		{ "struct maple_arange_64", "slot", &l->ma64_slot },
		{ "struct maple_arange_64", "meta.end", &l->ma64_end },
	};

	if (dk_offsets(dk, f, DK_NFIELDS(f)))
		return -1;
	if (dk_array_len(dk, "struct xa_node", "slots", &l->xa_chunk) ||
	    dk_array_len(dk, "struct xa_node", "marks", &l->xa_marks) ||
	    dk_array_len(dk, "struct maple_range_64", "slot", &l->mr64_slots) ||
	    dk_array_len(dk, "struct maple_arange_64", "slot", &l->ma64_slots) ||
	    dk_sizeof(dk, "struct xa_node", &marks_len))
		return -1;
	longs = (l->xa_chunk + 63) / 64;
	if (l->xn_marks + l->xa_marks * longs * 8 > marks_len)
		return dk_fail(dk, "BTF: struct xa_node marks do not fit");
	return 0;
}

/* The BTF must describe the dead kernel: compare with what VMCOREINFO says. */
static int check_btf(struct dk *dk)
{
	static const char *const sizes[] = { "page", "list_head", "pglist_data", "zone" };
	static const char *const offsets[][2] = {
		{ "page", "flags" }, { "page", "mapping" }, { "list_head", "next" },
		{ "list_head", "prev" }, { "zone", "free_area" },
	};
	char key[80], type[64];
	uint64_t want;
	uint32_t got;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(key, sizeof(key), "SIZE(%s)", sizes[i]);
		snprintf(type, sizeof(type), "struct %s", sizes[i]);
		if (dk_info_u64(dk, key, &want) || dk_sizeof(dk, type, &got))
			return -1;
		if (want != got)
			return dk_fail(dk, "the BTF is not the dead kernel's: %s is %u bytes in it, %llu in VMCOREINFO",
				       type, got, (unsigned long long)want);
	}
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		snprintf(key, sizeof(key), "OFFSET(%s.%s)", offsets[i][0], offsets[i][1]);
		snprintf(type, sizeof(type), "struct %s", offsets[i][0]);
		if (dk_info_u64(dk, key, &want) || dk_offset(dk, type, offsets[i][1], &got))
			return -1;
		if (want != got)
			return dk_fail(dk, "the BTF is not the dead kernel's: %s.%s at %u in it, %llu in VMCOREINFO",
				       type, offsets[i][1], got, (unsigned long long)want);
	}
	return 0;
}

/* ---- Symbols (kallsyms or System.map format) ---- */

static int symcmp(const void *a, const void *b)
{
	return strcmp(((const struct symbol *)a)->name, ((const struct symbol *)b)->name);
}

static int load_symbols(struct dk *dk, const char *path)
{
	static const char *const checked[] = { "init_uts_ns", "_stext", "init_top_pgt" };
	size_t cap = 0, len = 0, got, i;
	char chunk[65536], *p, *line;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return dk_fail(dk, "%s: %s", path, strerror(errno));
	/* /proc/kallsyms has no size: read it in chunks. */
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			p = realloc(dk->symtext, cap);
			if (!p) {
				close(fd);
				return dk_fail(dk, "out of memory");
			}
			dk->symtext = p;
		}
		memcpy(dk->symtext + len, chunk, n);
		len += n;
	}
	close(fd);
	if (n < 0 || !len)
		return dk_fail(dk, "%s: cannot read symbols", path);
	dk->symtext[len] = 0;
	cap = 0;
	for (line = dk->symtext; line && *line; line = p) {
		unsigned long long addr;
		char *end, *name;

		p = strchr(line, '\n');
		if (p)
			*p++ = 0;
		addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		if (strchr(name, '\t') || strchr(name, ' '))	/* a module's symbol */
			continue;
		if (dk->nsym == cap) {
			struct symbol *s = realloc(dk->sym, (cap = cap ? cap * 2 : 4096) * sizeof(*s));

			if (!s)
				return dk_fail(dk, "out of memory");
			dk->sym = s;
		}
		dk->sym[dk->nsym++] = (struct symbol){ name, addr };
	}
	if (dk->nsym)	/* none at all: qsort may not be given NULL */
		qsort(dk->sym, dk->nsym, sizeof(*dk->sym), symcmp);
	/*
	 * The file must be the dead kernel's: its addresses agree with
	 * VMCOREINFO. Only for symbols given by address there (some, like
	 * mem_section, are given by the pointer they hold).
	 */
	got = 0;
	for (i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		char key[64];
		uint64_t want, have;

		snprintf(key, sizeof(key), "SYMBOL(%s)", checked[i]);
		if (!dk_info(dk, key) || dk_symbol(dk, checked[i], &have))
			continue;
		if (dk_info_u64(dk, key, &want))
			return -1;
		if (have == 0)
			return dk_fail(dk, "%s hides addresses (run as root, kptr_restrict)", path);
		if (have != want)
			return dk_fail(dk, "%s is not the dead kernel's: %s is 0x%llx in it, 0x%llx in VMCOREINFO",
				       path, checked[i], (unsigned long long)have,
				       (unsigned long long)want);
		got++;
	}
	if (!got)
		return dk_fail(dk, "%s shares no symbol with VMCOREINFO", path);
	return 0;
}

int dk_symbol(struct dk *dk, const char *name, uint64_t *addr)
{
	struct symbol key = { name, 0 }, *s;

	if (dk->types)
		return dk->types->symbol(dk->types->arg, name, addr) ?
		       dk_fail(dk, "no symbol %s", name) : 0;
	s = dk->nsym ? bsearch(&key, dk->sym, dk->nsym, sizeof(key), symcmp) : NULL;
	if (!s)
		return dk_fail(dk, "no symbol %s", name);
	*addr = s->addr;
	return 0;
}

void dk_set_types(struct dk *dk, const struct dk_types *t)
{
	dk->types = t;
}

/* ---- struct page <-> pfn ---- */

static int vmemmap_base(struct dk *dk)
{
	uint64_t ms, root, smm_off, map;

	if (dk->vmemmap)
		return 0;
	/*
	 * With SPARSEMEM_EXTREME, SYMBOL(mem_section) is the array of roots;
	 * every present section encodes the vmemmap base (mem_map minus the
	 * section's first pfn) with flags in the low bits. Section 0 always
	 * holds memory on x86.
	 */
	if (dk_info_u64(dk, "SYMBOL(mem_section)", &ms) ||
	    dk_info_u64(dk, "OFFSET(mem_section.section_mem_map)", &smm_off) ||
	    dk_info_u64(dk, "SIZE(page)", &dk->page_size))
		return -1;
	if (dk_read_u64(dk, ms, &root) || dk_read_u64(dk, root + smm_off, &map))
		return dk_fail(dk, "mem_section unreadable: %s", dk->err);
	map &= ~(PAGE_SIZE - 1);
	if (!dk_kernel_addr(map) || !dk->page_size)
		return dk_fail(dk, "mem_section[0] gives no vmemmap base (0x%llx)",
			       (unsigned long long)map);
	dk->vmemmap = map;
	return 0;
}

int dk_page_to_pfn(struct dk *dk, uint64_t page, uint64_t *pfn)
{
	uint64_t bits;

	if (vmemmap_base(dk) || dk_info_u64(dk, "NUMBER(MAX_PHYSMEM_BITS)", &bits))
		return -1;
	/* From VMCOREINFO, so untrusted: a shift must stay below 64. */
	if (bits <= 12 || bits > 52)
		return dk_fail(dk, "VMCOREINFO: MAX_PHYSMEM_BITS=%llu is not an x86-64 value",
			       (unsigned long long)bits);
	if (page < dk->vmemmap || (page - dk->vmemmap) % dk->page_size ||
	    (page - dk->vmemmap) / dk->page_size >> (bits - 12))
		return dk_fail(dk, "0x%llx is not a struct page", (unsigned long long)page);
	*pfn = (page - dk->vmemmap) / dk->page_size;
	return 0;
}

int dk_pfn_to_page(struct dk *dk, uint64_t pfn, uint64_t *page)
{
	if (vmemmap_base(dk))
		return -1;
	*page = dk->vmemmap + pfn * dk->page_size;
	return 0;
}

/* ---- Opening ---- */

/* The running kernel's build id, from /sys/kernel/notes, as hex. */
static int running_build_id(char *hex, size_t len)
{
	unsigned char buf[4096];
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	size_t off = 0;
	struct note nt;
	uint32_t i;

	if (fd >= 0)
		close(fd);

	while (n > 0 && next_note(buf, n, &off, &nt)) {
		if (nt.type == NT_GNU_BUILD_ID && nt.namesz == 4 && !memcmp(nt.name, "GNU", 4) &&
		    (uint64_t)nt.descsz * 2 < len) {
			for (i = 0; i < nt.descsz; i++)
				sprintf(hex + 2 * i, "%02x", nt.desc[i]);
			return 0;
		}
	}
	return -1;
}

static struct dk *dk_new(void)
{
	struct dk *dk = calloc(1, sizeof(*dk));

	if (dk)
		dk->fd = -1;
	return dk;
}

int dk_open_layout(struct dk **dkp, const char *core, const struct dk_layout *l,
		   char *err, size_t errlen)
{
	struct dk *dk = dk_new();

	if (!dk)
		return errf(err, errlen, "out of memory");
	if (open_core(dk, core) || setup_paging(dk)) {
		errf(err, errlen, "%s", dk->err);
		dk_close(dk);
		return -1;
	}
	dk->layout = *l;
	*dkp = dk;
	return 0;
}

int dk_open(struct dk **dkp, const struct dk_sources *src, char *err, size_t errlen)
{
	const char *core = src->core ? src->core : "/proc/vmcore";
	const char *btf = src->btf ? src->btf : "/sys/kernel/btf/vmlinux";
	const char *syms = src->symbols ? src->symbols : "/proc/kallsyms";
	struct dk *dk = dk_new();

	if (!dk)
		return errf(err, errlen, "out of memory");
	if (open_core(dk, core) || setup_paging(dk))
		goto fail;
	if (!src->btf || !src->symbols) {
		/* Defaults describe the running kernel: it must be the same build. */
		const char *dead = dk_info(dk, "BUILD-ID");
		char live[128] = "";

		if (running_build_id(live, sizeof(live)))
			strcpy(live, "unknown");
		if (!dead || strncmp(dead, live, strlen(live))) {
			dk_fail(dk, "the running kernel (build id %s) is not the dead kernel's build (%s): give its BTF and symbols",
				live, dead ? dead : "unknown");
			goto fail;
		}
	}
	dk->btf = btf__parse(btf, NULL);
	if (!dk->btf) {
		dk_fail(dk, "%s: cannot read BTF: %s", btf, strerror(errno));
		goto fail;
	}
	if (check_btf(dk) || layout_from_btf(dk) || load_symbols(dk, syms))
		goto fail;
	*dkp = dk;
	return 0;
fail:
	errf(err, errlen, "%s", dk->err);
	dk_close(dk);
	return -1;
}

void dk_close(struct dk *dk)
{
	unsigned int i;

	if (!dk)
		return;
	if (dk->fd >= 0)
		close(dk->fd);
	for (i = 0; i < PCACHE_SIZE; i++)
		free(dk->pcache[i].data);
	for (i = 0; i < DK_READERS; i++)
		free(dk->readers[i].layout);
	btf__free(dk->btf);
	free(dk->seg);
	free(dk->info);
	free(dk->sym);
	free(dk->symtext);
	free(dk);
}
