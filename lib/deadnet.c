// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadkernel: a NIC's IPv4 set-up in a dead kernel. The net device is
 * found in init_net's device list by hardware address; its addresses are
 * its in_device's ifa_list; its routes are the leaves of the main table's
 * fib trie (net/ipv4/fib_trie.c) whose next hop leaves through it. Without
 * CONFIG_IP_MULTIPLE_TABLES there is no net->ipv4.fib_main, the main table
 * is the one in fib_table_hash[RT_TABLE_MAIN & 1], and it shares its trie
 * with the local table, so every route carries its table id
 * (fib_alias.tb_id).
 */
#include <arpa/inet.h>
#include <string.h>

#include "deadnet.h"

#define KEYLENGTH	32
#define MAX_DEVICES	1024
#define MAX_LEAVES	(1u << 16)	/* routes and local addresses in one trie */
/*
 * Child pointers read: fib_trie.c halves tnodes less than a quarter full,
 * so a trie of MAX_LEAVES leaves has far fewer. Counting them bounds the
 * walk also where corrupt tnodes share children (leaves alone do not).
 */
#define MAX_SLOTS	(1u << 22)
#define RT_TABLE_MAIN	254
#define RTPROT_KERNEL	2
#define H(x) ((unsigned long long)(x))

struct dn_layout {
	uint32_t net_dev_base, net_ipv4, ipv4_fib_main, ipv4_fib_hash;
	bool has_fib_main;		/* CONFIG_IP_MULTIPLE_TABLES */
	uint32_t nd_list, nd_name, nd_perm, nd_addr, nd_addr_len, nd_mtu, nd_flags, nd_ip;
	uint32_t in_ifa_list;
	uint32_t ifa_next, ifa_local, ifa_address, ifa_broadcast, ifa_prefixlen, ifa_scope;
	uint32_t ifa_flags, ifa_label;
	uint32_t tb_hlist, tb_id, tb_data, kv_key, kv_pos, kv_bits, kv_leaf, kv_tnode;
	uint32_t fa_list, fa_info, fa_type, fa_slen, fa_tb;
	uint32_t fi_protocol, fi_scope, fi_prefsrc, fi_priority, fi_nhs, fi_nh_obj, fi_nh;
	uint32_t nh_size, nhc_dev, nhc_scope, nhc_gw_family, nhc_gw;
};

static int layout(struct dk *dk, struct dn_layout *l)
{
	const struct dk_field f[] = {
		{ "struct net", "dev_base_head", &l->net_dev_base },
		{ "struct net", "ipv4", &l->net_ipv4 },
		{ "struct netns_ipv4", "fib_table_hash", &l->ipv4_fib_hash },
		{ "struct net_device", "dev_list", &l->nd_list },
		{ "struct net_device", "name", &l->nd_name },
		{ "struct net_device", "perm_addr", &l->nd_perm },
		{ "struct net_device", "dev_addr", &l->nd_addr },
		{ "struct net_device", "addr_len", &l->nd_addr_len },
		{ "struct net_device", "mtu", &l->nd_mtu },
		{ "struct net_device", "flags", &l->nd_flags },
		{ "struct net_device", "ip_ptr", &l->nd_ip },
		{ "struct in_device", "ifa_list", &l->in_ifa_list },
		{ "struct in_ifaddr", "ifa_next", &l->ifa_next },
		{ "struct in_ifaddr", "ifa_local", &l->ifa_local },
		{ "struct in_ifaddr", "ifa_address", &l->ifa_address },
		{ "struct in_ifaddr", "ifa_broadcast", &l->ifa_broadcast },
		{ "struct in_ifaddr", "ifa_prefixlen", &l->ifa_prefixlen },
		{ "struct in_ifaddr", "ifa_scope", &l->ifa_scope },
		{ "struct in_ifaddr", "ifa_flags", &l->ifa_flags },
		{ "struct in_ifaddr", "ifa_label", &l->ifa_label },
		{ "struct fib_table", "tb_hlist", &l->tb_hlist },
		{ "struct fib_table", "tb_id", &l->tb_id },
		{ "struct fib_table", "tb_data", &l->tb_data },
		{ "struct key_vector", "key", &l->kv_key },
		{ "struct key_vector", "pos", &l->kv_pos },
		{ "struct key_vector", "bits", &l->kv_bits },
		{ "struct key_vector", "leaf", &l->kv_leaf },
		{ "struct key_vector", "tnode", &l->kv_tnode },
		{ "struct fib_alias", "fa_list", &l->fa_list },
		{ "struct fib_alias", "fa_info", &l->fa_info },
		{ "struct fib_alias", "fa_type", &l->fa_type },
		{ "struct fib_alias", "fa_slen", &l->fa_slen },
		{ "struct fib_alias", "tb_id", &l->fa_tb },
		{ "struct fib_info", "fib_protocol", &l->fi_protocol },
		{ "struct fib_info", "fib_scope", &l->fi_scope },
		{ "struct fib_info", "fib_prefsrc", &l->fi_prefsrc },
		{ "struct fib_info", "fib_priority", &l->fi_priority },
		{ "struct fib_info", "fib_nhs", &l->fi_nhs },
		{ "struct fib_info", "nh", &l->fi_nh_obj },
		{ "struct fib_info", "fib_nh", &l->fi_nh },
		{ "struct fib_nh", "nh_common.nhc_dev", &l->nhc_dev },
		{ "struct fib_nh", "nh_common.nhc_scope", &l->nhc_scope },
		{ "struct fib_nh", "nh_common.nhc_gw_family", &l->nhc_gw_family },
		{ "struct fib_nh", "nh_common.nhc_gw", &l->nhc_gw },
	};

	if (dk_offsets(dk, f, DK_NFIELDS(f)) || dk_sizeof(dk, "struct fib_nh", &l->nh_size))
		return -1;
	l->has_fib_main = !dk_offset(dk, "struct netns_ipv4", "fib_main", &l->ipv4_fib_main);
	return 0;
}

static int rd8(struct dk *dk, uint64_t va, uint8_t *v)
{
	return dk_read(dk, va, v, 1);
}

static int rd32(struct dk *dk, uint64_t va, uint32_t *v)
{
	return dk_read(dk, va, v, 4);
}

struct find_ctx {
	const struct dn_layout *l;
	const unsigned char *mac;
	uint64_t dev;		/* the net_device found */
	unsigned int seen;
};

static int match_dev(struct dk *dk, uint64_t node, void *arg)
{
	struct find_ctx *c = arg;
	uint64_t dev = node - c->l->nd_list, addr;
	unsigned char perm[6], cur[6];
	uint8_t len;

	if (++c->seen > MAX_DEVICES)
		return dk_fail(dk, "more than %u net devices in init_net", MAX_DEVICES);
	if (rd8(dk, dev + c->l->nd_addr_len, &len) || dk_read(dk, dev + c->l->nd_perm, perm, 6))
		return -1;
	if (len != 6)
		return 0;
	if (!memcmp(perm, c->mac, 6)) {
		c->dev = dev;
		return 1;
	}
	/* A NIC whose address was changed is known by its current one. */
	if (dk_read_u64(dk, dev + c->l->nd_addr, &addr))
		return -1;
	if (addr && !dk_read(dk, addr, cur, 6) && !memcmp(cur, c->mac, 6)) {
		c->dev = dev;
		return 1;
	}
	return 0;
}

static int read_addrs(struct dk *dk, const struct dn_layout *l, uint64_t dev, struct dn_nic *nic)
{
	uint64_t in, ifa;

	if (dk_read_u64(dk, dev + l->nd_ip, &in))
		return -1;
	if (!in)
		return 0;	/* no IPv4 on it */
	if (dk_read_u64(dk, in + l->in_ifa_list, &ifa))
		return -1;
	while (ifa) {
		struct dn_addr *a = &nic->addrs[nic->naddrs];

		if (nic->naddrs == DN_MAX_ADDRS)
			return dk_fail(dk, "%s: more than %d IPv4 addresses", nic->name, DN_MAX_ADDRS);
		if (rd32(dk, ifa + l->ifa_local, &a->local) ||
		    rd32(dk, ifa + l->ifa_address, &a->address) ||
		    rd32(dk, ifa + l->ifa_broadcast, &a->broadcast) ||
		    rd8(dk, ifa + l->ifa_prefixlen, &a->prefixlen) ||
		    rd8(dk, ifa + l->ifa_scope, &a->scope) ||
		    rd32(dk, ifa + l->ifa_flags, &a->flags) ||
		    dk_read(dk, ifa + l->ifa_label, a->label, DN_NAME_LEN) ||
		    dk_read_u64(dk, ifa + l->ifa_next, &ifa))
			return -1;
		a->label[DN_NAME_LEN - 1] = 0;
		if (a->prefixlen > 32)
			return dk_fail(dk, "%s: an address with prefix length %u", nic->name,
				       a->prefixlen);
		nic->naddrs++;
	}
	return 0;
}

struct trie_ctx {
	const struct dn_layout *l;
	uint64_t dev;
	struct dn_nic *nic;
	unsigned int leaves;
	uint64_t slots;
	uint32_t key;		/* of the leaf being read */
};

/* One fib_alias of a leaf: a route if it is the main table's, through dev. */
static int add_route(struct dk *dk, uint64_t node, void *arg)
{
	struct trie_ctx *c = arg;
	const struct dn_layout *l = c->l;
	uint64_t fa = node - l->fa_list, fi, nh_obj, nhdev;
	uint8_t type, slen, gw_family;
	uint32_t tb, nhs, gw;
	struct dn_route r = { 0 };

	if (rd32(dk, fa + l->fa_tb, &tb) || rd8(dk, fa + l->fa_type, &type) ||
	    rd8(dk, fa + l->fa_slen, &slen) || dk_read_u64(dk, fa + l->fa_info, &fi))
		return -1;
	if (tb != RT_TABLE_MAIN)
		return 0;
	if (slen > KEYLENGTH || !fi)
		return dk_fail(dk, "fib alias 0x%llx: suffix length %u, info 0x%llx", H(fa), slen,
			       H(fi));
	if (dk_read_u64(dk, fi + l->fi_nh_obj, &nh_obj) || rd32(dk, fi + l->fi_nhs, &nhs))
		return -1;
	if (nh_obj || nhs != 1)
		return 0;	/* nexthop objects and multipath: not carried over */
	if (dk_read_u64(dk, fi + l->fi_nh + l->nhc_dev, &nhdev))
		return -1;
	if (nhdev != c->dev)
		return 0;
	if (rd8(dk, fi + l->fi_protocol, &r.protocol) || rd8(dk, fi + l->fi_scope, &r.scope) ||
	    rd32(dk, fi + l->fi_prefsrc, &r.prefsrc) || rd32(dk, fi + l->fi_priority, &r.priority) ||
	    rd8(dk, fi + l->fi_nh + l->nhc_gw_family, &gw_family) ||
	    rd32(dk, fi + l->fi_nh + l->nhc_gw, &gw))
		return -1;
	if (gw_family && gw_family != 2 /* AF_INET */)
		return 0;	/* an IPv4 route via an IPv6 next hop: not carried over */
	r.type = type;
	r.dst_len = KEYLENGTH - slen;
	r.dst = htonl(r.dst_len ? c->key & ~(uint32_t)0 << (KEYLENGTH - r.dst_len) : 0);
	r.gateway = gw_family ? gw : 0;
	if (c->nic->nroutes == DN_MAX_ROUTES)
		return dk_fail(dk, "%s: more than %d routes", c->nic->name, DN_MAX_ROUTES);
	c->nic->routes[c->nic->nroutes++] = r;
	return 0;
}

/* A node of the trie: a leaf's aliases, or a tnode's 2^bits children. */
static int walk_node(struct dk *dk, struct trie_ctx *c, uint64_t kv, unsigned int depth)
{
	const struct dn_layout *l = c->l;
	uint8_t pos, bits;
	uint32_t i;

	if (depth > KEYLENGTH)
		return dk_fail(dk, "fib trie deeper than %d levels", KEYLENGTH);
	if (rd8(dk, kv + l->kv_pos, &pos) || rd8(dk, kv + l->kv_bits, &bits))
		return -1;
	if (!bits) {
		if (++c->leaves > MAX_LEAVES)
			return dk_fail(dk, "more than %u leaves in the fib trie", MAX_LEAVES);
		if (rd32(dk, kv + l->kv_key, &c->key))
			return -1;
		return dk_hlist_walk(dk, kv + l->kv_leaf, add_route, c) < 0 ? -1 : 0;
	}
	if (bits > KEYLENGTH || pos + bits > KEYLENGTH)
		return dk_fail(dk, "fib trie node 0x%llx: pos %u bits %u", H(kv), pos, bits);
	c->slots += 1ull << bits;
	if (c->slots > MAX_SLOTS)
		return dk_fail(dk, "more than %u child pointers in the fib trie", MAX_SLOTS);
	for (i = 0; i < 1u << bits; i++) {
		uint64_t child;

		if (dk_read_u64(dk, kv + l->kv_tnode + 8ull * i, &child))
			return -1;
		if (child && walk_node(dk, c, child, depth + 1))
			return -1;
	}
	return 0;
}

struct table_ctx {
	const struct dn_layout *l;
	uint64_t table;
};

static int match_table(struct dk *dk, uint64_t node, void *arg)
{
	struct table_ctx *c = arg;
	uint32_t id;

	if (rd32(dk, node - c->l->tb_hlist + c->l->tb_id, &id))
		return -1;
	if (id != RT_TABLE_MAIN)
		return 0;
	c->table = node - c->l->tb_hlist;
	return 1;
}

/* The main table, as fib_get_table(net, RT_TABLE_MAIN) finds it; 0 if none. */
static int main_table(struct dk *dk, const struct dn_layout *l, uint64_t net, uint64_t *table)
{
	struct table_ctx c = { l, 0 };
	uint64_t hash;

	if (l->has_fib_main)
		return dk_read_u64(dk, net + l->net_ipv4 + l->ipv4_fib_main, table);
	if (dk_read_u64(dk, net + l->net_ipv4 + l->ipv4_fib_hash, &hash))
		return -1;
	if (hash && dk_hlist_walk(dk, hash + 8 * (RT_TABLE_MAIN & 1), match_table, &c) < 0)
		return -1;
	*table = c.table;
	return 0;
}

static int read_routes(struct dk *dk, const struct dn_layout *l, uint64_t net, uint64_t dev,
		       struct dn_nic *nic)
{
	struct trie_ctx c = { .l = l, .dev = dev, .nic = nic };
	uint64_t table, trie, root;

	if (main_table(dk, l, net, &table))
		return -1;
	if (!table)
		return 0;
	/* The trie's own key_vector is a tnode of one child: the real root. */
	if (dk_read_u64(dk, table + l->tb_data, &trie) ||
	    dk_read_u64(dk, trie + l->kv_tnode, &root))
		return -1;
	return root ? walk_node(dk, &c, root, 0) : 0;
}

int dn_find_nic(struct dk *dk, const unsigned char mac[6], struct dn_nic *nic)
{
	struct dn_layout l;
	struct find_ctx c;
	uint64_t net;
	int ret;

	memset(nic, 0, sizeof(*nic));
	if (layout(dk, &l) || dk_symbol(dk, "init_net", &net))
		return -1;
	c = (struct find_ctx){ &l, mac, 0, 0 };
	ret = dk_list_walk(dk, net + l.net_dev_base, match_dev, &c);
	if (ret < 0)
		return -1;
	if (!c.dev)
		return 1;
	memcpy(nic->mac, mac, 6);
	if (dk_read(dk, c.dev + l.nd_name, nic->name, DN_NAME_LEN) ||
	    rd32(dk, c.dev + l.nd_mtu, &nic->mtu) || rd32(dk, c.dev + l.nd_flags, &nic->flags))
		return -1;
	nic->name[DN_NAME_LEN - 1] = 0;
	return read_addrs(dk, &l, c.dev, nic) || read_routes(dk, &l, net, c.dev, nic) ? -1 : 0;
}
