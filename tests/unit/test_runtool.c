// SPDX-License-Identifier: GPL-2.0-only
/*
 * A recovery tool that hangs is killed with everything it started: the
 * daemon once killed only its direct child, and a hung criu under
 * orthros-pm lived on.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "../../lib/runtool.h"

/* Gone or a zombie waiting for its new parent. */
static bool dead(long pid)
{
	char path[64], stat[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = 0;
	p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

TEST(run_bounded_kills_the_tool_with_what_it_started)
{
	char dir[] = "/tmp/orthros-run-XXXXXX", cmd[256], pidfile[64], line[32] = "";
	char *argv[] = { "sh", "-c", cmd, NULL };
	bool timed_out = false;
	int out, i, st;
	long pid = 0;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(cmd, sizeof(cmd), "sleep 300 & echo $! > %s; sleep 300", pidfile);
	out = open("/dev/null", O_WRONLY);
	st = run_bounded(argv, NULL, out, 1, &timed_out);
	CHECK(st == 128 + SIGKILL && timed_out);
	f = fopen(pidfile, "r");
	CHECK(f && fgets(line, sizeof(line), f));
	if (f)
		fclose(f);
	pid = atol(line);
	CHECK(pid > 0);
	for (i = 0; i < 200 && pid > 0 && !dead(pid); i++)
		usleep(10000);
	CHECK(pid > 0 && dead(pid));

	/* One that finishes in time: its status, nothing killed. */
	snprintf(cmd, sizeof(cmd), "read x; test \"$x\" = hello && exit 3");
	st = run_bounded(argv, "hello\n", out, 5, &timed_out);
	CHECK(st == 3 && !timed_out);
	close(out);
	unlink(pidfile);
	rmdir(dir);
}
