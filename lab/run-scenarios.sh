#!/usr/bin/env bash
# Run lab scenarios, each on a fresh lab machine, and summarise them.
# Usage: lab/run-scenarios.sh --list | --tier TIER | NAME...
#   --list       the scenarios, their tier and what each shows
#   --tier TIER  every scenario of that tier (feature: the README's test
#                command; long: soaks, repeated trials and benchmarks)
# Every run keeps its directory, build/lab/runs/NAME-TIME: scenario.log,
# the console of every serial port (one per OS instance), qemu.log.
# Ends with the line "scenarios: N passed, N failed"; exit 0 only if all passed.
set -euo pipefail

export LAB_DIR
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
export BUILD=${ORTHROS_BUILD:-$LAB_DIR/../build}
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
# ORTHROS_SCENARIO_DIR: another folder of scenarios (the harness self-test).
scenarios=${ORTHROS_SCENARIO_DIR:-$LAB_DIR/scenarios}

describe() { sed -n '2s/^# *//p' "$scenarios/$1.sh"; }
tier_of() { sed -n 's/^SCENARIO_TIER=//p' "$scenarios/$1.sh"; }
names() { for f in "$scenarios"/*.sh; do basename "$f" .sh; done; }

list() {
	local n
	for n in $(names); do
		printf '  %-24s %-8s %s\n' "$n" "$(tier_of "$n")" "$(describe "$n")"
	done
}

case "${1:-}" in
--list)
	list
	exit 0
	;;
--tier)
	[ -n "${2:-}" ] || { echo "usage: $0 --tier feature|long" >&2; exit 2; }
	set -- $(for n in $(names); do [ "$(tier_of "$n")" = "$2" ] && echo "$n"; done)
	[ $# -gt 0 ] || { echo "no scenario has tier '${2:-}'" >&2; exit 2; }
	;;
''|-h|--help)
	echo "usage: $0 --list | --tier TIER | NAME..."
	echo "scenarios:"
	list
	[ -n "${1:-}" ] && exit 0
	exit 2
	;;
esac

for n in "$@"; do
	if [ ! -f "$scenarios/$n.sh" ]; then
		echo "unknown scenario '$n'; the known ones are:" >&2
		list >&2
		exit 2
	fi
done

# QEMU 7.2's multi-threaded TCG now and then segfaults in
# memory_region_dispatch_write (a vCPU's TLB outliving a change of the
# memory map made on another vCPU's thread; seen a few times in a hundred
# runs, at boot as well as at failover). That is the emulator failing, not
# the system under test: such a run says so and the scenario runs again,
# up to three times in all.
qemu_crashed() { grep -qx 139 "$RUN"/qemu.exit "$RUN"/*/qemu.exit 2>/dev/null; }

passed=0 failed=0 failures=()
for n in "$@"; do
	for attempt in 1 2 3; do
		RUN=$BUILD/lab/runs/$n-$(date +%Y%m%d-%H%M%S)
		[ "$attempt" = 1 ] || RUN=$RUN-again$attempt
		mkdir -p "$RUN"
		export RUN LAB_SCENARIO=$scenarios/$n.sh
		limit=$(sed -n 's/^SCENARIO_TIMEOUT=//p' "$LAB_SCENARIO")
		echo "=== scenario $n: $(describe "$n") (time-out ${limit}s)"
		start=$(date +%s)
		rc=0
		timeout -k 10 "$limit" bash -c '. "$LAB_DIR/harness.sh"; . "$LAB_SCENARIO"; scenario' \
			2>&1 | tee "$RUN/scenario.log" || rc=$?
		[ "$rc" = 124 ] && echo "FAIL: the scenario ran over its ${limit}s" | tee -a "$RUN/scenario.log"
		# The machine, and every host-side helper a scenario started (each
		# records its PID in a file NAME.pid of the run; PIDs inside the
		# guests go in NAME.gpid), go down with it.
		for f in "$RUN"/*.pid "$RUN"/*/*.pid; do
			[ -f "$f" ] || continue
			pid=$(cat "$f" 2>/dev/null || true)
			[ -n "$pid" ] || continue
			kill "$pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null && sleep 0.2; done
			kill -9 "$pid" 2>/dev/null || true
		done
		rm -f "$RUN"/*.qcow2 "$RUN"/*.sock
		secs=$(( $(date +%s) - start ))
		if [ "$rc" != 0 ] && [ "$attempt" -lt 3 ] && qemu_crashed; then
			echo "=== QEMU CRASHED in $n (${secs}s): QEMU itself died of a segfault (exit 139), see the host's dmesg; run directory $RUN; running $n again"
			continue
		fi
		if [ "$rc" = 0 ]; then
			echo "=== PASS $n (${secs}s)"
			passed=$((passed + 1))
		else
			echo "=== FAIL $n (${secs}s) at $(cat "$RUN/failed-step" 2>/dev/null || echo 'no step: the scenario itself failed')"
			echo "    run directory: $RUN"
			for c in "$RUN"/console-*.log; do
				[ -s "$c" ] && echo "    console: $c"
			done
			failed=$((failed + 1))
			failures+=("$n")
		fi
		break
	done
done
[ "$failed" = 0 ] || echo "failed scenarios: ${failures[*]}"
echo "scenarios: $passed passed, $failed failed"
[ "$failed" = 0 ]
