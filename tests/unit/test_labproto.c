// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "unit.h"
#include "../../lab/labproto.h"

static char *b64(const char *s)
{
	struct labbuf b = { 0 };

	base64_encode(&b, (const unsigned char *)s, strlen(s));
	return b.len ? b.data : strdup("");
}

TEST(base64_matches_rfc4648_vectors)
{
	CHECK_STR(b64(""), "");
	CHECK_STR(b64("f"), "Zg==");
	CHECK_STR(b64("fo"), "Zm8=");
	CHECK_STR(b64("foo"), "Zm9v");
	CHECK_STR(b64("foob"), "Zm9vYg==");
	CHECK_STR(b64("fooba"), "Zm9vYmE=");
	CHECK_STR(b64("foobar"), "Zm9vYmFy");
}

TEST(request_is_one_line_with_id_and_timeout)
{
	struct labbuf b = { 0 };
	const char *cmd = "echo 'a\nb'";

	labproto_request(&b, "42-7", 30, cmd, strlen(cmd));
	CHECK_STR(b.data, "42-7 30 ZWNobyAnYQpiJw==\n");
	CHECK(memchr(b.data, '\n', b.len) == b.data + b.len - 1);
}

TEST(reply_found_with_output_and_status)
{
	const char *r = "hello\nworld\n\n@@orthros-rc 9-1 3\n";
	size_t start = 99, out = 99;
	int st = -1;

	CHECK(labproto_reply(r, strlen(r), "9-1", &start, &out, &st));
	CHECK(start == 0 && out == strlen("hello\nworld\n"));
	CHECK(st == 3);
}

TEST(reply_skips_a_late_reply_to_an_earlier_request)
{
	/* A request that timed out while the guest booted ran later. */
	const char *r = "1\n@@orthros-rc 9-0 0\n1\n\n@@orthros-rc 9-1 0\n";
	size_t start = 99, out = 99;
	int st = -1;

	CHECK(labproto_reply(r, strlen(r), "9-1", &start, &out, &st));
	CHECK(out == 2 && !memcmp(r + start, "1\n", 2) && st == 0);
}

TEST(reply_with_empty_output)
{
	const char *r = "\n@@orthros-rc 9-1 0\n";
	size_t start = 99, out = 99;
	int st = -1;

	CHECK(labproto_reply(r, strlen(r), "9-1", &start, &out, &st));
	CHECK(out == 0 && st == 0);
}

TEST(reply_incomplete_or_for_another_request_is_not_taken)
{
	const char *partial = "x\n@@orthros-rc 9-1 1";
	const char *other = "x\n@@orthros-rc 8-1 0\n";
	const char *prefix = "x\n@@orthros-rc 9-12 0\n";
	size_t start, out;
	int st;

	CHECK(!labproto_reply(partial, strlen(partial), "9-1", &start, &out, &st));
	CHECK(!labproto_reply(other, strlen(other), "9-1", &start, &out, &st));
	/* "9-1" must not match the reply to "9-12". */
	CHECK(!labproto_reply(prefix, strlen(prefix), "9-1", &start, &out, &st));
}

/* An id of any length once overran the reply marker's stack buffer. */
TEST(request_ids_are_checked_before_use)
{
	char id[LABPROTO_ID_MAX + 2], r[LABPROTO_ID_MAX + 64];
	struct labbuf b = { 0 };
	size_t start, out;
	int st;

	memset(id, '7', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	snprintf(r, sizeof(r), "x\n@@orthros-rc %s 0\n", id);
	CHECK(!labproto_request(&b, id, 5, "true", 4) && b.len == 0);
	CHECK(!labproto_reply(r, strlen(r), id, &start, &out, &st));
	CHECK(!labproto_request(&b, "", 5, "true", 4));
	CHECK(!labproto_request(&b, "9 1", 5, "true", 4));
	id[LABPROTO_ID_MAX] = 0;		/* the longest id that is taken */
	snprintf(r, sizeof(r), "x\n@@orthros-rc %s 0\n", id);
	CHECK(labproto_request(&b, id, 5, "true", 4));
	CHECK(labproto_reply(r, strlen(r), id, &start, &out, &st) && st == 0 && out == 1);
	free(b.data);
}
