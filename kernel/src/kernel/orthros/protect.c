// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros protected processes: the set a surviving kernel re-creates from
 * this kernel's memory. Only the roots are kept here (thread-group IDs and
 * start times); their threads and descendants are found in the dead
 * kernel's task lists when it is read.
 */
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/orthros.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sysfs.h>
#include <uapi/linux/orthros/protect.h>

/* Read from a dead kernel by symbol: keep it a plain global. */
struct orthros_protected_set orthros_protected = { .magic = ORTHROS_PROTECT_MAGIC };
static DEFINE_MUTEX(protect_lock);

static int find_entry(pid_t pid)
{
	u32 i;

	for (i = 0; i < orthros_protected.count; i++)
		if (orthros_protected.proc[i].pid == pid)
			return i;
	return -1;
}

/* Drop entries whose process is gone (or whose PID was reused). */
static void prune(void)
{
	u32 i = 0;

	while (i < orthros_protected.count) {
		struct orthros_protected_proc *p = &orthros_protected.proc[i];
		struct task_struct *t;
		bool alive;

		rcu_read_lock();
		t = find_task_by_pid_ns(p->pid, &init_pid_ns);
		alive = t && thread_group_leader(t) && t->start_time == p->start_time;
		rcu_read_unlock();
		if (alive) {
			i++;
			continue;
		}
		*p = orthros_protected.proc[--orthros_protected.count];
		memset(&orthros_protected.proc[orthros_protected.count], 0, sizeof(*p));
	}
}

int orthros_protect(pid_t pid, bool on)
{
	struct orthros_protected_set *set = &orthros_protected;
	struct task_struct *t;
	u64 start;
	int i, ret = 0;

	rcu_read_lock();
	t = find_task_by_pid_ns(pid, &init_pid_ns);
	if (t && !t->mm)
		t = NULL;	/* kernel threads are not migrated */
	if (t)
		t = t->group_leader;
	start = t ? t->start_time : 0;
	if (t)
		pid = task_tgid_nr(t);
	rcu_read_unlock();

	mutex_lock(&protect_lock);
	prune();
	i = find_entry(pid);
	if (!on) {
		if (i < 0)
			ret = -ENOENT;
		else
			set->proc[i] = set->proc[--set->count];
	} else if (!t) {
		ret = -ESRCH;
	} else if (i < 0) {
		if (orthros_protected.count == ORTHROS_PROTECT_MAX) {
			ret = -ENOSPC;
		} else {
			i = orthros_protected.count;
			orthros_protected.proc[i].pid = pid;
			orthros_protected.proc[i].start_time = start;
			/* The entry is whole before the count says so. */
			smp_wmb();
			WRITE_ONCE(orthros_protected.count, i + 1);
		}
	}
	mutex_unlock(&protect_lock);
	return ret;
}

ssize_t orthros_protected_show(char *buf)
{
	ssize_t n = 0;
	u32 i;

	mutex_lock(&protect_lock);
	prune();
	for (i = 0; i < orthros_protected.count; i++)
		n += sysfs_emit_at(buf, n, "%d\n", orthros_protected.proc[i].pid);
	mutex_unlock(&protect_lock);
	return n;
}
