# detect-trials
# Benchmark: 20 trials of an ActiveOS panic (sysrq c), each on a fresh lab machine; detection latency (panic entry -> BackupOS event) and fencing time, median and max, in build/lab/results/detect-trials.json.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=3000
: "${TRIALS:=20}"

scenario() {
	local k
	for k in $(seq "$TRIALS"); do
		step 300 "trial $k of $TRIALS: boot both, panic the 1stOS, read the 2ndOS's event" trial "$k"
	done
	step 30 "report" report
}

trial() {
	local base=$RUN line
	RUN=$base/trial-$1
	mkdir -p "$RUN"
	boot_1stos >/dev/null && boot_backup a 2 >/dev/null || return
	sleep 1
	guest -t 0.5 'echo c >/proc/sysrq-trigger' >/dev/null 2>&1 || true
	for _ in $(seq 40); do
		line=$(guest_on b "grep '^orthros-event' /var/log/orthros/events.log" 2>/dev/null) && break
		sleep 0.25
	done
	kill "$(cat "$RUN/qemu.pid")" 2>/dev/null || true
	rm -f "$RUN"/*.qcow2
	log "trial $1: $line"
	case "$line" in *"type=active-panic"*"fenced=yes"*) ;; *) fail "no fenced panic event"; return 1 ;; esac
	sed -n 's/.* detect_ms=\([0-9.]*\) fence_ms=\([0-9.]*\).*/\1 \2/p' <<<"$line" >>"$base/latencies"
}

report() {
	local out=$BUILD/lab/results/detect-trials.json d f
	read -r dmed dmax n < <(cut -d' ' -f1 "$RUN/latencies" | stats)
	read -r fmed fmax _ < <(cut -d' ' -f2 "$RUN/latencies" | stats)
	mkdir -p "$(dirname "$out")"
	d=$(cut -d' ' -f1 "$RUN/latencies" | paste -sd,)
	f=$(cut -d' ' -f2 "$RUN/latencies" | paste -sd,)
	printf '{\n  "date": "%s",\n  "trials": %s,\n  "detect_ms": [%s],\n  "detect_ms_median": %s,\n  "detect_ms_max": %s,\n  "fence_ms": [%s],\n  "fence_ms_median": %s,\n  "fence_ms_max": %s\n}\n' \
		"$(date -u +%FT%TZ)" "$n" "$d" "$dmed" "$dmax" "$f" "$fmed" "$fmax" >"$out"
	printf '\n%d trials: panic entry -> BackupOS event: median %s ms, max %s ms; fence sent after: median %s ms, max %s ms\n\n' \
		"$n" "$dmed" "$dmax" "$fmed" "$fmax"
	log "figures in $out"
}
