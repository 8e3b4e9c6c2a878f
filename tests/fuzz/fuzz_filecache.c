// SPDX-License-Identifier: GPL-2.0-only
/*
 * The file-cache reader (fc_scan) on a synthetic dead kernel the input
 * fills (synth.h): super blocks, their inodes and dentries, page-cache
 * xarrays and folios, ext4's group descriptors and inode bitmaps in the
 * block device's cache. Every input must end in a scan or an error: no
 * crash, no hang, no read outside the core.
 */
#include "fuzz.h"
#include "synth.h"

#include "../../lib/filecache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dk *dk = syn_open(data, len);
	struct fc_scan scan;

	if (!fc_scan(dk, &scan))
		fc_scan_free(&scan);
	dk_close(dk);
	return 0;
}
