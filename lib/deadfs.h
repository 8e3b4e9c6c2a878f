/* SPDX-License-Identifier: GPL-2.0-only */
/* libdeadkernel: path names of a dead kernel's dentries, across mounts. */
#ifndef ORTHROS_LIB_DEADFS_H
#define ORTHROS_LIB_DEADFS_H

#include <stddef.h>
#include <stdint.h>

#include "deadkernel.h"

struct dk_fs_layout {
	uint32_t d_parent, d_len, d_name;	/* struct dentry */
	uint32_t mnt_parent, mnt_mountpoint;	/* struct mount */
	uint32_t mount_mnt;			/* struct vfsmount in struct mount */
	uint32_t mnt_root;			/* struct vfsmount */
};

int dk_fs_layout(struct dk *dk, struct dk_fs_layout *l);

/*
 * The path of dentry: from the root of its file system if mnt is 0, else
 * the absolute path through the mounts above mnt (a struct vfsmount).
 */
int dk_dentry_path(struct dk *dk, const struct dk_fs_layout *l, uint64_t mnt,
		   uint64_t dentry, char *out, size_t len);

/*
 * Where the dead kernel had the ext4 file system with this UUID mounted (its
 * first mount, an absolute path). 0; 1 if it had no such file system or did
 * not mount it; -1 on error, and when it had two of that UUID (a copied
 * disk: which one this is cannot be told; orthros-fcm refuses the same).
 */
int dk_ext4_mount_path(struct dk *dk, const unsigned char uuid[16], char *out, size_t len,
		       unsigned long *ms_flags, char *ext4_opts, size_t olen);

/*
 * ext4's own options of a mount, as mount(2)'s data string ("" if none
 * differs from ext4's defaults): data=, commit=, errors=, and nobarrier,
 * nodelalloc, noauto_da_alloc, discard. mount_opt is ext4_sb_info's
 * s_mount_opt, commit its s_commit_interval, in jiffies of a kernel of hz
 * ticks a second. -1 if they are not what ext4 could have set.
 */
int dk_ext4_options(uint32_t mount_opt, uint64_t commit, long hz, char *out, size_t len);

/*
 * The mount(2) flags (MS_*) of a mount whose vfsmount had mnt_flags and
 * whose super block had s_flags: nosuid, nodev, noexec, noatime,
 * nodiratime, relatime, nosymfollow, ro, sync, dirsync, lazytime. What
 * else an ext4 file system was mounted with is dk_ext4_options()'s.
 */
unsigned long dk_mount_ms_flags(uint32_t mnt_flags, uint64_t s_flags);

#endif
