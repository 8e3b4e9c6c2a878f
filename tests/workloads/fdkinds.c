// SPDX-License-Identifier: GPL-2.0-only
/*
 * fdkinds: files that are not plain files, carried across a failover: an
 * eventfd holding 5, a signalfd for SIGUSR2 with one SIGUSR2 pending (the
 * signal blocked), an epoll instance watching both, and a named pipe in
 * the working directory (made and committed to disk first) opened for
 * reading and for writing with bytes unread. At SIGUSR1 (after the
 * failover) it checks: epoll reports both readable; the eventfd reads 5,
 * then counts again (3 in, 3 out); the signalfd gives the pending SIGUSR2,
 * then one sent now; the named pipe gives its bytes, then carries new ones,
 * and is the same pipe as the one at its path. Lines: "fdkinds: ready pid=P",
 * "fdkinds: PASS ..." (exit 0) or "fdkinds: FAIL WHAT" (exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static uint64_t efd_read(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		fail("eventfd read: %s", strerror(errno));
	return v;
}

#define FIFO_NAME "fdkinds.fifo"
#define FIFO_BYTES "named pipe bytes"

/* A named pipe in the working directory, on disk before it is used. */
static void make_fifo(int *rfd, int *wfd)
{
	int dir;

	if ((unlink(FIFO_NAME) && errno != ENOENT) || mkfifo(FIFO_NAME, 0600))
		fail("mkfifo %s: %s", FIFO_NAME, strerror(errno));
	dir = open(".", O_RDONLY | O_DIRECTORY);
	if (dir < 0 || fsync(dir))
		fail("committing the named pipe: %s", strerror(errno));
	close(dir);
	*rfd = open(FIFO_NAME, O_RDONLY | O_NONBLOCK);
	*wfd = *rfd < 0 ? -1 : open(FIFO_NAME, O_WRONLY);
	if (*wfd < 0 || write(*wfd, FIFO_BYTES, strlen(FIFO_BYTES)) != (ssize_t)strlen(FIFO_BYTES))
		fail("opening and filling the named pipe: %s", strerror(errno));
}

static void check_fifo(int rfd, int wfd)
{
	char buf[64];
	ssize_t n = read(rfd, buf, sizeof(buf));
	struct stat a, b;

	if (n != (ssize_t)strlen(FIFO_BYTES) || memcmp(buf, FIFO_BYTES, n))
		fail("the named pipe gave %zd bytes, not the %zu left in it", n, strlen(FIFO_BYTES));
	if (write(wfd, "again", 5) != 5 || read(rfd, buf, sizeof(buf)) != 5 || memcmp(buf, "again", 5))
		fail("the named pipe does not carry new bytes: %s", strerror(errno));
	if (fstat(rfd, &a) || stat(FIFO_NAME, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		fail("the named pipe open is not the one at %s", FIFO_NAME);
}

static int sfd_read(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		fail("signalfd read: %s", strerror(errno));
	return si.ssi_signo;
}

int main(void)
{
	struct epoll_event ev[4];
	uint64_t five = 5, three = 3, v;
	sigset_t usr2, pend;
	int efd, sfd, ep, n, i, seen = 0, rfd, wfd;

	state_init("fdkinds");
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &usr2, NULL))
		fail("signals: %s", strerror(errno));
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	sfd = signalfd(-1, &usr2, SFD_NONBLOCK);
	ep = epoll_create1(0);
	if (efd < 0 || sfd < 0 || ep < 0)
		fail("eventfd, signalfd, epoll: %s", strerror(errno));
	ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.u32 = 1 };
	ev[1] = (struct epoll_event){ .events = EPOLLIN, .data.u32 = 2 };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev[0]) || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev[1]) ||
	    write(efd, &five, sizeof(five)) != sizeof(five) || kill(getpid(), SIGUSR2))
		fail("setting up: %s", strerror(errno));
	make_fifo(&rfd, &wfd);
	state_say("ready pid=%d", getpid());
	while (!state_go)
		pause();
	if (sigpending(&pend) || !sigismember(&pend, SIGUSR2))
		fail("the SIGUSR2 sent before the failover is no longer pending");
	n = epoll_wait(ep, ev, 4, 0);
	for (i = 0; i < n; i++)
		seen |= (int)ev[i].data.u32;
	if (seen != 3)
		fail("epoll reports %s readable, not both", seen == 1 ? "the eventfd alone" :
		     seen == 2 ? "the signalfd alone" : "neither");
	v = efd_read(efd);
	if (v != 5)
		fail("the eventfd holds %llu, not 5", (unsigned long long)v);
	if (write(efd, &three, sizeof(three)) != sizeof(three) || (v = efd_read(efd)) != 3)
		fail("the eventfd does not count: 3 in, %llu out", (unsigned long long)v);
	if ((n = sfd_read(sfd)) != SIGUSR2)
		fail("the signalfd gave signal %d, not the pending SIGUSR2", n);
	if (kill(getpid(), SIGUSR2) || (n = sfd_read(sfd)) != SIGUSR2)
		fail("the signalfd does not take a new SIGUSR2 (got %d)", n);
	check_fifo(rfd, wfd);
	state_end(0, "eventfd held 5 and counts; signalfd gave the pending SIGUSR2 and a new one; epoll saw both; the named pipe kept its bytes and carries new ones");
}
