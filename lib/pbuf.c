// SPDX-License-Identifier: GPL-2.0-only
/* A growing byte buffer. See pbuf.h. */
#include <stdlib.h>
#include <string.h>

#include "pbuf.h"

void pb_free(struct pbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

unsigned char *pb_grow(struct pbuf *b, size_t n)
{
	unsigned char *p;

	if (b->oom || n > ((size_t)-1 - 64) / 2 - b->len)
		goto oom;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + 64;
		unsigned char *d = realloc(b->data, cap);

		if (!d)
			goto oom;
		b->data = d;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
oom:
	b->oom = true;
	return NULL;
}

void pb_raw(struct pbuf *b, const void *p, size_t n)
{
	unsigned char *d = n ? pb_grow(b, n) : NULL;

	if (d)
		memcpy(d, p, n);
}
