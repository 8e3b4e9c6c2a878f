// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl boot: boot the next BackupOS into a slot, on a core named by
 * local APIC ID, and wait until its kernel says it is up.
 * orthrosctl stop: stop the BackupOS (INIT to its core).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/orthros/loader.h>

#include "../../lib/bzimage.h"
#include "../../lib/partition.h"
#include "orthrosctl.h"

#define DEFAULT_KERNEL "/opt/orthros/kernel/bzImage"
#define DEV "/dev/orthros"

static const char *const com_io[] = { "0x3f8", "0x2f8", "0x3e8", "0x2e8" };

static void *read_file(const char *path, size_t *size)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > (256 << 20)) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc(st.st_size);
	if (!buf || read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		errno = EIO;
		return NULL;
	}
	close(fd);
	*size = st.st_size;
	return buf;
}

static unsigned int read_uint(const char *rel, unsigned int dflt)
{
	char path[256];
	unsigned int v;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", sysroot(), rel);
	f = fopen(path, "r");
	if (!f)
		return dflt;
	if (fscanf(f, "%u", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Poll /sys/kernel/orthros/backup until its state is up or the time is
 * over; then a few seconds more for the kernel's own verdict at the same
 * deadline (state=dead: its core stopped, the slot free again).
 */
static int wait_up(double timeout, char *last, size_t len)
{
	double end = now() + timeout, verdict = end + 5;
	char path[256];

	snprintf(path, sizeof(path), "%s/sys/kernel/orthros/backup", sysroot());
	do {
		FILE *f = fopen(path, "r");

		if (f) {
			if (!fgets(last, len, f))
				last[0] = '\0';
			fclose(f);
			last[strcspn(last, "\n")] = '\0';
			if (!strncmp(last, "state=up ", 9))
				return 0;
			if (!strncmp(last, "state=stopped", 13) || !strncmp(last, "state=dead", 10))
				return -1;
			if (now() >= end && strncmp(last, "state=booting", 13))
				return -1;
		}
		usleep(100 * 1000);
	} while (now() < verdict);
	return -1;
}

/*
 * The partition in force once there is one (the kernel's copy of the
 * shared memory's: every OS after the first boots with that one), else
 * FILE or the default file.
 */
static int load_partition(const char *file, struct orthros_partition *p, char *err, size_t len)
{
	char path[256];
	int r;

	snprintf(path, sizeof(path), "%s/sys/kernel/orthros/partition", sysroot());
	if (file || access(path, R_OK))
		return orthros_partition_load(file ? file : ORTHROS_DEFAULT_PARTITION, p, err, len);
	r = orthros_partition_read_binary(path, p, err, len);
	if (r <= 0)
		return r;
	return orthros_partition_load(ORTHROS_DEFAULT_PARTITION, p, err, len);
}

static void boot_usage(FILE *f)
{
	fprintf(f,
		"usage: orthrosctl boot [options] [-- KERNEL-ARGS...]\n"
		"  -p, --partition FILE  partition description (the one in force if there is\n"
		"                        one, /sys/kernel/orthros/partition; else %s)\n"
		"  -k, --kernel FILE     kernel image (%s)\n"
		"  -a, --apic ID         local APIC ID of the core (the partition's backup CPU)\n"
		"  -s, --slot N          memory slot 1-3 (rotates with N)\n"
		"  -n, --nth N           the new OS is the NthOS (this OS's N + 1)\n"
		"  -t, --timeout SEC     wait this long for it to come up (120, at most 3600);\n"
		"                        if it is not up by then, this kernel declares it dead\n"
		"                        and stops its core, and the slot can be booted again\n"
		"KERNEL-ARGS are added to its command line after orthros.nth=, orthros.shared=,\n"
		"no_ipi_broadcast=1 and its console (COM((N-1) mod 4 + 1)).\n",
		ORTHROS_DEFAULT_PARTITION, DEFAULT_KERNEL);
}

int cmd_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "partition", required_argument, NULL, 'p' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "apic", required_argument, NULL, 'a' },
		{ "slot", required_argument, NULL, 's' },
		{ "nth", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pfile = NULL, *kfile = DEFAULT_KERNEL;
	long apic = -1, slot = 0, nth = 0;
	double timeout = 120, t0;
	struct orthros_boot req;
	struct boot_layout lay;
	struct bzimage bz;
	unsigned char bp[BOOT_PARAMS_SIZE];
	char err[512], cmdline[BOOT_CMDLINE_MAX], last[256] = "";
	const struct orthros_range *shared = NULL;
	size_t ksize, n;
	unsigned int i;
	void *kernel;
	int c, fd, com;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:k:a:s:n:t:h", opts, NULL)) != -1) {
		char *end = NULL;

		switch (c) {
		case 'p': pfile = optarg; break;
		case 'k': kfile = optarg; break;
		case 'a': apic = strtol(optarg, &end, 0); break;
		case 's': slot = strtol(optarg, &end, 0); break;
		case 'n': nth = strtol(optarg, &end, 0); break;
		case 't': timeout = strtod(optarg, &end); break;
		case 'h': boot_usage(stdout); return 0;
		default: boot_usage(stderr); return 2;
		}
		if (end && (*end || end == optarg)) {
			fprintf(stderr, "orthrosctl boot: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (!(timeout >= 1 && timeout <= 3600)) {
		fprintf(stderr, "orthrosctl boot: --timeout must be 1-3600 s\n");
		return 2;
	}
	memset(&req, 0, sizeof(req));
	if (load_partition(pfile, &req.partition, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl boot: invalid partition description: %s\n", err);
		return 2;
	}
	if (!nth)
		nth = read_uint("/sys/kernel/orthros/nth", 1) + 1;
	if (nth < 2) {
		fprintf(stderr, "orthrosctl boot: the new OS must be the 2ndOS or later\n");
		return 2;
	}
	if (!slot)
		slot = (nth - 2) % ORTHROS_NR_SLOTS + 1;
	if (apic < 0) {
		for (i = 0; i < req.partition.nr_cpus; i++)
			if (req.partition.cpus[i].flags & ORTHROS_CPU_BACKUP)
				apic = req.partition.cpus[i].apic_id;
	}
	for (i = 0; i < req.partition.nr_cpus; i++)
		if (req.partition.cpus[i].apic_id == apic)
			break;
	if (i == req.partition.nr_cpus) {
		fprintf(stderr, "orthrosctl boot: local APIC ID %ld is not a CPU of the partition\n", apic);
		return 2;
	}
	if (req.partition.cpus[i].flags & ORTHROS_CPU_BSP) {
		fprintf(stderr, "orthrosctl boot: APIC ID %ld is the BSP: the startup IPI does not work on it, a BackupOS needs an AP (paper 3.3.1)\n", apic);
		return 2;
	}
	if (slot < 1 || slot > ORTHROS_NR_SLOTS) {
		fprintf(stderr, "orthrosctl boot: slot %ld: slots are 1 to %d\n", slot, ORTHROS_NR_SLOTS);
		return 2;
	}
	kernel = read_file(kfile, &ksize);
	if (!kernel) {
		fprintf(stderr, "orthrosctl boot: %s: %s\n", kfile, strerror(errno));
		return 2;
	}
	if (bzimage_parse(kernel, ksize, &bz, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl boot: %s: %s\n", kfile, err);
		return 2;
	}
	for (i = 0; i < req.partition.nr_ranges; i++)
		if (req.partition.ranges[i].kind == ORTHROS_MEM_SHARED)
			shared = &req.partition.ranges[i];
	com = (nth - 1) % 4;
	n = snprintf(cmdline, sizeof(cmdline),
		     "orthros.nth=%ld orthros.shared=%#llx no_ipi_broadcast=1 console=ttyS%d,115200 earlycon=uart8250,io,%s,115200",
		     nth, (unsigned long long)shared->start, com, com_io[com]);
	for (i = optind; (int)i < argc && n < sizeof(cmdline); i++)
		n += snprintf(cmdline + n, sizeof(cmdline) - n, " %s", argv[i]);
	if (n >= sizeof(cmdline)) {
		fprintf(stderr, "orthrosctl boot: command line too long\n");
		return 2;
	}
	if (bzimage_boot_params(&bz, &req.partition, slot, n, bp, &lay, err, sizeof(err))) {
		fprintf(stderr, "orthrosctl boot: %s\n", err);
		return 2;
	}
	req.nth = nth;
	req.apic_id = apic;
	req.slot = slot;
	/* The kernel's deadline is ours: a retry after it is never refused as busy. */
	req.up_timeout_ms = (__u32)(timeout * 1000);
	req.entry = lay.entry;
	req.boot_params = lay.boot_params;
	req.segments[0] = (struct orthros_segment){ (uintptr_t)(bz.data + bz.pm_offset), lay.load, bz.pm_size };
	req.segments[1] = (struct orthros_segment){ (uintptr_t)bp, lay.boot_params, sizeof(bp) };
	req.segments[2] = (struct orthros_segment){ (uintptr_t)cmdline, lay.cmdline, n + 1 };
	req.nr_segments = 3;

	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "orthrosctl boot: %s: %s (is this an Orthros kernel?)\n", DEV, strerror(errno));
		return 1;
	}
	printf("booting the NthOS N=%ld on APIC %ld in slot %ld: kernel at %#llx, console COM%d\n",
	       nth, apic, slot, (unsigned long long)lay.load, com + 1);
	fflush(stdout);
	t0 = now();
	if (ioctl(fd, ORTHROS_IOC_BOOT, &req)) {
		fprintf(stderr, "orthrosctl boot: the kernel refused: %s (its reason is in dmesg)\n",
			strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	if (wait_up(timeout, last, sizeof(last))) {
		fprintf(stderr, "orthrosctl boot: the NthOS N=%ld did not come up within %.0f s (%s); its console is COM%d\n",
			nth, timeout, last, com + 1);
		return 1;
	}
	printf("BackupOS up after %.2f s: %s\n", now() - t0, last);
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	int fd;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: orthrosctl stop\n");
		return 2;
	}
	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "orthrosctl stop: %s: %s\n", DEV, strerror(errno));
		return 1;
	}
	if (ioctl(fd, ORTHROS_IOC_STOP)) {
		fprintf(stderr, "orthrosctl stop: %s\n",
			errno == ESRCH ? "no BackupOS is running" : strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	printf("BackupOS stopped\n");
	return 0;
}
