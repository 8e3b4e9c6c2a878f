// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthros-fcm: file-cache migration. Run in the surviving kernel (a kdump
 * kernel, or the BackupOS) after the dead kernel's disk is mounted at the
 * same path: writes every page the dead kernel had not written back.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/deadkernel.h"
#include "../../lib/filecache.h"
#include "../../lib/fileident.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: orthros-fcm [OPTIONS] MOUNTPOINT\n"
		"       orthros-fcm [OPTIONS] --list\n"
		"\n"
		"Write the dirty file-cache pages of a dead kernel's ext4 file system into\n"
		"the same file system, mounted here at MOUNTPOINT (found by its UUID).\n"
		"Files still on disk get their dirty pages; files the journal never\n"
		"committed are re-created at their path from every cached page. Each file\n"
		"ends at the dead kernel's size and is fsynced. One line per file.\n"
		"\n"
		"  --vmcore FILE   the dead kernel's memory, an ELF core (default /proc/vmcore)\n"
		"  --btf FILE      BTF of the dead kernel's build (default: the running\n"
		"                  kernel's /sys/kernel/btf/vmlinux, if it is the same build)\n"
		"  --symbols FILE  its kallsyms or System.map (default /proc/kallsyms, same rule)\n"
		"  --json FILE     also write the totals and timings as JSON\n"
		"  --replaced FILE write the files re-created, one line each: UUID, the dead\n"
		"                  kernel's inode and generation, the new inode and\n"
		"                  generation (for orthros-pm --replaced)\n"
		"  --list          list the dead kernel's ext4 file systems and dirty files only\n"
		"  -h, --help      this text\n"
		"\n"
		"Exit status: 0 all written, 1 some file not written completely,\n"
		"2 bad usage, or the dead kernel or the mount cannot be read.\n");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One array's files re-created, for orthros-pm: the new inode stands for the dead one. */
static int write_recreated(FILE *f, const char *uuid, const struct fc_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (files[i].done && files[i].recreated &&
		    fprintf(f, FI_REPLACED_FMT, uuid, (unsigned long long)files[i].ino,
			    files[i].generation, (unsigned long long)files[i].new_ino,
			    files[i].new_gen) < 0)
			return -1;
	return 0;
}

/* The files and folders re-created (orthros-pm --replaced). */
static int write_replaced(const char *file, const struct fc_sb *sb)
{
	FILE *f = fopen(file, "we");
	char uuid[37];
	int ret;

	if (!f)
		return -1;
	fc_uuid_str(sb->uuid, uuid);
	ret = write_recreated(f, uuid, sb->files, sb->nfiles) ||
	      write_recreated(f, uuid, sb->dirs, sb->ndirs);
	return fclose(f) || ret ? -1 : 0;
}

static void list(const struct fc_scan *scan)
{
	char uuid[40];
	size_t i, j, k;

	for (i = 0; i < scan->nsbs; i++) {
		const struct fc_sb *sb = &scan->sbs[i];

		fc_uuid_str(sb->uuid, uuid);
		printf("ext4 %s uuid %s: %zu files cached\n", sb->id, uuid, sb->nfiles);
		for (j = 0; j < sb->nfiles; j++) {
			const struct fc_file *f = &sb->files[j];
			uint64_t pages = 0;

			for (k = 0; k < f->nfolios; k++)
				pages += f->folios[k].npages;
			printf("  %s inode %llu size %llu nlink %u: %llu dirty pages\n",
			       f->path[0] ? f->path : "(no cached name)",
			       (unsigned long long)f->ino, (unsigned long long)f->size,
			       f->nlink, (unsigned long long)pages);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmcore", required_argument, NULL, 'v' },
		{ "btf", required_argument, NULL, 'b' },
		{ "symbols", required_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "replaced", required_argument, NULL, 'R' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dk_sources src = { NULL, NULL, NULL };
	const char *json = NULL, *replaced = NULL, *mnt;
	struct fc_sb *sb = NULL;
	struct fc_totals t;
	struct fc_scan scan;
	unsigned char uuid[16];
	double t0, t1, t2;
	char err[512], us[40];
	struct dk *dk;
	bool only_list = false;
	unsigned int nsame;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': src.core = optarg; break;
		case 'b': src.btf = optarg; break;
		case 's': src.symbols = optarg; break;
		case 'j': json = optarg; break;
		case 'R': replaced = optarg; break;
		case 'l': only_list = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - !only_list) {
		usage(stderr);
		return 2;
	}
	mnt = only_list ? NULL : argv[optind];
	if (mnt && fc_mount_uuid(mnt, uuid, err, sizeof(err))) {
		fprintf(stderr, "orthros-fcm: %s\n", err);
		return 2;
	}
	t0 = now_ms();
	if (dk_open(&dk, &src, err, sizeof(err))) {
		fprintf(stderr, "orthros-fcm: %s\n", err);
		return 2;
	}
	printf("fcm: dead kernel %s\n", dk_info(dk, "OSRELEASE") ?: "(unknown release)");
	if (fc_scan(dk, &scan)) {
		fprintf(stderr, "orthros-fcm: reading the dead kernel's file cache: %s\n", dk_error(dk));
		dk_close(dk);
		return 2;
	}
	t1 = now_ms();
	if (only_list) {
		list(&scan);
		fc_scan_free(&scan);
		dk_close(dk);
		return 0;
	}
	sb = fc_find_sb(&scan, uuid, &nsame);
	fc_uuid_str(uuid, us);
	if (!sb) {
		if (nsame)
			fprintf(stderr, "orthros-fcm: the dead kernel had %u ext4 file systems with UUID %s: which one is %s cannot be told, nothing written\n",
				nsame, us, mnt);
		else
			fprintf(stderr, "orthros-fcm: the dead kernel had no ext4 file system with UUID %s (the one at %s)\n",
				us, mnt);
		fc_scan_free(&scan);
		dk_close(dk);
		return 2;
	}
	printf("fcm: %s (uuid %s) was %s in the dead kernel: %zu files cached\n",
	       mnt, us, sb->id, sb->nfiles);
	ret = fc_migrate(dk, sb, mnt, stdout, &t) ? 1 : 0;
	t2 = now_ms();
	if (ret)
		fprintf(stderr, "orthros-fcm: %s\n", dk_error(dk));
	printf("fcm: %u files: %u written (%u re-created), %u not; %llu pages, %llu bytes; replayed %u renames, %u truncates, %u unlinks, %u links; scan %.0f ms, write %.0f ms\n",
	       t.files, t.written, t.recreated, t.failed, (unsigned long long)t.pages,
	       (unsigned long long)t.bytes, t.moved, t.truncated, t.unlinked, t.linked, t1 - t0,
	       t2 - t1);
	if (replaced && write_replaced(replaced, sb)) {
		fprintf(stderr, "orthros-fcm: %s: cannot write\n", replaced);
		ret = 2;
	}
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f || fprintf(f, "{\"files\": %u, \"written\": %u, \"recreated\": %u, \"failed\": %u, "
				  "\"pages\": %llu, \"bytes\": %llu, \"moved\": %u, \"truncated\": %u, "
				  "\"unlinked\": %u, \"linked\": %u, \"scan_ms\": %.1f, \"write_ms\": %.1f}\n",
				  t.files, t.written, t.recreated, t.failed,
				  (unsigned long long)t.pages, (unsigned long long)t.bytes,
				  t.moved, t.truncated, t.unlinked, t.linked, t1 - t0, t2 - t1) < 0 ||
		    fclose(f)) {
			fprintf(stderr, "orthros-fcm: %s: cannot write\n", json);
			ret = 2;
		}
	}
	fc_scan_free(&scan);
	dk_close(dk);
	return ret;
}
