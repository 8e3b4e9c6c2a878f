// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros liveness monitoring (the paper's section 2.3), both ways.
 *
 * Every period each OS advances its heartbeat in the shared memory and
 * sends an alive notice, an IPI, to the other OS's core. panic() first of
 * all writes its reason to the shared memory and sends the same IPI: the
 * failure notice. An OS declares the other dead on a failure notice, or
 * when no alive notice came for the timeout. Before anything else it
 * fences it: INIT to each of its cores, then a startup IPI into a page of
 * this OS's below 1 MiB where each core counts its arrival and halts (the
 * proof it stopped: a hung kernel shows a still heartbeat too, but cannot
 * run that page), and a check that its heartbeat and the probe word no
 * longer move. A fenced OS never comes back. A panicking OS is first
 * given a moment to stop its own CPUs, which leaves the user state of the
 * tasks they ran in memory (orthros_save_user_state()); INIT would lose it.
 *
 * What this OS knows of its peer (its NthOS number, where notices go, its
 * cores) it learns when monitoring starts, from its own boot request or
 * its own boot, and never re-reads from the shared memory: a dying OS may
 * scribble over that memory, and zeros there must not switch detection
 * off nor make this OS fence its own cores. The cores are fenced one by
 * one from that list, whatever their APIC IDs.
 *
 * Each event, with the time of each step, is queued for user space
 * (read() and poll() on /dev/orthros, see loader.c) and shown in
 * /sys/kernel/orthros/last_event.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/bits.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/orthros.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/orthros/loader.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/irq_vectors.h>
#include <asm/tsc.h>

static unsigned int period_ms = 100;
static unsigned int timeout_ms = 2000;
/* How long a panicking OS gets to stop its CPUs before INIT (it takes ms). */
#define STOP_WAIT_MS	1000
#define PARK_AP_MS	100	/* a fenced AP reaches the park stub (a startup IPI) */
#define PARK_BSP_MS	2000	/* the BSP does, through the firmware's resume path */

static int __init parse_ms(char *arg, unsigned int *ms, unsigned int min)
{
	unsigned int v;

	if (!arg || kstrtouint(arg, 0, &v) || v < min) {
		pr_err("bad monitoring time '%s' (at least %u ms)\n", arg, min);
		return 0;
	}
	*ms = v;
	return 0;
}

static int __init period_setup(char *arg)
{
	return parse_ms(arg, &period_ms, 10);
}
early_param("orthros.period_ms", period_setup);

static int __init timeout_setup(char *arg)
{
	return parse_ms(arg, &timeout_ms, 50);
}
early_param("orthros.timeout_ms", timeout_setup);

#define NR_EVENTS 16

static DEFINE_SPINLOCK(event_lock);
static DECLARE_WAIT_QUEUE_HEAD(event_wait);
static struct orthros_event events[NR_EVENTS];
static u64 event_seq;			/* events queued so far */
static struct orthros_event last_event;

static struct timer_list alive_timer;
static bool monitoring;			/* the timer is set up */
static bool paused;			/* switched off in /sys/kernel/orthros/monitor */
static atomic_t peer_failing = ATOMIC_INIT(0);	/* declared dead, once */
static bool peer_fenced;			/* ... and seen to be stopped */
static struct orthros_event pending;		/* filled before the work runs */
static u64 notices_received;
/* This OS's memory slot (0: the 1stOS), for parking a fenced BSP. */
static u32 my_slot;
/* The peer as this OS knows it; see the top of the file. */
static struct {
	bool known;			/* monitoring started with a peer */
	bool up;			/* seen up since, so judged from now on */
	u32 nth;
	u32 notice_apic;		/* where alive notices go */
	u32 up_timeout_ms;		/* dead if not up by then (0: no limit) */
	bool beat_due;			/* up: silence from now on is judged */
	unsigned int nr_cpus;		/* its cores, fenced if it dies */
	u32 apics[ORTHROS_MAX_CPUS];
} peer;

/*
 * When this OS last saw the peer's heartbeat move, by its own TSC: liveness
 * is judged on one clock only (the peer's TSC may differ, and its last beat
 * may land after our own reading of the time).
 */
static u64 seen_beat, seen_at;

static unsigned int my_role(void)
{
	return orthros_role();
}

static unsigned int peer_role(void)
{
	return my_role() ^ 1;
}

/*
 * Has the peer come up? Judged from the first time it is seen up: later
 * zeros do not stop that. From then on it must beat: its silence is timed
 * from that moment, also if it never beats at all.
 */
static void note_peer_up(const struct orthros_shm *s, u64 now)
{
	if (peer.known && !peer.up &&
	    READ_ONCE(s->os[peer_role()].state) == ORTHROS_OS_UP) {
		peer.up = true;
		peer.beat_due = true;
		seen_at = now;
	}
}

/* An IPI with a fixed vector to one core, by physical APIC ID. */
static void send_notice(u32 apic_id)
{
	unsigned long flags;

	local_irq_save(flags);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_PHYSICAL | X86_PLATFORM_IPI_VECTOR, apic_id);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

/* This OS's own TSC rate: the shared memory's copy may have been scribbled over. */
static u64 ms_to_tsc(u64 ms)
{
	return ms * tsc_khz;
}

static void fence_work_fn(struct work_struct *work);
static DECLARE_WORK(fence_work, fence_work_fn);

enum verdict { PANICKED, SILENT, NEVER_UP };

/* The peer is dead: take the time, then fence it in process context. */
static void declare_dead(struct orthros_shm *s, enum verdict why)
{
	unsigned int role = peer_role(), i;

	if (atomic_xchg(&peer_failing, 1))
		return;
	memset(&pending, 0, sizeof(pending));
	pending.detect_tsc = rdtsc();
	pending.nth = peer.nth;
	pending.tsc_khz = tsc_khz;
	pending.last_alive_tsc = seen_at;
	if (why == PANICKED) {
		pending.type = role == ORTHROS_ROLE_ACTIVE ? ORTHROS_EVENT_ACTIVE_PANIC :
							      ORTHROS_EVENT_BACKUP_PANIC;
		pending.failure_tsc = READ_ONCE(s->failure[role].tsc);
		snprintf(pending.reason, sizeof(pending.reason), "panic on APIC %u: %.100s",
			 READ_ONCE(s->failure[role].apic_id), s->failure[role].msg);
	} else {
		pending.type = role == ORTHROS_ROLE_ACTIVE ? ORTHROS_EVENT_ACTIVE_HANG :
							      ORTHROS_EVENT_BACKUP_HANG;
		if (why == NEVER_UP)
			snprintf(pending.reason, sizeof(pending.reason),
				 "never came up: not up %llu ms after its start (time-out %u ms)",
				 div64_u64(pending.detect_tsc - seen_at, tsc_khz ?: 1),
				 peer.up_timeout_ms);
		else
			snprintf(pending.reason, sizeof(pending.reason),
				 "no alive notice for %llu ms (timeout %u ms)",
				 div64_u64(pending.detect_tsc - seen_at, tsc_khz ?: 1),
				 timeout_ms);
	}
	/* The message is the dead OS's writing: printable text only. */
	for (i = 0; pending.reason[i]; i++)
		if (!isprint(pending.reason[i]) || pending.reason[i] == '"')
			pending.reason[i] = '?';
	queue_work(system_highpri_wq, &fence_work);
}

/*
 * The cores of the peer: the BackupOS's one core, or for the ActiveOS every
 * core of the partition but ours. From this OS's own copy of the partition.
 */
static void learn_peer_cpus(u32 backup_apic)
{
	const struct orthros_partition *p = orthros_partition();
	u32 me = read_apic_id();
	unsigned int i;

	peer.nr_cpus = 0;
	if (peer_role() == ORTHROS_ROLE_BACKUP) {
		peer.apics[peer.nr_cpus++] = backup_apic;
		return;
	}
	for (i = 0; p && i < min_t(u32, p->nr_cpus, ORTHROS_MAX_CPUS); i++)
		if (p->cpus[i].apic_id != me)
			peer.apics[peer.nr_cpus++] = p->cpus[i].apic_id;
}

/* A page of our own below 1 MiB: the first of our slot's low chunk (0: none). */
static phys_addr_t park_page(void)
{
	const struct orthros_partition *p = orthros_partition();
	const struct orthros_range *low;

	low = p && my_slot ? orthros_find_range(p, ORTHROS_MEM_SLOT_LOW, my_slot) : NULL;
	return low ? low->start : 0;
}

static void queue_event(const struct orthros_event *ev)
{
	unsigned long flags;

	spin_lock_irqsave(&event_lock, flags);
	events[event_seq % NR_EVENTS] = *ev;
	events[event_seq % NR_EVENTS].seq = event_seq + 1;
	last_event = events[event_seq % NR_EVENTS];
	event_seq++;
	spin_unlock_irqrestore(&event_lock, flags);
	wake_up_interruptible(&event_wait);
}

/* A panicking peer stops its own CPUs within milliseconds: wait for that. */
static void wait_peer_stopped(struct orthros_shm *s, unsigned int peer)
{
	unsigned long end = jiffies + msecs_to_jiffies(STOP_WAIT_MS);

	while (!READ_ONCE(s->failure[peer].stopped_tsc) && time_before(jiffies, end))
		usleep_range(200, 500);
	pending.stopped_tsc = READ_ONCE(s->failure[peer].stopped_tsc);
	if (!pending.stopped_tsc)
		pr_warn("NthOS %u did not stop its CPUs within %u ms; the user state of tasks it ran may be lost\n",
			pending.nth, STOP_WAIT_MS);
}

static void fence_work_fn(struct work_struct *work)
{
	struct orthros_shm *s = orthros_shm();
	unsigned int role = peer_role(), i;
	const struct orthros_partition *p = orthros_partition();
	phys_addr_t park;
	u64 beat, probe;
	s64 ms;

	if (pending.failure_tsc)
		wait_peer_stopped(s, role);
	park = park_page();
	for (i = 0; i < peer.nr_cpus; i++) {
		u32 apic = peer.apics[i];
		const struct orthros_cpu *c = p ? orthros_find_cpu(p, apic) : NULL;
		bool bsp = c && (c->flags & ORTHROS_CPU_BSP);
		int ret;

		/* One core at a time: the page counts one arrival. */
		ret = bsp ? orthros_arch_fence_bsp(apic, park) : orthros_arch_fence(apic, park);
		if (!ret)
			ret = orthros_arch_wait_parked(park, bsp ? PARK_BSP_MS : PARK_AP_MS);
		if (!ret)
			pending.nr_proven++;
		else if (park)
			pr_err("APIC %u did not run the park stub after INIT (%d): not proven stopped\n",
			       apic, ret);
		else if (bsp)
			pr_err("no page to park the BSP (APIC %u) in: not fenced\n", apic);
		pending.fenced[i] = apic;
	}
	pending.nr_fenced = peer.nr_cpus;
	pending.fence_tsc = rdtsc();
	WRITE_ONCE(s->os[role].state, ORTHROS_OS_DEAD);

	/*
	 * Stopped means every core ran the park stub (the 1stOS, with no page
	 * of its own below 1 MiB, cannot ask for that: it fences only a
	 * BackupOS) and nothing of it moves any more: watch for 3 periods.
	 */
	beat = READ_ONCE(s->os[role].heartbeat);
	probe = READ_ONCE(s->probe);
	msleep(3 * period_ms);
	if (READ_ONCE(s->os[role].heartbeat) == beat && READ_ONCE(s->probe) == probe &&
	    (!park || pending.nr_proven == peer.nr_cpus))
		pending.fenced_tsc = rdtsc();
	WRITE_ONCE(peer_fenced, !!pending.fenced_tsc);
	ms = max_t(s64, 0, div64_s64(pending.detect_tsc -
				     (pending.failure_tsc ?: pending.last_alive_tsc),
				     tsc_khz ?: 1));
	if (pending.fenced_tsc)
		pr_emerg("NthOS %u is dead (%s); detected after %lld ms, its %u cores fenced, %u proven in our park page\n",
			 pending.nth, pending.reason, ms, peer.nr_cpus, pending.nr_proven);
	else
		pr_emerg("NthOS %u is dead (%s) but not seen stopped after INIT to its %u cores (%u ran the park stub, or its memory still changes)\n",
			 pending.nth, pending.reason, peer.nr_cpus, pending.nr_proven);
	queue_event(&pending);
}

/* X86_PLATFORM_IPI_VECTOR: an alive or a failure notice from the peer. */
static void notice_irq(void)
{
	struct orthros_shm *s = orthros_shm();

	notices_received++;
	if (s && READ_ONCE(s->failure[peer_role()].failed))
		declare_dead(s, PANICKED);
}

static void alive_tick(struct timer_list *t)
{
	struct orthros_shm *s = orthros_shm();
	struct orthros_os_record *me = &s->os[my_role()];
	u64 now = rdtsc();
	u64 beat = READ_ONCE(s->os[peer_role()].heartbeat);

	WRITE_ONCE(me->heartbeat_tsc, now);
	WRITE_ONCE(me->heartbeat, me->heartbeat + 1);
	if (beat != seen_beat) {
		seen_beat = beat;
		seen_at = now;
	}
	note_peer_up(s, now);
	if (atomic_read(&peer_failing) || !peer.known) {
		/* judged already, or no peer to judge */
	} else if (!peer.up) {
		/* Still booting: a kernel that never comes up holds its slot only so long. */
		if (peer.up_timeout_ms &&
		    (s64)(now - seen_at) > (s64)ms_to_tsc(peer.up_timeout_ms))
			declare_dead(s, NEVER_UP);
	} else {
		send_notice(peer.notice_apic);
		if ((seen_beat || peer.beat_due) &&
		    (s64)(now - seen_at) > (s64)ms_to_tsc(timeout_ms))
			declare_dead(s, READ_ONCE(s->failure[peer_role()].failed) ?
					PANICKED : SILENT);
	}
	mod_timer(&alive_timer, jiffies + msecs_to_jiffies(period_ms));
}

/*
 * Called once the shared memory exists and a peer was started (the
 * ActiveOS, after booting a BackupOS on peer_apic) or started us (the
 * BackupOS, once up: the ActiveOS's boot core is peer_apic). A peer not
 * up up_timeout_ms after this is declared dead (0: no limit).
 */
void orthros_monitor_start(u32 peer_nth, u32 peer_apic, u32 up_timeout_ms)
{
	struct orthros_shm *s = orthros_shm();
	unsigned int role = peer_role();

	if (!s)
		return;
	peer.known = true;
	peer.up = false;
	peer.beat_due = false;
	peer.up_timeout_ms = up_timeout_ms;
	my_slot = READ_ONCE(s->os[my_role()].slot);
	peer.nth = peer_nth;
	peer.notice_apic = peer_apic;
	learn_peer_cpus(peer_apic);
	if (!orthros_isolated()) {
		s->monitor.period_ms = period_ms;
		s->monitor.timeout_ms = timeout_ms;
		s->monitor.vector = X86_PLATFORM_IPI_VECTOR;
	} else {
		/* One setting for both: the ActiveOS's. */
		period_ms = s->monitor.period_ms ?: period_ms;
		timeout_ms = s->monitor.timeout_ms ?: timeout_ms;
	}
	/* A new peer: forget the old one's failure. */
	memset(&s->failure[role], 0, sizeof(s->failure[role]));
	WRITE_ONCE(s->os[role].heartbeat, 0);
	seen_beat = 0;
	seen_at = rdtsc();
	atomic_set(&peer_failing, 0);
	WRITE_ONCE(peer_fenced, false);
	x86_platform_ipi_callback = notice_irq;
	paused = false;
	if (!monitoring) {
		timer_setup(&alive_timer, alive_tick, 0);
		monitoring = true;
	}
	mod_timer(&alive_timer, jiffies + msecs_to_jiffies(period_ms));
	pr_info("monitoring the %s (NthOS %u, %u cores): alive notice every %u ms, dead after %u ms\n",
		role == ORTHROS_ROLE_ACTIVE ? "ActiveOS" : "BackupOS", peer_nth, peer.nr_cpus,
		period_ms, timeout_ms);
}

/* From panic(), as early as possible: interrupts off, locks maybe held. */
void orthros_panic(const char *msg)
{
	struct orthros_shm *s = orthros_shm();
	struct orthros_failure *f;

	orthros_save_user_state();
	if (!s)
		return;
	f = &s->failure[my_role()];
	f->tsc = rdtsc();
	f->apic_id = read_apic_id();
	strscpy(f->msg, msg, sizeof(f->msg));
	/* The reason first, then the flag the other OS tests. */
	smp_wmb();
	WRITE_ONCE(f->failed, 1);
	if (peer.up)
		send_notice(peer.notice_apic);
}

/* From panic(), once the other CPUs were stopped (or given up on). */
void orthros_panic_stopped(void)
{
	struct orthros_shm *s = orthros_shm();

	if (s && READ_ONCE(s->failure[my_role()].failed))
		WRITE_ONCE(s->failure[my_role()].stopped_tsc, rdtsc());
}

/* Was the peer declared dead, and seen to be stopped by its fence? */
bool orthros_peer_fenced(void)
{
	return atomic_read(&peer_failing) && READ_ONCE(peer_fenced);
}

/* The NthOS number of the peer this OS monitors (0: none). */
u32 orthros_peer_nth(void)
{
	return peer.known ? peer.nth : 0;
}

/* The BackupOS was stopped on purpose: no verdict on it any more. */
void orthros_monitor_forget_peer(void)
{
	peer.known = false;
	peer.up = false;
}

/*
 * Switch this OS's notices off and on (benchmarks, maintenance). Off, it
 * sends no alive notices and judges nothing; back on, it judges the peer
 * only once it has seen it beat again, so both sides can be switched in
 * either order.
 */
int orthros_monitor_set(bool on)
{
	if (!orthros_shm() || !monitoring)
		return -ENODEV;
	if (!on) {
		paused = true;
		del_timer_sync(&alive_timer);
		pr_info("monitoring switched off\n");
		return 0;
	}
	seen_beat = 0;
	seen_at = rdtsc();
	/* Judge its silence only once it beats again: it may be switched off too. */
	peer.beat_due = false;
	paused = false;
	mod_timer(&alive_timer, jiffies + msecs_to_jiffies(period_ms));
	pr_info("monitoring switched on\n");
	return 0;
}

ssize_t orthros_monitor_show(char *buf)
{
	struct orthros_shm *s = orthros_shm();
	u64 age = 0;
	ssize_t n;

	if (!s || !monitoring || paused)
		return sysfs_emit(buf, "off\n");
	if (seen_beat)
		age = div64_u64(rdtsc() - seen_at, tsc_khz ?: 1);
	n = sysfs_emit(buf, "period_ms=%u timeout_ms=%u ", period_ms, timeout_ms);
	n += sysfs_emit_at(buf, n, "peer_heartbeat=%llu peer_heartbeat_age_ms=%llu ",
			   READ_ONCE(s->os[peer_role()].heartbeat), age);
	n += sysfs_emit_at(buf, n, "notices_received=%llu probe=%llu protected=%s\n",
			   notices_received, READ_ONCE(s->probe),
			   peer.up && !atomic_read(&peer_failing) ? "yes" : "no");
	return n;
}

ssize_t orthros_last_event_show(char *buf)
{
	struct orthros_event ev;
	unsigned long flags;
	unsigned int i;
	ssize_t n;
	s64 detect;
	u64 khz;

	spin_lock_irqsave(&event_lock, flags);
	ev = last_event;
	spin_unlock_irqrestore(&event_lock, flags);
	if (!ev.seq)
		return sysfs_emit(buf, "none\n");
	khz = ev.tsc_khz ?: 1;
	detect = div64_s64(ev.detect_tsc - (ev.failure_tsc ?: ev.last_alive_tsc), khz);
	n = sysfs_emit(buf, "seq=%llu type=%u nth=%u detect_ms=%lld fence_ms=%lld fenced=%s apics=",
		       ev.seq, ev.type, ev.nth, max_t(s64, 0, detect),
		       (s64)div64_s64(ev.fence_tsc - ev.detect_tsc, khz),
		       ev.fenced_tsc ? "yes" : "no");
	for (i = 0; i < min_t(u32, ev.nr_fenced, ORTHROS_MAX_CPUS); i++)
		n += sysfs_emit_at(buf, n, "%s%u", i ? "," : "", ev.fenced[i]);
	return n + sysfs_emit_at(buf, n, " proven=%u reason=%s\n", ev.nr_proven, ev.reason);
}

/* The next event after *seen, for read(); 0 if none is there yet. */
bool orthros_next_event(u64 *seen, struct orthros_event *ev)
{
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&event_lock, flags);
	if (*seen + NR_EVENTS < event_seq)
		*seen = event_seq - NR_EVENTS;	/* the oldest were overwritten */
	if (*seen < event_seq) {
		*ev = events[*seen % NR_EVENTS];
		(*seen)++;
		ret = true;
	}
	spin_unlock_irqrestore(&event_lock, flags);
	return ret;
}

int orthros_wait_event(u64 seen)
{
	return wait_event_interruptible(event_wait, READ_ONCE(event_seq) > seen);
}

__poll_t orthros_poll_event(struct file *f, poll_table *wait, u64 seen)
{
	poll_wait(f, &event_wait, wait);
	return READ_ONCE(event_seq) > seen ? EPOLLIN | EPOLLRDNORM : 0;
}
