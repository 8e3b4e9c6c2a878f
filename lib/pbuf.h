/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny protobuf (proto2) encoder: varints, zigzag, length-delimited
 * fields and nested messages, into a growing buffer. Enough to write the
 * images CRIU restores from; no decoder, no schema.
 */
#ifndef ORTHROS_LIB_PBUF_H
#define ORTHROS_LIB_PBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pbuf {
	unsigned char *data;
	size_t len, cap;
	bool oom;		/* an allocation failed: the message is invalid */
};

void pb_free(struct pbuf *b);
void pb_raw(struct pbuf *b, const void *p, size_t n);
void pb_varint(struct pbuf *b, uint64_t v);
/* Fields: varint (uint32/uint64/bool/enum), zigzag (sint), bytes/string. */
void pb_uint(struct pbuf *b, unsigned int field, uint64_t v);
void pb_sint(struct pbuf *b, unsigned int field, int64_t v);
void pb_bytes(struct pbuf *b, unsigned int field, const void *p, size_t n);
void pb_str(struct pbuf *b, unsigned int field, const char *s);
/* A nested message: sub is appended as field, then freed. */
void pb_msg(struct pbuf *b, unsigned int field, struct pbuf *sub);

#endif
