// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl protect | unprotect | run: the processes a surviving kernel
 * re-creates after this one dies (with their threads and descendants),
 * kept by the kernel in /sys/kernel/orthros/protected.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/orthros/protect.h>

#include "orthrosctl.h"

static int write_protected(const char *what)
{
	char path[512];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/sys/kernel/orthros/protected", sysroot());
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(what, f) == EOF)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int parse_pid(const char *s, long *pid)
{
	char *end;

	errno = 0;
	*pid = strtol(s, &end, 10);
	return errno || end == s || *end || *pid <= 0 || *pid > 4194304 ? -1 : 0;
}

static int list(void)
{
	char path[512], line[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/orthros/protected", sysroot());
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "orthrosctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

static int set(int argc, char **argv, bool on)
{
	char what[32];
	long pid;
	int err;

	if (argc == 1 && on)
		return list();
	if (argc != 2 || parse_pid(argv[1], &pid)) {
		fprintf(stderr, "usage: orthrosctl %s PID\n", argv[0]);
		return 2;
	}
	snprintf(what, sizeof(what), "%s%ld\n", on ? "" : "-", pid);
	err = write_protected(what);
	if (err == -ESRCH)
		fprintf(stderr, "orthrosctl: no process %ld (or a kernel thread)\n", pid);
	else if (err == -ENOENT && !on)
		fprintf(stderr, "orthrosctl: process %ld is not protected\n", pid);
	else if (err == -ENOSPC)
		fprintf(stderr, "orthrosctl: the protected set is full\n");
	else if (err)
		fprintf(stderr, "orthrosctl: /sys/kernel/orthros/protected: %s\n", strerror(-err));
	if (!err && on && pid < ORTHROS_PID_MIN)
		fprintf(stderr, "orthrosctl: warning: PID %ld is below %d; the OS that re-creates it may have it in use (start it with 'orthrosctl run')\n",
			pid, ORTHROS_PID_MIN);
	return err ? 1 : 0;
}

int cmd_protect(int argc, char **argv)
{
	return set(argc, argv, true);
}

int cmd_unprotect(int argc, char **argv)
{
	return set(argc, argv, false);
}

/* Protect this process, then become the command: it is protected from its
 * first instruction, and so is everything it starts. */
static pid_t child;

static void pass_on(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* The next PID handed out is ORTHROS_PID_MIN or more (see protect.h). */
static void raise_last_pid(void)
{
	const char *path = "/proc/sys/kernel/ns_last_pid";
	long last = 0;
	FILE *f = fopen(path, "r+");

	if (!f || fscanf(f, "%ld", &last) != 1 ||
	    (last < ORTHROS_PID_MIN - 1 &&
	     (rewind(f), fprintf(f, "%d\n", ORTHROS_PID_MIN - 1) < 0)))
		fprintf(stderr, "orthrosctl: cannot raise %s: %s\n", path, strerror(errno));
	if (f && fclose(f))
		fprintf(stderr, "orthrosctl: cannot raise %s: %s\n", path, strerror(errno));
}

/* Wait for the command, passing signals on; its exit status is ours. */
static int wait_child(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = pass_on };
	unsigned int i;
	int status;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cmd_run(int argc, char **argv)
{
	char what[32];
	int err;

	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: orthrosctl run -- COMMAND [ARGS...]\n");
		return 2;
	}
	/* A low PID may be in use in the OS that will re-create it: start afresh above. */
	if (getpid() < ORTHROS_PID_MIN) {
		raise_last_pid();
		child = fork();
		if (child < 0) {
			fprintf(stderr, "orthrosctl: fork: %s\n", strerror(errno));
			return 1;
		}
		if (child > 0)
			return wait_child();
	}
	snprintf(what, sizeof(what), "%d\n", (int)getpid());
	err = write_protected(what);
	if (err) {
		fprintf(stderr, "orthrosctl: cannot protect: %s\n", strerror(-err));
		return 1;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "orthrosctl: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
