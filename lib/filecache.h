/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libfilecache: file-cache migration. Find in a dead kernel's memory the
 * ext4 files whose page cache holds data not yet on disk, then write that
 * data through the surviving kernel's mount of the same disk, so that no
 * write() that returned before the crash is lost.
 *
 * Only file data is written, through the file system; the dead kernel's
 * metadata blocks never are (journal replay at mount brings the metadata
 * to its last commit, and files the journal never saw are re-created).
 */
#ifndef ORTHROS_LIB_FILECACHE_H
#define ORTHROS_LIB_FILECACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "deadkernel.h"

#define FC_PATH_MAX 4096

/* A folio of the page cache: npages pages from pfn, file page index. */
struct fc_folio {
	uint64_t index, pfn;
	unsigned int npages;
	bool dirty;		/* dirty or under writeback: not known on disk */
};

struct fc_file {
	uint64_t inode, mapping;	/* dead kernel addresses */
	uint64_t ino, size, nrpages;
	uint32_t generation, mode, uid, gid, nlink;
	char path[FC_PATH_MAX];		/* from the fs root; "" if no name is cached */
	char name_err[128];		/* why path is "" though a dentry was cached */
	struct fc_folio *folios;	/* the dirty ones, by index (all, once migrating) */
	size_t nfolios;
	char (*links)[FC_PATH_MAX];	/* its other names in memory (nlink > 1), as path */
	unsigned int nlinks;
	/* After fc_migrate(): */
	bool done;			/* its data and names are on disk as in memory */
	bool recreated;			/* the journal never had it: a new inode holds it, */
	uint64_t new_ino;		/* this one, */
	uint32_t new_gen;		/* of this generation */
};

/* A cached inode, for lookups by number while migrating. */
struct fc_inode {
	uint64_t ino;
	uint32_t generation;
	bool live_file;			/* a regular file with a name (nlink > 0) */
};

struct fc_sb {
	uint64_t addr;
	char id[32];			/* s_id, e.g. "vdc" */
	unsigned char uuid[16];
	struct fc_file *files;		/* every regular file it had cached */
	size_t nfiles;
	struct fc_file *dirs;		/* every folder it had cached, with a name */
	size_t ndirs;
	struct fc_inode *inodes;	/* files and folders by inode number (fc_migrate) */
	size_t ninodes;
};

struct fc_scan {
	struct fc_sb *sbs;		/* every ext4 super block of the dead kernel */
	size_t nsbs;
};

/* Read all ext4 super blocks and the files each had cached; a failed scan holds nothing. */
int fc_scan(struct dk *dk, struct fc_scan *scan);
void fc_scan_free(struct fc_scan *scan);

/*
 * The dead kernel's one ext4 file system with this UUID. NULL if it had
 * none, or more than one (*n says how many): two file systems of one UUID
 * (a copied disk) cannot be told apart, and writing one's cache into the
 * other is what must never happen.
 */
struct fc_sb *fc_find_sb(struct fc_scan *scan, const unsigned char uuid[16],
			 unsigned int *n);

/* The ext4 UUID of the file system mounted at dir (its device's super block). */
int fc_mount_uuid(const char *dir, unsigned char uuid[16], char *err, size_t errlen);
/* A UUID's canonical text (36 characters and a NUL); returns out. */
const char *fc_uuid_str(const unsigned char uuid[16], char out[37]);
/* A UUID's text (32 hex digits, dashes anywhere) into uuid: 0, or -1. */
int fc_uuid_parse(const char *s, unsigned char uuid[16]);

/* The file system on a block device, its type and UUID as libblkid reads them. */
int fc_dev_fs(const char *dev, char *type, size_t tlen, unsigned char uuid[16], char *err,
	      size_t errlen);
/* The ext4 UUID on a block device (fc_dev_fs); an error if it holds no ext4. */
int fc_dev_uuid(const char *dev, unsigned char uuid[16], char *err, size_t errlen);

/*
 * The directory that holds path ("/a/b/c", from the file system's root)
 * beneath mntfd, its missing directories made (0755): an O_PATH fd, and
 * *leaf the last name. Nothing is followed out of the file system: no
 * symlink, magic link, mount crossing, "." or "..". -1 with errno
 * (ELOOP, EXDEV, EINVAL, ...) otherwise.
 */
int fc_parent_beneath(int mntfd, const char *path, const char **leaf);

struct fc_totals {
	unsigned int files, written, recreated, failed;
	unsigned int moved, truncated, unlinked, linked;	/* namespace operations replayed */
	unsigned int held;		/* files moved aside for a rename, not yet back */
	uint64_t pages, bytes;
};

/*
 * Write sb's dirty files into the file system mounted at mnt (the same
 * disk). A file still on disk (found by inode number and generation) gets
 * its dirty pages; a file the journal never committed is re-created at its
 * path, directories included, from every page the dead kernel cached. Each
 * file ends at the dead kernel's size and is fsynced. What the dead
 * kernel's memory proves of the namespace is replayed too: a file on disk
 * under another name than its name in memory is moved there (rename), one
 * longer on disk is cut to its size (truncate), one unlinked in memory but
 * still named on disk loses its names (unlink of an open file), a name in
 * memory that the disk lacks is linked to its file (hard link), and a file
 * must end with as many names on disk as it had in memory. A re-created
 * file's new inode is left in its fc_file (recreated, new_ino, new_gen):
 * that is the file a restored process gets back (see fileident.h). One line
 * per file goes to report. Returns 0, or -1 if any file could not be
 * written or replayed completely (the others still are).
 */
int fc_migrate(struct dk *dk, struct fc_sb *sb, const char *mnt, FILE *report,
	       struct fc_totals *t);

#endif
