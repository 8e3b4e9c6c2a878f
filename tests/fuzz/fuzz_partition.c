// SPDX-License-Identifier: GPL-2.0-only
/*
 * A partition description (orthros-partition(5) text), parsed and checked
 * as orthrosctl plan and boot do: refused with a reason or taken.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "../../lib/partition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct orthros_partition p;
	char *text = malloc(len + 1), err[512];

	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = 0;
	if (!orthros_partition_parse(text, "fuzz", &p, err, sizeof(err)))
		orthros_partition_check(&p, err, sizeof(err));
	free(text);
	return 0;
}
