// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl cmdline [FILE]: the kernel parameters that keep the 1stOS's
 * hands off what the partition gives to other OS instances, from its first
 * instruction: memmap= reserves the slots (with their low chunks) and the
 * shared memory; orthros.pci_foreign= names the devices it must not drive;
 * no_ipi_broadcast=1 keeps its IPIs off other OSes' cores.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../../lib/partition.h"
#include "orthrosctl.h"

int cmd_cmdline(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : ORTHROS_DEFAULT_PARTITION;
	struct orthros_partition p;
	const char *sep = " orthros.pci_foreign=";
	char err[512];
	unsigned int i;

	if (argc > 2 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: orthrosctl cmdline [FILE]\n");
		return 2;
	}
	if (orthros_partition_load(file, &p, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl: invalid partition description: %s\n", err);
		return 2;
	}
	printf("no_ipi_broadcast=1");
	for (i = 0; i < p.nr_ranges; i++) {
		const struct orthros_range *r = &p.ranges[i];

		if (r->kind == ORTHROS_MEM_SLOT || r->kind == ORTHROS_MEM_SLOT_LOW ||
		    r->kind == ORTHROS_MEM_SHARED)
			printf(" memmap=%#" PRIx64 "$%#" PRIx64, (uint64_t)r->size, (uint64_t)r->start);
	}
	for (i = 0; i < p.nr_devices; i++) {
		const struct orthros_device *d = &p.devices[i];

		if (d->role != ORTHROS_DEV_BACKUP && d->role != ORTHROS_DEV_EVEN)
			continue;
		printf("%s%02x:%02x.%x", sep, d->bus, d->devfn >> 3, d->devfn & 7);
		sep = ",";
	}
	printf("\n");
	return 0;
}
