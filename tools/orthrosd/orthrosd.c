// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosd - the Orthros daemon of an OS instance.
 *
 * Waits on /dev/orthros for the monitor's events (the other OS panicked,
 * hung, or stopped answering; the kernel has already fenced it) and records
 * each with its timeline: failure -> detection -> fence sent -> fence seen.
 * In the BackupOS, the ActiveOS's failure starts the failover pipeline
 * (failover.c), whose timeline is kept per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/orthros/protect.h>

#include "../../lib/strbuf.h"
#include "orthrosd.h"

static const char *const type_names[] = {
	[ORTHROS_EVENT_ACTIVE_PANIC] = "active-panic",
	[ORTHROS_EVENT_ACTIVE_HANG] = "active-hang",
	[ORTHROS_EVENT_BACKUP_PANIC] = "backup-panic",
	[ORTHROS_EVENT_BACKUP_HANG] = "backup-hang",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: orthrosd [OPTIONS]\n"
		"\n"
		"Record the monitor's events (/dev/orthros). In the BackupOS, a failure of\n"
		"the ActiveOS starts the failover: take over its devices, disk (at the same\n"
		"path), NIC and IP, write back its file cache, re-create its protected\n"
		"processes; then it re-splits the machine (the dead OS's cores but one, its\n"
		"memory, the next BackupOS's devices released) and boots the next BackupOS.\n"
		"Each phase is timed; the timeline goes to\n"
		"LOG_DIR/failover-N.timeline (N: the dead NthOS), the tools' output to\n"
		"LOG_DIR/failover-N.log ('orthrosctl timeline' shows it).\n"
		"\n"
		"  --log FILE        also append each event to FILE (fsync'd)\n"
		"  --log-dir DIR     timelines and tool output (default /var/log/orthros)\n"
		"  --images DIR      CRIU images of migrating processes (default /var/lib/orthros/pm)\n"
		"  --partition FILE  the partition description (default: the one in force,\n"
		"                    /sys/kernel/orthros/partition)\n"
		"  --tool-timeout S  seconds one recovery tool may take (default 600)\n"
		"  --no-failover     record events only\n"
		"  --once            exit after the first event (and its failover)\n"
		"  -h, --help        this text\n");
}

static double ms(const struct orthros_event *ev, __u64 from, __u64 to)
{
	if (!from || !to || !ev->tsc_khz)
		return -1;
	return ((double)to - (double)from) / ev->tsc_khz;
}

static const char *type_name(__u32 type)
{
	return type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type] ?
	       type_names[type] : "unknown";
}

const char *fenced_apics(const struct orthros_event *ev, char *out, size_t len)
{
	struct strbuf b;
	unsigned int i;

	sb_init(&b, out, len);
	for (i = 0; i < ev->nr_fenced && i < ORTHROS_MAX_CPUS; i++)
		sb_add(&b, "%s%u", i ? "," : "", ev->fenced[i]);
	if (!i)
		sb_add(&b, "none");
	return out;
}

static void format_event(char *out, size_t len, const struct orthros_event *ev)
{
	__u64 start = ev->failure_tsc ? ev->failure_tsc : ev->last_alive_tsc;
	char apics[FENCED_APICS_LEN];

	snprintf(out, len,
		 "orthros-event seq=%llu type=%s nth=%u detect_ms=%.3f stop_ms=%.3f fence_ms=%.3f confirm_ms=%.3f fenced=%s apics=%s proven=%u reason=\"%.128s\"\n",
		 (unsigned long long)ev->seq, type_name(ev->type), ev->nth,
		 ms(ev, start, ev->detect_tsc), ms(ev, start, ev->stopped_tsc),
		 ms(ev, ev->detect_tsc, ev->fence_tsc), ms(ev, ev->fence_tsc, ev->fenced_tsc),
		 ev->fenced_tsc ? "yes" : "no", fenced_apics(ev, apics, sizeof(apics)), ev->nr_proven,
		 ev->reason);
}

static void append(const char *path, const char *line)
{
	int lf;

	if (!path)
		return;
	lf = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lf < 0 || write(lf, line, strlen(line)) < 0 || fsync(lf))
		fprintf(stderr, "orthrosd: %s: %s\n", path, strerror(errno));
	if (lf >= 0)
		close(lf);
}

static bool is_backup(void)
{
	char role[16] = "";
	FILE *f = fopen("/sys/kernel/orthros/role", "r");

	if (f) {
		if (!fgets(role, sizeof(role), f))
			role[0] = 0;
		fclose(f);
	}
	return !strncmp(role, "backup", 6);
}

#define PID_MAX "/proc/sys/kernel/pid_max"

/*
 * A BackupOS keeps its PIDs below ORTHROS_BACKUP_PID_MAX, so that those of
 * the processes it re-creates (ORTHROS_PID_MIN and up) are free; after a
 * takeover it gets its whole range back (failover.c).
 */
static void limit_backup_pids(struct daemon_opts *o)
{
	FILE *f = fopen(PID_MAX, "r+");

	if (!f || fscanf(f, "%u", &o->pid_max) != 1 ||
	    (rewind(f), fprintf(f, "%d\n", ORTHROS_BACKUP_PID_MAX) < 0) || fclose(f)) {
		fprintf(stderr, "orthrosd: cannot limit %s: %s\n", PID_MAX, strerror(errno));
		o->pid_max = 0;
		return;
	}
	printf("orthrosd: BackupOS: PIDs below %d (was %u)\n", ORTHROS_BACKUP_PID_MAX, o->pid_max);
}

static void handle(int fd, const struct orthros_event *ev, const struct daemon_opts *o)
{
	char line[512];
	struct tl_event tl;

	format_event(line, sizeof(line), ev);
	fputs(line, stdout);
	fflush(stdout);
	append(o->events_log, line);
	if (!o->failover || (ev->type != ORTHROS_EVENT_ACTIVE_PANIC &&
			     ev->type != ORTHROS_EVENT_ACTIVE_HANG) || !is_backup())
		return;
	failover_run(fd, ev, o, &tl);
	tl_print(stdout, &tl);
	fflush(stdout);
	snprintf(line, sizeof(line),
		 "orthros-failover dead=%u survivor=%u status=%s downtime_ms=%.1f timeline=%s/failover-%u.timeline\n",
		 tl.dead, tl.survivor, tl_status_name(tl.status), tl.downtime_ms, o->log_dir, tl.dead);
	fputs(line, stdout);
	fflush(stdout);
	append(o->events_log, line);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "log-dir", required_argument, NULL, 'd' },
		{ "images", required_argument, NULL, 'i' },
		{ "partition", required_argument, NULL, 'p' },
		{ "tool-timeout", required_argument, NULL, 't' },
		{ "no-failover", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = {
		.log_dir = "/var/log/orthros",
		.images = "/var/lib/orthros/pm",
		.failover = true,
		.tool_timeout = 600,
	};
	int c, fd, once = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o.events_log = optarg; break;
		case 'd': o.log_dir = optarg; break;
		case 'i': o.images = optarg; break;
		case 'p': o.partition = optarg; break;
		case 't':
			o.tool_timeout = strtoul(optarg, &end, 10);
			if (*end || !o.tool_timeout) {
				fprintf(stderr, "orthrosd: bad --tool-timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n': o.failover = false; break;
		case '1': once = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* One write per line: the lab sends this to /dev/kmsg, a record per write. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/orthros", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "orthrosd: /dev/orthros: %s (is this an Orthros kernel?)\n",
			strerror(errno));
		return 1;
	}
	if (o.failover && is_backup())
		limit_backup_pids(&o);
	printf("orthrosd: waiting for monitoring events%s\n",
	       o.failover ? "; failover on" : "; failover off");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct orthros_event ev;
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
		handle(fd, &ev, &o);
		if (once)
			return 0;
	}
}
