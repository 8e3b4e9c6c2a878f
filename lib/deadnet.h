/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libdeadkernel: how a dead kernel had a NIC set up (IPv4), so the kernel
 * that takes the NIC over can give it the same name, addresses and routes.
 * Read from the dead kernel's memory: its net devices (init_net), their
 * in_device address lists, and the main routing table (the fib trie).
 */
#ifndef ORTHROS_LIB_DEADNET_H
#define ORTHROS_LIB_DEADNET_H

#include <stdbool.h>
#include <stdint.h>

#include "deadkernel.h"

#define DN_NAME_LEN	16
#define DN_MAX_ADDRS	16
#define DN_MAX_ROUTES	64

/* Addresses in network byte order, as the kernel keeps them. */
struct dn_addr {
	uint32_t local, address, broadcast;
	uint8_t prefixlen, scope;
	uint32_t flags;
	char label[DN_NAME_LEN];
};

/* A route of the main table through the NIC, one next hop. */
struct dn_route {
	uint32_t dst, gateway, prefsrc;	/* gateway 0: on-link */
	uint8_t dst_len, scope, protocol, type;
	uint32_t priority;
};

struct dn_nic {
	char name[DN_NAME_LEN];
	unsigned char mac[6];
	uint32_t mtu, flags;		/* IFF_* */
	struct dn_addr addrs[DN_MAX_ADDRS];
	unsigned int naddrs;
	struct dn_route routes[DN_MAX_ROUTES];
	unsigned int nroutes;
};

/*
 * The NIC whose permanent or current hardware address is mac. 0 and *nic
 * filled; 1 if the dead kernel had no such NIC; -1 on error (dk_error).
 */
int dn_find_nic(struct dk *dk, const unsigned char mac[6], struct dn_nic *nic);

#endif
