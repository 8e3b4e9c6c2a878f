// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthros_crash: make this kernel fail on purpose, for the lab scenarios.
 *
 *   echo panic >/proc/orthros_crash
 *	panic() inside this write() system call
 *   echo panic-write PID >/proc/orthros_crash
 *	panic() inside the next file write of process PID (any of its
 *	threads, in ext4_file_write_iter): a crash during a file write
 *   echo panic-blocked PID >/proc/orthros_crash
 *	panic() once process PID (its main thread) sleeps inside a system
 *	call, within 10 s: a crash while it is blocked, never while it runs
 *	user code (the "syscall" timing, without a race)
 *   echo panic-written PID [TID [PTID]] >/proc/orthros_crash
 *	panic() once a write of process PID to an O_APPEND file has put its
 *	bytes in the page cache, before the call returns (on
 *	generic_perform_write()'s return); with TID, only while thread TID
 *	sleeps inside a TCP send that has queued part of its data, and with
 *	PTID, while thread PTID sleeps inside a pipe write that has put part
 *	of its data in the pipe: two or three system calls caught half done
 *   echo dotname PATH >/proc/orthros_crash
 *	rename PATH's dentry to ".." in memory only (its inline name), as
 *	corrupt memory would: the recovery must refuse that name, not follow it
 *   echo scribble zeros|random|counts >/proc/orthros_crash
 *	overwrite the inter-OS shared memory (all zeros, random bytes, or
 *	every count at its maximum and the BackupOS's APIC ID 0), then panic()
 *	in this system call: the other OS must still detect it, fence only its
 *	cores and either fail over or refuse with a reason, and never crash
 *   echo hang >/proc/orthros_crash
 *	every CPU spins with interrupts off, for good; the writing CPU keeps
 *	changing the shared memory's probe word, so the other OS can see
 *	whether fencing really stopped it
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/dcache.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/orthros.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/pid.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/delay.h>
#include <net/tcp.h>

static pid_t write_victim;

static int write_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (current->tgid == READ_ONCE(write_victim))
		panic("orthros_crash: panic in a file write by %s (pid %d)", current->comm,
		      current->pid);
	return 0;
}

static struct kprobe write_probe = {
	.symbol_name = "ext4_file_write_iter",
	.pre_handler = write_pre,
};

static bool write_probed;

static pid_t written_victim, written_sender, written_piper;

/*
 * If thread nr sleeps in a TCP send that queued part of its data: its
 * socket, locked, so that neither an ACK nor the thread moves the send on
 * while the panic prints (before it stops the other cores); NULL if not.
 * The lock is never released: the caller panics.
 */
static struct sock *sending_half(pid_t nr)
{
	const struct orthros_inflight *r;
	struct sock *sk = NULL;
	struct task_struct *t;

	rcu_read_lock();
	t = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (t && (READ_ONCE(t->__state) & TASK_INTERRUPTIBLE)) {
		r = &t->orthros_inflight;
		if (READ_ONCE(r->kind) == ORTHROS_INFLIGHT_TCP_SEND) {
			sk = (struct sock *)r->obj;
			spin_lock(&sk->sk_lock.slock);
			if (sock_owned_by_user_nocheck(sk) ||
			    READ_ONCE(tcp_sk(sk)->write_seq) == (u32)r->start ||
			    READ_ONCE(r->kind) != ORTHROS_INFLIGHT_TCP_SEND) {
				spin_unlock(&sk->sk_lock.slock);
				sk = NULL;
			}
		}
	}
	rcu_read_unlock();
	return sk;
}

/*
 * Whether thread nr sleeps in a pipe write that has put part of its data
 * in the pipe, waiting for room, with the pipe's lock free (its reader
 * reads seldom, so the write stays half done while the panic prints).
 */
static bool pipe_writing_half(pid_t nr)
{
	const struct orthros_inflight *r;
	struct pipe_inode_info *pipe;
	struct task_struct *t;
	bool half = false;

	rcu_read_lock();
	t = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (t && (READ_ONCE(t->__state) & TASK_INTERRUPTIBLE)) {
		r = &t->orthros_inflight;
		if (READ_ONCE(r->kind) == ORTHROS_INFLIGHT_PIPE_WRITE && READ_ONCE(r->done)) {
			pipe = ((const struct file *)r->obj)->private_data;
			half = !mutex_is_locked(&pipe->mutex);
		}
	}
	rcu_read_unlock();
	return half;
}

static int written_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct file *f = current->orthros_inflight.obj;
	pid_t sender = READ_ONCE(written_sender), piper = READ_ONCE(written_piper);

	if (current->tgid != READ_ONCE(written_victim) || (long)regs_return_value(regs) <= 0 ||
	    current->orthros_inflight.kind != ORTHROS_INFLIGHT_FILE_WRITE ||
	    !(f->f_flags & O_APPEND))
		return 0;
	if (piper && !pipe_writing_half(piper))
		return 0;
	if (sender && !sending_half(sender))
		return 0;
	/* The socket stays locked: a send half done stays so. */
	panic("orthros_crash: panic after an O_APPEND write by %s (pid %d) put %ld bytes in the page cache%s%s",
	      current->comm, current->pid, (long)regs_return_value(regs),
	      sender ? ", a TCP send half done" : "", piper ? ", a pipe write half done" : "");
}

static struct kretprobe written_probe = {
	.kp.symbol_name = "generic_perform_write",
	.handler = written_ret,
	.maxactive = 8,
};

static bool written_probed;

static int panic_when_blocked(pid_t nr)
{
	unsigned long end = jiffies + 10 * HZ;
	struct task_struct *t;

	while (time_before(jiffies, end)) {
		rcu_read_lock();
		t = pid_task(find_vpid(nr), PIDTYPE_PID);
		if (t && (READ_ONCE(t->__state) & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)) &&
		    (long)task_pt_regs(t)->orig_ax >= 0)
			panic("orthros_crash: panic with %s (pid %d) blocked in system call %ld",
			      t->comm, nr, (long)task_pt_regs(t)->orig_ax);
		rcu_read_unlock();
		usleep_range(200, 500);
	}
	return -EAGAIN;
}

static int dot_name(const char *path)
{
	struct dentry *d;
	struct path p;
	int ret = kern_path(path, 0, &p);

	if (ret)
		return ret;
	d = p.dentry;
	spin_lock(&d->d_lock);
	if (d->d_name.name == d->d_iname) {
		memcpy(d->d_iname, "..", 3);
		d->d_name.len = 2;
	} else {
		ret = -ENAMETOOLONG;
	}
	spin_unlock(&d->d_lock);
	path_put(&p);
	return ret;
}

static int scribble(struct orthros_shm *s, const char *mode)
{
	unsigned int r;

	if (!s)
		return -ENODEV;
	if (!strcmp(mode, "zeros")) {
		memset(s, 0, sizeof(*s));
	} else if (!strcmp(mode, "random")) {
		get_random_bytes(s, sizeof(*s));
	} else if (!strcmp(mode, "counts")) {
		s->partition.nr_cpus = U32_MAX;
		s->partition.nr_ranges = U32_MAX;
		s->partition.nr_devices = U32_MAX;
		for (r = 0; r < ORTHROS_NR_ROLES; r++) {
			s->memmap[r].nr_ram = U32_MAX;
			s->memmap[r].vmcoreinfo_size = U32_MAX;
		}
		s->nr_failovers = U64_MAX;
		s->os[ORTHROS_ROLE_BACKUP].apic_id = 0;
		s->clock.tsc_khz = U64_MAX;
	} else {
		return -EINVAL;
	}
	panic("orthros_crash: panic after scribbling %s over the shared memory", mode);
}

static void spin_here(void *unused)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static ssize_t crash_write(struct file *f, const char __user *ubuf, size_t len, loff_t *pos)
{
	struct orthros_shm *s = orthros_shm();
	char buf[256] = "";
	int ret;

	if (copy_from_user(buf, ubuf, min(len, sizeof(buf) - 1)))
		return -EFAULT;
	if (!strncmp(buf, "scribble ", 9))
		return scribble(s, strim(buf + 9));
	if (!strncmp(buf, "dotname ", 8)) {
		ret = dot_name(strim(buf + 8));
		return ret ? ret : len;
	}
	if (!strncmp(buf, "panic-blocked ", 14)) {
		int pid;

		if (kstrtoint(strim(buf + 14), 10, &pid) || pid <= 0)
			return -EINVAL;
		return panic_when_blocked(pid);
	}
	if (!strncmp(buf, "panic-written ", 14)) {
		int pid, tid = 0, ptid = 0;

		if (sscanf(buf + 14, "%d %d %d", &pid, &tid, &ptid) < 1 || pid <= 0 || tid < 0 ||
		    ptid < 0)
			return -EINVAL;
		if (!written_probed) {
			ret = register_kretprobe(&written_probe);
			if (ret)
				return ret;
			written_probed = true;
		}
		WRITE_ONCE(written_sender, tid);
		WRITE_ONCE(written_piper, ptid);
		WRITE_ONCE(written_victim, pid);
		return len;
	}
	if (!strncmp(buf, "panic-write ", 12)) {
		int pid;

		if (kstrtoint(strim(buf + 12), 10, &pid) || pid <= 0)
			return -EINVAL;
		if (!write_probed) {
			ret = register_kprobe(&write_probe);
			if (ret)
				return ret;
			write_probed = true;
		}
		WRITE_ONCE(write_victim, pid);
		return len;
	}
	if (!strncmp(buf, "panic", 5))
		panic("orthros_crash: panic in a system call (write to /proc/orthros_crash)");
	if (strncmp(buf, "hang", 4))
		return -EINVAL;
	pr_emerg("orthros_crash: all CPUs now spin with interrupts off\n");
	smp_call_function(spin_here, NULL, 0);
	local_irq_disable();
	for (;;) {
		if (s)
			WRITE_ONCE(s->probe, s->probe + 1);
		cpu_relax();
	}
	return len;
}

static const struct proc_ops crash_ops = {
	.proc_write = crash_write,
};

static int __init crash_init(void)
{
	return proc_create("orthros_crash", 0200, NULL, &crash_ops) ? 0 : -ENOMEM;
}

static void __exit crash_exit(void)
{
	remove_proc_entry("orthros_crash", NULL);
	if (write_probed)
		unregister_kprobe(&write_probe);
	if (written_probed)
		unregister_kretprobe(&written_probe);
}

module_init(crash_init);
module_exit(crash_exit);
MODULE_DESCRIPTION("Orthros lab: panic or hang this kernel on purpose");
MODULE_LICENSE("GPL");
