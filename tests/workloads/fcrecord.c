// SPDX-License-Identifier: GPL-2.0-only
/*
 * The file-cache writer's records, ack-log parsing and the verifier that
 * checks every acknowledged write against the files (see fcrecord.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcrecord.h"

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

uint32_t fc_crc32(const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	uint32_t crc = ~0u;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void payload(uint8_t *p, uint32_t file_id, uint64_t seq, uint64_t slot)
{
	uint64_t x = file_id * 0x9e3779b97f4a7c15ull ^
		     seq * 0xbf58476d1ce4e5b9ull ^ slot * 0x94d049bb133111ebull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;	/* splitmix64 finish */
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	if (!x)
		x = 1;
	for (int i = FCREC_PAYLOAD; i < FCREC_CRC; i += 4) {
		x ^= x << 13;	/* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		put32(p + i, (uint32_t)(x >> 32));
	}
}

void fcrec_make(void *buf, uint32_t file_id, uint64_t seq, uint64_t slot)
{
	uint8_t *p = buf;

	put32(p, FCREC_MAGIC);
	put32(p + 4, file_id);
	put64(p + 8, seq);
	put64(p + 16, slot);
	payload(p, file_id, seq, slot);
	put32(p + FCREC_CRC, fc_crc32(p, FCREC_CRC));
}

int fcrec_check(const void *buf, uint32_t file_id, uint64_t slot,
		uint64_t *seq_out)
{
	const uint8_t *p = buf;
	uint8_t want[FCREC_SIZE];
	int i;

	for (i = 0; i < FCREC_SIZE && !p[i]; i++)
		;
	if (i == FCREC_SIZE)
		return FCREC_EZERO;
	if (get32(p) != FCREC_MAGIC)
		return FCREC_EMAGIC;
	if (get32(p + FCREC_CRC) != fc_crc32(p, FCREC_CRC))
		return FCREC_ECRC;
	if (get32(p + 4) != file_id || get64(p + 16) != slot)
		return FCREC_EWHERE;
	fcrec_make(want, file_id, get64(p + 8), slot);
	if (memcmp(want, p, FCREC_SIZE))
		return FCREC_EPAYLOAD;
	if (seq_out)
		*seq_out = get64(p + 8);
	return FCREC_OK;
}

const char *fcrec_strerror(int code)
{
	switch (code) {
	case FCREC_OK:		return "ok";
	case FCREC_EZERO:	return "zeros";
	case FCREC_EMAGIC:	return "bad magic";
	case FCREC_EWHERE:	return "wrong file/slot";
	case FCREC_ECRC:	return "bad crc";
	case FCREC_EPAYLOAD:	return "bad payload";
	case FCREC_EEOF:	return "beyond eof";
	case FCREC_ENOFILE:	return "missing file";
	}
	return "?";
}

/* A decimal number followed by the character end; advances *s past both. */
static int number(const char **s, uint64_t *v, char end)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (*v > (UINT64_MAX - (*p - '0')) / 10)
			return 0;
		*v = *v * 10 + (*p - '0');
	}
	if (*p != end)
		return 0;
	*s = end ? p + 1 : p;
	return 1;
}

enum fcack_kind fcack_parse(const char *line, struct fcack *a)
{
	size_t len = strcspn(line, "\r\n");
	char buf[128];
	const char *p = buf;
	uint64_t id, n;

	if (line[len + strspn(line + len, "\r\n")] || len >= sizeof(buf))
		return FCACK_JUNK;	/* text after the line end, or too long */
	memcpy(buf, line, len);
	buf[len] = 0;
	memset(a, 0, sizeof(*a));
	if (!strcmp(buf, "READY"))
		return FCACK_READY;
	if (!strncmp(buf, "FILLED ", 7)) {
		p += 7;
		return number(&p, &a->mib, 0) ? FCACK_FILLED : FCACK_JUNK;
	}
	if (!strncmp(buf, "LATE ", 5)) {
		p += 5;
		if (!number(&p, &id, ' ') || id > UINT32_MAX || !*p ||
		    strlen(p) >= sizeof(a->rel) || strpbrk(p, " \t") || *p == '/')
			return FCACK_JUNK;
		a->file_id = id;
		strcpy(a->rel, p);
		return FCACK_LATE;
	}
	if (strncmp(buf, "A ", 2))
		return FCACK_JUNK;
	p += 2;
	if (!number(&p, &id, ' ') || !number(&p, &a->seq, ' ') ||
	    !number(&p, &a->slot, ' ') || !number(&p, &n, 0) ||
	    id > UINT32_MAX || n > UINT32_MAX)
		return FCACK_JUNK;
	a->file_id = id;
	a->nrec = n;
	return FCACK_ACK;
}

int fc_relpath(uint32_t id, char *buf, size_t size)
{
	if (id == FC_ID_APPEND)
		snprintf(buf, size, "append.dat");
	else if (id == FC_ID_MIDDLE)
		snprintf(buf, size, "middle.dat");
	else if (id == FC_ID_LATE)
		snprintf(buf, size, "late/fresh.dat");
	else if (id >= FC_ID_FILL && id < FC_ID_FILL + FC_FILL_MAX)
		snprintf(buf, size, "fill-%u.dat", id - FC_ID_FILL);
	else
		return 0;
	return 1;
}

/* Verifier state: per file, the highest acked seq of each slot. */
#define NIDS		(FC_ID_FILL + FC_FILL_MAX)
#define MAX_SLOTS	(1u << 24)
#define CHUNK_RECS	5120

struct vfile {
	uint64_t *seq;		/* 0: never acked */
	uint64_t nslots;	/* the acked end */
	uint64_t acks;
	int late;		/* announced by a LATE line */
};

static void reset(struct vfile **f)
{
	for (int i = 0; i < NIDS; i++) {
		if (f[i])
			free(f[i]->seq);
		free(f[i]);
		f[i] = NULL;
	}
}

static struct vfile *vfile(struct vfile **f, uint32_t id)
{
	if (!f[id] && !(f[id] = calloc(1, sizeof(*f[id])))) {
		perror("verify");
		exit(2);
	}
	return f[id];
}

static void add_ack(struct vfile **f, const struct fcack *a)
{
	uint64_t max = a->file_id == FC_ID_MIDDLE ? FC_MIDDLE_RECS :
		       a->file_id >= FC_ID_FILL ? (64 << 20) / FCREC_SIZE :
		       MAX_SLOTS;
	struct vfile *v;
	char rel[64];

	if (!fc_relpath(a->file_id, rel, sizeof(rel)) || !a->seq ||
	    !a->nrec || a->nrec > FC_MAX_NREC || a->slot > max - a->nrec)
		return;		/* not possibly ours: junk */
	v = vfile(f, a->file_id);
	if (a->slot + a->nrec > v->nslots) {
		uint64_t *s = realloc(v->seq, (a->slot + a->nrec) * 8);

		if (!s) {
			perror("verify");
			exit(2);
		}
		memset(s + v->nslots, 0, (a->slot + a->nrec - v->nslots) * 8);
		v->seq = s;
		v->nslots = a->slot + a->nrec;
	}
	for (uint64_t s = a->slot; s < a->slot + a->nrec; s++)
		if (v->seq[s] < a->seq)
			v->seq[s] = a->seq;
	v->acks++;
}

/* Checks one file; returns lost records, or -1 on an I/O error. */
static long check_file(const char *dir, uint32_t id, struct vfile *v,
		       uint64_t need, FILE *out)
{
	static uint8_t buf[CHUNK_RECS * FCREC_SIZE];
	uint64_t extra = 0, partial = 0, have = 0, s, got;
	char rel[64], path[4096];
	long lost = 0;
	struct stat st;
	int fd, code;

	fc_relpath(id, rel, sizeof(rel));
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0 && errno != ENOENT) {
		fprintf(stderr, "verify: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fd >= 0) {
		if (fstat(fd, &st)) {
			fprintf(stderr, "verify: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		have = st.st_size / FCREC_SIZE;
		partial = st.st_size % FCREC_SIZE;
	}
	for (s = 0; s < need; s++) {
		uint64_t want = s < v->nslots ? v->seq[s] : 0;
		const uint8_t *r = buf + (s % CHUNK_RECS) * FCREC_SIZE;

		if (fd >= 0 && s % CHUNK_RECS == 0 && s < have) {
			uint64_t n = have - s < CHUNK_RECS ? have - s : CHUNK_RECS;
			size_t done = 0;

			while (done < n * FCREC_SIZE) {
				ssize_t k = pread(fd, buf + done, n * FCREC_SIZE - done,
						  s * FCREC_SIZE + done);

				if (k <= 0) {
					fprintf(stderr, "verify: %s: %s\n", path,
						k ? strerror(errno) : "file shrank");
					close(fd);
					return -1;
				}
				done += k;
			}
		}
		code = fd < 0 ? FCREC_ENOFILE : s >= have ? FCREC_EEOF :
		       fcrec_check(r, id, s, &got);
		if (!code && got >= want)
			continue;
		if (++lost > 5)
			continue;
		fprintf(out, "verify: LOST %s slot %" PRIu64 " (offset %" PRIu64
			"): expected seq >= %" PRIu64 ", found ", path, s,
			s * FCREC_SIZE, want);
		if (code)
			fprintf(out, "%s\n", fcrec_strerror(code));
		else
			fprintf(out, "seq %" PRIu64 "\n", got);
	}
	if (have > need)
		extra = have - need;
	fprintf(out, "verify: %s: %" PRIu64 " acked writes, %" PRIu64
		" records checked, %ld lost\n", path, v->acks, need, lost);
	if (extra || (partial && have >= need))
		fprintf(out, "verify: %s: %" PRIu64 " unacked records%s past the "
			"acked end, not checked\n", path, extra,
			partial && have >= need ? " and a partial one" : "");
	if (fd >= 0)
		close(fd);
	return lost;
}

long fcverify(const char *dir, const char *acklog, FILE *out)
{
	struct vfile **f = calloc(NIDS, sizeof(*f));
	long lost = 0, n;
	int started = 0, files = 0;
	uint64_t acked = 0;
	char *log = NULL, *p, *end, *nl;
	size_t len = 0;
	struct fcack a;
	FILE *in;

	in = fopen(acklog, "rb");
	if (!in || !f) {
		fprintf(stderr, "verify: %s: %s\n", acklog, strerror(errno));
		free(f);
		return -1;
	}
	for (;;) {
		char *nlog = realloc(log, len + 65536 + 1);

		if (!nlog)
			break;
		log = nlog;
		n = fread(log + len, 1, 65536, in);
		if (n <= 0)
			break;
		len += n;
	}
	if (ferror(in) || !log) {
		fprintf(stderr, "verify: %s: read error\n", acklog);
		fclose(in);
		free(log);
		free(f);
		return -1;
	}
	fclose(in);
	/* Whole lines only: an unterminated last line was cut by the crash. */
	for (p = log, end = log + len; (nl = memchr(p, '\n', end - p)); p = nl + 1) {
		*nl = 0;
		while (p < nl && !*p)
			p++;		/* NULs from a serial line coming up */
		if (strlen(p) != (size_t)(nl - p))
			continue;	/* a NUL inside: junk */
		switch (fcack_parse(p, &a)) {
		case FCACK_READY:	/* a new run truncated the files */
			reset(f);
			started = 1;
			break;
		case FCACK_FILLED:
			started = 1;
			break;
		case FCACK_LATE:
			if (a.file_id == FC_ID_LATE)
				vfile(f, FC_ID_LATE)->late = 1;
			break;
		case FCACK_ACK:
			add_ack(f, &a);
			break;
		case FCACK_JUNK:
			break;
		}
	}
	free(log);
	if (!started) {
		fprintf(stderr, "verify: %s: no READY or FILLED line: the writer "
			"never started\n", acklog);
		reset(f);
		free(f);
		return -1;
	}
	for (uint32_t id = 0; id < NIDS && lost >= 0; id++) {
		if (!f[id])
			continue;
		/* middle.dat was written whole and fsynced before READY. */
		n = check_file(dir, id, f[id], id == FC_ID_MIDDLE ?
			       FC_MIDDLE_RECS : f[id]->nslots, out);
		lost = n < 0 ? -1 : lost + n;
		acked += f[id]->acks;
		files++;
	}
	if (lost >= 0)
		fprintf(out, "verify: acked=%" PRIu64 " lost=%ld files=%d\n",
			acked, lost, files);
	reset(f);
	free(f);
	return lost;
}
