// SPDX-License-Identifier: GPL-2.0-only
/*
 * The input is a whole ELF core file, as /proc/vmcore would be: headers,
 * program headers, notes (VMCOREINFO), page tables. Opening it and reading
 * what every tool reads first must fail cleanly or succeed, never crash.
 */
#include "fuzz.h"
#include "../../lib/deadkernel.h"

static const struct dk_layout layout = {
	.list_next = 0, .list_prev = 8, .xa_flags = 4, .xa_head = 8,
	.xn_shift = 0, .xn_offset = 1, .xn_parent = 8, .xn_slots = 40, .xn_marks = 552,
	.xa_chunk = 64, .xa_marks = 3, .mt_root = 8, .mt_flags = 16,
	.mr64_pivot = 8, .mr64_slot = 128, .mr64_end = 248, .mr64_slots = 16,
	.ma64_pivot = 8, .ma64_slot = 80, .ma64_end = 240, .ma64_slots = 10,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *path = fuzz_file(data, len);
	uint64_t v, pa, pfn;
	struct dk *dk = NULL;
	char err[512], buf[64];

	if (!path || dk_open_layout(&dk, path, &layout, err, sizeof(err)))
		return 0;
	dk_info(dk, "OSRELEASE");
	dk_info_u64(dk, "NUMBER(phys_base)", &v);
	dk_info_u64(dk, "SYMBOL(init_uts_ns)", &v);
	dk_virt_to_phys(dk, 0xffff888000001000ULL, &pa);
	dk_read(dk, 0xffffffff81000000ULL, buf, sizeof(buf));
	dk_read_str(dk, 0xffff888000002000ULL, buf, sizeof(buf));
	dk_user_virt_to_phys(dk, 0xffff888000001000ULL, 0x400000, &pa);
	dk_page_to_pfn(dk, 0xffffea0000000040ULL, &pfn);
	dk_close(dk);
	return 0;
}
