// SPDX-License-Identifier: GPL-2.0-only
/* libdeadkernel: path names of a dead kernel's dentries, across mounts. */
#include <string.h>

#include "deadfs.h"

#define MAX_STEPS	1024	/* names plus mount crossings in one path */
#define H(x) ((unsigned long long)(x))

int dk_fs_layout(struct dk *dk, struct dk_fs_layout *l)
{
	return dk_offset(dk, "struct dentry", "d_parent", &l->d_parent) ||
	       dk_offset(dk, "struct dentry", "d_name.len", &l->d_len) ||
	       dk_offset(dk, "struct dentry", "d_name.name", &l->d_name) ||
	       dk_offset(dk, "struct mount", "mnt_parent", &l->mnt_parent) ||
	       dk_offset(dk, "struct mount", "mnt_mountpoint", &l->mnt_mountpoint) ||
	       dk_offset(dk, "struct mount", "mnt", &l->mount_mnt) ||
	       dk_offset(dk, "struct vfsmount", "mnt_root", &l->mnt_root) ? -1 : 0;
}

/* Names are put at the end of buf, right to left, as the kernel's d_path(). */
int dk_dentry_path(struct dk *dk, const struct dk_fs_layout *l, uint64_t mnt,
		   uint64_t d, char *out, size_t len)
{
	char buf[4096];
	size_t pos = sizeof(buf) - 1;
	uint64_t mount = mnt ? mnt - l->mount_mnt : 0, root = 0;
	int step;

	buf[pos] = 0;
	if (mnt && dk_read_u64(dk, mnt + l->mnt_root, &root))
		return -1;
	for (step = 0; step < MAX_STEPS; step++) {
		uint64_t parent, name;
		uint32_t n;

		if (dk_read_u64(dk, d + l->d_parent, &parent))
			return -1;
		if (d == root || parent == d) {
			uint64_t up;

			if (!mount)
				break;
			/* The top of this mount: go on from where it is mounted. */
			if (dk_read_u64(dk, mount + l->mnt_parent, &up))
				return -1;
			if (up == mount)
				break;
			if (dk_read_u64(dk, mount + l->mnt_mountpoint, &d) ||
			    dk_read_u64(dk, up + l->mount_mnt + l->mnt_root, &root))
				return -1;
			mount = up;
			continue;
		}
		if (dk_read(dk, d + l->d_len, &n, 4) || dk_read_u64(dk, d + l->d_name, &name))
			return -1;
		if (!n || n > 255 || n + 1 > pos)
			return dk_fail(dk, "dentry 0x%llx: a name of %u bytes", H(d), n);
		pos -= n;
		if (dk_read(dk, name, buf + pos, n))
			return -1;
		if (memchr(buf + pos, '/', n) || memchr(buf + pos, 0, n))
			return dk_fail(dk, "dentry 0x%llx: corrupt name", H(d));
		buf[--pos] = '/';
		d = parent;
	}
	if (step == MAX_STEPS)
		return dk_fail(dk, "dentry 0x%llx: a path of more than %d steps", H(d), MAX_STEPS);
	if (pos == sizeof(buf) - 1)
		buf[--pos] = '/';
	if (sizeof(buf) - pos > len)
		return dk_fail(dk, "dentry 0x%llx: path too long", H(d));
	memcpy(out, buf + pos, sizeof(buf) - pos);
	return 0;
}
