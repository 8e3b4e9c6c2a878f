/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ORTHROSCTL_H
#define ORTHROSCTL_H

#include <stdbool.h>
#include <stdio.h>

/* One subcommand: a file builtin-NAME.c and one line in main.c's table. */
struct builtin {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *help;
};

int cmd_boot(int argc, char **argv);
int cmd_cmdline(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_protect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_unprotect(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_timeline(int argc, char **argv);

/* The partition description the tools use when none is named. */
#define ORTHROS_DEFAULT_PARTITION "/etc/orthros/partition.conf"

/* Directory that holds proc/ and sys/ ("/", or ORTHROS_SYSROOT for tests). */
const char *sysroot(void);

#endif
