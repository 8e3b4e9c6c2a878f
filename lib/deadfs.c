// SPDX-License-Identifier: GPL-2.0-only
/* libdeadkernel: path names of a dead kernel's dentries, across mounts. */
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "deadfs.h"
#include "strbuf.h"

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
		/* A name that would lead elsewhere once the path is resolved. */
		if (memchr(buf + pos, '/', n) || memchr(buf + pos, 0, n) ||
		    (n <= 2 && !memcmp(buf + pos, "..", n)))
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

struct mount_ctx {
	struct dk_fs_layout fs;
	uint32_t sb_list, sb_type, sb_uuid, sb_mounts, sb_flags, mnt_instance, mnt_flags;
	uint32_t sb_fs_info, esb_mount_opt, esb_commit;
	uint64_t ext4;			/* &ext4_fs_type */
	const unsigned char *uuid;
	uint64_t sb;			/* found */
	unsigned int nsame;		/* how many have the UUID */
};

static int match_sb(struct dk *dk, uint64_t node, void *arg)
{
	struct mount_ctx *c = arg;
	uint64_t sb = node - c->sb_list, type;
	unsigned char uuid[16];

	if (dk_read_u64(dk, sb + c->sb_type, &type))
		return -1;
	if (type != c->ext4)
		return 0;
	if (dk_read(dk, sb + c->sb_uuid, uuid, 16))
		return -1;
	if (memcmp(uuid, c->uuid, 16))
		return 0;
	/* Every one: two of one UUID must be refused, not the first taken. */
	c->sb = sb;
	c->nsame++;
	return 0;
}

static int first_mount(struct dk *dk, uint64_t node, void *arg)
{
	(void)dk;
	*(uint64_t *)arg = node;
	return 1;
}

/* include/linux/mount.h and include/linux/fs.h of 6.1: kernel-internal, stable for years. */
#define MNT_NOSUID	0x01
#define MNT_NODEV	0x02
#define MNT_NOEXEC	0x04
#define MNT_NOATIME	0x08
#define MNT_NODIRATIME	0x10
#define MNT_RELATIME	0x20
#define MNT_READONLY	0x40
#define MNT_NOSYMFOLLOW	0x80
#define SB_RDONLY	(1ULL << 0)
#define SB_SYNCHRONOUS	(1ULL << 4)
#define SB_DIRSYNC	(1ULL << 7)
#define SB_LAZYTIME	(1ULL << 25)

unsigned long dk_mount_ms_flags(uint32_t mnt_flags, uint64_t s_flags)
{
	static const struct { uint32_t mnt; unsigned long ms; } per_mount[] = {
		{ MNT_NOSUID, MS_NOSUID }, { MNT_NODEV, MS_NODEV }, { MNT_NOEXEC, MS_NOEXEC },
		{ MNT_NOATIME, MS_NOATIME }, { MNT_NODIRATIME, MS_NODIRATIME },
		{ MNT_RELATIME, MS_RELATIME }, { MNT_READONLY, MS_RDONLY },
		{ MNT_NOSYMFOLLOW, MS_NOSYMFOLLOW },
	};
	static const struct { uint64_t sb; unsigned long ms; } per_sb[] = {
		{ SB_RDONLY, MS_RDONLY }, { SB_SYNCHRONOUS, MS_SYNCHRONOUS },
		{ SB_DIRSYNC, MS_DIRSYNC }, { SB_LAZYTIME, MS_LAZYTIME },
	};
	unsigned long ms = 0;
	unsigned int i;

	for (i = 0; i < sizeof(per_mount) / sizeof(per_mount[0]); i++)
		if (mnt_flags & per_mount[i].mnt)
			ms |= per_mount[i].ms;
	for (i = 0; i < sizeof(per_sb) / sizeof(per_sb[0]); i++)
		if (s_flags & per_sb[i].sb)
			ms |= per_sb[i].ms;
	return ms;
}

/* fs/ext4/ext4.h of 6.1 (s_mount_opt bits): defines, so not in BTF. */
#define EXT4_MOUNT_ERRORS_CONT		0x00010
#define EXT4_MOUNT_ERRORS_RO		0x00020
#define EXT4_MOUNT_ERRORS_PANIC		0x00040
#define EXT4_MOUNT_ERRORS_MASK		0x00070
#define EXT4_MOUNT_DATA_FLAGS		0x00C00	/* all of it set: data=writeback */
#define EXT4_MOUNT_JOURNAL_DATA		0x00400
#define EXT4_MOUNT_ORDERED_DATA		0x00800
#define EXT4_MOUNT_NO_AUTO_DA_ALLOC	0x10000
#define EXT4_MOUNT_BARRIER		0x20000
#define EXT4_MOUNT_DELALLOC		0x8000000
#define EXT4_MOUNT_DISCARD		0x40000000
#define EXT4_DEFAULT_COMMIT_S		5	/* JBD2_DEFAULT_MAX_COMMIT_AGE */

int dk_ext4_options(uint32_t mount_opt, uint64_t commit, long hz, char *out, size_t len)
{
	static const struct { uint32_t bit; bool on_by_default; const char *name; } sw[] = {
		{ EXT4_MOUNT_BARRIER, true, "nobarrier" },
		{ EXT4_MOUNT_DELALLOC, true, "nodelalloc" },
		{ EXT4_MOUNT_NO_AUTO_DA_ALLOC, false, "noauto_da_alloc" },
		{ EXT4_MOUNT_DISCARD, false, "discard" },
	};
	uint32_t data = mount_opt & EXT4_MOUNT_DATA_FLAGS, errors = mount_opt & EXT4_MOUNT_ERRORS_MASK;
	struct strbuf b;
	unsigned int i;

	sb_init(&b, out, len);
	if (hz <= 0 || !data || commit % hz || commit / hz > INT32_MAX ||
	    (errors && errors != EXT4_MOUNT_ERRORS_CONT && errors != EXT4_MOUNT_ERRORS_RO &&
	     errors != EXT4_MOUNT_ERRORS_PANIC))
		return -1;
	if (data != EXT4_MOUNT_ORDERED_DATA)
		sb_add(&b, ",data=%s", data == EXT4_MOUNT_JOURNAL_DATA ? "journal" : "writeback");
	if (commit / hz != EXT4_DEFAULT_COMMIT_S)
		sb_add(&b, ",commit=%llu", (unsigned long long)(commit / hz));
	if (errors)
		sb_add(&b, ",errors=%s", errors == EXT4_MOUNT_ERRORS_CONT ? "continue" :
				       errors == EXT4_MOUNT_ERRORS_RO ? "remount-ro" : "panic");
	for (i = 0; i < sizeof(sw) / sizeof(sw[0]); i++)
		if (!(mount_opt & sw[i].bit) == sw[i].on_by_default)
			sb_add(&b, ",%s", sw[i].name);
	if (b.cut)
		return -1;
	if (b.len)
		memmove(out, out + 1, b.len);	/* the first comma */
	return 0;
}

/*
 * The survivor runs the dead kernel's build (dk_open checks it), so its
 * jiffies tick as the dead kernel's did: the coarse clocks advance once
 * a jiffy, and their resolution tells how long that is.
 */
static long running_hz(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec || !res.tv_nsec)
		return -1;
	return (1000000000L + res.tv_nsec / 2) / res.tv_nsec;
}

int dk_ext4_mount_path(struct dk *dk, const unsigned char uuid[16], char *out, size_t len,
		       unsigned long *ms_flags, char *ext4_opts, size_t olen)
{
	struct mount_ctx c = { .uuid = uuid };
	uint64_t super_blocks, node = 0, mnt, root, s_flags, esb, commit;
	uint32_t mnt_flags, mount_opt;
	const struct dk_field f[] = {
		{ "struct super_block", "s_list", &c.sb_list },
		{ "struct super_block", "s_type", &c.sb_type },
		{ "struct super_block", "s_uuid", &c.sb_uuid },
		{ "struct super_block", "s_mounts", &c.sb_mounts },
		{ "struct super_block", "s_flags", &c.sb_flags },
		{ "struct mount", "mnt_instance", &c.mnt_instance },
		{ "struct vfsmount", "mnt_flags", &c.mnt_flags },
		{ "struct super_block", "s_fs_info", &c.sb_fs_info },
		{ "struct ext4_sb_info", "s_mount_opt", &c.esb_mount_opt },
		{ "struct ext4_sb_info", "s_commit_interval", &c.esb_commit },
	};

	if (dk_offsets(dk, f, DK_NFIELDS(f)) || dk_fs_layout(dk, &c.fs) ||
	    dk_symbol(dk, "super_blocks", &super_blocks) || dk_symbol(dk, "ext4_fs_type", &c.ext4) ||
	    dk_list_walk(dk, super_blocks, match_sb, &c) < 0)
		return -1;
	if (c.nsame > 1)
		return dk_fail(dk, "the dead kernel had %u ext4 file systems of this UUID: which one is this disk cannot be told",
			       c.nsame);
	if (!c.sb || dk_list_walk(dk, c.sb + c.sb_mounts, first_mount, &node) < 0)
		return c.sb ? -1 : 1;
	if (!node)
		return 1;
	mnt = node - c.mnt_instance + c.fs.mount_mnt;
	if (dk_read_u64(dk, mnt + c.fs.mnt_root, &root) ||
	    dk_read(dk, mnt + c.mnt_flags, &mnt_flags, sizeof(mnt_flags)) ||
	    dk_read_u64(dk, c.sb + c.sb_flags, &s_flags) ||
	    dk_read_u64(dk, c.sb + c.sb_fs_info, &esb) ||
	    dk_read(dk, esb + c.esb_mount_opt, &mount_opt, sizeof(mount_opt)) ||
	    dk_read_u64(dk, esb + c.esb_commit, &commit))
		return -1;
	*ms_flags = dk_mount_ms_flags(mnt_flags, s_flags);
	if (dk_ext4_options(mount_opt, commit, running_hz(), ext4_opts, olen))
		return dk_fail(dk, "ext4 options 0x%x, commit %llu jiffies: not what ext4 sets",
			       mount_opt, (unsigned long long)commit);
	return dk_dentry_path(dk, &c.fs, mnt, root, out, len) ? -1 : 0;
}
