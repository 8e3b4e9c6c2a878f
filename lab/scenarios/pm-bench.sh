# pm-bench
# Benchmark: process migration time (read from the dead kernel, write CRIU images, criu restore) against the process's touched memory: 1 MiB, 256 MiB and 1 GiB, each on a fresh machine through the kdump path, the process checking its memory after; figures in build/lab/results/pm-bench.json.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=3600
PM_WORKLOAD=file
PM_TIMING=syscall
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
: "${PM_BENCH_MIB:=1 256 1024}"

scenario() {
	local mib
	for mib in $PM_BENCH_MIB; do
		step 600 "[$mib MiB] boot the 1stOS with crashkernel=1536M" boot_1stos_kdump 1536M
		step 60 "[$mib MiB] load the crash kernel" load_crash_kernel
		step 300 "[$mib MiB] pmwork with $mib MiB of checked memory runs protected" start_big "$mib"
		step 60 "[$mib MiB] the 1stOS panics" crash_1stos
		step 300 "[$mib MiB] the crash kernel boots" wait_kdump
		step 900 "[$mib MiB] orthros-pm re-creates pmwork" check_restore
		step 300 "[$mib MiB] pmwork goes on, its memory checked" check_running
		step 30 "[$mib MiB] keep the figures" keep_round "$mib"
	done
	step 30 "the figures side by side" report
}

start_big() {
	guest "mkdir -p $PM_DIR && echo 20000 >/proc/sys/kernel/ns_last_pid" || return
	guest "cd $PM_DIR && PMWORK_MEM_MIB=$1 setsid orthrosctl run -- pmwork file syscall $PM_DIR </dev/null >$PM_DIR/pmwork.log 2>&1 &" || return
	until [ "$(guest "grep -c alive $PM_DIR/pmwork.log || true" 2>/dev/null)" -ge 2 ] 2>/dev/null; do
		guest "grep FAIL $PM_DIR/pmwork.log" && { fail "pmwork failed"; return 1; }
		sleep 2
	done
	guest "sed -n 's/.*pid=\([0-9]*\).*/\1/p' $PM_DIR/pmwork.log | head -n1" >"$RUN/pm.gpid"
	guest "grep -E 'VmRSS' /proc/$(pm_pid)/status"
}

keep_round() {
	mkdir -p "$RUN/$1MiB"
	guest_on b cat /run/pm.json >"$RUN/$1MiB/pm.json" || return
	cp "$RUN"/console-com*.log "$RUN/pm.log" "$RUN/$1MiB/"
	qmp quit >/dev/null || true
	while qemu_alive; do sleep 0.5; done
	rm -f "$RUN"/*.qcow2
}

report() {
	local mib out=$BUILD/lab/results/pm-bench.json sep=
	mkdir -p "$(dirname "$out")"
	printf '%10s %10s %10s %10s %10s\n' "memory" "read ms" "images ms" "criu ms" "total ms"
	{
		echo "["
		for mib in $PM_BENCH_MIB; do
			printf '%s{"memory_mib": %s, "pm": %s}' "$sep" "$mib" "$(cat "$RUN/${mib}MiB/pm.json")"
			sep=$',\n'
		done
		printf '\n]\n'
	} >"$out"
	for mib in $PM_BENCH_MIB; do
		sed 's/[{},":]/ /g' "$RUN/${mib}MiB/pm.json" | awk -v m="$mib" '{
			for (i = 1; i < NF; i++) v[$i] = $(i + 1)
			printf "%6s MiB %10s %10s %10s %10.1f\n", m, v["read_ms"], v["write_ms"],
				v["criu_ms"], v["read_ms"] + v["write_ms"] + v["criu_ms"]
		}'
	done
	log "figures: $out"
}
