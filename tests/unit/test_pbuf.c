// SPDX-License-Identifier: GPL-2.0-only
/* The image body buffer: grows, and remembers an allocation it could not make. */
#include <stdint.h>

#include "unit.h"
#include "../../lib/pbuf.h"

TEST(pbuf_grows_and_remembers_a_failed_allocation)
{
	struct pbuf b = { 0 };
	unsigned char *d;
	unsigned int i;

	for (i = 0; i < 1000; i++)
		pb_raw(&b, &i, sizeof(i));
	CHECK(!b.oom && b.len == 4000 && b.cap >= b.len);
	CHECK(((unsigned int *)b.data)[999] == 999);
	d = pb_grow(&b, 8);
	CHECK(d == b.data + 4000 && b.len == 4008);
	/* A size that cannot be had: no buffer, and every later append is refused too. */
	CHECK(pb_grow(&b, SIZE_MAX - 10) == NULL && b.oom);
	pb_raw(&b, "x", 1);
	CHECK(b.len == 4008 && b.oom);
	pb_free(&b);
	CHECK(!b.data && !b.len && !b.oom);
}
