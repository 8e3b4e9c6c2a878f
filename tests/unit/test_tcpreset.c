// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reset sent for a connection not carried over: a peer drops a segment
 * whose checksum is wrong without a word, and would wait on as before.
 */
#include <arpa/inet.h>

#include "unit.h"
#include "../../lib/tcpreset.h"

/* The one's-complement sum of the pseudo-header and segment: 0xffff if the checksum is right. */
static uint32_t fold(const uint8_t *pkt, uint32_t saddr, uint32_t daddr)
{
	uint8_t pseudo[12] = { 0 };
	uint32_t sum = 0;
	unsigned int i;

	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[9] = 6;
	pseudo[11] = TR_LEN;
	for (i = 0; i < 12; i += 2)
		sum += pseudo[i] << 8 | pseudo[i + 1];
	for (i = 0; i < TR_LEN; i += 2)
		sum += pkt[i] << 8 | pkt[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

TEST(tcpreset_builds_a_reset_the_peer_will_take)
{
	static const uint32_t seqs[] = { 0, 1, 0x8000fffe, 0xffffffff };
	uint32_t saddr = inet_addr("10.0.2.15"), daddr = inet_addr("10.0.2.2");
	uint8_t pkt[TR_LEN];
	unsigned int i;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		tr_build(pkt, saddr, 80, daddr, 40123, seqs[i], 0);
		CHECK(pkt[0] == 0 && pkt[1] == 80 && (pkt[2] << 8 | pkt[3]) == 40123);
		CHECK(((uint32_t)pkt[4] << 24 | pkt[5] << 16 | pkt[6] << 8 | pkt[7]) == seqs[i]);
		CHECK(pkt[12] == 0x50 && pkt[13] == 0x04);		/* 20 bytes, RST alone */
		CHECK(fold(pkt, saddr, daddr) == 0xffff);
	}
	tr_build(pkt, saddr, 80, daddr, 40123, 7, 1);			/* IPv6: the kernel's to sum */
	CHECK(pkt[16] == 0 && pkt[17] == 0);
}
