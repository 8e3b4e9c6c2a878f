// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errf.h"
#include "machine.h"
#include "partition.h"

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static int cmp_ram(const void *a, const void *b)
{
	const struct machine_ram *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Read a one-line sysfs file into buf without the newline. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static int read_cpus(const char *root, struct machine *m, char *err, size_t errlen)
{
	char path[PATH_MAX], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	f = fopen(path, "r");
	if (!f)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	m->nr_cpus = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned int id;

		if (sscanf(line, "apicid : %u", &id) != 1)
			continue;
		if (m->nr_cpus == MACHINE_MAX_CPUS) {
			fclose(f);
			return errf(err, errlen, "%s: more than %d CPUs", path, MACHINE_MAX_CPUS);
		}
		m->apic_ids[m->nr_cpus++] = id;
	}
	fclose(f);
	if (!m->nr_cpus)
		return errf(err, errlen, "%s: no 'apicid' lines (not x86?)", path);
	qsort(m->apic_ids, m->nr_cpus, sizeof(m->apic_ids[0]), cmp_uint);
	return 0;
}

static int read_ram(const char *root, struct machine *m, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], buf[64];
	struct dirent *e;
	unsigned int i, n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/sys/firmware/memmap", root);
	d = opendir(dir);
	if (!d)
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		uint64_t start, end;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/type", dir, e->d_name);
		if (!read_line(path, buf, sizeof(buf)) || strcmp(buf, "System RAM"))
			continue;
		snprintf(path, sizeof(path), "%s/%s/start", dir, e->d_name);
		if (!read_line(path, buf, sizeof(buf)) || sscanf(buf, "%" SCNx64, &start) != 1)
			goto bad;
		snprintf(path, sizeof(path), "%s/%s/end", dir, e->d_name);
		if (!read_line(path, buf, sizeof(buf)) || sscanf(buf, "%" SCNx64, &end) != 1 ||
		    end < start)
			goto bad;
		if (n == MACHINE_MAX_RAM) {
			closedir(d);
			return errf(err, errlen, "%s: more than %d RAM ranges", dir, MACHINE_MAX_RAM);
		}
		m->ram[n].start = start;
		m->ram[n].end = end + 1;	/* the file holds the last byte */
		n++;
	}
	closedir(d);
	qsort(m->ram, n, sizeof(m->ram[0]), cmp_ram);
	/* Merge touching ranges: firmware may split RAM that is contiguous. */
	m->nr_ram = 0;
	for (i = 0; i < n; i++) {
		if (m->nr_ram && m->ram[m->nr_ram - 1].end >= m->ram[i].start) {
			if (m->ram[i].end > m->ram[m->nr_ram - 1].end)
				m->ram[m->nr_ram - 1].end = m->ram[i].end;
		} else {
			m->ram[m->nr_ram++] = m->ram[i];
		}
	}
	if (!m->nr_ram)
		return errf(err, errlen, "%s: no System RAM entries", dir);
	return 0;
bad:
	closedir(d);
	return errf(err, errlen, "%s: unreadable", path);
}

int machine_read(const char *root, struct machine *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (read_cpus(root, m, err, errlen) || read_ram(root, m, err, errlen))
		return -1;
	return 0;
}

int machine_own_ram(const char *root, struct machine_ram *r, int max, char *err, size_t errlen)
{
	char path[PATH_MAX], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/iomem", root);
	f = fopen(path, "r");
	if (!f)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) && n < max) {
		uint64_t start, end;

		/* Nested resources are indented; only top-level ranges count. */
		if (line[0] == ' ' || !strstr(line, " : System RAM"))
			continue;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2 || end < start)
			continue;
		/* Hot-added memory is one resource a block: merge what touches. */
		if (n && r[n - 1].end == start) {
			r[n - 1].end = end + 1;
			continue;
		}
		r[n].start = start;
		r[n].end = end + 1;
		n++;
	}
	fclose(f);
	return n;
}

bool machine_has_pci(const char *root, unsigned int bus, unsigned int devfn)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:%02x:%02x.%x",
		 root, bus, devfn >> 3, devfn & 7);
	return access(path, F_OK) == 0;
}

static bool is_ram(const struct machine *m, uint64_t start, uint64_t end)
{
	unsigned int i;

	for (i = 0; i < m->nr_ram; i++)
		if (m->ram[i].start <= start && end <= m->ram[i].end)
			return true;
	return false;
}

/* Bytes of [start, end) that some range of p covers. */
static uint64_t covered(const struct orthros_partition *p, uint64_t start, uint64_t end)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < p->nr_ranges; i++) {
		uint64_t s = p->ranges[i].start, e = s + p->ranges[i].size;

		if (s < start)
			s = start;
		if (e > end)
			e = end;
		if (s < e)
			sum += e - s;
	}
	return sum;
}

int machine_check_partition(const char *root, const struct machine *m,
			    const struct orthros_partition *p, FILE *f)
{
	unsigned int i, j, problems = 0;
	uint64_t ram = 0, unused = 0;

	for (i = 0; i < p->nr_cpus; i++) {
		bool found = false;

		for (j = 0; j < m->nr_cpus; j++)
			found |= m->apic_ids[j] == p->cpus[i].apic_id;
		if (!found) {
			fprintf(f, "problem: CPU with local APIC ID %u is not online in this machine\n",
				p->cpus[i].apic_id);
			problems++;
		}
	}
	for (j = 0; j < m->nr_cpus; j++) {
		bool found = false;

		for (i = 0; i < p->nr_cpus; i++)
			found |= m->apic_ids[j] == p->cpus[i].apic_id;
		if (!found) {
			/* Logical APIC IDs are ranked over the partition's CPUs in every OS. */
			fprintf(f, "problem: CPU with local APIC ID %u is in no partition: its logical APIC ID would clash with a BackupOS's core; list every CPU\n",
				m->apic_ids[j]);
			problems++;
		}
	}
	for (i = 0; i < p->nr_ranges; i++) {
		const struct orthros_range *r = &p->ranges[i];

		/* The 1stOS-only region holds the firmware's holes by design. */
		if (r->kind != ORTHROS_MEM_FIRST_ONLY && !is_ram(m, r->start, r->start + r->size)) {
			fprintf(f, "problem: %s [%#" PRIx64 "-%#" PRIx64 ") is not all RAM in the firmware map\n",
				orthros_mem_kind_name(r->kind), (uint64_t)r->start,
				(uint64_t)(r->start + r->size));
			problems++;
		}
	}
	for (i = 0; i < m->nr_ram; i++) {
		uint64_t size = m->ram[i].end - m->ram[i].start;
		uint64_t left = size - covered(p, m->ram[i].start, m->ram[i].end);

		ram += size;
		unused += left;
		if (left)
			fprintf(f, "note: %" PRIu64 " KiB of RAM in [%#" PRIx64 "-%#" PRIx64 ") is in no range (the 1stOS's alone)\n",
				left >> 10, m->ram[i].start, m->ram[i].end);
	}
	for (i = 0; i < p->nr_devices; i++) {
		const struct orthros_device *d = &p->devices[i];

		if (!machine_has_pci(root, d->bus, d->devfn)) {
			fprintf(f, "problem: device %s (%02x:%02x.%x) is not in this machine\n",
				d->name, d->bus, d->devfn >> 3, d->devfn & 7);
			problems++;
		}
	}
	fprintf(f, "machine: %u CPUs, %" PRIu64 " MiB RAM, %" PRIu64 " KiB of it unused by the partition; %u problem%s\n",
		m->nr_cpus, ram >> 20, unused >> 10, problems, problems == 1 ? "" : "s");
	return problems;
}
