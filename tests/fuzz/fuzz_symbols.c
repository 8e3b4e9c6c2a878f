// SPDX-License-Identifier: GPL-2.0-only
/*
 * The input is the dead kernel's symbol file (kallsyms or System.map
 * format) or, when its first byte is 'B', the rest is its BTF. dk_open()
 * loads it beside a sound core and a sound other file (the unit tests'
 * synthetic image, tests/unit/dkimg.c), then the first lookups every tool
 * makes run. Loading must fail cleanly or succeed, never crash. (BTF
 * itself is parsed by libbpf; what is fuzzed here is what Orthros does
 * with what libbpf accepts.)
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include "../unit/unit.h"
#include "../unit/dkimg.h"

/* dkimg.c reports through the unit harness: here any failure of it is a bug. */
void unit_register(struct unit_test *t)
{
	(void)t;
}

void unit_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, what);
	abort();
}

static struct img img;
static char btf_path[64], sym_path[64];

static void cleanup(void)
{
	unlink(img.path);
	unlink(btf_path);
	unlink(sym_path);
}

static void setup(void)
{
	static const char syms[] = "ffffffff81000000 T _stext\nffffffff82000100 D init_uts_ns\n";
	char info[512];

	snprintf(info, sizeof(info), BTF_INFO, 64);
	img_init(&img, info);
	img_write(&img, true);
	dkimg_btf_write(dkimg_btf(NULL), btf_path);
	write_file(sym_path, syms, strlen(syms));
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static bool ready;
	struct dk_sources src = { img.path, btf_path, sym_path };
	const char *input;
	struct dk *dk = NULL;
	char err[512];
	uint32_t off;
	uint64_t addr;
	int64_t e;

	if (!ready) {
		setup();
		ready = true;
	}
	if (len && data[0] == 'B') {
		input = fuzz_file(data + 1, len - 1);
		src.btf = input;
	} else {
		input = fuzz_file(data, len);
		src.symbols = input;
	}
	if (!input || dk_open(&dk, &src, err, sizeof(err)))
		return 0;
	dk_symbol(dk, "init_uts_ns", &addr);
	dk_symbol(dk, "super_blocks", &addr);
	dk_offset(dk, "struct list_head", "next", &off);
	dk_offset(dk, "struct page", "mapping", &off);
	dk_offset(dk, "struct zone", "free_area", &off);
	dk_sizeof(dk, "struct page", &off);
	dk_array_len(dk, "struct xa_node", "slots", &off);
	dk_enum(dk, "PIDTYPE_SID", &e);
	dk_close(dk);
	return 0;
}
