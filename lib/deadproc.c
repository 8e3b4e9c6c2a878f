// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdeadproc: read the protected processes out of a dead kernel's memory.
 * See deadproc.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/orthros/protect.h>

#include "deadfs.h"
#include "deadproc.h"
#include "inflight.h"
#include "deadanon.h"
#include "deadipc.h"
#include "deadsock.h"
#include "deadtimer.h"
#include "deadunix.h"

#define PAGE_SIZE	4096ULL
#define MAX_PROCS	4096
#define MAX_THREADS	4096
#define MAX_FDS		65536
#define USER_CS		0x33
#define USER_DS		0x2b
#define PAGE_MAPPING_ANON 1
#define VM_SHARED	0x08ULL
#define VM_GROWSDOWN	0x100ULL
#define XFEATURE_MASK_CRIU 0x2ffULL		/* x87 ... AVX-512, PKRU: what CRIU restores */
#define XFEATURE_MASK_USER 0x602ffULL		/* and AMX: the rest are the kernel's */
#define AF_UNIX_	1
#define H(x) ((unsigned long long)(x))

/* Field offsets of this build, from BTF, looked up once per read. */
struct dp_layout {
	struct dk_fs_layout fs;
	uint32_t t_tasks, t_pid, t_tgid, t_comm, t_children, t_sibling, t_parent, t_leader;
	uint32_t t_thread_group, t_mm, t_fs, t_files, t_signal, t_sighand, t_blocked;
	uint32_t t_pending, t_stack, t_fsbase, t_gsbase, t_fsindex, t_gsindex, t_es, t_ds;
	uint32_t t_fpstate, t_clear_tid, t_sas_sp, t_sas_size, t_sas_flags, t_robust;
	uint32_t t_rseq, t_rseq_sig, t_cred, t_start, t_flags, t_exit_state, t_personality;
	uint32_t t_prio, t_policy;
	uint32_t t_if_kind, t_if_obj, t_if_start, t_if_size, t_if_count, t_if_done;
	int64_t if_kinds[DP_INFLIGHT_UNKNOWN];	/* the kernel's value of each kind */
	uint32_t sig_pids, sig_shared_pending, sig_shared_list, sig_rlim, pid_numbers, upid_nr;
	uint32_t t_exit_code, sig_flags, sig_group_exit_code, t_sem_undo, ul_list_proc;
	uint32_t sig_real_timer, sig_it_real_incr, sig_it, sig_posix_timers, hrt_expires, hrt_state;
	uint32_t cit_size, cit_expires, cit_incr, sig_cpu_utime, sig_cpu_stime;
	uint64_t now_ns;		/* the dead kernel's CLOCK_MONOTONIC at its last tick */
	uint32_t t_pending_list, sq_info, ksiginfo_size;
	uint32_t sp_signal;
	uint32_t sh_action, ka_size, sa_handler, sa_flags, sa_restorer, sa_mask;
	uint32_t c_uid, c_gid, c_suid, c_sgid, c_euid, c_egid, c_fsuid, c_fsgid;
	uint32_t c_securebits, c_cap_inh, c_cap_prm, c_cap_eff, c_cap_bnd, c_cap_amb;
	uint32_t c_groups, gi_ngroups, gi_gid;
	uint32_t mm_mt, mm_pgd, mm_start_code, mm_end_code, mm_start_data, mm_end_data;
	uint32_t mm_start_brk, mm_brk, mm_start_stack, mm_arg_start, mm_arg_end;
	uint32_t mm_env_start, mm_env_end, mm_auxv, mm_exe, mm_vdso, n_auxv;
	uint32_t vma_start, vma_end, vma_flags, vma_pgoff, vma_file;
	uint32_t fs_umask, fs_root, fs_pwd, path_mnt, path_dentry;
	uint32_t files_fdt, fdt_max, fdt_fd, fdt_cloexec;
	uint32_t f_path, f_inode, f_flags, f_pos;
	uint32_t i_mode, i_size, i_ino, i_nlink, i_pipe, vfsmnt_sb, sb_magic;
	uint32_t i_generation, i_ctime_sec, i_ctime_nsec, i_rdev, i_sb, sb_uuid, d_inode;
	uint32_t i_uid, i_gid;
	uint32_t pi_head, pi_tail, pi_ring, pi_bufs, pi_owner, pb_page, pb_offset, pb_len, pb_size;
	uint32_t fps_size, fps_xfeatures, fps_regs;
	uint32_t regs_size, pg_mapping;
	uint64_t vdso_data, vdso_size;	/* the kernel's own vDSO image (vdso_image_64) */
	int64_t pidtype_pgid, pidtype_sid;
	/* epoll instances; the kernel's files behind shared anonymous memory */
	uint32_t f_op, f_private, ep_rbr, epi_rbn, epi_fd, epi_file, epi_events, epi_data;
	uint32_t rb_left, rb_right, i_mapping, as_pages;
	uint64_t eventpoll_fops, shm_mnt;
};

static int layout(struct dk *dk, struct dp_layout *l)
{
	uint32_t vi_data, vi_size;
	const struct dk_field f[] = {
		{ "struct task_struct", "tasks", &l->t_tasks },
		{ "struct task_struct", "pid", &l->t_pid },
		{ "struct task_struct", "tgid", &l->t_tgid },
		{ "struct task_struct", "comm", &l->t_comm },
		{ "struct task_struct", "children", &l->t_children },
		{ "struct task_struct", "sibling", &l->t_sibling },
		{ "struct task_struct", "real_parent", &l->t_parent },
		{ "struct task_struct", "group_leader", &l->t_leader },
		{ "struct task_struct", "thread_group", &l->t_thread_group },
		{ "struct task_struct", "mm", &l->t_mm },
		{ "struct task_struct", "fs", &l->t_fs },
		{ "struct task_struct", "files", &l->t_files },
		{ "struct task_struct", "signal", &l->t_signal },
		{ "struct task_struct", "sighand", &l->t_sighand },
		{ "struct task_struct", "blocked", &l->t_blocked },
		{ "struct task_struct", "pending.signal", &l->t_pending },
		{ "struct task_struct", "stack", &l->t_stack },
		{ "struct task_struct", "thread.fsbase", &l->t_fsbase },
		{ "struct task_struct", "thread.gsbase", &l->t_gsbase },
		{ "struct task_struct", "thread.fsindex", &l->t_fsindex },
		{ "struct task_struct", "thread.gsindex", &l->t_gsindex },
		{ "struct task_struct", "thread.es", &l->t_es },
		{ "struct task_struct", "thread.ds", &l->t_ds },
		{ "struct task_struct", "thread.fpu.fpstate", &l->t_fpstate },
		{ "struct task_struct", "clear_child_tid", &l->t_clear_tid },
		{ "struct task_struct", "sas_ss_sp", &l->t_sas_sp },
		{ "struct task_struct", "sas_ss_size", &l->t_sas_size },
		{ "struct task_struct", "sas_ss_flags", &l->t_sas_flags },
		{ "struct task_struct", "robust_list", &l->t_robust },
		{ "struct task_struct", "rseq", &l->t_rseq },
		{ "struct task_struct", "rseq_sig", &l->t_rseq_sig },
		{ "struct task_struct", "real_cred", &l->t_cred },
		{ "struct task_struct", "start_time", &l->t_start },
		{ "struct task_struct", "flags", &l->t_flags },
		{ "struct task_struct", "exit_state", &l->t_exit_state },
		{ "struct task_struct", "personality", &l->t_personality },
		{ "struct task_struct", "static_prio", &l->t_prio },
		{ "struct task_struct", "policy", &l->t_policy },
		{ "struct task_struct", "orthros_inflight.kind", &l->t_if_kind },
		{ "struct task_struct", "orthros_inflight.obj", &l->t_if_obj },
		{ "struct task_struct", "orthros_inflight.start", &l->t_if_start },
		{ "struct task_struct", "orthros_inflight.size", &l->t_if_size },
		{ "struct task_struct", "orthros_inflight.count", &l->t_if_count },
		{ "struct task_struct", "orthros_inflight.done", &l->t_if_done },
		{ "struct signal_struct", "pids", &l->sig_pids },
		{ "struct signal_struct", "shared_pending.signal", &l->sig_shared_pending },
		{ "struct signal_struct", "rlim", &l->sig_rlim },
		{ "struct signal_struct", "flags", &l->sig_flags },
		{ "struct signal_struct", "real_timer", &l->sig_real_timer },
		{ "struct signal_struct", "it_real_incr", &l->sig_it_real_incr },
		{ "struct signal_struct", "it", &l->sig_it },
		{ "struct cpu_itimer", "expires", &l->cit_expires },
		{ "struct cpu_itimer", "incr", &l->cit_incr },
		{ "struct signal_struct", "cputimer.cputime_atomic.utime", &l->sig_cpu_utime },
		{ "struct signal_struct", "cputimer.cputime_atomic.stime", &l->sig_cpu_stime },
		{ "struct signal_struct", "posix_timers", &l->sig_posix_timers },
		{ "struct hrtimer", "node.expires", &l->hrt_expires },
		{ "struct hrtimer", "state", &l->hrt_state },
		{ "struct signal_struct", "group_exit_code", &l->sig_group_exit_code },
		{ "struct task_struct", "exit_code", &l->t_exit_code },
		{ "struct task_struct", "sysvsem.undo_list", &l->t_sem_undo },
		{ "struct sem_undo_list", "list_proc", &l->ul_list_proc },
		{ "struct signal_struct", "shared_pending.list", &l->sig_shared_list },
		{ "struct task_struct", "pending.list", &l->t_pending_list },
		{ "struct sigqueue", "info", &l->sq_info },
		{ "struct pid", "numbers", &l->pid_numbers },
		{ "struct upid", "nr", &l->upid_nr },
		{ "struct sighand_struct", "action", &l->sh_action },
		{ "struct k_sigaction", "sa.sa_handler", &l->sa_handler },
		{ "struct k_sigaction", "sa.sa_flags", &l->sa_flags },
		{ "struct k_sigaction", "sa.sa_restorer", &l->sa_restorer },
		{ "struct k_sigaction", "sa.sa_mask", &l->sa_mask },
		{ "struct cred", "uid", &l->c_uid },
		{ "struct cred", "gid", &l->c_gid },
		{ "struct cred", "suid", &l->c_suid },
		{ "struct cred", "sgid", &l->c_sgid },
		{ "struct cred", "euid", &l->c_euid },
		{ "struct cred", "egid", &l->c_egid },
		{ "struct cred", "fsuid", &l->c_fsuid },
		{ "struct cred", "fsgid", &l->c_fsgid },
		{ "struct cred", "securebits", &l->c_securebits },
		{ "struct cred", "cap_inheritable", &l->c_cap_inh },
		{ "struct cred", "cap_permitted", &l->c_cap_prm },
		{ "struct cred", "cap_effective", &l->c_cap_eff },
		{ "struct cred", "cap_bset", &l->c_cap_bnd },
		{ "struct cred", "cap_ambient", &l->c_cap_amb },
		{ "struct cred", "group_info", &l->c_groups },
		{ "struct group_info", "ngroups", &l->gi_ngroups },
		{ "struct group_info", "gid", &l->gi_gid },
		{ "struct mm_struct", "mm_mt", &l->mm_mt },
		{ "struct mm_struct", "pgd", &l->mm_pgd },
		{ "struct mm_struct", "start_code", &l->mm_start_code },
		{ "struct mm_struct", "end_code", &l->mm_end_code },
		{ "struct mm_struct", "start_data", &l->mm_start_data },
		{ "struct mm_struct", "end_data", &l->mm_end_data },
		{ "struct mm_struct", "start_brk", &l->mm_start_brk },
		{ "struct mm_struct", "brk", &l->mm_brk },
		{ "struct mm_struct", "start_stack", &l->mm_start_stack },
		{ "struct mm_struct", "arg_start", &l->mm_arg_start },
		{ "struct mm_struct", "arg_end", &l->mm_arg_end },
		{ "struct mm_struct", "env_start", &l->mm_env_start },
		{ "struct mm_struct", "env_end", &l->mm_env_end },
		{ "struct mm_struct", "saved_auxv", &l->mm_auxv },
		{ "struct mm_struct", "exe_file", &l->mm_exe },
		{ "struct mm_struct", "context.vdso", &l->mm_vdso },
		{ "struct vm_area_struct", "vm_start", &l->vma_start },
		{ "struct vm_area_struct", "vm_end", &l->vma_end },
		{ "struct vm_area_struct", "vm_flags", &l->vma_flags },
		{ "struct vm_area_struct", "vm_pgoff", &l->vma_pgoff },
		{ "struct vm_area_struct", "vm_file", &l->vma_file },
		{ "struct fs_struct", "umask", &l->fs_umask },
		{ "struct fs_struct", "root", &l->fs_root },
		{ "struct fs_struct", "pwd", &l->fs_pwd },
		{ "struct path", "mnt", &l->path_mnt },
		{ "struct path", "dentry", &l->path_dentry },
		{ "struct files_struct", "fdt", &l->files_fdt },
		{ "struct fdtable", "max_fds", &l->fdt_max },
		{ "struct fdtable", "fd", &l->fdt_fd },
		{ "struct fdtable", "close_on_exec", &l->fdt_cloexec },
		{ "struct file", "f_path", &l->f_path },
		{ "struct file", "f_inode", &l->f_inode },
		{ "struct file", "f_flags", &l->f_flags },
		{ "struct file", "f_pos", &l->f_pos },
		{ "struct inode", "i_mode", &l->i_mode },
		{ "struct inode", "i_size", &l->i_size },
		{ "struct inode", "i_ino", &l->i_ino },
		{ "struct inode", "__i_nlink", &l->i_nlink },
		{ "struct inode", "i_pipe", &l->i_pipe },
		{ "struct inode", "i_generation", &l->i_generation },
		{ "struct inode", "i_uid", &l->i_uid },
		{ "struct inode", "i_gid", &l->i_gid },
		{ "struct inode", "i_ctime.tv_sec", &l->i_ctime_sec },
		{ "struct inode", "i_ctime.tv_nsec", &l->i_ctime_nsec },
		{ "struct inode", "i_rdev", &l->i_rdev },
		{ "struct inode", "i_sb", &l->i_sb },
		{ "struct super_block", "s_uuid", &l->sb_uuid },
		{ "struct dentry", "d_inode", &l->d_inode },
		{ "struct vfsmount", "mnt_sb", &l->vfsmnt_sb },
		{ "struct super_block", "s_magic", &l->sb_magic },
		{ "struct pipe_inode_info", "head", &l->pi_head },
		{ "struct pipe_inode_info", "tail", &l->pi_tail },
		{ "struct pipe_inode_info", "mutex.owner", &l->pi_owner },
		{ "struct pipe_inode_info", "ring_size", &l->pi_ring },
		{ "struct pipe_inode_info", "bufs", &l->pi_bufs },
		{ "struct pipe_buffer", "page", &l->pb_page },
		{ "struct pipe_buffer", "offset", &l->pb_offset },
		{ "struct pipe_buffer", "len", &l->pb_len },
		{ "struct fpstate", "size", &l->fps_size },
		{ "struct fpstate", "xfeatures", &l->fps_xfeatures },
		{ "struct fpstate", "regs", &l->fps_regs },
		{ "struct page", "mapping", &l->pg_mapping },
		{ "struct vdso_image", "data", &vi_data },
		{ "struct vdso_image", "size", &vi_size },
		{ "struct file", "f_op", &l->f_op },
		{ "struct file", "private_data", &l->f_private },
		{ "struct eventpoll", "rbr", &l->ep_rbr },
		{ "struct epitem", "rbn", &l->epi_rbn },
		{ "struct epitem", "ffd.fd", &l->epi_fd },
		{ "struct epitem", "ffd.file", &l->epi_file },
		{ "struct epitem", "event.events", &l->epi_events },
		{ "struct epitem", "event.data", &l->epi_data },
		{ "struct rb_node", "rb_left", &l->rb_left },
		{ "struct rb_node", "rb_right", &l->rb_right },
		{ "struct inode", "i_mapping", &l->i_mapping },
		{ "struct address_space", "i_pages", &l->as_pages },
	};
	uint64_t shm_mnt, vdso, jiffies_ktime;

	if (dk_offsets(dk, f, DK_NFIELDS(f)) || dk_symbol(dk, "eventpoll_fops", &l->eventpoll_fops) ||
	    dk_symbol(dk, "shm_mnt", &shm_mnt) || dk_read_u64(dk, shm_mnt, &l->shm_mnt) ||
	    dk_symbol(dk, "vdso_image_64", &vdso) || dk_read_u64(dk, vdso + vi_data, &l->vdso_data) ||
	    dk_read_u64(dk, vdso + vi_size, &l->vdso_size) ||
	    dk_symbol(dk, "last_jiffies_update", &jiffies_ktime) ||
	    dk_read_u64(dk, jiffies_ktime, &l->now_ns))
		return -1;
	return dk_fs_layout(dk, &l->fs) ||
	       dk_sizeof(dk, "struct k_sigaction", &l->ka_size) ||
	       dk_sizeof(dk, "struct cpu_itimer", &l->cit_size) ||
	       dk_sizeof(dk, "struct pipe_buffer", &l->pb_size) ||
	       dk_sizeof(dk, "struct kernel_siginfo", &l->ksiginfo_size) ||
	       dk_sizeof(dk, "struct pt_regs", &l->regs_size) ||
	       dk_array_len(dk, "struct mm_struct", "saved_auxv", &l->n_auxv) ||
	       dk_enum(dk, "PIDTYPE_PGID", &l->pidtype_pgid) ||
	       dk_enum(dk, "PIDTYPE_SID", &l->pidtype_sid) ||
	       dk_enum(dk, "ORTHROS_INFLIGHT_NONE", &l->if_kinds[DP_INFLIGHT_NONE]) ||
	       dk_enum(dk, "ORTHROS_INFLIGHT_FILE_WRITE", &l->if_kinds[DP_INFLIGHT_FILE_WRITE]) ||
	       dk_enum(dk, "ORTHROS_INFLIGHT_TCP_SEND", &l->if_kinds[DP_INFLIGHT_TCP_SEND]) ||
	       dk_enum(dk, "ORTHROS_INFLIGHT_TCP_RECV", &l->if_kinds[DP_INFLIGHT_TCP_RECV]) ||
	       dk_enum(dk, "ORTHROS_INFLIGHT_PIPE_WRITE", &l->if_kinds[DP_INFLIGHT_PIPE_WRITE]) ||
	       dk_enum(dk, "ORTHROS_INFLIGHT_PIPE_READ", &l->if_kinds[DP_INFLIGHT_PIPE_READ]) ? -1 : 0;
}

struct ctx {
	struct dk *dk;
	struct dp_layout l;
	struct dp_set *set;
	struct dp_proc *proc;
	const struct orthros_protected_set *prot;
	uint64_t *tasks;		/* leaders to read, parents first */
	unsigned int ntasks;
};

#define problem dp_problem

void dp_problem(struct dp_proc *p, const char *fmt, ...)
{
	size_t n = strlen(p->problems);
	va_list ap;

	if (n + 3 >= sizeof(p->problems))
		return;
	if (n)
		strcpy(p->problems + n, "; "), n += 2;
	va_start(ap, fmt);
	vsnprintf(p->problems + n, sizeof(p->problems) - n, fmt, ap);
	va_end(ap);
}

static int rd(struct ctx *c, uint64_t va, void *buf, size_t len)
{
	return dk_read(c->dk, va, buf, len);
}

static int rd64(struct ctx *c, uint64_t va, uint64_t *v)
{
	return dk_read_u64(c->dk, va, v);
}

static int rd32(struct ctx *c, uint64_t va, uint32_t *v)
{
	return dk_read(c->dk, va, v, 4);
}

/* ---- Which tasks ---- */

static bool have_task(struct ctx *c, uint64_t t)
{
	unsigned int i;

	for (i = 0; i < c->ntasks; i++)
		if (c->tasks[i] == t)
			return true;
	return false;
}

static int add_task(struct ctx *c, uint64_t t)
{
	uint64_t *n;

	if (have_task(c, t))
		return 0;
	if (c->ntasks == MAX_PROCS)
		return dk_fail(c->dk, "more than %d protected processes", MAX_PROCS);
	n = realloc(c->tasks, (c->ntasks + 1) * sizeof(*n));
	if (!n)
		return dk_fail(c->dk, "out of memory");
	c->tasks = n;
	c->tasks[c->ntasks++] = t;
	return 0;
}

static int find_protected(struct dk *dk, uint64_t node, void *arg)
{
	struct ctx *c = arg;
	uint64_t t = node - c->l.t_tasks, start;
	uint32_t pid, i;

	if (rd32(c, t + c->l.t_tgid, &pid) || rd64(c, t + c->l.t_start, &start))
		return dk_fail(dk, "task 0x%llx unreadable: %s", H(t), dk_error(dk));
	for (i = 0; i < c->prot->count; i++)
		if ((uint32_t)c->prot->proc[i].pid == pid && c->prot->proc[i].start_time == start)
			return add_task(c, t);
	return 0;
}

/* Children are thread-group leaders or threads; keep their leaders. */
static int add_child(struct dk *dk, uint64_t node, void *arg)
{
	struct ctx *c = arg;
	uint64_t t = node - c->l.t_sibling, leader;

	if (rd64(c, t + c->l.t_leader, &leader))
		return dk_fail(dk, "task 0x%llx unreadable: %s", H(t), dk_error(dk));
	return add_task(c, leader);
}

/*
 * A child is on the children list of the thread that forked it, not of
 * its leader: the leader's list, then every other thread's.
 */
static int add_children_of_thread(struct dk *dk, uint64_t node, void *arg)
{
	struct ctx *c = arg;

	return dk_list_walk(dk, node - c->l.t_thread_group + c->l.t_children, add_child, c) < 0 ? -1 : 0;
}

/* ---- One thread ---- */

struct sigq {
	struct ctx *c;
	unsigned char (**info)[DP_SIGINFO_SIZE];
	unsigned int *n;
};

/* A queued signal: its kernel_siginfo is the head of a siginfo_t. */
static int add_siginfo(struct dk *dk, uint64_t node, void *arg)
{
	struct sigq *q = arg;
	unsigned char (*n)[DP_SIGINFO_SIZE];
	uint32_t size = q->c->l.ksiginfo_size;

	if (*q->n == DP_SIGQUEUE_MAX || size > DP_SIGINFO_SIZE)
		return dk_fail(dk, "more than %d queued signals", DP_SIGQUEUE_MAX);
	n = realloc(*q->info, (*q->n + 1) * sizeof(*n));
	if (!n)
		return dk_fail(dk, "out of memory");
	*q->info = n;
	memset(n[*q->n], 0, DP_SIGINFO_SIZE);
	if (dk_read(dk, node + q->c->l.sq_info, n[*q->n], size))
		return -1;
	(*q->n)++;
	return 0;
}

static int read_sigqueue(struct ctx *c, uint64_t head, unsigned char (**info)[DP_SIGINFO_SIZE],
			 unsigned int *n)
{
	struct sigq q = { c, info, n };

	/* struct sigqueue begins with its list_head. */
	return dk_list_walk(c->dk, head, add_siginfo, &q);
}

static void read_xsave(struct ctx *c, uint64_t task, struct dp_thread *th, struct dp_proc *p)
{
	uint64_t fps, xfeatures;
	uint32_t size;

	if (rd64(c, task + c->l.t_fpstate, &fps) || rd32(c, fps + c->l.fps_size, &size) ||
	    rd64(c, fps + c->l.fps_xfeatures, &xfeatures)) {
		problem(p, "thread %d: FPU state unreadable", th->tid);
		return;
	}
	if (size < 576 || size > 65536) {
		problem(p, "thread %d: FPU state of %u bytes", th->tid, size);
		return;
	}
	th->xsave = malloc(size);
	if (!th->xsave || rd(c, fps + c->l.fps_regs, th->xsave, size)) {
		problem(p, "thread %d: FPU state unreadable", th->tid);
		free(th->xsave);
		th->xsave = NULL;
		return;
	}
	th->xsave_size = size;
	th->xfeatures = xfeatures;
	{
		uint64_t bv;

		memcpy(&bv, th->xsave + 512, 8);	/* header: xstate_bv */
		if (bv & XFEATURE_MASK_USER & ~XFEATURE_MASK_CRIU)
			problem(p, "thread %d: xsave components 0x%llx in use, CRIU restores 0x%llx",
				th->tid, H(bv), H(XFEATURE_MASK_CRIU));
	}
}

/*
 * The kernel's record of how far the thread's system call got, for
 * dp_inflight_resolve() once the process's files are read.
 */
static void read_inflight(struct ctx *c, uint64_t t, struct dp_thread *th, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	struct dp_inflight *in = &th->inflight;
	uint32_t kind;
	int k;

	if (rd32(c, t + l->t_if_kind, &kind) || rd64(c, t + l->t_if_obj, &in->obj) ||
	    rd64(c, t + l->t_if_start, &in->start) || rd64(c, t + l->t_if_size, &in->size) ||
	    rd64(c, t + l->t_if_count, &in->count) || rd64(c, t + l->t_if_done, &in->done)) {
		problem(p, "thread %d: system call record unreadable", th->tid);
		return;
	}
	in->kind = DP_INFLIGHT_UNKNOWN;
	for (k = 0; k < DP_INFLIGHT_UNKNOWN; k++)
		if (kind == (uint64_t)l->if_kinds[k])
			in->kind = k;
}

static void read_thread(struct ctx *c, uint64_t t, struct dp_thread *th, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t stack, prio = 0;
	uint32_t pid, policy;

	memset(th, 0, sizeof(*th));
	if (rd32(c, t + l->t_pid, &pid) || rd(c, t + l->t_comm, th->comm, 16) ||
	    rd64(c, t + l->t_stack, &stack)) {
		problem(p, "task 0x%llx unreadable: %s", H(t), dk_error(c->dk));
		return;
	}
	th->tid = pid;
	th->comm[15] = 0;
	/* User registers: the pt_regs at the top of the kernel stack. */
	if (l->regs_size != sizeof(th->regs) ||
	    rd(c, stack + DK_THREAD_SIZE - l->regs_size, &th->regs, sizeof(th->regs))) {
		problem(p, "thread %d: user registers unreadable", th->tid);
		return;
	}
	if (th->regs.cs != USER_CS || th->regs.ss != USER_DS) {
		problem(p, "thread %d: no 64-bit user context (cs 0x%llx ss 0x%llx)", th->tid,
			H(th->regs.cs), H(th->regs.ss));
		return;
	}
	read_inflight(c, t, th, p);
	if (rd64(c, t + l->t_fsbase, &th->fs_base) || rd64(c, t + l->t_gsbase, &th->gs_base) ||
	    rd(c, t + l->t_fsindex, &th->fsindex, 2) || rd(c, t + l->t_gsindex, &th->gsindex, 2) ||
	    rd(c, t + l->t_ds, &th->ds, 2) || rd(c, t + l->t_es, &th->es, 2) ||
	    rd64(c, t + l->t_blocked, &th->blocked) || rd64(c, t + l->t_pending, &th->pending) ||
	    rd64(c, t + l->t_clear_tid, &th->clear_child_tid) ||
	    rd64(c, t + l->t_sas_sp, &th->sas_sp) || rd64(c, t + l->t_sas_size, &th->sas_size) ||
	    rd32(c, t + l->t_sas_flags, &th->sas_flags) ||
	    rd64(c, t + l->t_robust, &th->robust_list) || rd64(c, t + l->t_rseq, &th->rseq) ||
	    rd32(c, t + l->t_rseq_sig, &th->rseq_sig) || rd(c, t + l->t_prio, &prio, 4) ||
	    rd32(c, t + l->t_policy, &policy)) {
		problem(p, "thread %d: task state unreadable: %s", th->tid, dk_error(c->dk));
		return;
	}
	if (read_sigqueue(c, t + l->t_pending_list, &th->siginfo, &th->nsiginfo))
		problem(p, "thread %d: queued signals: %s", th->tid, dk_error(c->dk));
	th->robust_len = th->robust_list ? 24 : 0;	/* sizeof(struct robust_list_head) */
	th->rseq_len = th->rseq ? 32 : 0;		/* the only size 6.1 accepts */
	th->nice = (int)(uint32_t)prio - 120;
	th->policy = policy;
	read_xsave(c, t, th, p);
}

static int add_thread(struct dk *dk, uint64_t node, void *arg)
{
	struct ctx *c = arg;
	struct dp_proc *p = c->proc;
	struct dp_thread *th;

	(void)dk;
	if (p->nthreads == MAX_THREADS)
		return dk_fail(dk, "process %d: more than %d threads", p->pid, MAX_THREADS);
	th = realloc(p->threads, (p->nthreads + 1) * sizeof(*th));
	if (!th)
		return dk_fail(dk, "out of memory");
	p->threads = th;
	read_thread(c, node - c->l.t_thread_group, &th[p->nthreads++], p);
	return 0;
}

/* ---- Files ---- */

#define PIPEFS_MAGIC	0x50495045
#define PIPE_MAX_BUFS	1024		/* pipe-max-size is 1 MiB: 256 pages */
#define MUTEX_FLAGS	0x07ULL		/* struct mutex's owner: flags below the task */

/*
 * A pipe's unread bytes, in order, from its ring of buffers. A pipe not
 * on the kernel's pipefs is a named pipe (FIFO): the same ring, behind an
 * inode of a file system, opened by path.
 */
static const char *read_pipe(struct ctx *c, uint64_t mnt, uint64_t inode, struct dp_file *f)
{
	const struct dp_layout *l = &c->l;
	uint64_t sb, pipe, bufs, owner;
	uint32_t magic, head, tail, ring, i;

	if (rd64(c, mnt + l->vfsmnt_sb, &sb) || rd32(c, sb + l->sb_magic, &magic))
		return "pipe unreadable";
	if (magic != PIPEFS_MAGIC)
		f->kind = DP_FIFO;
	if (rd64(c, inode + l->i_pipe, &pipe) || rd32(c, pipe + l->pi_head, &head) ||
	    rd32(c, pipe + l->pi_tail, &tail) || rd32(c, pipe + l->pi_ring, &ring) ||
	    rd64(c, pipe + l->pi_bufs, &bufs) || rd64(c, pipe + l->pi_owner, &owner))
		return "pipe unreadable";
	if (!ring || ring > PIPE_MAX_BUFS || ring & (ring - 1) || head - tail > ring)
		return "a corrupt pipe";
	/*
	 * Its mutex held (the owner's task, flags in the low bits): a read or
	 * write was moving bytes, its ring and its record maybe half updated.
	 */
	if (owner & ~MUTEX_FLAGS)
		return "its lock was held at the crash: a read or write of it half done";
	f->pipe_size = ring * PAGE_SIZE;
	f->pipe_data = malloc((uint64_t)(head - tail) * PAGE_SIZE + 1);
	if (!f->pipe_data)
		return "out of memory";
	for (i = tail; i != head; i++) {
		uint64_t b = bufs + (uint64_t)(i & (ring - 1)) * l->pb_size, page, pfn;
		uint32_t off, len;

		if (rd64(c, b + l->pb_page, &page) || rd32(c, b + l->pb_offset, &off) ||
		    rd32(c, b + l->pb_len, &len) || off + len > PAGE_SIZE ||
		    dk_page_to_pfn(c->dk, page, &pfn) ||
		    dk_read_phys(c->dk, pfn * PAGE_SIZE + off, f->pipe_data + f->pipe_len, len))
			return "pipe buffer unreadable";
		f->pipe_len += len;
	}
	return NULL;
}

#define MAX_EPOLL_TFDS	65536

struct epoll_ctx {
	struct ctx *c;
	struct dp_file *f;
};

static int add_tfd(struct dk *dk, uint64_t node, void *arg)
{
	struct epoll_ctx *e = arg;
	const struct dp_layout *l = &e->c->l;
	uint64_t epi = node - l->epi_rbn, tfile;
	struct dp_epoll_tfd *t;
	int32_t fd;

	if (e->f->ntfds == MAX_EPOLL_TFDS)
		return dk_fail(dk, "more than %u files watched", MAX_EPOLL_TFDS);
	t = realloc(e->f->tfds, (e->f->ntfds + 1) * sizeof(*t));
	if (!t)
		return dk_fail(dk, "out of memory");
	e->f->tfds = t;
	t = &t[e->f->ntfds];
	if (dk_read(dk, epi + l->epi_fd, &fd, 4) || dk_read_u64(dk, epi + l->epi_file, &tfile) ||
	    dk_read(dk, epi + l->epi_events, &t->events, 4) ||
	    dk_read_u64(dk, epi + l->epi_data, &t->data))
		return -1;
	t->fd = fd;
	t->file = tfile;
	e->f->ntfds++;
	return 0;
}

/* What an epoll instance watches: its red-black tree of epitems. */
static const char *read_epoll(struct ctx *c, uint64_t file, struct dp_file *f)
{
	struct epoll_ctx e = { c, f };
	uint64_t ep;

	if (rd64(c, file + c->l.f_private, &ep) ||
	    dk_rb_walk(c->dk, ep + c->l.ep_rbr, c->l.rb_left, c->l.rb_right, add_tfd, &e) < 0)
		return dk_error(c->dk);
	return NULL;
}

/* A file of the kernel's shmem mount: why it cannot be restored, or NULL. */
static const char *shmem_kind(struct ctx *c, uint64_t dentry)
{
	char name[32];
	uint64_t at;
	uint32_t n;

	if (rd32(c, dentry + c->l.fs.d_len, &n) || rd64(c, dentry + c->l.fs.d_name, &at) ||
	    n >= sizeof(name) || dk_read(c->dk, at, name, n))
		return "an unreadable shmem file";
	name[n] = 0;
	/*
	 * Shared anonymous memory, once it is mapped; CRIU re-creates it as
	 * a mapped memfd, so after one failover it is a memfd's mapping (an
	 * fd to a memfd is refused in read_files()).
	 */
	if (!strcmp(name, "dev/zero") || !strncmp(name, "memfd:", 6))
		return NULL;
	return !strncmp(name, "SYSV", 4) ? "SysV shared memory" : "a kernel-internal shmem file";
}

/* What tells this file from another of the same name: see lib/fileident.h. */
static int read_identity(struct ctx *c, uint64_t inode, struct dp_file *f)
{
	const struct dp_layout *l = &c->l;
	uint64_t sb, sec, nsec;

	if (rd32(c, inode + l->i_generation, &f->generation) ||
	    rd32(c, inode + l->i_rdev, &f->rdev) || rd64(c, inode + l->i_ctime_sec, &sec) ||
	    rd64(c, inode + l->i_ctime_nsec, &nsec) || rd64(c, inode + l->i_sb, &sb) ||
	    rd(c, sb + l->sb_uuid, f->fs_uuid, sizeof(f->fs_uuid)))
		return -1;
	f->ctime_sec = (int64_t)sec;
	f->ctime_nsec = nsec;
	return 0;
}

/*
 * A Unix socket bound to a path: the path the dead kernel resolves its
 * file to must be the name it was bound with (not renamed, not through a
 * symbolic link), its file not deleted; its folder is taken as an open
 * directory (its identity: the survivor binds the name again in the very
 * folder, lib/fileident.c), its file's owner and mode kept.
 */
static const char *unix_path(struct ctx *c, struct dp_unix *u)
{
	const struct dp_layout *l = &c->l;
	uint64_t inode, parent, dinode;
	char path[DP_PATH_MAX];
	uint16_t mode, dmode;
	uint32_t nlink;
	char *slash;

	if (!memchr(u->name, 0, u->namelen))
		return "a Unix socket with a corrupt name";
	if (dk_dentry_path(c->dk, &l->fs, u->path_mnt, u->path_dentry, path, sizeof(path)))
		return "its path unreadable";
	if (strcmp(path, (const char *)u->name))
		return "its file was renamed or its name went through a link";
	u->dir = calloc(1, sizeof(*u->dir));
	if (!u->dir)
		return "out of memory";
	if (rd64(c, u->path_dentry + l->d_inode, &inode) || rd(c, inode + l->i_mode, &mode, 2) ||
	    rd32(c, inode + l->i_uid, &u->file_uid) || rd32(c, inode + l->i_gid, &u->file_gid) ||
	    rd32(c, inode + l->i_nlink, &nlink) ||
	    rd64(c, u->path_dentry + l->fs.d_parent, &parent) ||
	    rd64(c, parent + l->d_inode, &dinode) || rd(c, dinode + l->i_mode, &dmode, 2) ||
	    rd64(c, dinode + l->i_ino, &u->dir->ino) || read_identity(c, dinode, u->dir))
		return "its file unreadable";
	if (!nlink)
		return "its file was deleted";
	if (!S_ISSOCK(mode) || !S_ISDIR(dmode))
		return "its file is not a socket, or not in a folder";
	u->file_mode = mode & 07777;
	u->dir->kind = DP_REG;
	u->dir->mode = dmode;
	snprintf(u->dir->path, sizeof(u->dir->path), "%s", path);
	slash = strrchr(u->dir->path, '/');
	if (slash == u->dir->path)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	return NULL;
}

static int file_index(struct ctx *c, struct dp_proc *p, uint64_t file)
{
	const struct dp_layout *l = &c->l;
	struct dp_file *f;
	uint64_t mnt, dentry, inode, fop;
	uint32_t nlink = 1;
	const char *why;
	uint16_t mode;
	unsigned int i;
	int anon;

	for (i = 0; i < p->nfiles; i++)
		if (p->files[i].addr == file)
			return i;
	f = realloc(p->files, (p->nfiles + 1) * sizeof(*f));
	if (!f)
		return -1;
	p->files = f;
	f = &f[p->nfiles];
	memset(f, 0, sizeof(*f));
	f->addr = file;
	if (rd64(c, file + l->f_path + l->path_mnt, &mnt) ||
	    rd64(c, file + l->f_path + l->path_dentry, &dentry) ||
	    rd64(c, file + l->f_inode, &inode) || rd32(c, file + l->f_flags, &f->flags) ||
	    rd64(c, file + l->f_pos, &f->pos) || rd(c, inode + l->i_mode, &mode, 2) ||
	    rd64(c, inode + l->i_size, &f->size) || rd64(c, inode + l->i_ino, &f->ino) ||
	    rd32(c, inode + l->i_nlink, &nlink) || read_identity(c, inode, f)) {
		problem(p, "file 0x%llx unreadable: %s", H(file), dk_error(c->dk));
		return -1;
	}
	f->mode = mode;
	f->unlinked = !nlink;
	f->kind = S_ISREG(mode) || S_ISCHR(mode) || S_ISDIR(mode) ? DP_REG :
		  S_ISFIFO(mode) ? DP_PIPE : S_ISSOCK(mode) ? DP_INET : DP_OTHER;
	if (rd64(c, file + l->f_op, &fop)) {
		problem(p, "file 0x%llx unreadable: %s", H(file), dk_error(c->dk));
		return -1;
	}
	if (fop == l->eventpoll_fops) {
		f->kind = DP_EPOLL;
		why = read_epoll(c, file, f);
		if (why)
			problem(p, "epoll (inode %llu): %s", H(f->ino), why);
	} else if ((anon = dp_read_anon(c->dk, file, fop, f, &why)) != 0) {
		if (anon < 0) {
			problem(p, "file 0x%llx unreadable: %s", H(file), dk_error(c->dk));
			return -1;
		}
		if (why)
			problem(p, "%s: %s", f->what, why);
	} else if (mnt == l->shm_mnt) {
		why = shmem_kind(c, dentry);
		/* The kernel's own shmem files: shared anonymous memory, memfd, SysV. */
		f->kind = DP_SHMEM;
		if (why)
			problem(p, "%s (inode %llu) cannot be restored", why, H(f->ino));
	}
	if (f->kind == DP_PIPE) {
		why = read_pipe(c, mnt, inode, f);
		if (why)
			problem(p, "%s (inode %llu): %s", f->kind == DP_FIFO ? "named pipe" : "pipe",
				H(f->ino), why);
	}
	if (f->kind == DP_INET && dp_sock_family(c->dk, file) == AF_UNIX_)
		f->kind = DP_UNIX;
	if (f->kind == DP_UNIX) {
		f->unx = calloc(1, sizeof(*f->unx));
		why = f->unx ? dp_read_unix(c->dk, file, f->unx) : "out of memory";
		if (!why && f->unx->namelen && f->unx->name[0])
			why = unix_path(c, f->unx);
		if (why)
			problem(p, "Unix socket (inode %llu): %s", H(f->ino), why);
	}
	if (f->kind == DP_INET) {
		f->inet = calloc(1, sizeof(*f->inet));
		why = f->inet ? dp_read_inet(c->dk, file, f->inet) : "out of memory";
		if (why)
			problem(p, "socket (inode %llu): %s", H(f->ino), why);
	}
	if ((f->kind == DP_REG || f->kind == DP_FIFO) &&
	    dk_dentry_path(c->dk, &l->fs, mnt, dentry, f->path, sizeof(f->path))) {
		problem(p, "file 0x%llx: no path: %s", H(file), dk_error(c->dk));
		free(f->pipe_data);	/* a named pipe's bytes: the file is not kept */
		return -1;
	}
	return p->nfiles++;
}

/*
 * An epoll instance names what it watches by fd; the restore adds that fd
 * again, so it must still be the same file in this process.
 */
static void check_epolls(struct dp_proc *p)
{
	unsigned int i, j, k;

	for (i = 0; i < p->nfiles; i++) {
		const struct dp_file *f = &p->files[i];

		for (j = 0; f->kind == DP_EPOLL && j < f->ntfds; j++) {
			const struct dp_epoll_tfd *t = &f->tfds[j];

			for (k = 0; k < p->nfds; k++)
				if (p->fds[k].fd == t->fd && p->files[p->fds[k].file].addr == t->file)
					break;
			if (k == p->nfds)
				problem(p, "epoll (inode %llu) watches fd %d, which is closed or another file now",
					H(f->ino), t->fd);
		}
	}
}

static void read_files(struct ctx *c, uint64_t task, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t files, fdt, fdarr, cloexec, file, word = 0;
	uint32_t max, fd;

	if (rd64(c, task + l->t_files, &files) || rd64(c, files + l->files_fdt, &fdt) ||
	    rd32(c, fdt + l->fdt_max, &max) || rd64(c, fdt + l->fdt_fd, &fdarr) ||
	    rd64(c, fdt + l->fdt_cloexec, &cloexec) || max > MAX_FDS) {
		problem(p, "file table unreadable");
		return;
	}
	for (fd = 0; fd < max; fd++) {
		struct dp_fd *d;
		int i;

		if (fd % 64 == 0 && rd64(c, cloexec + fd / 8, &word)) {
			problem(p, "close-on-exec bits unreadable");
			return;
		}
		if (rd64(c, fdarr + fd * 8ULL, &file)) {
			problem(p, "fd %u unreadable", fd);
			return;
		}
		if (!file)
			continue;
		i = file_index(c, p, file);
		if (i < 0)
			continue;
		if (p->files[i].kind == DP_OTHER && p->files[i].what)
			problem(p, "fd %u: %s, not carried", fd, p->files[i].what);
		else if (p->files[i].kind == DP_OTHER)
			problem(p, "fd %u: a file of mode 0%o cannot be restored", fd,
				p->files[i].mode);
		else if (p->files[i].kind == DP_SHMEM)
			problem(p, "fd %u: a memfd or another unnamed shmem file", fd);
		else if (p->files[i].unlinked &&
			 (p->files[i].kind == DP_REG || p->files[i].kind == DP_FIFO))
			problem(p, "fd %u: %s was deleted", fd, p->files[i].path);
		d = realloc(p->fds, (p->nfds + 1) * sizeof(*d));
		if (!d)
			return;
		p->fds = d;
		p->fds[p->nfds++] = (struct dp_fd){ fd, i, !!(word & (1ULL << (fd % 64))) };
	}
	check_epolls(p);
}

static void read_fs(struct ctx *c, uint64_t task, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t fs, mnt, d, inode;
	uint16_t mode;

	/* The working directory is checked like an open file (lib/fileident.h). */
	if (rd64(c, task + l->t_fs, &fs) || rd32(c, fs + l->fs_umask, &p->umask) ||
	    rd64(c, fs + l->fs_pwd + l->path_mnt, &mnt) ||
	    rd64(c, fs + l->fs_pwd + l->path_dentry, &d) ||
	    dk_dentry_path(c->dk, &l->fs, mnt, d, p->cwd, sizeof(p->cwd)) ||
	    rd64(c, d + l->d_inode, &inode) || rd(c, inode + l->i_mode, &mode, 2) ||
	    rd64(c, inode + l->i_ino, &p->cwd_file.ino) ||
	    rd64(c, inode + l->i_size, &p->cwd_file.size) ||
	    read_identity(c, inode, &p->cwd_file) ||
	    rd64(c, fs + l->fs_root + l->path_mnt, &mnt) ||
	    rd64(c, fs + l->fs_root + l->path_dentry, &d) ||
	    dk_dentry_path(c->dk, &l->fs, mnt, d, p->root, sizeof(p->root)))
	{
		problem(p, "cwd or root unreadable: %s", dk_error(c->dk));
		return;
	}
	if (strcmp(p->root, "/"))
		problem(p, "chrooted to %s", p->root);
	p->cwd_file.kind = DP_REG;
	p->cwd_file.mode = mode;
	snprintf(p->cwd_file.path, sizeof(p->cwd_file.path), "%s", p->cwd);
}

/* ---- Memory ---- */

static int add_vma(struct dk *dk, uint64_t first, uint64_t last, uint64_t vma, void *arg)
{
	struct ctx *c = arg;
	const struct dp_layout *l = &c->l;
	struct dp_proc *p = c->proc;
	struct dp_vma *v;
	uint64_t file;

	(void)first;
	(void)last;
	v = realloc(p->vmas, (p->nvmas + 1) * sizeof(*v));
	if (!v)
		return dk_fail(dk, "out of memory");
	p->vmas = v;
	v = &v[p->nvmas];
	memset(v, 0, sizeof(*v));
	if (rd64(c, vma + l->vma_start, &v->start) || rd64(c, vma + l->vma_end, &v->end) ||
	    rd64(c, vma + l->vma_flags, &v->vm_flags) || rd64(c, vma + l->vma_pgoff, &v->pgoff) ||
	    rd64(c, vma + l->vma_file, &file))
		return dk_fail(dk, "process %d: VMA 0x%llx unreadable: %s", p->pid, H(vma),
			       dk_error(dk));
	if (v->start >= v->end || v->end > (1ULL << 47) || v->start % PAGE_SIZE ||
	    (p->nvmas && v->start < p->vmas[p->nvmas - 1].end))
		return dk_fail(dk, "process %d: VMA [0x%llx, 0x%llx) out of order", p->pid,
			       H(v->start), H(v->end));
	v->file = file ? file_index(c, p, file) : -1;
	p->nvmas++;
	return 0;
}

/* Append page pfn at va to runs of pages (a new run unless va follows on). */
static int add_run_page(struct dp_pages **runs, unsigned int *nruns, uint64_t *count,
			uint64_t va, uint64_t pfn, bool new_run)
{
	struct dp_pages *r = *nruns ? &(*runs)[*nruns - 1] : NULL;

	if (!r || new_run || r->vaddr + r->npages * PAGE_SIZE != va) {
		r = realloc(*runs, (*nruns + 1) * sizeof(*r));
		if (!r)
			return -1;
		*runs = r;
		r = &r[(*nruns)++];
		memset(r, 0, sizeof(*r));
		r->vaddr = va;
	}
	if (!(r->npages & (r->npages - 1)) || !r->pfn) {
		uint64_t *n = realloc(r->pfn, (r->npages ? r->npages * 2 : 1) * sizeof(*n));

		if (!n)
			return -1;
		r->pfn = n;
	}
	r->pfn[r->npages++] = pfn;
	(*count)++;
	return 0;
}

static int add_page(struct dp_proc *p, uint64_t va, uint64_t pfn, bool new_run)
{
	return add_run_page(&p->pages, &p->npages_runs, &p->npages, va, pfn, new_run);
}

struct shmem_ctx {
	struct ctx *c;
	struct dp_shmem *sh;
};

static int shmem_page(struct dk *dk, uint64_t index, uint64_t entry, void *arg)
{
	struct shmem_ctx *e = arg;
	uint64_t pfn;

	if (dk_xa_is_value(entry))
		return dk_fail(dk, "a page of it is swapped out");
	if (index * PAGE_SIZE >= e->sh->size)
		return 0;
	if (dk_page_to_pfn(dk, entry, &pfn) ||
	    add_run_page(&e->sh->pages, &e->sh->npages_runs, &e->sh->npages, index * PAGE_SIZE, pfn,
			 false))
		return dk_error(dk)[0] ? -1 : dk_fail(dk, "out of memory");
	return 0;
}

/*
 * Shared anonymous memory: the pages are the kernel shmem file's, in its
 * page cache. Read once however many processes map it.
 */
static int read_shmem(struct ctx *c, const struct dp_file *f, uint64_t *shmid)
{
	struct dp_set *set = c->set;
	struct shmem_ctx e = { c, NULL };
	uint64_t inode, mapping, size;
	unsigned int i;

	*shmid = f->ino;
	for (i = 0; i < set->nshmems; i++)
		if (set->shmems[i].shmid == f->ino)
			return 0;
	if (rd64(c, f->addr + c->l.f_inode, &inode) || rd64(c, inode + c->l.i_size, &size) ||
	    rd64(c, inode + c->l.i_mapping, &mapping))
		return -1;
	e.sh = realloc(set->shmems, (set->nshmems + 1) * sizeof(*e.sh));
	if (!e.sh)
		return dk_fail(c->dk, "out of memory");
	set->shmems = e.sh;
	e.sh = &e.sh[set->nshmems++];
	memset(e.sh, 0, sizeof(*e.sh));
	e.sh->shmid = f->ino;
	e.sh->size = size;
	return dk_xa_walk(c->dk, mapping + c->l.as_pages, 0, shmem_page, &e) < 0 ? -1 : 0;
}

/*
 * The pages a restore needs: every present page of private anonymous
 * memory, and of private file mappings those written to (anonymous
 * copies); the rest comes from the files.
 */
static void read_pages(struct ctx *c, uint64_t pgd, struct dp_proc *p)
{
	unsigned int i;

	for (i = 0; i < p->nvmas; i++) {
		struct dp_vma *v = &p->vmas[i];
		uint64_t va;

		if (v->vvar)		/* the kernel's data, never restored */
			continue;
		if (v->vm_flags & VM_SHARED) {
			struct dp_file *f = v->file >= 0 ? &p->files[v->file] : NULL;

			if (!f)
				problem(p, "shared memory at 0x%llx without a file", H(v->start));
			else if (f->kind == DP_SHMEM &&
				 read_shmem(c, f, &v->shmid))
				problem(p, "shared anonymous memory at 0x%llx: %s", H(v->start),
					dk_error(c->dk));
			continue;	/* a shared file mapping: the data is the file's */
		}
		for (va = v->start; va < v->end; va += PAGE_SIZE) {
			uint64_t pa, page, mapping = 0;
			int r = dk_user_virt_to_phys(c->dk, pgd, va, &pa);

			if (r < 0) {
				problem(p, "page tables at 0x%llx: %s", H(va), dk_error(c->dk));
				return;
			}
			/*
			 * A vDSO page never touched is the kernel's own: CRIU
			 * reads the vDSO it restores over (to compare it with
			 * the running one's), so the images hold all of it, as
			 * CRIU's own dump does.
			 */
			if (r > 0 && v->vdso) {
				if (va - v->start >= c->l.vdso_size ||
				    dk_virt_to_phys(c->dk, c->l.vdso_data + (va - v->start), &pa)) {
					problem(p, "vDSO page at 0x%llx: not in the kernel's vDSO image",
						H(va));
					return;
				}
				r = 0;
			}
			if (r > 0)
				continue;	/* never touched (no swap here) */
			if (v->file >= 0 &&
			    (dk_pfn_to_page(c->dk, pa / PAGE_SIZE, &page) ||
			     rd64(c, page + c->l.pg_mapping, &mapping) || !(mapping & PAGE_MAPPING_ANON)))
				continue;	/* the file's own page */
			if (add_page(p, va, pa / PAGE_SIZE, va == v->start)) {
				problem(p, "out of memory");
				return;
			}
		}
	}
}

static void read_mm(struct ctx *c, uint64_t task, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t mm, pgd, exe, vdso, *fields[] = {
		&p->start_code, &p->end_code, &p->start_data, &p->end_data, &p->start_brk,
		&p->brk, &p->start_stack, &p->arg_start, &p->arg_end, &p->env_start, &p->env_end,
	};
	uint32_t offs[] = {
		l->mm_start_code, l->mm_end_code, l->mm_start_data, l->mm_end_data,
		l->mm_start_brk, l->mm_brk, l->mm_start_stack, l->mm_arg_start, l->mm_arg_end,
		l->mm_env_start, l->mm_env_end,
	};
	unsigned int i;

	p->exe = -1;
	if (rd64(c, task + l->t_mm, &mm) || rd64(c, mm + l->mm_pgd, &pgd) ||
	    rd64(c, mm + l->mm_exe, &exe) || rd64(c, mm + l->mm_vdso, &vdso)) {
		problem(p, "mm unreadable: %s", dk_error(c->dk));
		return;
	}
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (rd64(c, mm + offs[i], fields[i])) {
			problem(p, "mm unreadable");
			return;
		}
	for (i = 0; i + 1 < l->n_auxv && i + 1 < DP_AUXV_MAX; i += 2) {
		if (rd64(c, mm + l->mm_auxv + i * 8, &p->auxv[i]) ||
		    rd64(c, mm + l->mm_auxv + i * 8 + 8, &p->auxv[i + 1]))
			break;
		p->nauxv = i + 2;
		if (!p->auxv[i])	/* AT_NULL ends it */
			break;
	}
	if (exe)
		p->exe = file_index(c, p, exe);
	c->proc = p;
	if (dk_mt_walk(c->dk, mm + l->mm_mt, add_vma, c) < 0) {
		problem(p, "memory map: %s", dk_error(c->dk));
		return;
	}
	for (i = 0; i < p->nvmas; i++) {
		struct dp_vma *v = &p->vmas[i];

		/* The vDSO and, in the pages before it, its data (vvar). */
		v->vdso = v->start == vdso;
		v->vvar = v->file < 0 && i + 1 < p->nvmas && p->vmas[i + 1].start == vdso &&
			  v->end == vdso;
		v->heap = v->file < 0 && v->start <= p->start_brk && v->end >= p->brk &&
			  p->brk > p->start_brk;
		v->stack = v->start <= p->start_stack && p->start_stack < v->end;
	}
	read_pages(c, pgd, p);
}

/* ---- One process ---- */

static int pid_of(struct ctx *c, uint64_t signal, int64_t type, int *nr)
{
	uint64_t pid;
	uint32_t v;

	if (rd64(c, signal + c->l.sig_pids + type * 8, &pid))
		return -1;
	if (!pid) {
		*nr = 0;
		return 0;
	}
	if (rd32(c, pid + c->l.pid_numbers + c->l.upid_nr, &v))
		return -1;
	*nr = v;
	return 0;
}

static void read_creds(struct ctx *c, uint64_t task, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	struct dp_creds *k = &p->creds;
	uint64_t cred, gi;
	int32_t n;

	if (rd64(c, task + l->t_cred, &cred) || rd32(c, cred + l->c_uid, &k->uid) ||
	    rd32(c, cred + l->c_gid, &k->gid) || rd32(c, cred + l->c_suid, &k->suid) ||
	    rd32(c, cred + l->c_sgid, &k->sgid) || rd32(c, cred + l->c_euid, &k->euid) ||
	    rd32(c, cred + l->c_egid, &k->egid) || rd32(c, cred + l->c_fsuid, &k->fsuid) ||
	    rd32(c, cred + l->c_fsgid, &k->fsgid) ||
	    rd32(c, cred + l->c_securebits, &k->securebits) ||
	    rd64(c, cred + l->c_cap_inh, &k->cap_inh) || rd64(c, cred + l->c_cap_prm, &k->cap_prm) ||
	    rd64(c, cred + l->c_cap_eff, &k->cap_eff) || rd64(c, cred + l->c_cap_bnd, &k->cap_bnd) ||
	    rd64(c, cred + l->c_cap_amb, &k->cap_amb) || rd64(c, cred + l->c_groups, &gi) ||
	    rd(c, gi + l->gi_ngroups, &n, 4) || n < 0 || n > 32 ||
	    (n && rd(c, gi + l->gi_gid, k->groups, n * 4))) {
		problem(p, "credentials unreadable");
		return;
	}
	k->ngroups = n;
}

#define EXIT_ZOMBIE_		0x20
#define SIGNAL_GROUP_EXIT_	0x4

/*
 * A process that has exited and is not reaped yet: its exit status is all
 * there is to carry (CRIU re-creates it as a child that exits so). The
 * status is what wait() would say: the group's if the group exited.
 */
static void read_zombie(struct ctx *c, uint64_t t, uint64_t signal, uint32_t exit_state,
			struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t next;
	uint32_t sflags, s;
	int32_t code, group_code;

	if (exit_state != EXIT_ZOMBIE_) {
		problem(p, "exiting (state 0x%x)", exit_state);
		return;
	}
	if (rd64(c, t + l->t_thread_group, &next) || rd32(c, t + l->t_exit_code, (uint32_t *)&code) ||
	    rd32(c, signal + l->sig_flags, &sflags) ||
	    rd32(c, signal + l->sig_group_exit_code, (uint32_t *)&group_code)) {
		problem(p, "exit status unreadable");
		return;
	}
	if (next != t + l->t_thread_group) {
		problem(p, "its main thread has exited and its other threads run on");
		return;
	}
	p->exit_status = s = (uint32_t)(sflags & SIGNAL_GROUP_EXIT_ ? group_code : code);
	/*
	 * CRIU 3.17 re-creates a zombie by exit((status >> 8) & 0x7f), or by
	 * its signal with core dumps off: an exit above 127 or a core dump
	 * would come back as another status.
	 */
	if ((!(s & 0xff) && s >> 8 <= 127) || ((s & 0x7f) && (s & 0x7f) != 0x7f && s == (s & 0x7f)))
		p->zombie = true;
	else
		problem(p, "a zombie whose exit status 0x%x (an exit above 127, or a core dump) CRIU cannot re-create",
			s);
}

#define HRTIMER_STATE_ENQUEUED_	1

/*
 * Interval timers. ITIMER_REAL is an hrtimer on CLOCK_MONOTONIC: what is
 * left of it at the dead kernel's last tick, and its interval; one that
 * fired and waits for its SIGALRM to be taken to be armed again (the
 * kernel re-arms it then) is restored armed for one interval. A one-shot
 * alarm CRIU cannot restore (it takes no interval for disarmed). CPU-time
 * timers (ITIMER_VIRTUAL, ITIMER_PROF) and POSIX timers are not carried
 * yet: a process with one is refused rather than restored without it.
 */
/*
 * ITIMER_PROF (it[0]) and ITIMER_VIRTUAL (it[1]): each expires at an
 * absolute sample of the process's CPU time (user and system time, or
 * user time alone), which the thread group's cputimer keeps while one is
 * armed; what is left is as getitimer() shows it (get_cpu_itimer()). 0, or
 * -1 after refusing the process.
 */
static int read_cpu_itimers(struct ctx *c, uint64_t signal, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	static const char *const name[2] = { "ITIMER_PROF", "ITIMER_VIRTUAL" };
	uint64_t expires[2], incr[2], utime, stime, sample;
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (rd64(c, signal + l->sig_it + i * (uint64_t)l->cit_size + l->cit_expires, &expires[i]) ||
		    rd64(c, signal + l->sig_it + i * (uint64_t)l->cit_size + l->cit_incr, &incr[i])) {
			problem(p, "timers unreadable");
			return -1;
		}
	if (!expires[0] && !expires[1])
		return 0;
	if (rd64(c, signal + l->sig_cpu_utime, &utime) || rd64(c, signal + l->sig_cpu_stime, &stime)) {
		problem(p, "timers unreadable");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (!expires[i])
			continue;
		/* CRIU 3.17 takes a timer with no interval for a disarmed one (decode_itimer()). */
		if (!incr[i] || (int64_t)incr[i] < 0 || (int64_t)expires[i] < 0) {
			problem(p, "a one-shot %s (or a corrupt one): CRIU would restore it disarmed", name[i]);
			return -1;
		}
		sample = i == 0 ? utime + stime : utime;
		p->itimer_cpu_interval_ns[i] = incr[i];
		p->itimer_cpu_ns[i] = expires[i] > sample ? expires[i] - sample : 1000;
	}
	return 0;
}

static void read_timers(struct ctx *c, uint64_t signal, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t expires, incr, head, next;
	const char *why;
	uint8_t state;

	if (rd64(c, signal + l->sig_real_timer + l->hrt_expires, &expires) ||
	    rd(c, signal + l->sig_real_timer + l->hrt_state, &state, 1) ||
	    rd64(c, signal + l->sig_it_real_incr, &incr) ||
	    rd64(c, signal + l->sig_posix_timers, &next)) {
		problem(p, "timers unreadable");
		return;
	}
	head = signal + l->sig_posix_timers;
	if (next != head && (why = dp_read_posix_timers(c->dk, head, l->now_ns, p)))
		problem(p, "POSIX timers: %s", why);
	if (read_cpu_itimers(c, signal, p))
		return;
	if ((int64_t)incr < 0 || (int64_t)expires < 0) {
		problem(p, "an interval timer out of range");
		return;
	}
	/* CRIU 3.17 takes a timer with no interval for a disarmed one (decode_itimer()). */
	if ((state & HRTIMER_STATE_ENQUEUED_) && !incr) {
		problem(p, "a one-shot alarm (alarm(), or setitimer() without an interval): CRIU would restore it disarmed");
		return;
	}
	p->itimer_real_interval_ns = incr;
	if (state & HRTIMER_STATE_ENQUEUED_)
		p->itimer_real_ns = expires > l->now_ns ? expires - l->now_ns : 1000;
	else
		p->itimer_real_ns = incr;
}

static void read_proc(struct ctx *c, uint64_t t, struct dp_proc *p)
{
	const struct dp_layout *l = &c->l;
	uint64_t parent, signal, sighand, shared = 0, undo, undo_next = 0;
	uint32_t pid, ppid = 0, flags, exit_state;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->exe = -1;
	if (rd32(c, t + l->t_tgid, &pid) || rd(c, t + l->t_comm, p->comm, 16) ||
	    rd64(c, t + l->t_parent, &parent) || rd32(c, parent + l->t_tgid, &ppid) ||
	    rd64(c, t + l->t_signal, &signal) || rd64(c, t + l->t_sighand, &sighand) ||
	    rd32(c, t + l->t_flags, &flags) || rd32(c, t + l->t_exit_state, &exit_state) ||
	    rd32(c, t + l->t_personality, &p->personality) ||
	    pid_of(c, signal, l->pidtype_pgid, &p->pgid) ||
	    pid_of(c, signal, l->pidtype_sid, &p->sid) ||
	    rd64(c, signal + l->sig_shared_pending, &shared)) {
		problem(p, "task 0x%llx unreadable: %s", H(t), dk_error(c->dk));
		return;
	}
	p->pid = pid;
	p->ppid = ppid;
	p->comm[15] = 0;
	if (exit_state) {
		read_zombie(c, t, signal, exit_state, p);
		return;
	}
	if (rd(c, signal + l->sig_rlim, p->rlim, sizeof(p->rlim))) {
		problem(p, "resource limits unreadable");
		return;
	}
	for (i = 0; i < DP_NSIG; i++) {
		uint64_t ka = sighand + l->sh_action + i * (uint64_t)l->ka_size;
		struct dp_sigaction *s = &p->sigaction[i];

		if (rd64(c, ka + l->sa_handler, &s->handler) || rd64(c, ka + l->sa_flags, &s->flags) ||
		    rd64(c, ka + l->sa_restorer, &s->restorer) || rd64(c, ka + l->sa_mask, &s->mask)) {
			problem(p, "signal handlers unreadable");
			break;
		}
	}
	/* The leader first, then the other threads. */
	c->proc = p;
	p->threads = calloc(1, sizeof(*p->threads));
	if (!p->threads) {
		problem(p, "out of memory");
		return;
	}
	p->nthreads = 1;
	read_thread(c, t, &p->threads[0], p);
	if (dk_list_walk(c->dk, t + l->t_thread_group, add_thread, c) < 0)
		problem(p, "threads: %s", dk_error(c->dk));
	/* Signals pending for the whole process. */
	p->threads[0].pending |= shared;
	if (read_sigqueue(c, signal + l->sig_shared_list, &p->shared_siginfo, &p->nshared_siginfo))
		problem(p, "queued signals: %s", dk_error(c->dk));
	read_timers(c, signal, p);
	/* A thread made with CLONE_SYSVSEM gets an undo list, empty until a SEM_UNDO operation. */
	if (rd64(c, t + l->t_sem_undo, &undo) ||
	    (undo && rd64(c, undo + l->ul_list_proc, &undo_next)))
		problem(p, "SysV semaphore undo list unreadable");
	else if (undo && undo_next != undo + l->ul_list_proc)
		problem(p, "SysV semaphore adjustments on exit (SEM_UNDO), not carried");
	read_creds(c, t, p);
	read_fs(c, t, p);
	read_files(c, t, p);
	read_mm(c, t, p);
	for (i = 0; i < p->nthreads; i++) {
		char why[256];

		if (dp_inflight_resolve(p, &p->threads[i], why, sizeof(why)))
			problem(p, "%s", why);
	}
}

int dp_read_protected(struct dk *dk, struct dp_set *set)
{
	struct orthros_protected_set prot;
	struct ctx c = { .dk = dk, .set = set, .prot = &prot };
	uint64_t sym, init_task;
	unsigned int i;

	memset(set, 0, sizeof(*set));
	if (layout(dk, &c.l) || dk_symbol(dk, "orthros_protected", &sym) ||
	    dk_read(dk, sym, &prot, sizeof(prot)) || dk_symbol(dk, "init_task", &init_task))
		return -1;
	if (prot.magic != ORTHROS_PROTECT_MAGIC || prot.count > ORTHROS_PROTECT_MAX)
		return dk_fail(dk, "orthros_protected is corrupt (magic 0x%x, count %u)",
			       prot.magic, prot.count);
	if (dk_list_walk(dk, init_task + c.l.t_tasks, find_protected, &c) < 0)
		goto fail;
	/* Descendants: breadth first, so parents come before children. */
	for (i = 0; i < c.ntasks; i++) {
		uint64_t t = c.tasks[i];

		if (dk_list_walk(dk, t + c.l.t_children, add_child, &c) < 0 ||
		    dk_list_walk(dk, t + c.l.t_thread_group, add_children_of_thread, &c) < 0)
			goto fail;
	}
	set->procs = calloc(c.ntasks ? c.ntasks : 1, sizeof(*set->procs));
	if (!set->procs) {
		dk_fail(dk, "out of memory");
		goto fail;
	}
	for (i = 0; i < c.ntasks; i++)
		read_proc(&c, c.tasks[i], &set->procs[set->nprocs++]);
	if (dp_refuse_sysv_users(dk, set))
		for (i = 0; i < set->nprocs; i++)
			problem(&set->procs[i], "SysV IPC objects unreadable: %s", dk_error(dk));
	/* A zombie is its parent's to reap: one whose parent is not carried has nothing to carry. */
	for (i = 0; i < set->nprocs; i++)
		if (set->procs[i].zombie && dp_tree_root(set, &set->procs[i]) == &set->procs[i])
			problem(&set->procs[i], "exited before the crash (a zombie) and its parent is not protected");
	free(c.tasks);
	return 0;
fail:
	free(c.tasks);
	return -1;
}

void dp_set_free(struct dp_set *set)
{
	unsigned int i, j;

	for (i = 0; i < set->nprocs; i++) {
		struct dp_proc *p = &set->procs[i];

		for (j = 0; j < p->nthreads; j++) {
			free(p->threads[j].xsave);
			free(p->threads[j].siginfo);
		}
		free(p->shared_siginfo);
		free(p->ptimers);
		for (j = 0; j < p->npages_runs; j++)
			free(p->pages[j].pfn);
		for (j = 0; j < p->nfiles; j++) {
			dp_inet_free(p->files[j].inet);
			dp_unix_free(p->files[j].unx);
			free(p->files[j].pipe_data);
			free(p->files[j].tfds);
		}
		free(p->threads);
		free(p->vmas);
		free(p->pages);
		free(p->files);
		free(p->fds);
	}
	free(set->procs);
	for (i = 0; i < set->nshmems; i++) {
		for (j = 0; j < set->shmems[i].npages_runs; j++)
			free(set->shmems[i].pages[j].pfn);
		free(set->shmems[i].pages);
	}
	free(set->shmems);
	memset(set, 0, sizeof(*set));
}

const struct dp_proc *dp_tree_root(const struct dp_set *set, const struct dp_proc *p)
{
	unsigned int i, steps;

	/* Parents come first, but a dead kernel's ppid may name anything: bounded. */
	for (steps = 0; steps < set->nprocs; steps++) {
		const struct dp_proc *parent = NULL;

		for (i = 0; i < set->nprocs && !parent; i++)
			if (set->procs[i].pid == p->ppid && &set->procs[i] != p)
				parent = &set->procs[i];
		if (!parent)
			break;
		p = parent;
	}
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A Unix socket connected to one that is not restored (a process not
 * protected, journald for one, or refused): CRIU has nothing to connect
 * it to. The number of processes refused for it. The sockets that will
 * be restored are sorted once, so a set of many is not walked again for
 * each.
 */
static unsigned int refuse_lonely_unix(struct dp_set *set)
{
	unsigned int i, j, n = 0, nino = 0;
	uint64_t *ino = NULL, *more;

	for (i = 0; i < set->nprocs; i++)
		for (j = 0; !set->procs[i].problems[0] && j < set->procs[i].nfiles; j++) {
			if (set->procs[i].files[j].kind != DP_UNIX)
				continue;
			more = realloc(ino, (nino + 1) * sizeof(*ino));
			if (!more) {
				free(ino);
				for (i = 0; i < set->nprocs; i++)
					if (!set->procs[i].problems[0])
						problem(&set->procs[i], "out of memory");
				return 0;
			}
			ino = more;
			ino[nino++] = set->procs[i].files[j].ino;
		}
	if (nino)
		qsort(ino, nino, sizeof(*ino), cmp_u64);
	for (i = 0; i < set->nprocs; i++) {
		struct dp_proc *p = &set->procs[i];

		for (j = 0; !p->problems[0] && j < p->nfiles; j++) {
			const struct dp_file *f = &p->files[j];

			if (f->kind != DP_UNIX || !f->unx || !f->unx->peer_ino ||
			    (nino && bsearch(&f->unx->peer_ino, ino, nino, sizeof(*ino), cmp_u64)))
				continue;
			problem(p, "Unix socket (inode %llu) connected to %s%s%ssocket %llu of no process restored (one not protected, or refused)",
				H(f->ino), f->unx->peer_name[0] ? "\"" : "", f->unx->peer_name,
				f->unx->peer_name[0] ? "\", " : "", H(f->unx->peer_ino));
			n++;
		}
	}
	free(ino);
	return n;
}

static void refuse_trees(struct dp_set *set)
{
	unsigned int i, j, n = 0;
	const struct dp_proc **bad = calloc(set->nprocs ?: 1, sizeof(*bad));

	/* Those that cannot be restored themselves, before any is marked for its tree. */
	for (i = 0; bad && i < set->nprocs; i++)
		if (set->procs[i].problems[0])
			bad[n++] = &set->procs[i];
	for (i = 0; i < n; i++)
		for (j = 0; j < set->nprocs; j++) {
			struct dp_proc *p = &set->procs[j];

			if (!p->problems[0] && dp_tree_root(set, p) == dp_tree_root(set, bad[i]))
				problem(p, "in the tree of %d with %d (%s), which cannot be restored",
					dp_tree_root(set, bad[i])->pid, bad[i]->pid, bad[i]->comm);
		}
	if (!bad)	/* no memory to tell trees apart: refuse them all */
		for (j = 0; j < set->nprocs; j++)
			if (!set->procs[j].problems[0])
				problem(&set->procs[j], "out of memory");
	free(bad);
}

void dp_refuse_broken_trees(struct dp_set *set)
{
	/* Each refusal may break another tree or connection: until none does. */
	do
		refuse_trees(set);
	while (refuse_lonely_unix(set));
}
