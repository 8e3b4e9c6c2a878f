// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosctl timeline: the phases of a failover as orthrosd recorded them,
 * as a table, and as an SVG bar chart on request.
 */
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../lib/timeline.h"
#include "orthrosctl.h"

#define LOG_DIR "/var/log/orthros"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: orthrosctl timeline [--svg FILE] [--dir DIR] [N | FILE]\n"
		"\n"
		"Show the timeline of the failover that followed the death of the NthOS\n"
		"(DIR/failover-N.timeline; without N the newest there), or of FILE.\n"
		"\n"
		"  --svg FILE  also draw it as an SVG bar chart into FILE ('-': stdout only)\n"
		"  --dir DIR   where orthrosd keeps timelines (default " LOG_DIR ")\n");
}

/* The most recently written timeline in dir. */
static int newest(const char *dir, char *out, size_t len)
{
	char pat[PATH_MAX];
	time_t best = 0;
	struct stat st;
	glob_t g;
	size_t i;

	snprintf(pat, sizeof(pat), "%s/failover-*.timeline", dir);
	if (glob(pat, 0, NULL, &g))
		return -1;
	for (i = 0; i < g.gl_pathc; i++)
		if (!stat(g.gl_pathv[i], &st) && st.st_mtime >= best) {
			best = st.st_mtime;
			snprintf(out, len, "%s", g.gl_pathv[i]);
		}
	globfree(&g);
	return best ? 0 : -1;
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *svg = NULL, *dir = LOG_DIR;
	char path[PATH_MAX], err[256], *end;
	struct tl_event ev;
	FILE *f;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': svg = optarg; break;
		case 'd': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	if (optind == argc) {
		if (newest(dir, path, sizeof(path))) {
			fprintf(stderr, "orthrosctl: no failover timeline in %s\n", dir);
			return 1;
		}
	} else if (strtoul(argv[optind], &end, 10) && !*end) {
		snprintf(path, sizeof(path), "%s/failover-%s.timeline", dir, argv[optind]);
	} else {
		snprintf(path, sizeof(path), "%s", argv[optind]);
	}
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	c = tl_read(f, &ev, err, sizeof(err));
	fclose(f);
	if (c) {
		fprintf(stderr, "orthrosctl: %s: %s\n", path, err);
		return 1;
	}
	if (!svg || strcmp(svg, "-"))
		tl_print(stdout, &ev);
	if (svg) {
		f = strcmp(svg, "-") ? fopen(svg, "w") : stdout;
		if (!f) {
			perror(svg);
			return 1;
		}
		tl_svg(f, &ev);
		if (f != stdout && fclose(f)) {
			perror(svg);
			return 1;
		}
	}
	return 0;
}
