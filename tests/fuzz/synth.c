// SPDX-License-Identifier: GPL-2.0-only
/* A synthetic dead kernel for the reader harnesses: see synth.h. */
#include "fuzz.h"
#include "synth.h"

#include <elf.h>
#include <string.h>

#define MEMSZ		(SYN_DATA + SYN_DATASZ)
#define MAX_TYPES	128
#define MAX_NAMES	256

static const struct dk_layout layout = {
	.list_next = 0, .list_prev = 8, .hlist_first = 0, .hnode_next = 0,
	.xa_flags = 4, .xa_head = 8,
	.xn_shift = 0, .xn_offset = 1, .xn_parent = 8, .xn_slots = 40, .xn_marks = 552,
	.xa_chunk = 64, .xa_marks = 3, .mt_root = 8, .mt_flags = 16,
	.mr64_pivot = 8, .mr64_slot = 128, .mr64_end = 248, .mr64_slots = 16,
	.ma64_pivot = 8, .ma64_slot = 80, .ma64_end = 240, .ma64_slots = 10,
};

struct core {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[12];
	char info[512];
	unsigned char pad[4096 - sizeof(Elf64_Ehdr) - 2 * sizeof(Elf64_Phdr) -
			  sizeof(Elf64_Nhdr) - 12 - 512];
	unsigned char mem[MEMSZ];
};

/*
 * Types whose size a reader checks or steps by, or that are embedded in
 * others whole: their members sit 8 bytes apart within the size, 6.1's on
 * x86-64 unless said.
 */
static const struct { const char *type; uint32_t size; } sized[] = {
	{ "struct page", 64 },
	{ "struct pt_regs", 168 },
	{ "struct kernel_siginfo", 48 },
	{ "struct k_sigaction", 32 },
	{ "struct pipe_buffer", 40 },
	{ "struct bio_vec", 24 },	/* 16 in 6.1: three members need 24 here */
	{ "struct path", 16 },
	{ "struct rb_node", 24 },
	{ "struct fib_nh", 112 },
	{ "struct hrtimer", 24 },	/* embedded in signal_struct: its three members inside 32 bytes */
	{ "struct sem", 64 },
	{ "struct cpu_itimer", 16 },
};

/*
 * Types that begin with another whose members are read at the same
 * address (a tcp_sock is a sock): their own members start further on.
 */
static const struct { const char *type; uint32_t base; } extended[] = {
	{ "struct inet_sock", 1536 },
	{ "struct tcp_sock", 2048 },
	{ "struct unix_sock", 1536 },
};

/* Members that are bit fields in 6.1 (dk_bitfield asks for them). */
static const char *const bitfields[] = {
	"skc_reuse", "skc_ipv6only", "tstamp_ok", "wscale_ok", "sack_ok", "snd_wscale",
	"rcv_wscale", "nonagle",
};

/* Array members and their element counts. */
static const struct { const char *path; uint32_t n; } arrays[] = {
	{ "saved_auxv", 50 },
};

/* Names in the order first asked for: a name's index is its slot. */
struct names {
	const char *name[MAX_NAMES];
	unsigned int n;
};

static unsigned int slot(struct names *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->name[i], name))
			return i;
	if (t->n == MAX_NAMES)
		return MAX_NAMES - 1;
	t->name[t->n] = strdup(name);
	if (!t->name[t->n])
		__builtin_trap();
	return t->n++;
}

static struct names types, members[MAX_TYPES], enums, symbols;

static uint32_t known_size(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(sized) / sizeof(sized[0]); i++)
		if (!strcmp(sized[i].type, type))
			return sized[i].size;
	return 0;
}

static int member(void *arg, const char *type, const char *path, uint32_t *bit_off,
		  uint32_t *bits, uint32_t *nelems)
{
	unsigned int t = slot(&types, type) % MAX_TYPES, m = slot(&members[t], path);
	const char *last = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
	uint32_t size = known_size(type);
	size_t i;

	(void)arg;
	*bit_off = 8 * (size ? 8 * m % size : 32 * m % 4096);
	*bits = 0;
	*nelems = 0;
	for (i = 0; i < sizeof(extended) / sizeof(extended[0]); i++)
		if (!strcmp(extended[i].type, type))
			*bit_off = 8 * (extended[i].base + 32 * m % 2048);
	for (i = 0; i < sizeof(bitfields) / sizeof(bitfields[0]); i++)
		if (!strcmp(bitfields[i], last))
			*bits = 4;
	for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		if (!strcmp(arrays[i].path, path))
			*nelems = arrays[i].n;
	return 0;
}

static int size(void *arg, const char *type, uint32_t *sz)
{
	(void)arg;
	*sz = known_size(type) ? known_size(type) : 4096;
	return 0;
}

static int enumerator(void *arg, const char *name, int64_t *val)
{
	(void)arg;
	*val = slot(&enums, name);
	return 0;
}

static int symbol(void *arg, const char *name, uint64_t *addr)
{
	(void)arg;
	*addr = SYN_DMAP + SYN_DATA + 64 + 256 * (uint64_t)slot(&symbols, name);
	return 0;
}

static const struct dk_types synthetic = { member, size, enumerator, symbol, NULL };

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
	/* mem_section's root is the first word of the input: struct pages anywhere. */
	n = snprintf(c.info, sizeof(c.info),
		     "OSRELEASE=6.1.0-fuzz\nSYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=0\n"
		     "NUMBER(pgtable_l5_enabled)=0\nSYMBOL(mem_section)=%llx\n"
		     "OFFSET(mem_section.section_mem_map)=0\nSIZE(page)=64\n"
		     "NUMBER(MAX_PHYSMEM_BITS)=46\n", SYN_KIMG, SYN_DMAP + SYN_DATA);
	c.nh = (Elf64_Nhdr){ sizeof("VMCOREINFO"), n, 0 };
	memcpy(c.name, "VMCOREINFO", sizeof("VMCOREINFO"));
	c.ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(struct core, nh),
				.p_filesz = sizeof(c.nh) + sizeof(c.name) + sizeof(c.info) };
	c.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_paddr = 0,
				.p_offset = offsetof(struct core, mem), .p_filesz = MEMSZ };
	/* The direct map's PGD slot -> a PUD whose first entry maps 1 GiB at 0. */
	pgd[(SYN_DMAP >> 39) & 511] = 0x1000 | 0x63;
	pud[0] = 0 | 0xe3;
	return &c;
}

struct dk *syn_open(const uint8_t *data, size_t len)
{
	static struct core *c;
	static size_t last;
	struct dk *dk = NULL;
	const char *path;
	char err[512];

	if (!c)
		c = core_new();
	if (len > SYN_DATASZ)
		len = SYN_DATASZ;
	memset(c->mem + SYN_DATA, 0, last);
	if (len)
		memcpy(c->mem + SYN_DATA, data, len);
	last = len;
	path = fuzz_file(c, sizeof(*c));
	if (!path || dk_open_layout(&dk, path, &layout, err, sizeof(err)))
		__builtin_trap();	/* the fixed part is a valid core */
	dk_set_types(dk, &synthetic);
	return dk;
}
