/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libcriuimg: write the images from which CRIU (3.17, x86-64) re-creates
 * processes read out of a dead kernel (libdeadproc): process tree, cores
 * (registers, FPU, signals, credentials), memory map and pages, files,
 * file descriptors, cwd and root. The processes are restored in the
 * surviving kernel's namespaces, with their PIDs.
 */
#ifndef ORTHROS_LIB_CRIUIMG_H
#define ORTHROS_LIB_CRIUIMG_H

#include <stdbool.h>
#include <stddef.h>

#include "deadkernel.h"
#include "deadproc.h"

/*
 * Write images for every process of set without problems into dir (which
 * must exist); page contents are read from dk. A process whose parent is
 * not written becomes a root of the restored tree. Returns the number of
 * processes written, or -1 (err).
 */
int ci_write(struct dk *dk, const struct dp_set *set, const char *dir, char *err, size_t errlen);

/* Does a process of set hold an established TCP connection (criu --tcp-established)? */
bool ci_has_tcp(const struct dp_set *set);

#endif
