// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lab control protocol's reply reader: the first byte is the length of
 * the request id that follows, the rest is what the guest sent back.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../lab/labproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t idlen = len ? data[0] : 0, start, out;
	struct labbuf req = { 0 };
	char *id, *reply;
	int status;

	if (len < 1 + idlen)
		return 0;
	id = malloc(idlen + 1);
	reply = malloc(len - 1 - idlen + 1);
	if (id && reply) {
		memcpy(id, data + 1, idlen);
		id[idlen] = 0;
		memcpy(reply, data + 1 + idlen, len - 1 - idlen);
		if (labproto_reply(reply, len - 1 - idlen, id, &start, &out, &status) &&
		    (start > len || out > len - start))
			__builtin_trap();	/* the output must lie in the reply */
		labproto_request(&req, id, 5, reply, len - 1 - idlen);
	}
	free(req.data);
	free(id);
	free(reply);
	return 0;
}
