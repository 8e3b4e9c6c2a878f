// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosd: give a NIC the set-up a dead kernel had for it (IP takeover),
 * through rtnetlink, and announce its addresses with gratuitous ARP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "orthrosd.h"

union req {
	struct nlmsghdr h;
	char buf[1024];
};

static void *tail(union req *r)
{
	return r->buf + NLMSG_ALIGN(r->h.nlmsg_len);
}

static void put_attr(union req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = tail(r);

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void put_u32(union req *r, unsigned short type, uint32_t v)
{
	put_attr(r, type, &v, sizeof(v));
}

static void start(union req *r, unsigned short type, unsigned short flags, size_t hdr)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(hdr);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

/* Send one request, wait for its acknowledgement: 0 or -errno. */
static int talk(union req *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192];
	ssize_t n;
	int fd, ret = -EIO;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (h->nlmsg_type == NLMSG_ERROR)
			ret = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
out:
	close(fd);
	return ret;
}

int nc_link(int ifindex, const char *name, unsigned int mtu, bool up)
{
	struct ifinfomsg *ifi;
	union req r;

	start(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = NLMSG_DATA(&r.h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (name)
		put_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	if (mtu)
		put_u32(&r, IFLA_MTU, mtu);
	return talk(&r);
}

int nc_addr(int ifindex, const char *ifname, const struct dn_addr *a)
{
	struct ifaddrmsg *ifa;
	union req r;
	int ret;

	start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa = NLMSG_DATA(&r.h);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_flags = a->flags & 0xff;
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = ifindex;
	put_u32(&r, IFA_LOCAL, a->local);
	put_u32(&r, IFA_ADDRESS, a->address);
	if (a->broadcast)
		put_u32(&r, IFA_BROADCAST, a->broadcast);
	/* A label must name the device (or an alias of it). */
	if (!strncmp(a->label, ifname, strlen(ifname)))
		put_attr(&r, IFA_LABEL, a->label, strlen(a->label) + 1);
	put_u32(&r, IFA_FLAGS, a->flags);
	ret = talk(&r);
	return ret == -EEXIST ? 0 : ret;
}

int nc_route(int ifindex, const struct dn_route *rt)
{
	struct rtmsg *rtm;
	union req r;
	int ret;

	start(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rtm));
	rtm = NLMSG_DATA(&r.h);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = rt->dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = rt->protocol;
	rtm->rtm_scope = rt->scope;
	rtm->rtm_type = rt->type;
	if (rt->dst_len)
		put_u32(&r, RTA_DST, rt->dst);
	if (rt->gateway)
		put_u32(&r, RTA_GATEWAY, rt->gateway);
	if (rt->prefsrc)
		put_u32(&r, RTA_PREFSRC, rt->prefsrc);
	if (rt->priority)
		put_u32(&r, RTA_PRIORITY, rt->priority);
	put_u32(&r, RTA_OIF, ifindex);
	ret = talk(&r);
	return ret == -EEXIST ? 0 : ret;
}

/* An ARP request for our own address: peers and switches learn the new MAC. */
int nc_garp(int ifindex, const unsigned char mac[6], uint32_t ip)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	unsigned char pkt[sizeof(struct arphdr) + 2 * (ETH_ALEN + 4)];
	struct arphdr *ah = (struct arphdr *)pkt;
	unsigned char *p = pkt + sizeof(*ah);
	int fd, ret = 0;

	ah->ar_hrd = htons(ARPHRD_ETHER);
	ah->ar_pro = htons(ETH_P_IP);
	ah->ar_hln = ETH_ALEN;
	ah->ar_pln = 4;
	ah->ar_op = htons(ARPOP_REQUEST);
	memcpy(p, mac, ETH_ALEN);
	memcpy(p + ETH_ALEN, &ip, 4);
	memset(p + ETH_ALEN + 4, 0, ETH_ALEN);
	memcpy(p + 2 * ETH_ALEN + 4, &ip, 4);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		return -errno;
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
