/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libdeadproc: IPv4 and IPv6 TCP and UDP sockets of a dead kernel
 * (deadsock.c), and what the other kinds of socket share with them.
 */
#ifndef ORTHROS_LIB_DEADSOCK_H
#define ORTHROS_LIB_DEADSOCK_H

#include "deadkernel.h"
#include "deadproc.h"

/* Read the socket behind struct file at file; NULL, or why it cannot be carried over. */
const char *dp_read_inet(struct dk *dk, uint64_t file, struct dp_inet *in);
void dp_inet_free(struct dp_inet *in);

/* The family (AF_*) of the socket behind struct file at file; -1 if unreadable. */
int dp_sock_family(struct dk *dk, uint64_t file);

/*
 * Bytes [from, from + n) of one socket buffer's payload (its linear part,
 * its page fragments, the buffers on its frag_list) into buf. 0; 1 with
 * *why set when the buffer is corrupt or shorter; -1 when unreadable.
 */
int dp_skb_payload(struct dk *dk, uint64_t skb, uint32_t from, uint32_t n, unsigned char *buf,
		   const char **why);

#endif
