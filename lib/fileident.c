// SPDX-License-Identifier: GPL-2.0
/*
 * Is a file of this OS the one a process of the dead kernel had open?
 * The rules are in fileident.h.
 */
#define _GNU_SOURCE
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "errf.h"
#include "fileident.h"
#include "filecache.h"

/* The kernel's dev_t, as the dead inode holds it. */
#define KDEV_MAJOR(d) ((unsigned int)((d) >> 20))
#define KDEV_MINOR(d) ((unsigned int)((d) & 0xfffff))

int fi_add_migrated(struct fi_migrated *m, const char *mount, char *why, size_t len)
{
	struct stat st;

	if (m->n == sizeof(m->dev) / sizeof(m->dev[0]))
		return errf(why, len, "more than %u disks taken over", m->n);
	if (stat(mount, &st))
		return errf(why, len, "%s: %s", mount, strerror(errno));
	m->dev[m->n++] = st.st_dev;
	return 0;
}

/*
 * The record is orthros-fcm's, written in this OS a moment ago, but read
 * like any input: a line that does not parse refuses the whole record
 * (a process is refused rather than handed a file on a guess).
 */
int fi_add_replaced(struct fi_migrated *m, const char *file, char *why, size_t len)
{
	FILE *f = fopen(file, "re");
	char line[256], uuid[64], end;
	unsigned long long was_ino, ino;
	unsigned int was_gen, gen, n = 0;
	struct fi_replaced *r, one;
	size_t taken = m->nrep;
	int ret = 0;

	if (!f)
		return errf(why, len, "%s: %s", file, strerror(errno));
	while (!ret && fgets(line, sizeof(line), f)) {
		n++;
		if (sscanf(line, "%63s %llu %u %llu %u%c", uuid, &was_ino, &was_gen, &ino, &gen,
			   &end) != 6 || end != '\n' || fc_uuid_parse(uuid, one.uuid) ||
		    strchr(strstr(line, uuid) + strlen(uuid), '-')) {
			ret = errf(why, len, "%s: line %u is not \"UUID INODE GENERATION INODE GENERATION\"",
				   file, n);
			break;
		}
		one.was_ino = was_ino;
		one.was_gen = was_gen;
		one.ino = ino;
		one.gen = gen;
		r = realloc(m->rep, (m->nrep + 1) * sizeof(*r));
		if (!r) {
			ret = errf(why, len, "out of memory");
			break;
		}
		m->rep = r;
		m->rep[m->nrep++] = one;
	}
	if (!ret && ferror(f))
		ret = errf(why, len, "%s: %s", file, strerror(errno));
	if (ret)
		m->nrep = taken;
	fclose(f);
	return ret;
}

void fi_migrated_free(struct fi_migrated *m)
{
	free(m->rep);
	m->rep = NULL;
	m->nrep = 0;
}

/*
 * The UUID of the file system on block device DEV (filecache.c reads it
 * with libblkid); false when DEV is no block device (tmpfs, proc, ...) or
 * its file system has none. The last few answers are kept: a process's files sit
 * on one or two.
 */
static bool fs_uuid(dev_t dev, unsigned char uuid[16])
{
	static struct { dev_t dev; unsigned char uuid[16]; bool known, ok; } seen[8];
	static unsigned int next;
	unsigned int i;
	char *name, err[128], type[32];
	bool ok;

	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		if (seen[i].known && seen[i].dev == dev) {
			memcpy(uuid, seen[i].uuid, 16);
			return seen[i].ok;
		}
	name = blkid_devno_to_devname(dev);
	ok = name && !fc_dev_fs(name, type, sizeof(type), uuid, err, sizeof(err));
	free(name);
	i = next++ % (sizeof(seen) / sizeof(seen[0]));
	seen[i].dev = dev;
	seen[i].known = true;
	seen[i].ok = ok;
	memcpy(seen[i].uuid, uuid, 16);
	return ok;
}

int fi_look(const char *path, const struct fi_migrated *m, struct fi_here *h, char *why,
	    size_t len)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	char self[64];
	struct stat st;
	unsigned int i;
	int fd, rfd, gen = 0;

	memset(h, 0, sizeof(*h));
	if (path[0] != '/')
		return errf(why, len, "not an absolute path");
	fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0)
		return errf(why, len, "%s", errno == ENOENT ? "no such file here" :
			    errno == ELOOP ? "a symbolic link on its path here" : strerror(errno));
	if (fstat(fd, &st)) {
		close(fd);
		return errf(why, len, "%s", strerror(errno));
	}
	h->mode = st.st_mode;
	h->ino = st.st_ino;
	h->size = st.st_size;
	h->ctime_sec = st.st_ctim.tv_sec;
	h->ctime_nsec = st.st_ctim.tv_nsec;
	h->rdev_major = major(st.st_rdev);
	h->rdev_minor = minor(st.st_rdev);
	for (i = 0; i < m->n; i++)
		h->migrated |= m->dev[i] == st.st_dev;
	h->has_uuid = fs_uuid(st.st_dev, h->fs_uuid);
	/* The generation needs a real open; a device is never opened here. */
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		rfd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (rfd < 0 || ioctl(rfd, FS_IOC_GETVERSION, &gen))
			gen = 0;
		if (rfd >= 0)
			close(rfd);
		h->generation = (uint32_t)gen;
	}
	close(fd);
	for (i = 0; h->migrated && h->has_uuid && i < m->nrep; i++)
		if (!memcmp(m->rep[i].uuid, h->fs_uuid, 16) && m->rep[i].ino == h->ino &&
		    m->rep[i].gen == h->generation) {
			h->replaces = true;
			h->was_ino = m->rep[i].was_ino;
			h->was_gen = m->rep[i].was_gen;
		}
	return 0;
}

/* The memory devices with no state of their own: null, zero, full, random, urandom. */
static bool stateless_device(unsigned int maj, unsigned int min)
{
	return maj == 1 && (min == 3 || min == 5 || min == 7 || min == 8 || min == 9);
}

static bool uuid_zero(const unsigned char *u)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

#define differs(...) (errf(why, len, __VA_ARGS__), why)

/* What the dead file alone rules out, whatever this OS has at its path. */
static const char *never_carried(const struct dp_file *f, char *why, size_t len)
{
	if (S_ISCHR(f->mode) && !stateless_device(KDEV_MAJOR(f->rdev), KDEV_MINOR(f->rdev)))
		return differs("device %u:%u (a terminal or another device with state) belongs to the dead kernel",
			       KDEV_MAJOR(f->rdev), KDEV_MINOR(f->rdev));
	if (!S_ISCHR(f->mode) && !S_ISREG(f->mode) && !S_ISDIR(f->mode) && !S_ISFIFO(f->mode))
		return differs("a file of mode 0%o is not carried over", f->mode);
	return NULL;
}

const char *fi_compare(const struct dp_file *f, const struct fi_here *h, char *why, size_t len)
{
	char text[37];

	if (never_carried(f, why, len))
		return why;
	if ((f->mode & S_IFMT) != (h->mode & S_IFMT))
		return differs("another kind of file here (mode 0%o, was 0%o)", h->mode, f->mode);
	if (S_ISCHR(f->mode)) {
		if (h->rdev_major != KDEV_MAJOR(f->rdev) || h->rdev_minor != KDEV_MINOR(f->rdev))
			return differs("device %u:%u here, was %u:%u", h->rdev_major, h->rdev_minor,
				       KDEV_MAJOR(f->rdev), KDEV_MINOR(f->rdev));
		return NULL;
	}
	if (uuid_zero(f->fs_uuid))
		return differs("its file system has no UUID (tmpfs, proc, ...): it died with the kernel");
	if (!h->has_uuid || memcmp(f->fs_uuid, h->fs_uuid, 16))
		return differs("on another file system here (UUID %s)",
			       h->has_uuid ? fc_uuid_str(h->fs_uuid, text) : "none");
	/*
	 * A named pipe's generation cannot be had (its open file is a pipe's,
	 * with no FS_IOC_GETVERSION, and opening it would act on it): its
	 * inode number on the same file system names it. Its bytes are the
	 * dead kernel's pipe's, carried in the images, none on the disk.
	 */
	if (S_ISFIFO(f->mode) && h->ino != f->ino)
		return differs("another named pipe here (inode %llu, was %llu)",
			       (unsigned long long)h->ino, (unsigned long long)f->ino);
	if (!S_ISFIFO(f->mode) && (h->ino != f->ino || h->generation != f->generation) &&
	    !(h->replaces && h->was_ino == f->ino && h->was_gen == f->generation))
		return differs("another file here (inode %llu generation %u, was %llu generation %u)",
			       (unsigned long long)h->ino, h->generation, (unsigned long long)f->ino,
			       f->generation);
	/* A directory's size is its file system's business once its entries are replayed. */
	if (S_ISREG(f->mode) && h->size != f->size)
		return differs("%llu bytes here, %llu in the dead kernel", (unsigned long long)h->size,
			       (unsigned long long)f->size);
	/*
	 * On a disk that was not taken over this is another copy of the image:
	 * the same bytes only if neither copy changed since it was made. A
	 * directory (a working directory) is the same one of the same image;
	 * what a process opens in it is checked file by file.
	 */
	if (!h->migrated && S_ISREG(f->mode) &&
	    (h->ctime_sec != f->ctime_sec || h->ctime_nsec != f->ctime_nsec))
		return differs("this OS's copy of it, and one of the two copies changed (ctime %lld.%09llu here, %lld.%09llu in the dead kernel)",
			       (long long)h->ctime_sec, (unsigned long long)h->ctime_nsec,
			       (long long)f->ctime_sec, (unsigned long long)f->ctime_nsec);
	return NULL;
}

const char *fi_check(const struct dp_file *f, const struct fi_migrated *m, char *why, size_t len)
{
	struct fi_here h;

	if (never_carried(f, why, len) || fi_look(f->path, m, &h, why, len))
		return why;
	return fi_compare(f, &h, why, len);
}
