// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcriuimg on a made-up process: the images CRIU restores from exist,
 * are framed as CRIU frames them, and a process with problems is left out.
 */
#define _GNU_SOURCE
#include <fcntl.h>
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
		{ .kind = DP_REG, .path = "/bin/true", .mode = 0100755 },
		{ .kind = DP_REG, .path = "/dev/null", .flags = 2, .mode = 020666 },
	};
	struct dp_fd fd = { 0, 1, true };
	struct dp_vma vma = { 0x10000, 0x20000, 0, 3, -1, false, false, false, false };
	struct dp_thread th = { .tid = 100, .comm = "work", .regs = { .cs = 0x33, .ss = 0x2b } };
	struct dp_proc p[2] = { {
		.pid = 100, .ppid = 1, .pgid = 100, .sid = 100, .comm = "work",
		.threads = &th, .nthreads = 1, .exe = 0, .vmas = &vma, .nvmas = 1,
		.files = files, .nfiles = 2, .fds = &fd, .nfds = 1, .cwd = "/", .root = "/",
	} };
	struct dp_set set = { p, 2 };
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
	struct dp_vma vma = { 0x10000000, 0x20000000, 0, 3, -1, false, false, false, false };
	struct dp_thread th = { .tid = 7, .comm = "big", .regs = { .cs = 0x33, .ss = 0x2b } };
	struct dp_proc p = {
		.pid = 7, .ppid = 1, .pgid = 7, .sid = 7, .comm = "big", .threads = &th,
		.nthreads = 1, .exe = 0, .vmas = &vma, .nvmas = 1, .files = &file, .nfiles = 1,
		.pages = run, .npages_runs = 2, .npages = 335, .cwd = "/", .root = "/",
	};
	struct dp_set set = { &p, 1 };
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
