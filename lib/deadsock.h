/* SPDX-License-Identifier: GPL-2.0-only */
/* libdeadproc: IPv4 TCP and UDP sockets of a dead kernel (deadsock.c). */
#ifndef ORTHROS_LIB_DEADSOCK_H
#define ORTHROS_LIB_DEADSOCK_H

#include "deadkernel.h"
#include "deadproc.h"

/* Read the socket behind struct file at file; NULL, or why it cannot be carried over. */
const char *dp_read_inet(struct dk *dk, uint64_t file, struct dp_inet *in);
void dp_inet_free(struct dp_inet *in);

#endif
