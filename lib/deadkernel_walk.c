// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadkernel walks: lists, hlists, xarrays and maple trees of a dead
 * kernel. Each checks the links it follows (back pointers, parents, shifts,
 * ranges) and is bounded, so corrupt memory ends in an error that says
 * where, never in a crash or an endless loop.
 */
#include <stdlib.h>
#include <string.h>

#include "deadkernel.h"

#define XA_MAX_DEPTH	11		/* 64-bit indexes, 6 bits a level */
#define XA_MAX_NODES	(1u << 22)
#define XA_NODE_BYTES	1024
#define MT_NODE_BYTES	256		/* sizeof(struct maple_node) */
#define MT_MAX_HEIGHT	31
#define MT_MAX_NODES	(1u << 22)

#define H(x) ((unsigned long long)(x))

static bool is_internal(uint64_t e)
{
	return (e & 3) == 2;
}

static bool is_node(uint64_t e)
{
	return is_internal(e) && e > 4096;
}

/* ---- Lists ---- */

/*
 * Brent's cycle check: a tortoise that jumps to the walker at powers of
 * two. Returns true when the walker meets it: a loop. Also counts.
 */
struct cycle {
	uint64_t tortoise;
	unsigned long n, power, lam;
};

static bool cycle_step(struct cycle *c, uint64_t node)
{
	if (node == c->tortoise)
		return true;
	if (++c->lam == c->power) {
		c->tortoise = node;
		c->power *= 2;
		c->lam = 0;
	}
	c->n++;
	return false;
}

/*
 * Follow next pointers from head until head comes back. Every node's prev
 * must point at the node before it (which catches most stray pointers),
 * and the cycle check catches a loop that misses head.
 */
int dk_list_walk(struct dk *dk, uint64_t head, dk_node_fn fn, void *arg)
{
	const struct dk_layout *l = dk_layout(dk);
	struct cycle cy = { head, 0, 1, 0 };
	uint64_t prev = head, node, back;
	int r;

	if (dk_read_u64(dk, head + l->list_next, &node))
		return dk_fail(dk, "list at 0x%llx: head unreadable: %s", H(head), dk_error(dk));
	while (node != head) {
		if (!dk_kernel_addr(node) || dk_read_u64(dk, node + l->list_prev, &back))
			return dk_fail(dk, "list at 0x%llx: entry %lu: bad pointer 0x%llx",
				       H(head), cy.n, H(node));
		if (back != prev)
			return dk_fail(dk, "list at 0x%llx: entry %lu (0x%llx): prev is 0x%llx, not 0x%llx",
				       H(head), cy.n, H(node), H(back), H(prev));
		if (cycle_step(&cy, node))
			return dk_fail(dk, "list at 0x%llx: cycle at entry %lu (0x%llx) that misses the head",
				       H(head), cy.n, H(node));
		if (cy.n > DK_LIST_MAX)
			return dk_fail(dk, "list at 0x%llx: more than %u entries", H(head), DK_LIST_MAX);
		r = fn(dk, node, arg);
		if (r)
			return r;
		prev = node;
		if (dk_read_u64(dk, node + l->list_next, &node))
			return dk_fail(dk, "list at 0x%llx: entry %lu: next unreadable", H(head), cy.n);
	}
	return 0;
}

/* An hlist ends in NULL; pprev is not checked, cycles are. */
int dk_hlist_walk(struct dk *dk, uint64_t head, dk_node_fn fn, void *arg)
{
	const struct dk_layout *l = dk_layout(dk);
	struct cycle cy = { 0, 0, 1, 0 };
	uint64_t node;
	int r;

	if (dk_read_u64(dk, head + l->hlist_first, &node))
		return dk_fail(dk, "hlist at 0x%llx: head unreadable: %s", H(head), dk_error(dk));
	while (node) {
		if (!dk_kernel_addr(node))
			return dk_fail(dk, "hlist at 0x%llx: entry %lu: bad pointer 0x%llx",
				       H(head), cy.n, H(node));
		if (cycle_step(&cy, node))
			return dk_fail(dk, "hlist at 0x%llx: cycle at entry %lu (0x%llx)",
				       H(head), cy.n, H(node));
		if (cy.n > DK_LIST_MAX)
			return dk_fail(dk, "hlist at 0x%llx: more than %u entries", H(head), DK_LIST_MAX);
		r = fn(dk, node, arg);
		if (r)
			return r;
		if (dk_read_u64(dk, node + l->hnode_next, &node))
			return dk_fail(dk, "hlist at 0x%llx: entry %lu: next unreadable: %s",
				       H(head), cy.n, dk_error(dk));
	}
	return 0;
}

/* ---- Red-black trees ---- */

#define RB_MAX_DEPTH	128	/* a red-black tree of 2^64 nodes is shallower */
#define RB_PARENT	0	/* __rb_parent_color: first in struct rb_node, low bits colour */

/*
 * Every node is entered from its parent only: its parent pointer must name
 * the node it was reached from (0 for the root), and no node has one child
 * twice. A node can then be reached once, so a loop of any shape through
 * left, right or both ends at the first repeated node instead of running
 * on to a count.
 */
static int rb_enter(struct dk *dk, uint64_t root, uint64_t node, uint64_t from)
{
	uint64_t pc;

	if (!dk_kernel_addr(node))
		return dk_fail(dk, "rbtree at 0x%llx: bad node 0x%llx", H(root), H(node));
	if (dk_read_u64(dk, node + RB_PARENT, &pc))
		return dk_fail(dk, "rbtree at 0x%llx: node 0x%llx unreadable", H(root), H(node));
	if ((pc & ~3ULL) != from)
		return dk_fail(dk, "rbtree at 0x%llx: node 0x%llx has parent 0x%llx, not 0x%llx",
			       H(root), H(node), H(pc & ~3ULL), H(from));
	return 0;
}

int dk_rb_walk(struct dk *dk, uint64_t root, uint32_t left, uint32_t right, dk_node_fn fn,
	       void *arg)
{
	uint64_t stack[RB_MAX_DEPTH], node, from = 0, l, r;
	unsigned long n = 0;
	int depth = 0, ret;

	if (dk_read_u64(dk, root, &node))
		return dk_fail(dk, "rbtree at 0x%llx unreadable: %s", H(root), dk_error(dk));
	for (;;) {
		while (node) {		/* down the left spine */
			if (depth == RB_MAX_DEPTH)
				return dk_fail(dk, "rbtree at 0x%llx: bad node 0x%llx at depth %d",
					       H(root), H(node), depth);
			if (rb_enter(dk, root, node, from))
				return -1;
			if (dk_read_u64(dk, node + left, &l) || dk_read_u64(dk, node + right, &r))
				return dk_fail(dk, "rbtree at 0x%llx: node unreadable", H(root));
			if (l && l == r)
				return dk_fail(dk, "rbtree at 0x%llx: node 0x%llx has one child twice",
					       H(root), H(node));
			stack[depth++] = node;
			from = node;
			node = l;
		}
		if (!depth)
			return 0;
		node = stack[--depth];
		if (++n > DK_LIST_MAX)
			return dk_fail(dk, "rbtree at 0x%llx: more than %u nodes", H(root), DK_LIST_MAX);
		ret = fn(dk, node, arg);
		if (ret)
			return ret;
		if (dk_read_u64(dk, node + right, &r))
			return dk_fail(dk, "rbtree at 0x%llx: node unreadable", H(root));
		from = node;
		node = r;
	}
}

/* ---- XArray ---- */

struct xa_walk {
	uint64_t xa;
	unsigned int marks;
	unsigned long nodes;
	dk_xa_fn fn;
	void *arg;
};

static bool slot_marked(const struct dk_layout *l, const unsigned char *node,
			unsigned int marks, unsigned int slot)
{
	unsigned int longs = (l->xa_chunk + 63) / 64, m;

	if (!marks)
		return true;
	for (m = 0; m < l->xa_marks; m++) {
		uint64_t word;

		if (!(marks & (1u << m)))
			continue;
		memcpy(&word, node + l->xn_marks + (m * longs + slot / 64) * 8, 8);
		if (word & (1ULL << (slot % 64)))
			return true;
	}
	return false;
}

/* Read only up to the end of the marks: a node may end a mapping. */
static size_t xa_node_bytes(const struct dk_layout *l)
{
	size_t slots = l->xn_slots + l->xa_chunk * 8;
	size_t marks = l->xn_marks + l->xa_marks * ((l->xa_chunk + 63) / 64) * 8;

	return slots > marks ? slots : marks;
}

static int xa_node_walk(struct dk *dk, struct xa_walk *w, uint64_t node, uint64_t parent,
			unsigned int want_shift, unsigned int offset, uint64_t base, int depth)
{
	const struct dk_layout *l = dk_layout(dk);
	unsigned int bits = __builtin_ctz(l->xa_chunk), shift, slot;
	unsigned char buf[XA_NODE_BYTES];
	uint64_t up;
	int r;

	if (depth > XA_MAX_DEPTH || ++w->nodes > XA_MAX_NODES)
		return dk_fail(dk, "xarray 0x%llx: deeper or bigger than any xarray", H(w->xa));
	if (dk_read(dk, node, buf, xa_node_bytes(l)))
		return dk_fail(dk, "xarray 0x%llx: node 0x%llx unreadable: %s",
			       H(w->xa), H(node), dk_error(dk));
	shift = buf[l->xn_shift];
	memcpy(&up, buf + l->xn_parent, 8);
	if (shift % bits || shift >= 64 || (parent && shift != want_shift))
		return dk_fail(dk, "xarray 0x%llx: node 0x%llx has shift %u, expected %u",
			       H(w->xa), H(node), shift, want_shift);
	if (up != parent || (parent && buf[l->xn_offset] != offset))
		return dk_fail(dk, "xarray 0x%llx: node 0x%llx: parent 0x%llx offset %u, expected 0x%llx offset %u",
			       H(w->xa), H(node), H(up), buf[l->xn_offset], H(parent), offset);
	for (slot = 0; slot < l->xa_chunk; slot++) {
		uint64_t e, index = base + ((uint64_t)slot << shift);

		if (!slot_marked(l, buf, w->marks, slot))
			continue;
		memcpy(&e, buf + l->xn_slots + slot * 8, 8);
		if (!e)
			continue;
		if (is_node(e)) {
			if (!shift)
				return dk_fail(dk, "xarray 0x%llx: node 0x%llx: node pointer in a leaf slot %u",
					       H(w->xa), H(node), slot);
			r = xa_node_walk(dk, w, e - 2, node, shift - bits, slot, index, depth + 1);
		} else if (is_internal(e)) {
			/* Sibling, retry and zero entries hold nothing to visit. */
			if ((e >> 2) >= l->xa_chunk && (e >> 2) != 256 && (e >> 2) != 257)
				return dk_fail(dk, "xarray 0x%llx: node 0x%llx slot %u: unknown internal entry 0x%llx",
					       H(w->xa), H(node), slot, H(e));
			r = 0;
		} else {
			r = w->fn(dk, index, e, w->arg);
		}
		if (r)
			return r;
	}
	return 0;
}

static int xa_layout_ok(struct dk *dk)
{
	const struct dk_layout *l = dk_layout(dk);

	if (l->xa_chunk == 0 || l->xa_chunk & (l->xa_chunk - 1) ||
	    xa_node_bytes(l) > XA_NODE_BYTES || l->xn_shift >= XA_NODE_BYTES ||
	    l->xn_offset >= XA_NODE_BYTES || l->xn_parent + 8 > XA_NODE_BYTES)
		return dk_fail(dk, "xarray layout unusable (%u slots)", l->xa_chunk);
	return 0;
}

int dk_xa_load(struct dk *dk, uint64_t xa, uint64_t index, uint64_t *entry)
{
	const struct dk_layout *l = dk_layout(dk);
	unsigned int bits, shift, want = 0, slot = 0, depth;
	unsigned char buf[XA_NODE_BYTES];
	uint64_t e, node, up, parent = 0;

	*entry = 0;
	if (xa_layout_ok(dk))
		return -1;
	if (dk_read_u64(dk, xa + l->xa_head, &e))
		return dk_fail(dk, "xarray 0x%llx unreadable: %s", H(xa), dk_error(dk));
	bits = __builtin_ctz(l->xa_chunk);
	for (depth = 0; is_node(e); depth++) {
		node = e - 2;
		if (depth > XA_MAX_DEPTH)
			return dk_fail(dk, "xarray 0x%llx: deeper than any xarray", H(xa));
		if (dk_read(dk, node, buf, xa_node_bytes(l)))
			return dk_fail(dk, "xarray 0x%llx: node 0x%llx unreadable: %s", H(xa), H(node),
				       dk_error(dk));
		shift = buf[l->xn_shift];
		memcpy(&up, buf + l->xn_parent, 8);
		if (shift % bits || shift >= 64 || (parent && shift != want) || up != parent ||
		    (parent && buf[l->xn_offset] != slot))
			return dk_fail(dk, "xarray 0x%llx: node 0x%llx: shift %u, parent 0x%llx offset %u do not fit where it hangs",
				       H(xa), H(node), shift, H(up), buf[l->xn_offset]);
		if (!parent && shift + bits < 64 && index >> (shift + bits))
			return 0;	/* beyond what the tree holds */
		slot = (index >> shift) & (l->xa_chunk - 1);
		memcpy(&e, buf + l->xn_slots + slot * 8, 8);
		if (is_internal(e) && !is_node(e) && (e >> 2) < l->xa_chunk)
			memcpy(&e, buf + l->xn_slots + (e >> 2) * 8, 8);	/* a sibling */
		if (is_node(e) && !shift)
			return dk_fail(dk, "xarray 0x%llx: node 0x%llx: node pointer in a leaf slot %u",
				       H(xa), H(node), slot);
		parent = node;
		want = shift - bits;
	}
	if (is_internal(e)) {
		/* At the root: only a node may be there; in a node: retry or zero. */
		if (!parent)
			return dk_fail(dk, "xarray 0x%llx: internal entry 0x%llx at the root", H(xa), H(e));
		return 0;
	}
	if (!parent && index)
		return 0;		/* a lone entry is index 0's */
	*entry = e;
	return 0;
}

int dk_xa_walk(struct dk *dk, uint64_t xa, unsigned int marks, dk_xa_fn fn, void *arg)
{
	const struct dk_layout *l = dk_layout(dk);
	struct xa_walk w = { xa, marks, 0, fn, arg };
	uint64_t head;

	if (xa_layout_ok(dk))
		return -1;
	if (dk_read_u64(dk, xa + l->xa_head, &head))
		return dk_fail(dk, "xarray 0x%llx unreadable: %s", H(xa), dk_error(dk));
	if (!head)
		return 0;
	if (is_node(head))
		return xa_node_walk(dk, &w, head - 2, 0, 0, 0, 0, 0);
	if (is_internal(head))
		return dk_fail(dk, "xarray 0x%llx: internal entry 0x%llx at the root", H(xa), H(head));
	return fn(dk, 0, head, arg);
}

/* ---- Maple tree ---- */

enum { MT_DENSE, MT_LEAF_64, MT_RANGE_64, MT_ARANGE_64 };

struct mt_walk {
	uint64_t mt;
	unsigned int height;
	unsigned long nodes;
	dk_mt_fn fn;
	void *arg;
};

static int mt_node_walk(struct dk *dk, struct mt_walk *w, uint64_t enode, uint64_t min,
			uint64_t max, unsigned int depth)
{
	const struct dk_layout *l = dk_layout(dk);
	uint64_t node = enode & ~255ULL, pivot[64], slot[64], node_min = min;
	unsigned int type = (enode >> 3) & 15, nslots, npiv, end, i;
	unsigned char buf[MT_NODE_BYTES];
	uint32_t poff, soff, eoff;
	bool leaf = type == MT_LEAF_64;
	int r;

	if (type == MT_ARANGE_64) {
		poff = l->ma64_pivot, soff = l->ma64_slot, eoff = l->ma64_end, nslots = l->ma64_slots;
	} else if (type == MT_LEAF_64 || type == MT_RANGE_64) {
		poff = l->mr64_pivot, soff = l->mr64_slot, eoff = l->mr64_end, nslots = l->mr64_slots;
	} else {
		return dk_fail(dk, "maple tree 0x%llx: node 0x%llx has type %u",
			       H(w->mt), H(enode), type);
	}
	if (nslots < 2 || nslots > 64 || soff + nslots * 8 > MT_NODE_BYTES ||
	    poff + (nslots - 1) * 8 > MT_NODE_BYTES || eoff >= MT_NODE_BYTES)
		return dk_fail(dk, "maple tree layout unusable");
	if (depth >= w->height || leaf != (depth == w->height - 1))
		return dk_fail(dk, "maple tree 0x%llx: node 0x%llx (%s) at depth %u of a tree of height %u",
			       H(w->mt), H(enode), leaf ? "leaf" : "inner", depth, w->height);
	if (++w->nodes > MT_MAX_NODES)
		return dk_fail(dk, "maple tree 0x%llx: more than %u nodes", H(w->mt), MT_MAX_NODES);
	if (!dk_kernel_addr(node) || dk_read(dk, node, buf, sizeof(buf)))
		return dk_fail(dk, "maple tree 0x%llx: node 0x%llx unreadable", H(w->mt), H(enode));
	npiv = nslots - 1;
	memcpy(pivot, buf + poff, npiv * 8);
	memcpy(slot, buf + soff, nslots * 8);
	/* Where the data ends, as the kernel's ma_data_end() decides it. */
	if (type == MT_ARANGE_64 || !pivot[npiv - 1])
		end = buf[eoff];
	else
		end = pivot[npiv - 1] == max ? npiv - 1 : npiv;
	if (end >= nslots)
		return dk_fail(dk, "maple tree 0x%llx: node 0x%llx: end %u of %u slots",
			       H(w->mt), H(enode), end, nslots);
	for (i = 0; i <= end; i++) {
		uint64_t last = i < npiv ? pivot[i] : max;

		if (!last && i)		/* mas_logical_pivot(): 0 past slot 0 is max */
			last = max;

		if (last < min || last > max)
			return dk_fail(dk, "maple tree 0x%llx: node 0x%llx slot %u: range [0x%llx, 0x%llx] outside [0x%llx, 0x%llx]",
				       H(w->mt), H(enode), i, H(min), H(last), H(node_min), H(max));
		if (leaf) {
			r = slot[i] ? w->fn(dk, min, last, slot[i], w->arg) : 0;
		} else {
			if (!slot[i] || !dk_kernel_addr(slot[i]))
				return dk_fail(dk, "maple tree 0x%llx: node 0x%llx slot %u: bad child 0x%llx",
					       H(w->mt), H(enode), i, H(slot[i]));
			r = mt_node_walk(dk, w, slot[i], min, last, depth + 1);
		}
		if (r)
			return r;
		if (last == max)
			break;
		min = last + 1;
	}
	return 0;
}

int dk_mt_walk(struct dk *dk, uint64_t mt, dk_mt_fn fn, void *arg)
{
	const struct dk_layout *l = dk_layout(dk);
	struct mt_walk w = { mt, 0, 0, fn, arg };
	uint64_t root, flags = 0;

	if (dk_read_u64(dk, mt + l->mt_root, &root) ||
	    dk_read(dk, mt + l->mt_flags, &flags, 4))
		return dk_fail(dk, "maple tree 0x%llx unreadable: %s", H(mt), dk_error(dk));
	if (!root)
		return 0;
	if (!is_node(root))
		return fn(dk, 0, 0, root, arg);
	w.height = (flags & 0x7c) >> 2;		/* MT_FLAGS_HEIGHT_MASK */
	if (!w.height || w.height > MT_MAX_HEIGHT)
		return dk_fail(dk, "maple tree 0x%llx: height %u", H(mt), w.height);
	return mt_node_walk(dk, &w, root, 0, ~0ULL, 0);
}
