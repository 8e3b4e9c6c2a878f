// SPDX-License-Identifier: GPL-2.0-only
/* A tiny protobuf encoder. See pbuf.h. */
#include <stdlib.h>
#include <string.h>

#include "pbuf.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void pb_free(struct pbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void pb_raw(struct pbuf *b, const void *p, size_t n)
{
	if (b->oom || !n)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + 64;
		unsigned char *d = realloc(b->data, cap);

		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void pb_varint(struct pbuf *b, uint64_t v)
{
	unsigned char buf[10];
	size_t n = 0;

	do {
		buf[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	pb_raw(b, buf, n);
}

static void tag(struct pbuf *b, unsigned int field, unsigned int wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

void pb_uint(struct pbuf *b, unsigned int field, uint64_t v)
{
	tag(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

void pb_sint(struct pbuf *b, unsigned int field, int64_t v)
{
	tag(b, field, WIRE_VARINT);
	pb_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void pb_bytes(struct pbuf *b, unsigned int field, const void *p, size_t n)
{
	tag(b, field, WIRE_LEN);
	pb_varint(b, n);
	pb_raw(b, p, n);
}

void pb_str(struct pbuf *b, unsigned int field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

void pb_msg(struct pbuf *b, unsigned int field, struct pbuf *sub)
{
	if (sub->oom)
		b->oom = true;
	pb_bytes(b, field, sub->data, sub->len);
	pb_free(sub);
}
