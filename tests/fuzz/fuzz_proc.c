// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process reader (dp_read_protected, with the socket reader under it)
 * on a synthetic dead kernel the input fills (synth.h): the protected set,
 * the task list, threads and their registers, memory maps and pages, files,
 * pipes, epoll sets, sockets and their queues, signals, credentials. Every
 * input must end in a set (whose trees are then judged) or an error: no
 * crash, no hang, no read outside the core.
 */
#include "fuzz.h"
#include "synth.h"

#include "../../lib/deadproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dk *dk = syn_open(data, len);
	struct dp_set set;

	if (!dp_read_protected(dk, &set)) {
		dp_refuse_broken_trees(&set);
		dp_set_free(&set);
	}
	dk_close(dk);
	return 0;
}
