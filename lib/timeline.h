/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtimeline: the record of one failover, phase by phase, as orthrosd
 * keeps it (/var/log/orthros/failover-SEQ.timeline) and orthrosctl shows
 * it (text table, SVG bar chart). Times are milliseconds from the failure:
 * the dead OS's panic() entry, or its last alive notice for a hang.
 *
 * The file is text, one record per line, "key=value" fields, values with
 * blanks in double quotes:
 *     orthros-timeline 1
 *     event seq=1 type=active-panic dead=1 survivor=2 reason="panic ..."
 *     phase name=fence start_ms=0.3 end_ms=51.2 status=ok detail="..."
 *     end downtime_ms=2310.4 status=ok
 */
#ifndef ORTHROS_LIB_TIMELINE_H
#define ORTHROS_LIB_TIMELINE_H

#include <stddef.h>
#include <stdio.h>

#define TL_MAX_PHASES	24
#define TL_NAME_LEN	24
#define TL_TEXT_LEN	512
#define TL_MAX_MS	1e9	/* 11.6 days: no time in a record is further from the failure */

enum tl_status { TL_OK, TL_FAILED, TL_SKIPPED };

struct tl_phase {
	char name[TL_NAME_LEN];
	double start_ms, end_ms;
	enum tl_status status;
	char detail[TL_TEXT_LEN];
};

struct tl_event {
	unsigned long long seq;
	char type[TL_NAME_LEN];		/* active-panic, active-hang, ... */
	unsigned int dead, survivor;	/* NthOS numbers */
	char reason[TL_TEXT_LEN];
	struct tl_phase phases[TL_MAX_PHASES];
	unsigned int nphases;
	double downtime_ms;		/* until the protected processes run again; < 0: never */
	enum tl_status status;		/* TL_OK only if every phase was */
};

const char *tl_status_name(enum tl_status s);

/* Add a phase (its detail formatted); NULL if the table is full. */
struct tl_phase *tl_add(struct tl_event *ev, const char *name, double start_ms, double end_ms,
			enum tl_status status, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

int tl_write(FILE *f, const struct tl_event *ev);
/* Parse a whole file; -1 with err set on a malformed one. */
int tl_read(FILE *f, struct tl_event *ev, char *err, size_t errlen);

/* A table for people, and an SVG bar chart of the phases on a time axis. */
void tl_print(FILE *f, const struct tl_event *ev);
void tl_svg(FILE *f, const struct tl_event *ev);

#endif
