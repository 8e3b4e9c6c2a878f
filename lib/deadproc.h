/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libdeadproc: the state of the protected processes of a dead kernel, read
 * from its memory with libdeadkernel: per process its threads (user
 * registers, FS/GS base, FPU/xsave state, signal mask and pending signals,
 * alternate stack, robust futex list, rseq, a system call in progress),
 * credentials, memory map and pages, open files, cwd and root, and signal
 * handlers. Kernel-mode execution state is never carried over: a system
 * call in progress is set to restart, as a signal would, or completed with
 * the part the dead kernel had done as its result (lib/inflight.h).
 *
 * What cannot be carried over is listed in the process's problems; a
 * process with problems must not be resumed.
 */
#ifndef ORTHROS_LIB_DEADPROC_H
#define ORTHROS_LIB_DEADPROC_H

#include <stdbool.h>
#include <stdint.h>

#include "deadkernel.h"

#define DP_PATH_MAX	4096
#define DP_NSIG		64
#define DP_AUXV_MAX	64
#define DP_NRLIMITS	16
#define DP_SIGINFO_SIZE	128		/* siginfo_t */
#define DP_SIGQUEUE_MAX	1024

/* The x86-64 user registers in struct pt_regs order. */
struct dp_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

/*
 * The dead kernel's record of how far the thread's system call got
 * (include/linux/orthros_inflight.h), as read: untrusted.
 */
enum dp_inflight_kind {
	DP_INFLIGHT_NONE, DP_INFLIGHT_FILE_WRITE, DP_INFLIGHT_TCP_SEND, DP_INFLIGHT_TCP_RECV,
	DP_INFLIGHT_PIPE_WRITE, DP_INFLIGHT_PIPE_READ,
	DP_INFLIGHT_UNKNOWN,		/* a kind this reader does not know */
};

struct dp_inflight {
	enum dp_inflight_kind kind;
	uint64_t obj;			/* struct file (a file or a pipe) or struct sock */
	uint64_t start, size, count, done;
};

/* What becomes of the system call a thread was in (lib/inflight.h). */
enum dp_syscall_fate {
	DP_SYSCALL_NONE,		/* not in one, or it had returned */
	DP_SYSCALL_RESTART,		/* nothing done running it again repeats */
	DP_SYSCALL_COMPLETED,		/* part done: that is its result */
};

struct dp_thread {
	int tid;
	char comm[16];
	struct dp_regs regs;
	struct dp_inflight inflight;
	enum dp_syscall_fate syscall;	/* set: ip moved back, or ax the result */
	uint64_t fs_base, gs_base;
	uint16_t fsindex, gsindex, ds, es;
	unsigned char *xsave;		/* struct xregs_state, standard format */
	uint32_t xsave_size;
	uint64_t xfeatures;		/* what xsave holds */
	uint64_t blocked, pending;	/* signal sets (bit n-1 = signal n) */
	unsigned char (*siginfo)[DP_SIGINFO_SIZE];	/* queued signals, in order */
	unsigned int nsiginfo;
	uint64_t clear_child_tid;
	uint64_t sas_sp, sas_size;
	uint32_t sas_flags;
	uint64_t robust_list, robust_len;
	uint64_t rseq;
	uint32_t rseq_len, rseq_sig;
	int nice;
	uint32_t policy;
};

struct dp_creds {
	uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t securebits;
	uint32_t ngroups;
	uint32_t groups[32];
};

/*
 * A file as it was opened, or as it was mapped: a file by path, an
 * anonymous pipe, an IPv4/IPv6 socket, an epoll instance, the kernel's
 * file behind shared anonymous memory, or something not carried over.
 */
enum dp_file_kind {
	DP_REG, DP_PIPE, DP_FIFO, DP_INET, DP_UNIX, DP_EPOLL, DP_SHMEM, DP_EVENTFD, DP_SIGNALFD,
	DP_OTHER
};

/*
 * A TCP connection, established or closing: sequence numbers (FINs counted
 * in them), windows, queued data (FINs not counted), as CRIU's libsoccr.
 */
struct dp_tcp {
	uint32_t inq_seq, inq_len;	/* rcv_nxt; bytes received, not yet read */
	uint32_t outq_seq, outq_len;	/* write_seq; bytes not yet acknowledged */
	uint32_t unsq_len;		/* of those, not yet sent */
	uint32_t snd_nxt;		/* the next sequence number to send (a reset's) */
	unsigned char *inq, *outq;
	uint32_t snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup;
	uint32_t opt_mask, snd_wscale, rcv_wscale, mss_clamp, timestamp;
	bool nodelay;
};

/* A TCP or UDP socket. Addresses as in memory (network order). */
struct dp_inet {
	uint64_t sk;			/* struct sock in the dead kernel */
	uint32_t family;		/* AF_INET or AF_INET6 */
	uint32_t type, proto, state;	/* SOCK_*, IPPROTO_*, TCP_* numbering */
	uint32_t src_addr, dst_addr;	/* IPv4 */
	uint32_t src6[4], dst6[4];	/* IPv6 (v4-mapped for IPv4 peers) */
	bool v6only;
	uint16_t src_port, dst_port;	/* host order */
	uint32_t backlog, rcvbuf, sndbuf;
	bool reuseaddr;
	uint32_t shutdown;		/* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2, as CRIU's sk_shutdown */
	struct dp_tcp *tcp;		/* a TCP connection (dst_port set) only */
};

struct dp_file;

/*
 * A POSIX timer as timer_gettime() shows it: its id, clock, how it
 * notifies (signal number, value, thread), what is left until it fires
 * (0: disarmed) and its interval.
 */
struct dp_posix_timer {
	int32_t id, clock, notify, notify_tid;
	uint32_t signo, overrun;
	uint64_t sival, value_ns, interval_ns;
};

/* A message (or, on a stream, a run of bytes) queued to a Unix socket. */
struct dp_unix_packet {
	uint32_t len;
	unsigned char *data;
};

#define DP_UNIX_NAME_MAX 108		/* sizeof(sun_path) */

/*
 * A Unix socket (lib/deadunix.c): stream, seqpacket or datagram; its name
 * (a path, or abstract: a first byte 0), its peer by the peer's socket
 * inode, and what is queued to it, not yet read. A socket bound to a path
 * has the folder it is in (dir, its identity as a file's) and its file's
 * owner and mode.
 */
struct dp_unix {
	uint64_t sk, peer_sk;		/* struct sock, its peer's, in the dead kernel */
	uint64_t peer_ino;		/* the peer's socket inode; 0: none */
	uint32_t type, state;		/* SOCK_*, TCP_* numbering as the kernel's */
	uint32_t backlog, rcvbuf, sndbuf, shutdown;
	bool passcred, passsec;		/* SO_PASSCRED, SO_PASSSEC */
	unsigned char name[DP_UNIX_NAME_MAX];
	uint32_t namelen;		/* bytes of name; 0: not bound */
	char peer_name[DP_UNIX_NAME_MAX + 2];	/* the peer's, to name it: "/path", "@abstract" */
	uint64_t path_mnt, path_dentry;	/* a path's: struct vfsmount, struct dentry */
	struct dp_file *dir;		/* a path's folder, as an open file (its identity) */
	uint32_t file_mode, file_uid, file_gid;	/* a path's socket file */
	struct dp_unix_packet *packets;
	unsigned int npackets;
};

/* A file an epoll instance watches, by the fd it was added with. */
struct dp_epoll_tfd {
	int fd;
	uint32_t events;
	uint64_t data;
	uint64_t file;			/* the file it watches, in the dead kernel */
};

struct dp_file {
	uint64_t addr;			/* struct file in the dead kernel */
	enum dp_file_kind kind;
	char path[DP_PATH_MAX];		/* absolute, across mounts */
	uint32_t flags;			/* f_flags (O_*) */
	uint64_t pos, size, ino;
	uint32_t mode;
	bool unlinked;
	/* Its identity (lib/fileident.h): the dead kernel's inode and file system. */
	uint32_t generation;
	uint32_t rdev;			/* the kernel's dev_t: major << 20 | minor */
	int64_t ctime_sec;
	uint64_t ctime_nsec;
	unsigned char fs_uuid[16];	/* super_block.s_uuid; zeros: it has none */
	const char *what;		/* an anonymous inode's kind ("a timerfd"), or NULL */
	uint64_t anon_value;		/* DP_EVENTFD: its counter; DP_SIGNALFD: its signal mask */
	struct dp_inet *inet;		/* DP_INET */
	struct dp_unix *unx;		/* DP_UNIX */
	unsigned char *pipe_data;	/* DP_PIPE, DP_FIFO: bytes written, not yet read */
	uint32_t pipe_len, pipe_size;	/* and the pipe's capacity */
	struct dp_epoll_tfd *tfds;	/* DP_EPOLL: what it watches */
	unsigned int ntfds;
};

struct dp_fd {
	int fd;
	int file;			/* index into proc->files */
	bool cloexec;
};

struct dp_vma {
	uint64_t start, end, pgoff;
	uint64_t vm_flags;		/* VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, ... */
	int file;			/* index into proc->files, -1: anonymous */
	uint64_t shmid;			/* shared anonymous memory: its object, else 0 */
	bool vdso, vvar, stack, heap;
};

/* Pages to restore: npages from vaddr, the dead frames in pfn[]. */
struct dp_pages {		/* never across a VMA boundary */
	uint64_t vaddr;
	uint32_t npages;
	uint64_t *pfn;
};

struct dp_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct dp_proc {
	int pid, ppid, pgid, sid;
	char comm[16];
	struct dp_thread *threads;	/* threads[0] is the leader */
	unsigned int nthreads;
	struct dp_creds creds;
	/* Memory. */
	uint64_t start_code, end_code, start_data, end_data, start_brk, brk;
	uint64_t start_stack, arg_start, arg_end, env_start, env_end;
	uint64_t auxv[DP_AUXV_MAX];
	unsigned int nauxv;
	int exe;			/* index into files */
	struct dp_vma *vmas;
	unsigned int nvmas;
	struct dp_pages *pages;
	unsigned int npages_runs;
	uint64_t npages;
	/* Files. */
	struct dp_file *files;
	unsigned int nfiles;
	struct dp_fd *fds;
	unsigned int nfds;
	char cwd[DP_PATH_MAX], root[DP_PATH_MAX];
	struct dp_file cwd_file;	/* the working directory's identity */
	uint32_t umask;
	struct dp_sigaction sigaction[DP_NSIG];
	uint32_t personality;
	uint64_t rlim[DP_NRLIMITS][2];	/* cur, max */
	unsigned char (*shared_siginfo)[DP_SIGINFO_SIZE];	/* queued for the process */
	unsigned int nshared_siginfo;
	/* ITIMER_REAL: ns left (0: not armed) and its interval. */
	uint64_t itimer_real_ns, itimer_real_interval_ns;
	/* ITIMER_PROF [0] and ITIMER_VIRTUAL [1]: CPU time left, interval (0: disarmed) */
	uint64_t itimer_cpu_ns[2], itimer_cpu_interval_ns[2];
	struct dp_posix_timer *ptimers;	/* POSIX timers (lib/deadtimer.c) */
	unsigned int nptimers;
	/* Exited, not reaped: nothing above but pid, ppid, pgid, sid and comm is read. */
	bool zombie;
	uint32_t exit_status;		/* as wait() reports it */
	/* Why it cannot be resumed; empty if it can. */
	char problems[1024];
};

/*
 * Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS): one object however
 * many processes map it, its pages by offset (vaddr is the offset).
 */
struct dp_shmem {
	uint64_t shmid;			/* its inode number in the dead kernel */
	uint64_t size;			/* bytes */
	struct dp_pages *pages;		/* runs of present pages, vaddr = offset */
	unsigned int npages_runs;
	uint64_t npages;
};

struct dp_set {
	struct dp_proc *procs;		/* parents before children */
	unsigned int nprocs;
	struct dp_shmem *shmems;	/* what their shared anonymous mappings hold */
	unsigned int nshmems;
};

/*
 * The protected processes (orthros_protected), their threads and
 * descendants. 0, or -1 with dk_error() set when the dead kernel cannot be
 * read at all; a process that cannot be read completely is still listed,
 * with its problems.
 */
int dp_read_protected(struct dk *dk, struct dp_set *set);
void dp_set_free(struct dp_set *set);

/* The root of p's process tree in set: its oldest ancestor there. */
const struct dp_proc *dp_tree_root(const struct dp_set *set, const struct dp_proc *p);

/*
 * A tree comes back whole or not at all: a child restored without its
 * parent would be re-parented to init, and a parent restored without its
 * child would wait for it forever. Every process sharing a tree with one
 * that cannot be restored gets a problem naming it; so does every process
 * with a Unix socket connected to one that is not restored, and so on
 * until no refusal breaks another tree or connection.
 */
void dp_refuse_broken_trees(struct dp_set *set);

/* Add to a process's problems (it will not be resumed). */
void dp_problem(struct dp_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
