/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A growing byte buffer for image bodies: CRIU's framing (sizes, magics),
 * messages packed by protobuf-c, raw queue and pipe bytes. It remembers a
 * failed allocation, so an image cut short is never written as if whole
 * (protobuf-c's own ProtobufCBufferSimple drops what does not fit).
 */
#ifndef ORTHROS_LIB_PBUF_H
#define ORTHROS_LIB_PBUF_H

#include <stdbool.h>
#include <stddef.h>

struct pbuf {
	unsigned char *data;
	size_t len, cap;
	bool oom;		/* an allocation failed: the contents are invalid */
};

void pb_free(struct pbuf *b);
/* Room for n more bytes at the end, counted in len: NULL (and oom) if none. */
unsigned char *pb_grow(struct pbuf *b, size_t n);
void pb_raw(struct pbuf *b, const void *p, size_t n);

#endif
