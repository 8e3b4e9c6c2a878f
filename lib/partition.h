/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libpartition: the text form of the partition description (docs/partition.md)
 * to and from struct orthros_partition, and its validation.
 */
#ifndef ORTHROS_LIB_PARTITION_H
#define ORTHROS_LIB_PARTITION_H

#include <stddef.h>
#include <stdio.h>

#include <linux/orthros/partition.h>

/*
 * Parse the text form. name is used in messages ("name:line: ...").
 * Returns 0, or -1 with a message in err; a description that parses but is
 * not valid (orthros_partition_check) is an error too.
 */
int orthros_partition_parse(const char *text, const char *name,
			    struct orthros_partition *p, char *err, size_t errlen);

/* Read and parse a file. */
int orthros_partition_load(const char *path, struct orthros_partition *p,
			   char *err, size_t errlen);

/*
 * The binary form, as the kernel shows the partition in force
 * (/sys/kernel/orthros/partition): 0; 1 if there is none yet (empty);
 * -1 with err on a wrong size or a description that is not valid.
 */
int orthros_partition_read_binary(const char *path, struct orthros_partition *p,
				  char *err, size_t errlen);

/* Validate: 0, or -1 with the first problem found in err. */
int orthros_partition_check(const struct orthros_partition *p, char *err, size_t errlen);

/*
 * The logical APIC ID (flat mode bit) of the CPU with local APIC ID apic_id:
 * CPUs ranked in ascending order of local APIC ID, bit 0 for the lowest, in
 * every OS instance alike (paper 3.6, tables 1 and 2). -1 if the CPU is not
 * in the description or ranks beyond the 8 bits of flat mode.
 */
int orthros_logical_apic_id(const struct orthros_partition *p, unsigned int apic_id);

/* "general", "slot", ...; "active", "backup", ...: in kernel/orthros/partition_check.c. */
const char *orthros_mem_kind_name(unsigned int kind);
const char *orthros_dev_role_name(unsigned int role);

/* Human-readable listing of who owns what. */
void orthros_partition_print(FILE *f, const struct orthros_partition *p);

#endif
