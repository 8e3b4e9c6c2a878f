// SPDX-License-Identifier: GPL-2.0-only
/*
 * A restored process gets back the very file it had, or nothing: CRIU
 * re-opened by path, as root, whatever was there (another copy of the
 * root image, another file of the same name, another user's /dev/pts/N).
 * And a process tree comes back whole or not at all: a child of a parent
 * that could not be restored was once restored on its own.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../lib/fileident.h"

static const unsigned char uuid_root[16] = { 0x6f, 0x72, 0x74, 0x6f, 0, 0, 0x40, 0,
					     0x80, 0, 0, 0, 0, 0, 0, 1 };

/* A file of the dead kernel and what is here, the same unless a test changes one. */
static void pair(struct dp_file *f, struct fi_here *h)
{
	memset(f, 0, sizeof(*f));
	memset(h, 0, sizeof(*h));
	f->kind = DP_REG;
	f->mode = h->mode = S_IFREG | 0644;
	f->ino = h->ino = 1234;
	f->generation = h->generation = 0x5eed;
	f->size = h->size = 4096;
	f->ctime_sec = h->ctime_sec = 1796000000;
	f->ctime_nsec = h->ctime_nsec = 123456789;
	memcpy(f->fs_uuid, uuid_root, 16);
	memcpy(h->fs_uuid, uuid_root, 16);
	h->has_uuid = true;
	snprintf(f->path, sizeof(f->path), "/var/lib/x");
}

TEST(fi_the_same_file_is_handed_back)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	pair(&f, &h);
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
	h.migrated = true;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
	/* A directory (a process's open directory) by the same rules. */
	f.mode = h.mode = S_IFDIR | 0755;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
}

TEST(fi_another_file_of_the_same_name_is_refused)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	pair(&f, &h);
	h.ino++;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another file here"));
	pair(&f, &h);
	h.generation++;			/* the inode number reused */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another file here"));
	pair(&f, &h);
	h.fs_uuid[15] = 2;		/* the user disk's, say */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) &&
	      strstr(why, "another file system here (UUID 6f72746f-0000-4000-8000-000000000002)"));
	pair(&f, &h);
	h.mode = S_IFDIR | 0755;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another kind of file"));
	pair(&f, &h);
	h.size = 0;			/* what the file-cache migration did not carry */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "0 bytes here"));
}

TEST(fi_a_changed_copy_of_the_root_image_is_refused)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	/* The survivor's root disk is another copy of the image: same UUID, inode, generation. */
	pair(&f, &h);
	f.ctime_nsec++;			/* the dead OS wrote to its copy */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "changed"));
	/* On a disk taken over, written back by orthros-fcm, ctime is its own. */
	h.migrated = true;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
	/* A directory of the image ("/", a daemon's working directory): its entries may differ. */
	h.migrated = false;
	f.mode = h.mode = S_IFDIR | 0755;
	h.size += 4096;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
	h.generation++;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another file here"));
}

TEST(fi_files_of_a_dead_memory_file_system_are_refused)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	pair(&f, &h);
	memset(f.fs_uuid, 0, 16);	/* tmpfs: its bytes died with the kernel */
	h.has_uuid = false;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "no UUID"));
}

TEST(fi_only_stateless_devices_are_handed_back)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	pair(&f, &h);
	f.mode = h.mode = S_IFCHR | 0620;
	f.rdev = 136 << 20 | 3;		/* /dev/pts/3 */
	h.rdev_major = 136;
	h.rdev_minor = 3;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "136:3"));
	f.rdev = 4 << 20 | 64;		/* /dev/ttyS0 */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "4:64"));
	f.rdev = 1 << 20 | 3;		/* /dev/null */
	h.rdev_major = 1;
	h.rdev_minor = 5;		/* /dev/zero at that path here */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "1:5 here, was 1:3"));
	h.rdev_minor = 3;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
}

TEST(fi_a_named_pipe_is_handed_back_by_its_inode_and_file_system)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	pair(&f, &h);
	f.kind = DP_FIFO;
	f.mode = h.mode = S_IFIFO | 0644;
	f.size = h.size = 0;
	h.generation = 0;		/* fi_look cannot read a FIFO's */
	h.ctime_sec = 1;		/* ctime is the pipe's last use, not its identity */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
	h.ino = 1235;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another named pipe"));
	h.ino = 1234;
	h.fs_uuid[0] ^= 1;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another file system"));
	h.fs_uuid[0] ^= 1;
	h.mode = S_IFREG | 0644;	/* a regular file at its path now */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another kind of file"));
	f.mode = S_IFSOCK | 0755;	/* a Unix socket's path: not carried */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "not carried"));
}

/*
 * A file the journal never committed is re-created by orthros-fcm as a new
 * inode: it stands for the dead one only as orthros-fcm's record says.
 * (Before the record, pmwork was refused: "another file here".)
 */
TEST(fi_a_file_fcm_recreated_stands_for_the_dead_one)
{
	struct dp_file f;
	struct fi_here h;
	char why[256];

	pair(&f, &h);
	h.ino = 77;
	h.generation = 9;
	h.migrated = true;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another file here"));
	h.replaces = true;
	h.was_ino = 1234;
	h.was_gen = 0x5eed;
	CHECK(fi_compare(&f, &h, why, sizeof(why)) == NULL);
	h.size = 4095;				/* re-created, but not the dead size */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "4095 bytes here"));
	h.size = 4096;
	h.was_gen = 0x5eee;			/* the record names another generation */
	CHECK(fi_compare(&f, &h, why, sizeof(why)) && strstr(why, "another file here"));
}

TEST(fi_add_replaced_reads_the_fcm_record_and_refuses_garbage)
{
	char path[] = "/tmp/orthros-rep-XXXXXX", why[256];
	struct fi_migrated m = { .n = 0 };
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && (f = fdopen(fd, "w")) != NULL);
	fprintf(f, FI_REPLACED_FMT, "6f72746f-0000-4000-8000-000000000001", 14ULL, 3735928559u,
		15ULL, 7u);
	fclose(f);
	CHECK(fi_add_replaced(&m, path, why, sizeof(why)) == 0 && m.nrep == 1);
	CHECK(!memcmp(m.rep[0].uuid, uuid_root, 16) && m.rep[0].was_ino == 14 &&
	      m.rep[0].was_gen == 3735928559u && m.rep[0].ino == 15 && m.rep[0].gen == 7);
	/* A line cut short, a sign, a bad UUID, or no end of line refuses the record. */
	const char *bad[] = { "6f72746f-0000-4000-8000-000000000001 14 1 15\n",
			      "6f72746f-0000-4000-8000-000000000001 14 1 15 -2\n",
			      "6f72746f-0000-4000-8000-00000000000 14 1 15 2\n",
			      "6f72746f-0000-4000-8000-000000000001 14 1 15 2" };
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(path, "w");
		CHECK(f && fputs(bad[i], f) >= 0 && !fclose(f));
		CHECK(fi_add_replaced(&m, path, why, sizeof(why)) == -1 && strstr(why, "line 1"));
	}
	CHECK(m.nrep == 1);
	/* A good line before a bad one is not taken either. */
	f = fopen(path, "w");
	CHECK(f && fprintf(f, FI_REPLACED_FMT, "6f72746f-0000-4000-8000-000000000001", 20ULL, 1u,
			   21ULL, 2u) > 0 && fputs("garbage\n", f) >= 0 && !fclose(f));
	CHECK(fi_add_replaced(&m, path, why, sizeof(why)) == -1 && strstr(why, "line 2"));
	CHECK(m.nrep == 1);
	unlink(path);
	CHECK(fi_add_replaced(&m, path, why, sizeof(why)) == -1 && strstr(why, path));
	fi_migrated_free(&m);
	CHECK(m.nrep == 0 && !m.rep);
}

TEST(fi_look_sees_the_file_and_follows_no_link)
{
	char dir[] = "/tmp/orthros-fi-XXXXXX", path[128], link[128], why[256];
	struct fi_migrated m = { .n = 0 };
	struct dp_file f;
	struct fi_here h;
	struct stat st;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0 && write(fd, "orthros", 7) == 7 && !fstat(fd, &st));
	close(fd);
	CHECK(fi_add_migrated(&m, dir, why, sizeof(why)) == 0 && m.n == 1);
	CHECK(fi_look(path, &m, &h, why, sizeof(why)) == 0);
	CHECK(h.ino == st.st_ino && h.size == 7 && S_ISREG(h.mode) && h.migrated);
	CHECK(h.ctime_sec == st.st_ctim.tv_sec && h.ctime_nsec == (uint64_t)st.st_ctim.tv_nsec);
	/* A symbolic link on the path, at the end or before it, is never followed. */
	snprintf(link, sizeof(link), "%s/link", dir);
	CHECK(symlink(dir, link) == 0);
	snprintf(path, sizeof(path), "%s/link/file", dir);
	CHECK(fi_look(path, &m, &h, why, sizeof(why)) == -1 && strstr(why, "symbolic link"));
	CHECK(fi_look(link, &m, &h, why, sizeof(why)) == -1);
	snprintf(path, sizeof(path), "%s/gone", dir);
	CHECK(fi_look(path, &m, &h, why, sizeof(why)) == -1 && strstr(why, "no such file"));
	CHECK(fi_look("relative", &m, &h, why, sizeof(why)) == -1);
	/* /dev/null end to end: the dead kernel's 1:3 is this one. */
	memset(&f, 0, sizeof(f));
	f.kind = DP_REG;
	f.mode = S_IFCHR | 0666;
	f.rdev = 1 << 20 | 3;
	snprintf(f.path, sizeof(f.path), "/dev/null");
	CHECK(fi_check(&f, &m, why, sizeof(why)) == NULL);
	f.rdev = 1 << 20 | 5;		/* it was /dev/zero */
	CHECK(fi_check(&f, &m, why, sizeof(why)) != NULL);
	/* A terminal is refused as one, whether or not this OS has one by its name. */
	f.rdev = 136 << 20 | 999;
	snprintf(f.path, sizeof(f.path), "/dev/pts/999");
	CHECK(fi_check(&f, &m, why, sizeof(why)) && strstr(why, "device 136:999"));
	unlink(link);
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
}

/* A process of pid with parent ppid, restorable unless told otherwise. */
static void proc(struct dp_proc *p, int pid, int ppid, const char *problem)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	snprintf(p->comm, sizeof(p->comm), "p%d", pid);
	if (problem)
		dp_problem(p, "%s", problem);
}

TEST(dp_a_tree_comes_back_whole_or_not_at_all)
{
	struct dp_proc procs[8];
	struct dp_set set = { .procs = procs, .nprocs = 8 };

	proc(&procs[0], 10, 1, NULL);		/* tree of 10: its child 11 cannot be restored */
	proc(&procs[1], 11, 10, "fd 1: /dev/pts/3: a terminal");
	proc(&procs[2], 12, 11, NULL);
	proc(&procs[3], 20, 1, NULL);		/* tree of 20: whole */
	proc(&procs[4], 21, 20, NULL);
	proc(&procs[5], 30, 1, "exiting");	/* tree of 30: its parent cannot be */
	proc(&procs[6], 31, 30, NULL);
	proc(&procs[7], 40, 40, NULL);		/* its own parent: a dead kernel's lie */
	dp_refuse_broken_trees(&set);
	CHECK(strstr(procs[0].problems, "in the tree of 10 with 11 (p11)"));
	CHECK_STR(procs[1].problems, "fd 1: /dev/pts/3: a terminal");
	CHECK(strstr(procs[2].problems, "in the tree of 10 with 11 (p11)"));
	CHECK(!procs[3].problems[0] && !procs[4].problems[0] && !procs[7].problems[0]);
	CHECK_STR(procs[5].problems, "exiting");
	CHECK(strstr(procs[6].problems, "in the tree of 30 with 30 (p30)"));
	CHECK(dp_tree_root(&set, &procs[2]) == &procs[0]);
	CHECK(dp_tree_root(&set, &procs[7]) == &procs[7]);
}

TEST(dp_a_unix_connection_comes_back_whole_or_not_at_all)
{
	/*
	 * 10 and 20 (separate trees) are connected by sockets 100 and 101;
	 * 20's child 21 holds 201, connected to 300 of 30, which cannot be
	 * restored; 40 holds 400, connected to journald's 999 (named so). 10, 20 and 21
	 * fall with 30, one refusal after another; 50 is alone and whole.
	 */
	struct dp_unix u[5] = {
		{ .peer_ino = 101 }, { .peer_ino = 100 }, { .peer_ino = 300 }, { .peer_ino = 201 },
		{ .peer_ino = 999, .peer_name = "/run/systemd/journal/stdout" },
	};
	struct dp_file f[5];
	struct dp_proc procs[6];
	struct dp_set set = { .procs = procs, .nprocs = 6 };
	const unsigned int holder[5] = { 0, 1, 2, 3, 4 };
	unsigned int i;

	proc(&procs[0], 10, 1, NULL);
	proc(&procs[1], 20, 1, NULL);
	proc(&procs[2], 21, 20, NULL);
	proc(&procs[3], 30, 1, "fd 3: a timerfd, not carried");
	proc(&procs[4], 40, 1, NULL);
	proc(&procs[5], 50, 1, NULL);
	for (i = 0; i < 5; i++) {
		static const uint64_t ino[5] = { 100, 101, 201, 300, 400 };

		memset(&f[i], 0, sizeof(f[i]));
		f[i].kind = DP_UNIX;
		f[i].ino = ino[i];
		f[i].unx = &u[i];
		procs[holder[i]].files = &f[i];
		procs[holder[i]].nfiles = 1;
	}
	dp_refuse_broken_trees(&set);
	CHECK(strstr(procs[2].problems, "Unix socket (inode 201) connected to socket 300"));
	CHECK(strstr(procs[1].problems, "in the tree of 20 with 21"));
	CHECK(strstr(procs[0].problems, "Unix socket (inode 100) connected to socket 101"));
	CHECK(strstr(procs[4].problems,
		     "connected to \"/run/systemd/journal/stdout\", socket 999 of no process restored"));
	CHECK(strstr(procs[0].problems, "connected to socket 101 of no process"));
	CHECK_STR(procs[3].problems, "fd 3: a timerfd, not carried");
	CHECK(!procs[5].problems[0]);
}
