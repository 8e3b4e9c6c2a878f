#!/usr/bin/env bash
# Start the lab machine: one QEMU process, built from lab/topology.sh.
# Usage: lab/qemu.sh RUN_DIR [--interactive]
#
# RUN_DIR receives everything of this run:
#   qemu.pid qemu.log      the QEMU process and its own messages
#   qemu.exit              its exit status once it ended (139: QEMU itself crashed)
#   qmp.sock               QMP monitor
#   ctl-a.sock ctl-b.sock  control channels (labctl run)
#   console-com1..4.log    one console log per serial port (per OS instance)
#   ports                  "NIC GUEST-PORT HOST-PORT" for every forward
#   *.qcow2                copy-on-write overlays: the built images stay clean
# ORTHROS_CMDLINE replaces the 1stOS's kernel command line (made from
# lab/topology.sh and lab/partition.conf, or LAB_PARTITION); LAB_1STOS_EXTRA adds to it (e.g.
# crashkernel=256M for the kdump scenarios). In --interactive mode COM1 is also this terminal (Ctrl-A X quits) and QEMU
# runs in the foreground; otherwise it runs in the background.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/topology.sh"
build=${ORTHROS_BUILD:-$here/../build}
run=$1
mode=${2:-}
kernel=$build/kernel/bzImage
labctl=$build/bin/labctl
ctl=$build/bin/orthrosctl
die() { printf 'qemu: error: %s\n' "$*" >&2; exit 1; }

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run 'make setup')"
for f in "$kernel" "$build/images/root.img" "$build/images/user.img" "$labctl" "$ctl"; do
	[ -f "$f" ] || die "$f is missing (run 'make lab-deps')"
done
mkdir -p "$run"
run=$(cd "$run" && pwd)
partition=${LAB_PARTITION:-$here/partition.conf}
hands_off=$("$ctl" cmdline "$partition") || die "$partition is not valid"
cmdline=${ORTHROS_CMDLINE:-$LAB_1STOS_CONSOLE $hands_off ${LAB_1STOS_EXTRA:-} $LAB_KERNEL_ARGS}

args=(-M q35 -cpu "$LAB_CPU_MODEL" -smp "$LAB_CPUS" -m "$LAB_MEM_MIB"
      -nodefaults -no-user-config -display none -vga none
      -kernel "$kernel" -append "$cmdline"
      -qmp "unix:$run/qmp.sock,server=on,wait=off"
      -pidfile "$run/qemu.pid")

for i in $(seq 1 "$LAB_COM_PORTS"); do
	: >"$run/console-com$i.log"
	if [ "$i" = 1 ] && [ "$mode" = --interactive ]; then
		args+=(-chardev "stdio,id=com1,mux=on,signal=off,logfile=$run/console-com1.log"
		       -mon chardev=com1,mode=readline)
	else
		args+=(-chardev "file,id=com$i,path=$run/console-com$i.log")
	fi
	args+=(-serial "chardev:com$i")
done

while read -r name slot serial image; do
	[ -n "$name" ] || continue
	qemu-img create -q -f qcow2 -F raw -b "$build/images/$image.img" "$run/$name.qcow2"
	args+=(-drive "if=none,id=$name,file=$run/$name.qcow2,format=qcow2,cache=unsafe"
	       -device "virtio-blk-pci,drive=$name,serial=$serial,addr=$slot.0")
done <<<"$LAB_DISKS"

: >"$run/ports"
while read -r name slot mac addr gw ports; do
	[ -n "$name" ] || continue
	net=${addr%.*}.0/${addr#*/}
	fwd=
	for p in ${ports//,/ }; do
		proto=tcp
		case "$p" in udp:*) proto=udp; p=${p#udp:} ;; esac
		hp=$("$labctl" free-port $proto)
		fwd+=",hostfwd=$proto:127.0.0.1:$hp-${addr%/*}:$p"
		[ "$proto" = tcp ] && echo "$name $p $hp" >>"$run/ports"
		[ "$proto" = udp ] && echo "$name udp:$p $hp" >>"$run/ports"
	done
	# restrict=on: the guest reaches nothing outside; only the forwards come in.
	args+=(-netdev "user,id=$name,net=$net,host=$gw,restrict=on$fwd"
	       -device "virtio-net-pci,netdev=$name,mac=$mac,addr=$slot.0")
done <<<"$LAB_NICS"

while read -r name slot port; do
	[ -n "$name" ] || continue
	args+=(-device "virtio-serial-pci,id=$name,addr=$slot.0"
	       -chardev "socket,id=$name,path=$run/$name.sock,server=on,wait=off"
	       -device "virtserialport,bus=$name.0,chardev=$name,name=$port")
done <<<"$LAB_CTLS"

while read -r name slot; do
	[ -n "$name" ] || continue
	args+=(-device "nvme,id=$name,serial=orthros-$name,addr=$slot.0")
done <<<"$LAB_SPARES"

printf '%q ' qemu-system-x86_64 "${args[@]}" >"$run/qemu.cmdline"
echo >>"$run/qemu.cmdline"
if [ "$mode" = --interactive ]; then
	exec qemu-system-x86_64 "${args[@]}"
fi
setsid bash -c 'qemu-system-x86_64 "$@"; echo $? >"$0"' "$run/qemu.exit" "${args[@]}" \
	</dev/null >"$run/qemu.log" 2>&1 &
for _ in $(seq 50); do
	[ -s "$run/qemu.pid" ] && [ -S "$run/qmp.sock" ] && exit 0
	kill -0 $! 2>/dev/null || die "QEMU exited at start: $(cat "$run/qemu.log")"
	sleep 0.1
done
die "QEMU did not start within 5 s (log: $run/qemu.log)"
