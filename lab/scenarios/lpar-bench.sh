# lpar-bench
# Benchmark: time from 'orthrosctl boot' to BackupOS up (5 boots); an ActiveOS CPU benchmark without and with a running BackupOS, and with monitoring off and on, as ratios; figures in build/lab/results/lpar-bench.json.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=1800
: "${BENCH_BOOTS:=5}" "${BENCH_ROUNDS:=3}"

scenario() {
	local i
	step 600 "boot the 1stOS" boot_1stos
	step 30 "the 1stOS gives up APIC 3 so both runs use the same 3 cores" offline_cpu3
	step 600 "CPU benchmark in the 1stOS, no BackupOS ($BENCH_ROUNDS rounds)" cpu_bench without
	for i in $(seq "$BENCH_BOOTS"); do
		step 300 "boot $i: the 2ndOS, timed" boot_backup a 2
		[ "$i" = "$BENCH_BOOTS" ] || step 60 "boot $i: stop it" guest orthrosctl stop
	done
	step 600 "CPU benchmark in the 1stOS beside a running BackupOS ($BENCH_ROUNDS rounds)" cpu_bench with
	step 30 "switch monitoring off in both OSes" monitoring off
	step 600 "CPU benchmark, BackupOS running, monitoring off ($BENCH_ROUNDS rounds)" cpu_bench monitor-off
	step 30 "switch monitoring on again; both OSes protected" monitoring on
	step 30 "report" report
}

offline_cpu3() {
	guest 'echo 0 >/sys/devices/system/cpu/cpu3/online' &&
	expect_eq "online CPUs of the 1stOS" "$(guest cat /sys/devices/system/cpu/online)" "0-2"
}

# Three parallel SHA-256 streams of 256 MiB, one per core, timed in the guest.
cpu_bench() {
	local r t
	for r in $(seq "$BENCH_ROUNDS"); do
		t=$(guest -t 600 'a=$(date +%s.%N); for i in 1 2 3; do head -c 268435456 /dev/zero | sha256sum >/dev/null & done; wait; b=$(date +%s.%N); awk -v a=$a -v b=$b "BEGIN { print b - a }"') || return
		log "cpu benchmark ($1 BackupOS) round $r: $t s"
		echo "$t" >>"$RUN/cpu-$1"
	done
}

monitoring() { # monitoring on|off: in both OSes
	local side
	for side in a b; do
		guest_on "$side" "echo $1 >/sys/kernel/orthros/monitor" || return
	done
	[ "$1" = off ] && return 0
	sleep 1
	for side in a b; do
		guest_on "$side" cat /sys/kernel/orthros/monitor | grep -q "protected=yes" ||
			{ fail "ctl-$side is not protected after monitoring came back"; return 1; }
	done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

report() {
	local up without with off ratio mratio out=$BUILD/lab/results/lpar-bench.json
	up=$(median <"$RUN/backup-up-seconds")
	without=$(median <"$RUN/cpu-without")
	with=$(median <"$RUN/cpu-with")
	off=$(median <"$RUN/cpu-monitor-off")
	ratio=$(echo "scale=3; $with / $without" | bc)
	mratio=$(echo "scale=3; $with / $off" | bc)
	mkdir -p "$(dirname "$out")"
	cat >"$out" <<JSON
{
  "date": "$(date -u +%FT%TZ)",
  "run": "$RUN",
  "backup_up_seconds": [$(paste -sd, "$RUN/backup-up-seconds")],
  "backup_up_seconds_median": $up,
  "cpu_seconds_without_backup": [$(paste -sd, "$RUN/cpu-without")],
  "cpu_seconds_with_backup": [$(paste -sd, "$RUN/cpu-with")],
  "cpu_ratio_with_over_without": $ratio,
  "cpu_seconds_monitoring_off": [$(paste -sd, "$RUN/cpu-monitor-off")],
  "cpu_ratio_monitoring_on_over_off": $mratio
}
JSON
	printf '\n%-44s %s\n' "boot command -> BackupOS up, seconds:" "$(paste -sd' ' "$RUN/backup-up-seconds") (median $up)"
	printf '%-44s %s\n' "ActiveOS CPU benchmark without BackupOS, s:" "$(paste -sd' ' "$RUN/cpu-without") (median $without)"
	printf '%-44s %s\n' "ActiveOS CPU benchmark with BackupOS, s:" "$(paste -sd' ' "$RUN/cpu-with") (median $with)"
	printf '%-44s %s\n' "ratio with / without:" "$ratio"
	printf '%-44s %s\n' "the same, monitoring off, s:" "$(paste -sd' ' "$RUN/cpu-monitor-off") (median $off)"
	printf '%-44s %s\n\n' "ratio monitoring on / off:" "$mratio"
	log "figures written to $out"
}
