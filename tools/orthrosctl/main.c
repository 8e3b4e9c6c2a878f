// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl - the Orthros control tool.
 * Every subcommand lives in builtin-NAME.c and has one line in the table.
 */
#include <stdlib.h>
#include <string.h>

#include "orthrosctl.h"

static const struct builtin builtins[] = {
	{ "status", cmd_status, "",
	  "this OS and the other: role, NthOS, CPUs, memory, devices, heartbeat, last event" },
	{ "plan", cmd_plan, "[FILE]",
	  "validate a partition description and show how it splits this machine" },
	{ "cmdline", cmd_cmdline, "[FILE]",
	  "kernel parameters that keep the 1stOS off the other OSes' share" },
	{ "boot", cmd_boot, "[OPTS]",
	  "boot the next BackupOS into a slot and wait until it is up (boot --help)" },
	{ "stop", cmd_stop, "",
	  "stop the BackupOS" },
	{ "protect", cmd_protect, "[PID]",
	  "protect a process, its threads and descendants (no PID: list the protected)" },
	{ "unprotect", cmd_unprotect, "PID",
	  "protect it no more" },
	{ "run", cmd_run, "-- CMD",
	  "run a command protected from its start, with a PID of 10000 or more" },
	{ "timeline", cmd_timeline, "[N]",
	  "the phases of the failover after the NthOS died (timeline --help)" },
};

#define NR_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const char *sysroot(void)
{
	const char *r = getenv("ORTHROS_SYSROOT");

	return r && *r ? r : "";
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: orthrosctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NR_BUILTINS; i++)
		fprintf(f, "  %-9s %-8s %s\n", builtins[i].name, builtins[i].args, builtins[i].help);
	fprintf(f, "\nFILE defaults to %s.\n", ORTHROS_DEFAULT_PARTITION);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < NR_BUILTINS; i++)
		if (!strcmp(argv[1], builtins[i].name))
			return builtins[i].run(argc - 1, argv + 1);
	fprintf(stderr, "orthrosctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
