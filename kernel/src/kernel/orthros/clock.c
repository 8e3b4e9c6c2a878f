// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros wall clock: an isolated OS (N >= 2) may not touch the CMOS clock,
 * which another OS owns, so it would start at the epoch. The OS that boots
 * it reads CLOCK_REALTIME and the TSC together and leaves them in the
 * shared memory; the new OS, early in its boot, adds the TSC time that has
 * passed since (one TSC for the whole machine) and sets its clock. A
 * survivor's clock is then right, and so is what a process restored in it
 * reads; it hands the same to the OS it boots next.
 *
 * The record is another OS's writing: it is used only if its check word
 * matches and its numbers are plausible, else the clock stays where it is
 * and the log says why.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/math64.h>
#include <linux/orthros.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>

#define CLOCK_MAGIC	0x4f525448434c4b31ULL		/* "ORTHCLK1" */
#define CLOCK_MIN_NS	(946684800ULL * NSEC_PER_SEC)	/* 2000-01-01 */
#define CLOCK_MAX_AGE_S	3600	/* a BackupOS boots in minutes, not hours */

static u64 orthros_clock_check(const struct orthros_clock *c)
{
	return CLOCK_MAGIC ^ c->real_ns ^ rol64(c->tsc, 17) ^ rol64(c->tsc_khz, 41);
}

void orthros_clock_publish(struct orthros_clock *c)
{
	unsigned long flags;
	u64 real, tsc;

	/* Read together: nothing between the two but the two reads. */
	local_irq_save(flags);
	real = ktime_get_real_ns();
	tsc = rdtsc_ordered();
	local_irq_restore(flags);
	c->real_ns = real;
	c->tsc = tsc;
	c->tsc_khz = tsc_khz;
	c->check = orthros_clock_check(c);
}

static int __init orthros_clock_take(void)
{
	struct orthros_shm *s;
	struct orthros_clock c;
	struct timespec64 ts;
	u64 now, real;
	int ret;

	if (!orthros_isolated())
		return 0;
	s = memremap(orthros_shared_phys(), sizeof(*s), MEMREMAP_WB);
	if (!s)
		return -ENOMEM;
	c = s->clock;
	memunmap(s);
	now = rdtsc_ordered();
	if (c.check != orthros_clock_check(&c) || c.tsc_khz < 1000 ||
	    c.tsc_khz > U32_MAX || c.real_ns < CLOCK_MIN_NS || c.real_ns > S64_MAX / 2 ||
	    now < c.tsc || div_u64(now - c.tsc, c.tsc_khz) > CLOCK_MAX_AGE_S * 1000ULL) {
		pr_warn("no usable wall clock in the shared memory: the clock stays at %lld s\n",
			ktime_get_real_seconds());
		return 0;
	}
	/* ns = ticks * 10^6 / kHz, without overflow for an hour of ticks. */
	real = c.real_ns + mul_u64_u32_div(now - c.tsc, NSEC_PER_MSEC, c.tsc_khz);
	ts = ns_to_timespec64(real);
	ret = do_settimeofday64(&ts);
	if (ret)
		pr_warn("cannot set the wall clock: %d\n", ret);
	else
		pr_info("wall clock from the OS that booted this one: %lld s since the epoch\n",
			(long long)ts.tv_sec);
	return 0;
}
core_initcall(orthros_clock_take);
