// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labproto.h"

void labbuf_reserve(struct labbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	b->cap = (b->len + more + 1) * 2;
	b->data = realloc(b->data, b->cap);
	if (!b->data) {
		perror("labctl: realloc");
		exit(125);
	}
}

void labbuf_append(struct labbuf *b, const char *s, size_t n)
{
	labbuf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void base64_encode(struct labbuf *out, const unsigned char *in, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned int v = in[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		labbuf_append(out, q, 4);
	}
}

bool labproto_id_ok(const char *id)
{
	size_t n = strspn(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-");

	return n && n <= LABPROTO_ID_MAX && !id[n];
}

/*
 * The id is checked first: it goes into fixed buffers here and into the
 * agent's reply marker, and snprintf's would-be length of a longer one
 * once sent reads past them.
 */
bool labproto_request(struct labbuf *out, const char *id, unsigned int timeout,
		      const char *cmd, size_t n)
{
	char head[LABPROTO_ID_MAX + 16];
	int k;

	if (!labproto_id_ok(id))
		return false;
	k = snprintf(head, sizeof(head), "%s %u ", id, timeout);
	labbuf_append(out, head, k);
	base64_encode(out, (const unsigned char *)cmd, n);
	labbuf_append(out, "\n", 1);
	return true;
}

bool labproto_reply(const char *buf, size_t len, const char *id,
		    size_t *out_start, size_t *out_len, int *status)
{
	static const char any[] = "\n@@orthros-rc ";
	char marker[sizeof(any) + LABPROTO_ID_MAX + 1];
	size_t m, i, k, start = 0;

	if (!labproto_id_ok(id))
		return false;
	m = snprintf(marker, sizeof(marker), "%s%s ", any, id);

	for (i = 0; i + m <= len; i++) {
		size_t j = i + m;
		int v = 0, digits = 0;

		if (memcmp(buf + i, marker, m))
			continue;
		while (j < len && buf[j] >= '0' && buf[j] <= '9' && digits < 4) {
			v = v * 10 + (buf[j++] - '0');
			digits++;
		}
		if (j >= len || buf[j] != '\n' || !digits)
			return false;	/* marker not complete yet */
		/*
		 * A request that timed out earlier may still have been run
		 * once the guest came up: its output and reply come first.
		 */
		for (k = 0; k + sizeof(any) - 1 <= i; k++) {
			const char *nl;

			if (memcmp(buf + k, any, sizeof(any) - 1))
				continue;
			nl = memchr(buf + k + 1, '\n', i - k - 1);
			if (nl)
				start = nl + 1 - buf;
		}
		*out_start = start;
		*out_len = i - start;
		*status = v;
		return true;
	}
	return false;
}
