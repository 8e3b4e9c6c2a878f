// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl status: what this OS instance is and owns, what the shared
 * memory says of both roles, and the monitoring: the other OS's heartbeat
 * age, whether this OS is protected, the last event.
 */
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/machine.h"
#include "orthrosctl.h"

/* The first line of a file under the sysroot, without its newline. */
static const char *line_of(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", sysroot(), rel);
	f = fopen(path, "r");
	if (!f || !fgets(buf, len, f))
		snprintf(buf, len, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void show_cpus(void)
{
	char path[PATH_MAX], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/orthros/cpus", sysroot());
	f = fopen(path, "r");
	printf("%-12s", "CPUs");
	if (!f) {
		printf(" ?\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int cpu, apic, logical;

		if (sscanf(line, "cpu=%u apic=%u logical=%x", &cpu, &apic, &logical) == 3)
			printf(" APIC %u (logical %#04x)", apic, logical);
	}
	fclose(f);
	printf("\n");
}

/* PCI functions with a driver bound: the devices this OS drives. */
static void show_devices(void)
{
	char dir[PATH_MAX], link[PATH_MAX + 300], target[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices", sysroot());
	printf("%-12s", "devices");
	d = opendir(dir);
	if (!d) {
		printf(" ?\n");
		return;
	}
	while ((e = readdir(d))) {
		const char *drv;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s/driver", dir, e->d_name);
		if (!realpath(link, target))
			continue;
		drv = strrchr(target, '/');
		printf(" %s(%s)", e->d_name + 5, drv ? drv + 1 : "?");
	}
	closedir(d);
	printf("\n");
}

/* Is the machine protected right now: a BackupOS up and monitored? */
static void show_protection(void)
{
	char role[64], backup[256], monitor[512];
	unsigned int nth = 0, apic = 0;

	line_of("/sys/kernel/orthros/role", role, sizeof(role));
	line_of("/sys/kernel/orthros/backup", backup, sizeof(backup));
	line_of("/sys/kernel/orthros/monitor", monitor, sizeof(monitor));
	sscanf(backup, "state=up nth=%u apic=%u", &nth, &apic);
	if (strcmp(role, "active"))
		printf("%-12s this OS is the BackupOS\n", "protected");
	else if (nth && strstr(monitor, "protected=yes"))
		printf("%-12s yes: NthOS %u is the BackupOS on APIC %u, monitored both ways\n",
		       "protected", nth, apic);
	else
		printf("%-12s NO: no BackupOS is up and monitored (%s); a failure of this OS is not survived\n",
		       "protected", backup);
}

/* Every failover of this machine, from the shared memory every OS inherits. */
static void show_history(void)
{
	char path[PATH_MAX], line[256];
	const char *label = "failovers";
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/orthros/history", sysroot());
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		printf("%-12s %s", label, line);
		label = "";
	}
	if (f)
		fclose(f);
	if (*label)
		printf("%-12s none\n", label);
}

int cmd_status(int argc, char **argv)
{
	char a[256], b[256];
	struct machine_ram r[MACHINE_MAX_RAM];
	char err[512];
	uint64_t ram = 0;
	int i, n;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: orthrosctl status\n");
		return 2;
	}
	printf("%-12s NthOS %s (%s), kernel %s\n", "this OS",
	       line_of("/sys/kernel/orthros/nth", a, sizeof(a)),
	       line_of("/sys/kernel/orthros/role", b, sizeof(b)),
	       line_of("/proc/sys/kernel/osrelease", err, sizeof(err)));
	show_cpus();
	n = machine_own_ram(sysroot(), r, MACHINE_MAX_RAM, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "orthrosctl: %s\n", err);
		return 1;
	}
	printf("%-12s", "memory");
	for (i = 0; i < n; i++) {
		printf(" [%#" PRIx64 "-%#" PRIx64 ")", r[i].start, r[i].end);
		ram += r[i].end - r[i].start;
	}
	printf(" = %" PRIu64 " MiB\n", ram >> 20);
	show_devices();
	printf("%-12s %s\n", "shared mem", line_of("/sys/kernel/orthros/shared", a, sizeof(a)));
	printf("%-12s %s\n", "ActiveOS", line_of("/sys/kernel/orthros/active", a, sizeof(a)));
	printf("%-12s %s\n", "BackupOS", line_of("/sys/kernel/orthros/backup", a, sizeof(a)));
	printf("%-12s %s\n", "monitor", line_of("/sys/kernel/orthros/monitor", a, sizeof(a)));
	printf("%-12s %s\n", "last event", line_of("/sys/kernel/orthros/last_event", a, sizeof(a)));
	printf("%-12s %s\n", "dead memory", line_of("/sys/kernel/orthros/vmcore", a, sizeof(a)));
	show_protection();
	show_history();
	return 0;
}
