// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seed inputs for the reader harnesses (fuzz_proc, fuzz_filecache,
 * fuzz_net): a well-formed synthetic dead kernel for each, so that the
 * fuzzer starts from structures its reader walks all the way (a protected
 * process with threads, files, a pipe and a working folder; an ext4 super
 * block with a dirty file and a folder; a NIC with an address) instead of
 * having to guess every pointer from zeros.
 *
 * Members have the places synth.c gives them in the order a reader first
 * asks for them. A harness's first input is empty, which makes its reader
 * ask for its whole layout before it reads anything; this program runs the
 * same reader on an empty input first, so it finds every member where the
 * harness will. It asks only for members that reader's layout holds.
 *
 * The proc seed also serves one check the unit tests cannot make without
 * a whole dead process: a pipe whose lock was held at the crash costs its
 * process (lib/deadproc.c). It fails the program, and so the fuzz smoke.
 *
 * usage: seeds proc|filecache|net DIR   (writes DIR/seed; other names: nothing)
 */
#include "synth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../kernel/src/include/uapi/linux/orthros/protect.h"
#include "../../lib/deadnet.h"
#include "../../lib/deadproc.h"
#include "../../lib/filecache.h"

#define SEEDSZ		0x30000ULL	/* 192 KiB */

static unsigned char mem[SEEDSZ];
static uint64_t top = 0x1000;		/* objects from the second page on */
static struct dk *dk;

/* The kernel address of offset off in the input. */
static uint64_t V(uint64_t off)
{
	return SYN_DMAP + SYN_DATA + off;
}

/* Room for an object: small ones 64-byte aligned, others page aligned. */
static uint64_t obj(uint64_t len)
{
	uint64_t align = len < 4096 ? 64 : 4096, at = (top + align - 1) & ~(align - 1);

	top = at + len;
	if (top > SEEDSZ) {
		fprintf(stderr, "seeds: more than %llu bytes\n", SEEDSZ);
		exit(1);
	}
	return V(at);
}

static void put(uint64_t va, const void *v, size_t len)
{
	uint64_t off = va - V(0);

	if (va < V(0) || off + len > SEEDSZ) {
		fprintf(stderr, "seeds: 0x%llx is outside the seed\n", (unsigned long long)va);
		exit(1);
	}
	memcpy(mem + off, v, len);
}

static void put64(uint64_t va, uint64_t v)
{
	put(va, &v, 8);
}

static void put32(uint64_t va, uint32_t v)
{
	put(va, &v, 4);
}

static uint32_t off(const char *type, const char *path)
{
	uint32_t o;

	if (dk_offset(dk, type, path, &o)) {
		fprintf(stderr, "seeds: %s\n", dk_error(dk));
		exit(1);
	}
	return o;
}

static uint64_t sym(const char *name)
{
	uint64_t a;

	dk_symbol(dk, name, &a);
	return a;
}

static int64_t en(const char *name)
{
	int64_t v;

	dk_enum(dk, name, &v);
	return v;
}

/* An empty list_head at va. */
static void list_empty(uint64_t va)
{
	put64(va, va);
	put64(va + 8, va);
}

/* A list_head at head holding one node. */
static void list_one(uint64_t head, uint64_t node)
{
	put64(head, node);
	put64(head + 8, node);
	put64(node, head);
	put64(node + 8, head);
}

/* A dentry named name under parent (0: a root). */
static uint64_t dentry(const char *name, uint64_t parent, uint64_t inode)
{
	uint64_t d = obj(4096), s = obj(64);

	put(s, name, strlen(name) + 1);
	put64(d + off("struct dentry", "d_parent"), parent ? parent : d);
	put32(d + off("struct dentry", "d_name.len"), strlen(name));
	put64(d + off("struct dentry", "d_name.name"), s);
	put64(d + off("struct dentry", "d_inode"), inode);
	return d;
}

static uint64_t sockfile;
static uint64_t seed_task, seed_pipe;	/* the proc seed's process and its pipe */
static uint64_t seed_sk, seed_skb;	/* and its socket's struct sock, its queued buffer */
static uint64_t seed_sig;		/* and its signal_struct */
static uint64_t seed_file;		/* and its fd 0's struct file */
static uint64_t seed_pipefile;		/* its fd 1's (the pipe's) */
static uint64_t seed_pipe_ino, seed_pipe_mnt, seed_pipe_dentry;	/* and its path on pipefs */
static uint64_t seed_mnt, seed_root;	/* its ext4 mount and that mount's root */

/* An open file of inode (on super block sb) at dentry under mount mnt. */
static uint64_t file_at(uint64_t mnt, uint64_t dentry, uint64_t inode, uint64_t sb)
{
	uint64_t file = obj(4096);

	put64(file + off("struct file", "f_path") + off("struct path", "mnt"), mnt);
	put64(file + off("struct file", "f_path") + off("struct path", "dentry"), dentry);
	put64(file + off("struct file", "f_inode"), inode);
	put64(inode + off("struct inode", "i_sb"), sb);
	return file;
}

/*
 * The socket of seed_proc's fd 2: an established TCP connection (port 7000
 * to 40000) with 16 bytes received and not read. Its reader asks for its layout when it
 * first meets a socket, so this part is written after the process reader
 * has read seed_proc's skeleton once.
 */
static void seed_socket(void)
{
	const char *S = "struct sock", *TP = "struct tcp_sock", *B = "struct sk_buff";
	uint64_t sock = obj(64), sk = obj(8192), skb = obj(4096), head = obj(4096);
	uint64_t forever = 0x7fffffffffffffffULL;
	uint16_t inet = 2, stream = 1, tcp = 6, dport = htons(40000), sport = htons(7000);
	uint8_t established = 1;

	seed_sk = sk;
	seed_skb = skb;
	put(sk + off(S, "__sk_common.skc_dport"), &dport, 2);
	put(sk + off(S, "__sk_common.skc_num"), &(uint16_t){ 7000 }, 2);
	put(sk + off("struct inet_sock", "inet_sport"), &sport, 2);
	put64(sockfile + off("struct file", "private_data"), sock);
	put64(sock + off("struct socket", "sk"), sk);
	put(sk + off(S, "__sk_common.skc_family"), &inet, 2);
	put(sk + off(S, "__sk_common.skc_state"), &established, 1);
	put(sk + off(S, "sk_type"), &stream, 2);
	put(sk + off(S, "sk_protocol"), &tcp, 2);
	put64(sk + off(S, "sk_rcvtimeo"), forever);
	put64(sk + off(S, "sk_sndtimeo"), forever);
	list_one(sk + off(S, "sk_receive_queue"), skb + off(B, "next"));
	list_empty(sk + off(S, "sk_write_queue"));
	put32(sk + off(TP, "copied_seq"), 1000);
	put32(sk + off(TP, "rcv_nxt"), 1016);
	put32(sk + off(TP, "write_seq"), 5000);
	put32(sk + off(TP, "snd_una"), 5000);
	put32(sk + off(TP, "snd_nxt"), 5000);
	put32(skb + off(B, "len"), 16);
	put64(skb + off(B, "head"), head);
	put64(skb + off(B, "data"), head);
	put32(skb + off(B, "end"), 64);
	put32(skb + off(B, "cb"), 1000);	/* TCP_SKB_CB(skb)->seq */
	put(head, "sixteen bytes...", 16);
}

static void seed_proc(void)
{
	struct orthros_protected_set prot = { ORTHROS_PROTECT_MAGIC, 1, { { 10000, 0, 0 } } };
	const char *T = "struct task_struct";
	uint64_t init = sym("init_task"), t = obj(4096), sig = obj(4096), sh = obj(4096);
	uint64_t pid = obj(4096), cred = obj(4096), gi = obj(64), fs = obj(4096);
	uint64_t files = obj(64), fdt = obj(64), fds = obj(64), cloexec = obj(64);
	uint64_t mm = obj(4096), fps = obj(4096), stack = obj(DK_THREAD_SIZE);
	uint64_t sb = obj(4096), root_ino = obj(4096), root, reg_ino = obj(4096), reg;
	uint64_t file, pipe_ino = obj(4096), pipe = obj(4096), pipefile;
	uint64_t bufs = obj(4096), pgd = obj(4096), mount = obj(4096), mnt;
	uint64_t sock_ino = obj(4096), psb = obj(4096), pmount = obj(4096);
	uint64_t regs = stack + DK_THREAD_SIZE - 168;	/* struct pt_regs */

	put(sym("orthros_protected"), &prot, sizeof(prot));
	list_one(init + off(T, "tasks"), t + off(T, "tasks"));
	put32(t + off(T, "pid"), 10000);
	put32(t + off(T, "tgid"), 10000);
	put(t + off(T, "comm"), "seed", 5);
	list_empty(t + off(T, "children"));
	list_empty(t + off(T, "thread_group"));
	list_empty(t + off(T, "pending.list"));
	put64(t + off(T, "real_parent"), init);
	put64(t + off(T, "group_leader"), t);
	put64(t + off(T, "signal"), sig);
	put64(t + off(T, "sighand"), sh);
	put64(t + off(T, "mm"), mm);
	put64(t + off(T, "fs"), fs);
	put64(t + off(T, "files"), files);
	put64(t + off(T, "real_cred"), cred);
	put64(t + off(T, "stack"), stack);
	put64(t + off(T, "thread.fpu.fpstate"), fps);
	put32(fps + off("struct fpstate", "size"), 4096 - 64);
	put64(regs + 136, 0x33);	/* cs and ss of a 64-bit user context */
	put64(regs + 160, 0x2b);

	/* The process group and session: signal->pids[type]->numbers[0].nr. */
	put64(sig + off("struct signal_struct", "pids") + 8 * en("PIDTYPE_PGID"), pid);
	put64(sig + off("struct signal_struct", "pids") + 8 * en("PIDTYPE_SID"), pid);
	put32(pid + off("struct pid", "numbers") + off("struct upid", "nr"), 10000);
	list_empty(sig + off("struct signal_struct", "shared_pending.list"));
	put64(cred + off("struct cred", "group_info"), gi);

	/* The working folder and root: a root dentry of an ext4 super block. */
	put32(sb + off("struct super_block", "s_magic"), 0xef53);
	{
		uint16_t dir = S_IFDIR | 0755, regm = S_IFREG | 0644, fifo = S_IFIFO | 0600;
		uint16_t sockm = S_IFSOCK | 0777;

		put(sock_ino + off("struct inode", "i_mode"), &sockm, 2);
		put(root_ino + off("struct inode", "i_mode"), &dir, 2);
		put(reg_ino + off("struct inode", "i_mode"), &regm, 2);
		put(pipe_ino + off("struct inode", "i_mode"), &fifo, 2);
	}
	put64(root_ino + off("struct inode", "i_ino"), 2);
	put64(root_ino + off("struct inode", "i_sb"), sb);
	put64(reg_ino + off("struct inode", "i_ino"), 12);
	put64(reg_ino + off("struct inode", "i_size"), 100);
	put32(reg_ino + off("struct inode", "__i_nlink"), 1);
	root = dentry("/", 0, root_ino);
	reg = dentry("data", root, reg_ino);
	mnt = mount + off("struct mount", "mnt");
	put64(mount + off("struct mount", "mnt_parent"), mount);
	put64(mnt + off("struct vfsmount", "mnt_root"), root);
	put64(mnt + off("struct vfsmount", "mnt_sb"), sb);
	put64(fs + off("struct fs_struct", "pwd") + off("struct path", "mnt"), mnt);
	put64(fs + off("struct fs_struct", "pwd") + off("struct path", "dentry"), root);
	put64(fs + off("struct fs_struct", "root") + off("struct path", "mnt"), mnt);
	put64(fs + off("struct fs_struct", "root") + off("struct path", "dentry"), root);

	/* fd 0: a regular file; fd 1: a pipe with one buffer; fd 2: a socket. */
	put64(files + off("struct files_struct", "fdt"), fdt);
	put32(fdt + off("struct fdtable", "max_fds"), 3);
	put64(fdt + off("struct fdtable", "fd"), fds);
	put64(fdt + off("struct fdtable", "close_on_exec"), cloexec);
	file = file_at(mnt, reg, reg_ino, sb);
	put64(file + off("struct file", "f_pos"), 10);
	/* The pipe's own super block and mount: pipefs, as an anonymous pipe's. */
	put32(psb + off("struct super_block", "s_magic"), 0x50495045);
	put64(pmount + off("struct mount", "mnt_parent"), pmount);
	put64(pmount + off("struct mount", "mnt") + off("struct vfsmount", "mnt_sb"), psb);
	seed_pipe_ino = pipe_ino;
	seed_pipe_mnt = pmount + off("struct mount", "mnt");
	seed_pipe_dentry = dentry("pipe:[1]", 0, pipe_ino);
	pipefile = file_at(seed_pipe_mnt, seed_pipe_dentry, pipe_ino, psb);
	put64(fds, file);
	seed_file = file;
	put64(fds + 8, pipefile);
	seed_pipefile = pipefile;
	seed_mnt = mnt;
	seed_root = root;
	put64(pipe_ino + off("struct inode", "i_pipe"), pipe);
	seed_task = t;
	seed_sig = sig;
	seed_pipe = pipe;
	put32(pipe + off("struct pipe_inode_info", "head"), 1);
	put32(pipe + off("struct pipe_inode_info", "ring_size"), 1);
	put64(pipe + off("struct pipe_inode_info", "bufs"), bufs);
	put32(bufs + off("struct pipe_buffer", "len"), 16);
	sockfile = file_at(mnt, dentry("socket:[2]", 0, sock_ino), sock_ino, sb);
	put64(fds + 16, sockfile);

	put64(mm + off("struct mm_struct", "pgd"), pgd);
}

/*
 * The seed, changed in place, read again from the start: 0 with set
 * holding its one process, or -1, said why.
 */
static int reread(struct dp_set *set)
{
	dk_close(dk);
	dk = syn_open(mem, top);
	if (dp_read_protected(dk, set))
		return fprintf(stderr, "seeds: the proc seed is unreadable: %s\n", dk_error(dk)), -1;
	if (set->nprocs == 1)
		return 0;
	fprintf(stderr, "seeds: the proc seed reads as %u processes\n", set->nprocs);
	dp_set_free(set);
	return -1;
}

/*
 * The seed's pipe with its lock free, then held by the seed's own task
 * (the owner word: the task, flags in the low bits): the process must be
 * refused for it the second time only. The lock is left free.
 */
static int check_pipe_lock(void)
{
	uint64_t owner = seed_pipe + off("struct pipe_inode_info", "mutex.owner");
	struct dp_set set;
	int held;

	for (held = 0; held < 2; held++) {
		bool refused;

		put64(owner, held ? seed_task | 1 : 0);
		if (reread(&set))
			return -1;
		refused = set.nprocs == 1 && strstr(set.procs[0].problems, "its lock was held");
		dp_set_free(&set);
		if (refused != held) {
			fprintf(stderr, "seeds: a pipe whose lock was %s %s its process\n",
				held ? "held" : "free", held ? "did not refuse" : "refused");
			return -1;
		}
	}
	put64(owner, 0);
	return 0;
}

/*
 * The seed's pipe opened by a path on the ext4 mount (its dentry moved
 * under that mount's root: /pipe:[1]): a named pipe, read with its path
 * and named so in its problems (the seed's pipe buffer has no page);
 * refused once it is deleted (no link left). The pipe is left anonymous.
 */
static int check_fifo(void)
{
	uint64_t path = seed_pipefile + off("struct file", "f_path");
	uint64_t nlink = seed_pipe_ino + off("struct inode", "__i_nlink");
	uint64_t parent = seed_pipe_dentry + off("struct dentry", "d_parent");
	const struct dp_file *f = NULL;
	struct dp_set set;
	unsigned int i, links;
	int ret = 0;

	put64(path + off("struct path", "mnt"), seed_mnt);
	put64(parent, seed_root);
	for (links = 1; links <= 1 && !ret; links--) {
		put32(nlink, links);
		if (reread(&set)) {
			ret = -1;
			break;
		}
		for (i = 0, f = NULL; i < set.procs[0].nfiles; i++)
			if (set.procs[0].files[i].kind == DP_FIFO)
				f = &set.procs[0].files[i];
		if (!f || strcmp(f->path, "/pipe:[1]") || !strstr(set.procs[0].problems, "named pipe") ||
		    !!strstr(set.procs[0].problems, "/pipe:[1] was deleted") != !links) {
			fprintf(stderr, "seeds: a named pipe with %u links: %s %s; problems: %s\n",
				links, f ? "read as" : "not read", f ? f->path : "", set.procs[0].problems);
			ret = -1;
		}
		dp_set_free(&set);
		if (!links)
			break;
	}
	put32(nlink, 0);
	put64(path + off("struct path", "mnt"), seed_pipe_mnt);
	put64(parent, seed_pipe_dentry);
	return ret;
}

/*
 * The seed's socket as a Unix stream socket: with no peer and not shut
 * down it is a dangling connection; shut down both ways, the buffer queued
 * to it carries a file descriptor (its cb's first word, the TCP seed's
 * sequence number, is UNIXCB's fp here); with that cleared its 16 bytes
 * are read. Its name (unix_sock's addr, over the TCP seed's inet_sock
 * members) is none. Left as the TCP socket it was.
 */
static int check_unix(void)
{
	static const struct { uint8_t shutdown; uint32_t cb; const char *why; } step[] = {
		{ 0, 1000, "a Unix connection whose peer is gone" },
		{ 3, 1000, "file descriptors in flight to it (SCM_RIGHTS)" },
		{ 3, 0, NULL },
	};
	uint64_t family = seed_sk + off("struct sock", "__sk_common.skc_family");
	uint64_t shutdown = seed_sk + off("struct sock", "sk_shutdown");
	uint64_t cb = seed_skb + off("struct sk_buff", "cb");
	uint64_t addr = seed_sk + off("struct unix_sock", "addr");
	uint64_t was = 0;
	const struct dp_file *f;
	struct dp_set set;
	unsigned int i, k;
	int ret = 0;

	memcpy(&was, mem + (addr - V(0)), 8);
	put(family, &(uint16_t){ 1 }, 2);
	put64(addr, 0);
	for (k = 0; k < 3 && !ret; k++) {
		put(shutdown, &step[k].shutdown, 1);
		put32(cb, step[k].cb);
		if (reread(&set)) {
			ret = -1;
			break;
		}
		for (i = 0, f = NULL; i < set.procs[0].nfiles; i++)
			if (set.procs[0].files[i].kind == DP_UNIX)
				f = &set.procs[0].files[i];
		if (!f || !f->unx || (step[k].why && !strstr(set.procs[0].problems, step[k].why)) ||
		    (!step[k].why && (strstr(set.procs[0].problems, "Unix socket") ||
				      f->unx->npackets != 1 || f->unx->packets[0].len != 16 ||
				      memcmp(f->unx->packets[0].data, "sixteen bytes...", 16)))) {
			fprintf(stderr, "seeds: the Unix socket, step %u: %s; problems: %s\n", k,
				f ? "read" : "not read as one", set.procs[0].problems);
			ret = -1;
		}
		dp_set_free(&set);
	}
	put(family, &(uint16_t){ 2 }, 2);
	put(shutdown, &(uint8_t){ 0 }, 1);
	put32(cb, 1000);
	put64(addr, was);
	return ret;
}

/*
 * The seed's fd 0 as each anonymous-inode kind: an eventfd is carried with
 * its counter, one in semaphore mode refused; a timerfd refused by name.
 */
static int check_anon(void)
{
	static const struct {
		const char *fops, *refused;
		uint32_t flags;
		enum dp_file_kind kind;
	} c[] = {
		{ "eventfd_fops", NULL, 0, DP_EVENTFD },
		{ "eventfd_fops", "semaphore mode", 1, DP_EVENTFD },
		{ "signalfd_fops", NULL, 0, DP_SIGNALFD },
		{ "timerfd_fops", "fd 0: a timerfd, not carried", 0, DP_OTHER },
	};
	uint64_t efd = obj(4096), sfd = obj(4096), fop = seed_file + off("struct file", "f_op");
	uint64_t priv = seed_file + off("struct file", "private_data");
	unsigned int i;

	put64(efd + off("struct eventfd_ctx", "count"), 5);
	put64(sfd + off("struct signalfd_ctx", "sigmask"), ~(1ULL << 11));	/* kept: all but SIGUSR2 */
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct dp_set set;
		const char *why, *bad = NULL;

		put64(fop, sym(c[i].fops));
		put64(priv, c[i].kind == DP_SIGNALFD ? sfd : efd);
		put32(efd + off("struct eventfd_ctx", "flags"), c[i].flags);
		if (reread(&set))
			return -1;
		why = set.procs[0].problems;
		if (!set.procs[0].nfiles || set.procs[0].files[0].kind != c[i].kind)
			bad = "the wrong kind";
		else if (c[i].refused ? !strstr(why, c[i].refused) :
			 strstr(why, "eventfd") || strstr(why, "signalfd"))
			bad = why;
		else if (!c[i].refused &&
			 set.procs[0].files[0].anon_value != (c[i].kind == DP_EVENTFD ? 5 : 1ULL << 11))
			bad = "its value read wrong";
		if (bad)
			fprintf(stderr, "seeds: fd 0 as %s: %s\n", c[i].fops, bad);
		dp_set_free(&set);
		if (bad)
			return -1;
	}
	put64(fop, 0);
	put64(priv, 0);
	return 0;
}

/*
 * A SysV semaphore set whose second semaphore the seed's process changed
 * last: the process is refused once, naming the set; with no set, not.
 */
static int check_sysv(void)
{
	const char *SA = "struct sem_array";
	uint64_t ns = sym("init_ipc_ns"), sma = obj(4096), pid = obj(4096), sem_size = 64;
	uint64_t head = ns + off("struct ipc_namespace", "ids") + off("struct ipc_ids", "ipcs_idr.idr_rt") + 8;
	int used;

	put32(sma + off(SA, "sem_nsems"), 2);
	put64(sma + off(SA, "sems") + sem_size + off("struct sem", "sempid"), pid);
	put32(pid + off("struct pid", "numbers") + off("struct upid", "nr"), 10000);
	for (used = 1; used >= 0; used--) {
		struct dp_set set;
		const char *why, *first;
		bool ok;

		put64(head, used ? sma + off(SA, "sem_perm") : 0);	/* xa_head: a lone entry */
		if (reread(&set))
			return -1;
		why = set.procs[0].problems;
		first = strstr(why, "uses SysV semaphore set");
		ok = used ? first && !strstr(first + 1, "uses SysV semaphore set") : !first;
		if (!ok)
			fprintf(stderr, "seeds: a SysV semaphore set %s: \"%s\"\n",
				used ? "its process used" : "gone", why);
		dp_set_free(&set);
		if (!ok)
			return -1;
	}
	return 0;
}

/*
 * The seed's process with each kind of timer: an armed ITIMER_REAL with an
 * interval is carried with what is left of it at the dead kernel's last
 * tick; a one-shot alarm, a CPU-time itimer and a POSIX timer are refused
 * by name. Left with none.
 */
/*
 * A POSIX timer on the seed's process, the dead kernel stopped at 5 s:
 * carried with what is left of it on its own clock (a REALTIME one's base
 * 1000 s ahead of MONOTONIC), moved on by whole intervals when its signal
 * is pending, with its id, signal and value; one on a CPU-time clock
 * refused for its clock, though its union holds no hrtimer (its base
 * pointer unreadable). The list is left empty.
 */
static int check_posix_timers(void)
{
	static const struct {
		const char *what;
		int32_t clock, active, requeue;
		uint64_t expires, interval, offset;
		const char *refused;
		uint64_t left;
	} c[] = {
		{ "a 50 ms MONOTONIC timer, 20 ms left", 1, 1, 0, 5020000000ULL, 50000000, 0, NULL,
		  20000000 },
		{ "a one-shot REALTIME timer, 7 ms left", 0, 1, 0, 1005007000000ULL, 0, 1000000000000ULL,
		  NULL, 7000000 },
		{ "a 50 ms timer whose signal is pending", 1, 1, 1, 4900000000ULL, 50000000, 0, NULL,
		  50000000 },
		{ "a one-shot timer that fired", 1, 0, 0, 4000000000ULL, 0, 0, NULL, 0 },
		{ "a CPU-time timer", 2, 1, 0, 0, 0, 0, "CPU-time", 0 },
		{ "an interval of 2^62 ns (sums would overflow)", 1, 1, 1, 0, 1ULL << 62, 0,
		  "a corrupt POSIX timer", 0 },
	};
	const char *K = "struct k_itimer";
	uint64_t t = obj(4096), base = obj(64), sigq = obj(256);
	uint64_t info = sigq + off("struct sigqueue", "info");
	unsigned int i;
	int ret = 0;

	put32(t + off(K, "it_id"), 3);
	put64(t + off(K, "it.real.timer") + off("struct hrtimer", "base"), base);
	put64(t + off(K, "sigq"), sigq);
	put32(info, 34);				/* si_signo: SIGRTMIN */
	put64(info + 24, 0x1234);			/* a timer's si_value */
	list_one(seed_sig + off("struct signal_struct", "posix_timers"), t + off(K, "list"));
	for (i = 0; i < sizeof(c) / sizeof(c[0]) && !ret; i++) {
		const struct dp_posix_timer *pt;
		struct dp_set set;
		const char *why;

		put32(t + off(K, "it_clock"), c[i].clock);
		put32(t + off(K, "it_active"), c[i].active);
		put32(t + off(K, "it_requeue_pending"), c[i].requeue);
		put64(t + off(K, "it_interval"), c[i].interval);
		put64(t + off(K, "it.real.timer") + off("struct hrtimer", "node.expires"), c[i].expires);
		put64(base + off("struct hrtimer_clock_base", "offset"), c[i].offset);
		put64(t + off(K, "it.real.timer") + off("struct hrtimer", "base"),
		      c[i].clock == 2 ? 8 : base);
		if (reread(&set)) {
			ret = -1;
			break;
		}
		why = set.procs[0].problems;
		pt = set.procs[0].nptimers == 1 ? set.procs[0].ptimers : NULL;
		if (c[i].refused ? !strstr(why, c[i].refused) :
		    strstr(why, "timer") || !pt || pt->value_ns != c[i].left ||
		    pt->interval_ns != c[i].interval || pt->id != 3 || pt->signo != 34 ||
		    pt->sival != 0x1234 || pt->clock != c[i].clock) {
			fprintf(stderr, "seeds: %s: %s (left %llu)\n", c[i].what,
				c[i].refused ? "not refused" : why,
				pt ? (unsigned long long)pt->value_ns : 0ULL);
			ret = -1;
		}
		dp_set_free(&set);
	}
	list_empty(seed_sig + off("struct signal_struct", "posix_timers"));
	return ret;
}

/*
 * An ITIMER_PROF every 20 ms due at 3 s of CPU time, and an ITIMER_VIRTUAL
 * every 10 ms due at 1.2 s, the process having run 1 s in user mode and
 * 1.5 s in the kernel: 0.5 s and 0.2 s left. Left disarmed.
 */
static int check_cpu_itimers(void)
{
	const char *SG = "struct signal_struct", *CI = "struct cpu_itimer";
	uint64_t it = seed_sig + off(SG, "it"), size = 16;
	struct dp_set set;
	const struct dp_proc *p;
	int ret = 0;

	put64(it + off(CI, "expires"), 3000000000ULL);
	put64(it + off(CI, "incr"), 20000000);
	put64(it + size + off(CI, "expires"), 1200000000ULL);
	put64(it + size + off(CI, "incr"), 10000000);
	put64(seed_sig + off(SG, "cputimer.cputime_atomic.utime"), 1000000000ULL);
	put64(seed_sig + off(SG, "cputimer.cputime_atomic.stime"), 1500000000ULL);
	if (reread(&set))
		return -1;
	p = &set.procs[0];
	if (strstr(p->problems, "ITIMER") || p->itimer_cpu_ns[0] != 500000000ULL ||
	    p->itimer_cpu_interval_ns[0] != 20000000 || p->itimer_cpu_ns[1] != 200000000ULL ||
	    p->itimer_cpu_interval_ns[1] != 10000000) {
		fprintf(stderr, "seeds: CPU-time itimers carried wrong: %llu, %llu left; %s\n",
			(unsigned long long)p->itimer_cpu_ns[0], (unsigned long long)p->itimer_cpu_ns[1],
			p->problems);
		ret = -1;
	}
	dp_set_free(&set);
	put64(it + off(CI, "expires"), 0);
	put64(it + off(CI, "incr"), 0);
	put64(it + size + off(CI, "expires"), 0);
	put64(it + size + off(CI, "incr"), 0);
	return ret;
}

static int check_timers(void)
{
	static const struct {
		const char *what;
		uint64_t expires, incr, prof;
		uint8_t state;
		const char *refused;
		uint64_t value;
	} c[] = {
		{ "a 50 ms ITIMER_REAL, 20 ms left", 5020000000ULL, 50000000, 0, 1, NULL, 20000000 },
		{ "a fired ITIMER_REAL waiting for its SIGALRM", 4990000000ULL, 50000000, 0, 0, NULL,
		  50000000 },
		{ "a one-shot alarm", 9000000000ULL, 0, 0, 1, "one-shot alarm", 0 },
		{ "a one-shot ITIMER_PROF", 0, 0, 1000000, 0, "one-shot ITIMER_PROF", 0 },
	};
	const char *SG = "struct signal_struct";
	uint64_t timer = seed_sig + off(SG, "real_timer");
	unsigned int i;

	put64(sym("last_jiffies_update"), 5000000000ULL);	/* the last tick at 5 s */
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct dp_set set;
		const char *bad = NULL, *why;

		put64(timer + off("struct hrtimer", "node.expires"), c[i].expires);
		put(timer + off("struct hrtimer", "state"), &c[i].state, 1);
		put64(seed_sig + off(SG, "it_real_incr"), c[i].incr);
		put64(seed_sig + off(SG, "it"), c[i].prof);
		list_empty(seed_sig + off(SG, "posix_timers"));
		if (reread(&set))
			return -1;
		why = set.procs[0].problems;
		if (c[i].refused)
			bad = strstr(why, c[i].refused) ? NULL : "not refused";
		else if (strstr(why, "timer") || strstr(why, "alarm"))
			bad = why;
		else if (set.procs[0].itimer_real_ns != c[i].value ||
			 set.procs[0].itimer_real_interval_ns != c[i].incr)
			bad = "carried wrong";
		if (bad)
			fprintf(stderr, "seeds: %s: %s\n", c[i].what, bad);
		dp_set_free(&set);
		if (bad)
			return -1;
	}
	put64(timer + off("struct hrtimer", "node.expires"), 0);
	put(timer + off("struct hrtimer", "state"), &(uint8_t){ 0 }, 1);
	put64(seed_sig + off(SG, "it_real_incr"), 0);
	put64(seed_sig + off(SG, "it"), 0);
	list_empty(seed_sig + off(SG, "posix_timers"));
	return check_cpu_itimers() || check_posix_timers();
}

/*
 * The seed's process as a zombie with each kind of exit status: one CRIU
 * can re-create is refused only for having no protected parent to reap it;
 * a core dump or an exit above 127 is refused for that. Left alive.
 */
static int check_zombie(void)
{
	static const struct { uint32_t status; const char *why; } c[] = {
		{ 7 << 8, "its parent is not protected" },
		{ 9, "its parent is not protected" },
		{ 0x8b, "cannot re-create" },
		{ 200 << 8, "cannot re-create" },
	};
	const char *T = "struct task_struct";
	uint32_t zombie = 0x20, alive = 0;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct dp_set set;
		bool ok;

		put32(seed_task + off(T, "exit_state"), zombie);
		put32(seed_task + off(T, "exit_code"), c[i].status);
		if (reread(&set))
			return -1;
		ok = strstr(set.procs[0].problems, c[i].why) != NULL;
		if (!ok)
			fprintf(stderr, "seeds: a zombie of status 0x%x: \"%s\", not \"%s\"\n",
				c[i].status, set.procs[0].problems, c[i].why);
		dp_set_free(&set);
		if (!ok)
			return -1;
	}
	put32(seed_task + off(T, "exit_state"), alive);
	put32(seed_task + off(T, "exit_code"), alive);
	return 0;
}

/*
 * The seed's connection in each state a file keeps, the FINs as libsoccr
 * counts them (in the sequence numbers, not in the queue lengths): what
 * the reader must make of it. The receive queue holds 16 bytes from 1000.
 */
static int check_tcp_states(void)
{
	static const struct {
		const char *what;
		uint8_t state, done, shutdown;
		int32_t err;
		uint32_t rcv_nxt, copied, write_seq, snd_una, snd_nxt;
		const char *refused;	/* a part of the reason, or NULL: carried */
		bool tcp;
		uint32_t inq, outq, unsq, dport;
	} c[] = {
		{ "established", 1, 0, 0, 0, 1016, 1000, 5000, 5000, 5000, NULL, true, 16, 0, 0, 40000 },
		{ "CLOSE_WAIT", 8, 1, 1, 0, 1017, 1000, 5000, 5000, 5000, NULL, true, 16, 0, 0, 40000 },
		{ "CLOSE_WAIT, the FIN read", 8, 1, 1, 0, 1017, 1017, 5000, 5000, 5000, NULL, true, 0, 0, 0,
		  40000 },
		{ "LAST_ACK", 9, 1, 3, 0, 1017, 1000, 5001, 5000, 5001, NULL, true, 16, 0, 0, 40000 },
		{ "FIN_WAIT1, the FIN not sent", 4, 0, 2, 0, 1016, 1000, 5001, 5000, 5000, NULL, true, 16, 0,
		  0, 40000 },
		{ "FIN_WAIT2", 5, 0, 2, 0, 1016, 1000, 5001, 5001, 5001, NULL, true, 16, 0, 0, 40000 },
		{ "ended, data unread", 7, 1, 3, 0, 1017, 1000, 5001, 5001, 5001, NULL, true, 16, 0, 0, 40000 },
		{ "closed, never ended", 7, 0, 3, 0, 1016, 1000, 5000, 5000, 5000, NULL, false, 0, 0, 0, 0 },
		{ "ended, data unacknowledged", 7, 1, 3, 0, 1017, 1000, 5002, 5000, 5002, "not acknowledged",
		  false, 0, 0, 0, 0 },
		{ "SYN_SENT", 2, 0, 0, 0, 1016, 1000, 5000, 5000, 5000, "being opened", false, 0, 0, 0, 0 },
		{ "an error not read", 1, 0, 0, 104, 1016, 1000, 5000, 5000, 5000, "not read yet", false, 0, 0,
		  0, 0 },
		{ "FIN_WAIT1, sequence past the queue", 4, 0, 2, 0, 1016, 1000, 5001, 4000, 5000,
		  "missing from the send queues", false, 0, 0, 0, 0 },
	};
	const char *S = "struct sock", *TP = "struct tcp_sock";
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const struct dp_inet *in;
		struct dp_set set;
		const char *bad = NULL, *sock;

		put(seed_sk + off(S, "__sk_common.skc_state"), &c[i].state, 1);
		put64(seed_sk + off(S, "__sk_common.skc_flags"), c[i].done ? 2 : 0);	/* SOCK_DONE */
		put(seed_sk + off(S, "sk_shutdown"), &c[i].shutdown, 1);
		put(seed_sk + off(S, "sk_err"), &c[i].err, 4);
		put32(seed_sk + off(TP, "rcv_nxt"), c[i].rcv_nxt);
		put32(seed_sk + off(TP, "copied_seq"), c[i].copied);
		put32(seed_sk + off(TP, "write_seq"), c[i].write_seq);
		put32(seed_sk + off(TP, "snd_una"), c[i].snd_una);
		put32(seed_sk + off(TP, "snd_nxt"), c[i].snd_nxt);
		if (reread(&set))
			return -1;
		/* (The seed's pipe has a problem of its own: only the socket's count here.) */
		in = set.procs[0].nfiles >= 3 ? set.procs[0].files[2].inet : NULL;
		sock = strstr(set.procs[0].problems, "socket (");
		if (c[i].refused)
			bad = sock && strstr(sock, c[i].refused) ? NULL : "not refused";
		else if (sock)
			bad = sock;
		else if (!in || !!in->tcp != c[i].tcp || in->dst_port != c[i].dport ||
			 in->src_port != 7000 || in->shutdown != c[i].shutdown)
			bad = "read wrong";
		else if (in->tcp && (in->tcp->inq_len != c[i].inq || in->tcp->outq_len != c[i].outq ||
				     in->tcp->unsq_len != c[i].unsq || in->tcp->inq_seq != c[i].rcv_nxt ||
				     in->tcp->outq_seq != c[i].write_seq ||
				     memcmp(in->tcp->inq, "sixteen bytes...", c[i].inq)))
			bad = "queues or sequence numbers wrong";
		if (bad)
			fprintf(stderr, "seeds: a TCP connection %s: %s\n", c[i].what, bad);
		dp_set_free(&set);
		if (bad)
			return -1;
	}
	put(seed_sk + off(S, "__sk_common.skc_state"), &c[0].state, 1);
	put64(seed_sk + off(S, "__sk_common.skc_flags"), 0);
	put(seed_sk + off(S, "sk_shutdown"), &c[0].shutdown, 1);
	put(seed_sk + off(S, "sk_err"), &c[0].err, 4);
	put32(seed_sk + off(TP, "rcv_nxt"), c[0].rcv_nxt);
	put32(seed_sk + off(TP, "copied_seq"), c[0].copied);
	put32(seed_sk + off(TP, "write_seq"), c[0].write_seq);
	put32(seed_sk + off(TP, "snd_una"), c[0].snd_una);
	put32(seed_sk + off(TP, "snd_nxt"), c[0].snd_nxt);
	return 0;
}

static void seed_filecache(void)
{
	const char *I = "struct inode";
	uint64_t head = sym("super_blocks"), sb = obj(4096), fst = obj(64), name = obj(64);
	uint64_t reg = obj(4096), dir = obj(4096), as = obj(4096), pages = obj(4096), map;
	uint64_t page, root;
	uint16_t regm = S_IFREG | 0644, dirm = S_IFDIR | 0755;

	/* mem_section[0] (the input's first word) gives the vmemmap: pages. */
	map = obj(64);
	put64(V(0), map);
	put64(map, pages);
	page = pages + 64;	/* pfn 1 */

	list_one(head, sb + off("struct super_block", "s_list"));
	put64(sb + off("struct super_block", "s_type"), fst);
	put64(fst + off("struct file_system_type", "name"), name);
	put(name, "ext4", 5);
	put(sb + off("struct super_block", "s_id"), "vdb", 4);
	put(sb + off("struct super_block", "s_uuid"), "0123456789abcdef", 16);
	put64(sb + off("struct super_block", "s_inodes"), reg + off(I, "i_sb_list"));
	put64(reg + off(I, "i_sb_list"), dir + off(I, "i_sb_list"));
	put64(dir + off(I, "i_sb_list"), sb + off("struct super_block", "s_inodes"));
	put64(sb + off("struct super_block", "s_inodes") + 8, dir + off(I, "i_sb_list"));
	put64(dir + off(I, "i_sb_list") + 8, reg + off(I, "i_sb_list"));
	put64(reg + off(I, "i_sb_list") + 8, sb + off("struct super_block", "s_inodes"));

	root = dentry("/", 0, 0);
	put(reg + off(I, "i_mode"), &regm, 2);
	put64(reg + off(I, "i_ino"), 12);
	put32(reg + off(I, "__i_nlink"), 1);
	put64(reg + off(I, "i_size"), 100);
	put64(reg + off(I, "i_mapping"), as);
	put64(as + off("struct address_space", "nrpages"), 1);
	/* A lone dirty page at index 0 sits in the xarray's head (layout in synth.c). */
	put64(as + off("struct address_space", "i_pages") + 8, page);
	put64(page + off("struct page", "flags"), 1ULL << en("PG_dirty"));
	put64(page + off("struct page", "mapping"), as);
	put64(reg + off(I, "i_dentry"), dentry("f", root, reg) + off("struct dentry", "d_u.d_alias"));

	put(dir + off(I, "i_mode"), &dirm, 2);
	put64(dir + off(I, "i_ino"), 13);
	put32(dir + off(I, "__i_nlink"), 2);
	put64(dir + off(I, "i_dentry"), dentry("d", root, dir) + off("struct dentry", "d_u.d_alias"));
}

static void seed_net(void)
{
	static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const char *N = "struct net_device";
	uint64_t net = sym("init_net"), dev = obj(4096), ind = obj(4096), ifa = obj(4096);
	uint8_t six = 6;

	list_one(net + off("struct net", "dev_base_head"), dev + off(N, "dev_list"));
	put(dev + off(N, "name"), "eth0", 5);
	put(dev + off(N, "perm_addr"), mac, 6);
	put(dev + off(N, "addr_len"), &six, 1);
	put32(dev + off(N, "mtu"), 1500);
	put64(dev + off(N, "ip_ptr"), ind);
	put64(ind + off("struct in_device", "ifa_list"), ifa);
	put32(ifa + off("struct in_ifaddr", "ifa_local"), 0x0f02000a);
	put32(ifa + off("struct in_ifaddr", "ifa_address"), 0x0f02000a);
	put(ifa + off("struct in_ifaddr", "ifa_label"), "eth0", 5);
	{
		uint8_t plen = 24;

		put(ifa + off("struct in_ifaddr", "ifa_prefixlen"), &plen, 1);
	}
}

int main(int argc, char **argv)
{
	char path[4096];
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: seeds proc|filecache|net DIR\n");
		return 2;
	}
	dk = syn_open(NULL, 0);
	if (!strcmp(argv[1], "proc")) {
		struct dp_set set;

		if (!dp_read_protected(dk, &set))
			dp_set_free(&set);
		seed_proc();
		/* The skeleton once through the reader: the socket layout, in its order. */
		dk_close(dk);
		dk = syn_open(mem, top);
		if (!dp_read_protected(dk, &set))
			dp_set_free(&set);
		seed_socket();
		if (check_pipe_lock() || check_fifo() || check_unix() || check_tcp_states() || check_zombie() || check_timers() ||
		    check_sysv() || check_anon())
			return 1;
	} else if (!strcmp(argv[1], "filecache")) {
		struct fc_scan scan;

		if (!fc_scan(dk, &scan))
			fc_scan_free(&scan);
		seed_filecache();
	} else if (!strcmp(argv[1], "net")) {
		struct dn_nic nic;

		dn_find_nic(dk, (const unsigned char *)"\0\0\0\0\0\0", &nic);
		seed_net();
	} else {
		return 0;
	}
	snprintf(path, sizeof(path), "%s/seed", argv[2]);
	f = fopen(path, "wb");
	if (!f || fwrite(mem, 1, top, f) != top || fclose(f)) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}
