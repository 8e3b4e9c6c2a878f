// SPDX-License-Identifier: GPL-2.0-only
/* The file-cache writer's records, ack lines and verifier (tests/workloads). */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "fcrecord.h"

TEST(fcrec_roundtrip)
{
	uint8_t r[FCREC_SIZE], r2[FCREC_SIZE];
	uint64_t seq = 0;

	fcrec_make(r, 3, 77, 123456);
	CHECK(fcrec_check(r, 3, 123456, &seq) == FCREC_OK && seq == 77);
	CHECK(r[0] == 'F' && r[1] == 'C' && r[2] == 'W' && r[3] == 'R');
	fcrec_make(r2, 3, 77, 123456);
	CHECK(!memcmp(r, r2, FCREC_SIZE));	/* deterministic */
	fcrec_make(r2, 3, 78, 123456);
	CHECK(memcmp(r + FCREC_PAYLOAD, r2 + FCREC_PAYLOAD, 16));
	fcrec_make(r, 2, 0, 0);
	CHECK(fcrec_check(r, 2, 0, &seq) == FCREC_OK && seq == 0);
	CHECK(fc_crc32("123456789", 9) == 0xcbf43926u);
}

TEST(fcrec_corruption_codes)
{
	uint8_t r[FCREC_SIZE];

	memset(r, 0, sizeof(r));
	CHECK(fcrec_check(r, 1, 5, NULL) == FCREC_EZERO);
	fcrec_make(r, 1, 9, 5);
	r[100] ^= 0x10;
	CHECK(fcrec_check(r, 1, 5, NULL) == FCREC_ECRC);
	fcrec_make(r, 1, 9, 5);
	r[0] ^= 1;
	CHECK(fcrec_check(r, 1, 5, NULL) == FCREC_EMAGIC);
	fcrec_make(r, 1, 9, 5);
	CHECK(fcrec_check(r, 1, 6, NULL) == FCREC_EWHERE);
	CHECK(fcrec_check(r, 2, 5, NULL) == FCREC_EWHERE);
	CHECK_STR(fcrec_strerror(FCREC_EZERO), "zeros");
	CHECK_STR(fcrec_strerror(FCREC_ECRC), "bad crc");
}

TEST(fcrec_ack_parse_lines)
{
	struct fcack a;

	CHECK(fcack_parse("A 1 42 7 12\n", &a) == FCACK_ACK);
	CHECK(a.file_id == 1 && a.seq == 42 && a.slot == 7 && a.nrec == 12);
	CHECK(fcack_parse("A 10 18446744073709551615 0 20\r\n", &a) == FCACK_ACK);
	CHECK(a.file_id == 10 && a.seq == UINT64_MAX);
	CHECK(fcack_parse("A 2 3 4 1\r", &a) == FCACK_ACK && a.nrec == 1);
	CHECK(fcack_parse("READY\r\n", &a) == FCACK_READY);
	CHECK(fcack_parse("FILLED 512\n", &a) == FCACK_FILLED && a.mib == 512);
	CHECK(fcack_parse("LATE 3 late/fresh.dat\r\n", &a) == FCACK_LATE);
	CHECK(a.file_id == 3);
	CHECK_STR(a.rel, "late/fresh.dat");
	CHECK(fcack_parse("A 1 42 7", &a) == FCACK_JUNK);	/* truncated */
	CHECK(fcack_parse("A 1 42 7 ", &a) == FCACK_JUNK);
	CHECK(fcack_parse("A 1 42 7 3x", &a) == FCACK_JUNK);
	CHECK(fcack_parse("A 1 42 7 3\nA 1 43 10 1", &a) == FCACK_JUNK);
	CHECK(fcack_parse("xA 1 42 7 3", &a) == FCACK_JUNK);
	CHECK(fcack_parse("A 1 -4 7 3", &a) == FCACK_JUNK);
	CHECK(fcack_parse("A 1 99999999999999999999 7 3", &a) == FCACK_JUNK);
	CHECK(fcack_parse("[  12.5] ext4 mounted", &a) == FCACK_JUNK);
	CHECK(fcack_parse("", &a) == FCACK_JUNK);
	CHECK(fcack_parse("READ", &a) == FCACK_JUNK);
}

/* A writer's directory and ack log under /tmp for the verifier tests. */
static char vdir[64], vlog[96];

static void put_recs(const char *rel, uint32_t id, uint64_t seq,
		     uint64_t slot, unsigned int n)
{
	uint8_t r[FCREC_SIZE];
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", vdir, rel);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	for (unsigned int i = 0; i < n; i++) {
		fcrec_make(r, id, seq, slot + i);
		CHECK(pwrite(fd, r, FCREC_SIZE, (slot + i) * FCREC_SIZE) == FCREC_SIZE);
	}
	close(fd);
}

static void vsetup(void)
{
	static const char log[] = "A 1 1 0 500\nREADY\nA 1 1 900 1\n\0\0"
		"\0\0junk\r\nREADY\r\nA 1 1 0 5\r\nA 2 3 100 4\r\n"
		"[ 1.0] x\nA 1 2 5 3\nA 1 \0 4 5 2\nA 1 4 8";
	FILE *f;

	strcpy(vdir, "/tmp/fcrec-unit-XXXXXX");
	CHECK(mkdtemp(vdir) != NULL);
	snprintf(vlog, sizeof(vlog), "%s/acks", vdir);
	put_recs("middle.dat", 2, 0, 0, FC_MIDDLE_RECS);
	put_recs("middle.dat", 2, 3, 100, 4);
	put_recs("middle.dat", 2, 5, 102, 1);	/* returned, not acked */
	put_recs("append.dat", 1, 1, 0, 5);
	put_recs("append.dat", 1, 2, 5, 3);
	put_recs("append.dat", 1, 4, 8, 2);	/* returned, not acked */
	f = fopen(vlog, "w");
	CHECK(f != NULL);
	/* An earlier run's acks, serial noise, this run's, a cut last line. */
	fwrite(log, 1, sizeof(log) - 1, f);
	fclose(f);
}

static long vrun(void)
{
	FILE *out = fopen("/dev/null", "w");
	long lost = fcverify(vdir, vlog, out);

	fclose(out);
	return lost;
}

static void vcleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", vdir);
	CHECK(system(cmd) == 0);
}

TEST(fcrec_verify_intact_set_passes)
{
	char path[160];
	FILE *f;

	vsetup();
	CHECK(vrun() == 0);
	f = fopen(vlog, "a");
	fputs("\n", f);		/* "A 1 4 8" is junk, not an ack */
	fclose(f);
	CHECK(vrun() == 0);
	snprintf(path, sizeof(path), "%s/append.dat", vdir);
	f = fopen(path, "a");
	fputs("partial record", f);	/* past the acked end: fine */
	fclose(f);
	CHECK(vrun() == 0);
	vcleanup();
}

TEST(fcrec_verify_finds_losses)
{
	uint8_t zero[FCREC_SIZE] = { 0 };
	char path[160];
	int fd;

	vsetup();
	snprintf(path, sizeof(path), "%s/append.dat", vdir);
	fd = open(path, O_WRONLY);
	CHECK(pwrite(fd, zero, FCREC_SIZE, 2 * FCREC_SIZE) == FCREC_SIZE);
	CHECK(vrun() == 1);		/* a zeroed record */
	CHECK(ftruncate(fd, 6 * FCREC_SIZE + 50) == 0);
	CHECK(vrun() == 3);		/* and slots 6, 7 beyond the end */
	close(fd);
	put_recs("middle.dat", 2, 2, 101, 1);	/* older than acked seq 3 */
	CHECK(vrun() == 4);
	put_recs("middle.dat", 2, 0, 2000, 1);	/* unacked slot: seq 0 ok */
	CHECK(vrun() == 4);
	snprintf(path, sizeof(path), "%s/middle.dat", vdir);
	CHECK(truncate(path, 2047 * FCREC_SIZE) == 0);	/* never acked slot */
	CHECK(vrun() == 5);
	unlink(path);
	CHECK(vrun() == 3 + FC_MIDDLE_RECS);
	vcleanup();
}

TEST(fcrec_verify_errors)
{
	FILE *f;

	vsetup();
	f = fopen(vlog, "w");
	fputs("A 1 1 0 5\nREAD", f);	/* the writer never said READY */
	fclose(f);
	CHECK(vrun() < 0);
	unlink(vlog);
	CHECK(vrun() < 0);
	vcleanup();
}
