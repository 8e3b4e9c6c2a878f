// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcriuimg on made-up processes: the images CRIU restores from exist,
 * are framed as CRIU frames them, and a process with problems is left out;
 * read back with a tiny protobuf decoder, a file shared by fds and
 * processes is one entry, IPv4 and IPv6 sockets carry their addresses,
 * epoll what it watches, and shared anonymous memory its own pages.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

/* ---- Reading the images back: a tiny protobuf decoder ---- */

#define NOVAL UINT64_MAX	/* a field that is not there (or not a varint) */

/* A protobuf message: its bytes. */
struct pbm {
	const unsigned char *p;
	size_t len;
};

/* A field: its number, wire type, value (varint, fixed) or bytes (length-delimited). */
struct pbf {
	unsigned int num, wire;
	uint64_t v;
	struct pbm sub;
};

static bool rd_varint(struct pbm m, size_t *off, uint64_t *v)
{
	unsigned int shift;

	*v = 0;
	for (shift = 0; shift < 64 && *off < m.len; shift += 7) {
		unsigned char b = m.p[(*off)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* The field at *off, moving past it: 1, 0 at the end, -1 if malformed. */
static int rd_field(struct pbm m, size_t *off, struct pbf *f)
{
	uint64_t key;

	if (*off >= m.len)
		return 0;
	if (!rd_varint(m, off, &key) || !(key >> 3))
		return -1;
	f->num = key >> 3;
	f->wire = key & 7;
	f->v = 0;
	f->sub = (struct pbm){ NULL, 0 };
	switch (f->wire) {
	case 0:
		return rd_varint(m, off, &f->v) ? 1 : -1;
	case 1:
	case 5: {
		size_t n = f->wire == 1 ? 8 : 4;

		if (m.len - *off < n)
			return -1;
		memcpy(&f->v, m.p + *off, n);
		*off += n;
		return 1;
	}
	case 2:
		if (!rd_varint(m, off, &f->v) || f->v > m.len - *off)
			return -1;
		f->sub = (struct pbm){ m.p + *off, f->v };
		*off += f->v;
		return 1;
	}
	return -1;
}

/* Is m protobuf through its last byte? */
static bool pb_ok(struct pbm m)
{
	struct pbf f;
	size_t off = 0;
	int r;

	while ((r = rd_field(m, &off, &f)) > 0)
		;
	return r == 0;
}

/* How many times field num occurs in m. */
static unsigned int pb_count(struct pbm m, unsigned int num)
{
	unsigned int n = 0;
	struct pbf f;
	size_t off = 0;

	while (rd_field(m, &off, &f) > 0)
		n += f.num == num;
	return n;
}

/* The k-th occurrence (from 0) of field num. */
static bool pb_get(struct pbm m, unsigned int num, unsigned int k, struct pbf *f)
{
	size_t off = 0;

	while (rd_field(m, &off, f) > 0)
		if (f->num == num && !k--)
			return true;
	return false;
}

/* The k-th varint of field num, or NOVAL. */
static uint64_t pb_un(struct pbm m, unsigned int num, unsigned int k)
{
	struct pbf f;

	return pb_get(m, num, k, &f) && f.wire == 0 ? f.v : NOVAL;
}

/* A varint field that occurs once, or NOVAL. */
static uint64_t pb_u(struct pbm m, unsigned int num)
{
	return pb_count(m, num) == 1 ? pb_un(m, num, 0) : NOVAL;
}

/* The k-th nested message (or bytes) of field num; empty if there is none. */
static struct pbm pb_subn(struct pbm m, unsigned int num, unsigned int k)
{
	struct pbf f;

	return pb_get(m, num, k, &f) && f.wire == 2 ? f.sub : (struct pbm){ NULL, 0 };
}

static struct pbm pb_sub(struct pbm m, unsigned int num)
{
	return pb_count(m, num) == 1 ? pb_subn(m, num, 0) : (struct pbm){ NULL, 0 };
}

/* Is field num (once) the string s? */
static bool pb_str_is(struct pbm m, unsigned int num, const char *s)
{
	struct pbm v = pb_sub(m, num);

	return v.p && v.len == strlen(s) && !memcmp(v.p, s, v.len);
}

TEST(criuimg_test_decoder_reads_fields_and_nested_messages)
{
	/* {1: 150, 2: {1: 3, 1: 4}, 3: "ab", 4: fixed32 7, 1: 300} */
	static const unsigned char b[] = {
		0x08, 0x96, 0x01, 0x12, 0x04, 0x08, 0x03, 0x08, 0x04, 0x1a, 0x02, 'a', 'b',
		0x25, 0x07, 0x00, 0x00, 0x00, 0x08, 0xac, 0x02,
	};
	struct pbm m = { b, sizeof(b) }, sub = pb_sub(m, 2);

	CHECK(pb_ok(m) && pb_count(m, 1) == 2 && pb_un(m, 1, 0) == 150 && pb_un(m, 1, 1) == 300);
	CHECK(pb_u(m, 1) == NOVAL && pb_un(m, 1, 2) == NOVAL);	/* twice; no third */
	CHECK(pb_ok(sub) && pb_count(sub, 1) == 2 && pb_un(sub, 1, 1) == 4);
	CHECK(pb_str_is(m, 3, "ab") && !pb_str_is(m, 3, "a"));
	CHECK(pb_u(m, 4) == NOVAL && pb_count(m, 4) == 1);	/* not a varint */
	CHECK(pb_u(m, 5) == NOVAL && pb_sub(m, 5).p == NULL);
	CHECK(!pb_ok((struct pbm){ b, 4 }));			/* cut inside field 2 */
	CHECK(!pb_ok((struct pbm){ b, 2 }));			/* cut inside a varint */
}

/* ---- Image files ---- */

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

/* An image and its entries, each a protobuf message. */
struct ciimg {
	unsigned char *data;
	size_t len;
	struct pbm e[64];
	unsigned int n;
	bool ok;	/* there, both magics right, framed through its end */
};

static void img_load(struct ciimg *im, const char *dir, const char *name, uint32_t magic)
{
	size_t off = 8;

	memset(im, 0, sizeof(*im));
	im->data = load(dir, name, &im->len);
	if (!im->data || im->len < 8 || u32(im->data) != 0x54564319 || u32(im->data + 4) != magic)
		return;
	while (off + 4 <= im->len && im->n < 64) {
		uint32_t n = u32(im->data + off);

		if (n > im->len - off - 4)
			return;
		im->e[im->n] = (struct pbm){ im->data + off + 4, n };
		if (!pb_ok(im->e[im->n++]))
			return;
		off += 4 + n;
	}
	im->ok = off == im->len;
}

static void img_drop(struct ciimg *im)
{
	free(im->data);
	im->data = NULL;
}

#define MAGIC_MM	0x57492820u
#define MAGIC_PAGEMAP	0x56084025u
#define MAGIC_FILES	0x56303138u
#define MAGIC_FDINFO	0x56213732u
#define MAGIC_TCP_STREAM 0x51465506u

/* files.img: entries of a type (file_entry.type). */
static unsigned int files_of_type(const struct ciimg *files, uint64_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < files->n; i++)
		n += pb_u(files->e[i], 1) == type;
	return n;
}

/* files.img: the entry with id, if exactly one has it. */
static struct pbm file_by_id(const struct ciimg *files, uint64_t id)
{
	struct pbm found = { NULL, 0 };
	unsigned int i, n = 0;

	for (i = 0; i < files->n; i++)
		if (pb_u(files->e[i], 2) == id) {
			found = files->e[i];
			n++;
		}
	return n == 1 ? found : (struct pbm){ NULL, 0 };
}

/* files.img: how many regular files have path. */
static unsigned int reg_files_at(const struct ciimg *files, const char *path)
{
	unsigned int i, n = 0;

	for (i = 0; i < files->n; i++)
		n += pb_u(files->e[i], 1) == 1 && pb_str_is(pb_sub(files->e[i], 3), 6, path);
	return n;
}

/* fdinfo: the entry for fd, if exactly one. */
static struct pbm fdinfo_of(const struct ciimg *fdinfo, int fd)
{
	struct pbm found = { NULL, 0 };
	unsigned int i, n = 0;

	for (i = 0; i < fdinfo->n; i++)
		if (pb_u(fdinfo->e[i], 4) == (uint64_t)fd) {
			found = fdinfo->e[i];
			n++;
		}
	return n == 1 ? found : (struct pbm){ NULL, 0 };
}

/* Remove dir and what is in it. */
static void rmtree(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);

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
	struct pbm sock, isk, e;
	uint64_t sock_id, plog, clog;
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
	img_load(&files, dir, "files.img", MAGIC_FILES);
	img_load(&fdp, dir, "fdinfo-2.img", MAGIC_FDINFO);
	img_load(&fdc, dir, "fdinfo-3.img", MAGIC_FDINFO);
	CHECK(files.ok && fdp.ok && fdc.ok);

	/* One socket, one entry. */
	CHECK(files_of_type(&files, 4) == 1);
	for (i = 0, sock = (struct pbm){ NULL, 0 }; i < files.n; i++)
		if (pb_u(files.e[i], 1) == 4)
			sock = files.e[i];
	sock_id = pb_u(sock, 2);
	CHECK(sock_id != NOVAL && sock_id != 0);
	isk = pb_sub(sock, 4);
	CHECK(pb_u(isk, 1) == sock_id);
	CHECK(pb_u(isk, 2) == 4242);
	CHECK(pb_u(isk, 3) == 10);				/* AF_INET6 */
	CHECK(pb_u(isk, 4) == 1 && pb_u(isk, 5) == 6);		/* stream, TCP */
	CHECK(pb_u(isk, 6) == 10);				/* LISTEN */
	CHECK(pb_u(isk, 7) == 80 && pb_u(isk, 10) == 128);
	CHECK(pb_count(isk, 11) == 4 && pb_count(isk, 12) == 4);
	for (i = 0; i < 4; i++)
		CHECK(pb_un(isk, 11, i) == 0 && pb_un(isk, 12, i) == 0);	/* [::] */
	CHECK(pb_count(isk, 15) == 1 && pb_u(isk, 15) == 0);	/* v6only, false */

	/* Every fd of it, in both processes, names that entry. */
	CHECK(fdp.n == 3 && fdc.n == 2);
	e = fdinfo_of(&fdp, 3);
	CHECK(pb_u(e, 1) == sock_id && pb_u(e, 3) == 4 && pb_u(e, 2) == 1);
	e = fdinfo_of(&fdp, 4);
	CHECK(pb_u(e, 1) == sock_id && pb_u(e, 3) == 4 && pb_u(e, 2) == 0);
	e = fdinfo_of(&fdc, 3);
	CHECK(pb_u(e, 1) == sock_id && pb_u(e, 3) == 4);

	/* The logs are files of their own. */
	plog = pb_u(fdinfo_of(&fdp, 5), 1);
	clog = pb_u(fdinfo_of(&fdc, 6), 1);
	CHECK(plog != NOVAL && clog != NOVAL && plog != clog && plog != sock_id &&
	      clog != sock_id);
	CHECK(pb_u(fdinfo_of(&fdp, 5), 3) == 1 && pb_u(fdinfo_of(&fdc, 6), 3) == 1);
	CHECK(pb_str_is(pb_sub(file_by_id(&files, plog), 3), 6, "/var/log/parent.log"));
	CHECK(pb_str_is(pb_sub(file_by_id(&files, clog), 3), 6, "/var/log/child.log"));
	CHECK(reg_files_at(&files, "/var/log/parent.log") == 1);
	CHECK(reg_files_at(&files, "/var/log/child.log") == 1);
	CHECK(reg_files_at(&files, "/usr/sbin/srv") == 2);
	/* Executables 2, logs 2, cwd and root 4, the socket: no more. */
	CHECK(files.n == 9 && files_of_type(&files, 1) == 8);
	for (i = 0; i < files.n; i++)	/* ids unique */
		CHECK(file_by_id(&files, pb_u(files.e[i], 2)).p != NULL);
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
	struct dp_set set = { .procs = &p, .nprocs = 1 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
	struct ciimg files, fdinfo;
	struct pbm isk4, isk6;

	p.files = f;
	p.nfiles = 3;
	p.fds = fd;
	p.nfds = 2;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
	img_load(&files, dir, "files.img", MAGIC_FILES);
	img_load(&fdinfo, dir, "fdinfo-2.img", MAGIC_FDINFO);
	CHECK(files.ok && fdinfo.ok && files_of_type(&files, 4) == 2);
	isk4 = pb_sub(file_by_id(&files, pb_u(fdinfo_of(&fdinfo, 3), 1)), 4);
	isk6 = pb_sub(file_by_id(&files, pb_u(fdinfo_of(&fdinfo, 4), 1)), 4);
	CHECK(pb_u(isk4, 2) == 10 && pb_u(isk6, 2) == 11);

	CHECK(pb_u(isk4, 3) == 2 && pb_u(isk4, 7) == 8080);
	CHECK(pb_count(isk4, 11) == 1 && pb_un(isk4, 11, 0) == 0x0100007f);
	CHECK(pb_count(isk4, 12) == 1 && pb_un(isk4, 12, 0) == 0);
	CHECK(pb_count(isk4, 15) == 0);				/* no v6only */
	CHECK(pb_count(isk4, 19) == 0);				/* not shut down */

	CHECK(pb_u(isk6, 3) == 10 && pb_u(isk6, 4) == 2 && pb_u(isk6, 5) == 17);
	CHECK(pb_u(isk6, 7) == 22 && pb_u(isk6, 8) == 50000);
	CHECK(pb_count(isk6, 11) == 4 && pb_count(isk6, 12) == 4);
	CHECK(pb_un(isk6, 11, 0) == 0x000080fe && pb_un(isk6, 11, 1) == 0 &&
	      pb_un(isk6, 11, 2) == 0 && pb_un(isk6, 11, 3) == 0x01000000);
	CHECK(pb_un(isk6, 12, 0) == 0xb80d0120 && pb_un(isk6, 12, 1) == 0 &&
	      pb_un(isk6, 12, 2) == 0 && pb_un(isk6, 12, 3) == 0x02000000);
	CHECK(pb_count(isk6, 15) == 1 && pb_u(isk6, 15) == 1);	/* v6only */
	CHECK(pb_count(isk6, 19) == 1 && pb_u(isk6, 19) == 1);	/* shut down for reading */
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
		struct dp_set set = { .procs = &p, .nprocs = 1 };
		char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
		struct ciimg stream;

		p.files = f;
		p.nfiles = 2;
		p.fds = fd;
		p.nfds = 1;
		CHECK(mkdtemp(dir) != NULL);
		CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
		img_load(&stream, dir, "tcp-stream-a.img", MAGIC_TCP_STREAM);
		CHECK(stream.n >= 1);
		if (stream.n >= 1) {
			CHECK(pb_u(stream.e[0], 5) == (cases[k].mask | 4));	/* TCPI_OPT_WSCALE */
			CHECK(pb_u(stream.e[0], 6) == cases[k].snd);
			CHECK(pb_u(stream.e[0], 8) == cases[k].rcv);
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
	struct dp_set set = { .procs = &p, .nprocs = 1 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
	struct ciimg files, fdinfo;
	struct pbm ep = { NULL, 0 }, epfd, t, e;
	uint64_t id;
	unsigned int i;

	p.files = f;
	p.nfiles = 4;
	p.fds = fd;
	p.nfds = 3;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
	img_load(&files, dir, "files.img", MAGIC_FILES);
	img_load(&fdinfo, dir, "fdinfo-2.img", MAGIC_FDINFO);
	CHECK(files.ok && fdinfo.ok);
	CHECK(files_of_type(&files, 7) == 1);
	for (i = 0; i < files.n; i++)
		if (pb_u(files.e[i], 1) == 7)
			ep = files.e[i];
	id = pb_u(ep, 2);
	CHECK(id != NOVAL && id != 0);
	epfd = pb_sub(ep, 9);
	CHECK(epfd.p != NULL && pb_u(epfd, 1) == id);
	CHECK(pb_u(epfd, 2) == 2);		/* O_RDWR; close-on-exec is the fd's */
	CHECK(pb_sub(epfd, 3).p != NULL);	/* fown */
	CHECK(pb_count(epfd, 4) == 2);
	t = pb_subn(epfd, 4, 0);
	CHECK(pb_u(t, 1) == id && pb_u(t, 2) == 4 && pb_u(t, 3) == 0x19 &&
	      pb_u(t, 4) == 0x7f0000001234);
	t = pb_subn(epfd, 4, 1);
	CHECK(pb_u(t, 1) == id && pb_u(t, 2) == 10 && pb_u(t, 3) == 1 && pb_u(t, 4) == 5);

	e = fdinfo_of(&fdinfo, 7);
	CHECK(pb_u(e, 1) == id && pb_u(e, 3) == 7 && pb_u(e, 2) == 1);
	e = fdinfo_of(&fdinfo, 4);
	CHECK(pb_u(e, 3) == 1 && pb_str_is(pb_sub(file_by_id(&files, pb_u(e, 1)), 3), 6, "/var/a"));
	e = fdinfo_of(&fdinfo, 10);
	CHECK(pb_u(e, 3) == 1 && pb_str_is(pb_sub(file_by_id(&files, pb_u(e, 1)), 3), 6, "/var/b"));
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
	struct pbm v, head, e;
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
	img_load(&mm, dir, "mm-200.img", MAGIC_MM);
	CHECK(mm.ok && mm.n == 1 && pb_count(mm.e[0], 14) == 2);
	v = pb_subn(mm.e[0], 14, 0);
	CHECK(pb_u(v, 1) == 0x7f0000000000 && pb_u(v, 2) == 0x7f0000003000);
	CHECK(pb_u(v, 3) == 0 && pb_u(v, 4) == 77);
	CHECK(pb_u(v, 5) == 3 && pb_u(v, 6) == 0x21 && pb_u(v, 7) == 0x101);
	CHECK(pb_count(v, 10) == 0);			/* no fdflags: not a file */
	v = pb_subn(mm.e[0], 14, 1);
	CHECK(pb_u(v, 1) == 0x7f0000010000 && pb_u(v, 2) == 0x7f0000011000);
	CHECK(pb_u(v, 3) == 2 * 4096 && pb_u(v, 4) == 77);
	CHECK(pb_u(v, 5) == 1 && pb_u(v, 6) == 0x21 && pb_u(v, 7) == 0x101);

	/* Its pagemap, by offset in the object, and its pages. */
	img_load(&pm, dir, "pagemap-shmem-77.img", MAGIC_PAGEMAP);
	CHECK(pm.ok && pm.n == 3);
	head = pm.e[0];
	pages_id = pb_u(head, 1);
	CHECK(pages_id != NOVAL && pages_id != 2 && pb_count(head, 2) == 0);
	e = pm.e[1];
	CHECK(pb_u(e, 1) == 0 && pb_u(e, 2) == 2 && pb_u(e, 4) == 4);
	e = pm.e[2];
	CHECK(pb_u(e, 1) == 8192 && pb_u(e, 2) == 1 && pb_u(e, 4) == 4);
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
	img_load(&files, dir, "files.img", MAGIC_FILES);
	CHECK(files.ok && files.n == 3 && files_of_type(&files, 1) == 3);
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
	struct pbm tc;

	p[0].files = &f;
	p[0].nfiles = 1;
	p[1].nthreads = 0;
	p[1].exe = -1;
	p[1].pgid = 100;
	p[1].zombie = true;
	p[1].exit_status = 7 << 8;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 2);
	img_load(&pstree, dir, "pstree.img", 0x50273030);
	CHECK(pstree.ok && pstree.n == 2);
	if (pstree.n == 2) {
		CHECK(pb_u(pstree.e[1], 1) == 101 && pb_u(pstree.e[1], 2) == 100);
		CHECK(pb_u(pstree.e[1], 3) == 100 && pb_count(pstree.e[1], 5) == 1 &&
		      pb_u(pstree.e[1], 5) == 101);
	}
	img_load(&core, dir, "core-101.img", 0x55053847);
	CHECK(core.ok && core.n == 1);
	if (core.n == 1) {
		tc = pb_sub(core.e[0], 3);
		CHECK(pb_u(tc, 1) == 2 && pb_u(tc, 2) == 0x700);	/* TASK_DEAD, exit 7 */
		CHECK(pb_count(core.e[0], 2) == 0 && pb_count(core.e[0], 5) == 0);	/* no thread */
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
		struct pbm real;

		p.files = &f;
		p.nfiles = 1;
		p.itimer_real_ns = c[k].value;
		p.itimer_real_interval_ns = c[k].interval;
		CHECK(mkdtemp(dir) != NULL);
		CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
		img_load(&core, dir, "core-100.img", 0x55053847);
		CHECK(core.ok && core.n == 1);
		if (core.n == 1) {
			real = pb_sub(pb_sub(pb_sub(core.e[0], 3), 7), 1);	/* tc, timers, real */
			CHECK(pb_u(real, 1) == 0 && pb_u(real, 2) == 50000);
			CHECK(pb_u(real, 3) == c[k].vsec && pb_u(real, 4) == c[k].vusec);
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
	struct dp_set set = { .procs = &p, .nprocs = 1 };
	char dir[] = "/tmp/orthros-ci-XXXXXX", err[256];
	struct ciimg files, fdinfo;
	struct pbm efd, sfd;

	p.files = f;
	p.nfiles = 3;
	p.fds = fd;
	p.nfds = 2;
	CHECK(mkdtemp(dir) != NULL);
	CHECK(ci_write(NULL, &set, dir, err, sizeof(err)) == 1);
	img_load(&files, dir, "files.img", MAGIC_FILES);
	img_load(&fdinfo, dir, "fdinfo-2.img", MAGIC_FDINFO);
	CHECK(files.ok && fdinfo.ok);
	CHECK(files_of_type(&files, 6) == 1 && files_of_type(&files, 9) == 1);
	CHECK(pb_u(fdinfo_of(&fdinfo, 3), 3) == 6 && pb_u(fdinfo_of(&fdinfo, 4), 3) == 9);
	efd = pb_sub(file_by_id(&files, pb_u(fdinfo_of(&fdinfo, 3), 1)), 8);
	sfd = pb_sub(file_by_id(&files, pb_u(fdinfo_of(&fdinfo, 4), 1)), 10);
	CHECK(pb_u(efd, 2) == (02 | 04000) && pb_u(efd, 4) == 5);
	CHECK(pb_u(sfd, 2) == 02 && pb_u(sfd, 4) == 1ULL << 11);	/* O_CLOEXEC is the fd's */
	CHECK(pb_count(efd, 3) == 1 && pb_count(sfd, 3) == 1);		/* fown */
	img_drop(&files);
	img_drop(&fdinfo);
	rmtree(dir);
}
