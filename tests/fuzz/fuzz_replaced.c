// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthros-fcm's record of the files it re-created, as orthros-pm reads it
 * (fi_add_replaced): every file is taken whole or refused, and what is
 * taken is what a line said.
 */
#include "fuzz.h"
#include "../../lib/fileident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *path = fuzz_file(data, len);
	struct fi_migrated m = { .n = 0 };
	char why[256];

	if (!path)
		return 0;
	if (fi_add_replaced(&m, path, why, sizeof(why)) && m.nrep)
		__builtin_trap();	/* refused, yet something was taken */
	fi_migrated_free(&m);
	return 0;
}
