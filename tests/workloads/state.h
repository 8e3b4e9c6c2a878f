/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the state-matrix programs share: each sets up one kind of process
 * state, prints "NAME: ready ...", takes SIGUSR1 as "the failover is over",
 * checks its state and ends with "NAME: PASS ..." (exit 0) or
 * "NAME: FAIL WHAT" (exit 1). Lines are written whole (line-buffered).
 */
#ifndef STATE_H
#define STATE_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *state_name = "?";
static volatile sig_atomic_t state_go;

static void state_on_go(int sig)
{
	(void)sig;
	state_go = 1;
}

/* Name the program's lines and take SIGUSR1 as the go. */
static inline void state_init(const char *name)
{
	struct sigaction sa = { .sa_handler = state_on_go };

	setvbuf(stdout, NULL, _IOLBF, 0);
	state_name = name;
	sigaction(SIGUSR1, &sa, NULL);
}

static inline void __attribute__((format(printf, 1, 2))) state_say(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", state_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline void __attribute__((format(printf, 2, 3), noreturn))
state_end(int bad, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s", state_name, bad ? "FAIL " : "PASS ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(bad);
}

#define fail(...)	state_end(1, __VA_ARGS__)

#endif
