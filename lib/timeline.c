// SPDX-License-Identifier: GPL-2.0-only
/* libtimeline: write, read and show the record of one failover. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errf.h"
#include "timeline.h"

static const char *const status_names[] = {
	[TL_OK] = "ok", [TL_FAILED] = "failed", [TL_SKIPPED] = "skipped",
};

const char *tl_status_name(enum tl_status s)
{
	return s <= TL_SKIPPED ? status_names[s] : "?";
}

static int status_of(const char *s, enum tl_status *st)
{
	unsigned int i;

	for (i = 0; i <= TL_SKIPPED; i++)
		if (!strcmp(s, status_names[i])) {
			*st = i;
			return 0;
		}
	return -1;
}

struct tl_phase *tl_add(struct tl_event *ev, const char *name, double start_ms, double end_ms,
			enum tl_status status, const char *fmt, ...)
{
	struct tl_phase *p;
	va_list ap;

	if (ev->nphases == TL_MAX_PHASES)
		return NULL;
	p = &ev->phases[ev->nphases++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->start_ms = start_ms;
	p->end_ms = end_ms;
	p->status = status;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	return p;
}

/* A value in double quotes: a quote or line break in it would end it. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' ? '\'' : *s == '\n' ? ' ' : *s, f);
	fputc('"', f);
}

int tl_write(FILE *f, const struct tl_event *ev)
{
	unsigned int i;

	fprintf(f, "orthros-timeline 1\n");
	fprintf(f, "event seq=%llu type=%s dead=%u survivor=%u reason=", ev->seq, ev->type,
		ev->dead, ev->survivor);
	put_quoted(f, ev->reason);
	fputc('\n', f);
	for (i = 0; i < ev->nphases; i++) {
		const struct tl_phase *p = &ev->phases[i];

		fprintf(f, "phase name=%s start_ms=%.3f end_ms=%.3f status=%s detail=", p->name,
			p->start_ms, p->end_ms, tl_status_name(p->status));
		put_quoted(f, p->detail);
		fputc('\n', f);
	}
	fprintf(f, "end downtime_ms=%.3f status=%s\n", ev->downtime_ms, tl_status_name(ev->status));
	return ferror(f) ? -1 : 0;
}

/* Next "key=value" of line at *pos: key and value NUL-terminated in place. */
static bool next_field(char **pos, char **key, char **val)
{
	char *s = *pos + strspn(*pos, " \t");

	if (!*s || *s == '\n')
		return false;
	*key = s;
	s += strcspn(s, "= \t\n");
	if (*s != '=')
		return false;
	*s++ = 0;
	if (*s == '"') {
		*val = ++s;
		s += strcspn(s, "\"\n");
		if (*s != '"')
			return false;
	} else {
		*val = s;
		s += strcspn(s, " \t\n");
	}
	if (*s)
		*s++ = 0;
	*pos = s;
	return true;
}

/*
 * A time in ms: a finite number within TL_MAX_MS of the failure. A record
 * is read from a file anyone with access to the log folder may have
 * written: inf, nan and 1e615 are refused here, not met in a loop later.
 */
static int parse_ms(const char *s, double *v)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end || !isfinite(d) || fabs(d) > TL_MAX_MS)
		return -1;
	*v = d;		/* only a good value: a key given twice must not slip one in */
	return 0;
}

static int parse_event(char *s, struct tl_event *ev)
{
	char *k, *v, *end;

	while (next_field(&s, &k, &v)) {
		if (!strcmp(k, "seq"))
			ev->seq = strtoull(v, &end, 10);
		else if (!strcmp(k, "type"))
			snprintf(ev->type, sizeof(ev->type), "%s", v);
		else if (!strcmp(k, "dead"))
			ev->dead = strtoul(v, &end, 10);
		else if (!strcmp(k, "survivor"))
			ev->survivor = strtoul(v, &end, 10);
		else if (!strcmp(k, "reason"))
			snprintf(ev->reason, sizeof(ev->reason), "%s", v);
	}
	return *s && *s != '\n' ? -1 : 0;
}

static int parse_phase(char *s, struct tl_event *ev)
{
	struct tl_phase p = { .status = TL_FAILED };
	int seen = 0;
	char *k, *v;

	while (next_field(&s, &k, &v)) {
		if (!strcmp(k, "name"))
			seen |= 1, snprintf(p.name, sizeof(p.name), "%s", v);
		else if (!strcmp(k, "start_ms"))
			seen |= parse_ms(v, &p.start_ms) ? 16 : 2;
		else if (!strcmp(k, "end_ms"))
			seen |= parse_ms(v, &p.end_ms) ? 16 : 4;
		else if (!strcmp(k, "status"))
			seen |= status_of(v, &p.status) ? 16 : 8;
		else if (!strcmp(k, "detail"))
			snprintf(p.detail, sizeof(p.detail), "%s", v);
	}
	if (seen != 15 || (*s && *s != '\n') || ev->nphases == TL_MAX_PHASES ||
	    p.end_ms < p.start_ms)
		return -1;
	ev->phases[ev->nphases++] = p;
	return 0;
}

static int parse_end(char *s, struct tl_event *ev)
{
	int seen = 0;
	char *k, *v;

	while (next_field(&s, &k, &v)) {
		if (!strcmp(k, "downtime_ms"))
			seen |= parse_ms(v, &ev->downtime_ms) ? 4 : 1;
		else if (!strcmp(k, "status"))
			seen |= status_of(v, &ev->status) ? 4 : 2;
	}
	return seen == 3 && (!*s || *s == '\n') ? 0 : -1;
}

int tl_read(FILE *f, struct tl_event *ev, char *err, size_t errlen)
{
	char line[4096];
	unsigned int n = 0;
	bool ended = false;

	memset(ev, 0, sizeof(*ev));
	while (fgets(line, sizeof(line), f)) {
		int bad;

		n++;
		if (n == 1) {
			if (strcmp(line, "orthros-timeline 1\n"))
				return errf(err, errlen, "not an orthros timeline (line 1)");
			continue;
		}
		if (!strncmp(line, "event ", 6))
			bad = parse_event(line + 6, ev);
		else if (!strncmp(line, "phase ", 6))
			bad = parse_phase(line + 6, ev);
		else if (!strncmp(line, "end ", 4))
			bad = parse_end(line + 4, ev), ended = true;
		else
			bad = -1;
		if (bad)
			return errf(err, errlen, "line %u: malformed", n);
	}
	if (!n)
		return errf(err, errlen, "empty");
	if (!ended)
		return errf(err, errlen, "no end line: the failover was cut short");
	return 0;
}

void tl_print(FILE *f, const struct tl_event *ev)
{
	unsigned int i;

	fprintf(f, "failover %llu: NthOS %u (%s: %s) -> NthOS %u\n", ev->seq, ev->dead, ev->type,
		ev->reason, ev->survivor);
	fprintf(f, "  %-10s %10s %10s %10s  %-7s %s\n", "phase", "from ms", "to ms", "took ms",
		"status", "detail");
	for (i = 0; i < ev->nphases; i++) {
		const struct tl_phase *p = &ev->phases[i];

		fprintf(f, "  %-10s %10.1f %10.1f %10.1f  %-7s %s\n", p->name, p->start_ms,
			p->end_ms, p->end_ms - p->start_ms, tl_status_name(p->status), p->detail);
	}
	if (ev->downtime_ms >= 0)
		fprintf(f, "  downtime (failure -> protected processes running): %.1f ms, %s\n",
			ev->downtime_ms, tl_status_name(ev->status));
	else
		fprintf(f, "  the protected processes were not resumed: %s\n",
			tl_status_name(ev->status));
}

/* A round tick step: 1, 2 or 5 times a power of ten, at most 8 ticks over span. */
static double tick_step(double span)
{
	static const double mult[] = { 1, 2, 5 };
	double pow10 = 1e-3;
	unsigned int i, k;

	for (k = 0; k < 40; k++, pow10 *= 10)	/* 1e-3 .. 1e36: any span tl_read takes */
		for (i = 0; i < 3; i++)
			if (span / (mult[i] * pow10) <= 8)
				return mult[i] * pow10;
	return span;
}

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

void tl_svg(FILE *f, const struct tl_event *ev)
{
	const double left = 110, width = 640, row = 26, top = 50;
	double span = 0, scale, step, t;
	char title[TL_TEXT_LEN + 64];
	unsigned int i;
	double h;

	for (i = 0; i < ev->nphases; i++)
		if (ev->phases[i].end_ms > span)
			span = ev->phases[i].end_ms;
	/* tl_read() bounds every time; a caller's own event may not be. */
	if (!(span > 0) || span > TL_MAX_MS)
		span = span > TL_MAX_MS ? TL_MAX_MS : 1;
	scale = width / span;
	h = top + row * ev->nphases + 50;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n", left + width + 150, h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	snprintf(title, sizeof(title), "Failover %llu: NthOS %u -> NthOS %u (%s)", ev->seq,
		 ev->dead, ev->survivor, ev->type);
	fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">");
	svg_text(f, title);
	fprintf(f, "</text>\n");
	if (ev->downtime_ms >= 0)
		fprintf(f, "<text x=\"10\" y=\"38\">downtime %.1f ms (failure to processes running, dashed)</text>\n",
			ev->downtime_ms);
	step = tick_step(span);
	for (t = 0; t <= span + step / 2; t += step) {
		double x = left + t * scale;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n",
			x, top - 4, x, top + row * ev->nphases);
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#555\">%g</text>\n",
			x, top + row * ev->nphases + 16, t);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#555\">ms after the failure</text>\n",
		left + width / 2, top + row * ev->nphases + 34);
	if (ev->downtime_ms >= 0)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n",
			left + ev->downtime_ms * scale, top - 4, left + ev->downtime_ms * scale,
			top + row * ev->nphases);
	for (i = 0; i < ev->nphases; i++) {
		const struct tl_phase *p = &ev->phases[i];
		const char *color = p->status == TL_OK ? "#4a7ebb" :
				    p->status == TL_FAILED ? "#c0392b" : "#aaa";
		double y = top + row * i, x = left + p->start_ms * scale;
		double w = (p->end_ms - p->start_ms) * scale;

		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", left - 8, y + 16);
		svg_text(f, p->name);
		fprintf(f, "</text>\n");
		fprintf(f, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"><title>",
			x, y + 4, w < 1 ? 1 : w, row - 8, color);
		svg_text(f, p->detail);
		fprintf(f, "</title></rect>\n");
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\">%.1f ms%s</text>\n", x + (w < 1 ? 1 : w) + 4,
			y + 16, p->end_ms - p->start_ms,
			p->status == TL_OK ? "" : p->status == TL_FAILED ? " failed" : " skipped");
	}
	fprintf(f, "</svg>\n");
}
