// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dead-memory walkers on memory the input fills: the synthetic core of
 * synth.h (physical 0 at the direct map; the input is the memory from
 * SYN_DATA on), and each walker starts at its own place in it: a list, an
 * hlist, an rb-tree, an xarray (walked and looked up), a maple tree, a
 * dentry chain and a string.
 * Pointers into the data are DMAP + SYN_DATA + offset. Every walk must end
 * in a result or an error: no crash, no hang (libFuzzer's time-out), no
 * read outside what the core holds.
 */
#include "fuzz.h"
#include "synth.h"

#include <string.h>

#include "../../lib/deadfs.h"

static const struct dk_fs_layout fs = {
	.d_parent = 0, .d_len = 8, .d_name = 16,
	.mnt_parent = 0, .mnt_mountpoint = 8, .mount_mnt = 16, .mnt_root = 0,
};

static int count(struct dk *dk, uint64_t node, void *arg)
{
	(void)dk, (void)node;
	return ++*(unsigned long *)arg > 100000;
}

static int count_xa(struct dk *dk, uint64_t index, uint64_t entry, void *arg)
{
	(void)index, (void)entry;
	return count(dk, 0, arg);
}

static int count_mt(struct dk *dk, uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
	(void)first, (void)last, (void)entry;
	return count(dk, 0, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dk *dk = syn_open(data, len);
	const uint64_t d = SYN_DMAP + SYN_DATA;
	unsigned long n;
	char buf[256];

	n = 0, dk_list_walk(dk, d + 0x000, count, &n);
	n = 0, dk_hlist_walk(dk, d + 0x010, count, &n);
	n = 0, dk_rb_walk(dk, d + 0x020, 16, 8, count, &n);
	n = 0, dk_xa_walk(dk, d + 0x030, 7, count_xa, &n);
	n = 0, dk_xa_walk(dk, d + 0x030, 0, count_xa, &n);
	{
		uint64_t index = 0, e;

		memcpy(&index, data, len < 8 ? len : 8);	/* any index, the input's first word */
		dk_xa_load(dk, d + 0x030, index, &e);
		dk_xa_load(dk, d + 0x030, index & 0xfff, &e);
	}
	n = 0, dk_mt_walk(dk, d + 0x040, count_mt, &n);
	dk_dentry_path(dk, &fs, 0, d + 0x060, buf, sizeof(buf));
	dk_dentry_path(dk, &fs, d + 0x080, d + 0x060, buf, sizeof(buf));
	dk_read_str(dk, d + 0x0a0, buf, 32);
	dk_close(dk);
	return 0;
}
