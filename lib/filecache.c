// SPDX-License-Identifier: GPL-2.0-only
/*
 * libfilecache: find the dead kernel's dirty ext4 page cache and write it
 * back through the surviving kernel. See filecache.h.
 */
#define _GNU_SOURCE
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/openat2.h>

#include "deadfs.h"
#include "errf.h"
#include "filecache.h"

#define PAGE_SIZE	4096ULL
#define EXT4_FIRST_INO	11		/* below: the file system's own inodes */
#define FILEID_INO32_GEN 1		/* ext4's file handle: inode, generation */
#define XA_PAGECACHE_MARKS 7		/* dirty, writeback, towrite */
#define SEARCH_ENTRIES	1000000		/* directory entries one search for a name reads */
#define SEARCH_DEPTH	64
#define MAX_NAMES	16		/* names of one inode unlinked */
#define HELD_PREFIX	".orthros-fcm-held-"
#define H(x) ((unsigned long long)(x))

/* Where the fields live in this build (BTF), looked up once per scan. */
struct fc_layout {
	uint32_t sb_list, sb_type, sb_id, sb_uuid, sb_inodes;
	uint32_t fst_name;
	uint32_t i_sb_list, i_mode, i_uid, i_gid, i_ino, i_nlink, i_size, i_generation;
	uint32_t i_mapping, i_dentry;
	uint32_t d_alias;
	struct dk_fs_layout fs;
	uint32_t as_pages, as_nrpages;
	uint32_t pg_flags, pg_mapping, pg_index, pg_order, pg_size;
	int64_t pg_dirty, pg_writeback, pg_head, bh_uptodate;
	/* Negative dentries, and the inode bitmaps of ext4 in the block device's cache. */
	uint32_t sb_root, sb_fs_info, sb_bdev, sb_blocksize, d_subdirs, d_child, d_inode, d_hashed;
	uint32_t esb_group_desc, esb_desc_per_block, esb_inodes_per_group, esb_desc_size;
	uint32_t esb_groups_count, gd_ibitmap_lo, gd_ibitmap_hi, bh_data, bd_inode;
	uint32_t pg_private, bh_blocknr, bh_state, bh_this_page;
};

static int fc_layout(struct dk *dk, struct fc_layout *l)
{
	const struct dk_field f[] = {
		{ "struct super_block", "s_list", &l->sb_list },
		{ "struct super_block", "s_type", &l->sb_type },
		{ "struct super_block", "s_id", &l->sb_id },
		{ "struct super_block", "s_uuid", &l->sb_uuid },
		{ "struct super_block", "s_inodes", &l->sb_inodes },
		{ "struct file_system_type", "name", &l->fst_name },
		{ "struct inode", "i_sb_list", &l->i_sb_list },
		{ "struct inode", "i_mode", &l->i_mode },
		{ "struct inode", "i_uid", &l->i_uid },
		{ "struct inode", "i_gid", &l->i_gid },
		{ "struct inode", "i_ino", &l->i_ino },
		{ "struct inode", "__i_nlink", &l->i_nlink },
		{ "struct inode", "i_size", &l->i_size },
		{ "struct inode", "i_generation", &l->i_generation },
		{ "struct inode", "i_mapping", &l->i_mapping },
		{ "struct inode", "i_dentry", &l->i_dentry },
		{ "struct dentry", "d_u.d_alias", &l->d_alias },
		{ "struct address_space", "i_pages", &l->as_pages },
		{ "struct address_space", "nrpages", &l->as_nrpages },
		{ "struct page", "flags", &l->pg_flags },
		{ "struct page", "mapping", &l->pg_mapping },
		{ "struct page", "index", &l->pg_index },
		{ "struct page", "compound_order", &l->pg_order },
		{ "struct super_block", "s_root", &l->sb_root },
		{ "struct super_block", "s_fs_info", &l->sb_fs_info },
		{ "struct super_block", "s_bdev", &l->sb_bdev },
		{ "struct super_block", "s_blocksize", &l->sb_blocksize },
		{ "struct dentry", "d_subdirs", &l->d_subdirs },
		{ "struct dentry", "d_child", &l->d_child },
		{ "struct dentry", "d_inode", &l->d_inode },
		{ "struct dentry", "d_hash.pprev", &l->d_hashed },
		{ "struct ext4_sb_info", "s_group_desc", &l->esb_group_desc },
		{ "struct ext4_sb_info", "s_desc_per_block", &l->esb_desc_per_block },
		{ "struct ext4_sb_info", "s_inodes_per_group", &l->esb_inodes_per_group },
		{ "struct ext4_sb_info", "s_desc_size", &l->esb_desc_size },
		{ "struct ext4_sb_info", "s_groups_count", &l->esb_groups_count },
		{ "struct ext4_group_desc", "bg_inode_bitmap_lo", &l->gd_ibitmap_lo },
		{ "struct ext4_group_desc", "bg_inode_bitmap_hi", &l->gd_ibitmap_hi },
		{ "struct buffer_head", "b_data", &l->bh_data },
		{ "struct buffer_head", "b_blocknr", &l->bh_blocknr },
		{ "struct buffer_head", "b_state", &l->bh_state },
		{ "struct buffer_head", "b_this_page", &l->bh_this_page },
		{ "struct page", "private", &l->pg_private },
		{ "struct block_device", "bd_inode", &l->bd_inode },
	};

	if (dk_offsets(dk, f, DK_NFIELDS(f)))
		return -1;
	return dk_fs_layout(dk, &l->fs) || dk_sizeof(dk, "struct page", &l->pg_size) ||
	       dk_enum(dk, "PG_dirty", &l->pg_dirty) ||
	       dk_enum(dk, "PG_writeback", &l->pg_writeback) ||
	       dk_enum(dk, "PG_head", &l->pg_head) || dk_enum(dk, "BH_Uptodate", &l->bh_uptodate);
}

static int read_u32(struct dk *dk, uint64_t va, uint32_t *v)
{
	return dk_read(dk, va, v, 4);
}

/* ---- Scanning the dead kernel ---- */

struct scan_ctx {
	struct fc_layout l;
	struct fc_scan *scan;
	struct fc_sb *sb;
	struct fc_file *file;
	bool all;		/* every cached folio, not only dirty ones */
};

/* The dentries of one inode (its names in memory), at most MAX_NAMES. */
struct aliases {
	uint64_t node[MAX_NAMES];
	unsigned int n;
};

static int add_alias(struct dk *dk, uint64_t node, void *arg)
{
	struct aliases *a = arg;

	(void)dk;
	if (a->n == MAX_NAMES)
		return 1;
	a->node[a->n++] = node;
	return 0;
}

static int add_folio(struct dk *dk, uint64_t index, uint64_t page, void *arg)
{
	struct scan_ctx *c = arg;
	const struct fc_layout *l = &c->l;
	struct fc_file *f = c->file;
	uint64_t flags, mapping, pindex, pfn;
	unsigned char order = 0;
	struct fc_folio *fo;

	if (dk_xa_is_value(page))	/* a shadow of an evicted page */
		return 0;
	if (dk_read_u64(dk, page + l->pg_flags, &flags) ||
	    dk_read_u64(dk, page + l->pg_mapping, &mapping) ||
	    dk_read_u64(dk, page + l->pg_index, &pindex) || dk_page_to_pfn(dk, page, &pfn))
		return dk_fail(dk, "inode %llu page %llu: %s", H(f->ino), H(index), dk_error(dk));
	if (mapping != f->mapping || pindex != index)
		return dk_fail(dk, "inode %llu page %llu: struct page 0x%llx belongs to mapping 0x%llx index %llu",
			       H(f->ino), H(index), H(page), H(mapping), H(pindex));
	if (flags & (1ULL << l->pg_head) &&
	    dk_read(dk, page + l->pg_size + l->pg_order, &order, 1))
		return -1;
	if (order > 9)
		return dk_fail(dk, "inode %llu page %llu: folio of order %u", H(f->ino), H(index), order);
	fo = realloc(f->folios, (f->nfolios + 1) * sizeof(*fo));
	if (!fo)
		return dk_fail(dk, "out of memory");
	f->folios = fo;
	fo[f->nfolios++] = (struct fc_folio){
		index, pfn, 1u << order,
		!!(flags & (1ULL << l->pg_dirty | 1ULL << l->pg_writeback)),
	};
	return 0;
}

static int read_inode(struct dk *dk, struct scan_ctx *c, uint64_t inode, struct fc_file *f)
{
	const struct fc_layout *l = &c->l;
	uint16_t mode;

	memset(f, 0, sizeof(*f));
	f->inode = inode;
	if (dk_read(dk, inode + l->i_mode, &mode, 2) || read_u32(dk, inode + l->i_uid, &f->uid) ||
	    read_u32(dk, inode + l->i_gid, &f->gid) || dk_read_u64(dk, inode + l->i_ino, &f->ino) ||
	    read_u32(dk, inode + l->i_nlink, &f->nlink) ||
	    dk_read_u64(dk, inode + l->i_size, &f->size) ||
	    read_u32(dk, inode + l->i_generation, &f->generation) ||
	    dk_read_u64(dk, inode + l->i_mapping, &f->mapping))
		return -1;
	f->mode = mode;
	return 0;
}

/* The folios of one file: dirty ones, or all (c->all). */
static int file_folios(struct dk *dk, struct scan_ctx *c, struct fc_file *f)
{
	c->file = f;
	f->nfolios = 0;
	return dk_xa_walk(dk, f->mapping + c->l.as_pages, c->all ? 0 : XA_PAGECACHE_MARKS,
			  add_folio, c);
}

/*
 * A file's name in memory, or why it has none usable (f->name_err); with
 * links, a regular file's other names too (f->links). A name that cannot
 * be read is left out: fc_migrate() then finds fewer names than nlink.
 */
static int file_path(struct dk *dk, struct scan_ctx *c, struct fc_file *f, bool links)
{
	struct aliases a = { .n = 0 };
	unsigned int i;

	if (dk_hlist_walk(dk, f->inode + c->l.i_dentry, add_alias, &a) < 0 ||
	    (a.n && dk_dentry_path(dk, &c->l.fs, 0, a.node[0] - c->l.d_alias, f->path,
				   sizeof(f->path)))) {
		f->path[0] = 0;
		snprintf(f->name_err, sizeof(f->name_err), "%s", dk_error(dk));
		return 0;
	}
	if (!links || f->nlink < 2 || a.n < 2)
		return 0;
	f->links = calloc(a.n - 1, sizeof(*f->links));
	if (!f->links)
		return dk_fail(dk, "out of memory");
	for (i = 1; i < a.n; i++)
		if (!dk_dentry_path(dk, &c->l.fs, 0, a.node[i] - c->l.d_alias,
				    f->links[f->nlinks], sizeof(*f->links)))
			f->nlinks++;
	return 0;
}

/* A folder the dead kernel had cached: its name, for a rename to replay. */
static int add_dir(struct dk *dk, struct scan_ctx *c, struct fc_file *f)
{
	struct fc_sb *sb = c->sb;
	struct fc_file *dirs;

	file_path(dk, c, f, false);
	if (!f->path[0])
		return 0;	/* no name: nothing to move it to */
	dirs = realloc(sb->dirs, (sb->ndirs + 1) * sizeof(*dirs));
	if (!dirs)
		return dk_fail(dk, "out of memory");
	sb->dirs = dirs;
	sb->dirs[sb->ndirs++] = *f;
	return 0;
}

static int scan_inode(struct dk *dk, uint64_t node, void *arg)
{
	struct scan_ctx *c = arg;
	struct fc_sb *sb = c->sb;
	struct fc_file f, *files;
	uint64_t nrpages;

	if (read_inode(dk, c, node - c->l.i_sb_list, &f))
		return -1;
	if (S_ISDIR(f.mode) && f.ino >= EXT4_FIRST_INO)
		return add_dir(dk, c, &f);
	if (!S_ISREG(f.mode) || f.ino < EXT4_FIRST_INO || !dk_kernel_addr(f.mapping))
		return 0;
	if (dk_read_u64(dk, f.mapping + c->l.as_nrpages, &nrpages) || file_folios(dk, c, &f) < 0) {
		free(f.folios);
		return -1;
	}
	/*
	 * Every cached file counts: clean pages, as written back, their blocks
	 * may still wait for a journal commit that never came; and a file with
	 * no page still has a name, a size and links that may be newer than
	 * the disk's. fc_migrate() checks the disk.
	 */
	f.nrpages = nrpages;
	/*
	 * A name that cannot be read costs this file its name, not the scan:
	 * a file still on disk is found by its handle anyway, and one that
	 * must be re-created is refused by name in fc_migrate().
	 */
	files = file_path(dk, c, &f, true) ? NULL :
		realloc(sb->files, (sb->nfiles + 1) * sizeof(*files));
	if (!files) {
		free(f.folios);
		free(f.links);
		return dk_fail(dk, "out of memory");
	}
	sb->files = files;
	sb->files[sb->nfiles++] = f;
	return 0;
}

static int scan_sb(struct dk *dk, uint64_t node, void *arg)
{
	struct scan_ctx *c = arg;
	uint64_t sb = node - c->l.sb_list, type, name;
	struct fc_sb *s;
	char fstype[32];

	if (dk_read_u64(dk, sb + c->l.sb_type, &type) ||
	    dk_read_u64(dk, type + c->l.fst_name, &name) ||
	    dk_read_str(dk, name, fstype, sizeof(fstype)))
		return dk_fail(dk, "super block 0x%llx: file system type unreadable: %s",
			       H(sb), dk_error(dk));
	if (strcmp(fstype, "ext4"))
		return 0;
	s = realloc(c->scan->sbs, (c->scan->nsbs + 1) * sizeof(*s));
	if (!s)
		return dk_fail(dk, "out of memory");
	c->scan->sbs = s;
	c->sb = s = &s[c->scan->nsbs++];
	memset(s, 0, sizeof(*s));
	s->addr = sb;
	if (dk_read(dk, sb + c->l.sb_id, s->id, sizeof(s->id)) ||
	    dk_read(dk, sb + c->l.sb_uuid, s->uuid, sizeof(s->uuid)))
		return -1;
	s->id[sizeof(s->id) - 1] = 0;
	if (dk_list_walk(dk, sb + c->l.sb_inodes, scan_inode, c) < 0)
		return dk_fail(dk, "ext4 %s: %s", s->id, dk_error(dk));
	return 0;
}

int fc_scan(struct dk *dk, struct fc_scan *scan)
{
	struct scan_ctx c = { .scan = scan };
	uint64_t super_blocks;

	memset(scan, 0, sizeof(*scan));
	if (fc_layout(dk, &c.l) || dk_symbol(dk, "super_blocks", &super_blocks))
		return -1;
	if (dk_list_walk(dk, super_blocks, scan_sb, &c) < 0) {
		fc_scan_free(scan);	/* a failed scan leaves nothing to free */
		return -1;
	}
	return 0;
}

void fc_scan_free(struct fc_scan *scan)
{
	size_t i, j;

	for (i = 0; i < scan->nsbs; i++) {
		for (j = 0; j < scan->sbs[i].nfiles; j++) {
			free(scan->sbs[i].files[j].folios);
			free(scan->sbs[i].files[j].links);
		}
		free(scan->sbs[i].files);
		free(scan->sbs[i].dirs);
		free(scan->sbs[i].inodes);
	}
	free(scan->sbs);
	memset(scan, 0, sizeof(*scan));
}

struct fc_sb *fc_find_sb(struct fc_scan *scan, const unsigned char uuid[16],
			 unsigned int *n)
{
	struct fc_sb *found = NULL;
	size_t i;

	*n = 0;
	for (i = 0; i < scan->nsbs; i++)
		if (!memcmp(scan->sbs[i].uuid, uuid, 16)) {
			found = &scan->sbs[i];
			(*n)++;
		}
	return *n == 1 ? found : NULL;
}

/* ---- The surviving side ---- */

int fc_mount_uuid(const char *dir, unsigned char uuid[16], char *err, size_t errlen)
{
	char dev[300], uevent[4096], *name;
	struct stat st;
	ssize_t n;
	int fd;

	/* No udev here, perhaps: the device's name comes from sysfs. */
	if (stat(dir, &st))
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	snprintf(dev, sizeof(dev), "/sys/dev/block/%u:%u/uevent", major(st.st_dev), minor(st.st_dev));
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, uevent, sizeof(uevent) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return errf(err, errlen, "%s is not on a block device", dir);
	uevent[n] = 0;
	name = strstr(uevent, "DEVNAME=");
	if (!name)
		return errf(err, errlen, "%s: no DEVNAME", dev);
	name[8 + strcspn(name + 8, "\n")] = 0;
	snprintf(dev, sizeof(dev), "/dev/%s", name + 8);
	return fc_dev_uuid(dev, uuid, err, errlen);
}

/* 32 hex digits, dashes anywhere between them: libblkid's text form. */
int fc_uuid_parse(const char *s, unsigned char uuid[16])
{
	unsigned int i = 0, v;

	for (; *s && i < 32; s++) {
		if (*s == '-')
			continue;
		if (sscanf(s, "%1x", &v) != 1)
			return -1;
		uuid[i / 2] = i % 2 ? uuid[i / 2] | v : v << 4;
		i++;
	}
	return i == 32 && !*s ? 0 : -1;
}

const char *fc_uuid_str(const unsigned char uuid[16], char out[37])
{
	char *p = out;
	int i;

	for (i = 0; i < 16; i++)
		p += sprintf(p, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", uuid[i]);
	return out;
}

int fc_dev_fs(const char *dev, char *type, size_t tlen, unsigned char uuid[16], char *err,
	      size_t errlen)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *t = NULL, *text = NULL;
	int r = -1;

	if (!pr)
		return errf(err, errlen, "%s: %s", dev, strerror(errno ?: EIO));
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
	if (blkid_do_safeprobe(pr) || blkid_probe_lookup_value(pr, "TYPE", &t, NULL))
		errf(err, errlen, "%s holds no file system that can be told", dev);
	else if (blkid_probe_lookup_value(pr, "UUID", &text, NULL) || fc_uuid_parse(text, uuid))
		errf(err, errlen, "%s: the UUID of its %s cannot be read", dev, t);
	else
		r = 0;
	if (t)
		snprintf(type, tlen, "%s", t);
	blkid_free_probe(pr);
	return r;
}

int fc_dev_uuid(const char *dev, unsigned char uuid[16], char *err, size_t errlen)
{
	char type[32] = "";

	if (fc_dev_fs(dev, type, sizeof(type), uuid, err, errlen))
		return -1;
	return strcmp(type, "ext4") ? errf(err, errlen, "%s holds %s, not ext4", dev, type) : 0;
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (const char *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

/*
 * Every name below comes from the dead kernel's dentry cache, which a user
 * of the file system shaped: resolution stays beneath the mount, follows
 * no symlink and no magic link, and crosses no mount. (A user who committed
 * `d -> /etc` and then, in memory only, made `d` a directory with `d/passwd`
 * must not get the survivor's /etc/passwd.)
 */
#define FC_RESOLVE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

/* ext4's file handle: inode number and generation. */
struct ext4_fh {
	struct file_handle h;
	uint32_t id[2];
};

static struct ext4_fh ext4_fh(uint64_t ino, uint32_t gen)
{
	struct ext4_fh fh = { .h = { .handle_bytes = 8, .handle_type = FILEID_INO32_GEN } };

	fh.id[0] = (uint32_t)ino;
	fh.id[1] = gen;
	return fh;
}

static int open_beneath(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .mode = mode, .resolve = FC_RESOLVE };

	return syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

static bool plain_name(const char *s, size_t n)
{
	return n && n <= NAME_MAX && !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* The inode (number, generation) an open file has on disk. */
static int fd_id(int fd, uint64_t *ino, uint32_t *gen)
{
	struct stat st;
	int g;

	if (fstat(fd, &st) || ioctl(fd, FS_IOC_GETVERSION, &g))
		return -1;
	*ino = st.st_ino;
	*gen = (uint32_t)g;
	return 0;
}

/*
 * How parent_beneath() makes a missing folder: with sb, as the dead kernel
 * had it (its owner and mode; its new inode recorded in sb->dirs, for
 * orthros-pm), else 0755 and root's.
 */
struct maker {
	struct fc_sb *sb;
	FILE *report;
};

/* The folder name just made in dirfd, path[0, plen) from the root, set up as mk says. */
static int made_folder(int dirfd, const char *name, const char *path, size_t plen,
		       const struct maker *mk)
{
	int fd = open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY, 0);
	struct fc_file *d = NULL;
	size_t i;

	/* The live folder of that name (a removed one may have left its name). */
	for (i = 0; fd >= 0 && mk->sb && mk->report && i < mk->sb->ndirs; i++)
		if (mk->sb->dirs[i].nlink && !strncmp(mk->sb->dirs[i].path, path, plen) &&
		    !mk->sb->dirs[i].path[plen])
			d = &mk->sb->dirs[i];
	if (fd < 0)
		return -1;
	if (!d) {
		if (fchmod(fd, 0755))
			goto fail;
		if (mk->report)
			fprintf(mk->report, "fcm: %.*s: folder made (0755, root's)%s\n", (int)plen,
				path, mk->sb ? ": the dead kernel had no name cached for it" : "");
		return fd;
	}
	if (fchown(fd, d->uid, d->gid) || fchmod(fd, d->mode & 07777) ||
	    fd_id(fd, &d->new_ino, &d->new_gen))
		goto fail;
	d->recreated = d->done = true;
	fprintf(mk->report, "fcm: %s: folder re-created (mode 0%o, owner %u:%u), as in memory\n",
		d->path, d->mode & 07777, d->uid, d->gid);
	return fd;
fail:
	close(fd);
	return -1;
}

/* The directory holding path's last name; with mk, missing ones are made. */
static int parent_beneath(int mntfd, const char *path, const char **leaf, const struct maker *mk)
{
	const char *p = path, *slash;
	char name[NAME_MAX + 1];
	int dirfd, fd;

	if (*p != '/')
		return errno = EINVAL, -1;
	dirfd = open_beneath(mntfd, ".", O_PATH | O_DIRECTORY, 0);
	for (p++; dirfd >= 0; p = slash + 1) {
		size_t n;

		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (!plain_name(p, n)) {
			close(dirfd);
			return errno = EINVAL, -1;
		}
		if (!slash) {
			*leaf = p;
			return dirfd;
		}
		memcpy(name, p, n);
		name[n] = 0;
		fd = open_beneath(dirfd, name, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 && errno == ENOENT && mk && !mkdirat(dirfd, name, 0700))
			fd = made_folder(dirfd, name, path, slash - path, mk);
		close(dirfd);
		dirfd = fd;
	}
	return -1;
}

int fc_parent_beneath(int mntfd, const char *path, const char **leaf)
{
	const struct maker root = { NULL, NULL };

	return parent_beneath(mntfd, path, leaf, &root);
}

static bool named_on_disk(int mntfd, const struct fc_file *f);

/*
 * The file as the disk has it (by inode number and generation: the handle
 * cannot leave this file system), or, for a file the journal never
 * committed, a new unnamed file in the directory its path names (*dirfd,
 * *leaf): it gets a name only once it holds the whole file (see
 * publish()), so a committed older version is never lost to a partial one.
 */
static int open_target(int mntfd, struct fc_sb *sb, const struct fc_file *f, int *dirfd,
		       const char **leaf, bool *elsewhere, FILE *report)
{
	struct ext4_fh fh = ext4_fh(f->ino, f->generation);
	int fd;

	*dirfd = -1;
	*elsewhere = false;
	fd = open_by_handle_at(mntfd, &fh.h, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		*elsewhere = f->path[0] && !named_on_disk(mntfd, f);
		return fd;
	}
	if (errno != ESTALE && errno != ENOENT)
		return -1;
	if (!f->path[0]) {
		fprintf(report, "fcm: inode %llu: its name in memory is unusable: %s\n", H(f->ino),
			f->name_err[0] ? f->name_err : "no dentry cached");
		return errno = ENOENT, -1;
	}
	*dirfd = parent_beneath(mntfd, f->path, leaf, &(struct maker){ sb, report });
	if (*dirfd < 0)
		return -1;
	fd = open_beneath(*dirfd, ".", O_TMPFILE | O_WRONLY, f->mode & 07777);
	if (fd >= 0 && fchown(fd, f->uid, f->gid))
		fprintf(report, "fcm: %s: note: cannot set owner %u:%u: %s\n", f->path,
			f->uid, f->gid, strerror(errno));
	if (fd < 0) {
		close(*dirfd);
		*dirfd = -1;
	}
	return fd;
}

/*
 * Does the file on disk lack data in [off, off + len)? A hole, or past its
 * end: the dead kernel wrote the page back but the journal never committed
 * its blocks (data=ordered writes data first, then commits the metadata).
 */
static bool missing_on_disk(int fd, uint64_t off, uint64_t len, uint64_t disk_size)
{
	off_t data;

	if (fd < 0 || off + len > disk_size)
		return true;
	data = lseek(fd, off, SEEK_DATA);
	if (data < 0 || (uint64_t)data > off)
		return true;
	return (uint64_t)lseek(fd, off, SEEK_HOLE) < off + len;
}

/*
 * Pages of [0, f->size) that are neither on the disk (fd, disk_size; fd
 * -1: nothing is) nor in a folio the dead kernel cached: written, they
 * would be zeros nobody wrote. A hole the dead file really had looks the
 * same, and no record in memory tells them apart, so both are counted.
 * The folios are in index order (the xarray walk's). *first: the first.
 */
static uint64_t lacking(int fd, const struct fc_file *f, uint64_t disk_size, uint64_t *first)
{
	uint64_t want = (f->size + PAGE_SIZE - 1) / PAGE_SIZE, pg, n = 0;
	size_t i = 0;

	*first = want;
	for (pg = 0; pg < want; pg++) {
		uint64_t len = f->size - pg * PAGE_SIZE;

		if (!missing_on_disk(fd, pg * PAGE_SIZE, len < PAGE_SIZE ? len : PAGE_SIZE, disk_size)) {
			/* Skip the rest of this stretch of data at once. */
			off_t hole = lseek(fd, pg * PAGE_SIZE, SEEK_HOLE);

			if (hole > 0 && (uint64_t)hole / PAGE_SIZE > pg + 1)
				pg = (uint64_t)hole / PAGE_SIZE - 1;
			continue;
		}
		while (i < f->nfolios && f->folios[i].index + f->folios[i].npages <= pg)
			i++;
		if (i < f->nfolios && f->folios[i].index <= pg)
			continue;
		if (!n++)
			*first = pg;
	}
	return n;
}

/* ---- The namespace: what the journal never committed of names and sizes ---- */

/* The inode (number, generation) a name on disk has, without opening it. */
static int disk_id(int dirfd, const char *name, uint32_t *ino, uint32_t *gen)
{
	struct ext4_fh fh = ext4_fh(0, 0);
	int mnt_id;

	if (name_to_handle_at(dirfd, name, &fh.h, &mnt_id, 0))
		return -1;
	if (fh.h.handle_type != FILEID_INO32_GEN || fh.h.handle_bytes != 8)
		return errno = EINVAL, -1;
	*ino = fh.id[0];
	*gen = fh.id[1];
	return 0;
}

static bool is_inode(int dirfd, const char *name, uint64_t ino, uint32_t gen)
{
	uint32_t i, g;

	return !disk_id(dirfd, name, &i, &g) && i == ino && g == gen;
}

/* Whether path (from the file system's root) names (ino, gen) on disk. */
static bool names_inode(int mntfd, const char *path, uint64_t ino, uint32_t gen)
{
	const char *leaf;
	int dirfd = path[0] ? parent_beneath(mntfd, path, &leaf, NULL) : -1;
	bool yes = dirfd >= 0 && is_inode(dirfd, leaf, ino, gen);

	if (dirfd >= 0)
		close(dirfd);
	return yes;
}

/* Whether one of f's names in memory names it on disk already. */
static bool named_on_disk(int mntfd, const struct fc_file *f)
{
	unsigned int i;

	if (names_inode(mntfd, f->path, f->ino, f->generation))
		return true;
	for (i = 0; i < f->nlinks; i++)
		if (names_inode(mntfd, f->links[i], f->ino, f->generation))
			return true;
	return false;
}

static int by_ino(const void *a, const void *b)
{
	const struct fc_inode *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* sb->inodes: its cached files and folders sorted by number, for the lookups below. */
static int index_inodes(struct fc_sb *sb)
{
	size_t i, n = 0;

	free(sb->inodes);
	sb->inodes = malloc((sb->nfiles + sb->ndirs + 1) * sizeof(*sb->inodes));
	if (!sb->inodes)
		return -1;
	for (i = 0; i < sb->nfiles; i++)
		sb->inodes[n++] = (struct fc_inode){ sb->files[i].ino, sb->files[i].generation,
						     sb->files[i].nlink != 0 };
	for (i = 0; i < sb->ndirs; i++)
		sb->inodes[n++] = (struct fc_inode){ sb->dirs[i].ino, sb->dirs[i].generation,
						     false };
	qsort(sb->inodes, n, sizeof(*sb->inodes), by_ino);
	sb->ninodes = n;
	return 0;
}

/* The first of sb's cached inodes numbered ino, or NULL. */
static const struct fc_inode *first_inode(const struct fc_sb *sb, uint64_t ino)
{
	size_t lo = 0, hi = sb->ninodes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sb->inodes[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sb->ninodes && sb->inodes[lo].ino == ino ? &sb->inodes[lo] : NULL;
}

#define each_inode(sb, ino, e) \
	for (e = first_inode(sb, ino); e && e < (sb)->inodes + (sb)->ninodes && e->ino == (ino); e++)

/* Whether the dead kernel had (ino, gen) as a live file: a name of its own in memory. */
static bool alive_in_memory(const struct fc_sb *sb, uint64_t ino, uint32_t gen)
{
	const struct fc_inode *e;

	each_inode(sb, ino, e)
		if (e->generation == gen && e->live_file)
			return true;
	return false;
}

struct search {
	uint64_t ino;
	uint32_t gen;
	char (*names)[FC_PATH_MAX];
	unsigned int n, max;
	unsigned long budget;
	char path[FC_PATH_MAX];
};

/* Names of s->ino beneath dirfd (taken), at most depth levels down. */
static void search_dir(int dirfd, size_t len, struct search *s, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while (s->n < s->max && s->budget && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int fd;

		if (!plain_name(e->d_name, n) || len + 1 + n >= sizeof(s->path))
			continue;
		s->budget--;
		s->path[len] = '/';
		memcpy(s->path + len + 1, e->d_name, n + 1);
		if (e->d_ino == s->ino && is_inode(dirfd, e->d_name, s->ino, s->gen)) {
			memcpy(s->names[s->n++], s->path, len + n + 2);
		} else if (e->d_type == DT_DIR && depth > 0) {
			fd = open_beneath(dirfd, e->d_name, O_RDONLY | O_DIRECTORY, 0);
			if (fd >= 0)
				search_dir(fd, len + 1 + n, s, depth - 1);
		}
	}
	s->path[len] = 0;
	closedir(d);
}

/*
 * The names the disk has for (ino, gen), at most max, into names: first in
 * the directory of near (where a rename in place came from), then in the
 * whole file system, reading at most SEARCH_ENTRIES entries (ext4 has no
 * index from inode to name). The count; -1 if the search was cut short.
 */
static int find_names(int mntfd, const char *near, uint64_t ino, uint32_t gen,
		      char (*names)[FC_PATH_MAX], unsigned int max)
{
	struct search *s = calloc(1, sizeof(*s));
	const char *leaf;
	int fd, n;

	if (!s)
		return -1;
	*s = (struct search){ .ino = ino, .gen = gen, .names = names, .max = max,
			      .budget = SEARCH_ENTRIES };
	fd = near && near[0] ? parent_beneath(mntfd, near, &leaf, NULL) : -1;
	if (fd >= 0) {
		int dfd = open_beneath(fd, ".", O_RDONLY | O_DIRECTORY, 0);

		close(fd);
		if (dfd >= 0) {
			memcpy(s->path, near, leaf - near - 1);
			search_dir(dfd, leaf - near - 1, s, 0);
		}
	}
	if (!s->n) {
		fd = open_beneath(mntfd, ".", O_RDONLY | O_DIRECTORY, 0);
		if (fd >= 0)
			search_dir(fd, 0, s, SEARCH_DEPTH);
	}
	n = s->n ? (int)s->n : s->budget ? 0 : -1;
	free(s);
	return n;
}

/*
 * What the disk has at dirfd/leaf is about to be replaced. If it is
 * another file the dead kernel had alive under another name, keep it: move
 * it aside, where its own move back finds it (find_names searches all).
 */
static int hold_aside(int dirfd, const char *leaf, const struct fc_sb *sb, const char *path,
		      FILE *report, unsigned int *held)
{
	uint32_t ino, gen;
	char aside[64];

	if (disk_id(dirfd, leaf, &ino, &gen) || !alive_in_memory(sb, ino, gen))
		return 0;
	snprintf(aside, sizeof(aside), HELD_PREFIX "%u-%u", ino, gen);
	if (renameat(dirfd, leaf, dirfd, aside))
		return -1;
	fprintf(report, "fcm: %s: inode %u held aside as %s: it has another name in memory\n",
		path, ino, aside);
	(*held)++;
	return 0;
}

/*
 * Rename from to to (paths from the file system's root) beneath mntfd,
 * making to's missing folders. With sb, what to holds goes aside first if
 * it is another live file of the dead kernel (hold_aside). 0, or -1 with
 * errno.
 */
static int move_beneath(int mntfd, const char *from, const char *to, struct fc_sb *sb,
			FILE *report, unsigned int *held)
{
	const char *oleaf, *nleaf;
	int odir, ndir, ret = -1, e;

	ndir = parent_beneath(mntfd, to, &nleaf, &(struct maker){ sb, report });
	odir = ndir < 0 ? -1 : parent_beneath(mntfd, from, &oleaf, NULL);
	if (odir >= 0 && !(sb && hold_aside(ndir, nleaf, sb, to, report, held)))
		ret = renameat(odir, oleaf, ndir, nleaf);
	e = errno;
	if (odir >= 0)
		close(odir);
	if (ndir >= 0)
		close(ndir);
	errno = e;
	return ret;
}

/*
 * The file (fd, found by its handle) is on disk under another name than
 * its name in memory: a rename the journal never committed. Move it there.
 */
static int replay_rename(int mntfd, int fd, struct fc_sb *sb, const struct fc_file *f,
			 FILE *report, struct fc_totals *t)
{
	char (*old)[FC_PATH_MAX] = malloc(sizeof(*old));
	int n = 0, ret = -1;
	struct stat st;

	if (!old || fstat(fd, &st))
		goto out_errno;
	if (st.st_nlink != 1 || f->nlink != 1) {
		fprintf(report, "fcm: %s: NOT moved to its name in memory: it has %u names on disk, %u in memory (hard links are not replayed)\n",
			f->path, (unsigned int)st.st_nlink, f->nlink);
		goto out;
	}
	n = find_names(mntfd, f->path, f->ino, f->generation, old, 1);
	if (n != 1) {
		fprintf(report, "fcm: %s: NOT moved to its name in memory: no name of inode %llu found on disk%s\n",
			f->path, H(f->ino), n < 0 ? " (search cut short)" : "");
		goto out;
	}
	if (move_beneath(mntfd, old[0], f->path, sb, report, &t->held))
		goto out_errno;
	if (!strncmp(strrchr(old[0], '/') + 1, HELD_PREFIX, strlen(HELD_PREFIX)))
		t->held--;
	fprintf(report, "fcm: %s: moved from %s, as in memory\n", f->path, old[0]);
	t->moved++;
	ret = 0;
	goto out;
out_errno:
	fprintf(report, "fcm: %s: NOT moved to its name in memory: %s\n", f->path, strerror(errno));
out:
	free(old);
	return ret;
}

/*
 * A folder on disk under another name than its name in memory (mnt: where
 * the disk is mounted, to read the folder's path on disk from its fd):
 * move it there, before any file is looked at, so that what it holds
 * (cached or not) moves with it.
 */
static int replay_dir_rename(int mntfd, const char *mnt, const struct fc_file *d, FILE *report,
			     struct fc_totals *t)
{
	struct ext4_fh fh = ext4_fh(d->ino, d->generation);
	char proc[64], *old = malloc(FC_PATH_MAX);
	const char *rel;
	int fd, ret = -1;
	size_t ml = strlen(mnt);
	ssize_t n;

	fd = open_by_handle_at(mntfd, &fh.h, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !old) {
		if (fd >= 0)
			close(fd);
		free(old);
		return 0;	/* not on disk: its files re-create it */
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, old, FC_PATH_MAX - 1);
	close(fd);
	if (n < 0 || (size_t)n <= ml || strncmp(old, mnt, ml) || old[ml] != '/') {
		ret = n > 0 && (size_t)n == ml && !strncmp(old, mnt, ml) ? 0 : -1;
		if (ret)
			fprintf(report, "fcm: %s: NOT checked: the folder's place on disk is unknown\n",
				d->path);
		free(old);
		return ret;
	}
	old[n] = 0;
	rel = old + ml;
	if (!strcmp(rel, d->path)) {
		free(old);
		return 0;
	}
	if (move_beneath(mntfd, rel, d->path, NULL, report, NULL)) {
		fprintf(report, "fcm: %s: NOT moved to its name in memory from %s: %s\n", d->path,
			rel, strerror(errno));
	} else {
		fprintf(report, "fcm: %s: folder moved from %s, as in memory\n", d->path, rel);
		t->moved++;
		ret = 0;
	}
	free(old);
	return ret;
}

/*
 * A live folder of the dead kernel that the disk lacks (mkdir never
 * committed), even an empty one: made, with its owner and mode. Another
 * folder at its name on disk is not the one it had (rmdir and mkdir never
 * committed): that is reported, not guessed.
 */
static int make_folder(int mntfd, struct fc_sb *sb, struct fc_file *d, FILE *report)
{
	struct ext4_fh fh = ext4_fh(d->ino, d->generation);
	const struct maker mk = { sb, report };
	const char *leaf;
	int fd, dirfd;

	if (d->done || !d->nlink)
		return 0;	/* made for a deeper one already, or removed */
	fd = open_by_handle_at(mntfd, &fh.h, O_PATH | O_CLOEXEC);
	if (fd >= 0 || (errno != ESTALE && errno != ENOENT)) {
		if (fd >= 0)
			close(fd);
		return 0;	/* on disk: renames replayed above */
	}
	dirfd = parent_beneath(mntfd, d->path, &leaf, &mk);
	fd = dirfd < 0 ? -1 : mkdirat(dirfd, leaf, 0700) ? -1 :
	     made_folder(dirfd, leaf, d->path, strlen(d->path), &mk);
	if (fd < 0)
		fprintf(report, "fcm: %s: folder NOT re-created, as in memory: %s\n", d->path,
			errno == EEXIST ? "another folder of that name on disk (removed and made again in memory)" :
			strerror(errno));
	else
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return fd < 0 ? -1 : 0;
}

/* Folders by depth, shallow first: a parent moves before what it holds. */
static int by_depth(const void *a, const void *b)
{
	const char *p = ((const struct fc_file *)a)->path, *q = ((const struct fc_file *)b)->path;
	int da = 0, db = 0;

	for (; *p; p++)
		da += *p == '/';
	for (; *q; q++)
		db += *q == '/';
	return da - db;
}

/*
 * A file the dead kernel had unlinked (nlink 0: open, or about to go) that
 * the disk still names: unlink those names, as the journal never did.
 */
static int replay_unlink(int mntfd, const struct fc_file *f, FILE *report, struct fc_totals *t)
{
	struct ext4_fh fh = ext4_fh(f->ino, f->generation);
	char (*names)[FC_PATH_MAX] = NULL;
	int fd, n, i, ret = 0;
	struct stat st;

	fd = open_by_handle_at(mntfd, &fh.h, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !st.st_nlink) {
		if (fd >= 0)
			close(fd);
		return 0;	/* the disk has no name for it either */
	}
	close(fd);
	names = malloc(MAX_NAMES * sizeof(*names));
	n = names ? find_names(mntfd, NULL, f->ino, f->generation, names, MAX_NAMES) : -1;
	for (i = 0; i < n; i++) {
		const char *leaf;
		int dirfd = parent_beneath(mntfd, names[i], &leaf, NULL);

		if (dirfd < 0 || !is_inode(dirfd, leaf, f->ino, f->generation) ||
		    unlinkat(dirfd, leaf, 0)) {
			fprintf(report, "fcm: %s: NOT unlinked, as it was in memory: %s\n", names[i],
				strerror(errno));
			ret = -1;
		} else {
			fprintf(report, "fcm: %s: unlinked, as in memory (inode %llu, unlinked while open)\n",
				names[i], H(f->ino));
			t->unlinked++;
		}
		if (dirfd >= 0)
			close(dirfd);
	}
	if (n < 0 || (unsigned int)n < st.st_nlink) {
		fprintf(report, "fcm: inode %llu: NOT unlinked, as it was in memory: %u of its %u names on disk found\n",
			H(f->ino), n < 0 ? 0 : n, (unsigned int)st.st_nlink);
		ret = -1;
	}
	free(names);
	return ret;
}

/* ---- Plain unlinks: a negative dentry, and the inode freed in the dead kernel ---- */

#define DENTRY_MAX	(1u << 22)	/* dentries one walk visits */
#define DENTRY_DEPTH	256

/*
 * Whether the dead kernel had inode ino of super block sb free, from its
 * own inode bitmap, as cached in the block device's page cache (where
 * ext4 keeps it and changes it before any commit). 1 free, 0 in use, -1
 * not known, *why says why.
 */
static int dead_inode_free(struct dk *dk, const struct fc_layout *l, uint64_t sb, uint64_t ino,
			   const char **why)
{
	uint64_t sbi, descs, bh, data, bdev, bdi, mapping, ipg, dpb, bsize, group, bit, blk, i, page;
	uint32_t ngroups, lo, hi = 0;
	uint16_t dsz;
	uint8_t byte;

	*why = "the file system's geometry is unreadable";
	if (dk_read_u64(dk, sb + l->sb_fs_info, &sbi) ||
	    dk_read_u64(dk, sbi + l->esb_inodes_per_group, &ipg) ||
	    dk_read_u64(dk, sbi + l->esb_desc_per_block, &dpb) ||
	    dk_read(dk, sbi + l->esb_desc_size, &dsz, 2) ||
	    read_u32(dk, sbi + l->esb_groups_count, &ngroups) ||
	    dk_read_u64(dk, sbi + l->esb_group_desc, &descs) ||
	    dk_read_u64(dk, sb + l->sb_blocksize, &bsize))
		return -1;
	*why = "the file system's geometry is implausible";
	if (!ipg || ipg > (1u << 24) || !dpb || dpb > 65536 || dsz < 32 || dsz > 1024 ||
	    bsize < 1024 || bsize > PAGE_SIZE || (bsize & (bsize - 1)) || !ino)
		return -1;
	group = (ino - 1) / ipg;
	bit = (ino - 1) % ipg;
	if (group >= ngroups || bit / 8 >= bsize)
		return -1;
	*why = "its group descriptor is unreadable";
	if (dk_read_u64(dk, descs + (group / dpb) * 8, &bh) ||
	    dk_read_u64(dk, bh + l->bh_data, &data) ||
	    read_u32(dk, data + (group % dpb) * dsz + l->gd_ibitmap_lo, &lo) ||
	    (dsz >= 64 && read_u32(dk, data + (group % dpb) * dsz + l->gd_ibitmap_hi, &hi)))
		return -1;
	blk = (uint64_t)hi << 32 | lo;
	*why = "the block device's page cache is unreadable";
	if (dk_read_u64(dk, sb + l->sb_bdev, &bdev) || dk_read_u64(dk, bdev + l->bd_inode, &bdi) ||
	    dk_read_u64(dk, bdi + l->i_mapping, &mapping) ||
	    dk_xa_load(dk, mapping + l->as_pages, blk * bsize / PAGE_SIZE, &page))
		return -1;
	/*
	 * ext4 reads a bitmap through a buffer_head over that page and marks
	 * the buffer, not the page, up to date: find the buffer of the block.
	 */
	*why = "its inode bitmap is not cached";
	if (!page || dk_xa_is_value(page) || dk_read_u64(dk, page + l->pg_private, &bh))
		return -1;
	for (i = 0; i < PAGE_SIZE / bsize && dk_kernel_addr(bh); i++) {
		uint64_t nr, state;

		if (dk_read_u64(dk, bh + l->bh_blocknr, &nr) ||
		    dk_read_u64(dk, bh + l->bh_state, &state) ||
		    dk_read_u64(dk, bh + l->bh_data, &data))
			return -1;
		if (nr == blk) {
			if (!(state & (1ULL << l->bh_uptodate)) ||
			    dk_read(dk, data + bit / 8, &byte, 1))
				return -1;
			return !(byte & (1u << (bit % 8)));
		}
		if (dk_read_u64(dk, bh + l->bh_this_page, &bh))
			return -1;
	}
	return -1;
}

struct gone_ctx {
	struct dk *dk;
	const struct fc_layout *l;
	const struct fc_sb *sb;
	int mntfd;
	FILE *report;
	struct fc_totals *t;
	unsigned long budget;
	int depth, ret;
};

/*
 * Whether the dead kernel had inode number ino cached as another inode
 * than (ino, gen): the one the disk names was freed and its number reused.
 */
static bool reused_in_memory(const struct fc_sb *sb, uint32_t ino, uint32_t gen)
{
	const struct fc_inode *e;

	each_inode(sb, ino, e)
		if (e->generation != gen)
			return true;
	return false;
}

/*
 * Whether the dead kernel had freed the disk's inode (ino, gen): its bit
 * clear in the dead inode bitmap, or its number taken by a newer inode.
 * 1 freed, 0 in use, -1 cannot tell (why).
 */
static int freed_in_memory(struct gone_ctx *g, uint32_t ino, uint32_t gen, const char **why)
{
	int fr = dead_inode_free(g->dk, g->l, g->sb->addr, ino, why);

	return fr == 0 && reused_in_memory(g->sb, ino, gen) ? 1 : fr;
}

/* The inode (number, generation) of the directory dirfd is. */
static int dir_id(int dirfd, uint32_t *ino, uint32_t *gen)
{
	struct ext4_fh fh = ext4_fh(0, 0);
	int mnt_id;

	if (name_to_handle_at(dirfd, "", &fh.h, &mnt_id, AT_EMPTY_PATH) ||
	    fh.h.handle_type != FILEID_INO32_GEN)
		return -1;
	*ino = fh.id[0];
	*gen = fh.id[1];
	return 0;
}

/*
 * dirfd/leaf, a folder whose inode the dead kernel freed (rm -r), and what
 * the disk still has in it: each entry goes only if its inode was freed
 * there too and is no live file (one moved out before the rm is kept, and
 * so is the folder). -1 with errno if anything was kept.
 */
static int remove_freed_tree(struct gone_ctx *g, int dirfd, const char *leaf, int depth)
{
	int fd = open_beneath(dirfd, leaf, O_RDONLY | O_DIRECTORY, 0), ret = 0;
	struct dirent *e;
	const char *why;
	DIR *d;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while (!ret && (e = readdir(d))) {
		uint32_t ino, gen;
		struct stat st;

		if (!plain_name(e->d_name, strlen(e->d_name)))
			continue;
		if (disk_id(fd, e->d_name, &ino, &gen) ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			ret = -1;
		else if (alive_in_memory(g->sb, ino, gen) ||
			 freed_in_memory(g, ino, gen, &why) != 1 ||
			 (S_ISDIR(st.st_mode) && depth >= SEARCH_DEPTH)) {
			errno = ENOTEMPTY;
			ret = -1;
		} else
			ret = S_ISDIR(st.st_mode) ? remove_freed_tree(g, fd, e->d_name, depth + 1) :
						    unlinkat(fd, e->d_name, 0);
	}
	closedir(d);
	return ret ? ret : unlinkat(dirfd, leaf, AT_REMOVEDIR);
}

/*
 * A hashed negative dentry: the dead kernel knew the name was not there.
 * If the disk still has it, in the very directory, and the dead kernel had
 * freed its inode, the name was unlinked (not renamed away: a renamed
 * inode is in use): unlink it here too. Anything less is no proof.
 */
static void replay_gone(struct gone_ctx *g, uint64_t d)
{
	const struct fc_layout *l = g->l;
	uint32_t pino, pgen, dino, dgen, ino, gen;
	uint64_t parent, pinode, pi = 0;
	char path[FC_PATH_MAX];
	const char *leaf, *why = "";
	struct stat st;
	int dirfd, fr;

	if (dk_dentry_path(g->dk, &l->fs, 0, d, path, sizeof(path)) ||
	    dk_read_u64(g->dk, d + l->fs.d_parent, &parent) ||
	    dk_read_u64(g->dk, parent + l->d_inode, &pinode) ||
	    dk_read_u64(g->dk, pinode + l->i_ino, &pi) ||
	    read_u32(g->dk, pinode + l->i_generation, &pgen))
		return;		/* a name it cannot read proves nothing */
	pino = (uint32_t)pi;
	dirfd = parent_beneath(g->mntfd, path, &leaf, NULL);
	if (dirfd < 0)
		return;		/* the disk has no such folder: nothing to remove */
	if (dir_id(dirfd, &dino, &dgen) || dino != pino || dgen != pgen ||
	    disk_id(dirfd, leaf, &ino, &gen) || alive_in_memory(g->sb, ino, gen) ||
	    fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW)) {
		close(dirfd);
		return;		/* another folder now, nothing there, or a live file */
	}
	fr = freed_in_memory(g, ino, gen, &why);
	if (fr == 1 && !(S_ISDIR(st.st_mode) ? remove_freed_tree(g, dirfd, leaf, 0) :
			 unlinkat(dirfd, leaf, 0))) {
		fprintf(g->report, "fcm: %s: removed, as in memory (inode %u freed there)\n", path, ino);
		g->t->unlinked++;
	} else {
		fprintf(g->report, "fcm: %s: NOT removed, though gone in memory: %s\n", path,
			fr == 1 ? strerror(errno) : fr == 0 ?
			"its inode is in use there (renamed away, or another name of it)" : why);
		g->ret = -1;
	}
	close(dirfd);
}

static int visit_dentry(struct dk *dk, uint64_t node, void *arg)
{
	struct gone_ctx *g = arg;
	const struct fc_layout *l = g->l;
	uint64_t d = node - l->d_child, inode, hashed;
	uint16_t mode;
	int r = 0;

	if (!g->budget--)
		return dk_fail(dk, "more than %u dentries", DENTRY_MAX);
	if (dk_read_u64(dk, d + l->d_inode, &inode) || dk_read_u64(dk, d + l->d_hashed, &hashed))
		return -1;
	if (!inode) {
		if (hashed)
			replay_gone(g, d);
		return 0;
	}
	if (dk_read(dk, inode + l->i_mode, &mode, 2))
		return -1;
	if (S_ISDIR(mode) && g->depth < DENTRY_DEPTH) {
		g->depth++;
		r = dk_list_walk(dk, d + l->d_subdirs, visit_dentry, g);
		g->depth--;
	}
	return r < 0 ? -1 : 0;
}

/* Every hashed negative dentry of sb, replayed as an unlink where proven. */
static int replay_gone_names(struct dk *dk, const struct fc_layout *l, const struct fc_sb *sb,
			     int mntfd, FILE *report, struct fc_totals *t)
{
	struct gone_ctx g = { dk, l, sb, mntfd, report, t, DENTRY_MAX, 0, 0 };
	uint64_t root;

	if (dk_read_u64(dk, sb->addr + l->sb_root, &root) ||
	    dk_list_walk(dk, root + l->d_subdirs, visit_dentry, &g) < 0) {
		fprintf(report, "fcm: the dead kernel's names of this file system: %s\n", dk_error(dk));
		return -1;
	}
	return g.ret;
}

/*
 * Give the file fd (complete) the name dirfd/leaf (path, from the root),
 * replacing what the disk has there (unless that is another live file of
 * the dead kernel: held aside). The name appears at once or not at all.
 */
static int publish(int fd, int dirfd, const char *leaf, const struct fc_sb *sb, const char *path,
		   FILE *report, unsigned int *held)
{
	const char *tmp = ".orthros-fcm-new";

	unlinkat(dirfd, tmp, 0);	/* an earlier run's, cut short */
	if (linkat(fd, "", dirfd, tmp, AT_EMPTY_PATH))
		return -1;
	if (hold_aside(dirfd, leaf, sb, path, report, held) ||
	    renameat(dirfd, tmp, dirfd, leaf)) {
		int e = errno;

		unlinkat(dirfd, tmp, 0);
		return errno = e, -1;
	}
	return 0;
}

/*
 * One name of the dead kernel's file (fd: ino, gen on disk), made if the
 * disk lacks it: 1 made, 0 there already, -1 not made (reported).
 */
static int link_name(int mntfd, int fd, struct fc_sb *sb, const struct fc_file *f,
		     const char *path, uint64_t ino, uint32_t gen, FILE *report,
		     struct fc_totals *t)
{
	const char *leaf;
	int dirfd = parent_beneath(mntfd, path, &leaf, &(struct maker){ sb, report }), ret = 0;

	if (dirfd >= 0 && !is_inode(dirfd, leaf, ino, gen))
		ret = publish(fd, dirfd, leaf, sb, path, report, &t->held) ? -1 : 1;
	if (dirfd < 0 || ret < 0)
		fprintf(report, "fcm: %s: NOT linked, as in memory (inode %llu of %u names): %s\n",
			path, H(f->ino), f->nlink, strerror(errno));
	else if (ret)
		fprintf(report, "fcm: %s: linked, as in memory (inode %llu of %u names)\n", path,
			H(f->ino), f->nlink);
	if (dirfd >= 0)
		close(dirfd);
	return dirfd < 0 ? -1 : ret;
}

/*
 * After its data: every name the dead kernel had for f names it on disk
 * (a link(2) the journal never committed is made), and it has as many
 * names on disk as in memory. A name it had that is neither cached nor
 * on disk cannot be made, and a name on disk that it lost in memory
 * without a proof of the unlink is not taken away: both are reported.
 */
static int replay_links(int mntfd, struct fc_sb *sb, const struct fc_file *f,
			FILE *report, struct fc_totals *t)
{
	uint64_t ino = f->recreated ? f->new_ino : f->ino;
	uint32_t gen = f->recreated ? f->new_gen : f->generation;
	struct ext4_fh fh = ext4_fh(ino, gen);
	unsigned int i;
	struct stat st;
	int fd, ret = 0;

	fd = open_by_handle_at(mntfd, &fh.h, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(report, "fcm: %s: its names NOT checked: %s\n", f->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (i = 0; i <= f->nlinks; i++) {
		const char *name = i ? f->links[i - 1] : f->path;
		int r = name[0] ? link_name(mntfd, fd, sb, f, name, ino, gen, report, t) : 0;

		ret |= r < 0 ? -1 : 0;
		t->linked += r > 0;
	}
	if (!ret && fstat(fd, &st))
		ret = -1;
	if (!ret && st.st_nlink != f->nlink) {
		fprintf(report, "fcm: %s: NOT all its names as in memory: %u on disk, %u in memory (%s)\n",
			f->path, (unsigned int)st.st_nlink, f->nlink,
			st.st_nlink < f->nlink ? "a name the dead kernel no longer had cached cannot be made" :
			"an unlink the dead kernel's memory does not prove is not replayed");
		ret = -1;
	}
	close(fd);
	return ret;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

static int migrate_file(struct dk *dk, struct scan_ctx *c, int mntfd, struct fc_file *f,
			FILE *report, struct fc_totals *t)
{
	uint64_t pages = 0, bytes = 0, want, clean = 0, disk_size, lack = 0, first = 0, end = 0;
	uint64_t size;
	const char *name = f->path, *leaf = NULL;
	char unnamed[48];
	unsigned char *buf = malloc(512 * PAGE_SIZE);
	int fd = -1, dirfd = -1;
	struct stat st;
	bool fresh, elsewhere;
	size_t i;

	if (!f->path[0]) {
		snprintf(unnamed, sizeof(unnamed), "(inode %llu, no usable name)", H(f->ino));
		name = unnamed;
	}
	if (!buf)
		goto fail_errno;
	if (!f->nlink) {	/* its data would go with its last close anyway */
		if (f->nfolios)
			fprintf(report, "fcm: %s: not written: unlinked while open (inode %llu, %zu dirty folios)\n",
				name, H(f->ino), f->nfolios);
		free(buf);
		t->files--;
		if (!replay_unlink(mntfd, f, report, t))
			return 0;
		t->failed++;
		return -1;
	}
	fd = open_target(mntfd, c->sb, f, &dirfd, &leaf, &elsewhere, report);
	if (fd < 0 || fstat(fd, &st))
		goto fail_errno;
	fresh = dirfd >= 0;
	disk_size = fresh ? 0 : st.st_size;
	if (elsewhere && replay_rename(mntfd, fd, c->sb, f, report, t))
		goto fail;
	if (!fresh && !f->nrpages && !f->nfolios) {
		/* No page cached: only its size can be newer than the disk's. */
		if (disk_size < f->size) {
			fprintf(report, "fcm: %s: NOT written: %llu bytes in memory, %llu on disk, and no page of it cached\n",
				name, H(f->size), H(disk_size));
			goto fail;
		}
		if (disk_size > f->size) {
			if (ftruncate(fd, f->size) || fsync(fd))
				goto fail_errno;
			fprintf(report, "fcm: %s: truncated to %llu bytes (%llu on disk), as in memory\n",
				name, H(f->size), H(disk_size));
			t->truncated++;
		}
		close(fd);
		free(buf);
		if (disk_size == f->size)
			t->files--;
		f->done = true;
		return 0;
	}
	want = (f->size + PAGE_SIZE - 1) / PAGE_SIZE;
	/* Clean pages are needed where the disk lacks them: look at all. */
	if (fresh || missing_on_disk(fd, 0, f->size, disk_size)) {
		c->all = true;
		if (file_folios(dk, c, f) < 0) {
			fprintf(report, "fcm: %s: NOT written: %s\n", name, dk_error(dk));
			goto fail;
		}
		lack = lacking(fresh ? -1 : fd, f, disk_size, &first);
	}
	if (fresh && lack) {
		fprintf(report, "fcm: %s: NOT re-created: %llu of its %llu pages are not in memory (the first at byte %llu); what the disk has at that name is kept\n",
			name, H(lack), H(want), H(first * PAGE_SIZE));
		goto fail;
	}
	for (i = 0; i < f->nfolios; i++) {
		const struct fc_folio *fo = &f->folios[i];
		uint64_t off = fo->index * PAGE_SIZE, len = fo->npages * PAGE_SIZE;
		bool missing;

		if (off >= f->size)	/* past the end: truncated meanwhile */
			continue;
		if (len > f->size - off)
			len = f->size - off;
		missing = fresh || missing_on_disk(fd, off, len, disk_size);
		if (!fo->dirty && !missing)
			continue;	/* on disk already */
		if (dk_read_phys(dk, fo->pfn * PAGE_SIZE, buf, len)) {
			fprintf(report, "fcm: %s: NOT written: page %llu: %s\n", name,
				H(fo->index), dk_error(dk));
			goto fail;
		}
		if (off + len > end)
			end = off + len;
		if (!fo->dirty && all_zero(buf, len))
			continue;	/* a hole reads as zeros anyway */
		if (write_all(fd, buf, len, off))
			goto fail_errno;
		pages += fo->npages;
		bytes += len;
		clean += !fo->dirty;
	}
	if (!pages && !fresh && !lack && disk_size == f->size) {
		close(fd);		/* nothing was missing */
		free(buf);
		t->files--;
		f->done = true;
		return 0;
	}
	/*
	 * The dead kernel's size, unless the disk lacks pages before it that
	 * memory has not got either: then no further than the bytes we have.
	 */
	size = f->size;
	if (lack && first * PAGE_SIZE >= disk_size)
		size = end > disk_size ? end : disk_size;
	if (ftruncate(fd, size) || fsync(fd))
		goto fail_errno;
	t->truncated += size < disk_size;
	if (fresh && (publish(fd, dirfd, leaf, c->sb, f->path, report, &t->held) ||
		      fd_id(fd, &f->new_ino, &f->new_gen)))
		goto fail_errno;
	f->recreated = fresh;
	close(fd);
	fd = -1;
	if (dirfd >= 0)
		close(dirfd);
	dirfd = -1;
	t->pages += pages;
	t->bytes += bytes;
	if (lack) {
		fprintf(report, "fcm: %s: INCOMPLETE: wrote %llu pages, but %llu of its %llu pages are neither on disk nor in memory (the first at byte %llu: a hole, or written back and never committed); size %llu of %llu\n",
			name, H(pages), H(lack), H(want), H(first * PAGE_SIZE), H(size), H(f->size));
		goto fail;
	}
	fprintf(report, "fcm: %s: %s %llu pages (%llu clean but not on disk), %llu bytes; size %llu\n",
		name, fresh ? "re-created with" : "wrote", H(pages), H(clean), H(bytes), H(f->size));
	t->written++;
	t->recreated += fresh;
	f->done = true;
	free(buf);
	return 0;
fail_errno:
	fprintf(report, "fcm: %s: NOT written: %s\n", name, strerror(errno));
fail:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	free(buf);
	t->failed++;
	return -1;
}

int fc_migrate(struct dk *dk, struct fc_sb *sb, const char *mnt, FILE *report,
	       struct fc_totals *t)
{
	struct scan_ctx c = { 0 };
	char real[PATH_MAX];
	int mntfd, ret = 0;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (fc_layout(dk, &c.l))
		return -1;
	if (index_inodes(sb))
		return dk_fail(dk, "out of memory");
	mntfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mntfd < 0)
		return dk_fail(dk, "%s: %s", mnt, strerror(errno));
	c.sb = sb;
	if (sb->ndirs && realpath(mnt, real)) {
		qsort(sb->dirs, sb->ndirs, sizeof(*sb->dirs), by_depth);
		for (i = 0; i < sb->ndirs; i++)
			if (replay_dir_rename(mntfd, real, &sb->dirs[i], report, t))
				ret = -1;
	} else if (sb->ndirs) {
		ret = dk_fail(dk, "%s: %s", mnt, strerror(errno));
	}
	for (i = 0; i < sb->ndirs; i++)
		if (make_folder(mntfd, sb, &sb->dirs[i], report))
			ret = -1;
	for (i = 0; i < sb->nfiles; i++) {
		t->files++;
		if (migrate_file(dk, &c, mntfd, &sb->files[i], report, t))
			ret = -1;
	}
	if (t->held) {
		fprintf(report, "fcm: %u files still held aside as %s*: their moves failed\n", t->held,
			HELD_PREFIX);
		ret = -1;
	}
	if (replay_gone_names(dk, &c.l, sb, mntfd, report, t))
		ret = -1;
	/* Names last: a link may go into a folder a rename or an unlink above changed. */
	for (i = 0; i < sb->nfiles; i++)
		if (sb->files[i].done && replay_links(mntfd, sb, &sb->files[i], report, t)) {
			sb->files[i].done = false;
			t->failed++;
			ret = -1;
		}
	if (syncfs(mntfd))
		ret = dk_fail(dk, "%s: syncfs: %s", mnt, strerror(errno));
	else if (ret)
		dk_fail(dk, "%u of %u files not written completely", t->failed, t->files);
	close(mntfd);
	return ret;
}
