/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orthros: the one validator of a partition description, shared by the
 * kernel and the tools (partition_check.c).
 */
#ifndef _ORTHROS_PARTITION_CHECK_H
#define _ORTHROS_PARTITION_CHECK_H

#include <linux/orthros/partition.h>

/* 0, or -EINVAL with why it is not valid in why[len]. */
int orthros_partition_validate(const struct orthros_partition *p, char *why, size_t len);

/* "general", "slot", ...; "active", "backup", ...: "unknown" if none. */
const char *orthros_mem_kind_name(unsigned int kind);
const char *orthros_dev_role_name(unsigned int role);

#endif
