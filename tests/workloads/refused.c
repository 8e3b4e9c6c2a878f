// SPDX-License-Identifier: GPL-2.0-only
/*
 * refused: holds one kind of process state Orthros does not carry, so that
 * a failover must refuse it by name instead of restoring it without it
 * (state-matrix checks the failover record). It never checks anything
 * after a failover: it must not be restored.
 *
 *   sysvsem     a SysV semaphore set it changed last (semop)
 *   posixtimer  an armed POSIX timer on the process's CPU-time clock
 *   alarm       a one-shot alarm (alarm())
 *   timerfd     an armed timerfd
 *   inotify     an inotify instance watching /
 *   efdsem      an eventfd in semaphore mode
 *   tcpheld     a CPU-time POSIX timer, and a TCP connection accepted on port 80
 *               ("refused: accepted" once it is): its peer must be reset
 *   unixscm     a file descriptor in flight on a Unix socket (SCM_RIGHTS)
 *
 * Line: "refused: ready pid=P kind=KIND", then it sleeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define die(what)	fail("%s: %s", what, strerror(errno))

int main(int argc, char **argv)
{
	const char *kind = argc == 2 ? argv[1] : "";

	state_init("refused");
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

		if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t) || timer_settime(t, 0, &its, NULL))
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
	} else if (!strcmp(kind, "tcpheld")) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
		struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
		struct itimerspec its = { { 1, 0 }, { 1, 0 } };
		int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0), c;
		timer_t t;

		if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t) || timer_settime(t, 0, &its, NULL) || ls < 0 ||
		    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
			die("timer, listen on 80");
		state_say("ready pid=%d kind=%s", getpid(), kind);
		c = accept(ls, NULL, NULL);
		if (c < 0)
			die("accept");
		state_say("accepted");
		for (;;)
			pause();
	} else if (!strcmp(kind, "unixscm")) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} c = { 0 };
		struct iovec iov = { .iov_base = "x", .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
				     .msg_controllen = sizeof(c.buf) };
		struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);
		int sp[2], fd = 0;

		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &fd, sizeof(fd));
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || sendmsg(sp[0], &mh, 0) != 1)
			die("socketpair, sendmsg SCM_RIGHTS");
	} else {
		fprintf(stderr, "usage: refused sysvsem|posixtimer|alarm|timerfd|inotify|efdsem|tcpheld|unixscm\n");
		return 2;
	}
	state_say("ready pid=%d kind=%s", getpid(), kind);
	for (;;)
		pause();
}
