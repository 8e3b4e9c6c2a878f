// SPDX-License-Identifier: GPL-2.0-only
/*
 * dn_find_nic() on a synthetic dead kernel (dkimg.h): init_net with two net
 * devices, IPv4 addresses on one, and one fib trie that the main and local
 * tables share (as 6.1 keeps them until a custom rule splits them), with
 * tnodes of one and two bits, routes through either device, routes that
 * are not carried over, and corrupted variants that must be rejected with
 * a message naming the fault.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "unit.h"
#include "dkimg.h"
#include "../../lib/deadnet.h"

/* Byte offsets and sizes that the BTF below describes: 6.1's, trimmed. */
enum {
	NET_DEV_BASE = 144, NET_IPV4 = 256, NET_SIZE = 1024,
	IPV4_FIB_MAIN = 56, IPV4_FIB_HASH = 96, IPV4_SIZE = 256,
	ND_LIST = 72, ND_FLAGS = 128, ND_MTU = 136, ND_IP = 256, ND_PERM = 320,
	ND_ADDR_LEN = 352, ND_ADDR = 360, ND_SIZE = 384,
	IN_IFA_LIST = 24, IN_SIZE = 64,
	IA_NEXT = 16, IA_DEV = 24, IA_LOCAL = 48, IA_ADDRESS = 52, IA_MASK = 56,
	IA_BROADCAST = 64, IA_SCOPE = 68, IA_PREFIXLEN = 69, IA_FLAGS = 72, IA_LABEL = 76,
	IA_SIZE = 120,
	TB_ID = 16, TB_DATA = 40, TB_SIZE = 48,		/* the trie follows (__data) */
	KV_POS = 4, KV_BITS = 5, KV_SLEN = 6, KV_TNODE = 8, KV_SIZE = 16,
	TN_KV = 32,		/* struct tnode: rcu, counts, parent, then kv[] */
	FA_INFO = 16, FA_TYPE = 25, FA_SLEN = 27, FA_TB = 28, FA_SIZE = 56,
	FI_PROTOCOL = 69, FI_SCOPE = 70, FI_PREFSRC = 72, FI_PRIORITY = 80, FI_NHS = 96,
	FI_NH_OBJ = 104, FI_NH = 128,
	NHC_SCOPE = 12, NHC_GW_FAMILY = 14, NHC_GW = 24, NHC_SIZE = 72, NH_SIZE = 104,
};

#define INIT_NET	0xffffffff82001000ULL	/* in the kernel image */
#define SYMBOLS		"ffffffff82000100 D init_uts_ns\nffffffff82001000 D init_net\n"

static void field(struct btf *b, const char *name, int type, uint32_t off)
{
	btf__add_field(b, name, type, off * 8, 0);
}

/*
 * dkimg_btf() and the structures dn_find_nic() reads; netns_ipv4 has
 * fib_main only with CONFIG_IP_MULTIPLE_TABLES (the lab's kernel has not).
 */
static const char *net_btf(char *path, bool fib_main)
{
	struct dkimg_types t;
	struct btf *b = dkimg_btf(&t);
	int name16 = btf__add_array(b, t.u32, t.u8, 16);
	int addr32 = btf__add_array(b, t.u32, t.u8, 32);
	int in6 = btf__add_array(b, t.u32, t.u8, 16);
	int ptrs = btf__add_array(b, t.u32, t.vp, 0);
	int longs = btf__add_array(b, t.u32, t.u64, 0);
	int ipv4, kv_u, gw_u, nhc, nh, nhs;

	ipv4 = btf__add_struct(b, "netns_ipv4", IPV4_SIZE);
	if (fib_main)
		field(b, "fib_main", t.vp, IPV4_FIB_MAIN);
	field(b, "fib_table_hash", t.vp, IPV4_FIB_HASH);
	btf__add_struct(b, "net", NET_SIZE);
	field(b, "dev_base_head", t.list_head, NET_DEV_BASE);
	field(b, "ipv4", ipv4, NET_IPV4);
	btf__add_struct(b, "net_device", ND_SIZE);
	field(b, "name", name16, 0);
	field(b, "dev_list", t.list_head, ND_LIST);
	field(b, "flags", t.u32, ND_FLAGS);
	field(b, "mtu", t.u32, ND_MTU);
	field(b, "ip_ptr", t.vp, ND_IP);
	field(b, "perm_addr", addr32, ND_PERM);
	field(b, "addr_len", t.u8, ND_ADDR_LEN);
	field(b, "dev_addr", t.vp, ND_ADDR);
	btf__add_struct(b, "in_device", IN_SIZE);
	field(b, "dev", t.vp, 0);
	field(b, "ifa_list", t.vp, IN_IFA_LIST);
	btf__add_struct(b, "in_ifaddr", IA_SIZE);
	field(b, "hash", t.hlist_node, 0);
	field(b, "ifa_next", t.vp, IA_NEXT);
	field(b, "ifa_dev", t.vp, IA_DEV);
	field(b, "ifa_local", t.u32, IA_LOCAL);
	field(b, "ifa_address", t.u32, IA_ADDRESS);
	field(b, "ifa_mask", t.u32, IA_MASK);
	field(b, "ifa_broadcast", t.u32, IA_BROADCAST);
	field(b, "ifa_scope", t.u8, IA_SCOPE);
	field(b, "ifa_prefixlen", t.u8, IA_PREFIXLEN);
	field(b, "ifa_flags", t.u32, IA_FLAGS);
	field(b, "ifa_label", name16, IA_LABEL);
	btf__add_struct(b, "fib_table", TB_SIZE);
	field(b, "tb_hlist", t.hlist_node, 0);
	field(b, "tb_id", t.u32, TB_ID);
	field(b, "tb_data", t.vp, TB_DATA);
	field(b, "__data", longs, TB_SIZE);
	kv_u = btf__add_union(b, NULL, 8);
	field(b, "leaf", t.hlist_head, 0);
	field(b, "tnode", ptrs, 0);
	btf__add_struct(b, "key_vector", KV_SIZE);
	field(b, "key", t.u32, 0);
	field(b, "pos", t.u8, KV_POS);
	field(b, "bits", t.u8, KV_BITS);
	field(b, "slen", t.u8, KV_SLEN);
	field(b, NULL, kv_u, KV_TNODE);
	btf__add_struct(b, "fib_alias", FA_SIZE);
	field(b, "fa_list", t.hlist_node, 0);
	field(b, "fa_info", t.vp, FA_INFO);
	field(b, "fa_type", t.u8, FA_TYPE);
	field(b, "fa_slen", t.u8, FA_SLEN);
	field(b, "tb_id", t.u32, FA_TB);
	gw_u = btf__add_union(b, NULL, 16);
	field(b, "ipv4", t.u32, 0);
	field(b, "ipv6", in6, 0);
	nhc = btf__add_struct(b, "fib_nh_common", NHC_SIZE);
	field(b, "nhc_dev", t.vp, 0);
	field(b, "nhc_oif", t.u32, 8);
	field(b, "nhc_scope", t.u8, NHC_SCOPE);
	field(b, "nhc_family", t.u8, 13);
	field(b, "nhc_gw_family", t.u8, NHC_GW_FAMILY);
	field(b, "nhc_gw", gw_u, NHC_GW);
	nh = btf__add_struct(b, "fib_nh", NH_SIZE);
	field(b, "nh_common", nhc, 0);
	field(b, "nh_hash", t.hlist_node, NHC_SIZE);
	field(b, "nh_parent", t.vp, 88);
	field(b, "nh_saddr", t.u32, 96);
	nhs = btf__add_array(b, t.u32, nh, 0);
	btf__add_struct(b, "fib_info", FI_NH);
	field(b, "fib_hash", t.hlist_node, 0);
	field(b, "fib_protocol", t.u8, FI_PROTOCOL);
	field(b, "fib_scope", t.u8, FI_SCOPE);
	field(b, "fib_prefsrc", t.u32, FI_PREFSRC);
	field(b, "fib_priority", t.u32, FI_PRIORITY);
	field(b, "fib_nhs", t.u32, FI_NHS);
	field(b, "nh", t.vp, FI_NH_OBJ);
	field(b, "fib_nh", nhs, FI_NH);
	return dkimg_btf_write(b, path);
}

static void put32(struct img *m, uint64_t pa, uint32_t v)
{
	memcpy(m->mem + pa, &v, 4);
}

static void put64(struct img *m, uint64_t pa, uint64_t v)
{
	memcpy(m->mem + pa, &v, 8);
}

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static const unsigned char svc_mac[6] = { 0x52, 0x54, 0x00, 0x0e, 0x00, 0x01 };

/* The dead kernel, and where in it the tests reach in to corrupt it. */
struct world {
	struct img m;
	char btf[64], syms[64];
	uint64_t svc_addr;		/* net-svc's dev_addr bytes */
	uint64_t ifa[2];		/* net-svc's addresses */
	uint64_t root, t3, t4;		/* key_vectors of tnodes */
	uint64_t fa_default;
};

/* A net device with mac as perm_addr and, in bytes of its own, dev_addr. */
static uint64_t netdev(struct img *m, const char *name, const unsigned char *mac, uint32_t mtu,
		       uint32_t flags, uint64_t *addr)
{
	uint64_t d = alloc(m, ND_SIZE, 64);

	*addr = alloc(m, 32, 8);
	strcpy((char *)m->mem + d, name);
	memcpy(m->mem + d + ND_PERM, mac, 6);
	memcpy(m->mem + *addr, mac, 6);
	m->mem[d + ND_ADDR_LEN] = 6;
	put64(m, d + ND_ADDR, DM(*addr));
	put32(m, d + ND_MTU, mtu);
	put32(m, d + ND_FLAGS, flags);
	put64(m, d + ND_IP, DM(alloc(m, IN_SIZE, 64)));
	return d;
}

/* An address appended to dev's in_device's ifa_list. */
static uint64_t ifaddr(struct img *m, uint64_t dev, const char *local, int prefixlen,
		       const char *broadcast, uint8_t scope, const char *label)
{
	uint64_t a = alloc(m, IA_SIZE, 64), link = P(m, dev + ND_IP)[0] - DMAP + IN_IFA_LIST;
	uint32_t mask = prefixlen ? htonl(~0u << (32 - prefixlen)) : 0;

	while (P(m, link)[0])
		link = P(m, link)[0] - DMAP + IA_NEXT;
	put64(m, link, DM(a));
	put64(m, a + IA_DEV, P(m, dev + ND_IP)[0]);
	put32(m, a + IA_LOCAL, ip(local));
	put32(m, a + IA_ADDRESS, ip(local));
	put32(m, a + IA_MASK, mask);
	put32(m, a + IA_BROADCAST, broadcast ? ip(broadcast) : 0);
	m->mem[a + IA_SCOPE] = scope;
	m->mem[a + IA_PREFIXLEN] = prefixlen;
	put32(m, a + IA_FLAGS, IFA_F_PERMANENT);
	strcpy((char *)m->mem + a + IA_LABEL, label);
	return a;
}

/* A fib_info of one next hop through dev (gw NULL: on-link). */
static uint64_t fib_info(struct img *m, uint64_t dev, uint8_t protocol, uint8_t scope,
			 const char *prefsrc, uint32_t priority, const char *gw)
{
	uint64_t fi = alloc(m, FI_NH + NH_SIZE, 64), nh = fi + FI_NH;

	m->mem[fi + FI_PROTOCOL] = protocol;
	m->mem[fi + FI_SCOPE] = scope;
	put32(m, fi + FI_PREFSRC, prefsrc ? ip(prefsrc) : 0);
	put32(m, fi + FI_PRIORITY, priority);
	put32(m, fi + FI_NHS, 1);
	put64(m, nh, DM(dev));
	m->mem[nh + NHC_SCOPE] = gw ? RT_SCOPE_LINK : RT_SCOPE_HOST;
	m->mem[nh + NHC_GW_FAMILY] = gw ? AF_INET : 0;
	/* Without a gateway family its bytes mean nothing: leave some there. */
	put32(m, nh + NHC_GW, ip(gw ? gw : "10.0.2.1"));
	return fi;
}

static uint64_t alias(struct img *m, uint32_t tb, uint8_t type, uint8_t slen, uint64_t fi)
{
	uint64_t fa = alloc(m, FA_SIZE, 64);

	put64(m, fa + FA_INFO, DM(fi));
	m->mem[fa + FA_TYPE] = type;
	m->mem[fa + FA_SLEN] = slen;
	put32(m, fa + FA_TB, tb);
	return fa;
}

/* A key_vector in a struct tnode of 2^bits slots (bits 0: a leaf's hlist). */
static uint64_t key_vector(struct img *m, uint32_t key, uint8_t pos, uint8_t bits)
{
	uint64_t kv = alloc(m, TN_KV + KV_TNODE + (8ULL << bits), 64) + TN_KV;

	put32(m, kv, key);
	m->mem[kv + KV_POS] = pos;
	m->mem[kv + KV_BITS] = bits;
	return kv;
}

/* A leaf of key (host order) with n aliases, most specific first. */
static uint64_t leaf(struct img *m, uint32_t key, int n, const uint64_t *fa)
{
	uint64_t kv = key_vector(m, key, 0, 0), prev = kv + KV_TNODE;
	int i;

	for (i = 0; i < n; i++) {
		put64(m, prev, DM(fa[i]));		/* first, or next */
		put64(m, fa[i] + 8, DM(prev));		/* pprev */
		prev = fa[i];
		m->mem[kv + KV_SLEN] = m->mem[fa[i] + FA_SLEN];
	}
	return kv;
}

/* A tnode at pos of 2^bits children (key_vectors; 0: empty). */
static uint64_t tnode(struct img *m, uint32_t key, uint8_t pos, uint8_t bits, const uint64_t *child)
{
	uint64_t kv = key_vector(m, key, pos, bits);
	unsigned int i;

	for (i = 0; i < 1u << bits; i++)
		put64(m, kv + KV_TNODE + 8 * i, child[i] ? DM(child[i]) : 0);
	return kv;
}

/*
 * lo and net-svc; net-svc has 10.0.2.15/24 and 10.0.2.99/32, and the trie
 *
 *   root (pos 30, 2 bits)
 *     [0] pos 27: [0] 0.0.0.0          default via 10.0.2.2, net-svc
 *                 [1] pos 19: [0] pos 6: [0] pos 3: [0] 10.0.2.0   local bcast; /24 net-svc
 *                                                   [1] 10.0.2.15  local
 *                                        [1] 10.0.2.99             local
 *                                        [3] 10.0.2.255            local bcast
 *                             [1] 10.9.0.0   /24 multipath, /16 nexthop object
 *     [2] 172.16.0.0   /12 via lo
 *
 * in which the main table's routes through net-svc are the default route
 * and 10.0.2.0/24, in that order.
 */
static void build_tables(struct world *w, bool fib_main)
{
	static const unsigned char lo_mac[6];
	struct img *m = &w->m;
	uint64_t net, lo, svc, lo_addr, tb, hash, other, fi_def, fi_kern, fi_local, fi_mp, fi_obj, fi_lo;
	uint64_t l_def, l_net, l_15, l_99, l_bc, l_9, l_lo, t2, t1;
	char info[512];

	snprintf(info, sizeof(info), BTF_INFO, 64);
	img_init(m, info);
	net_btf(w->btf, fib_main);
	write_file(w->syms, SYMBOLS, strlen(SYMBOLS));
	net = alloc(m, NET_SIZE, 4096);
	map(m, INIT_NET, net, 0);

	lo = netdev(m, "lo", lo_mac, 65536, IFF_UP | IFF_LOOPBACK | IFF_RUNNING, &lo_addr);
	svc = netdev(m, "net-svc", svc_mac, 1500,
		     IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST, &w->svc_addr);
	put64(m, net + NET_DEV_BASE, DM(lo + ND_LIST));
	put64(m, lo + ND_LIST + 8, INIT_NET + NET_DEV_BASE);
	put64(m, lo + ND_LIST, DM(svc + ND_LIST));
	put64(m, svc + ND_LIST + 8, DM(lo + ND_LIST));
	put64(m, svc + ND_LIST, INIT_NET + NET_DEV_BASE);
	put64(m, net + NET_DEV_BASE + 8, DM(svc + ND_LIST));
	ifaddr(m, lo, "127.0.0.1", 8, NULL, RT_SCOPE_HOST, "lo");
	w->ifa[0] = ifaddr(m, svc, "10.0.2.15", 24, "10.0.2.255", RT_SCOPE_UNIVERSE, "net-svc");
	w->ifa[1] = ifaddr(m, svc, "10.0.2.99", 32, NULL, RT_SCOPE_UNIVERSE, "net-svc:1");

	fi_def = fib_info(m, svc, RTPROT_BOOT, RT_SCOPE_UNIVERSE, NULL, 100, "10.0.2.2");
	fi_kern = fib_info(m, svc, RTPROT_KERNEL, RT_SCOPE_LINK, "10.0.2.15", 0, NULL);
	fi_local = fib_info(m, svc, RTPROT_KERNEL, RT_SCOPE_HOST, "10.0.2.15", 0, NULL);
	fi_lo = fib_info(m, lo, RTPROT_BOOT, RT_SCOPE_UNIVERSE, NULL, 0, NULL);
	fi_mp = fib_info(m, svc, RTPROT_BOOT, RT_SCOPE_UNIVERSE, NULL, 0, "10.0.2.3");
	put32(m, fi_mp + FI_NHS, 2);
	fi_obj = fib_info(m, svc, RTPROT_BOOT, RT_SCOPE_UNIVERSE, NULL, 0, "10.0.2.3");
	put64(m, fi_obj + FI_NH_OBJ, DM(alloc(m, 64, 64)));

	w->fa_default = alias(m, RT_TABLE_MAIN, RTN_UNICAST, 32, fi_def);
	l_def = leaf(m, 0, 1, &w->fa_default);
	l_net = leaf(m, 0x0a000200, 2, (uint64_t[]){
			alias(m, RT_TABLE_LOCAL, RTN_BROADCAST, 0, fi_local),
			alias(m, RT_TABLE_MAIN, RTN_UNICAST, 8, fi_kern) });
	l_15 = leaf(m, 0x0a00020f, 1, (uint64_t[]){
			alias(m, RT_TABLE_LOCAL, RTN_LOCAL, 0, fi_local) });
	l_99 = leaf(m, 0x0a000263, 1, (uint64_t[]){
			alias(m, RT_TABLE_LOCAL, RTN_LOCAL, 0, fi_local) });
	l_bc = leaf(m, 0x0a0002ff, 1, (uint64_t[]){
			alias(m, RT_TABLE_LOCAL, RTN_BROADCAST, 0, fi_local) });
	l_9 = leaf(m, 0x0a090000, 2, (uint64_t[]){
			alias(m, RT_TABLE_MAIN, RTN_UNICAST, 8, fi_mp),
			alias(m, RT_TABLE_MAIN, RTN_UNICAST, 16, fi_obj) });
	l_lo = leaf(m, 0xac100000, 1, (uint64_t[]){
			alias(m, RT_TABLE_MAIN, RTN_UNICAST, 20, fi_lo) });
	w->t4 = tnode(m, 0x0a000200, 3, 1, (uint64_t[]){ l_net, l_15 });
	w->t3 = tnode(m, 0x0a000200, 6, 2, (uint64_t[]){ w->t4, l_99, 0, l_bc });
	t2 = tnode(m, 0x0a000000, 19, 1, (uint64_t[]){ w->t3, l_9 });
	t1 = tnode(m, 0, 27, 1, (uint64_t[]){ l_def, t2 });
	w->root = tnode(m, 0, 30, 2, (uint64_t[]){ t1, 0, l_lo, 0 });

	/* The main table; its trie's own key_vector has the root as its child. */
	tb = alloc(m, TB_SIZE + KV_SIZE, 64);
	put32(m, tb + TB_ID, RT_TABLE_MAIN);
	put64(m, tb + TB_DATA, DM(tb + TB_SIZE));
	m->mem[tb + TB_SIZE + KV_POS] = 32;
	m->mem[tb + TB_SIZE + KV_SLEN] = 32;
	put64(m, tb + TB_SIZE + KV_TNODE, DM(w->root));
	if (fib_main) {
		put64(m, net + NET_IPV4 + IPV4_FIB_MAIN, DM(tb));
		return;
	}
	/* Two hash buckets: the main table (254) in 0, behind another table. */
	hash = alloc(m, 16, 64);
	other = alloc(m, TB_SIZE, 64);
	put32(m, other + TB_ID, 300);
	put64(m, net + NET_IPV4 + IPV4_FIB_HASH, DM(hash));
	put64(m, hash, DM(other));
	put64(m, other + 8, DM(hash));
	put64(m, other, DM(tb));
	put64(m, tb + 8, DM(other));
}

static void build(struct world *w)
{
	build_tables(w, false);
}

static void world_free(struct world *w)
{
	img_free(&w->m);
	unlink(w->btf);
	unlink(w->syms);
}

static struct dk *world_open(struct world *w)
{
	return img_open_btf(&w->m, w->btf, w->syms);
}

/* dn_find_nic(), saying why it failed; a zeroed nic without a dk. */
static int find(struct dk *dk, const unsigned char *mac, struct dn_nic *nic)
{
	int r;

	memset(nic, 0, sizeof(*nic));
	if (!dk)
		return -1;
	r = dn_find_nic(dk, mac, nic);
	if (r < 0)
		printf("  dn_find_nic: %s\n", dk_error(dk));
	return r;
}

TEST(dn_finds_a_nic_its_addresses_and_main_routes)
{
	struct world w;
	struct dn_nic nic;
	struct dn_addr *a = nic.addrs;
	struct dn_route *r = nic.routes;
	struct dk *dk;

	build(&w);
	dk = world_open(&w);
	CHECK(find(dk, svc_mac, &nic) == 0);
	CHECK_STR(nic.name, "net-svc");
	CHECK(!memcmp(nic.mac, svc_mac, 6));
	CHECK(nic.mtu == 1500);
	CHECK(nic.flags == (IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST));

	CHECK(nic.naddrs == 2);
	CHECK(a[0].local == ip("10.0.2.15") && a[0].address == ip("10.0.2.15"));
	CHECK(a[0].broadcast == ip("10.0.2.255"));
	CHECK(a[0].prefixlen == 24 && a[0].scope == RT_SCOPE_UNIVERSE);
	CHECK(a[0].flags == IFA_F_PERMANENT);
	CHECK_STR(a[0].label, "net-svc");
	CHECK(a[1].local == ip("10.0.2.99") && a[1].address == ip("10.0.2.99"));
	CHECK(a[1].broadcast == 0);
	CHECK(a[1].prefixlen == 32 && a[1].scope == RT_SCOPE_UNIVERSE);
	CHECK(a[1].flags == IFA_F_PERMANENT);
	CHECK_STR(a[1].label, "net-svc:1");

	/* Not lo's route, the local table's, multipath or nexthop objects. */
	CHECK(nic.nroutes == 2);
	CHECK(r[0].dst == 0 && r[0].dst_len == 0);
	CHECK(r[0].gateway == ip("10.0.2.2"));
	CHECK(r[0].protocol == RTPROT_BOOT && r[0].scope == RT_SCOPE_UNIVERSE);
	CHECK(r[0].type == RTN_UNICAST && r[0].priority == 100 && r[0].prefsrc == 0);
	CHECK(r[1].dst == ip("10.0.2.0") && r[1].dst_len == 24);
	CHECK(r[1].gateway == 0);
	CHECK(r[1].protocol == RTPROT_KERNEL && r[1].scope == RT_SCOPE_LINK);
	CHECK(r[1].type == RTN_UNICAST && r[1].priority == 0);
	CHECK(r[1].prefsrc == ip("10.0.2.15"));
	dk_close(dk);
	world_free(&w);
}

/* With CONFIG_IP_MULTIPLE_TABLES the main table is net->ipv4.fib_main. */
TEST(dn_finds_the_main_table_of_a_kernel_with_multiple_tables)
{
	struct world w;
	struct dn_nic nic;
	struct dk *dk;

	build_tables(&w, true);
	dk = world_open(&w);
	CHECK(find(dk, svc_mac, &nic) == 0);
	CHECK(nic.nroutes == 2 && nic.routes[0].gateway == ip("10.0.2.2"));
	if (dk)
		dk_close(dk);
	world_free(&w);
}

TEST(dn_says_when_the_dead_kernel_has_no_such_nic)
{
	static const unsigned char other[6] = { 0x52, 0x54, 0x00, 0x0e, 0x00, 0x02 };
	struct dn_nic nic;
	struct world w;
	struct dk *dk;

	build(&w);
	dk = world_open(&w);
	CHECK(find(dk, other, &nic) == 1);
	CHECK(nic.name[0] == 0 && nic.naddrs == 0 && nic.nroutes == 0);
	dk_close(dk);
	world_free(&w);
}

TEST(dn_finds_a_nic_by_an_address_it_was_given)
{
	static const unsigned char given[6] = { 0x02, 0x00, 0x00, 0x0e, 0x00, 0x99 };
	struct dn_nic nic;
	struct world w;
	struct dk *dk;

	build(&w);
	memcpy(w.m.mem + w.svc_addr, given, 6);
	dk = world_open(&w);
	CHECK(find(dk, given, &nic) == 0);
	CHECK_STR(nic.name, "net-svc");
	CHECK(!memcmp(nic.mac, given, 6));
	CHECK(nic.naddrs == 2 && nic.nroutes == 2);
	/* Still by its permanent address. */
	CHECK(find(dk, svc_mac, &nic) == 0);
	CHECK_STR(nic.name, "net-svc");
	CHECK(!memcmp(nic.mac, svc_mac, 6));
	dk_close(dk);
	world_free(&w);
}

/* dn_find_nic() fails on w's dead kernel with a message containing text. */
static void rejects(struct world *w, const char *text)
{
	struct dn_nic nic;
	struct dk *dk = world_open(w);

	if (!dk)
		return;
	CHECK_ERR(dn_find_nic(dk, svc_mac, &nic), text);
	if (!strstr(dk_error(dk), text))
		printf("  expected \"%s\", got \"%s\"\n", text, dk_error(dk));
	dk_close(dk);
}

TEST(dn_rejects_corrupt_tries_and_addresses)
{
	uint64_t next = 0;
	struct world w;
	int i;

	build(&w);
	/* A tnode whose bits reach past the key. */
	w.m.mem[w.t3 + KV_POS] = 31;
	rejects(&w, "pos 31 bits 2");
	w.m.mem[w.t3 + KV_POS] = 0;
	/* One of 2^32 children, within the key. */
	w.m.mem[w.t3 + KV_BITS] = 32;
	rejects(&w, "child pointers in the fib trie");
	w.m.mem[w.t3 + KV_POS] = 6;
	w.m.mem[w.t3 + KV_BITS] = 2;

	/* A route longer than the key. */
	w.m.mem[w.fa_default + FA_SLEN] = 33;
	rejects(&w, "suffix length 33");
	w.m.mem[w.fa_default + FA_SLEN] = 32;

	/* A cycle: a tnode has the root as its child. */
	put64(&w.m, w.t4 + KV_TNODE + 8, DM(w.root));
	rejects(&w, "fib trie deeper than 32 levels");
	put64(&w.m, w.t4 + KV_TNODE + 8, 0);

	/*
	 * Tnodes that share their children: every tnode is met twice as
	 * often as the one above it, 2^28 times at the bottom, where there
	 * is no leaf to count.
	 */
	for (i = 1; i < 30; i++)
		next = tnode(&w.m, 0x40000000, i, 1, (uint64_t[]){ next, next });
	put64(&w.m, w.root + KV_TNODE + 8, DM(next));
	rejects(&w, "child pointers in the fib trie");
	put64(&w.m, w.root + KV_TNODE + 8, 0);

	/* An address longer than 32 bits. */
	w.m.mem[w.ifa[1] + IA_PREFIXLEN] = 33;
	rejects(&w, "net-svc: an address with prefix length 33");
	w.m.mem[w.ifa[1] + IA_PREFIXLEN] = 32;

	/* An address list that comes back to its start. */
	put64(&w.m, w.ifa[1] + IA_NEXT, DM(w.ifa[0]));
	rejects(&w, "net-svc: more than 16 IPv4 addresses");
	world_free(&w);
}
