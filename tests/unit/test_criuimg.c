// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcriuimg on made-up processes: the images CRIU restores from exist,
 * are framed as CRIU frames them, and a process with problems is left out;
 * read back with CRIU's schema (protobuf-c's unpack of lib/criu-proto),
 * a file shared by fds and processes is one entry, IPv4 and IPv6 sockets
 * carry their addresses, epoll what it watches, and shared anonymous
 * memory its own pages. Every image written decodes with Debian's crit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "sk-packet.pb-c.h"
#include "tcp-stream.pb-c.h"

#include "unit.h"
#include "../../lib/criuimg.h"
#include "dkimg.h"

static size_t slurp(const char *dir, const char *name, unsigned char *buf, size_t max)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, max);
	close(fd);
	unlink(path);
	return n > 0 ? n : 0;
}

static uint32_t u32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void crit_decodes(const char *dir);

TEST(criuimg_writes_framed_images_and_skips_broken_processes)
{
	struct dp_file files[3] = {
		{ .addr = 0xffff888001000000, .kind = DP_REG, .path = "/bin/true", .mode = 0100755 },
		{ .addr = 0xffff888001000100, .kind = DP_REG, .path = "/dev/null", .flags = 2,
		  .mode = 020666 },
	};
	struct dp_fd fd = { 0, 1, true };
	struct dp_vma vma = { .start = 0x10000, .end = 0x20000, .vm_flags = 3, .file = -1 };
	struct dp_thread th = { .tid = 100, .comm = "work", .regs = { .cs = 0x33, .ss = 0x2b } };
	struct dp_proc p[2] = { {
		.pid = 100, .ppid = 1, .pgid = 100, .sid = 100, .comm = "work",
		.threads = &th, .nthreads = 1, .exe = 0, .vmas = &vma, .nvmas = 1,
		.files = files, .nfiles = 2, .fds = &fd, .nfds = 1, .cwd = "/", .root = "/",
	} };
	struct dp_set set = { .procs = p, .nprocs = 2 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
	unsigned char buf[8192];
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	p[1] = p[0];
	p[1].pid = 101;
	strcpy(p[1].problems, "a pipe");
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
	crit_decodes(dir);
	n = slurp(dir, "inventory.img", buf, sizeof(buf));
	CHECK(n > 4 && u32(buf) == 0x58313116);
	n = slurp(dir, "pstree.img", buf, sizeof(buf));
	/* common magic, pstree magic, one entry: pid 100, ppid 0 (root), 100, 100, [100] */
	CHECK(n == 12 + 10 && u32(buf) == 0x54564319 && u32(buf + 4) == 0x50273030 &&
	      u32(buf + 8) == 10 && !memcmp(buf + 12, "\x08\x64\x10\x00\x18\x64\x20\x64\x28\x64", 10));
	n = slurp(dir, "core-100.img", buf, sizeof(buf));
	CHECK(n > 12 && u32(buf + 4) == 0x55053847);
	n = slurp(dir, "files.img", buf, sizeof(buf));
	CHECK(n > 12 && u32(buf + 4) == 0x56303138 && memmem(buf, n, "/bin/true", 9) &&
	      memmem(buf, n, "/dev/null", 9));
	CHECK(slurp(dir, "mm-100.img", buf, sizeof(buf)) > 8);
	CHECK(slurp(dir, "fs-100.img", buf, sizeof(buf)) > 8);
	CHECK(slurp(dir, "ids-100.img", buf, sizeof(buf)) > 8);
	CHECK(slurp(dir, "fdinfo-2.img", buf, sizeof(buf)) > 8);
	CHECK(slurp(dir, "pagemap-100.img", buf, sizeof(buf)) > 8);
	slurp(dir, "pages-2.img", buf, sizeof(buf));
	slurp(dir, "pipes-data.img", buf, sizeof(buf));
	slurp(dir, "fifo-data.img", buf, sizeof(buf));
	slurp(dir, "sk-queues.img", buf, sizeof(buf));
	CHECK(slurp(dir, "core-101.img", buf, sizeof(buf)) == 0);	/* left out */
	CHECK(rmdir(dir) == 0);					/* nothing else written */
}

/* Frame pfn of the image holds its own number in every word. */
static void fill_frame(struct img *m, uint64_t pfn)
{
	unsigned int i;

	for (i = 0; i < 4096 / 8; i++)
		P(m, pfn * 4096)[i] = pfn;
}

TEST(criuimg_copies_pages_in_pagemap_order_across_runs_and_segments)
{
	/* Runs of frames: one across the two PT_LOADs (at 4 MiB), a single
	 * frame, one longer than the copy buffer, frames going backwards. */
	static const uint64_t first[] = { 0x3f0, 0x300, 0x500, 0x390, 0x38f };
	static const unsigned int len[] = { 32, 1, 300, 1, 1 };
	uint64_t pfn[335];
	struct dp_pages run[2];
	struct dp_file file = { .kind = DP_REG, .path = "/bin/true", .mode = 0100755 };
	struct dp_vma vma = { .start = 0x10000000, .end = 0x20000000, .vm_flags = 3, .file = -1 };
	struct dp_thread th = { .tid = 7, .comm = "big", .regs = { .cs = 0x33, .ss = 0x2b } };
	struct dp_proc p = {
		.pid = 7, .ppid = 1, .pgid = 7, .sid = 7, .comm = "big", .threads = &th,
		.nthreads = 1, .exe = 0, .vmas = &vma, .nvmas = 1, .files = &file, .nfiles = 1,
		.pages = run, .npages_runs = 2, .npages = 335, .cwd = "/", .root = "/",
	};
	struct dp_set set = { .procs = &p, .nprocs = 1 };
	struct dk_layout layout = { 0 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256], path[600];
	unsigned int i, j, n = 0, bad = 0;
	static uint64_t page[512];
	struct dk *dk = NULL;
	struct img m;
	int fd;

	img_init(&m, NULL);
	for (i = 0; i < 5; i++)
		for (j = 0; j < len[i]; j++) {
			fill_frame(&m, first[i] + j);
			pfn[n++] = first[i] + j;
		}
	CHECK(n == 335);
	img_write(&m, true);
	CHECK(dk_open_layout(&dk, m.path, &layout, err, sizeof(err)) == 0);
	/* Two virtual runs that split the physical ones differently. */
	run[0] = (struct dp_pages){ 0x10000000, 100, pfn };
	run[1] = (struct dp_pages){ 0x10400000, 235, pfn + 100 };
	CHECK(mkdtemp(dir) != NULL);
	CHECK(dk && ci_write(dk, &set, dir, err, sizeof(err)) == 1);
	snprintf(path, sizeof(path), "%s/pages-2.img", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	for (i = 0; fd >= 0 && read(fd, page, 4096) == 4096; i++)
		bad += i >= n || page[0] != pfn[i] || page[511] != pfn[i];
	CHECK(i == n && bad == 0);
	if (fd >= 0)
		close(fd);
	if (dk)
		dk_close(dk);
	img_free(&m);
	crit_decodes(dir);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

/* ---- Image files, read back with CRIU's schema ---- */

/* A whole file of dir, malloc'ed; NULL if there is none. */
static unsigned char *load(const char *dir, const char *name, size_t *len)
{
	unsigned char *data = NULL;
	char path[512];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*len = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && (data = malloc(st.st_size + 1)) &&
	    read(fd, data, st.st_size) == st.st_size)
		*len = st.st_size;
	else if (data) {
		free(data);
		data = NULL;
	}
	close(fd);
	return data;
}

static bool exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/*
 * An image and its entries, each unpacked by protobuf-c as the message
 * the image holds (its descriptor): protobuf-c refuses a message with a
 * required field missing. Any raw bytes after an entry (a TCP stream's
 * queues) end the entries.
 */
struct ciimg {
	unsigned char *data;
	size_t len;
	ProtobufCMessage *e[64];
	unsigned int n;
	bool ok;	/* there, both magics right, every entry whole through the end */
};

#define IMG_COMMON_MAGIC 0x54564319u

static void img_load_headed(struct ciimg *im, const char *dir, const char *name, uint32_t magic,
			    const ProtobufCMessageDescriptor *head,
			    const ProtobufCMessageDescriptor *desc)
{
	size_t off = 8;

	memset(im, 0, sizeof(*im));
	im->data = load(dir, name, &im->len);
	if (!im->data || im->len < 8 || u32(im->data) != IMG_COMMON_MAGIC ||
	    u32(im->data + 4) != magic)
		return;
	while (off + 4 <= im->len && im->n < 64) {
		uint32_t n = u32(im->data + off);

		if (n > im->len - off - 4)
			return;
		im->e[im->n] = protobuf_c_message_unpack(im->n ? desc : head, NULL, n,
							 im->data + off + 4);
		if (!im->e[im->n])
			return;
		im->n++;
		off += 4 + n;
	}
	im->ok = off == im->len;
}

static void img_load(struct ciimg *im, const char *dir, const char *name, uint32_t magic,
		     const ProtobufCMessageDescriptor *desc)
{
	img_load_headed(im, dir, name, magic, desc, desc);
}

static void img_drop(struct ciimg *im)
{
	while (im->n)
		protobuf_c_message_free_unpacked(im->e[--im->n], NULL);
	free(im->data);
	im->data = NULL;
}

/* Entry i of an image, as the message type T. */
#define ENTRY(im, T, i) ((T *)(im).e[i])

#define MAGIC_PSTREE	0x50273030u
#define MAGIC_CORE	0x55053847u
#define MAGIC_MM	0x57492820u
#define MAGIC_PAGEMAP	0x56084025u
#define MAGIC_FILES	0x56303138u
#define MAGIC_FDINFO	0x56213732u
#define MAGIC_TCP_STREAM 0x51465506u
#define FILES(im, dir)	img_load(im, dir, "files.img", MAGIC_FILES, &file_entry__descriptor)
#define FDINFO(im, dir, name) img_load(im, dir, name, MAGIC_FDINFO, &fdinfo_entry__descriptor)
#define CORE(im, dir, name) img_load(im, dir, name, MAGIC_CORE, &core_entry__descriptor)

/* files.img: entries of a type. */
static unsigned int files_of_type(const struct ciimg *files, FdTypes type)
{
	unsigned int i, n = 0;

	for (i = 0; i < files->n; i++)
		n += ENTRY(*files, FileEntry, i)->type == type;
	return n;
}

/* files.img: the entry of a type, if exactly one has it. */
static const FileEntry *file_of_type(const struct ciimg *files, FdTypes type)
{
	const FileEntry *found = NULL;
	unsigned int i;

	for (i = 0; i < files->n; i++)
		if (ENTRY(*files, FileEntry, i)->type == type)
			found = ENTRY(*files, FileEntry, i);
	return files_of_type(files, type) == 1 ? found : NULL;
}

/* files.img: the entry with id, if exactly one has it. */
static const FileEntry *file_by_id(const struct ciimg *files, uint32_t id)
{
	const FileEntry *found = NULL;
	unsigned int i, n = 0;

	for (i = 0; i < files->n; i++)
		if (ENTRY(*files, FileEntry, i)->id == id) {
			found = ENTRY(*files, FileEntry, i);
			n++;
		}
	return n == 1 ? found : NULL;
}

/* files.img: how many regular files have path. */
static unsigned int reg_files_at(const struct ciimg *files, const char *path)
{
	unsigned int i, n = 0;

	for (i = 0; i < files->n; i++) {
		const FileEntry *fe = ENTRY(*files, FileEntry, i);

		n += fe->type == FD_TYPES__REG && fe->reg && !strcmp(fe->reg->name, path);
	}
	return n;
}

/* A regular file entry's path, or "" if it is none. */
static const char *reg_path(const FileEntry *fe)
{
	return fe && fe->type == FD_TYPES__REG && fe->reg ? fe->reg->name : "";
}

/* fdinfo: the entry for fd, if exactly one. */
static const FdinfoEntry *fdinfo_of(const struct ciimg *fdinfo, uint32_t fd)
{
	static const FdinfoEntry none = FDINFO_ENTRY__INIT;
	const FdinfoEntry *found = &none;
	unsigned int i, n = 0;

	for (i = 0; i < fdinfo->n; i++)
		if (ENTRY(*fdinfo, FdinfoEntry, i)->fd == fd) {
			found = ENTRY(*fdinfo, FdinfoEntry, i);
			n++;
		}
	return n == 1 ? found : &none;
}

/* The file entry fd of a process names, if there is one. */
static const FileEntry *file_of_fd(const struct ciimg *files, const struct ciimg *fdinfo,
				   uint32_t fd)
{
	return file_by_id(files, fdinfo_of(fdinfo, fd)->id);
}

/*
 * sk-queues.img: the messages queued to the socket of id, their bytes
 * joined into out (a string); each entry's bytes follow it. The number of
 * messages, or -1 if the image is not whole.
 */
static int queued_to(const char *dir, uint32_t id, char *out, size_t max)
{
	size_t len, off = 8, n = 0;
	unsigned char *d = load(dir, "sk-queues.img", &len);
	int count = 0;

	if (!d || len < 8 || u32(d) != IMG_COMMON_MAGIC || u32(d + 4) != 0x56264026u)
		count = -1;
	while (count >= 0 && off < len) {
		uint32_t size = off + 4 <= len ? u32(d + off) : UINT32_MAX;
		SkPacketEntry *e = size <= len - off - 4 ?
			sk_packet_entry__unpack(NULL, size, d + off + 4) : NULL;

		if (!e || e->length > len - off - 4 - size) {
			count = -1;
		} else {
			if (e->id_for == id && n + e->length < max) {
				memcpy(out + n, d + off + 4 + size, e->length);
				n += e->length;
				count++;
			}
			off += 4 + size + e->length;
		}
		if (e)
			sk_packet_entry__free_unpacked(e, NULL);
	}
	out[n] = 0;
	free(d);
	return count;
}

/*
 * Every image of dir decodes with Debian's crit (CRIU's own decoder: its
 * magics, framing, and every required field). Page contents are raw.
 */
static void crit_decodes(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	char cmd[1024];

	while (dp && (d = readdir(dp))) {
		if (!strstr(d->d_name, ".img") || !strncmp(d->d_name, "pages-", 6))
			continue;
		snprintf(cmd, sizeof(cmd), "crit decode -i '%s/%s' -o /dev/null 2>/dev/null",
			 dir, d->d_name);
		if (system(cmd) != 0) {
			printf("crit cannot decode %s/%s\n", dir, d->d_name);
			CHECK(!"every image decodes with crit");
		}
	}
	if (dp)
		closedir(dp);
}

/* Remove dir and what is in it, the images having been decoded by crit. */
static void rmtree(const char *dir)
{
	struct dirent *d;
	DIR *dp;

	crit_decodes(dir);
	dp = opendir(dir);
	CHECK(dp != NULL);
	while (dp && (d = readdir(dp)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			CHECK(unlinkat(dirfd(dp), d->d_name, 0) == 0);
	if (dp)
		closedir(dp);
	CHECK(rmdir(dir) == 0);
}

/* How many files of dir have a name beginning with prefix. */
static unsigned int count_prefix(const char *dir, const char *prefix)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	unsigned int n = 0;

	while (dp && (d = readdir(dp)))
		n += !strncmp(d->d_name, prefix, strlen(prefix));
	if (dp)
		closedir(dp);
	return n;
}

static struct dp_thread ci_thread(int tid)
{
	return (struct dp_thread){ .tid = tid, .comm = "srv", .regs = { .cs = 0x33, .ss = 0x2b } };
}

static struct dp_proc ci_proc(int pid, int ppid, struct dp_thread *th)
{
	return (struct dp_proc){
		.pid = pid, .ppid = ppid, .pgid = pid, .sid = pid, .comm = "srv",
		.threads = th, .nthreads = 1, .exe = 0, .cwd = "/", .root = "/",
	};
}

/*
 * Images of one process holding files (fds[i].file indexes them) into a
 * new folder dir (a mkdtemp template): ci_write must write it alone.
 */
static void write_one(struct dp_proc *p, struct dp_file *files, unsigned int nfiles,
		      struct dp_fd *fds, unsigned int nfds, char *dir)
{
	struct dp_set set = { .procs = p, .nprocs = 1 };
	char err[256];

	p->files = files;
	p->nfiles = nfiles;
	p->fds = fds;
	p->nfds = nfds;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
}

/* ---- Shared files, sockets, epoll, shared memory ---- */

TEST(criuimg_writes_a_file_shared_by_fds_and_processes_once)
{
	/* A server and its child share a listening socket on [::]:80, the
	 * parent by two fds; each has a log of its own. The executables
	 * have no identity (addr 0): never merged, even by path. */
	struct dp_inet in6 = { .family = 10, .type = 1, .proto = 6, .state = 10,
			       .src6 = { 0, 0, 0, 0 }, .v6only = false, .src_port = 80,
			       .backlog = 128 };
	struct dp_file pf[3] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000000, .kind = DP_INET, .flags = 2, .ino = 4242,
		  .mode = 0140777, .inet = &in6 },
		{ .addr = 0xffff888002000100, .kind = DP_REG, .path = "/var/log/parent.log",
		  .flags = 02001, .mode = 0100644 },
	};
	struct dp_file cf[3] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000200, .kind = DP_REG, .path = "/var/log/child.log",
		  .flags = 02001, .mode = 0100644 },
		pf[1],
	};
	struct dp_fd pfd[3] = { { 3, 1, true }, { 4, 1, false }, { 5, 2, false } };
	struct dp_fd cfd[2] = { { 3, 2, false }, { 6, 1, false } };
	struct dp_thread th[2] = { ci_thread(100), ci_thread(101) };
	struct dp_proc p[2] = { ci_proc(100, 1, &th[0]), ci_proc(101, 100, &th[1]) };
	struct dp_set set = { .procs = p, .nprocs = 2 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
	struct ciimg files, fdp, fdc;
	const FileEntry *sock;
	const FdinfoEntry *e;
	const InetSkEntry *isk;
	uint32_t sock_id, plog, clog;
	unsigned int i;

	p[0].files = pf;
	p[0].nfiles = 3;
	p[0].fds = pfd;
	p[0].nfds = 3;
	p[1].files = cf;
	p[1].nfiles = 3;
	p[1].fds = cfd;
	p[1].nfds = 2;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 2);
	FILES(&files, dir);
	FDINFO(&fdp, dir, "fdinfo-2.img");
	FDINFO(&fdc, dir, "fdinfo-3.img");
	CHECK(files.ok && fdp.ok && fdc.ok);

	/* One socket, one entry. */
	sock = file_of_type(&files, FD_TYPES__INETSK);
	CHECK(sock && sock->isk);
	if (!sock || !sock->isk)
		return;
	sock_id = sock->id;
	isk = sock->isk;
	CHECK(sock_id != 0 && isk->id == sock_id);
	CHECK(isk->ino == 4242);
	CHECK(isk->family == 10);				/* AF_INET6 */
	CHECK(isk->type == 1 && isk->proto == 6);		/* stream, TCP */
	CHECK(isk->state == 10);				/* LISTEN */
	CHECK(isk->src_port == 80 && isk->backlog == 128);
	CHECK(isk->n_src_addr == 4 && isk->n_dst_addr == 4);
	for (i = 0; i < 4 && isk->n_src_addr == 4 && isk->n_dst_addr == 4; i++)
		CHECK(isk->src_addr[i] == 0 && isk->dst_addr[i] == 0);	/* [::] */
	CHECK(isk->has_v6only && !isk->v6only);

	/* Every fd of it, in both processes, names that entry. */
	CHECK(fdp.n == 3 && fdc.n == 2);
	e = fdinfo_of(&fdp, 3);
	CHECK(e->id == sock_id && e->type == FD_TYPES__INETSK && e->flags == 1);
	e = fdinfo_of(&fdp, 4);
	CHECK(e->id == sock_id && e->type == FD_TYPES__INETSK && e->flags == 0);
	e = fdinfo_of(&fdc, 3);
	CHECK(e->id == sock_id && e->type == FD_TYPES__INETSK);

	/* The logs are files of their own. */
	plog = fdinfo_of(&fdp, 5)->id;
	clog = fdinfo_of(&fdc, 6)->id;
	CHECK(plog && clog && plog != clog && plog != sock_id && clog != sock_id);
	CHECK(fdinfo_of(&fdp, 5)->type == FD_TYPES__REG && fdinfo_of(&fdc, 6)->type == FD_TYPES__REG);
	CHECK(!strcmp(reg_path(file_by_id(&files, plog)), "/var/log/parent.log"));
	CHECK(!strcmp(reg_path(file_by_id(&files, clog)), "/var/log/child.log"));
	CHECK(reg_files_at(&files, "/var/log/parent.log") == 1);
	CHECK(reg_files_at(&files, "/var/log/child.log") == 1);
	CHECK(reg_files_at(&files, "/usr/sbin/srv") == 2);
	/* Executables 2, logs 2, cwd and root 4, the socket: no more. */
	CHECK(files.n == 9 && files_of_type(&files, FD_TYPES__REG) == 8);
	for (i = 0; i < files.n; i++)	/* ids unique */
		CHECK(file_by_id(&files, ENTRY(files, FileEntry, i)->id) != NULL);
	img_drop(&files);
	img_drop(&fdp);
	img_drop(&fdc);
	rmtree(dir);
}

TEST(criuimg_writes_one_address_word_for_ipv4_and_four_for_ipv6_and_the_shutdown)
{
	/* 127.0.0.1:8080 listening; [fe80::1]:22 to [2001:db8::2]:50000, v6only. */
	struct dp_inet in4 = { .family = 2, .type = 1, .proto = 6, .state = 10,
			       .src_addr = 0x0100007f, .src_port = 8080, .backlog = 5 };
	struct dp_inet in6 = { .family = 10, .type = 2, .proto = 17, .state = 1,
			       .src6 = { 0x000080fe, 0, 0, 0x01000000 },
			       .dst6 = { 0xb80d0120, 0, 0, 0x02000000 }, .v6only = true,
			       .src_port = 22, .dst_port = 50000, .shutdown = 1 };
	struct dp_file f[3] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000000, .kind = DP_INET, .flags = 2, .ino = 10,
		  .mode = 0140777, .inet = &in4 },
		{ .addr = 0xffff888002000100, .kind = DP_INET, .flags = 2, .ino = 11,
		  .mode = 0140777, .inet = &in6 },
	};
	struct dp_fd fd[2] = { { 3, 1, false }, { 4, 2, false } };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg files, fdinfo;
	const FileEntry *f4, *f6;
	const InetSkEntry *isk4, *isk6;

	write_one(&p, f, 3, fd, 2, dir);
	FILES(&files, dir);
	FDINFO(&fdinfo, dir, "fdinfo-2.img");
	CHECK(files.ok && fdinfo.ok && files_of_type(&files, FD_TYPES__INETSK) == 2);
	f4 = file_of_fd(&files, &fdinfo, 3);
	f6 = file_of_fd(&files, &fdinfo, 4);
	CHECK(f4 && f4->isk && f6 && f6->isk);
	if (!f4 || !f4->isk || !f6 || !f6->isk)
		return;
	isk4 = f4->isk;
	isk6 = f6->isk;
	CHECK(isk4->ino == 10 && isk6->ino == 11);

	CHECK(isk4->family == 2 && isk4->src_port == 8080);
	CHECK(isk4->n_src_addr == 1 && isk4->src_addr[0] == 0x0100007f);
	CHECK(isk4->n_dst_addr == 1 && isk4->dst_addr[0] == 0);
	CHECK(!isk4->has_v6only);				/* no v6only */
	CHECK(!isk4->has_shutdown);				/* not shut down */

	CHECK(isk6->family == 10 && isk6->type == 2 && isk6->proto == 17);
	CHECK(isk6->src_port == 22 && isk6->dst_port == 50000);
	CHECK(isk6->n_src_addr == 4 && isk6->n_dst_addr == 4);
	if (isk6->n_src_addr == 4 && isk6->n_dst_addr == 4) {
		CHECK(isk6->src_addr[0] == 0x000080fe && isk6->src_addr[1] == 0 &&
		      isk6->src_addr[2] == 0 && isk6->src_addr[3] == 0x01000000);
		CHECK(isk6->dst_addr[0] == 0xb80d0120 && isk6->dst_addr[1] == 0 &&
		      isk6->dst_addr[2] == 0 && isk6->dst_addr[3] == 0x02000000);
	}
	CHECK(isk6->has_v6only && isk6->v6only);
	CHECK(isk6->has_shutdown && isk6->shutdown == SK_SHUTDOWN__READ);
	img_drop(&files);
	img_drop(&fdinfo);
	rmtree(dir);
}

TEST(criuimg_keeps_a_connection_without_window_scaling_unscaled)
{
	/*
	 * A connection whose peer offered no window scaling was restored
	 * scaling its receive window by 14 (issue 13, item 10: 0/14 where
	 * it had been 0/0); one that scales keeps its shifts.
	 */
	static const struct { uint32_t mask, snd, rcv; } cases[] = { { 1, 0, 0 }, { 5, 7, 9 } };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct dp_tcp tcp = { .opt_mask = cases[k].mask, .snd_wscale = cases[k].snd,
				      .rcv_wscale = cases[k].rcv, .inq = (unsigned char *)"",
				      .outq = (unsigned char *)"" };
		struct dp_inet in4 = { .family = 2, .type = 1, .proto = 6, .state = 1,
				       .src_addr = 0x0100007f, .dst_addr = 0x0200007f,
				       .src_port = 7000, .dst_port = 40000, .tcp = &tcp };
		struct dp_file f[2] = {
			{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
			{ .addr = 0xffff888002000000, .kind = DP_INET, .flags = 2, .ino = 10,
			  .mode = 0140777, .inet = &in4 },
		};
		struct dp_fd fd[1] = { { 3, 1, false } };
		struct dp_thread th = ci_thread(100);
		struct dp_proc p = ci_proc(100, 1, &th);
		char dir[] = "/tmp/orthros-ci-XXXXXX";
		struct ciimg stream;

		write_one(&p, f, 2, fd, 1, dir);
		img_load(&stream, dir, "tcp-stream-a.img", MAGIC_TCP_STREAM,
			 &tcp_stream_entry__descriptor);
		CHECK(stream.ok && stream.n == 1);
		if (stream.n == 1) {
			const TcpStreamEntry *t = ENTRY(stream, TcpStreamEntry, 0);

			CHECK(t->opt_mask == (cases[k].mask | 4));	/* TCPI_OPT_WSCALE */
			CHECK(t->snd_wscale == cases[k].snd);
			CHECK(t->has_rcv_wscale && t->rcv_wscale == cases[k].rcv);
		}
		img_drop(&stream);
		rmtree(dir);
	}
}

TEST(criuimg_writes_an_epoll_file_with_what_it_watches)
{
	struct dp_epoll_tfd tfd[2] = {
		{ .fd = 4, .events = 0x19, .data = 0x7f0000001234, .file = 0xffff888002000100 },
		{ .fd = 10, .events = 1, .data = 5, .file = 0xffff888002000200 },
	};
	struct dp_file f[4] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000100, .kind = DP_REG, .path = "/var/a", .mode = 0100644 },
		{ .addr = 0xffff888002000200, .kind = DP_REG, .path = "/var/b", .mode = 0100644 },
		{ .addr = 0xffff888002000300, .kind = DP_EPOLL, .flags = 02 | 02000000,
		  .ino = 9, .mode = 0600, .tfds = tfd, .ntfds = 2 },
	};
	struct dp_fd fd[3] = { { 4, 1, false }, { 7, 3, true }, { 10, 2, false } };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg files, fdinfo;
	const FileEntry *ep;
	const EventpollFileEntry *epfd;
	const EventpollTfdEntry *t;
	const FdinfoEntry *e;
	uint32_t id;

	write_one(&p, f, 4, fd, 3, dir);
	FILES(&files, dir);
	FDINFO(&fdinfo, dir, "fdinfo-2.img");
	CHECK(files.ok && fdinfo.ok);
	ep = file_of_type(&files, FD_TYPES__EVENTPOLL);
	CHECK(ep && ep->epfd);
	if (!ep || !ep->epfd)
		return;
	id = ep->id;
	epfd = ep->epfd;
	CHECK(id != 0 && epfd->id == id);
	CHECK(epfd->flags == 2);		/* O_RDWR; close-on-exec is the fd's */
	CHECK(epfd->fown != NULL);
	CHECK(epfd->n_tfd == 2);
	if (epfd->n_tfd == 2) {
		t = epfd->tfd[0];
		CHECK(t->id == id && t->tfd == 4 && t->events == 0x19 && t->data == 0x7f0000001234);
		t = epfd->tfd[1];
		CHECK(t->id == id && t->tfd == 10 && t->events == 1 && t->data == 5);
	}

	e = fdinfo_of(&fdinfo, 7);
	CHECK(e->id == id && e->type == FD_TYPES__EVENTPOLL && e->flags == 1);
	e = fdinfo_of(&fdinfo, 4);
	CHECK(e->type == FD_TYPES__REG && !strcmp(reg_path(file_by_id(&files, e->id)), "/var/a"));
	e = fdinfo_of(&fdinfo, 10);
	CHECK(e->type == FD_TYPES__REG && !strcmp(reg_path(file_by_id(&files, e->id)), "/var/b"));
	img_drop(&files);
	img_drop(&fdinfo);
	rmtree(dir);
}

/* Word i of shared-memory page k. */
static uint64_t shm_word(unsigned int k, unsigned int i)
{
	return 0x53484d0000000000ULL | (uint64_t)k << 20 | i;
}

TEST(criuimg_writes_shared_anonymous_memory_once_with_its_pages)
{
	/* Three pages of shmid 77: two physically consecutive frames, then
	 * one below them. Mapped whole, and its last page again (pgoff 2). */
	uint64_t lo, hi, pfn0[2], pfn1[1];
	struct dp_pages runs[2];
	struct dp_shmem sh[2] = {
		{ .shmid = 77, .size = 3 * 4096, .pages = runs, .npages_runs = 2, .npages = 3 },
		{ .shmid = 78, .size = 4096 },		/* nobody written maps it */
	};
	struct dp_file f[2] = {
		{ .addr = 0xffff888002000000, .kind = DP_REG, .path = "/usr/sbin/srv",
		  .mode = 0100755 },
		{ .addr = 0xffff888002000100, .kind = DP_SHMEM, .path = "/dev/zero (deleted)",
		  .flags = 2, .ino = 77, .size = 3 * 4096, .mode = 0100777 },
	};
	struct dp_vma vma[2] = {
		{ .start = 0x7f0000000000, .end = 0x7f0000003000, .pgoff = 0,
		  .vm_flags = 0x01 | 0x02 | 0x08 | 0x80, .file = 1, .shmid = 77 },
		{ .start = 0x7f0000010000, .end = 0x7f0000011000, .pgoff = 2,
		  .vm_flags = 0x01 | 0x08 | 0x80, .file = 1, .shmid = 77 },
	};
	struct dp_thread th[2] = { ci_thread(200), ci_thread(300) };
	struct dp_proc p[2] = { ci_proc(200, 1, &th[0]), ci_proc(300, 1, &th[1]) };
	struct dp_set set = { .procs = p, .nprocs = 1, .shmems = sh, .nshmems = 2 };
	struct dk_layout layout = { 0 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", dir2[] = "/tmp/orthros-ci-XXXXXX", err[256];
	char name[64];
	struct ciimg mm, pm, files;
	const MmEntry *me;
	const VmaEntry *v;
	const PagemapEntry *e;
	unsigned char *pages;
	unsigned int i, k, bad = 0;
	struct dk *dk = NULL;
	uint64_t pages_id;
	struct img m;
	size_t len;

	img_init(&m, NULL);
	hi = alloc(&m, 4096, 4096);
	lo = alloc(&m, 2 * 4096, 4096);
	for (i = 0; i < 512; i++) {
		P(&m, lo)[i] = shm_word(0, i);
		P(&m, lo + 4096)[i] = shm_word(1, i);
		P(&m, hi)[i] = shm_word(2, i);
	}
	pfn0[0] = lo / 4096;
	pfn0[1] = lo / 4096 + 1;
	pfn1[0] = hi / 4096;
	runs[0] = (struct dp_pages){ 0, 2, pfn0 };
	runs[1] = (struct dp_pages){ 2 * 4096, 1, pfn1 };
	img_write(&m, true);
	CHECK(dk_open_layout(&dk, m.path, &layout, err, sizeof(err)) == 0);
	p[0].files = f;
	p[0].nfiles = 2;
	p[0].vmas = vma;
	p[0].nvmas = 2;
	p[1].files = f;
	p[1].nfiles = 1;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(dk && ci_write(dk, &set, dir, err, sizeof(err)) == 1);

	/* The mappings: shared anonymous, by shmid. */
	img_load(&mm, dir, "mm-200.img", MAGIC_MM, &mm_entry__descriptor);
	CHECK(mm.ok && mm.n == 1);
	me = mm.n == 1 ? ENTRY(mm, MmEntry, 0) : NULL;
	CHECK(me && me->n_vmas == 2);
	if (!me || me->n_vmas != 2)
		return;
	v = me->vmas[0];
	CHECK(v->start == 0x7f0000000000 && v->end == 0x7f0000003000);
	CHECK(v->pgoff == 0 && v->shmid == 77);
	CHECK(v->prot == 3 && v->flags == 0x21 && v->status == 0x101);
	CHECK(!v->has_fdflags);				/* not a file */
	v = me->vmas[1];
	CHECK(v->start == 0x7f0000010000 && v->end == 0x7f0000011000);
	CHECK(v->pgoff == 2 * 4096 && v->shmid == 77);
	CHECK(v->prot == 1 && v->flags == 0x21 && v->status == 0x101);

	/* Its pagemap, by offset in the object, and its pages: a head, then entries. */
	img_load_headed(&pm, dir, "pagemap-shmem-77.img", MAGIC_PAGEMAP,
			&pagemap_head__descriptor, &pagemap_entry__descriptor);
	CHECK(pm.ok && pm.n == 3);
	if (pm.n != 3)
		return;
	pages_id = ENTRY(pm, PagemapHead, 0)->pages_id;
	CHECK(pages_id != 2);
	e = ENTRY(pm, PagemapEntry, 1);
	CHECK(e->vaddr == 0 && e->nr_pages == 2 && e->flags == 4);
	e = ENTRY(pm, PagemapEntry, 2);
	CHECK(e->vaddr == 8192 && e->nr_pages == 1 && e->flags == 4);
	snprintf(name, sizeof(name), "pages-%llu.img", (unsigned long long)pages_id);
	pages = load(dir, name, &len);
	CHECK(pages != NULL && len == 3 * 4096);
	for (k = 0; pages && len == 3 * 4096 && k < 3; k++)
		for (i = 0; i < 512; i++) {
			uint64_t w;

			memcpy(&w, pages + k * 4096 + i * 8, 8);
			bad += w != shm_word(k, i);
		}
	CHECK(bad == 0);
	free(pages);

	/* Only the object mapped is written; its file is no open file. */
	CHECK(!exists(dir, "pagemap-shmem-78.img"));
	CHECK(count_prefix(dir, "pagemap-shmem-") == 1);
	CHECK(count_prefix(dir, "pages-") == 2);	/* the process's, the object's */
	FILES(&files, dir);
	CHECK(files.ok && files.n == 3 && files_of_type(&files, FD_TYPES__REG) == 3);
	CHECK(reg_files_at(&files, "/dev/zero (deleted)") == 0);
	CHECK(!memmem(files.data, files.len, "/dev/zero", 9));
	img_drop(&mm);
	img_drop(&pm);
	img_drop(&files);
	rmtree(dir);

	/* Again, the process that maps it having problems: no object. */
	strcpy(p[0].problems, "a problem");
	set.nprocs = 2;
	CHECK(mkdtemp(dir2) != NULL);
	CHECK(ci_write(dk, &set, dir2, err, sizeof(err)) == 1);
	CHECK(exists(dir2, "mm-300.img") && !exists(dir2, "mm-200.img"));
	CHECK(!exists(dir2, "pagemap-shmem-77.img"));
	CHECK(count_prefix(dir2, "pagemap-shmem-") == 0);
	CHECK(count_prefix(dir2, "pages-") == 1);	/* process 300's */
	rmtree(dir2);
	if (dk)
		dk_close(dk);
	img_free(&m);
}

/* ---- Process trees ---- */

TEST(criuimg_writes_a_zombie_as_criu_dumps_one)
{
	/* A server (100) and its child 101 that exited with status 7, not reaped. */
	struct dp_file f = { .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p[2] = { ci_proc(100, 1, &th), ci_proc(101, 100, NULL) };
	struct dp_set set = { .procs = p, .nprocs = 2 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
	struct ciimg pstree, core;

	p[0].files = &f;
	p[0].nfiles = 1;
	p[1].nthreads = 0;
	p[1].exe = -1;
	p[1].pgid = 100;
	p[1].zombie = true;
	p[1].exit_status = 7 << 8;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 2);
	img_load(&pstree, dir, "pstree.img", MAGIC_PSTREE, &pstree_entry__descriptor);
	CHECK(pstree.ok && pstree.n == 2);
	if (pstree.n == 2) {
		const PstreeEntry *z = ENTRY(pstree, PstreeEntry, 1);

		CHECK(z->pid == 101 && z->ppid == 100 && z->pgid == 100);
		CHECK(z->n_threads == 1 && z->threads[0] == 101);
	}
	CORE(&core, dir, "core-101.img");
	CHECK(core.ok && core.n == 1);
	if (core.n == 1) {
		const CoreEntry *c = ENTRY(core, CoreEntry, 0);

		CHECK(c->tc && c->tc->task_state == 2 && c->tc->exit_code == 0x700);	/* TASK_DEAD, exit 7 */
		CHECK(!c->thread_info && !c->thread_core);			/* no thread */
	}
	CHECK(!exists(dir, "mm-101.img") && !exists(dir, "ids-101.img") &&
	      !exists(dir, "fs-101.img"));
	img_drop(&pstree);
	img_drop(&core);
	rmtree(dir);
}

TEST(criuimg_writes_itimer_real_in_us_never_rounding_a_timer_left_to_zero)
{
	static const struct { uint64_t value, interval, vsec, vusec; } c[] = {
		{ 1500000001, 50000000, 1, 500001 },	/* rounded up */
		{ 999999999, 50000000, 1, 0 },		/* to a whole second, not 1000000 us */
		{ 1, 50000000, 0, 1 },			/* 1 ns left: 1 us, still armed */
	};
	unsigned int k;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct dp_file f = { .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 };
		struct dp_thread th = ci_thread(100);
		struct dp_proc p = ci_proc(100, 1, &th);
		struct dp_set set = { .procs = &p, .nprocs = 1 };
		char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
		struct ciimg core;

		p.files = &f;
		p.nfiles = 1;
		p.itimer_real_ns = c[k].value;
		p.itimer_real_interval_ns = c[k].interval;
		CHECK(mkdtemp(dir) != NULL);
		CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
		CORE(&core, dir, "core-100.img");
		CHECK(core.ok && core.n == 1);
		if (core.n == 1) {
			const TaskCoreEntry *tc = ENTRY(core, CoreEntry, 0)->tc;
			const ItimerEntry *real = tc && tc->timers ? tc->timers->real : NULL;

			CHECK(real && real->isec == 0 && real->iusec == 50000);
			CHECK(real && real->vsec == c[k].vsec && real->vusec == c[k].vusec);
		}
		img_drop(&core);
		rmtree(dir);
	}
}

TEST(criuimg_writes_an_eventfd_with_its_counter_and_a_signalfd_with_its_mask)
{
	struct dp_file f[3] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000100, .kind = DP_EVENTFD, .flags = 02 | 04000, .mode = 0600,
		  .anon_value = 5 },
		{ .addr = 0xffff888002000200, .kind = DP_SIGNALFD, .flags = 02 | 02000000,
		  .mode = 0600, .anon_value = 1ULL << 11 },
	};
	struct dp_fd fd[2] = { { 3, 1, false }, { 4, 2, true } };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg files, fdinfo;
	const FileEntry *efd, *sfd;

	write_one(&p, f, 3, fd, 2, dir);
	FILES(&files, dir);
	FDINFO(&fdinfo, dir, "fdinfo-2.img");
	CHECK(files.ok && fdinfo.ok);
	CHECK(files_of_type(&files, FD_TYPES__EVENTFD) == 1 &&
	      files_of_type(&files, FD_TYPES__SIGNALFD) == 1);
	CHECK(fdinfo_of(&fdinfo, 3)->type == FD_TYPES__EVENTFD &&
	      fdinfo_of(&fdinfo, 4)->type == FD_TYPES__SIGNALFD);
	efd = file_of_fd(&files, &fdinfo, 3);
	sfd = file_of_fd(&files, &fdinfo, 4);
	CHECK(efd && efd->efd && sfd && sfd->sgfd);
	if (efd && efd->efd && sfd && sfd->sgfd) {
		CHECK(efd->efd->flags == (02 | 04000) && efd->efd->counter == 5);
		/* O_CLOEXEC is the fd's */
		CHECK(sfd->sgfd->flags == 02 && sfd->sgfd->sigmask == 1ULL << 11);
		CHECK(efd->efd->fown && sfd->sgfd->fown);
	}
	img_drop(&files);
	img_drop(&fdinfo);
	rmtree(dir);
}

/*
 * A pipes-data.img or fifo-data.img (magic) holding one pipe's bytes: an
 * entry for pipe_id with its byte count and capacity, then exactly those
 * bytes (so the image is not whole as entries alone).
 */
static void check_pipe_data(const char *dir, const char *name, uint32_t magic, uint32_t pipe_id,
			    const char *want, uint32_t size)
{
	struct ciimg data;
	size_t n = strlen(want);

	img_load(&data, dir, name, magic, &pipe_data_entry__descriptor);
	CHECK(data.n >= 1 && data.len > 12 && data.len == 12 + u32(data.data + 8) + n);
	if (data.n >= 1) {
		const PipeDataEntry *e = ENTRY(data, PipeDataEntry, 0);

		CHECK(e->pipe_id == pipe_id && e->bytes == n && e->has_size && e->size == size);
		CHECK(!memcmp(data.data + data.len - n, want, n));
	}
	img_drop(&data);
}

TEST(criuimg_writes_both_ends_of_a_pipe_as_one_pipe_and_its_bytes_once)
{
	static unsigned char bytes[] = "hello";
	struct dp_file f[3] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000100, .kind = DP_PIPE, .flags = 0, .ino = 555,
		  .mode = 010600, .pipe_data = bytes, .pipe_len = 5, .pipe_size = 65536 },
		{ .addr = 0xffff888002000200, .kind = DP_PIPE, .flags = 01 | 04000, .ino = 555,
		  .mode = 010600, .pipe_data = bytes, .pipe_len = 5, .pipe_size = 65536 },
	};
	struct dp_fd fd[2] = { { 3, 1, false }, { 4, 2, false } };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg files, fdinfo;
	const FileEntry *r, *w;

	write_one(&p, f, 3, fd, 2, dir);
	FILES(&files, dir);
	FDINFO(&fdinfo, dir, "fdinfo-2.img");
	CHECK(files.ok && fdinfo.ok && files_of_type(&files, FD_TYPES__PIPE) == 2);
	r = file_of_fd(&files, &fdinfo, 3);
	w = file_of_fd(&files, &fdinfo, 4);
	CHECK(r && r->pipe && w && w->pipe && r->id != w->id);
	if (r && r->pipe && w && w->pipe) {
		CHECK(r->pipe->pipe_id == 555 && w->pipe->pipe_id == 555);
		CHECK(r->pipe->flags == 0 && w->pipe->flags == (01 | 04000));
	}
	check_pipe_data(dir, "pipes-data.img", 0x56453709u, 555, "hello", 65536);
	img_drop(&files);
	img_drop(&fdinfo);
	rmtree(dir);
}

TEST(criuimg_writes_a_named_pipe_with_its_path_its_openings_and_its_bytes_once)
{
	/* /srv/q opened for reading (nonblocking) and for writing, 3 bytes unread. */
	static unsigned char bytes[] = "abc";
	struct dp_file f[3] = {
		{ .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 },
		{ .addr = 0xffff888002000100, .kind = DP_FIFO, .path = "/srv/q", .flags = 04000,
		  .ino = 77, .mode = 010644, .pipe_data = bytes, .pipe_len = 3, .pipe_size = 4096 },
		{ .addr = 0xffff888002000200, .kind = DP_FIFO, .path = "/srv/q", .flags = 01,
		  .ino = 77, .mode = 010644, .pipe_data = bytes, .pipe_len = 3, .pipe_size = 4096 },
	};
	struct dp_fd fd[2] = { { 3, 1, false }, { 4, 2, true } };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg files, fdinfo, data;
	const FileEntry *r, *w, *rp, *wp;

	write_one(&p, f, 3, fd, 2, dir);
	FILES(&files, dir);
	FDINFO(&fdinfo, dir, "fdinfo-2.img");
	CHECK(files.ok && fdinfo.ok && files_of_type(&files, FD_TYPES__FIFO) == 2);
	CHECK(fdinfo_of(&fdinfo, 3)->type == FD_TYPES__FIFO &&
	      fdinfo_of(&fdinfo, 4)->type == FD_TYPES__FIFO && fdinfo_of(&fdinfo, 4)->flags == 1);
	r = file_of_fd(&files, &fdinfo, 3);
	w = file_of_fd(&files, &fdinfo, 4);
	CHECK(r && r->fifo && w && w->fifo && r->id != w->id);
	if (r && r->fifo && w && w->fifo) {
		CHECK(r->fifo->pipe_id == 77 && w->fifo->pipe_id == 77);
		CHECK(r->fifo->has_regf_id && w->fifo->has_regf_id);
		/* Each opening's path, with its flags (close-on-exec is the fd's). */
		rp = file_by_id(&files, r->fifo->regf_id);
		wp = file_by_id(&files, w->fifo->regf_id);
		CHECK(!strcmp(reg_path(rp), "/srv/q") && !strcmp(reg_path(wp), "/srv/q"));
		CHECK(rp && rp->reg && rp->reg->flags == 04000 && wp && wp->reg &&
		      wp->reg->flags == 01);
	}
	/* The bytes once, in fifo-data.img; pipes-data.img has none. */
	check_pipe_data(dir, "fifo-data.img", 0x59333054u, 77, "abc", 4096);
	img_load(&data, dir, "pipes-data.img", 0x56453709u, &pipe_data_entry__descriptor);
	CHECK(data.ok && data.n == 0);
	img_drop(&files);
	img_drop(&fdinfo);
	img_drop(&data);
	rmtree(dir);
}

TEST(criuimg_writes_unix_sockets_with_their_peers_names_and_queues)
{
	/*
	 * A stream socketpair (inodes 30, 31) with "ping" queued to 30 and
	 * "pong!" to 31; a seqpacket listener bound to /srv/s (mode 0755,
	 * owner 1000:1000, backlog 16); an abstract datagram socket.
	 */
	static unsigned char ping[] = "ping", pong[] = "pong!";
	struct dp_unix_packet q30 = { 4, ping }, q31[2] = { { 3, pong }, { 2, pong + 3 } };
	struct dp_unix u[4] = {
		{ .type = 1, .state = 1, .peer_ino = 31, .sndbuf = 212992, .rcvbuf = 212992,
		  .packets = &q30, .npackets = 1, .passcred = true },
		{ .type = 1, .state = 1, .peer_ino = 30, .shutdown = 2, .packets = q31, .npackets = 2 },
		{ .type = 5, .state = 10, .backlog = 16, .name = "/srv/s", .namelen = 7,
		  .file_mode = 0755, .file_uid = 1000, .file_gid = 1000 },
		{ .type = 2, .state = 7, .name = "\0abs", .namelen = 4 },
	};
	struct dp_file f[5] = { { .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 } };
	struct dp_fd fd[4] = { { 3, 1, false }, { 4, 2, false }, { 5, 3, false }, { 6, 4, true } };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg files, fdinfo;
	const FileEntry *s[4];
	char got[16];
	unsigned int i;

	for (i = 0; i < 4; i++)
		f[i + 1] = (struct dp_file){ .addr = 0xffff888002000100 + i * 0x100, .kind = DP_UNIX,
					     .flags = 02, .ino = 30 + i, .mode = 0140777,
					     .unx = &u[i] };
	write_one(&p, f, 5, fd, 4, dir);
	FILES(&files, dir);
	FDINFO(&fdinfo, dir, "fdinfo-2.img");
	CHECK(files.ok && fdinfo.ok && files_of_type(&files, FD_TYPES__UNIXSK) == 4);
	for (i = 0; i < 4; i++) {
		s[i] = file_of_fd(&files, &fdinfo, 3 + i);
		CHECK(s[i] && s[i]->usk && fdinfo_of(&fdinfo, 3 + i)->type == FD_TYPES__UNIXSK);
		if (!s[i] || !s[i]->usk)
			return;
		CHECK(s[i]->usk->id == s[i]->id && s[i]->usk->ino == 30 + i);
	}
	CHECK(s[0]->usk->type == 1 && s[0]->usk->state == 1 && s[0]->usk->peer == 31);
	CHECK(s[1]->usk->peer == 30 && s[1]->usk->has_shutdown &&
	      s[1]->usk->shutdown == SK_SHUTDOWN__WRITE && !s[0]->usk->has_shutdown);
	CHECK(s[0]->usk->opts->so_sndbuf == 212992 && s[0]->usk->opts->has_so_passcred &&
	      s[0]->usk->opts->so_passcred && !s[1]->usk->opts->so_passcred);
	CHECK(s[0]->usk->name.len == 0 && !s[0]->usk->file_perms);
	CHECK(s[2]->usk->type == 5 && s[2]->usk->state == 10 && s[2]->usk->backlog == 16);
	CHECK(s[2]->usk->name.len == 7 && !memcmp(s[2]->usk->name.data, "/srv/s", 7));
	CHECK(s[2]->usk->file_perms && s[2]->usk->file_perms->mode == 0755 &&
	      s[2]->usk->file_perms->uid == 1000 && s[2]->usk->file_perms->gid == 1000);
	CHECK(s[3]->usk->name.len == 4 && !memcmp(s[3]->usk->name.data, "\0abs", 4) &&
	      !s[3]->usk->file_perms && s[3]->usk->peer == 0);
	CHECK(fdinfo_of(&fdinfo, 6)->flags == 1);

	/* The queues: to 30 one message, to 31 two, each by the receiver's id, then its bytes. */
	CHECK(queued_to(dir, s[0]->id, got, sizeof(got)) == 1 && !strcmp(got, "ping"));
	CHECK(queued_to(dir, s[1]->id, got, sizeof(got)) == 2 && !strcmp(got, "pong!"));
	CHECK(queued_to(dir, s[2]->id, got, sizeof(got)) == 0);
	img_drop(&files);
	img_drop(&fdinfo);
	rmtree(dir);
}

TEST(criuimg_writes_posix_timers_in_the_order_of_their_ids)
{
	/* Ids 5 and 2 (as the dead kernel's list had them), a thread-directed one. */
	struct dp_posix_timer pt[2] = {
		{ .id = 5, .clock = 0, .notify = 4, .notify_tid = 101, .signo = 35, .sival = 9,
		  .value_ns = 3600000000001ULL, .interval_ns = 0 },
		{ .id = 2, .clock = 1, .notify = 0, .signo = 34, .sival = 7, .overrun = 3,
		  .value_ns = 20000000, .interval_ns = 50000000 },
	};
	struct dp_file f = { .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg core;

	p.ptimers = pt;
	p.nptimers = 2;
	write_one(&p, &f, 1, NULL, 0, dir);
	CORE(&core, dir, "core-100.img");
	CHECK(core.ok && core.n == 1);
	if (core.n == 1) {
		const TaskCoreEntry *tc = ENTRY(core, CoreEntry, 0)->tc;
		const TaskTimersEntry *t = tc ? tc->timers : NULL;

		CHECK(t && t->n_posix == 2);
		if (t && t->n_posix == 2) {
			const PosixTimerEntry *a = t->posix[0], *b = t->posix[1];

			CHECK(a->it_id == 2 && a->clock_id == 1 && a->si_signo == 34 && a->sival_ptr == 7);
			CHECK(a->it_sigev_notify == 0 && a->overrun == 3 && !a->has_notify_thread_id);
			CHECK(a->isec == 0 && a->insec == 50000000 && a->vsec == 0 && a->vnsec == 20000000);
			CHECK(b->it_id == 5 && b->clock_id == 0 && b->it_sigev_notify == 4);
			CHECK(b->has_notify_thread_id && b->notify_thread_id == 101);
			CHECK(b->isec == 0 && b->insec == 0 && b->vsec == 3600 && b->vnsec == 1);
		}
	}
	img_drop(&core);
	rmtree(dir);
}

TEST(criuimg_writes_the_cpu_time_itimers_as_virt_and_prof)
{
	struct dp_file f = { .kind = DP_REG, .path = "/usr/sbin/srv", .mode = 0100755 };
	struct dp_thread th = ci_thread(100);
	struct dp_proc p = ci_proc(100, 1, &th);
	char dir[] = "/tmp/orthros-ci-XXXXXX";
	struct ciimg core;

	p.itimer_cpu_ns[0] = 500000000;		/* ITIMER_PROF: 0.5 s left, every 20 ms */
	p.itimer_cpu_interval_ns[0] = 20000000;
	p.itimer_cpu_ns[1] = 1200000000;	/* ITIMER_VIRTUAL: 1.2 s left, every 10 ms */
	p.itimer_cpu_interval_ns[1] = 10000000;
	write_one(&p, &f, 1, NULL, 0, dir);
	CORE(&core, dir, "core-100.img");
	CHECK(core.ok && core.n == 1);
	if (core.n == 1) {
		const TaskCoreEntry *tc = ENTRY(core, CoreEntry, 0)->tc;
		const TaskTimersEntry *t = tc ? tc->timers : NULL;

		CHECK(t && t->prof->iusec == 20000 && t->prof->vsec == 0 && t->prof->vusec == 500000);
		CHECK(t && t->virt->iusec == 10000 && t->virt->vsec == 1 && t->virt->vusec == 200000);
		CHECK(t && t->real->isec == 0 && t->real->iusec == 0 && t->real->vusec == 0);
	}
	img_drop(&core);
	rmtree(dir);
}
