// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include <unistd.h>

#include "unit.h"
#include "../../lib/partition.h"
#include "../../kernel/src/kernel/orthros/partition_check.h"

static const char base[] =
	"orthros-partition 1\n"
	"cpu 0 bsp\ncpu 1\ncpu 2\ncpu 3 backup\n"
	"first-only 0x0 0x60000\n"
	"first-only 0x90000 0x7f70000\n"
	"slot 1 0x08000000 256M low 0x60000 64K\n"
	"slot 2 0x18000000 256M low 0x70000 64K\n"
	"slot 3 0x28000000 256M low 0x80000 64K\n"
	"general 0x38000000 896M\n"
	"shared 0x78000000 2M\n"
	"general 4G 2G\n"
	"device 00:04.0 root-a odd\n"
	"device 00:06.0 user active\n";

static struct orthros_partition part;
static char err[512];

/* Parse base with the line that starts with `match` replaced by `with`
 * (or with `with` appended when match is NULL). */
static int parse_edited(const char *match, const char *with)
{
	char text[4096] = "";
	const char *line = base;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl - line + 1;

		if (match && !strncmp(line, match, strlen(match))) {
			strcat(text, with);
			strcat(text, "\n");
			match = NULL;
			with = NULL;
		} else {
			strncat(text, line, n);
		}
		line += n;
	}
	if (with) {
		strcat(text, with);
		strcat(text, "\n");
	}
	err[0] = '\0';
	return orthros_partition_parse(text, "t", &part, err, sizeof(err));
}

static int fails_with(const char *match, const char *with, const char *msg)
{
	if (parse_edited(match, with) == 0) {
		printf("  accepted, expected \"%s\"\n", msg);
		return 0;
	}
	if (!strstr(err, msg)) {
		printf("  message \"%s\" lacks \"%s\"\n", err, msg);
		return 0;
	}
	return 1;
}

TEST(partition_valid_description_parses)
{
	CHECK(parse_edited(NULL, NULL) == 0);
	CHECK(part.nr_cpus == 4);
	CHECK(part.cpus[0].flags == ORTHROS_CPU_BSP);
	CHECK(part.cpus[3].flags == ORTHROS_CPU_BACKUP);
	CHECK(part.nr_ranges == 11);
	CHECK(part.ranges[10].start == 0x100000000ULL && part.ranges[10].size == 2ULL << 30);
	CHECK(part.nr_devices == 2);
	CHECK(part.devices[0].bus == 0 && part.devices[0].devfn == (4 << 3));
	CHECK_STR(part.devices[1].name, "user");
	CHECK(part.devices[1].role == ORTHROS_DEV_ACTIVE);
}

TEST(partition_lab_file_is_valid)
{
	CHECK(orthros_partition_load("lab/partition.conf", &part, err, sizeof(err)) == 0);
	if (err[0])
		printf("  %s\n", err);
}

/* The kernel's binary copy: read back whole, refused short or invalid. */
TEST(partition_binary_form_reads_back)
{
	char path[] = "/tmp/orthros-part-XXXXXX";
	struct orthros_partition back;
	int fd = mkstemp(path);
	FILE *f;

	CHECK(orthros_partition_load("lab/partition.conf", &part, err, sizeof(err)) == 0);
	CHECK(fd >= 0);
	close(fd);
	CHECK(orthros_partition_read_binary(path, &back, err, sizeof(err)) == 1);	/* none yet */
	f = fopen(path, "wb");
	CHECK(f && fwrite(&part, 1, sizeof(part), f) == sizeof(part) && fclose(f) == 0);
	CHECK(orthros_partition_read_binary(path, &back, err, sizeof(err)) == 0);
	CHECK(memcmp(&back, &part, sizeof(part)) == 0);
	CHECK(truncate(path, 100) == 0);
	CHECK(orthros_partition_read_binary(path, &back, err, sizeof(err)) < 0);
	CHECK(strstr(err, "100 bytes, not a partition of this revision") != NULL);
	part.revision++;
	f = fopen(path, "wb");
	CHECK(f && fwrite(&part, 1, sizeof(part), f) == sizeof(part) && fclose(f) == 0);
	CHECK(orthros_partition_read_binary(path, &back, err, sizeof(err)) < 0);
	CHECK(orthros_partition_read_binary("/nonexistent/x", &back, err, sizeof(err)) < 0);
	unlink(path);
}

TEST(partition_refuses_backup_on_the_bsp)
{
	CHECK(fails_with("cpu 3 backup", "cpu 3", "exactly one CPU (an AP) must be marked backup"));
	CHECK(fails_with("cpu 0 bsp", "cpu 0 backup", "exactly one CPU must be the bsp"));
}

TEST(partition_refuses_duplicate_cpu)
{
	CHECK(fails_with("cpu 2", "cpu 1", "local APIC ID 1 listed twice"));
	CHECK(fails_with("cpu 2", "cpu 256", "t:4: expected: cpu APIC-ID"));
}

TEST(partition_refuses_overlap)
{
	CHECK(fails_with("shared", "shared 0x37f00000 2M",
			 "shared [0x37f00000-0x38100000) overlaps slot 3 [0x28000000"));
	CHECK(fails_with("slot 2", "slot 2 0x0a000000 256M low 0x70000 64K", "overlaps slot 1"));
	CHECK(fails_with("slot 2", "slot 2 0x18000000 256M low 0x60000 64K",
			 "slot-low 2 [0x60000-0x70000) overlaps slot-low 1"));
}

TEST(partition_refuses_unaligned_general)
{
	CHECK(fails_with("general 0x38000000", "general 0x38100000 895M", "128 MiB aligned"));
	CHECK(fails_with("general 4G", "general 4G 0x7ff00000", "128 MiB aligned"));
	CHECK(fails_with("shared", "shared 0x78000800 2M", "not page aligned"));
}

TEST(partition_refuses_bad_slots)
{
	CHECK(fails_with("slot 3", "slot 3 0x28000000 64M low 0x80000 64K", "too small for a BackupOS"));
	CHECK(fails_with("slot 3", "slot 3 0x28000000 256M low 0x100000 64K", "below 1 MiB"));
	CHECK(fails_with("slot 3", "slot 3 0x28000000 256M low 0x80000 4K", "at least 64 KiB"));
	CHECK(fails_with("slot 3", "", "slot 3: need exactly one slot line"));
	CHECK(fails_with("slot 3", "slot 4 0x28000000 256M low 0x80000 64K", "numbered 1 to 3"));
}

TEST(partition_refuses_device_owned_twice)
{
	CHECK(fails_with(NULL, "device 00:04.0 root-b even",
			 "device 00:04.0 is owned twice (root-a and root-b)"));
	CHECK(fails_with(NULL, "device 00:05.0 user even", "two devices are named user"));
	CHECK(fails_with(NULL, "device 00:05.0 x nobody", "role is active, backup, odd or even"));
	CHECK(fails_with(NULL, "device 0:5 x odd", "bus:device.function"));
}

TEST(partition_refuses_malformed_text)
{
	CHECK(fails_with("orthros-partition", "orthros-partition 2", "t:1: unsupported revision"));
	CHECK(fails_with("orthros-partition", "cpu 9", "t:1: the first statement must be"));
	CHECK(fails_with(NULL, "memory 0 1", "unknown statement"));
	CHECK(fails_with("general 4G", "general 4G 2X", "expected: KIND START SIZE"));
	CHECK(fails_with("general 4G", "general 4G 99999999999999999999", "expected: KIND START SIZE"));
	CHECK(orthros_partition_parse("", "empty", &part, err, sizeof(err)) == -1);
	CHECK(strstr(err, "empty") != NULL);
	CHECK(orthros_partition_load("/nonexistent", &part, err, sizeof(err)) == -1);
	CHECK(strstr(err, "No such file") != NULL);
}

TEST(partition_check_rejects_bad_binary)
{
	CHECK(parse_edited(NULL, NULL) == 0);
	part.signature[0] = 'X';
	CHECK(orthros_partition_check(&part, err, sizeof(err)) == -1);
	CHECK(parse_edited(NULL, NULL) == 0);
	part.nr_cpus = ORTHROS_MAX_CPUS + 1;
	CHECK(orthros_partition_check(&part, err, sizeof(err)) == -1);
	CHECK(parse_edited(NULL, NULL) == 0);
	part.ranges[0].kind = 99;
	CHECK(orthros_partition_check(&part, err, sizeof(err)) == -1);
}

/*
 * The kernel once checked a boot request's partition far less than the
 * tools (overlaps, the shared range's place, slots): one validator,
 * kernel/orthros/partition_check.c, is now compiled into both, and these
 * are the kernel's refusals as much as the tools'.
 */
TEST(partition_one_validator_for_kernel_and_tools)
{
	unsigned int i, shared = 0, general = 0;

	CHECK(parse_edited(NULL, NULL) == 0);
	for (i = 0; i < part.nr_ranges; i++) {
		if (part.ranges[i].kind == ORTHROS_MEM_SHARED)
			shared = i;
		if (part.ranges[i].kind == ORTHROS_MEM_GENERAL)
			general = i;
	}
	/* The shared range laid over a slot: the old kernel check let it be zeroed. */
	part.ranges[shared].start = part.ranges[0].start;
	CHECK(orthros_partition_validate(&part, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "overlaps") != NULL);
	/* A slot number on a range that has none. */
	CHECK(parse_edited(NULL, NULL) == 0);
	part.ranges[general].slot = 7;
	CHECK(orthros_partition_validate(&part, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "bad slot number") != NULL);
	/* Two BSPs; a device name without its end. */
	CHECK(parse_edited(NULL, NULL) == 0);
	part.cpus[1].flags = ORTHROS_CPU_BSP;
	CHECK(orthros_partition_validate(&part, err, sizeof(err)) == -EINVAL);
	CHECK(parse_edited(NULL, NULL) == 0);
	memset(part.devices[0].name, 'x', sizeof(part.devices[0].name));
	CHECK(orthros_partition_validate(&part, err, sizeof(err)) == -EINVAL);
	CHECK(parse_edited(NULL, NULL) == 0);
	CHECK(orthros_partition_validate(&part, err, sizeof(err)) == 0);
}

/* Paper table 1 and 2: local APIC IDs 0,2,4,6 get logical IDs 1,2,4,8,
 * the same in every OS whichever core it booted on. */
TEST(logical_apic_ids_follow_local_apic_id_order)
{
	struct orthros_partition p = { .nr_cpus = 4 };
	unsigned int order[4] = { 4, 0, 6, 2 };	/* listed in any order */
	unsigned int i;

	for (i = 0; i < 4; i++)
		p.cpus[i].apic_id = order[i];
	CHECK(orthros_logical_apic_id(&p, 0) == 1);
	CHECK(orthros_logical_apic_id(&p, 2) == 2);
	CHECK(orthros_logical_apic_id(&p, 4) == 4);
	CHECK(orthros_logical_apic_id(&p, 6) == 8);
	CHECK(orthros_logical_apic_id(&p, 3) == -1);
}

TEST(logical_apic_ids_refuse_beyond_flat_mode)
{
	struct orthros_partition p = { .nr_cpus = 9 };
	unsigned int i;

	for (i = 0; i < 9; i++)
		p.cpus[i].apic_id = i;
	CHECK(orthros_logical_apic_id(&p, 7) == 0x80);
	CHECK(orthros_logical_apic_id(&p, 8) == -1);
}
