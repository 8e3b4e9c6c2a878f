// SPDX-License-Identifier: GPL-2.0-only
/* orthrosctl status: what this OS instance is and owns. */
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/machine.h"
#include "orthrosctl.h"

static void show_file(const char *label, const char *rel)
{
	char path[PATH_MAX], buf[256] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", sysroot(), rel);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "?");
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("%-14s %s\n", label, buf);
}

/* Devices of a sysfs class with the PCI function each one is on. */
static void show_class(const char *label, const char *rel, const char *prefix)
{
	char dir[PATH_MAX], link[PATH_MAX + 300], target[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s%s", sysroot(), rel);
	printf("%-14s", label);
	d = opendir(dir);
	if (!d) {
		printf(" ?\n");
		return;
	}
	while ((e = readdir(d))) {
		const char *pci = NULL;

		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(link, sizeof(link), "%s/%s/device/..", dir, e->d_name);
		if (realpath(link, target))
			pci = strrchr(target, '/');
		printf(" %s(%s)", e->d_name, pci && !strncmp(pci + 1, "0000:", 5) ? pci + 6 : "-");
	}
	closedir(d);
	printf("\n");
}

int cmd_status(int argc, char **argv)
{
	struct machine m;
	char err[512];
	unsigned int i;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: orthrosctl status\n");
		return 2;
	}
	show_file("NthOS", "/sys/kernel/orthros/nth");
	show_file("kernel", "/proc/sys/kernel/osrelease");
	if (machine_read(sysroot(), &m, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl: %s\n", err);
		return 1;
	}
	printf("%-14s", "CPUs (APIC)");
	for (i = 0; i < m.nr_cpus; i++)
		printf(" %u", m.apic_ids[i]);
	printf("\n");
	show_file("online CPUs", "/sys/devices/system/cpu/online");
	show_class("disks", "/sys/block", "vd");
	show_class("NICs", "/sys/class/net", "net-");
	return 0;
}
