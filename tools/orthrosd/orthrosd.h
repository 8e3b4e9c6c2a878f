/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ORTHROSD_H
#define ORTHROSD_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/orthros/loader.h>

#include "../../lib/deadnet.h"
#include "../../lib/timeline.h"

struct daemon_opts {
	const char *events_log;	/* one line per event, appended (or NULL) */
	const char *log_dir;	/* failover timelines and the tools' output */
	const char *images;	/* CRIU images of the processes being migrated */
	const char *partition;	/* the partition description (NULL: the kernel's) */
	bool failover;		/* run the failover pipeline when the ActiveOS fails */
	unsigned int tool_timeout;	/* seconds one recovery tool may take */
	unsigned int pid_max;	/* the PID range before a BackupOS limited it, 0: not limited */
};

/*
 * The failover pipeline (failover.c), in the BackupOS, after the monitor
 * declared the ActiveOS dead: every phase is timed into tl. Returns 0 if
 * every phase succeeded.
 */
int failover_run(int devfd, const struct orthros_event *ev, const struct daemon_opts *o,
		 struct tl_event *tl);

/* The APIC IDs an event's fence sent INIT to, "0,1,2" (orthrosd.c), in a buffer this long. */
#define FENCED_APICS_LEN	(ORTHROS_MAX_CPUS * 4)
const char *fenced_apics(const struct orthros_event *ev, char *out, size_t len);

/* IP takeover (netconf.c); each returns 0 or -errno. */
int nc_link(int ifindex, const char *name, unsigned int mtu, bool up);
int nc_addr(int ifindex, const char *ifname, const struct dn_addr *a);
int nc_route(int ifindex, const struct dn_route *r);
int nc_garp(int ifindex, const unsigned char mac[6], uint32_t ip);

#endif
