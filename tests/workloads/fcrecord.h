/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file-cache writer's record format, ack-log lines and verifier, shared
 * by fcwriter and the unit tests. A record is 200 bytes (not a divisor of
 * 4096, so records straddle pages), little endian:
 *   [0]  u32 magic FCREC_MAGIC   [4]  u32 file_id
 *   [8]  u64 seq (global write number, 0 = initial content)
 *   [16] u64 slot (record index in the file)
 *   [24..196) payload, a PRNG stream seeded from (file_id, seq, slot)
 *   [196] u32 crc32 (IEEE) of bytes [0..196)
 */
#ifndef ORTHROS_FCRECORD_H
#define ORTHROS_FCRECORD_H

#include <stdint.h>
#include <stdio.h>

#define FCREC_SIZE		200
#define FCREC_MAGIC		0x52574346u	/* "FCWR" */
#define FCREC_PAYLOAD		24
#define FCREC_CRC		196

#define FC_ID_APPEND		1	/* append.dat: appends */
#define FC_ID_MIDDLE		2	/* middle.dat: overwrites */
#define FC_ID_LATE		3	/* late/fresh.dat: created just before a crash */
#define FC_ID_FILL		10	/* fill-<k>.dat has id FC_ID_FILL + k */
#define FC_FILL_MAX		4096	/* at most this many fill files */
#define FC_MIDDLE_RECS		2048
#define FC_MAX_NREC		20	/* records per write at most */

/* fcrec_check() results. */
#define FCREC_OK		0
#define FCREC_EZERO		(-1)	/* all zeros: a hole, the write was lost */
#define FCREC_EMAGIC		(-2)
#define FCREC_EWHERE		(-3)	/* a valid record of another file or slot */
#define FCREC_ECRC		(-4)
#define FCREC_EPAYLOAD		(-5)	/* crc right but payload not the expected one */
#define FCREC_EEOF		(-6)	/* verifier only: beyond the end of the file */
#define FCREC_ENOFILE		(-7)	/* verifier only: the file does not exist */

uint32_t fc_crc32(const void *buf, size_t len);
void fcrec_make(void *buf, uint32_t file_id, uint64_t seq, uint64_t slot);
int fcrec_check(const void *buf, uint32_t file_id, uint64_t slot,
		uint64_t *seq_out);
const char *fcrec_strerror(int code);

/* Ack-log lines, as written by fcwriter (one write() each, '\n' ended). */
enum fcack_kind {
	FCACK_JUNK = 0,		/* not a line of ours (or a truncated one) */
	FCACK_ACK,		/* "A <file_id> <seq> <slot> <nrec>" */
	FCACK_READY,		/* "READY": files initialised, acks follow */
	FCACK_LATE,		/* "LATE <file_id> <relative path>" */
	FCACK_FILLED,		/* "FILLED <mib>" */
};

struct fcack {
	uint32_t file_id;
	uint32_t nrec;
	uint64_t seq;
	uint64_t slot;
	uint64_t mib;
	char rel[64];
};

/* Parses one line (a trailing "\r", "\n" or "\r\n" is allowed). */
enum fcack_kind fcack_parse(const char *line, struct fcack *ack);

/* The path of a file id relative to the writer's directory; 0 if unknown. */
int fc_relpath(uint32_t file_id, char *buf, size_t size);

/*
 * Checks the files under dir against the ack log, printing "verify: ..."
 * lines to out. Only acks after the last READY count (a run truncates the
 * files), and only '\n'-ended lines (the last one may be cut by a crash).
 * Every slot below a file's acked end must hold a valid record with a seq
 * at least the highest acked for it; middle.dat, once acked, is checked
 * whole (seq 0 is its initial content). Returns the number of lost
 * records, or -1 on a usage or I/O error (the ack log unreadable or with
 * no READY/FILLED line, a file unreadable), reported on stderr.
 */
long fcverify(const char *dir, const char *acklog, FILE *out);

#endif
