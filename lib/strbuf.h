/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounded string builder for messages made of many parts (a failover
 * phase's detail: one part per disk, NIC, address, route, process). An
 * append never writes past the buffer, however many parts come: what does
 * not fit is cut, and the end of the text says so ("...").
 */
#ifndef ORTHROS_LIB_STRBUF_H
#define ORTHROS_LIB_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;		/* NUL-terminated at all times */
	size_t cap, len;
	bool cut;		/* something did not fit */
};

/* An empty text in s[0..cap); cap must be at least 4. */
void sb_init(struct strbuf *b, char *s, size_t cap);
void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vadd(struct strbuf *b, const char *fmt, va_list ap);
/* Drop suffix from the end if it is there (a list's last separator). */
void sb_chop(struct strbuf *b, const char *suffix);

#endif
