#!/usr/bin/env bash
# The main job, for now: boot the lab machine's 1stOS, show how
# lab/partition.conf splits the machine, boot the 2ndOS beside it on its own
# core and memory slot, and show both. (The failover demo extends this as
# the failover issues land.)
set -euo pipefail

export LAB_DIR
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
export BUILD=${ORTHROS_BUILD:-$LAB_DIR/../build}
BUILD=$(cd "$BUILD" && pwd)
export RUN=$BUILD/lab/runs/demo-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
. "$LAB_DIR/harness.sh"

stop() {
	[ -s "$RUN/qemu.pid" ] && kill "$(cat "$RUN/qemu.pid")" 2>/dev/null || true
	rm -f "$RUN"/*.qcow2 "$RUN"/*.sock
}
trap stop EXIT

log "booting the lab machine (QEMU TCG; console: $RUN/console-com1.log)"
if ! timeout 600 bash -c '. "$LAB_DIR/harness.sh"; boot_1stos'; then
	echo "demo: the 1stOS did not come up; console log: $RUN/console-com1.log" >&2
	exit 1
fi
log "the 1stOS is up"
echo
echo "== orthrosctl status (in the 1stOS)"
guest orthrosctl status
echo
echo "== orthrosctl plan (in the 1stOS): the partition"
guest orthrosctl plan /etc/orthros/partition.conf
echo
echo "== orthrosctl boot (in the 1stOS): the 2ndOS on APIC 3 in slot 1"
timeout 300 bash -c '. "$LAB_DIR/harness.sh"; boot_backup a 2' ||
	{ echo "demo: the 2ndOS did not come up; its console: $RUN/console-com2.log" >&2; exit 1; }
echo
echo "== orthrosctl status (in the 1stOS, the ActiveOS)"
guest orthrosctl status
echo
echo "== orthrosctl status (in the 2ndOS, the BackupOS)"
guest_on b orthrosctl status
echo
log "done; logs in $RUN"
