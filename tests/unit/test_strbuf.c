// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bounded string builder: the failover daemon's details were built
 * with 'off += snprintf(detail + off, len - off, ...)', which writes past
 * the buffer once off passes len (an address and 14 routes on one NIC).
 */
#include "unit.h"
#include "../../lib/strbuf.h"

TEST(strbuf_appends_and_chops_a_separator)
{
	char s[64];
	struct strbuf b;

	sb_init(&b, s, sizeof(s));
	CHECK_STR(s, "");
	sb_add(&b, "%s: %d; ", "vdb", 1);
	sb_add(&b, "%s; ", "eth1");
	sb_chop(&b, "; ");
	CHECK_STR(s, "vdb: 1; eth1");
	CHECK(b.len == strlen(s) && !b.cut);
	sb_chop(&b, "; ");
	CHECK_STR(s, "vdb: 1; eth1");
}

TEST(strbuf_never_writes_past_its_buffer)
{
	struct { char s[32]; char guard[32]; } m;
	struct strbuf b;
	int i;

	memset(m.guard, 'G', sizeof(m.guard));
	sb_init(&b, m.s, sizeof(m.s));
	for (i = 0; i < 40; i++)	/* 40 routes: far more than fits */
		sb_add(&b, ", route 10.0.%d.0/24 via 10.0.0.1", i);
	sb_chop(&b, ", ");
	CHECK(b.cut && b.len == sizeof(m.s) - 1 && strlen(m.s) == b.len);
	CHECK(!memcmp(m.s + b.len - 3, "...", 3));
	for (i = 0; i < (int)sizeof(m.guard); i++)
		CHECK(m.guard[i] == 'G');
}
