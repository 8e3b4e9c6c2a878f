/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit-test harness: TEST(name) { ... CHECK(expr); ... }
 * Tests register themselves; main.c runs them all and ends with the line
 * "unit: N passed, N failed".
 */
#ifndef ORTHROS_UNIT_H
#define ORTHROS_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
void unit_fail(const char *file, int line, const char *what);

#define TEST(name)							\
	static void name(void);						\
	static struct unit_test unit_##name = { #name, name, NULL };	\
	__attribute__((constructor)) static void reg_##name(void)	\
	{								\
		unit_register(&unit_##name);				\
	}								\
	static void name(void)

#define CHECK(expr)							\
	do {								\
		if (!(expr))						\
			unit_fail(__FILE__, __LINE__, #expr);		\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || !b_ || strcmp(a_, b_)) {			\
			char m_[4096];					\
			snprintf(m_, sizeof(m_), "%s == %s (\"%s\" vs \"%s\")", \
				 #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			unit_fail(__FILE__, __LINE__, m_);		\
		}							\
	} while (0)

#endif
