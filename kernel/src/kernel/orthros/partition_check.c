// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros: the one validator of a partition description.
 *
 * Compiled into the kernel (the boot request, the shared memory's copy)
 * and, unchanged, into the tools (lib/partition.c: the text and binary
 * files), so both refuse the same descriptions for the same reasons.
 * Hence plain C on the UAPI types, and only snprintf, memcmp, memchr and
 * strcmp from either side's library.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#include <linux/orthros/partition.h>

#include "partition_check.h"

#define MIB _BITULL(20)

static const char *const kind_names[] = {
	[ORTHROS_MEM_FIRST_ONLY] = "first-only",
	[ORTHROS_MEM_SLOT] = "slot",
	[ORTHROS_MEM_SLOT_LOW] = "slot-low",
	[ORTHROS_MEM_SHARED] = "shared",
	[ORTHROS_MEM_GENERAL] = "general",
};

static const char *const role_names[] = {
	[ORTHROS_DEV_ACTIVE] = "active",
	[ORTHROS_DEV_BACKUP] = "backup",
	[ORTHROS_DEV_ODD] = "odd",
	[ORTHROS_DEV_EVEN] = "even",
};

const char *orthros_mem_kind_name(unsigned int kind)
{
	if (kind < ARRAY_SIZE(kind_names) && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

const char *orthros_dev_role_name(unsigned int role)
{
	if (role < ARRAY_SIZE(role_names) && role_names[role])
		return role_names[role];
	return "unknown";
}

/* Both sides' snprintf; -EINVAL, so a check can end in 'return bad(...)'. */
#define bad(...) (snprintf(why, len, __VA_ARGS__), -EINVAL)

static void range_str(char *buf, size_t len, const struct orthros_range *r)
{
	if (r->slot)
		snprintf(buf, len, "%s %u [%#llx-%#llx)", orthros_mem_kind_name(r->kind), r->slot,
			 (unsigned long long)r->start,
			 (unsigned long long)(r->start + r->size));
	else
		snprintf(buf, len, "%s [%#llx-%#llx)", orthros_mem_kind_name(r->kind),
			 (unsigned long long)r->start,
			 (unsigned long long)(r->start + r->size));
}

static int check_cpus(const struct orthros_partition *p, char *why, size_t len)
{
	unsigned int i, j, bsp = 0, backup = 0;

	if (p->nr_cpus < 2 || p->nr_cpus > ORTHROS_MAX_CPUS)
		return bad("need at least 2 CPUs (one for a BackupOS), have %u", p->nr_cpus);
	for (i = 0; i < p->nr_cpus; i++) {
		const struct orthros_cpu *c = &p->cpus[i];

		for (j = 0; j < i; j++)
			if (p->cpus[j].apic_id == c->apic_id)
				return bad("CPU with local APIC ID %u listed twice", c->apic_id);
		if (c->flags & ~(ORTHROS_CPU_BSP | ORTHROS_CPU_BACKUP))
			return bad("CPU %u: unknown flags %#x", c->apic_id, c->flags);
		if ((c->flags & ORTHROS_CPU_BSP) && (c->flags & ORTHROS_CPU_BACKUP))
			return bad("CPU %u: the BSP cannot run a BackupOS (paper 3.3.1)",
				   c->apic_id);
		bsp += !!(c->flags & ORTHROS_CPU_BSP);
		backup += !!(c->flags & ORTHROS_CPU_BACKUP);
	}
	if (bsp != 1)
		return bad("exactly one CPU must be the bsp, %u are", bsp);
	if (backup != 1)
		return bad("exactly one CPU (an AP) must be marked backup, %u are", backup);
	return 0;
}

/* One range on its own: kind, slot, size, alignment, where it may lie. */
static int check_range(const struct orthros_range *r, unsigned int i, char *why, size_t len)
{
	bool slotted = r->kind == ORTHROS_MEM_SLOT || r->kind == ORTHROS_MEM_SLOT_LOW;
	char a[96];

	range_str(a, sizeof(a), r);
	if (r->kind < ORTHROS_MEM_FIRST_ONLY || r->kind > ORTHROS_MEM_GENERAL)
		return bad("memory range %u has unknown kind %u", i, r->kind);
	if (slotted ? r->slot < 1 || r->slot > ORTHROS_NR_SLOTS : r->slot)
		return bad("%s: bad slot number", a);
	if (!r->size || r->start + r->size < r->start)
		return bad("%s: empty or wraps around", a);
	if ((r->start | r->size) & 0xfff)
		return bad("%s: not page aligned (4 KiB)", a);
	switch (r->kind) {
	case ORTHROS_MEM_SLOT:
		if (r->size < ORTHROS_SLOT_MIN)
			return bad("%s: %llu MiB is too small for a BackupOS (at least %llu MiB)",
				   a, (unsigned long long)(r->size / MIB), ORTHROS_SLOT_MIN / MIB);
		break;
	case ORTHROS_MEM_SLOT_LOW:
		if (r->start + r->size > ORTHROS_LOW_LIMIT)
			return bad("%s: the AP trampoline chunk must lie below 1 MiB", a);
		if (r->size < ORTHROS_LOW_MIN)
			return bad("%s: the AP trampoline chunk needs at least 64 KiB", a);
		break;
	case ORTHROS_MEM_GENERAL:
		if ((r->start | r->size) % ORTHROS_BLOCK_SIZE)
			return bad("%s: must be 128 MiB aligned (hot-added in blocks)", a);
		break;
	}
	return 0;
}

static int check_ranges(const struct orthros_partition *p, char *why, size_t len)
{
	unsigned int i, j, shared = 0, general = 0;
	unsigned int slot[ORTHROS_NR_SLOTS + 1] = { 0 }, low[ORTHROS_NR_SLOTS + 1] = { 0 };
	char a[96], b[96];
	int ret;

	if (p->nr_ranges > ORTHROS_MAX_RANGES)
		return bad("too many memory ranges");
	for (i = 0; i < p->nr_ranges; i++) {
		const struct orthros_range *r = &p->ranges[i];

		ret = check_range(r, i, why, len);
		if (ret)
			return ret;
		/* check_range() saw the slot number in range for these two. */
		if (r->kind == ORTHROS_MEM_SLOT)
			slot[r->slot]++;
		if (r->kind == ORTHROS_MEM_SLOT_LOW)
			low[r->slot]++;
		shared += r->kind == ORTHROS_MEM_SHARED;
		general += r->kind == ORTHROS_MEM_GENERAL;
	}
	/* Each range is sound on its own; now no two may share a byte. */
	for (i = 0; i < p->nr_ranges; i++) {
		const struct orthros_range *r = &p->ranges[i];

		for (j = 0; j < i; j++) {
			const struct orthros_range *o = &p->ranges[j];

			if (r->start < o->start + o->size && o->start < r->start + r->size) {
				range_str(a, sizeof(a), r);
				range_str(b, sizeof(b), o);
				return bad("%s overlaps %s", a, b);
			}
		}
	}
	for (i = 1; i <= ORTHROS_NR_SLOTS; i++)
		if (slot[i] != 1 || low[i] != 1)
			return bad("slot %u: need exactly one slot line (slots 1 to 3)", i);
	if (shared != 1)
		return bad("need exactly one shared region, have %u", shared);
	if (!general)
		return bad("no general region (the ActiveOS's memory)");
	return 0;
}

static int check_devices(const struct orthros_partition *p, char *why, size_t len)
{
	unsigned int i, j;

	if (p->nr_devices > ORTHROS_MAX_DEVICES)
		return bad("too many devices");
	for (i = 0; i < p->nr_devices; i++) {
		const struct orthros_device *d = &p->devices[i];

		if (!memchr(d->name, '\0', sizeof(d->name)) || !d->name[0])
			return bad("device %u has no name", i);
		if (d->role < ORTHROS_DEV_ACTIVE || d->role > ORTHROS_DEV_EVEN)
			return bad("device %s has unknown role %u", d->name, d->role);
		for (j = 0; j < i; j++) {
			const struct orthros_device *o = &p->devices[j];

			if (o->segment == d->segment && o->bus == d->bus && o->devfn == d->devfn)
				return bad("device %02x:%02x.%x is owned twice (%s and %s)",
					   d->bus, d->devfn >> 3, d->devfn & 7, o->name, d->name);
			if (!strcmp(o->name, d->name))
				return bad("two devices are named %s", d->name);
		}
	}
	return 0;
}

int orthros_partition_validate(const struct orthros_partition *p, char *why, size_t len)
{
	int ret;

	if (memcmp(p->signature, ORTHROS_PARTITION_SIGNATURE, sizeof(p->signature)))
		return bad("not a partition description (bad signature)");
	if (p->revision != ORTHROS_PARTITION_REVISION)
		return bad("revision %u, this build knows revision %u", p->revision,
			   ORTHROS_PARTITION_REVISION);
	ret = check_cpus(p, why, len);
	if (!ret)
		ret = check_ranges(p, why, len);
	if (!ret)
		ret = check_devices(p, why, len);
	return ret;
}
