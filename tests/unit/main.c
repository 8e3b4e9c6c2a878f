// SPDX-License-Identifier: GPL-2.0-only
/* Runs every registered unit test; a test fails if any CHECK in it fails. */
#include <stdio.h>
#include <string.h>

#include "unit.h"

static struct unit_test *tests, **tail = &tests;
static int failures;

void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

void unit_fail(const char *file, int line, const char *what)
{
	printf("  %s:%d: CHECK failed: %s\n", file, line, what);
	failures++;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct unit_test *t;

	for (t = tests; t; t = t->next) {
		int before = failures;

		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		t->fn();
		if (failures == before) {
			printf("ok   %s\n", t->name);
			passed++;
		} else {
			printf("FAIL %s\n", t->name);
			failed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed || !passed;
}
