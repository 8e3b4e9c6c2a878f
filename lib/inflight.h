/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libinflight: a system call a thread of the dead kernel was inside, run
 * again or completed.
 *
 * A thread caught in a system call is resumed at the call's start, as a
 * signal with SA_RESTART would have it, unless the dead kernel had already
 * made part of the call's effect, which running it again would make twice
 * or lose: bytes written into a file's page cache (an O_APPEND write
 * appends them again), bytes queued on a TCP connection or a pipe (sent
 * twice), bytes taken out of a TCP connection or a pipe into the program's
 * buffer (the new call never sees them). For those the Orthros kernel keeps a record of where
 * the call began (include/linux/orthros_inflight.h); from it and the state
 * of the file or socket in the dead memory, the part done is the call's
 * result, as a short read or write, and the thread resumes after the call.
 *
 * Everything here is untrusted input: a record that does not fit the call
 * the thread is in, the file it names or the sizes it gives refuses the
 * process rather than guessing.
 */
#ifndef ORTHROS_LIB_INFLIGHT_H
#define ORTHROS_LIB_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "deadproc.h"

/*
 * Decide the fate of the system call thread th of p is in (its registers
 * as saved at the call's entry: orig_ax the call, ax -ENOSYS as it had not
 * returned), from its record th->inflight and p's files. Sets the registers
 * to resume (restart: ip back on the syscall instruction, ax the call;
 * completed: ax the result, and for write() and writev() the file's
 * position moved on). Returns -1 with why in err, the registers untouched,
 * if the record does not fit.
 */
int dp_inflight_resolve(struct dp_proc *p, struct dp_thread *th, char *err, size_t errlen);

#endif
