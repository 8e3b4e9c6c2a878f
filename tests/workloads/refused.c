// SPDX-License-Identifier: GPL-2.0-only
/*
 * refused: holds one kind of process state Orthros does not carry, so that
 * a failover must refuse it by name instead of restoring it without it
 * (state-matrix checks the failover record). It never checks anything
 * after a failover: it must not be restored.
 *
 *   sysvsem     a SysV semaphore set it changed last (semop)
 *   posixtimer  an armed POSIX timer (timer_create)
 *   alarm       a one-shot alarm (alarm())
 *   timerfd     an armed timerfd
 *   inotify     an inotify instance watching /
 *   efdsem      an eventfd in semaphore mode
 *
 * Line: "refused: ready pid=P kind=KIND", then it sleeps.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/sem.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	printf("refused: FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *kind = argc == 2 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, SIG_IGN);
	if (!strcmp(kind, "sysvsem")) {
		struct sembuf up = { 0, 1, 0 };
		int id = semget(IPC_PRIVATE, 1, 0600);

		if (id < 0 || semop(id, &up, 1))
			die("semget/semop");
	} else if (!strcmp(kind, "posixtimer")) {
		struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
		struct itimerspec its = { { 1, 0 }, { 1, 0 } };
		timer_t t;

		if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &its, NULL))
			die("timer_create");
	} else if (!strcmp(kind, "alarm")) {
		alarm(3600);
	} else if (!strcmp(kind, "timerfd")) {
		struct itimerspec its = { { 1, 0 }, { 1, 0 } };
		int fd = timerfd_create(CLOCK_MONOTONIC, 0);

		if (fd < 0 || timerfd_settime(fd, 0, &its, NULL))
			die("timerfd");
	} else if (!strcmp(kind, "inotify")) {
		int fd = inotify_init1(0);

		if (fd < 0 || inotify_add_watch(fd, "/", IN_CREATE) < 0)
			die("inotify");
	} else if (!strcmp(kind, "efdsem")) {
		if (eventfd(1, EFD_SEMAPHORE) < 0)
			die("eventfd");
	} else {
		fprintf(stderr, "usage: refused sysvsem|posixtimer|alarm|timerfd|inotify|efdsem\n");
		return 2;
	}
	printf("refused: ready pid=%d kind=%s\n", getpid(), kind);
	for (;;)
		pause();
}
