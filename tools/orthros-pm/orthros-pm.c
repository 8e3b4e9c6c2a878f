// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthros-pm: process migration. Run in the surviving kernel (a kdump
 * kernel, or the BackupOS) after file-cache migration: reads the protected
 * processes of the dead kernel from its memory, writes CRIU images and
 * has CRIU re-create them with their PIDs. Each process tree (a protected
 * process and its descendants) has its own images and its own restore, so
 * one that fails does not hold back the others.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/criuimg.h"
#include "../../lib/deadkernel.h"
#include "../../lib/deadproc.h"
#include "../../lib/fileident.h"
#include "../../lib/tcpreset.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: orthros-pm [OPTIONS]\n"
		"\n"
		"Re-create the protected processes of a dead kernel (orthrosctl protect/run\n"
		"there) in this kernel, with their PIDs: read their threads, registers, FPU\n"
		"state, signals, credentials, memory and files from the dead kernel's memory,\n"
		"write CRIU images, and run 'criu restore'. A process that cannot be carried\n"
		"over completely, or whose open files here are not the very files it had, is\n"
		"reported and not resumed, with the rest of its process tree. Each process\n"
		"tree is restored on its own (images in DIR/PID, PID its root's), so one that\n"
		"fails does not hold back the others. The TCP connections of a process not\n"
		"resumed are reset, so that their peers do not wait on them. Run it after\n"
		"orthros-fcm, so no process reads stale file data.\n"
		"\n"
		"  --vmcore FILE   the dead kernel's memory, an ELF core (default /proc/vmcore)\n"
		"  --btf FILE      BTF of the dead kernel's build (default: this kernel's, if\n"
		"                  it is the same build)\n"
		"  --symbols FILE  its kallsyms or System.map (default /proc/kallsyms, same rule)\n"
		"  --images DIR    where the CRIU images go, emptied of old ones first\n"
		"                  (default /var/lib/orthros/pm)\n"
		"  --list          only show what was read; write and restore nothing\n"
		"  --no-restore    write the images but do not run criu\n"
		"  --no-reset      do not reset the connections of processes not resumed\n"
		"  --restore-only  restore the images an earlier --no-restore wrote in DIR;\n"
		"                  the dead kernel is not read\n"
		"  --migrated MOUNT  a disk taken over from the dead OS, its file cache\n"
		"                  written back (orthros-fcm): a file there is the dead one\n"
		"                  if its inode and generation are; elsewhere (another copy\n"
		"                  of a root image) only if neither copy changed. Repeat it\n"
		"                  for each such disk.\n"
		"  --replaced FILE   orthros-fcm's record (--replaced) of the files of such\n"
		"                  a disk it re-created, the journal never having had them:\n"
		"                  each new inode stands for the dead one. Repeatable.\n"
		"  --json FILE     also write the figures as JSON\n"
		"  -h, --help      this text\n"
		"\n"
		"Exit status: 0 every protected process restored (or listed), 1 some not,\n"
		"2 bad usage or the dead kernel cannot be read.\n"
		"The JSON has: processes, not_restorable, trees (with images), restored and\n"
		"failed_trees, pages (4 KiB pages in the images), read_ms, write_ms,\n"
		"criu_ms, ok.\n");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void show(const struct dp_set *set)
{
	unsigned int i, j;

	for (i = 0; i < set->nprocs; i++) {
		const struct dp_proc *p = &set->procs[i];

		if (p->zombie) {
			printf("pm: process %d (%s) parent %d: a zombie, exit status 0x%x\n", p->pid,
			       p->comm, p->ppid, p->exit_status);
			continue;
		}
		printf("pm: process %d (%s) parent %d: %u threads, %u VMAs, %llu pages, %u fds, cwd %s\n",
		       p->pid, p->comm, p->ppid, p->nthreads, p->nvmas,
		       (unsigned long long)p->npages, p->nfds, p->cwd);
		for (j = 0; j < p->nthreads; j++) {
			const struct dp_thread *t = &p->threads[j];

			if (t->syscall == DP_SYSCALL_RESTART)
				printf("pm:   thread %d: in system call %llu, to be restarted\n",
				       t->tid, (unsigned long long)t->regs.orig_ax);
			else if (t->syscall == DP_SYSCALL_COMPLETED)
				printf("pm:   thread %d: in system call %llu, completed: %llu bytes done\n",
				       t->tid, (unsigned long long)t->regs.orig_ax,
				       (unsigned long long)t->regs.ax);
			else if ((int64_t)t->regs.orig_ax >= 0)
				printf("pm:   thread %d: returning from system call %llu (result %lld)\n",
				       t->tid, (unsigned long long)t->regs.orig_ax,
				       (long long)t->regs.ax);
			else
				printf("pm:   thread %d: in user code at 0x%llx\n", t->tid,
				       (unsigned long long)t->regs.ip);
			if (t->pending)
				printf("pm:   thread %d: pending signals 0x%llx, %u queued\n", t->tid,
				       (unsigned long long)t->pending,
				       t->nsiginfo + (j ? 0 : p->nshared_siginfo));
		}
		for (j = 0; j < p->nfiles; j++) {
			const struct dp_inet *in = p->files[j].inet;
			const struct dp_tcp *t = in ? in->tcp : NULL;

			if (!in)
				continue;
			printf("pm:   socket %s port %u -> %u, state %u", in->proto == 6 ? "tcp" : "udp",
			       in->src_port, in->dst_port, in->state);
			if (t)
				printf(": in %u bytes, out %u (%u unsent), wscale %u/%u, mss %u, windows snd %u rcv %u, options 0x%x",
				       t->inq_len, t->outq_len, t->unsq_len, t->snd_wscale, t->rcv_wscale,
				       t->mss_clamp, t->snd_wnd, t->rcv_wnd, t->opt_mask);
			printf("\n");
		}
		if (p->problems[0])
			printf("pm:   NOT restorable: %s\n", p->problems);
	}
}

/*
 * The survivor must have every file a process had open or mapped, and the
 * very file (lib/fileident.h): CRIU re-opens them by path, as root.
 */
static void check_files(struct dp_set *set, const struct fi_migrated *m)
{
	unsigned int i, j;
	char why[256];

	for (i = 0; i < set->nprocs; i++) {
		struct dp_proc *p = &set->procs[i];

		if (p->zombie)		/* no files, no working directory */
			continue;
		for (j = 0; j < p->nfiles; j++) {
			const struct dp_file *f = &p->files[j];

			if ((f->kind == DP_REG || f->kind == DP_FIFO) &&
			    fi_check(f, m, why, sizeof(why)))
				dp_problem(p, "%s: %s", f->path, why);
			/* A socket bound to a path is bound again in the very folder. */
			if (f->kind == DP_UNIX && f->unx && f->unx->dir &&
			    fi_check(f->unx->dir, m, why, sizeof(why)))
				dp_problem(p, "Unix socket %s: its folder %s: %s", f->unx->name,
					   f->unx->dir->path, why);
		}
		if (p->cwd_file.kind == DP_REG && fi_check(&p->cwd_file, m, why, sizeof(why)))
			dp_problem(p, "working directory %s: %s", p->cwd, why);
	}
}

static bool holds(const struct dp_proc *p, uint64_t file)
{
	unsigned int j;

	for (j = 0; j < p->nfiles; j++)
		if (p->files[j].addr == file)
			return true;
	return false;
}

/* Whether a process to be resumed (or, before index end, one not) holds file. */
static bool held_by(const struct dp_set *set, unsigned int end, bool resumed, uint64_t file)
{
	unsigned int i;

	for (i = 0; i < end; i++)
		if (!set->procs[i].problems[0] == resumed && holds(&set->procs[i], file))
			return true;
	return false;
}

/*
 * Reset each TCP connection of the processes that will not be resumed
 * (lib/tcpreset.c), once, unless a resumed process has the same socket.
 * How many were reset.
 */
static unsigned int reset_left_behind(const struct dp_set *set)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < set->nprocs; i++) {
		const struct dp_proc *p = &set->procs[i];

		for (j = 0; p->problems[0] && j < p->nfiles; j++) {
			const struct dp_file *f = &p->files[j];

			if (!f->inet || !f->inet->tcp || held_by(set, set->nprocs, true, f->addr) ||
			    held_by(set, i, false, f->addr))
				continue;
			if (tr_send(f->inet)) {
				fprintf(stderr, "orthros-pm: process %d: TCP port %u -> %u: no reset: %s\n",
					p->pid, f->inet->src_port, f->inet->dst_port, strerror(errno));
				continue;
			}
			printf("pm: process %d (%s) not resumed: its TCP connection port %u -> %u reset\n",
			       p->pid, p->comm, f->inet->src_port, f->inet->dst_port);
			n++;
		}
	}
	return n;
}

/* Remove the images (and CRIU's log) an earlier run left in dir. */
static void empty_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			empty_dir(sub);
			rmdir(sub);
		} else if ((n > 4 && !strcmp(e->d_name + n - 4, ".img")) ||
			   !strcmp(e->d_name, "restore.log")) {
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

/* Make dir and its parents; empty it of images an earlier run left (they would mix in). */
static int image_dir(const char *dir)
{
	char path[4096], *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return -1;
	empty_dir(dir);
	return access(dir, W_OK);
}

/*
 * criu restore, detached: the processes are left running when it exits.
 * Established TCP connections come back through TCP_REPAIR.
 */
static int restore(const char *dir, bool tcp)
{
	char *argv[] = {
		"criu", "restore", "-D", (char *)dir, "--restore-detached", "--shell-job",
		"-v4", "-o", "restore.log", tcp ? "--tcp-established" : NULL, NULL,
	};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "orthros-pm: criu: %s\n", strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The process of set that p descends from and whose parent is not in set. */
/* Text inside a JSON string: what would need escaping becomes '?'. */
static void json_chars(FILE *f, const char *s, size_t max)
{
	for (; max-- && *s; s++)
		fputc(*s == '"' || *s == '\\' || (unsigned char)*s < ' ' ? '?' : *s, f);
}

/* "PID (comm): problems | ..." of the processes left behind. */
static void json_not_restored(FILE *f, const struct dp_set *set)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < set->nprocs; i++) {
		const struct dp_proc *p = &set->procs[i];

		if (!p->problems[0])
			continue;
		fprintf(f, "%s%d (", sep, p->pid);
		json_chars(f, p->comm, sizeof(p->comm));
		fprintf(f, "): ");
		json_chars(f, p->problems, sizeof(p->problems));
		sep = " | ";
	}
}

struct totals {
	unsigned int trees, procs, restored, failed_trees, reset;
	uint64_t pages;
};

/* Images of each tree in DIR/ROOT-PID; the tree's processes stay in set order. */
static int write_trees(struct dk *dk, const struct dp_set *set, const char *dir,
		       struct totals *t)
{
	struct dp_set sub = { .procs = calloc(set->nprocs, sizeof(*sub.procs)),
			      .shmems = set->shmems, .nshmems = set->nshmems };
	unsigned int i, j;
	int rc = 0;

	if (!sub.procs)
		return -1;
	for (i = 0; i < set->nprocs; i++) {
		const struct dp_proc *root = &set->procs[i];
		char tdir[4096], err[512];
		int n;

		if (dp_tree_root(set, root) != root)
			continue;
		sub.nprocs = 0;
		for (j = 0; j < set->nprocs; j++)
			if (dp_tree_root(set, &set->procs[j]) == root) {
				sub.procs[sub.nprocs++] = set->procs[j];
				t->pages += set->procs[j].problems[0] ? 0 : set->procs[j].npages;
			}
		snprintf(tdir, sizeof(tdir), "%s/%d", dir, root->pid);
		if (mkdir(tdir, 0700) && errno != EEXIST) {
			fprintf(stderr, "orthros-pm: %s: %s\n", tdir, strerror(errno));
			rc = 1;
			continue;
		}
		n = ci_write(dk, &sub, tdir, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "orthros-pm: tree of %d: writing images: %s\n", root->pid, err);
			rc = 1;
			continue;
		}
		if (!n) {
			/* Nothing of it can be restored: no images to restore. */
			empty_dir(tdir);
			rmdir(tdir);
			printf("pm: tree of %d: none of its %u processes can be restored\n", root->pid,
			       sub.nprocs);
			continue;
		}
		t->trees++;
		t->procs += n;
		printf("pm: tree of %d: images of %d of %u processes in %s\n", root->pid, n,
		       sub.nprocs, tdir);
	}
	free(sub.procs);
	return rc;
}

static bool has_file(const char *dir, const char *prefix)
{
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);

	while (d && !found && (e = readdir(d)))
		found = !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return found;
}

/* The last lines of a log in dir, on stderr: why CRIU failed, where it is read. */
static void log_tail(const char *dir, const char *name, int lines)
{
	char path[4096 + 64], line[1024];
	char (*ring)[1024] = calloc(lines, sizeof(*ring));
	int n = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f || !ring) {
		free(ring);
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f))
		snprintf(ring[n++ % lines], sizeof(ring[0]), "%s", line);
	fclose(f);
	for (i = n > lines ? n - lines : 0; i < n; i++)
		fprintf(stderr, "  | %s", ring[i % lines]);
	free(ring);
}

/* Restore every tree whose images are in DIR, each on its own. */
static int restore_trees(const char *dir, struct totals *t)
{
	struct dirent **e;
	int i, n, rc = 0;

	n = scandir(dir, &e, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "orthros-pm: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++) {
		char tdir[4096];
		double t0;
		int r;

		snprintf(tdir, sizeof(tdir), "%s/%s", dir, e[i]->d_name);
		if (e[i]->d_name[0] == '.' || !has_file(tdir, "inventory.img"))
			continue;
		t0 = now_ms();
		r = restore(tdir, has_file(tdir, "tcp-stream-"));
		if (r) {
			fprintf(stderr, "orthros-pm: tree of %s: criu restore failed (exit %d), log: %s/restore.log\n",
				e[i]->d_name, r, tdir);
			log_tail(tdir, "restore.log", 25);
			t->failed_trees++;
			rc = 1;
		} else {
			printf("pm: tree of %s restored (criu %.0f ms)\n", e[i]->d_name, now_ms() - t0);
			t->restored++;
		}
	}
	for (i = 0; i < n; i++)
		free(e[i]);
	free(e);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmcore", required_argument, NULL, 'v' },
		{ "btf", required_argument, NULL, 'b' },
		{ "symbols", required_argument, NULL, 's' },
		{ "images", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, 'j' },
		{ "migrated", required_argument, NULL, 'm' },
		{ "replaced", required_argument, NULL, 'R' },
		{ "list", no_argument, NULL, 'l' },
		{ "no-restore", no_argument, NULL, 'n' },
		{ "no-reset", no_argument, NULL, 'N' },
		{ "restore-only", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dk_sources src = { NULL, NULL, NULL };
	const char *dir = "/var/lib/orthros/pm", *json = NULL;
	bool only_list = false, no_restore = false, only_restore = false, no_reset = false;
	double t0, t1, t2, t3;
	struct dp_set set = { .procs = NULL };
	struct totals t = { 0 };
	unsigned int i, bad = 0;
	struct fi_migrated migrated = { .n = 0 };
	struct dk *dk = NULL;
	char err[512];
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': src.core = optarg; break;
		case 'b': src.btf = optarg; break;
		case 's': src.symbols = optarg; break;
		case 'i': dir = optarg; break;
		case 'j': json = optarg; break;
		case 'm':
			if (fi_add_migrated(&migrated, optarg, err, sizeof(err))) {
				fprintf(stderr, "orthros-pm: --migrated %s\n", err);
				return 2;
			}
			break;
		case 'R':
			if (fi_add_replaced(&migrated, optarg, err, sizeof(err))) {
				fprintf(stderr, "orthros-pm: --replaced %s\n", err);
				fi_migrated_free(&migrated);
				return 2;
			}
			break;
		case 'l': only_list = true; break;
		case 'n': no_restore = true; break;
		case 'N': no_reset = true; break;
		case 'r': only_restore = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (only_restore && (only_list || no_restore))) {
		usage(stderr);
		return 2;
	}
	t0 = t1 = t2 = now_ms();
	if (only_restore)
		goto restore;
	if (dk_open(&dk, &src, err, sizeof(err))) {
		fprintf(stderr, "orthros-pm: %s\n", err);
		return 2;
	}
	if (dp_read_protected(dk, &set)) {
		fprintf(stderr, "orthros-pm: reading the protected processes: %s\n", dk_error(dk));
		dk_close(dk);
		return 2;
	}
	check_files(&set, &migrated);
	dp_refuse_broken_trees(&set);
	t1 = now_ms();
	printf("pm: %u protected processes in the dead kernel (read in %.0f ms)\n", set.nprocs,
	       t1 - t0);
	show(&set);
	for (i = 0; i < set.nprocs; i++)
		bad += !!set.procs[i].problems[0];
	if (only_list)
		goto out;
	if (image_dir(dir)) {
		fprintf(stderr, "orthros-pm: %s: %s\n", dir, strerror(errno));
		rc = 2;
		goto out;
	}
	rc = write_trees(dk, &set, dir, &t);
	if (!no_reset)
		t.reset = reset_left_behind(&set);
	t2 = now_ms();
	printf("pm: images of %u processes in %u trees, %llu pages, in %s (%.0f ms)\n", t.procs,
	       t.trees, (unsigned long long)t.pages, dir, t2 - t1);
	if (no_restore)
		goto out;
restore:
	if (restore_trees(dir, &t))
		rc = rc ?: 1;
out:
	t3 = now_ms();
	if (bad) {
		printf("pm: %u processes not restored (see above)\n", bad);
		rc = rc ?: 1;
	}
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f || fprintf(f, "{\"processes\": %u, \"not_restorable\": %u, \"trees\": %u, "
				  "\"restored\": %u, \"failed_trees\": %u, \"reset\": %u, \"pages\": %llu, "
				  "\"read_ms\": %.1f, \"write_ms\": %.1f, \"criu_ms\": %.1f, \"ok\": %s, "
				  "\"not_restored\": \"",
				  set.nprocs, bad, t.trees, t.restored, t.failed_trees, t.reset,
				  (unsigned long long)t.pages, t1 - t0, t2 - t1, t3 - t2,
				  rc ? "false" : "true") < 0 ||
		    (json_not_restored(f, &set), fprintf(f, "\"}\n") < 0) || fclose(f))
			fprintf(stderr, "orthros-pm: %s: cannot write\n", json);
	}
	dp_set_free(&set);
	fi_migrated_free(&migrated);
	if (dk)
		dk_close(dk);
	return rc;
}
