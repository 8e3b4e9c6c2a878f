// SPDX-License-Identifier: GPL-2.0-only
/* The protobuf encoder against bytes CRIU itself wrote (a pstree entry). */
#include "unit.h"
#include "../../lib/pbuf.h"

TEST(pbuf_encodes_a_criu_pstree_entry)
{
	/* pid 14988, ppid 0, pgid 14988, sid 14988, threads 14988 and 14990 */
	static const unsigned char want[] = {
		0x08, 0x8c, 0x75, 0x10, 0x00, 0x18, 0x8c, 0x75, 0x20, 0x8c, 0x75,
		0x28, 0x8c, 0x75, 0x28, 0x8e, 0x75,
	};
	struct pbuf b = { 0 };

	pb_uint(&b, 1, 14988);
	pb_uint(&b, 2, 0);
	pb_uint(&b, 3, 14988);
	pb_uint(&b, 4, 14988);
	pb_uint(&b, 5, 14988);
	pb_uint(&b, 5, 14990);
	CHECK(!b.oom && b.len == sizeof(want) && !memcmp(b.data, want, sizeof(want)));
	pb_free(&b);
}

TEST(pbuf_zigzag_large_fields_and_nesting)
{
	struct pbuf b = { 0 }, sub = { 0 };

	pb_sint(&b, 8, -1);			/* vma_entry.fd = -1 */
	CHECK(b.len == 2 && b.data[0] == 0x40 && b.data[1] == 0x01);
	pb_free(&b);
	pb_uint(&b, 16, 1);			/* a field >= 16: two-byte tag */
	CHECK(b.len == 3 && b.data[0] == 0x80 && b.data[1] == 0x01 && b.data[2] == 0x01);
	pb_free(&b);
	pb_uint(&b, 1, ~0ULL);			/* the longest varint */
	CHECK(b.len == 11 && b.data[10] == 0x01);
	pb_free(&b);
	pb_uint(&sub, 1, 300);
	pb_msg(&b, 3, &sub);			/* nested: tag, length, body */
	CHECK(b.len == 5 && b.data[0] == 0x1a && b.data[1] == 3 && b.data[2] == 0x08 &&
	      b.data[3] == 0xac && b.data[4] == 0x02);
	CHECK(sub.data == NULL && sub.len == 0);
	pb_free(&b);
}
