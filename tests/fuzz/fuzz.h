/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harnesses for the parsers of untrusted input (`make fuzz`).
 * Each defines LLVMFuzzerTestOneInput; what it feeds and what it checks is
 * said at its top. Helpers shared by the dead-kernel harnesses are here.
 */
#ifndef ORTHROS_FUZZ_H
#define ORTHROS_FUZZ_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The input as a file: the dead-kernel reader takes a path (it reads
 * /proc/vmcore). A memfd truncated and rewritten for each input keeps the
 * harness off the disk. Returns "/proc/self/fd/N" or NULL.
 */
static inline const char *fuzz_file(const void *data, size_t len)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0)
			return NULL;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (len && pwrite(fd, data, len, 0) != (ssize_t)len))
		return NULL;
	return path;
}

#endif
