// SPDX-License-Identifier: GPL-2.0-only
/*
 * libpartition: text form <-> struct orthros_partition, and validation.
 *
 * The text form, one statement per line, '#' starts a comment:
 *   orthros-partition 1
 *   cpu APIC-ID [bsp|backup]
 *   first-only START SIZE
 *   slot N START SIZE low START SIZE
 *   shared START SIZE
 *   general START SIZE
 *   device BB:DD.F NAME active|backup|odd|even
 * Numbers are decimal or 0x-hex, with an optional K, M or G suffix.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errf.h"
#include "partition.h"
#include "../kernel/src/kernel/orthros/partition_check.h"

#define MIB (1ULL << 20)

/* A kind's or role's number by its name (orthros_*_name, 0..max): -1 if none. */
static int lookup(const char *(*name)(unsigned int), unsigned int max, const char *s)
{
	unsigned int i;

	for (i = 0; i <= max; i++)
		if (strcmp(name(i), "unknown") && !strcmp(name(i), s))
			return i;
	return -1;
}

/* "0x1000", "4096", "128M", "4G": false on anything else or on overflow. */
static bool parse_num(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v, mul = 1;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'K': mul = 1ULL << 10; end++; break;
	case 'M': mul = 1ULL << 20; end++; break;
	case 'G': mul = 1ULL << 30; end++; break;
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return false;
	*out = v * mul;
	return true;
}

/* "00:04.0" -> bus 0, devfn 0x20 */
static bool parse_bdf(const char *s, struct orthros_device *d)
{
	unsigned int bus, dev, fn;
	char tail;

	if (sscanf(s, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3 ||
	    bus > 0xff || dev > 0x1f || fn > 7)
		return false;
	d->segment = 0;
	d->bus = bus;
	d->devfn = dev << 3 | fn;
	return true;
}

#define MAX_WORDS 10

static int add_range(struct orthros_partition *p, uint64_t start, uint64_t size,
		     unsigned int kind, unsigned int slot)
{
	struct orthros_range *r;

	if (p->nr_ranges >= ORTHROS_MAX_RANGES)
		return -1;
	r = &p->ranges[p->nr_ranges++];
	r->start = start;
	r->size = size;
	r->kind = kind;
	r->slot = slot;
	return 0;
}

/* One statement; returns NULL or what is wrong with it. */
static const char *parse_statement(struct orthros_partition *p, char **w, int n,
				   bool *have_header)
{
	uint64_t a, b, c, d;

	if (!strcmp(w[0], "orthros-partition")) {
		if (n != 2 || !parse_num(w[1], &a))
			return "expected: orthros-partition REVISION";
		if (a != ORTHROS_PARTITION_REVISION)
			return "unsupported revision (this build reads revision 1)";
		*have_header = true;
		return NULL;
	}
	if (!*have_header)
		return "the first statement must be 'orthros-partition 1'";

	if (!strcmp(w[0], "cpu")) {
		struct orthros_cpu *cpu;

		if (n < 2 || n > 3 || !parse_num(w[1], &a) || a > 0xff)
			return "expected: cpu APIC-ID [bsp|backup] (APIC ID 0-255)";
		if (p->nr_cpus >= ORTHROS_MAX_CPUS)
			return "too many CPUs";
		cpu = &p->cpus[p->nr_cpus++];
		cpu->apic_id = a;
		cpu->flags = 0;
		if (n == 3 && !strcmp(w[2], "bsp"))
			cpu->flags = ORTHROS_CPU_BSP;
		else if (n == 3 && !strcmp(w[2], "backup"))
			cpu->flags = ORTHROS_CPU_BACKUP;
		else if (n == 3)
			return "a CPU is 'bsp', 'backup' or neither";
		return NULL;
	}
	if (!strcmp(w[0], "first-only") || !strcmp(w[0], "shared") ||
	    !strcmp(w[0], "general")) {
		int kind = lookup(orthros_mem_kind_name, ORTHROS_MEM_GENERAL, w[0]);

		if (n != 3 || !parse_num(w[1], &a) || !parse_num(w[2], &b))
			return "expected: KIND START SIZE";
		if (add_range(p, a, b, kind, 0))
			return "too many memory ranges";
		return NULL;
	}
	if (!strcmp(w[0], "slot")) {
		uint64_t nr;

		if (n != 7 || !parse_num(w[1], &nr) || !parse_num(w[2], &a) ||
		    !parse_num(w[3], &b) || strcmp(w[4], "low") ||
		    !parse_num(w[5], &c) || !parse_num(w[6], &d))
			return "expected: slot N START SIZE low START SIZE";
		if (nr < 1 || nr > ORTHROS_NR_SLOTS)
			return "slots are numbered 1 to 3";
		if (add_range(p, a, b, ORTHROS_MEM_SLOT, nr) ||
		    add_range(p, c, d, ORTHROS_MEM_SLOT_LOW, nr))
			return "too many memory ranges";
		return NULL;
	}
	if (!strcmp(w[0], "device")) {
		struct orthros_device *dev;
		int role;

		if (n != 4)
			return "expected: device BB:DD.F NAME active|backup|odd|even";
		if (p->nr_devices >= ORTHROS_MAX_DEVICES)
			return "too many devices";
		dev = &p->devices[p->nr_devices];
		memset(dev, 0, sizeof(*dev));
		if (!parse_bdf(w[1], dev))
			return "a device is named by bus:device.function, e.g. 00:04.0";
		if (strlen(w[2]) >= ORTHROS_NAME_LEN)
			return "device name longer than 15 characters";
		strcpy(dev->name, w[2]);
		role = lookup(orthros_dev_role_name, ORTHROS_DEV_EVEN, w[3]);
		if (role < 0)
			return "a device's role is active, backup, odd or even";
		dev->role = role;
		p->nr_devices++;
		return NULL;
	}
	return "unknown statement (orthros-partition, cpu, first-only, slot, shared, general, device)";
}

int orthros_partition_parse(const char *text, const char *name,
			    struct orthros_partition *p, char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *save = NULL;
	bool have_header = false;
	int lineno = 0, ret = 0;

	if (!copy)
		return errf(err, errlen, "%s: out of memory", name);
	memset(p, 0, sizeof(*p));
	memcpy(p->signature, ORTHROS_PARTITION_SIGNATURE, sizeof(p->signature));
	p->revision = ORTHROS_PARTITION_REVISION;

	/* strsep keeps empty lines, so line numbers stay right. */
	save = copy;
	while ((line = strsep(&save, "\n")) != NULL) {
		char *w[MAX_WORDS + 1], *hash, *tok, *ws = NULL;
		const char *why;
		int n = 0;

		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r", &ws); tok; tok = strtok_r(NULL, " \t\r", &ws)) {
			if (n == MAX_WORDS) {
				ret = errf(err, errlen, "%s:%d: too many words", name, lineno);
				goto out;
			}
			w[n++] = tok;
		}
		if (!n)
			continue;
		why = parse_statement(p, w, n, &have_header);
		if (why) {
			ret = errf(err, errlen, "%s:%d: %s", name, lineno, why);
			goto out;
		}
	}
	if (!have_header) {
		ret = errf(err, errlen, "%s: empty (no 'orthros-partition 1' line)", name);
		goto out;
	}
	if (orthros_partition_check(p, err, errlen)) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		ret = errf(err, errlen, "%s: %s", name, why);
	}
out:
	free(copy);
	return ret;
}

int orthros_partition_read_binary(const char *path, struct orthros_partition *p,
				  char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	n = fread(p, 1, sizeof(*p), f);
	fclose(f);
	if (!n)
		return 1;
	if (n != sizeof(*p))
		return errf(err, errlen, "%s: %zu bytes, not a partition of this revision", path, n);
	return orthros_partition_check(p, err, errlen);
}

int orthros_partition_load(const char *path, struct orthros_partition *p,
			   char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	int ret;

	if (!f)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return errf(err, errlen, "%s: not a readable file of at most 1 MiB", path);
	}
	text = calloc(1, n + 1);
	if (!text || fread(text, 1, n, f) != (size_t)n) {
		free(text);
		fclose(f);
		return errf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	ret = orthros_partition_parse(text, path, p, err, errlen);
	free(text);
	return ret;
}

/* The kernel's own validator (kernel/orthros/partition_check.c), compiled in here too. */
int orthros_partition_check(const struct orthros_partition *p, char *err, size_t errlen)
{
	return orthros_partition_validate(p, err, errlen) ? -1 : 0;
}

int orthros_logical_apic_id(const struct orthros_partition *p, unsigned int apic_id)
{
	unsigned int i, rank = 0;
	bool found = false;

	for (i = 0; i < p->nr_cpus && i < ORTHROS_MAX_CPUS; i++) {
		if (p->cpus[i].apic_id == apic_id)
			found = true;
		else if (p->cpus[i].apic_id < apic_id)
			rank++;
	}
	if (!found || rank >= 8)
		return -1;
	return 1 << rank;
}

void orthros_partition_print(FILE *f, const struct orthros_partition *p)
{
	static const char *const owner[] = {
		[ORTHROS_MEM_FIRST_ONLY] = "the 1stOS only; unused once it is gone",
		[ORTHROS_MEM_SLOT] = "BackupOS slot; kept when that OS becomes active",
		[ORTHROS_MEM_SLOT_LOW] = "that slot's AP trampoline, below 1 MiB",
		[ORTHROS_MEM_SHARED] = "inter-OS shared memory",
		[ORTHROS_MEM_GENERAL] = "always the ActiveOS's, added in 128 MiB blocks",
	};
	static const char *const dev_owner[] = {
		[ORTHROS_DEV_ACTIVE] = "the ActiveOS (migrates at failover)",
		[ORTHROS_DEV_BACKUP] = "the BackupOS",
		[ORTHROS_DEV_ODD] = "odd-numbered OSes (1st, 3rd, ...)",
		[ORTHROS_DEV_EVEN] = "even-numbered OSes (2nd, 4th, ...)",
	};
	uint64_t total[ORTHROS_MEM_GENERAL + 1] = { 0 };
	unsigned int i;

	fprintf(f, "CPUs (local APIC ID -> logical APIC ID in every OS):\n");
	for (i = 0; i < p->nr_cpus; i++) {
		const struct orthros_cpu *c = &p->cpus[i];

		fprintf(f, "  %3u -> %#04x  %s\n", c->apic_id,
			orthros_logical_apic_id(p, c->apic_id) & 0xff,
			c->flags & ORTHROS_CPU_BSP ? "BSP: the 1stOS's boot CPU, then an ActiveOS CPU" :
			c->flags & ORTHROS_CPU_BACKUP ? "the 2ndOS (first BackupOS)" : "ActiveOS");
	}
	fprintf(f, "Memory (by address):\n");
	for (i = 0; i < p->nr_ranges; i++) {
		const struct orthros_range *r = NULL;
		char slot[16] = "";
		unsigned int j;

		/* The i-th lowest range: descriptions are short, so a scan will do. */
		for (j = 0; j < p->nr_ranges; j++) {
			unsigned int k, below = 0;

			for (k = 0; k < p->nr_ranges; k++)
				below += p->ranges[k].start < p->ranges[j].start;
			if (below == i)
				r = &p->ranges[j];
		}
		if (!r)
			continue;
		if (r->slot)
			snprintf(slot, sizeof(slot), " %u", r->slot);
		fprintf(f, "  [0x%09" PRIx64 "-0x%09" PRIx64 ") %8" PRIu64 " KiB  %s%s: %s\n",
			(uint64_t)r->start, (uint64_t)(r->start + r->size),
			(uint64_t)r->size >> 10, orthros_mem_kind_name(r->kind), slot,
			r->kind <= ORTHROS_MEM_GENERAL ? owner[r->kind] : "?");
	}
	for (i = 0; i < p->nr_ranges; i++)
		if (p->ranges[i].kind <= ORTHROS_MEM_GENERAL)
			total[p->ranges[i].kind] += p->ranges[i].size;
	fprintf(f, "  in all: general %" PRIu64 " MiB, slots %" PRIu64 " MiB, 1stOS-only %" PRIu64
		" KiB, shared %" PRIu64 " KiB\n",
		(uint64_t)(total[ORTHROS_MEM_GENERAL] / MIB), (uint64_t)(total[ORTHROS_MEM_SLOT] / MIB),
		(uint64_t)(total[ORTHROS_MEM_FIRST_ONLY] >> 10), (uint64_t)(total[ORTHROS_MEM_SHARED] >> 10));
	fprintf(f, "PCI devices (unlisted ones are the 1stOS's alone):\n");
	for (i = 0; i < p->nr_devices; i++) {
		const struct orthros_device *d = &p->devices[i];

		fprintf(f, "  %02x:%02x.%x  %-15s %s\n", d->bus, d->devfn >> 3, d->devfn & 7,
			d->name, d->role <= ORTHROS_DEV_EVEN ? dev_owner[d->role] : "?");
	}
}
