// SPDX-License-Identifier: GPL-2.0-only
/*
 * timers: an interval timer (ITIMER_REAL, every 50 ms) carried across a
 * failover. It counts its SIGALRMs all along; at SIGUSR1 (after the
 * failover) it checks that the timer is still armed with its interval
 * and that it fires at its rate again: 2 s must bring 40 ticks, give or
 * take a quarter (a timer restored disarmed, or with another interval,
 * fails). Lines: "timers: ready pid=P", "timers: PASS ..." (exit 0) or
 * "timers: FAIL WHAT" (exit 1).
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

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
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
	struct itimerval it = { { 0, PERIOD_US }, { 0, PERIOD_US } };
	int before, got;

	state_init("timers");
	if (sigaction(SIGALRM, &alarm, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		fail("setting up: %s", strerror(errno));
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
	before = ticks;
	sleep_s(MEASURE_S);
	got = ticks - before;
	if (got < WANT * 3 / 4 || got > WANT * 5 / 4)
		fail("%d ticks in %d s, not about %d", got, MEASURE_S, WANT);
	state_end(0, "ITIMER_REAL every %d ms: armed, and %d ticks in %d s (%d in all)", PERIOD_US / 1000,
	    got, MEASURE_S, (int)ticks);
}
