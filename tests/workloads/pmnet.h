/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "pmwork net" (the server, in the guest) and pmpeer (the client, on
 * the host) agree on: ports, the TCP byte streams and the UDP datagrams.
 * Byte k of a stream is pmnet_pat(k, salt): a Weyl sequence's top byte, so
 * a byte lost, doubled or moved shows within a byte or two, at any offset.
 * Datagrams are in the hosts' byte order (both little-endian).
 */
#ifndef PMNET_H
#define PMNET_H

#include <stddef.h>
#include <stdint.h>

#define PMNET_TCP_PORT	7000
#define PMNET_UDP_PORT	7001
#define PMNET_CLIENT	0xC1		/* salt of the client's stream */
#define PMNET_SERVER	0x5E		/* salt of the server's stream */
#define PMNET_MAGIC	0x50445550u	/* "PUDP" */

struct pmnet_req {			/* client -> server */
	uint32_t magic, pad;
	uint64_t client_seq;		/* grows; gaps allowed */
};

struct pmnet_rep {			/* server -> client */
	uint32_t magic, pad;
	uint64_t server_seq;		/* 1, 2, 3 ... over the server's life */
	uint64_t client_seq;		/* the request's, echoed */
};

static inline uint8_t pmnet_pat(uint64_t k, uint8_t salt)
{
	return (uint8_t)((k * 0x9e3779b97f4a7c15ull) >> 56) ^ salt;
}

static inline void pmnet_fill(uint8_t *p, size_t len, uint64_t off, uint8_t salt)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pmnet_pat(off + i, salt);
}

/* The index of the first byte of p that is not the stream's, or len. */
static inline size_t pmnet_check(const uint8_t *p, size_t len, uint64_t off,
				 uint8_t salt)
{
	size_t i = 0;

	while (i < len && p[i] == pmnet_pat(off + i, salt))
		i++;
	return i;
}

#endif
