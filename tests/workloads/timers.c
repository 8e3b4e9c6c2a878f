// SPDX-License-Identifier: GPL-2.0-only
/*
 * timers: timers carried across a failover: interval timers (ITIMER_REAL
 * every 50 ms; ITIMER_PROF every 20 ms of CPU time, which it checks by
 * burning 1 s of CPU after the failover: about 50 SIGPROFs), and POSIX
 * timers: M on CLOCK_MONOTONIC every
 * 50 ms signalling SIGRTMIN with the value 7, B on CLOCK_BOOTTIME every
 * 100 ms signalling SIGRTMIN+1, R on CLOCK_REALTIME once, an hour on. It
 * counts every signal all along; at SIGUSR1 (after the failover) it checks
 * that each timer is still armed with its interval (R with less than an
 * hour left, and more than an hour less two minutes), that the periodic
 * ones fire at their rates again (2 s must bring 40, 40 and 20 ticks,
 * give or take a quarter) and that M's signals carry its value. A timer
 * restored disarmed, with another interval or without its id fails.
 * Lines: "timers: ready pid=P", "timers: PASS ..." (exit 0) or "timers:
 * FAIL WHAT" (exit 1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define PERIOD_US	50000
#define MEASURE_S	2
#define WANT		(MEASURE_S * 1000000 / PERIOD_US)

#define HOUR_S		3600

static volatile sig_atomic_t ticks, mticks, bticks, pticks, bad_value;

static void on_prof(int sig)
{
	(void)sig;
	pticks++;
}

/* Use s seconds of this process's CPU time. */
static void burn(double s)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < s);
}

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

/* M's and B's signals: counted, M's value checked. */
static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGRTMIN) {
		mticks++;
		if (si->si_code != SI_TIMER || si->si_value.sival_int != 7)
			bad_value = 1;
	} else {
		bticks++;
	}
}

static timer_t posix_timer(clockid_t clock, int signo, int value, long ms)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = signo,
			       .sigev_value.sival_int = value };
	struct itimerspec its = { { ms / 1000, ms % 1000 * 1000000 }, { ms / 1000, ms % 1000 * 1000000 } };
	timer_t t;

	if (!ms)
		its = (struct itimerspec){ { 0, 0 }, { HOUR_S, 0 } };
	if (timer_create(clock, &ev, &t) || timer_settime(t, 0, &its, NULL))
		fail("timer_create on clock %d: %s", (int)clock, strerror(errno));
	return t;
}

/* A POSIX timer still armed, with its interval in ms (0: one-shot). */
static struct itimerspec armed(timer_t t, const char *name, long ms)
{
	struct itimerspec its;

	if (timer_gettime(t, &its))
		fail("%s: timer_gettime: %s (its id is gone)", name, strerror(errno));
	if (its.it_interval.tv_sec != ms / 1000 || its.it_interval.tv_nsec != ms % 1000 * 1000000)
		fail("%s: the interval is %ld.%09ld s, not %ld ms", name, (long)its.it_interval.tv_sec,
		     its.it_interval.tv_nsec, ms);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		fail("%s: disarmed", name);
	return its;
}

static void rate(int got, int want, const char *name)
{
	if (got < want * 3 / 4 || got > want * 5 / 4)
		fail("%s: %d ticks in %d s, not about %d", name, got, MEASURE_S, want);
}

/* Sleep s seconds of CLOCK_MONOTONIC whatever signals come. */
static void sleep_s(int s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += s;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

int main(void)
{
	struct sigaction alarm = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct sigaction rt = { .sa_sigaction = on_rt, .sa_flags = SA_RESTART | SA_SIGINFO };
	struct sigaction prof = { .sa_handler = on_prof, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, PERIOD_US }, { 0, PERIOD_US } };
	struct itimerval pit = { { 0, 20000 }, { 0, 20000 } };
	int before, got, mbefore, bbefore, pbefore, mgot, bgot;
	struct itimerspec r;
	timer_t m, b, rt1;

	state_init("timers");
	if (sigaction(SIGALRM, &alarm, NULL) || sigaction(SIGRTMIN, &rt, NULL) ||
	    sigaction(SIGRTMIN + 1, &rt, NULL) || sigaction(SIGPROF, &prof, NULL) ||
	    setitimer(ITIMER_REAL, &it, NULL) || setitimer(ITIMER_PROF, &pit, NULL))
		fail("setting up: %s", strerror(errno));
	burn(0.2);
	if (pticks < 5)
		fail("ITIMER_PROF: only %d ticks in 0.2 s of CPU", (int)pticks);
	m = posix_timer(CLOCK_MONOTONIC, SIGRTMIN, 7, 50);
	b = posix_timer(CLOCK_BOOTTIME, SIGRTMIN + 1, 0, 100);
	rt1 = posix_timer(CLOCK_REALTIME, SIGRTMIN + 1, 0, 0);
	sleep_s(1);
	if (ticks < WANT / MEASURE_S / 2)
		fail("only %d ticks in the first second", (int)ticks);
	state_say("ready pid=%d ticks=%d", getpid(), (int)ticks);
	while (!state_go)
		pause();
	if (getitimer(ITIMER_REAL, &it))
		fail("getitimer: %s", strerror(errno));
	if (it.it_interval.tv_sec || it.it_interval.tv_usec != PERIOD_US)
		fail("the interval is %ld.%06ld s, not 0.%06d", (long)it.it_interval.tv_sec,
		    (long)it.it_interval.tv_usec, PERIOD_US);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		fail("the timer is disarmed");
	armed(m, "M", 50);
	armed(b, "B", 100);
	r = armed(rt1, "R", 0);
	if (r.it_value.tv_sec >= HOUR_S || r.it_value.tv_sec < HOUR_S - 120)
		fail("R: %ld s left of its hour", (long)r.it_value.tv_sec);
	before = ticks;
	mbefore = mticks;
	bbefore = bticks;
	sleep_s(MEASURE_S);
	got = ticks - before;
	rate(got, WANT, "ITIMER_REAL");
	mgot = mticks - mbefore;
	bgot = bticks - bbefore;
	rate(mgot, WANT, "M");
	rate(bgot, WANT / 2, "B");
	if (bad_value)
		fail("M: a signal without its value 7 (or not from a timer)");
	if (getitimer(ITIMER_PROF, &pit) || pit.it_interval.tv_usec != 20000 ||
	    (!pit.it_value.tv_sec && !pit.it_value.tv_usec))
		fail("ITIMER_PROF: disarmed, or its interval is not 20 ms");
	pbefore = pticks;
	burn(1);
	if (pticks - pbefore < 25 || pticks - pbefore > 75)
		fail("ITIMER_PROF: %d ticks in 1 s of CPU, not about 50", (int)(pticks - pbefore));
	state_end(0, "ITIMER_REAL every %d ms, %d ticks in %d s (%d in all); ITIMER_PROF %d ticks in 1 s of CPU; POSIX timers armed with their ids and intervals: M %d and B %d ticks in %d s, M's value kept; R %ld s left of its hour",
		  PERIOD_US / 1000, got, MEASURE_S, (int)ticks, (int)(pticks - pbefore),
		  mgot, bgot, MEASURE_S,
		  (long)r.it_value.tv_sec);
}
