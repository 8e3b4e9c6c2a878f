// SPDX-License-Identifier: GPL-2.0-only
/*
 * A TCP connection whose process is not carried over is gone, but its peer
 * does not know: a client waiting for an answer waits until its own
 * time-outs (about a minute, issue 14), since it sends nothing this kernel
 * could answer with a reset. So the recovery resets each such connection
 * itself, from the connection's own address and port, with the sequence
 * number the peer expects next (the dead socket's snd_nxt): RFC 5961 takes
 * a reset at exactly that number at once, and answers one elsewhere in the
 * window with a challenge ACK, which this kernel, having no such socket,
 * answers with a reset of its own. Raw sockets: the kernel's own
 * tcp_v4_send_reset() is not reachable from user space.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpreset.h"

#define TH_RST	0x04
#define V4_MAPPED(a) ((a)[0] == 0 && (a)[1] == 0 && (a)[2] == htonl(0xffff))

static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

void tr_build(uint8_t pkt[TR_LEN], uint32_t saddr, uint16_t sport, uint32_t daddr,
	      uint16_t dport, uint32_t seq, int sum_v6)
{
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t c;

	memset(pkt, 0, TR_LEN);
	pkt[0] = sport >> 8, pkt[1] = sport;
	pkt[2] = dport >> 8, pkt[3] = dport;
	pkt[4] = seq >> 24, pkt[5] = seq >> 16, pkt[6] = seq >> 8, pkt[7] = seq;
	pkt[12] = (TR_LEN / 4) << 4;		/* data offset */
	pkt[13] = TH_RST;
	if (sum_v6)
		return;
	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0, pseudo[9] = IPPROTO_TCP, pseudo[10] = 0, pseudo[11] = TR_LEN;
	sum = sum16(pkt, TR_LEN, sum16(pseudo, sizeof(pseudo), 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = ~sum;
	pkt[16] = c >> 8, pkt[17] = c;
}

int tr_send(const struct dp_inet *in)
{
	uint8_t pkt[TR_LEN];
	int fd, r, e, off = 16, v6 = in->family == AF_INET6 && !V4_MAPPED(in->dst6);
	uint32_t saddr = in->src_addr, daddr = in->dst_addr;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} src = { 0 }, dst = { 0 };

	if (!in->tcp)
		return errno = EINVAL, -1;
	if (in->family == AF_INET6 && !v6)	/* an IPv4 peer on an IPv6 socket */
		saddr = in->src6[3], daddr = in->dst6[3];
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -1;
	if (v6) {
		src.v6.sin6_family = dst.v6.sin6_family = AF_INET6;
		memcpy(&src.v6.sin6_addr, in->src6, 16);
		memcpy(&dst.v6.sin6_addr, in->dst6, 16);
		r = setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off));
	} else {
		src.v4.sin_family = dst.v4.sin_family = AF_INET;
		src.v4.sin_addr.s_addr = saddr;
		dst.v4.sin_addr.s_addr = daddr;
		r = 0;
	}
	tr_build(pkt, saddr, in->src_port, daddr, in->dst_port, in->tcp->snd_nxt, v6);
	if (!r)
		r = bind(fd, (struct sockaddr *)&src, v6 ? sizeof(src.v6) : sizeof(src.v4));
	if (!r && sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
			 v6 ? sizeof(dst.v6) : sizeof(dst.v4)) != sizeof(pkt))
		r = -1;
	e = errno;
	close(fd);
	errno = e;
	return r;
}
