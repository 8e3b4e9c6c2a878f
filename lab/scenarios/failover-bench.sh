# failover-bench
# Benchmark: downtime of a failover on the Software LPAR, panic -> protected process running again, median and max per phase over FAILOVER_TRIALS (10) trials of pmwork file syscall, each on a fresh lab machine; in the same run, REBOOT_TRIALS (5) of what a user has today: reset the machine, boot, start pmwork again and run it to the point it had reached; the ratio. Figures in build/lab/results/failover-bench.json.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=7200
: "${FAILOVER_TRIALS:=10}" "${REBOOT_TRIALS:=5}" "${BENCH_ROUNDS:=5}"
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
BASE=$RUN	# each trial has a folder of its own in it

scenario() {
	local k
	for k in $(seq "$FAILOVER_TRIALS"); do
		step 600 "failover trial $k of $FAILOVER_TRIALS" failover_trial "$k"
	done
	for k in $(seq "$REBOOT_TRIALS"); do
		step 600 "reboot trial $k of $REBOOT_TRIALS" reboot_trial "$k"
	done
	step 30 "the figures side by side" report
}

alive() { guest_on "$1" "grep -c alive $PM_LOG || true" 2>/dev/null; }

now() { date +%s.%N; }

# Until pmwork on SIDE has printed more than N alive lines; the time then.
wait_alive() { # wait_alive SIDE N
	until [ "$(alive "$1")" -gt "$2" ] 2>/dev/null; do
		qemu_alive || { fail "QEMU exited"; return 1; }
		sleep 0.1
	done
	now
}

trial_dir() { RUN=$BASE/$1; mkdir -p "$RUN"; }

end_trial() {
	kill "$(cat "$RUN/qemu.pid")" 2>/dev/null || true
	while qemu_alive; do sleep 0.2; done
	rm -f "$RUN"/*.qcow2
}

failover_trial() {
	local t0 t1 n
	trial_dir "failover-$1"
	boot_1stos >/dev/null && boot_backup a 2 >/dev/null || return
	start_workload >/dev/null || return
	wait_alive a "$BENCH_ROUNDS" >/dev/null || return
	guest insmod /opt/orthros/kmod/orthros_crash.ko || return
	t0=$(now)
	crash_on a panic &	# its answer may never come: do not wait for it
	# Running again, as the host sees it: its PID is there in the 2ndOS.
	until guest_on b -t 5 "kill -0 $(pm_pid) 2>/dev/null" 2>/dev/null; do
		qemu_alive || { fail "QEMU exited"; return 1; }
		sleep 0.1
	done
	t1=$(now)
	wait_failover 1 >/dev/null || return
	check_failover 1 >/dev/null || { end_trial; fail "failover $1 did not succeed"; return 1; }
	n=$(alive b)
	wait_alive b "$n" >/dev/null || return
	end_trial
	# Downtime by the guest's clock (timeline) and as the host saw pmwork go on.
	awk -v host="$(echo "$t1 - $t0" | bc)" '
		$1 == "phase" { split($2, n, "="); split($3, s, "="); split($4, e, "="); printf "%s %.3f\n", n[2], e[2] - s[2] }
		$1 == "end" { split($2, d, "="); printf "downtime %.3f\nhost %.3f\n", d[2], host * 1000 }' \
		"$RUN/failover-1.timeline" >"$RUN/figures"
	log "failover $1: $(tr '\n' ' ' <"$RUN/figures")"
}

reboot_trial() {
	local t0 t1 n
	trial_dir "reboot-$1"
	boot_1stos >/dev/null || return
	guest "mkdir -p $PM_DIR && setsid pmwork $PM_WORKLOAD $PM_TIMING $PM_DIR </dev/null >$PM_LOG 2>&1 &" || return
	n=$(wait_alive a "$BENCH_ROUNDS" >/dev/null && alive a) || return
	guest insmod /opt/orthros/kmod/orthros_crash.ko || return
	wc -c <"$RUN/console-com1.log" >"$RUN/console-offset-1"
	t0=$(now)
	crash_on a panic &
	# The best a plain machine does: reset at once, boot, start again.
	until grep -aq 'Kernel panic' <(tail -c +$(($(cat "$RUN/console-offset-1") + 1)) "$RUN/console-com1.log"); do sleep 0.05; done
	qmp system_reset >/dev/null || return
	sleep 1
	wc -c <"$RUN/console-com1.log" >"$RUN/console-offset-1"
	wait_ready a 1 >/dev/null || return
	guest "setsid pmwork $PM_WORKLOAD $PM_TIMING $PM_DIR </dev/null >$PM_LOG 2>&1 &" || return
	t1=$(wait_alive a "$((n - 1))") || return
	end_trial
	printf "reboot %.3f\n" "$(echo "($t1 - $t0) * 1000" | bc)" >"$RUN/figures"
	log "reboot $1: back at alive line $n after $(cut -d' ' -f2 "$RUN/figures") ms"
}

values() { awk -v p="$1" '$1 == p { print $2 }' "$BASE"/*/figures; }

report() {
	local out=$BUILD/lab/results/failover-bench.json name med max n hmed dmed rmed
	mkdir -p "$(dirname "$out")"
	printf '%-12s %10s %10s %4s\n' "ms" "median" "max" "n"
	{
		printf '{\n  "date": "%s",\n  "workload": "pmwork %s %s",\n' "$(date -u +%FT%TZ)" "$PM_WORKLOAD" "$PM_TIMING"
		for name in $(awk '{ print $1 }' "$BASE"/failover-1/figures) reboot; do
			read -r med max n < <(values "$name" | stats)
			printf '%-12s %10s %10s %4s\n' "$name" "$med" "$max" "$n" >&3
			printf '  "%s_ms": {"median": %s, "max": %s, "n": %s, "values": [%s]},\n' \
				"$name" "$med" "$max" "$n" "$(values "$name" | paste -sd,)"
		done
		hmed=$(values host | stats | cut -d' ' -f1)
		dmed=$(values downtime | stats | cut -d' ' -f1)
		rmed=$(values reboot | stats | cut -d' ' -f1)
		printf '  "reboot_over_failover_host": %s,\n  "reboot_over_failover_downtime": %s\n}\n' \
			"$(echo "scale=2; $rmed / $hmed" | bc)" "$(echo "scale=2; $rmed / $dmed" | bc)"
	} 3>&1 >"$out"
	printf 'reboot and restart / failover: %s as the host saw pmwork go on, %s by the timeline downtime\n' \
		"$(sed -n 's/.*"reboot_over_failover_host": \(.*\),/\1/p' "$out")" \
		"$(sed -n 's/.*"reboot_over_failover_downtime": \(.*\)/\1/p' "$out")"
	log "figures in $out"
}
