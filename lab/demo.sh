#!/usr/bin/env bash
# The main job: the failover demo. Boot the lab machine's 1stOS, show how
# lab/partition.conf splits the machine, boot the 2ndOS beside it on its own
# core and memory slot, run a protected workload (pmwork, checking itself)
# in the 1stOS, crash the 1stOS's kernel, and show the 2ndOS taking over:
# the failover's timeline, and the workload going on with its PID.
set -euo pipefail

export LAB_DIR
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
export BUILD=${ORTHROS_BUILD:-$LAB_DIR/../build}
BUILD=$(cd "$BUILD" && pwd)
export RUN=$BUILD/lab/runs/demo-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
export LAB_SCENARIO=$LAB_DIR/scenarios/failover-file-syscall.sh
. "$LAB_DIR/harness.sh"

stop() {
	[ -s "$RUN/qemu.pid" ] && kill "$(cat "$RUN/qemu.pid")" 2>/dev/null || true
	rm -f "$RUN"/*.qcow2 "$RUN"/*.sock
}
trap stop EXIT

# A harness function with a time limit, as a scenario's step runs it.
run() { # run SECONDS WHAT FUNCTION [ARGS...]
	local t=$1 what=$2
	shift 2
	timeout -k 5 "$t" bash -c '. "$LAB_DIR/harness.sh"; . "$LAB_SCENARIO"; "$@"' run "$@" ||
		{ echo "demo: $what failed; logs in $RUN" >&2; exit 1; }
}

log "booting the lab machine (QEMU TCG; console: $RUN/console-com1.log)"
run 600 "booting the 1stOS" boot_1stos
log "the 1stOS is up"
echo
echo "== orthrosctl status (in the 1stOS)"
guest orthrosctl status
echo
echo "== orthrosctl plan (in the 1stOS): the partition"
guest orthrosctl plan /etc/orthros/partition.conf
echo
echo "== orthrosctl boot (in the 1stOS): the 2ndOS on APIC 3 in slot 1"
run 300 "booting the 2ndOS" boot_backup a 2
echo
echo "== orthrosctl status (in the 1stOS, the ActiveOS)"
guest orthrosctl status
echo
echo "== orthrosctl status (in the 2ndOS, the BackupOS)"
guest_on b orthrosctl status
echo
echo "== orthrosctl run -- pmwork (in the 1stOS): a protected process that checks itself"
run 120 "starting pmwork" start_workload
echo
echo "== the 1stOS's kernel panics (in a system call)"
run 60 "crashing the 1stOS" crash_1stos
echo
echo "== the 2ndOS takes over: orthrosctl timeline (in the 2ndOS)"
run 300 "the failover" wait_failover 1
run 60 "checking the failover" check_failover 1
echo
echo "== pmwork in the 2ndOS: PID $(cat "$RUN/pm.gpid"), its log goes on"
run 120 "checking pmwork" check_running
echo
echo "== orthrosctl status (in the 2ndOS, the ActiveOS now)"
guest_on b orthrosctl status
echo
log "done; the failover's timeline as a picture: $RUN/failover-1.svg; logs in $RUN"
