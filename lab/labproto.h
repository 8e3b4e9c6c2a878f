/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lab control protocol between labctl (host) and lab/guest/agent.
 *   request: "<id> <timeout> <base64 of the command>\n"
 *   reply:   "<output>\n@@orthros-rc <id> <status>\n"
 */
#ifndef ORTHROS_LABPROTO_H
#define ORTHROS_LABPROTO_H

#include <stdbool.h>
#include <stddef.h>

struct labbuf {
	char *data;	/* always NUL-terminated when len > 0 */
	size_t len, cap;
};

void labbuf_reserve(struct labbuf *b, size_t more);
void labbuf_append(struct labbuf *b, const char *s, size_t n);

/* Standard base64 (RFC 4648) with padding, appended to out. */
void base64_encode(struct labbuf *out, const unsigned char *in, size_t n);

/* A request id: 1 to LABPROTO_ID_MAX of [0-9A-Za-z-]. */
#define LABPROTO_ID_MAX 40
bool labproto_id_ok(const char *id);

/* Build the request line for command cmd[0..n); false for a bad id. */
bool labproto_request(struct labbuf *out, const char *id, unsigned int timeout,
		      const char *cmd, size_t n);

/*
 * Look for the reply to request id in buf[0..len). When complete, set
 * buf[*out_start, *out_start + *out_len) to the command's output (skipping
 * replies to earlier requests) and *status to its exit status, and return
 * true. A bad id is never found.
 */
bool labproto_reply(const char *buf, size_t len, const char *id,
		    size_t *out_start, size_t *out_len, int *status);

#endif
