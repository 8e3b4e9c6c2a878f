// SPDX-License-Identifier: GPL-2.0-only
/* pmwork's pure helpers: records, crc32, rounds, FPU loop, blocks (tests/workloads). */
#define PMWORK_NO_MAIN
#include "pmwork.c"

#include "unit.h"

TEST(pmwork_records)
{
	uint8_t r[REC_SIZE], r2[REC_SIZE];
	uint32_t crc;
	uint64_t s;

	CHECK(pw_crc32("123456789", 9) == 0xcbf43926u);
	CHECK(mix(0) == 0xe220a8397b1dcdafull);		/* splitmix64, seed 0 */
	rec_make(r, 0);
	CHECK(!memcmp(r, "PWRK\0\0\0\0\0\0\0\0\0\0\0\0", 16));
	memcpy(&crc, r + 60, 4);
	CHECK(crc == pw_crc32(r, 60));
	CHECK(!rec_check(r, 0));
	rec_make(r, 77777);
	rec_make(r2, 77777);
	CHECK(!memcmp(r, r2, REC_SIZE));		/* deterministic */
	memcpy(&s, r + 8, 8);
	CHECK(s == 77777 && !rec_check(r, 77777));
	rec_make(r2, 77778);
	CHECK(memcmp(r + 16, r2 + 16, 44));		/* payload from seq */
}

TEST(pmwork_record_errors)
{
	uint8_t r[REC_SIZE];
	uint32_t crc;

	rec_make(r, 5);
	CHECK_STR(rec_check(r, 6), "another seq");
	r[20] ^= 1;
	CHECK_STR(rec_check(r, 5), "bad crc");
	crc = pw_crc32(r, 60);
	memcpy(r + 60, &crc, 4);
	CHECK_STR(rec_check(r, 5), "bad payload");
	rec_make(r, 5);
	r[0] = 'X';
	CHECK_STR(rec_check(r, 5), "bad magic");
	memset(r, 0, sizeof(r));
	CHECK_STR(rec_check(r, 5), "zeros");
}

TEST(pmwork_round_due)
{
	uint64_t next = 5 * NSEC;

	CHECK(!round_due(4 * NSEC, &next) && next == 5 * NSEC);
	CHECK(round_due(5 * NSEC + 100, &next) && next == 6 * NSEC);
	CHECK(round_due(6 * NSEC + NSEC / 2, &next) && next == 7 * NSEC);	/* no drift */
	CHECK(round_due(100 * NSEC, &next) && next == 101 * NSEC);	/* clock jumped on */
	CHECK(!round_due(100 * NSEC + 1, &next));
	CHECK(!round_due(2 * NSEC, &next) && next == 3 * NSEC);	/* clock went back */
	CHECK(round_due(3 * NSEC, &next) && next == 4 * NSEC);
}

TEST(pmwork_fpu_loop)
{
	struct fpres a = fpu_loop(100000), b = fpu_loop(100000), c = fpu_loop(100001);

	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK(a.d != c.d && a.h != c.h);
	CHECK(a.d > 0 && a.d < 1e12);
}

TEST(pmwork_block_stamp)
{
	uint8_t *blk = calloc(1, BLOCK);
	uint64_t v;
	uint32_t w;

	CHECK(blk);
	if (!blk)
		return;
	block_stamp(blk, 3, 70);
	memcpy(&w, blk + BLOCK - 4096, 4);
	CHECK(w == BLOCK_MAGIC && !memcmp(blk, "PWTB", 4));
	memcpy(&w, blk + 4, 4);
	CHECK(w == 3);
	memcpy(&v, blk + BLOCK - 4096 + 8, 8);
	CHECK(v == 70);
	memcpy(&v, blk + BLOCK - 4096 + 16, 8);
	CHECK(v == BLOCK / 4096 - 1);
	CHECK(!blk[24] && !blk[4095]);
	free(blk);
}

/* A survivor at the epoch once made restored processes see 1970. */
TEST(pmwork_clock_gap)
{
	const int64_t t = 1796000000 * NSEC;

	CHECK(clock_gap(0, 20 * NSEC) == NULL);		/* the first reading */
	CHECK(clock_gap(t, t + NSEC) == NULL);
	CHECK(clock_gap(t, t + 30 * NSEC) == NULL);	/* a failover's downtime */
	CHECK(clock_gap(t, t - NSEC) == NULL);		/* a CMOS second */
	CHECK_STR(clock_gap(t, 20 * NSEC), "went back");
	CHECK_STR(clock_gap(t, t + 200 * NSEC), "jumped ahead");
}
