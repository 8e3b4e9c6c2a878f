# fcm-bench
# Benchmark: file-cache migration time against the amount of dirty data (16 MiB and 256 MiB written by fcwriter fill), each on a fresh machine through the kdump path, every acknowledged write verified; figures in build/lab/results/fcm-bench.json.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=3600
. "$LAB_DIR/scenarios/fcm-kdump.sh"
: "${FCM_BENCH_MIB:=16 256}"

scenario() {
	local mib
	for mib in $FCM_BENCH_MIB; do
		step 600 "[$mib MiB] boot the 1stOS with crashkernel=256M" boot_1stos_kdump
		step 60 "[$mib MiB] load the crash kernel" load_crash_kernel
		step 1200 "[$mib MiB] fcwriter fills $mib MiB of dirty page cache" fill "$mib"
		step 60 "[$mib MiB] the 1stOS panics" crash_1stos
		step 300 "[$mib MiB] the crash kernel boots and mounts the user disk" wait_kdump
		step 1200 "[$mib MiB] orthros-fcm writes the dirty data back" check_migration
		step 120 "[$mib MiB] unmount, stop the machine" stop_machine
		step 300 "[$mib MiB] e2fsck -fn clean" fsck_user
		step 600 "[$mib MiB] every acknowledged write is on disk" verify_writes
		step 30 "[$mib MiB] keep the figures and consoles of this round" keep_round "$mib"
	done
	step 30 "the figures side by side" report
}

fill() {
	guest sysctl -w vm.dirty_expire_centisecs=360000 vm.dirty_writeback_centisecs=0 \
		vm.dirty_background_ratio=50 vm.dirty_ratio=80 >/dev/null || return
	guest "setsid fcwriter fill $FCM_DIR --acks /dev/ttyS2 --mib $1 </dev/null >/run/fcwriter.log 2>&1 &" || return
	until grep -aq '^FILLED' "$ACKS"; do
		guest 'pgrep -x fcwriter >/dev/null' || { guest cat /run/fcwriter.log; fail "the writer died"; return 1; }
		sleep 2
	done
	guest "grep -E 'Dirty|Writeback:' /proc/meminfo"
}

# fcm-kdump's checks of a run, for a fill (no append/late files).
check_migration() {
	until guest_on b -t 5 'test -e /run/fcm.rc' 2>/dev/null; do sleep 2; done
	guest_on b cat /run/fcm.log >"$RUN/fcm.log" || return
	tail -n 3 "$RUN/fcm.log"
	guest_on b cat /run/fcm.json >"$RUN/fcm.json" || return
	expect_eq "orthros-fcm exit status" "$(guest_on b cat /run/fcm.rc)" 0
}

keep_round() {
	mkdir -p "$RUN/$1MiB"
	mv "$RUN"/console-com*.log "$RUN/fcm.log" "$RUN/fcm.json" "$RUN/verify.log" "$RUN/$1MiB/"
	rm -rf "$RUN/disk" "$RUN"/*.qcow2
}

report() {
	local mib out=$BUILD/lab/results/fcm-bench.json sep=
	mkdir -p "$(dirname "$out")"
	printf '%8s %10s %12s %10s %10s %10s\n' "dirty" "files" "bytes" "scan ms" "write ms" "MiB/s"
	{
		echo "["
		for mib in $FCM_BENCH_MIB; do
			printf '%s{"dirty_mib": %s, "fcm": %s}' "$sep" "$mib" "$(cat "$RUN/${mib}MiB/fcm.json")"
			sep=$',\n'
		done
		printf '\n]\n'
	} >"$out"
	for mib in $FCM_BENCH_MIB; do
		sed 's/[{},":]/ /g' "$RUN/${mib}MiB/fcm.json" | awk -v m="$mib" '{
			for (i = 1; i < NF; i++) v[$i] = $(i + 1)
			printf "%5s MiB %10s %12s %10s %10s %10.1f\n", m, v["files"], v["bytes"],
				v["scan_ms"], v["write_ms"], v["bytes"] / 1048576 / (v["write_ms"] / 1000)
		}'
	done
	log "figures: $out"
}
