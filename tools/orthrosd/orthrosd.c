// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosd - the Orthros daemon of an OS instance.
 *
 * Waits on /dev/orthros for the monitor's events (the other OS panicked,
 * hung, or stopped answering; the kernel has already fenced it) and records
 * each with its timeline: failure -> detection -> fence sent -> fence seen.
 * The failover pipeline will start from here.
 *
 * usage: orthrosd [--log FILE] [--once]
 *   --log FILE  also append each event to FILE (fsync'd)
 *   --once      exit after the first event
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/orthros/loader.h>

static const char *const type_names[] = {
	[ORTHROS_EVENT_ACTIVE_PANIC] = "active-panic",
	[ORTHROS_EVENT_ACTIVE_HANG] = "active-hang",
	[ORTHROS_EVENT_BACKUP_PANIC] = "backup-panic",
	[ORTHROS_EVENT_BACKUP_HANG] = "backup-hang",
};

static double ms(const struct orthros_event *ev, __u64 from, __u64 to)
{
	if (!from || !to || !ev->tsc_khz)
		return -1;
	return ((double)to - (double)from) / ev->tsc_khz;
}

static void format_event(char *out, size_t len, const struct orthros_event *ev)
{
	const char *type = ev->type < sizeof(type_names) / sizeof(type_names[0]) &&
			   type_names[ev->type] ? type_names[ev->type] : "unknown";
	__u64 start = ev->failure_tsc ? ev->failure_tsc : ev->last_alive_tsc;

	snprintf(out, len,
		 "orthros-event seq=%llu type=%s nth=%u detect_ms=%.3f fence_ms=%.3f confirm_ms=%.3f fenced=%s apics=%#x reason=\"%s\"\n",
		 (unsigned long long)ev->seq, type, ev->nth,
		 ms(ev, start, ev->detect_tsc), ms(ev, ev->detect_tsc, ev->fence_tsc),
		 ms(ev, ev->fence_tsc, ev->fenced_tsc), ev->fenced_tsc ? "yes" : "no",
		 ev->fenced_apics, ev->reason);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *log = NULL;
	int c, fd, once = 0;

	while ((c = getopt_long(argc, argv, "l:1h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': log = optarg; break;
		case '1': once = 1; break;
		case 'h':
			printf("usage: orthrosd [--log FILE] [--once]\n");
			return 0;
		default:
			fprintf(stderr, "usage: orthrosd [--log FILE] [--once]\n");
			return 2;
		}
	}
	fd = open("/dev/orthros", O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "orthrosd: /dev/orthros: %s (is this an Orthros kernel?)\n",
			strerror(errno));
		return 1;
	}
	printf("orthrosd: waiting for monitoring events\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct orthros_event ev;
		char line[512];
		ssize_t n;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("orthrosd: poll");
			return 1;
		}
		n = read(fd, &ev, sizeof(ev));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n != sizeof(ev)) {
			fprintf(stderr, "orthrosd: short read from /dev/orthros\n");
			return 1;
		}
		format_event(line, sizeof(line), &ev);
		fputs(line, stdout);
		fflush(stdout);
		if (log) {
			int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (lf < 0 || write(lf, line, strlen(line)) < 0 || fsync(lf))
				fprintf(stderr, "orthrosd: %s: %s\n", log, strerror(errno));
			if (lf >= 0)
				close(lf);
		}
		if (once)
			return 0;
	}
}
