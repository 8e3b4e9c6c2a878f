// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../lib/machine.h"
#include "../../lib/partition.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256], cmd[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd))
		return;
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void memmap(int i, const char *start, const char *end, const char *type)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "sys/firmware/memmap/%d/start", i);
	put(rel, start);
	snprintf(rel, sizeof(rel), "sys/firmware/memmap/%d/end", i);
	put(rel, end);
	snprintf(rel, sizeof(rel), "sys/firmware/memmap/%d/type", i);
	put(rel, type);
}

/* A fake q35 machine with 4 GiB, as QEMU's firmware describes it. */
static void fake_machine(void)
{
	strcpy(root, "/tmp/orthros-unit-XXXXXX");
	if (!mkdtemp(root))
		return;
	put("proc/cpuinfo", "processor\t: 0\napicid\t\t: 2\n\nprocessor\t: 1\napicid\t\t: 0\n"
	    "\nprocessor\t: 2\napicid\t\t: 1\n\nprocessor\t: 3\napicid\t\t: 3\n");
	memmap(0, "0x0\n", "0x9fbff\n", "System RAM\n");
	memmap(1, "0x9fc00\n", "0x9ffff\n", "Reserved\n");
	memmap(2, "0x100000\n", "0x7ffdefff\n", "System RAM\n");
	memmap(3, "0x7ffdf000\n", "0x7fffffff\n", "Reserved\n");
	memmap(4, "0x100000000\n", "0x17fffffff\n", "System RAM\n");
	put("sys/bus/pci/devices/0000:00:04.0/vendor", "0x1af4\n");
	put("sys/bus/pci/devices/0000:00:06.0/vendor", "0x1af4\n");
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("  could not remove %s\n", root);
}

TEST(machine_reads_cpus_and_ram)
{
	struct machine m;
	char err[256];

	fake_machine();
	CHECK(machine_read(root, &m, err, sizeof(err)) == 0);
	CHECK(m.nr_cpus == 4);
	CHECK(m.apic_ids[0] == 0 && m.apic_ids[3] == 3);
	CHECK(m.nr_ram == 3);
	CHECK(m.ram[1].start == 0x100000 && m.ram[1].end == 0x7ffdf000);
	CHECK(m.ram[2].end == 0x180000000ULL);
	CHECK(machine_has_pci(root, 0, 4 << 3));
	CHECK(!machine_has_pci(root, 0, 5 << 3));
	cleanup();
}

TEST(machine_check_finds_what_does_not_fit)
{
	struct orthros_partition p;
	struct machine m;
	char err[512], *out = NULL;
	size_t len = 0;
	FILE *f;

	fake_machine();
	CHECK(machine_read(root, &m, err, sizeof(err)) == 0);
	CHECK(orthros_partition_parse(
		"orthros-partition 1\ncpu 0 bsp\ncpu 3 backup\ncpu 7\n"
		"first-only 0 0x60000\nfirst-only 0x90000 0x7f70000\n"
		"slot 1 0x08000000 256M low 0x60000 64K\n"
		"slot 2 0x18000000 256M low 0x70000 64K\n"
		"slot 3 0x28000000 256M low 0x80000 64K\n"
		"general 0x38000000 1G\n"		/* runs into the reserved tail */
		"shared 0x38000000 2M\n", "t", &p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "overlaps") != NULL);
	CHECK(orthros_partition_parse(
		"orthros-partition 1\ncpu 0 bsp\ncpu 3 backup\ncpu 7\n"
		"first-only 0 0x60000\nfirst-only 0x90000 0x7f70000\n"
		"slot 1 0x08000000 256M low 0x60000 64K\n"
		"slot 2 0x18000000 256M low 0x70000 64K\n"
		"slot 3 0x28000000 256M low 0x80000 64K\n"
		"general 0x38000000 1G\nshared 0x78000000 2M\ngeneral 4G 4G\n"
		"device 00:04.0 root-a odd\ndevice 00:05.0 root-b even\n",
		"t", &p, err, sizeof(err)) == 0);
	f = open_memstream(&out, &len);
	/* CPU 7 and device 00:05.0 are missing; the second general range
	 * ends past the end of RAM. */
	CHECK(machine_check_partition(root, &m, &p, f) == 5);	/* and CPUs 1, 2 left out */
	fclose(f);
	CHECK(strstr(out, "local APIC ID 7 is not online") != NULL);
	CHECK(strstr(out, "general [0x100000000-0x200000000) is not all RAM") != NULL);
	CHECK(strstr(out, "general [0x38000000-0x78000000) is not all RAM") == NULL);
	CHECK(strstr(out, "device root-b (00:05.0) is not in this machine") != NULL);
	CHECK(strstr(out, "CPU with local APIC ID 1 is in no partition: its logical APIC ID would clash") != NULL);
	/* Under 2 GiB, RAM above the shared region is left over. */
	CHECK(strstr(out, "in [0x100000-0x7ffdf000) is in no range (the 1stOS's alone)") != NULL);
	free(out);
	cleanup();
}

TEST(machine_own_ram_takes_top_level_system_ram)
{
	struct machine_ram r[8];
	char err[256];

	fake_machine();
	put("proc/iomem", "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n"
	    "00100000-07ffffff : System RAM\n  01000000-01ffffff : Kernel code\n"
	    "08000000-17ffffff : Reserved\n100000000-17fffffff : System RAM\n"
	    "180000000-187ffffff : System RAM\n188000000-18fffffff : System RAM\n");
	CHECK(machine_own_ram(root, r, 8, err, sizeof(err)) == 3);
	CHECK(r[0].start == 0x1000 && r[0].end == 0x9fc00);
	/* Blocks hot-added one by one read as one range. */
	CHECK(r[2].start == 0x100000000ULL && r[2].end == 0x190000000ULL);
	cleanup();
}

TEST(machine_read_reports_missing_files)
{
	struct machine m;
	char err[256];

	CHECK(machine_read("/nonexistent-root", &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "/nonexistent-root/proc/cpuinfo") != NULL);
}
