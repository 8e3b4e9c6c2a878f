/* SPDX-License-Identifier: GPL-2.0-only */
/* The libraries' one way to report: a message into the caller's buffer. */
#ifndef ORTHROS_LIB_ERRF_H
#define ORTHROS_LIB_ERRF_H

#include <stddef.h>

/* Format into err[errlen]; returns -1, so callers can 'return errf(...)'. */
int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
