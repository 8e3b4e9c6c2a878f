// SPDX-License-Identifier: GPL-2.0-only
/*
 * File-cache migration resolves the dead kernel's path names beneath the
 * migrated file system only (issue: a user's symlink swap once carried a
 * write to the survivor's /etc/passwd), and dentry names "." and ".." are
 * refused where the path is read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "dkimg.h"
#include "../../lib/deadfs.h"
#include "../../lib/filecache.h"

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

TEST(fc_parent_beneath_stays_in_the_file_system)
{
	char top[] = "/tmp/orthros-fc-XXXXXX", mnt[128], out[128], p[160], buf[64];
	const char *leaf = NULL;
	struct stat st;
	int mntfd, fd;

	CHECK(mkdtemp(top) != NULL);
	snprintf(mnt, sizeof(mnt), "%s/mnt", top);
	snprintf(out, sizeof(out), "%s/etc", top);
	CHECK(!mkdir(mnt, 0755) && !mkdir(out, 0755));
	snprintf(p, sizeof(p), "%s/passwd", out);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "root:x:0:0\n", 11) == 11);
	close(fd);
	/* d -> the survivor's "/etc", as a user committed it. */
	snprintf(p, sizeof(p), "%s/d", mnt);
	CHECK(!symlink(out, p));
	mntfd = open(mnt, O_RDONLY | O_DIRECTORY);
	CHECK(mntfd >= 0);

	errno = 0;
	CHECK(fc_parent_beneath(mntfd, "/d/passwd", &leaf) < 0 && errno == ELOOP);
	CHECK(fc_parent_beneath(mntfd, "/d/x/passwd", &leaf) < 0);
	CHECK(fc_parent_beneath(mntfd, "/a/../../etc/passwd", &leaf) < 0 && errno == EINVAL);
	CHECK(fc_parent_beneath(mntfd, "/./passwd", &leaf) < 0 && errno == EINVAL);
	CHECK(fc_parent_beneath(mntfd, "/a//b", &leaf) < 0 && errno == EINVAL);
	CHECK(fc_parent_beneath(mntfd, "a/b", &leaf) < 0 && errno == EINVAL);
	snprintf(p, sizeof(p), "%s/passwd", out);
	slurp(p, buf, sizeof(buf));
	CHECK_STR(buf, "root:x:0:0\n");
	snprintf(p, sizeof(p), "%s/d/x", mnt);
	CHECK(lstat(p, &st) < 0);	/* nothing made through the link */

	/* Directories the journal never committed are made, beneath. */
	fd = fc_parent_beneath(mntfd, "/new/deeper/file", &leaf);
	CHECK(fd >= 0);
	CHECK_STR(leaf, "file");
	snprintf(p, sizeof(p), "%s/new/deeper", mnt);
	CHECK(!stat(p, &st) && S_ISDIR(st.st_mode));
	if (fd >= 0)
		close(fd);
	fd = fc_parent_beneath(mntfd, "/top", &leaf);
	CHECK(fd >= 0);
	CHECK_STR(leaf, "top");
	if (fd >= 0)
		close(fd);
	close(mntfd);
	snprintf(p, sizeof(p), "rm -rf %s", top);
	CHECK(system(p) == 0);
}

/* A dentry named "..": the path would climb out once resolved. */
TEST(dk_dentry_path_refuses_dot_names)
{
	const struct dk_fs_layout l = { .d_parent = 0, .d_len = 8, .d_name = 16 };
	static const char *const bad[] = { "..", "." }, *const good = "...";
	uint64_t root, d, name;
	char path[64];
	struct img m;
	struct dk *dk;
	unsigned int i;

	img_init(&m, NULL);
	root = alloc(&m, 24, 8);
	P(&m, root)[0] = DM(root);
	d = alloc(&m, 24, 8);
	name = alloc(&m, 8, 8);
	P(&m, d)[0] = DM(root);
	P(&m, d)[2] = DM(name);
	for (i = 0; i < 3; i++) {
		const char *n = i < 2 ? bad[i] : good;

		memcpy(m.mem + name, n, strlen(n));
		*(uint32_t *)(m.mem + d + 8) = strlen(n);
		img_write(&m, true);
		dk = NULL;
		CHECK(dk_open_layout(&dk, m.path, &(struct dk_layout){ 0 }, path, sizeof(path)) == 0);
		if (!dk)
			continue;
		if (i < 2) {
			CHECK_ERR(dk_dentry_path(dk, &l, 0, DM(d), path, sizeof(path)), "corrupt name");
		} else {
			CHECK(dk_dentry_path(dk, &l, 0, DM(d), path, sizeof(path)) == 0);
			CHECK_STR(path, "/...");
		}
		dk_close(dk);
	}
	img_free(&m);
}

/*
 * Two file systems of one UUID (a copied disk) were resolved differently:
 * orthros-fcm took the last, orthrosd's mount the first. Now both refuse.
 */
TEST(fc_find_sb_refuses_two_of_one_uuid)
{
	struct fc_sb sbs[3];
	struct fc_scan scan = { sbs, 3 };
	unsigned char want[16] = { 0x6f, 0x72, 2 };
	unsigned int n;

	memset(sbs, 0, sizeof(sbs));
	memcpy(sbs[1].uuid, want, 16);
	CHECK(fc_find_sb(&scan, want, &n) == &sbs[1] && n == 1);
	memcpy(sbs[2].uuid, want, 16);
	CHECK(fc_find_sb(&scan, want, &n) == NULL && n == 2);
	want[0] = 0;
	CHECK(fc_find_sb(&scan, want, &n) == NULL && n == 0);
}

/* A disk's file system and UUID as libblkid reads them (mkfs.ext4 on a file). */
TEST(fc_dev_uuid_reads_ext4_and_refuses_the_rest)
{
	static const unsigned char want[16] = { 0x6f, 0x72, 0x74, 0x6f, 0, 0, 0x40, 0,
						0x80, 0, 0, 0, 0, 0, 0, 0x42 };
	char path[] = "/tmp/orthros-blk-XXXXXX", cmd[256], err[256], type[32];
	unsigned char uuid[16];
	int fd = mkstemp(path);

	CHECK(fd >= 0 && ftruncate(fd, 4 << 20) == 0);
	close(fd);
	CHECK(fc_dev_uuid(path, uuid, err, sizeof(err)) == -1 && strstr(err, "no file system"));
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -U 6f72746f-0000-4000-8000-000000000042 %s",
		 path);
	CHECK(system(cmd) == 0);
	CHECK(fc_dev_uuid(path, uuid, err, sizeof(err)) == 0 && !memcmp(uuid, want, 16));
	CHECK(fc_dev_fs(path, type, sizeof(type), uuid, err, sizeof(err)) == 0);
	CHECK_STR(type, "ext4");
	snprintf(cmd, sizeof(cmd), "mkfs.ext2 -q -F %s", path);
	CHECK(system(cmd) == 0);
	CHECK(fc_dev_uuid(path, uuid, err, sizeof(err)) == -1 && strstr(err, "holds ext2, not ext4"));
	unlink(path);
}

/* The survivor mounts a taken-over disk with the options the dead OS had. */
TEST(dk_mount_ms_flags_carries_the_dead_mount_options)
{
	/* nosuid, nodev, noexec on the mount; sync and read-only on the super block. */
	CHECK(dk_mount_ms_flags(0x01 | 0x02 | 0x04, 0) == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
	CHECK(dk_mount_ms_flags(0x20, 1ULL << 4) == (MS_RELATIME | MS_SYNCHRONOUS));
	CHECK(dk_mount_ms_flags(0x40, 0) == MS_RDONLY && dk_mount_ms_flags(0, 1) == MS_RDONLY);
	CHECK(dk_mount_ms_flags(0x08 | 0x80, (1ULL << 7) | (1ULL << 25)) ==
	      (MS_NOATIME | MS_NOSYMFOLLOW | MS_DIRSYNC | MS_LAZYTIME));
	/* Flags it does not carry (internal ones: MNT_SHARED 0x1000, SB_BORN) stay out. */
	CHECK(dk_mount_ms_flags(0x1000, 1ULL << 29) == 0);
}

/* s_mount_opt as ext4 sets it by default: ordered data, barrier, delalloc, errors=continue. */
#define EXT4_DEFAULTS	(0x00800 | 0x20000 | 0x8000000 | 0x00010)

TEST(dk_ext4_options_carries_data_commit_errors_and_switches)
{
	char out[128];

	CHECK(dk_ext4_options(EXT4_DEFAULTS, 5 * 250, 250, out, sizeof(out)) == 0);
	CHECK_STR(out, "errors=continue");
	/* data=journal, commit=17 at HZ 1000, errors=remount-ro, discard, no barrier. */
	CHECK(dk_ext4_options((EXT4_DEFAULTS & ~0x00c10 & ~0x20000) | 0x00400 | 0x00020 | 0x40000000,
			      17 * 1000, 1000, out, sizeof(out)) == 0);
	CHECK_STR(out, "data=journal,commit=17,errors=remount-ro,nobarrier,discard");
	CHECK(dk_ext4_options(EXT4_DEFAULTS | 0x00c00, 5 * 100, 100, out, sizeof(out)) == 0);
	CHECK_STR(out, "data=writeback,errors=continue");
	CHECK(dk_ext4_options((EXT4_DEFAULTS & ~0x8000000) | 0x10000, 500, 100, out, sizeof(out)) == 0);
	CHECK_STR(out, "errors=continue,nodelalloc,noauto_da_alloc");
	/* What ext4 never sets: no data mode, a commit not in whole seconds, two error modes. */
	CHECK(dk_ext4_options(EXT4_DEFAULTS & ~0x00c00, 500, 100, out, sizeof(out)) < 0);
	CHECK(dk_ext4_options(EXT4_DEFAULTS, 501, 100, out, sizeof(out)) < 0);
	CHECK(dk_ext4_options(EXT4_DEFAULTS | 0x00060, 500, 100, out, sizeof(out)) < 0);
	CHECK(dk_ext4_options(EXT4_DEFAULTS, 500, 0, out, sizeof(out)) < 0);
	/* Too long for the caller's buffer: refused, not cut. */
	CHECK(dk_ext4_options(EXT4_DEFAULTS | 0x00400, 17 * 100, 100, out, 12) < 0);
}
