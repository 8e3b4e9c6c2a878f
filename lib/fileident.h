/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Is a file of this OS the one a process of the dead kernel had open?
 *
 * CRIU re-opens a restored process's files by path, as root. A path proves
 * nothing: the survivor's root disk is another copy of the same image, a
 * name can be taken by another file, /dev/pts/3 is somebody else's
 * terminal. A file is handed back only when this OS holds the very file:
 *
 *   - on a disk this OS took over from the dead one (its file cache written
 *     back by orthros-fcm): the same file system (UUID), inode number and
 *     generation, and the size the dead kernel had; or, for a file the
 *     journal never committed, the inode orthros-fcm re-created it as
 *     from the dead kernel's memory (its record, fi_add_replaced());
 *   - anywhere else (the survivor's own root disk, made from the image the
 *     dead OS's was made from): the same file system, inode and generation,
 *     and for a regular file the same ctime and size, i.e. neither copy
 *     changed since the image was made: the same bytes;
 *   - a directory (also a working directory) by file system, inode and
 *     generation: what is opened in it is checked file by file;
 *   - a character device: only the stateless memory devices (null, zero,
 *     full, random, urandom); a terminal, a pty or any other device of the
 *     dead kernel has state this kernel does not have;
 *   - a named pipe: the same file system and inode number (its generation
 *     cannot be read without opening it); its bytes are the dead kernel's,
 *     carried in the images.
 *
 * Anything else is "another file": the process cannot be restored, and is
 * named (see orthros-pm).
 */
#ifndef ORTHROS_FILEIDENT_H
#define ORTHROS_FILEIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "deadproc.h"

/* What this OS has at a dead file's path. */
struct fi_here {
	uint32_t mode;
	uint64_t ino, size;
	uint32_t generation;
	int64_t ctime_sec;
	uint64_t ctime_nsec;
	unsigned int rdev_major, rdev_minor;
	unsigned char fs_uuid[16];	/* of its file system, if has_uuid */
	bool has_uuid;
	bool migrated;			/* on a disk taken over from the dead OS */
	bool replaces;			/* re-created by orthros-fcm for this dead inode: */
	uint64_t was_ino;
	uint32_t was_gen;
};

/*
 * orthros-fcm's record of the files it re-created, one line each: the file
 * system's UUID, the dead kernel's inode (number, generation), and the
 * inode that now holds the file on disk.
 */
#define FI_REPLACED_FMT "%s %llu %u %llu %u\n"

struct fi_replaced {
	unsigned char uuid[16];
	uint64_t was_ino, ino;
	uint32_t was_gen, gen;
};

/* The disks taken over from the dead OS, by a mount point of each. */
struct fi_migrated {
	dev_t dev[8];
	unsigned int n;
	struct fi_replaced *rep;	/* what orthros-fcm re-created on them */
	size_t nrep;
};

/* Add MOUNT's file system to m; -1 with why set if it cannot be. */
int fi_add_migrated(struct fi_migrated *m, const char *mount, char *why, size_t len);
/* Add orthros-fcm's record FILE (FI_REPLACED_FMT lines) to m; -1 with why set. */
int fi_add_replaced(struct fi_migrated *m, const char *file, char *why, size_t len);
void fi_migrated_free(struct fi_migrated *m);

/*
 * Look at PATH in this OS, resolved from / with no symbolic or magic links
 * and no automount. 0, or -1 with why set (it does not exist, ...).
 */
int fi_look(const char *path, const struct fi_migrated *m, struct fi_here *h, char *why,
	    size_t len);

/* NULL if HERE is the dead file F, else why not (in why). */
const char *fi_compare(const struct dp_file *f, const struct fi_here *here, char *why, size_t len);

/* fi_look and fi_compare: NULL if PATH here is f. */
const char *fi_check(const struct dp_file *f, const struct fi_migrated *m, char *why, size_t len);

#endif
