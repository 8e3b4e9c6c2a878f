/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmachine: what the running machine has, read from procfs and sysfs
 * under a root directory ("/" normally, a fake tree in the unit tests),
 * and how a partition description fits it.
 */
#ifndef ORTHROS_LIB_MACHINE_H
#define ORTHROS_LIB_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/orthros/partition.h>

#define MACHINE_MAX_CPUS 256
#define MACHINE_MAX_RAM 64

struct machine_ram {
	uint64_t start, end;	/* [start, end) */
};

struct machine {
	unsigned int nr_cpus;
	unsigned int apic_ids[MACHINE_MAX_CPUS];	/* ascending, of online CPUs */
	unsigned int nr_ram;
	struct machine_ram ram[MACHINE_MAX_RAM];	/* firmware "System RAM", merged, ascending */
};

/* Read CPUs (/proc/cpuinfo) and RAM (/sys/firmware/memmap). 0 or -1 (err). */
int machine_read(const char *root, struct machine *m, char *err, size_t errlen);

/*
 * The RAM this kernel uses: top-level "System RAM" of root/proc/iomem
 * (after memmap= and the like), ranges that touch merged (hot-added
 * memory is one resource a block). Returns the count, or -1 (err).
 */
int machine_own_ram(const char *root, struct machine_ram *r, int max, char *err, size_t errlen);

/* Does PCI function bus:devfn exist under root/sys/bus/pci/devices? */
bool machine_has_pci(const char *root, unsigned int bus, unsigned int devfn);

/*
 * Report on f how p fits the machine: CPUs, memory ranges and devices that
 * the machine lacks are problems; RAM that no range covers is reported as
 * unused. Returns the number of problems.
 */
int machine_check_partition(const char *root, const struct machine *m,
			    const struct orthros_partition *p, FILE *f);

#endif
