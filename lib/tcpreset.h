/* SPDX-License-Identifier: GPL-2.0-only */
/* Resets for the TCP connections of processes not carried over (tcpreset.c). */
#ifndef ORTHROS_LIB_TCPRESET_H
#define ORTHROS_LIB_TCPRESET_H

#include <stddef.h>
#include <stdint.h>

#include "deadproc.h"

#define TR_LEN	20	/* a TCP header with no options */

/*
 * The TCP header of a reset from (saddr, sport) to (daddr, dport), IPv4
 * addresses in network order, ports in host order, with sequence number
 * seq, its checksum over the IPv4 pseudo-header; sum_v6: leave the checksum
 * 0 (an IPv6 raw socket fills it in).
 */
void tr_build(uint8_t pkt[TR_LEN], uint32_t saddr, uint16_t sport, uint32_t daddr,
	      uint16_t dport, uint32_t seq, int sum_v6);

/* Send the reset for connection in (in->tcp set) from this machine. 0, or -1 (errno). */
int tr_send(const struct dp_inet *in);

#endif
