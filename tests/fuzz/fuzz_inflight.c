// SPDX-License-Identifier: GPL-2.0-only
/*
 * A system call the dead kernel was inside (lib/inflight.c): the thread's
 * registers, the kernel's record of how far the call got, and the file and
 * TCP connection it may name, all from the input. Whatever they say, the
 * decision is one of three, and each keeps its promise: refused with the
 * registers untouched; run again from the syscall instruction; or completed
 * with a result of 1 to count bytes, the position moved by no more.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "../../lib/inflight.h"

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, size_t n)
{
	uint64_t v = 0;

	n = n < in->left ? n : in->left;
	memcpy(&v, in->p, n);
	in->p += n;
	in->left -= n;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct input in = { data, len };
	struct dp_file files[2] = { 0 };
	struct dp_fd fds[2] = { { .fd = 3, .file = 0 }, { .fd = 4, .file = 1 } };
	struct dp_inet inet = { 0 };
	struct dp_tcp tcp = { 0 };
	struct dp_proc proc = { 0 };
	struct dp_thread th = { 0 };
	struct dp_regs before;
	uint64_t pos_before[2];
	char err[256];
	int i, rc;

	th.regs.orig_ax = take(&in, 1) % 64 == 0 ? take(&in, 8) : take(&in, 2) % 400;
	th.regs.ax = take(&in, 1) & 1 ? take(&in, 8) : (uint64_t)-38;
	th.regs.di = take(&in, 1) % 6;
	th.regs.dx = take(&in, 8);
	th.regs.r10 = take(&in, 8);
	th.regs.ip = take(&in, 8);
	th.inflight.kind = take(&in, 1) % (DP_INFLIGHT_UNKNOWN + 1);
	th.inflight.obj = take(&in, 1) % 4;
	th.inflight.start = take(&in, 8);
	th.inflight.size = take(&in, 8);
	th.inflight.count = take(&in, 8);
	th.inflight.done = take(&in, 8);
	for (i = 0; i < 2; i++) {
		files[i].addr = take(&in, 1) % 4;
		files[i].kind = take(&in, 1) % (DP_OTHER + 1);
		files[i].flags = take(&in, 4);
		files[i].pos = take(&in, 8);
		files[i].size = take(&in, 8);
		files[i].inet = take(&in, 1) & 1 ? &inet : NULL;
	}
	inet.sk = take(&in, 1) % 4;
	inet.tcp = take(&in, 1) & 1 ? &tcp : NULL;
	tcp.outq_seq = take(&in, 4);
	tcp.inq_seq = take(&in, 4);
	tcp.inq_len = take(&in, 4);
	proc.files = files;
	proc.nfiles = 2;
	proc.fds = fds;
	proc.nfds = 2;
	before = th.regs;
	pos_before[0] = files[0].pos;
	pos_before[1] = files[1].pos;

	rc = dp_inflight_resolve(&proc, &th, err, sizeof(err));
	if (rc == -1) {
		if (memcmp(&before, &th.regs, sizeof(before)) || !err[0])
			abort();
	} else if (rc != 0) {
		abort();
	} else if (th.syscall == DP_SYSCALL_RESTART) {
		if (th.regs.ax != before.orig_ax || th.regs.ip != before.ip - 2)
			abort();
	} else if (th.syscall == DP_SYSCALL_COMPLETED) {
		if (!th.regs.ax || th.regs.ax > th.inflight.count || th.regs.ip != before.ip)
			abort();
		for (i = 0; i < 2; i++)
			if (files[i].pos != pos_before[i] &&
			    files[i].pos - th.inflight.start != th.regs.ax)
				abort();
	} else if (memcmp(&before, &th.regs, sizeof(before))) {
		abort();
	}
	return 0;
}
