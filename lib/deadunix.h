/* SPDX-License-Identifier: GPL-2.0-only */
/* libdeadproc: Unix sockets of a dead kernel (deadunix.c). */
#ifndef ORTHROS_LIB_DEADUNIX_H
#define ORTHROS_LIB_DEADUNIX_H

#include "deadkernel.h"
#include "deadproc.h"

/*
 * Read the Unix socket behind struct file at file into u: NULL, or why it
 * cannot be carried over. A socket bound to a path leaves path_mnt and
 * path_dentry for the caller, who resolves paths (dir, the file's owner).
 */
const char *dp_read_unix(struct dk *dk, uint64_t file, struct dp_unix *u);
void dp_unix_free(struct dp_unix *u);

#endif
