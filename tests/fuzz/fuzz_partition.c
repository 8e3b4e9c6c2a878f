// SPDX-License-Identifier: GPL-2.0-only
/*
 * A partition description, in either form it arrives in: as text
 * (orthros-partition(5)), parsed and checked as orthrosctl plan and boot
 * do; and, when the input starts with the binary signature, as the binary
 * struct the kernel takes in a boot request and finds in the shared
 * memory, checked by the validator the kernel itself compiles
 * (kernel/orthros/partition_check.c). Refused with a reason or taken.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "../../lib/partition.h"
#include "../../kernel/src/kernel/orthros/partition_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct orthros_partition p;
	char *text, err[512];

	if (len >= sizeof(p.signature) &&
	    !memcmp(data, ORTHROS_PARTITION_SIGNATURE, sizeof(p.signature))) {
		memset(&p, 0, sizeof(p));
		memcpy(&p, data, len < sizeof(p) ? len : sizeof(p));
		orthros_partition_validate(&p, err, sizeof(err));
		return 0;
	}
	text = malloc(len + 1);
	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = 0;
	if (!orthros_partition_parse(text, "fuzz", &p, err, sizeof(err)))
		orthros_partition_check(&p, err, sizeof(err));
	free(text);
	return 0;
}
