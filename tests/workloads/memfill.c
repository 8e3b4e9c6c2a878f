// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfill: hold memory with a pattern and say whether anything but this
 * program wrote into it (the dma-fence check: a device of a dead OS left
 * receiving must not write into memory the survivor reuses).
 *
 *   memfill MIB SECONDS
 *
 * Fills MIB MiB of anonymous memory, every 8-byte word its own offset
 * mixed with a constant, prints "memfill: filled MIB MiB", waits SECONDS,
 * then checks every word and prints "memfill: MIB MiB checked, N words
 * wrong" (and the first few wrong ones). Exit 0 if none is wrong, 1 if
 * some are, 2 on bad usage or no memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIX 0x6f7274686f730000ULL	/* "orthos" */

static uint64_t word(uint64_t i)
{
	return (i * 8) ^ MIX;
}

int main(int argc, char **argv)
{
	unsigned long mib, seconds;
	uint64_t n, i, wrong = 0;
	uint64_t *mem;
	char *end;

	if (argc != 3 || !(mib = strtoul(argv[1], &end, 10)) || *end ||
	    (seconds = strtoul(argv[2], &end, 10), *end)) {
		fprintf(stderr, "usage: memfill MIB SECONDS\n");
		return 2;
	}
	n = (uint64_t)mib << 17;	/* 8-byte words */
	mem = mmap(NULL, n * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "memfill: %lu MiB: %s\n", mib, strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++)
		mem[i] = word(i);
	printf("memfill: filled %lu MiB\n", mib);
	fflush(stdout);
	sleep(seconds);
	for (i = 0; i < n; i++) {
		if (mem[i] == word(i))
			continue;
		if (wrong++ < 5)
			printf("memfill: word at offset %#" PRIx64 " is %#" PRIx64 ", not %#" PRIx64 "\n",
			       i * 8, mem[i], word(i));
	}
	printf("memfill: %lu MiB checked, %" PRIu64 " words wrong\n", mib, wrong);
	return wrong ? 1 : 0;
}
