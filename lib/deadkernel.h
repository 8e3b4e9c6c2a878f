/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libdeadkernel: read the memory of a kernel that has died.
 *
 * The dead kernel's memory is an ELF core view (/proc/vmcore in a kdump
 * kernel; the same format in a BackupOS): PT_LOAD segments of physical
 * memory and a VMCOREINFO note. Kernel virtual addresses are translated
 * through the dead kernel's own page tables (init_top_pgt), so the direct
 * map, the kernel image, vmalloc and vmemmap all read the same way.
 * Structure layouts come by name from BTF of the same build, symbols from a
 * kallsyms/System.map file of the same build; both are checked against the
 * dead kernel's VMCOREINFO.
 *
 * Nothing read is trusted: every pointer is translated and range-checked,
 * every walk is bounded, and a failure leaves a message (dk_error) that
 * names what was corrupt. Functions return 0 (or a count) on success and
 * -1 on failure.
 */
#ifndef ORTHROS_LIB_DEADKERNEL_H
#define ORTHROS_LIB_DEADKERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dk;

/* Where the dead kernel's description comes from. NULL means the default. */
struct dk_sources {
	const char *core;	/* ELF core view; default /proc/vmcore */
	const char *btf;	/* default /sys/kernel/btf/vmlinux */
	const char *symbols;	/* default /proc/kallsyms */
};

/*
 * Offsets of the generic kernel structures the walkers read, all from BTF
 * (dk_open) or given by the caller (dk_open_layout, for synthetic images).
 */
struct dk_layout {
	uint32_t list_next, list_prev;		/* struct list_head */
	uint32_t hlist_first, hnode_next;	/* hlist_head, hlist_node */
	uint32_t xa_flags, xa_head;		/* struct xarray */
	uint32_t xn_shift, xn_offset, xn_parent, xn_slots, xn_marks;
	uint32_t xa_chunk;			/* slots per xa_node */
	uint32_t xa_marks;			/* marks per xa_node */
	uint32_t mt_root, mt_flags;		/* struct maple_tree */
	uint32_t mr64_pivot, mr64_slot, mr64_end, mr64_slots;
	uint32_t ma64_pivot, ma64_slot, ma64_end, ma64_slots;
};

/* Open with everything from BTF and symbols; err gets the reason. */
int dk_open(struct dk **dkp, const struct dk_sources *src, char *err, size_t errlen);
/* Open a core with a caller-given layout and no BTF or symbols. */
int dk_open_layout(struct dk **dkp, const char *core, const struct dk_layout *l,
		   char *err, size_t errlen);
void dk_close(struct dk *dk);

/* The last failure's message. */
const char *dk_error(const struct dk *dk);
/* Record a failure (returns -1); a walker's callback may use it too. */
int dk_fail(struct dk *dk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const struct dk_layout *dk_layout(const struct dk *dk);

/* A VMCOREINFO value ("OSRELEASE", "NUMBER(phys_base)", ...) or NULL. */
const char *dk_info(const struct dk *dk, const char *key);
/* A VMCOREINFO number (hex for SYMBOL/KERNELOFFSET, else decimal). */
int dk_info_u64(struct dk *dk, const char *key, uint64_t *val);

/* Memory. Physical addresses must lie in the core's PT_LOAD segments. */
int dk_read_phys(struct dk *dk, uint64_t pa, void *buf, size_t len);
int dk_virt_to_phys(struct dk *dk, uint64_t va, uint64_t *pa);
/*
 * A user address through a process's page tables (pgd: mm->pgd, a kernel
 * address): 0 with *pa set, 1 if not mapped (or swapped out), -1 on error.
 */
int dk_user_virt_to_phys(struct dk *dk, uint64_t pgd, uint64_t va, uint64_t *pa);
int dk_read(struct dk *dk, uint64_t va, void *buf, size_t len);
int dk_read_u64(struct dk *dk, uint64_t va, uint64_t *val);
/* A NUL-terminated string of at most max-1 bytes; longer is an error. */
int dk_read_str(struct dk *dk, uint64_t va, char *buf, size_t max);
/* Is va a canonical kernel address (top half)? */
bool dk_kernel_addr(uint64_t va);

/* Symbols and types of the dead kernel's build (dk_open only). */
int dk_symbol(struct dk *dk, const char *name, uint64_t *addr);
/* Offset of a member path ("i_data.i_pages") in a type ("struct inode"). */
int dk_offset(struct dk *dk, const char *type, const char *path, uint32_t *off);
int dk_sizeof(struct dk *dk, const char *type, uint32_t *size);
/* Offsets of many members at once: one table entry each. */
struct dk_field {
	const char *type, *path;
	uint32_t *off;
};
int dk_offsets(struct dk *dk, const struct dk_field *f, size_t n);

/*
 * A reader's layout of this kernel's structures (its offsets, sizes and
 * symbols), made by fill into size zeroed bytes the first time a reader
 * asks and kept with dk until dk_close (fill tells the readers apart):
 * NULL, with dk_error() set, if fill fails or memory runs out.
 */
typedef int (*dk_fill_fn)(struct dk *dk, void *layout);
const void *dk_reader_layout(struct dk *dk, dk_fill_fn fill, size_t size);
#define DK_NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/*
 * Types and symbols from the caller instead of BTF and kallsyms, for
 * synthetic images with no build behind them (the fuzz harnesses feed the
 * readers memory of their making). member gives a member path's bit offset,
 * its bit-field width (0: none) and, for an array, its element count (0:
 * not an array). Each returns 0 with the value set, or -1.
 */
struct dk_types {
	int (*member)(void *arg, const char *type, const char *path, uint32_t *bit_off,
		      uint32_t *bits, uint32_t *nelems);
	int (*size)(void *arg, const char *type, uint32_t *size);
	int (*enumerator)(void *arg, const char *name, int64_t *val);
	int (*symbol)(void *arg, const char *name, uint64_t *addr);
	void *arg;
};
/* Use t (kept, not copied) for every lookup by name from now on. */
void dk_set_types(struct dk *dk, const struct dk_types *t);

/* Bit offset and width of a bit-field member. */
int dk_bitfield(struct dk *dk, const char *type, const char *path, uint32_t *bit_off,
		uint32_t *bits);
/* Element count of an array member. */
int dk_array_len(struct dk *dk, const char *type, const char *path, uint32_t *n);
/* Value of an enumerator (any enum), e.g. "PG_dirty". */
int dk_enum(struct dk *dk, const char *name, int64_t *val);

/* struct page <-> page frame number, from the vmemmap base in mem_section. */
int dk_page_to_pfn(struct dk *dk, uint64_t page, uint64_t *pfn);
int dk_pfn_to_page(struct dk *dk, uint64_t pfn, uint64_t *page);

/*
 * Walks. A callback returns 0 to go on, > 0 to stop the walk early (the
 * walk then returns that value) or -1 after dk_fail() to abort it. Limits
 * bound every walk; exceeding one is reported as corruption.
 */
#define DK_LIST_MAX (1u << 24)
/* x86-64 kernel constants a reader needs (not in BTF or VMCOREINFO). */
#define DK_THREAD_SIZE	(16u << 10)	/* kernel stack, no KASAN */

/* Entries of a list_head list at head, as addresses of the list_heads. */
typedef int (*dk_node_fn)(struct dk *dk, uint64_t node, void *arg);
int dk_list_walk(struct dk *dk, uint64_t head, dk_node_fn fn, void *arg);
/* Entries of an hlist_head at head, as addresses of the hlist_nodes. */
int dk_hlist_walk(struct dk *dk, uint64_t head, dk_node_fn fn, void *arg);

/*
 * Entries of the xarray at xa. marks is a bit mask of xarray marks (bit m
 * for mark m): nodes are entered and slots visited only where one of them
 * is set; 0 visits everything. A lone entry at index 0 kept in the root
 * carries its marks in xa_flags and is always visited. Value entries are
 * passed on (see dk_xa_is_value); internal entries never are.
 */
typedef int (*dk_xa_fn)(struct dk *dk, uint64_t index, uint64_t entry, void *arg);
int dk_xa_walk(struct dk *dk, uint64_t xa, unsigned int marks, dk_xa_fn fn, void *arg);
/*
 * The entry at index of the xarray at xa, looked up from the root down
 * (one node per level, not a walk): *entry 0 if there is none (or a retry
 * or zero entry); a sibling slot gives its multi-index entry. 0, or -1.
 */
int dk_xa_load(struct dk *dk, uint64_t xa, uint64_t index, uint64_t *entry);
static inline bool dk_xa_is_value(uint64_t entry)
{
	return entry & 1;
}

/*
 * Nodes of the red-black tree at root (struct rb_root) in order, as
 * addresses of their struct rb_node; left and right are the offsets of
 * rb_left and rb_right in struct rb_node.
 */
int dk_rb_walk(struct dk *dk, uint64_t root, uint32_t left, uint32_t right, dk_node_fn fn,
	       void *arg);

/* Ranges [first, last] of the maple tree at mt with non-NULL entries. */
typedef int (*dk_mt_fn)(struct dk *dk, uint64_t first, uint64_t last,
			uint64_t entry, void *arg);
int dk_mt_walk(struct dk *dk, uint64_t mt, dk_mt_fn fn, void *arg);

#endif
