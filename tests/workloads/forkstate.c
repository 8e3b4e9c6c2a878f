// SPDX-License-Identifier: GPL-2.0-only
/*
 * forkstate: a process tree of the shapes servers make, carried across a
 * failover and checked by the parent.
 *
 *   M  a child forked by the main thread
 *   T  a child forked by a second thread (the kernel keeps it on that
 *      thread's list of children, not the leader's)
 *   Z  a child that exited with status 7 and was not reaped: a zombie
 *
 * Each living child writes its letter into a pipe of its own every 100 ms,
 * and 'x' instead if its parent is no longer forkstate; it holds the only
 * write end, so a child missing after a restore shows as end of file. The
 * parent reads both pipes all along. At SIGUSR1 (after the failover) it
 * checks that both children are still its children and alive, that each
 * has beaten again since, that the zombie is still there to reap and
 * exited with 7; then it stops the children and reaps them. Lines:
 * "forkstate: ready parent=P m=M t=T z=Z", "forkstate: PASS ..." (exit 0)
 * or "forkstate: FAIL WHAT" (exit 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define BEAT_NS		100000000L	/* a child's beat: 100 ms */
#define ZOMBIE_CODE	7
#define WAIT_MS		30000		/* for a beat after the failover, at most */

static pid_t parent;

/* A child: beat into fd until killed; only async-signal-safe calls after fork. */
static void __attribute__((noreturn)) beat(int fd, char letter)
{
	struct timespec t = { 0, BEAT_NS };

	for (;;) {
		char c = getppid() == parent ? letter : 'x';

		if (write(fd, &c, 1) != 1)
			_exit(1);
		nanosleep(&t, NULL);
	}
}

static pid_t spawn(char letter, int *rd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		close(p[0]);
		beat(p[1], letter);
	}
	close(p[1]);
	*rd = p[0];
	return pid;
}

struct forked {
	pid_t pid;
	int rd;
	int done;		/* set (atomically) once pid and rd are */
};

/* Forks T, then stays: were it to exit, the kernel would give T to the leader. */
static void *fork_from_thread(void *arg)
{
	struct forked *f = arg;

	f->pid = spawn('T', &f->rd);
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

/* Read what came on fd; how many of letter, and fail on anything else or end of file. */
static int drain(int fd, char letter)
{
	char buf[256];
	int n, i, beats = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != letter)
				fail("child %c: its parent is no longer forkstate (got '%c')", letter, buf[i]);
			beats++;
		}
	}
	if (n == 0)
		fail("child %c: its pipe is at end of file: the child is gone", letter);
	if (errno != EAGAIN && errno != EINTR)
		fail("child %c: read: %s", letter, strerror(errno));
	return beats;
}

/* Until both children beat again (after the failover), draining as they come. */
static void wait_beats(const int *fd, const char *letters)
{
	int got[2] = { 0, 0 }, ms = 0;

	while (!got[0] || !got[1]) {
		struct pollfd p[2] = { { fd[0], POLLIN, 0 }, { fd[1], POLLIN, 0 } };
		int i;

		if (ms > WAIT_MS)
			fail("no beat from child %c for %d s", got[0] ? letters[1] : letters[0],
			     WAIT_MS / 1000);
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		ms += 100;
		for (i = 0; i < 2; i++)
			if (p[i].revents)
				got[i] += drain(fd[i], letters[i]);
	}
}

int main(void)
{
	struct forked t = { 0, -1, 0 };
	pthread_t th;
	pid_t m, z;
	int fd[2], st, i;
	siginfo_t si;

	state_init("forkstate");
	parent = getpid();
	m = spawn('M', &fd[0]);
	if (pthread_create(&th, NULL, fork_from_thread, &t))
		fail("pthread_create failed");
	while (!__atomic_load_n(&t.done, __ATOMIC_ACQUIRE))
		usleep(1000);
	fd[1] = t.rd;
	z = fork();
	if (z < 0)
		fail("fork: %s", strerror(errno));
	if (!z)
		_exit(ZOMBIE_CODE);
	/* The zombie is one only once it has exited: WNOWAIT leaves it unreaped. */
	if (waitid(P_PID, z, &si, WEXITED | WNOWAIT))
		fail("waitid: %s", strerror(errno));
	for (i = 0; i < 2; i++)
		if (fcntl(fd[i], F_SETFL, O_NONBLOCK))
			fail("fcntl: %s", strerror(errno));
	state_say("ready parent=%d m=%d t=%d z=%d", parent, m, t.pid, z);
	while (!state_go) {
		struct pollfd p[2] = { { fd[0], POLLIN, 0 }, { fd[1], POLLIN, 0 } };

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		for (i = 0; i < 2; i++)
			if (p[i].revents)
				drain(fd[i], "MT"[i]);
	}
	wait_beats(fd, "MT");
	if (waitpid(m, &st, WNOHANG) != 0 || waitpid(t.pid, &st, WNOHANG) != 0)
		fail("a living child is not a living child of forkstate any more");
	if (waitpid(z, &st, WNOHANG) != z || !WIFEXITED(st) || WEXITSTATUS(st) != ZOMBIE_CODE)
		fail("the zombie %d is not there to reap with status %d", z, ZOMBIE_CODE);
	kill(m, SIGKILL);
	kill(t.pid, SIGKILL);
	if (waitpid(m, &st, 0) != m || waitpid(t.pid, &st, 0) != t.pid)
		fail("the children could not be reaped");
	state_end(0, "children M %d and T %d beat on with their parent, the zombie %d reaped with status %d",
	    m, t.pid, z, ZOMBIE_CODE);
}
