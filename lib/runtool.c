// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE		/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtool.h"

int run_bounded(char *const argv[], const char *input, int out, unsigned int timeout_s,
		bool *timed_out)
{
	int in[2], status, pidfd;
	struct pollfd p;
	pid_t pid;

	*timed_out = false;
	if (pipe2(in, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out, 1);
		dup2(out, 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	if (pid > 0)
		setpgid(pid, pid);	/* either side may run first */
	/* A tool that reads no input must not block us: the pipe holds 64 KiB. */
	if (input && pid > 0 && write(in[1], input, strlen(input)) < 0)
		dprintf(out, "cannot give %s its input: %s\n", argv[0], strerror(errno));
	close(in[1]);
	if (pid < 0)
		return -1;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (pidfd < 0 || poll(&p, 1, timeout_s * 1000) == 0) {
		dprintf(out, "%s: killed with its process group after %u s\n", argv[0], timeout_s);
		*timed_out = true;
		kill(-pid, SIGKILL);
	}
	if (pidfd >= 0)
		close(pidfd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	/* The group outlives its leader while a member lives: no pid reuse. */
	if (*timed_out)
		kill(-pid, SIGKILL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
