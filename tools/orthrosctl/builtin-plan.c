// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl plan [FILE]: validate a partition description, print who owns
 * what, and check it against this machine (CPUs, firmware RAM map, PCI).
 * Exit status: 0 valid and fits, 1 does not fit this machine, 2 invalid.
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/machine.h"
#include "../../lib/partition.h"
#include "orthrosctl.h"

int cmd_plan(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : ORTHROS_DEFAULT_PARTITION;
	struct orthros_partition p;
	struct machine m;
	char err[512];

	if (argc > 2 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: orthrosctl plan [FILE]\n");
		return 2;
	}
	if (orthros_partition_load(file, &p, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl: invalid partition description: %s\n", err);
		return 2;
	}
	printf("Partition description %s (revision %u): valid\n", file, p.revision);
	orthros_partition_print(stdout, &p);
	if (machine_read(sysroot(), &m, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl: cannot read this machine: %s\n", err);
		return 1;
	}
	printf("Against this machine:\n");
	return machine_check_partition(sysroot(), &m, &p, stdout) ? 1 : 0;
}
