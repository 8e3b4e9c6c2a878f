// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl protect | unprotect | run: the processes a surviving kernel
 * re-creates after this one dies (with their threads and descendants),
 * kept by the kernel in /sys/kernel/orthros/protected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
int cmd_run(int argc, char **argv)
{
	char what[32];
	int err;

	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: orthrosctl run -- COMMAND [ARGS...]\n");
		return 2;
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
