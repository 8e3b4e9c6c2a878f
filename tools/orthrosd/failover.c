// SPDX-License-Identifier: GPL-2.0-only
/*
 * orthrosd: the failover pipeline (paper section 2.1, steps 3-6). Runs in
 * the BackupOS once its kernel has declared the ActiveOS dead and fenced it:
 *
 *   takeover   this OS becomes the ActiveOS; the dead OS's memory is
 *              /proc/vmcore, read with the kdump path's libraries
 *   devices    the dead OS's devices (the partition's 'active' ones) are
 *              scanned and bound here
 *   mount      each of its disks at the path the dead kernel had it at
 *   network    each of its NICs with the dead kernel's name, addresses and
 *              routes, announced by gratuitous ARP; input held meanwhile
 *   filecache  orthros-fcm: what the dead kernel had not written back
 *   processes  orthros-pm: the protected processes read, their images written
 *   memory     dead memory hot-added, if the restore needs more than we have
 *   restore    orthros-pm: CRIU re-creates them, one process tree at a time
 *   resume     network input released: the processes are back in service
 *   grow       the rest of the dead OS's general region hot-added
 *   resplit    the dead OS's cores onlined here but one AP kept for the next
 *              BackupOS (never the BSP); its devices released; whatever of
 *              the 1stOS-only region is whole blocks of RAM hot-added
 *   next       the next BackupOS booted on the kept core, with this OS's own
 *              command line: the machine is protected again
 *
 * Each phase is timed from the failure and recorded, with what it did or
 * why it failed. A phase that fails does not stop the pipeline where the
 * rest can still run safely: a disk that cannot be mounted leaves the NIC
 * takeover alone; processes are restored only after their files' cache
 * was written back; one process tree that fails leaves the others running.
 *
 * Memory for big processes: everything the pipeline needs from the dead
 * memory is read before any of it is hot-added (the images go to this OS's
 * root disk), so the memory phase can online blocks freely; it adds only
 * what the restore needs, the rest comes after resume.
 */
#define _GNU_SOURCE		/* pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "../../lib/deadfs.h"
#include "../../lib/deadkernel.h"
#include "../../lib/filecache.h"
#include "../../lib/partition.h"
#include "../../lib/runtool.h"
#include "../../lib/strbuf.h"
#include "orthrosd.h"

#define DEVICE_WAIT_MS	15000	/* for an adopted device's driver and its disk or NIC */
#define RESTORE_MARGIN	(64ull << 20)	/* memory CRIU needs beyond the pages */
#define HOLD_TABLE	"orthros_failover_hold"

/* A device of the dead OS, taken over here. */
struct adopted {
	const struct orthros_device *dev;
	char block[32];		/* a disk's name here (vdb) */
	char net[IFNAMSIZ];	/* a NIC's name here */
	char mount[PATH_MAX];	/* where the disk is mounted, "" if not */
	bool cache_ok;		/* its file cache was written back */
};

struct failover {
	int devfd;
	const struct orthros_event *ev;
	const struct daemon_opts *o;
	struct tl_event *tl;
	uint64_t t0, khz;	/* failure TSC, TSC kHz */
	char log[PATH_MAX];	/* the tools' output */
	struct orthros_partition part;
	bool have_part;
	struct dk *dk;		/* the dead kernel, through /proc/vmcore */
	char dk_err[512];
	struct adopted dev[ORTHROS_MAX_DEVICES];
	unsigned int ndev;
	bool held;		/* network input held */
	bool stop;		/* no later phase can run */
	unsigned int trees;	/* process trees with images */
	uint64_t image_pages;
	uint64_t added;		/* bytes hot-added */
	int kept_apic;		/* the core kept for the next BackupOS, -1: none */
};

static double now_ms(const struct failover *f)
{
	return ((double)__rdtsc() - (double)f->t0) / f->khz;
}

static double tsc_ms(const struct failover *f, uint64_t tsc)
{
	return tsc ? ((double)tsc - (double)f->t0) / f->khz : -1;
}

static void say(const struct failover *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct failover *f, const char *fmt, ...)
{
	va_list ap;

	printf("orthrosd: failover of NthOS %u: ", f->ev->nth);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Run a tool with its output appended to the failover's log; its exit status or -1. */
static int run_tool(struct failover *f, char *const argv[], const char *input)
{
	int out, status;
	bool timed_out;

	out = open(f->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0)
		return -1;
	dprintf(out, "--- %s (at %.1f ms)\n", argv[0], now_ms(f));
	status = run_bounded(argv, input, out, f->o->tool_timeout, &timed_out);
	close(out);
	return status;
}

/* A number from a tool's one-line JSON object; -1 if it is not there. */
static double json_num(const char *path, const char *key)
{
	char buf[2048], pat[64], *p;
	FILE *jf = fopen(path, "r");
	size_t n;

	if (!jf)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, jf);
	fclose(jf);
	buf[n] = 0;
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(buf, pat);
	return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* A string from a tool's one-line JSON object (no escapes in it); "" if none. */
static const char *json_str(const char *path, const char *key, char *out, size_t len)
{
	char buf[4096], pat[64], *p;
	FILE *jf = fopen(path, "r");
	size_t n = 0;

	out[0] = 0;
	if (jf) {
		n = fread(buf, 1, sizeof(buf) - 1, jf);
		fclose(jf);
	}
	buf[n] = 0;
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(buf, pat);
	if (p) {
		p += strlen(pat);
		snprintf(out, len, "%.*s", (int)strcspn(p, "\""), p);
	}
	return out;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *rf = fopen(path, "r");
	int ret = rf && fgets(buf, len, rf) ? 0 : -1;

	if (rf)
		fclose(rf);
	buf[ret ? 0 : strcspn(buf, "\n")] = 0;
	return ret;
}

static uint64_t mem_available(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *mf = fopen("/proc/meminfo", "r");

	while (mf && fgets(line, sizeof(line), mf))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	if (mf)
		fclose(mf);
	return kb << 10;
}

static void pci_path(const struct orthros_device *d, char *out, size_t len)
{
	snprintf(out, len, "/sys/bus/pci/devices/%04x:%02x:%02x.%u", d->segment, d->bus,
		 d->devfn >> 3, d->devfn & 7);
}

/* The first name under PCI function d's CLASS directory (block, net). */
static bool class_child(const struct orthros_device *d, const char *cls, char *out, size_t len)
{
	char pat[PATH_MAX];
	glob_t g;
	bool found;

	pci_path(d, pat, sizeof(pat));
	/* virtio puts its devices one level down, others directly. */
	snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat), "/{,*/}%s/*", cls);
	if (glob(pat, GLOB_BRACE | GLOB_NOSORT, NULL, &g))
		return false;
	found = g.gl_pathc > 0;
	if (found)
		snprintf(out, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);
	return found;
}

/* ---- the phases: each sets detail and returns its status ---- */

static enum tl_status ph_takeover(struct failover *f, struct strbuf *d)
{
	struct dk_sources src = { NULL, NULL, NULL };
	char view[256] = "";

	if (ioctl(f->devfd, ORTHROS_IOC_TAKEOVER) < 0) {
		sb_add(d, "the kernel refused the takeover: %s", strerror(errno));
		f->stop = true;
		return TL_FAILED;
	}
	/* The ActiveOS's whole PID range again (orthrosd.c limited it). */
	if (f->o->pid_max) {
		FILE *pm = fopen("/proc/sys/kernel/pid_max", "w");

		if (!pm || fprintf(pm, "%u\n", f->o->pid_max) < 0 || fclose(pm))
			say(f, "cannot restore pid_max %u: %s", f->o->pid_max, strerror(errno));
	}
	read_line("/sys/kernel/orthros/vmcore", view, sizeof(view));
	if (dk_open(&f->dk, &src, f->dk_err, sizeof(f->dk_err))) {
		f->dk = NULL;
		sb_add(d, "ActiveOS now, but the dead memory cannot be read (%s): %s",
			 view, f->dk_err);
		return TL_FAILED;
	}
	sb_add(d, "ActiveOS now; dead memory at /proc/vmcore (%s), kernel %s", view,
		 dk_info(f->dk, "OSRELEASE") ?: "?");
	return TL_OK;
}

static enum tl_status ph_devices(struct failover *f, struct strbuf *d)
{
	struct timespec start, now;
	unsigned int i, ready = 0;
	int n;

	if (!f->have_part) {
		sb_add(d, "no partition description");
		return TL_FAILED;
	}
	n = ioctl(f->devfd, ORTHROS_IOC_ADOPT_DEVICES);
	if (n < 0) {
		sb_add(d, "the kernel adopted no device: %s", strerror(errno));
		return TL_FAILED;
	}
	for (i = 0; i < f->part.nr_devices; i++)
		if (f->part.devices[i].role == ORTHROS_DEV_ACTIVE)
			f->dev[f->ndev++].dev = &f->part.devices[i];
	/* Bound, then each waits for its driver to make a disk or a NIC. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ready = 0;
		for (i = 0; i < f->ndev; i++) {
			struct adopted *a = &f->dev[i];

			ready += a->block[0] || a->net[0] ||
				 class_child(a->dev, "block", a->block, sizeof(a->block)) ||
				 class_child(a->dev, "net", a->net, sizeof(a->net));
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ready == f->ndev || (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 > DEVICE_WAIT_MS)
			break;
		usleep(2000);
	}
	sb_add(d, "%d of %u adopted", n, f->ndev);
	for (i = 0; i < f->ndev; i++) {
		const struct adopted *a = &f->dev[i];

		sb_add(d, "; %s: %s", a->dev->name,
				a->block[0] ? a->block : a->net[0] ? a->net : "no disk or NIC");
	}
	return ready == f->ndev ? TL_OK : TL_FAILED;
}

static int make_dirs(const char *path)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) && errno != EEXIST ? -1 : 0;
}

/* ",nosuid,nodev" for the record: the options the dead OS's mount had. */
/* The flags ms and ext4's options ext4 as one list, each after a comma. */
static void ms_flags_str(unsigned long ms, const char *ext4, char *out, size_t len)
{
	static const struct { unsigned long ms; const char *name; } names[] = {
		{ MS_RDONLY, "ro" }, { MS_NOSUID, "nosuid" }, { MS_NODEV, "nodev" },
		{ MS_NOEXEC, "noexec" }, { MS_NOATIME, "noatime" }, { MS_NODIRATIME, "nodiratime" },
		{ MS_RELATIME, "relatime" }, { MS_NOSYMFOLLOW, "nosymfollow" },
		{ MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
	};
	struct strbuf sb;
	unsigned int i;

	sb_init(&sb, out, len);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ms & names[i].ms)
			sb_add(&sb, ",%s", names[i].name);
	if (*ext4)
		sb_add(&sb, ",%s", ext4);
}

static enum tl_status ph_mount(struct failover *f, struct strbuf *d)
{
	enum tl_status st = TL_SKIPPED;
	unsigned int i;

	for (i = 0; i < f->ndev; i++) {
		struct adopted *a = &f->dev[i];
		unsigned char uuid[16];
		char dev[64], err[256], path[PATH_MAX], opts[128], ext4[128];
		unsigned long ms = 0;
		int r;

		if (!a->block[0])
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", a->block);
		if (!f->dk) {
			sb_add(d, "%s: where the dead OS had it mounted is unknown (no view of its memory); ",
					a->block);
			st = TL_FAILED;
			continue;
		}
		/* Not ext4: where it was mounted and its cache cannot be read. */
		if (fc_dev_uuid(dev, uuid, err, sizeof(err))) {
			sb_add(d, "%s: %s: NOT taken over; ", a->block, err);
			st = TL_FAILED;
			continue;
		}
		r = dk_ext4_mount_path(f->dk, uuid, path, sizeof(path), &ms, ext4, sizeof(ext4));
		if (r) {
			sb_add(d, "%s: %s; ", a->block,
					r > 0 ? "the dead OS had not mounted it, nor will we" :
					dk_error(f->dk));
			st = r > 0 ? (st == TL_FAILED ? st : TL_SKIPPED) : TL_FAILED;
			continue;
		}
		/*
		 * As the dead OS had it: a nosuid disk must not become a setuid
		 * one, nor a data=journal one lose its journalled data.
		 */
		ms_flags_str(ms, ext4, opts, sizeof(opts));
		if (make_dirs(path) || mount(dev, path, "ext4", ms, ext4)) {
			sb_add(d, "%s at %s (%s): %s; ", a->block, path, opts[0] ? opts + 1 : "defaults",
			       strerror(errno));
			st = TL_FAILED;
			continue;
		}
		snprintf(a->mount, sizeof(a->mount), "%s", path);
		sb_add(d, "%s at %s (%s, journal replayed); ", a->block, path,
		       opts[0] ? opts + 1 : "defaults");
		st = st == TL_FAILED ? st : TL_OK;
	}
	sb_chop(d, "; ");
	if (!d->len)
		sb_add(d, "the dead OS had no disk to take over");
	return st;
}

static int read_mac(const char *ifname, unsigned char mac[6])
{
	char path[PATH_MAX], line[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	if (read_line(path, line, sizeof(line)))
		return -1;
	return sscanf(line, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static const char *ip4(uint32_t a, char *buf)
{
	const unsigned char *b = (const unsigned char *)&a;

	sprintf(buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

/* Input held on the NICs being taken over until the processes are back: a peer's packet for a socket not yet restored would get a reset. */
static int hold_input(struct failover *f, const struct dn_nic *nics, unsigned int n)
{
	char script[128 + ORTHROS_MAX_DEVICES * (IFNAMSIZ + 32)], *argv[] = { "nft", "-f", "-", NULL };
	struct strbuf b;
	unsigned int i;

	sb_init(&b, script, sizeof(script));
	sb_add(&b, "table inet " HOLD_TABLE " {\n chain input {\n"
	       "  type filter hook input priority -300; policy accept;\n");
	for (i = 0; i < n; i++)
		sb_add(&b, "  iifname \"%s\" drop\n", nics[i].name);
	sb_add(&b, " }\n}\n");
	return b.cut ? -1 : run_tool(f, argv, script);
}

static enum tl_status ph_network(struct failover *f, struct strbuf *d)
{
	struct dn_nic nics[ORTHROS_MAX_DEVICES];
	int ifindex[ORTHROS_MAX_DEVICES];
	enum tl_status st = TL_OK;
	unsigned int i, j, n = 0;
	char a1[16], a2[16];

	for (i = 0; i < f->ndev; i++) {
		struct adopted *a = &f->dev[i];
		unsigned char mac[6];
		int r;

		if (!a->net[0])
			continue;
		if (!f->dk) {
			sb_add(d, "%s: its set-up is unknown (no view of the dead memory); ",
					a->net);
			st = TL_FAILED;
			continue;
		}
		if (read_mac(a->net, mac) || (r = dn_find_nic(f->dk, mac, &nics[n])) < 0) {
			sb_add(d, "%s: %s; ", a->net,
					f->dk ? dk_error(f->dk) : "no MAC");
			st = TL_FAILED;
			continue;
		}
		if (r > 0) {
			sb_add(d, "%s: the dead OS had no NIC with its MAC; ",
					a->net);
			continue;
		}
		ifindex[n] = if_nametoindex(a->net);
		/* Its old name, unless this OS uses that name already. */
		if (strcmp(a->net, nics[n].name) && !if_nametoindex(nics[n].name) &&
		    !nc_link(ifindex[n], nics[n].name, 0, false))
			snprintf(a->net, sizeof(a->net), "%s", nics[n].name);
		snprintf(nics[n].name, sizeof(nics[n].name), "%s", a->net);
		n++;
	}
	if (n) {
		int r = hold_input(f, nics, n);

		f->held = !r;
		if (r)
			sb_add(d, "input NOT held (nft exit %d): peers may see resets; ",
					r);
	}
	for (i = 0; i < n; i++) {
		const struct dn_nic *nic = &nics[i];
		int r = nc_link(ifindex[i], NULL, nic->mtu, true);

		sb_add(d, "%s:", nic->name);
		for (j = 0; !r && j < nic->naddrs; j++) {
			r = nc_addr(ifindex[i], nic->name, &nic->addrs[j]);
			sb_add(d, " %s/%u", ip4(nic->addrs[j].local, a1),
					nic->addrs[j].prefixlen);
		}
		for (j = 0; !r && j < nic->nroutes; j++) {
			const struct dn_route *rt = &nic->routes[j];

			if (rt->protocol == 2 /* RTPROT_KERNEL: came with an address */ ||
			    rt->type != 1 /* RTN_UNICAST */)
				continue;
			r = nc_route(ifindex[i], rt);
			sb_add(d, ", route %s/%u via %s",
					ip4(rt->dst, a1), rt->dst_len, ip4(rt->gateway, a2));
		}
		for (j = 0; !r && j < nic->naddrs; j++)
			r = nc_garp(ifindex[i], nic->mac, nic->addrs[j].local);
		if (r) {
			sb_add(d, " FAILED: %s", strerror(-r));
			st = TL_FAILED;
		} else {
			sb_add(d, ", gratuitous ARP sent");
		}
		sb_add(d, "; ");
	}
	sb_chop(d, "; ");
	if (!d->len) {
		sb_add(d, "the dead OS had no NIC to take over");
		return TL_SKIPPED;
	}
	return st;
}

/* orthros-fcm's output file of this failover for disk a: "json" or "replaced". */
static char *fcm_file(const struct failover *f, const struct adopted *a, const char *kind,
		      char *buf, size_t len)
{
	snprintf(buf, len, "%s/failover-%u-fcm-%s.%s", f->o->log_dir, f->ev->nth, a->block, kind);
	return buf;
}

static enum tl_status ph_filecache(struct failover *f, struct strbuf *d)
{
	enum tl_status st = TL_SKIPPED;
	unsigned int i;

	for (i = 0; i < f->ndev; i++) {
		struct adopted *a = &f->dev[i];
		char json[PATH_MAX], replaced[PATH_MAX];
		char *argv[] = { "orthros-fcm", "--json", json, "--replaced", replaced, a->mount,
				 NULL };
		int r;

		if (!a->mount[0])
			continue;
		unlink(fcm_file(f, a, "json", json, sizeof(json)));
		unlink(fcm_file(f, a, "replaced", replaced, sizeof(replaced)));
		r = run_tool(f, argv, NULL);
		a->cache_ok = !r;
		sb_add(d, "%s: %.0f files, %.0f pages, %.0f bytes written (%.0f re-created, %.0f not written), %.0f renames, %.0f truncates, %.0f unlinks, %.0f links replayed%s; ",
				a->mount, json_num(json, "files"), json_num(json, "pages"),
				json_num(json, "bytes"), json_num(json, "recreated"),
				json_num(json, "failed"), json_num(json, "moved"),
				json_num(json, "truncated"), json_num(json, "unlinked"),
				json_num(json, "linked"), r ? " FAILED" : "");
		st = r ? TL_FAILED : st == TL_FAILED ? st : TL_OK;
	}
	sb_chop(d, "; ");
	if (!d->len)
		sb_add(d, "no disk of the dead OS mounted here");
	return st;
}

static enum tl_status ph_processes(struct failover *f, struct strbuf *d)
{
	char json[PATH_MAX], replaced[ORTHROS_MAX_DEVICES][PATH_MAX];
	/*
	 * Each disk taken over is named (its files are the dead OS's own), with
	 * what orthros-fcm re-created on it.
	 */
	char *argv[6 + 4 * ORTHROS_MAX_DEVICES + 1] = { "orthros-pm", "--no-restore", "--images",
						(char *)f->o->images, "--json", json };
	char left[TL_TEXT_LEN];
	unsigned int i, n = 6;
	int r;

	for (i = 0; i < f->ndev; i++) {
		if (!f->dev[i].mount[0])
			continue;
		if (!f->dev[i].cache_ok) {
			sb_add(d, "not migrated: the file cache of %s was not written back, a process could read stale data",
				 f->dev[i].mount);
			return TL_FAILED;
		}
		argv[n++] = "--migrated";
		argv[n++] = f->dev[i].mount;
		argv[n++] = "--replaced";
		argv[n++] = fcm_file(f, &f->dev[i], "replaced", replaced[i], sizeof(replaced[i]));
	}
	if (!f->dk) {
		sb_add(d, "not migrated: no view of the dead memory: %s", f->dk_err);
		return TL_FAILED;
	}
	snprintf(json, sizeof(json), "%s/failover-%u-pm.json", f->o->log_dir, f->ev->nth);
	unlink(json);
	r = run_tool(f, argv, NULL);
	f->trees = json_num(json, "trees") > 0 ? json_num(json, "trees") : 0;
	f->image_pages = json_num(json, "pages") > 0 ? json_num(json, "pages") : 0;
	sb_add(d, "%.0f protected processes read; images of %u trees, %llu pages (exit %d); %.0f not restorable%s%s",
		 json_num(json, "processes"), f->trees, (unsigned long long)f->image_pages, r,
		 json_num(json, "not_restorable"), r ? ": " : "",
		 json_str(json, "not_restored", left, sizeof(left)));
	return r ? TL_FAILED : TL_OK;
}

/*
 * Hot-add the dead OS's blocks of a kind of region, lowest first, until
 * MemAvailable reaches want (0: all of them). Returns blocks added, or -1
 * on an error; a block that is not wholly the dead OS's RAM (a firmware
 * hole, memory it did not have) is counted in *unfit and left alone.
 */
static int add_blocks(struct failover *f, unsigned int kind, uint64_t want, int *unfit,
		      char *why, size_t len)
{
	const uint64_t block = ORTHROS_BLOCK_SIZE;
	unsigned int i;
	int added = 0;
	uint64_t a;

	if (!f->have_part)
		return snprintf(why, len, "no partition description"), -1;
	for (i = 0; i < f->part.nr_ranges; i++) {
		const struct orthros_range *r = &f->part.ranges[i];

		if (r->kind != kind)
			continue;
		for (a = (r->start + block - 1) / block * block; a + block <= r->start + r->size;
		     a += block) {
			struct orthros_memory m = { a, block };

			if (want && mem_available() >= want)
				return added;
			if (ioctl(f->devfd, ORTHROS_IOC_ADD_MEMORY, &m) == 0) {
				added++;
				f->added += block;
			} else if (errno == EINVAL) {
				++*unfit;
			} else if (errno != EEXIST) {
				snprintf(why, len, "block at %#llx: %s", (unsigned long long)a,
					 strerror(errno));
				return -1;
			}
		}
	}
	return added;
}

static enum tl_status ph_memory(struct failover *f, struct strbuf *d)
{
	uint64_t want = f->image_pages * 4096 + RESTORE_MARGIN, have = mem_available();
	char why[256] = "";
	int n, unfit = 0;

	/* Nothing more is read from the dead memory: it may become ours now. */
	if (f->dk) {
		dk_close(f->dk);
		f->dk = NULL;
	}
	if (!f->trees || have >= want) {
		sb_add(d, "not needed: %llu MiB available, the restore needs %llu MiB",
			 (unsigned long long)have >> 20, (unsigned long long)want >> 20);
		return TL_SKIPPED;
	}
	n = add_blocks(f, ORTHROS_MEM_GENERAL, want, &unfit, why, sizeof(why));
	sb_add(d, "%d blocks of %llu MiB hot-added: %llu MiB available, the restore needs %llu MiB%s%s",
		 n < 0 ? 0 : n, ORTHROS_BLOCK_SIZE >> 20, (unsigned long long)mem_available() >> 20,
		 (unsigned long long)want >> 20, why[0] ? "; " : "", why);
	return n < 0 || mem_available() < want ? TL_FAILED : TL_OK;
}

/*
 * The restored process trees are this OS's protected set now (their roots
 * name the image folders), for the next BackupOS to recover if we die.
 */
static unsigned int protect_restored(struct failover *f, struct strbuf *d)
{
	unsigned int done = 0, failed = 0;
	DIR *dir = opendir(f->o->images);
	struct dirent *e;

	while (dir && (e = readdir(dir))) {
		char proc[64], *end;
		long pid = strtol(e->d_name, &end, 10);
		FILE *pf;
		bool ok;

		snprintf(proc, sizeof(proc), "/proc/%ld", pid);
		if (*end || pid <= 0 || access(proc, F_OK))
			continue;
		pf = fopen("/sys/kernel/orthros/protected", "w");
		ok = pf && fprintf(pf, "%ld\n", pid) > 0;
		if (pf && fclose(pf))	/* the kernel's answer comes at the flush */
			ok = false;
		if (ok) {
			sb_add(d, " %ld", pid);
			done++;
		} else {
			sb_add(d, " %ld (FAILED: lost at the next failover)", pid);
			failed++;
		}
	}
	if (dir)
		closedir(dir);
	if (!done && !failed)
		sb_add(d, " none");
	return failed;
}

static enum tl_status ph_restore(struct failover *f, struct strbuf *d)
{
	char json[PATH_MAX];
	char *argv[] = { "orthros-pm", "--restore-only", "--images", (char *)f->o->images,
			 "--json", json, NULL };
	int r;

	if (!f->trees) {
		sb_add(d, "no process to restore");
		return TL_SKIPPED;
	}
	snprintf(json, sizeof(json), "%s/failover-%u-restore.json", f->o->log_dir, f->ev->nth);
	unlink(json);
	r = run_tool(f, argv, NULL);
	sb_add(d, "%.0f of %u process trees restored, %.0f failed (exit %d); protected again:",
		       json_num(json, "restored"), f->trees, json_num(json, "failed_trees"), r);
	return protect_restored(f, d) || r ? TL_FAILED : TL_OK;
}

static enum tl_status ph_resume(struct failover *f, struct strbuf *d)
{
	char *argv[] = { "nft", "delete", "table", "inet", HOLD_TABLE, NULL };
	int r;

	if (!f->held) {
		sb_add(d, "no network input was held");
		return TL_SKIPPED;
	}
	r = run_tool(f, argv, NULL);
	sb_add(d, r ? "network input still held (nft exit %d)" : "network input released",
		 r);
	f->held = r != 0;
	return r ? TL_FAILED : TL_OK;
}

static enum tl_status ph_grow(struct failover *f, struct strbuf *d)
{
	char why[256] = "";
	int n, unfit = 0;

	if (f->dk) {
		dk_close(f->dk);
		f->dk = NULL;
	}
	n = add_blocks(f, ORTHROS_MEM_GENERAL, 0, &unfit, why, sizeof(why));
	sb_add(d, "%llu MiB of the general region added in all, %llu MiB available now%s%s",
		 (unsigned long long)f->added >> 20, (unsigned long long)mem_available() >> 20,
		 why[0] ? "; " : "", why);
	return n < 0 || unfit ? TL_FAILED : TL_OK;
}

/* The local APIC IDs of the cores online here. */
static int my_apics(bool mine[256])
{
	char line[128];
	unsigned int cpu, apic, logical;
	int n = 0;
	FILE *cf = fopen("/sys/kernel/orthros/cpus", "r");

	memset(mine, 0, 256);
	while (cf && fgets(line, sizeof(line), cf))
		if (sscanf(line, "cpu=%u apic=%u logical=%x", &cpu, &apic, &logical) == 3 &&
		    apic < 256)
			mine[apic] = true, n++;
	if (cf)
		fclose(cf);
	return n;
}

static unsigned int my_nth(void)
{
	char nth[16] = "";

	read_line("/sys/kernel/orthros/nth", nth, sizeof(nth));
	return strtoul(nth, NULL, 10);
}

static const char *ordinal(unsigned int n, char *buf)
{
	const char *sfx = n % 100 / 10 == 1 ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" :
			  n % 10 == 3 ? "rd" : "th";

	sprintf(buf, "%u%sOS", n, sfx);
	return buf;
}

static enum tl_status ph_resplit(struct failover *f, struct strbuf *d)
{
	enum tl_status st = TL_OK;
	unsigned int i, next = my_nth() + 1;
	char why[256] = "", name[16];
	int n, cpus, unfit = 0;
	bool mine[256];

	if (!f->have_part) {
		sb_add(d, "no partition description: no re-split");
		return TL_FAILED;
	}
	/* The dead OS's cores: all but the BSP come here, one AP is kept. */
	my_apics(mine);
	for (i = 0; i < f->part.nr_cpus; i++) {
		const struct orthros_cpu *c = &f->part.cpus[i];

		if (!(c->flags & ORTHROS_CPU_BSP) && c->apic_id < 256 && !mine[c->apic_id] &&
		    (f->kept_apic < 0 || c->apic_id > (unsigned int)f->kept_apic))
			f->kept_apic = c->apic_id;
	}
	for (i = 0; i < f->part.nr_cpus; i++) {
		__u32 apic = f->part.cpus[i].apic_id;

		if ((f->part.cpus[i].flags & ORTHROS_CPU_BSP) || apic >= 256 || mine[apic] ||
		    (int)apic == f->kept_apic)
			continue;
		if (ioctl(f->devfd, ORTHROS_IOC_ADD_CPU, &apic)) {
			sb_add(d, "APIC %u NOT onlined: %s; ", apic,
					strerror(errno));
			st = TL_FAILED;
		} else {
			sb_add(d, "APIC %u onlined here; ", apic);
		}
	}
	cpus = my_apics(mine);
	if (f->kept_apic >= 0)
		sb_add(d, "APIC %d kept for the %s; ", f->kept_apic,
				ordinal(next, name));
	else
		sb_add(d, "no spare AP for a BackupOS; ");
	/* Its devices; whatever of the 1stOS-only region is whole blocks. */
	n = ioctl(f->devfd, ORTHROS_IOC_RELEASE_DEVICES, &next);
	sb_add(d, "%d devices released for it; ", n);
	if (n < 0)
		st = TL_FAILED;
	n = add_blocks(f, ORTHROS_MEM_FIRST_ONLY, 0, &unfit, why, sizeof(why));
	sb_add(d, "1stOS-only region: %d blocks added, %d not whole RAM; now %d CPUs, %llu MiB available%s%s",
			 n < 0 ? 0 : n, unfit, cpus, (unsigned long long)mem_available() >> 20,
			 why[0] ? "; " : "", why);
	return n < 0 ? TL_FAILED : st;
}

/*
 * This OS's own command line without what orthrosctl boot puts first
 * (orthros.nth=, orthros.shared=, no_ipi_broadcast=, console=, earlycon=):
 * the next BackupOS boots the way this one did.
 */
static int own_args(char *buf, size_t len, char **argv, int max)
{
	static const char *const ours[] = {
		"orthros.nth=", "orthros.shared=", "no_ipi_broadcast=", "console=", "earlycon=",
	};
	bool init_args = false;
	char *tok, *save;
	unsigned int i;
	int n = 0;

	if (read_line("/proc/cmdline", buf, len))
		return -1;
	for (tok = strtok_r(buf, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save)) {
		bool skip = false;

		init_args |= !strcmp(tok, "--");
		for (i = 0; !init_args && i < sizeof(ours) / sizeof(ours[0]); i++)
			skip |= !strncmp(tok, ours[i], strlen(ours[i]));
		if (!skip)
			argv[n++] = tok;
	}
	return n;
}

static enum tl_status ph_next(struct failover *f, struct strbuf *d)
{
	char cmdline[4096], nth[16], apic[16], name[16], up[256] = "";
	char *argv[160] = { "orthrosctl", "boot", "-n", nth, "-a", apic, "-t", "150", "--" };
	unsigned int next = my_nth() + 1;
	int n, r;

	if (f->kept_apic < 0) {
		sb_add(d, "no spare AP for the %s: this OS runs UNPROTECTED",
			 ordinal(next, name));
		return TL_FAILED;
	}
	snprintf(nth, sizeof(nth), "%u", next);
	snprintf(apic, sizeof(apic), "%d", f->kept_apic);
	n = own_args(cmdline, sizeof(cmdline), argv + 9, 150);
	if (n < 0) {
		sb_add(d, "cannot read /proc/cmdline: this OS runs UNPROTECTED");
		return TL_FAILED;
	}
	argv[9 + n] = NULL;
	r = run_tool(f, argv, NULL);
	read_line("/sys/kernel/orthros/backup", up, sizeof(up));
	if (r) {
		sb_add(d, "the %s did not boot (orthrosctl exit %d, %s): this OS runs UNPROTECTED",
			 ordinal(next, name), r, up);
		return TL_FAILED;
	}
	sb_add(d, "the %s is the BackupOS: %s; monitoring both ways",
		 ordinal(next, name), up);
	return TL_OK;
}

static const struct {
	const char *name;
	enum tl_status (*run)(struct failover *f, struct strbuf *d);
} phases[] = {
	{ "takeover", ph_takeover },
	{ "devices", ph_devices },
	{ "mount", ph_mount },
	{ "network", ph_network },
	{ "filecache", ph_filecache },
	{ "processes", ph_processes },
	{ "memory", ph_memory },
	{ "restore", ph_restore },
	{ "resume", ph_resume },
	{ "grow", ph_grow },
	{ "resplit", ph_resplit },
	{ "next", ph_next },
};

static const char *const event_names[] = {
	[ORTHROS_EVENT_ACTIVE_PANIC] = "active-panic",
	[ORTHROS_EVENT_ACTIVE_HANG] = "active-hang",
	[ORTHROS_EVENT_BACKUP_PANIC] = "backup-panic",
	[ORTHROS_EVENT_BACKUP_HANG] = "backup-hang",
};

static void write_timeline(struct failover *f)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *tf;

	snprintf(path, sizeof(path), "%s/failover-%u.timeline", f->o->log_dir, f->ev->nth);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	tf = fopen(tmp, "w");
	if (!tf || tl_write(tf, f->tl) || fflush(tf) || fsync(fileno(tf)) || fclose(tf) ||
	    rename(tmp, path))
		say(f, "cannot write %s: %s", path, strerror(errno));
	else
		say(f, "timeline in %s", path);
}

/* The summary into the shared memory's history, which every later OS inherits. */
static void record(struct failover *f)
{
	struct orthros_failover_record r = {
		.dead = f->tl->dead,
		.survivor = f->tl->survivor,
		.type = f->ev->type,
		.ok = f->tl->status == TL_OK,
		.downtime_us = f->tl->downtime_ms < 0 ? -1 : (__s64)(f->tl->downtime_ms * 1000),
		.failure_tsc = f->t0,
	};

	if (ioctl(f->devfd, ORTHROS_IOC_RECORD_FAILOVER, &r))
		say(f, "cannot record it in the shared memory's history: %s", strerror(errno));
}

int failover_run(int devfd, const struct orthros_event *ev, const struct daemon_opts *o,
		 struct tl_event *tl)
{
	struct failover *f = calloc(1, sizeof(*f));
	char nth[16] = "", err[512], apics[FENCED_APICS_LEN];
	bool restored = false;
	unsigned int i;

	if (!f)
		return -1;
	f->devfd = devfd;
	f->ev = ev;
	f->o = o;
	f->tl = tl;
	f->khz = ev->tsc_khz ? ev->tsc_khz : 1;
	f->t0 = ev->failure_tsc ? ev->failure_tsc : ev->last_alive_tsc;
	snprintf(f->log, sizeof(f->log), "%s/failover-%u.log", o->log_dir, ev->nth);
	make_dirs(o->log_dir);
	f->kept_apic = -1;
	f->have_part = !(o->partition ?
			 orthros_partition_load(o->partition, &f->part, err, sizeof(err)) :
			 orthros_partition_read_binary("/sys/kernel/orthros/partition", &f->part, err,
						       sizeof(err)));
	if (!f->have_part)
		say(f, "no partition description: %s", err);

	memset(tl, 0, sizeof(*tl));
	tl->seq = ev->seq;
	snprintf(tl->type, sizeof(tl->type), "%s",
		 ev->type < sizeof(event_names) / sizeof(event_names[0]) && event_names[ev->type] ?
		 event_names[ev->type] : "unknown");
	tl->dead = ev->nth;
	read_line("/sys/kernel/orthros/nth", nth, sizeof(nth));
	tl->survivor = atoi(nth);
	snprintf(tl->reason, sizeof(tl->reason), "%s", ev->reason);
	tl->downtime_ms = -1;
	tl->status = TL_OK;

	fenced_apics(ev, apics, sizeof(apics));
	tl_add(tl, "detect", 0, tsc_ms(f, ev->detect_tsc), TL_OK, "%s", ev->reason);
	if (!ev->fenced_tsc) {
		tl_add(tl, "fence", tsc_ms(f, ev->detect_tsc), tsc_ms(f, ev->fence_tsc), TL_FAILED,
		       "INIT sent to APICs %s but not seen stopped (%u of %u ran the park stub, or its memory still changes): nothing taken over",
		       apics, ev->nr_proven, ev->nr_fenced);
		tl->status = TL_FAILED;
		write_timeline(f);
		free(f);
		return -1;
	}
	tl_add(tl, "fence", tsc_ms(f, ev->detect_tsc), tsc_ms(f, ev->fenced_tsc), TL_OK,
	       "APICs %s stopped%s; INIT at %.1f ms, %u in the park stub, still for 3 periods", apics,
	       ev->stopped_tsc ? " (the panicking OS stopped its CPUs first)" :
	       ev->failure_tsc ? " (it did not stop its own CPUs in time)" : "",
	       tsc_ms(f, ev->fence_tsc), ev->nr_proven);

	for (i = 0; i < sizeof(phases) / sizeof(phases[0]) && !f->stop; i++) {
		char detail[TL_TEXT_LEN];
		double start = now_ms(f);
		struct strbuf d;
		enum tl_status st;

		sb_init(&d, detail, sizeof(detail));
		st = phases[i].run(f, &d);

		tl_add(tl, phases[i].name, start, now_ms(f), st, "%s", detail);
		say(f, "%s %s in %.1f ms: %s", phases[i].name, tl_status_name(st), now_ms(f) - start,
		    detail);
		if (st == TL_FAILED)
			tl->status = TL_FAILED;
		/* Down until the processes run and their network is back. */
		if (!strcmp(phases[i].name, "restore"))
			restored = st != TL_FAILED;
		if (!strcmp(phases[i].name, "resume") && restored)
			tl->downtime_ms = now_ms(f);
	}
	/* Whatever stopped the pipeline, the network hold does not outlive it. */
	if (f->held) {
		char detail[TL_TEXT_LEN];
		double start = now_ms(f);
		struct strbuf d;
		enum tl_status st;

		sb_init(&d, detail, sizeof(detail));
		st = ph_resume(f, &d);
		tl_add(tl, "release", start, now_ms(f), st, "%s", detail);
		say(f, "release: %s", detail);
		tl->status = TL_FAILED;
	}
	if (f->dk)
		dk_close(f->dk);
	write_timeline(f);
	record(f);
	free(f);
	return tl->status == TL_OK ? 0 : -1;
}
