// SPDX-License-Identifier: GPL-2.0-only
/*
 * A failover record (failover-N.timeline) as orthrosctl timeline reads it:
 * parsed, then shown as a table and as SVG. Any file must be refused or
 * shown, in bounded time.
 */
#include "fuzz.h"
#include "../../lib/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	FILE *in = fmemopen((void *)data, len, "r"), *out;
	struct tl_event ev;
	char err[256];

	if (!in)
		return 0;
	if (!tl_read(in, &ev, err, sizeof(err))) {
		out = fopen("/dev/null", "w");
		if (out) {
			tl_print(out, &ev);
			tl_svg(out, &ev);
			fclose(out);
		}
	}
	fclose(in);
	return 0;
}
