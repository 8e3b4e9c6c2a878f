// SPDX-License-Identifier: GPL-2.0-only
/* libtimeline: a failover's record written, read back, shown and drawn. */
#include <stdlib.h>

#include "unit.h"
#include "../../lib/timeline.h"

static void sample(struct tl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = 3;
	snprintf(ev->type, sizeof(ev->type), "active-panic");
	ev->dead = 1;
	ev->survivor = 2;
	snprintf(ev->reason, sizeof(ev->reason), "panic on APIC 0: \"sysrq\" crash\nnext");
	tl_add(ev, "detect", 0, 0.25, TL_OK, "notice");
	tl_add(ev, "fence", 0.25, 51.5, TL_OK, "APICs %#x", 7);
	tl_add(ev, "mount", 60, 180.125, TL_FAILED, "vdb at %s: %s", "/srv/orthros", "busy");
	tl_add(ev, "memory", 200, 200, TL_SKIPPED, "%s", "");
	ev->downtime_ms = 1234.5;
	ev->status = TL_FAILED;
}

static FILE *roundtrip(const struct tl_event *ev, char *text, size_t len)
{
	FILE *f = tmpfile();
	size_t n;

	CHECK(f && tl_write(f, ev) == 0);
	rewind(f);
	n = fread(text, 1, len - 1, f);
	text[n] = 0;
	rewind(f);
	return f;
}

TEST(timeline_roundtrip_keeps_every_field)
{
	struct tl_event ev, back;
	char text[4096], err[128];
	FILE *f;

	sample(&ev);
	f = roundtrip(&ev, text, sizeof(text));
	CHECK(strstr(text, "orthros-timeline 1\nevent seq=3 type=active-panic dead=1 survivor=2 ") == text);
	/* A quote or line break in a value would end the record: replaced. */
	CHECK(strstr(text, "reason=\"panic on APIC 0: 'sysrq' crash next\"\n") != NULL);
	CHECK(strstr(text, "phase name=mount start_ms=60.000 end_ms=180.125 status=failed detail=\"vdb at /srv/orthros: busy\"\n") != NULL);
	CHECK(strstr(text, "end downtime_ms=1234.500 status=failed\n") != NULL);
	CHECK(tl_read(f, &back, err, sizeof(err)) == 0);
	fclose(f);
	CHECK(back.seq == 3 && back.dead == 1 && back.survivor == 2 && back.nphases == 4);
	CHECK_STR(back.type, "active-panic");
	CHECK_STR(back.reason, "panic on APIC 0: 'sysrq' crash next");
	CHECK_STR(back.phases[1].name, "fence");
	CHECK_STR(back.phases[1].detail, "APICs 0x7");
	CHECK(back.phases[1].start_ms == 0.25 && back.phases[1].end_ms == 51.5);
	CHECK(back.phases[2].status == TL_FAILED && back.phases[3].status == TL_SKIPPED);
	CHECK_STR(back.phases[3].detail, "");
	CHECK(back.downtime_ms == 1234.5 && back.status == TL_FAILED);
}

static int read_text(const char *text, char *err, size_t len)
{
	struct tl_event ev;
	FILE *f = tmpfile();
	int ret;

	fputs(text, f);
	rewind(f);
	ret = tl_read(f, &ev, err, len);
	fclose(f);
	return ret;
}

TEST(timeline_refuses_malformed_and_cut_short_records)
{
	char err[128];

	CHECK(read_text("", err, sizeof(err)) < 0);
	CHECK_STR(err, "empty");
	CHECK(read_text("orthros-timeline 2\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "not an orthros timeline (line 1)");
	/* A pipeline that died midway leaves no end line. */
	CHECK(read_text("orthros-timeline 1\nevent seq=1 type=active-hang dead=1 survivor=2 reason=\"x\"\n"
			"phase name=fence start_ms=1 end_ms=2 status=ok detail=\"\"\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "no end line: the failover was cut short");
	CHECK(read_text("orthros-timeline 1\nphase name=fence start_ms=x end_ms=2 status=ok detail=\"\"\n"
			"end downtime_ms=1 status=ok\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "line 2: malformed");
	CHECK(read_text("orthros-timeline 1\nphase name=fence start_ms=1 end_ms=2 status=maybe\n",
			err, sizeof(err)) < 0);
	CHECK_STR(err, "line 2: malformed");
	CHECK(read_text("orthros-timeline 1\nphase name=fence start_ms=1 end_ms=2 status=ok detail=\"open\n",
			err, sizeof(err)) < 0);
	CHECK(read_text("orthros-timeline 1\nsomething else\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "line 2: malformed");
	/* Times that are not times: once an endless loop in the SVG's ticks. */
	CHECK(read_text("orthros-timeline 1\nphase name=fence start_ms=0 end_ms=1e615 status=ok detail=\"\"\n"
			"end downtime_ms=1 status=ok\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "line 2: malformed");
	CHECK(read_text("orthros-timeline 1\nphase name=fence start_ms=nan end_ms=2 status=ok detail=\"\"\n"
			"end downtime_ms=1 status=ok\n", err, sizeof(err)) < 0);
	CHECK(read_text("orthros-timeline 1\nphase name=fence start_ms=5 end_ms=2 status=ok detail=\"\"\n"
			"end downtime_ms=1 status=ok\n", err, sizeof(err)) < 0);
	CHECK(read_text("orthros-timeline 1\nend downtime_ms=inf status=ok\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "line 2: malformed");
	/* Found by make fuzz: a good end_ms, then a bad one, once slipped an inf in. */
	CHECK(read_text("orthros-timeline 1\nphase name=x start_ms=181 end_ms=2300 status=ok end_ms=51e600\n"
			"end downtime_ms=2310.4 status=failed\n", err, sizeof(err)) < 0);
	CHECK_STR(err, "line 2: malformed");
	CHECK(read_text("orthros-timeline 1\nend downtime_ms=1 status=ok downtime_ms=1e999\n",
			err, sizeof(err)) < 0);
}

TEST(timeline_table_and_svg_show_each_phase)
{
	char *text = NULL;
	struct tl_event ev;
	size_t len = 0;
	FILE *f;

	sample(&ev);
	f = open_memstream(&text, &len);
	tl_print(f, &ev);
	fclose(f);
	CHECK(strstr(text, "failover 3: NthOS 1 (active-panic: ") == text);
	CHECK(strstr(text, "  mount            60.0      180.1      120.1  failed  vdb at /srv/orthros: busy\n") != NULL);
	CHECK(strstr(text, "downtime (failure -> protected processes running): 1234.5 ms, failed") != NULL);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	tl_svg(f, &ev);
	fclose(f);
	CHECK(strstr(text, "<svg xmlns=\"http://www.w3.org/2000/svg\"") == text);
	CHECK(strstr(text, "</svg>\n") != NULL);
	/* One bar a phase, scaled to the longest end (200 ms over 640 px). */
	CHECK(strstr(text, "<rect x=\"302.0\" y=\"106\" width=\"384.4\" height=\"18\" fill=\"#c0392b\">") != NULL);
	CHECK(strstr(text, ">120.1 ms failed</text>") != NULL);
	CHECK(strstr(text, ">0.0 ms skipped</text>") != NULL);
	/* Ticks at round steps: 0, 50, ... 200 ms. */
	CHECK(strstr(text, ">50</text>") != NULL && strstr(text, ">200</text>") != NULL);
	CHECK(strstr(text, ">25</text>") == NULL);
	free(text);

	ev.downtime_ms = -1;
	text = NULL;
	f = open_memstream(&text, &len);
	tl_print(f, &ev);
	fclose(f);
	CHECK(strstr(text, "the protected processes were not resumed: failed") != NULL);
	free(text);
}
