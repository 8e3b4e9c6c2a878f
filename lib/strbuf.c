// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

void sb_init(struct strbuf *b, char *s, size_t cap)
{
	*b = (struct strbuf){ .s = s, .cap = cap };
	s[0] = 0;
}

void sb_vadd(struct strbuf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap - b->len;
	int n;

	if (b->cut)
		return;
	n = vsnprintf(b->s + b->len, room, fmt, ap);
	if (n >= 0 && (size_t)n < room) {
		b->len += n;
		return;
	}
	/* vsnprintf kept what fitted; mark the cut where the text ends. */
	b->cut = true;
	b->len = n < 0 ? b->len : b->cap - 1;
	b->s[b->len] = 0;
	if (b->len >= 3)
		memcpy(b->s + b->len - 3, "...", 3);
}

void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vadd(b, fmt, ap);
	va_end(ap);
}

void sb_chop(struct strbuf *b, const char *suffix)
{
	size_t n = strlen(suffix);

	if (!b->cut && b->len >= n && !memcmp(b->s + b->len - n, suffix, n))
		b->s[b->len -= n] = 0;
}
