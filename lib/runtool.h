/* SPDX-License-Identifier: GPL-2.0-only */
/* Run a recovery tool bounded in time. */
#ifndef ORTHROS_LIB_RUNTOOL_H
#define ORTHROS_LIB_RUNTOOL_H

#include <stdbool.h>

/*
 * Run argv (found in PATH) with input, if not NULL, on its standard input
 * and its output and errors to the file descriptor out. It runs in a
 * process group of its own: when it has not finished after timeout_s
 * seconds, the whole group is killed, so nothing it started in it (a hung
 * criu under orthros-pm) lives on, and *timed_out is set. Returns its exit
 * status, 128 + the signal that ended it, or -1 if it could not be run.
 */
int run_bounded(char *const argv[], const char *input, int out, unsigned int timeout_s,
		bool *timed_out);

#endif
