# pm-trials
# Every process-migration cell (pm-WORKLOAD-TIMING) three times, each run on a fresh lab machine; passes only if all runs pass.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=7200
: "${PM_TRIALS:=3}"

cells() { (cd "$LAB_DIR/scenarios" && ls pm-*-*.sh | sed 's/\.sh$//' | grep -v -e '^pm-trials$' -e '^pm-bench$'); }

scenario() {
	local cell i
	for i in $(seq "$PM_TRIALS"); do
		for cell in $(cells); do
			step 900 "$cell, run $i of $PM_TRIALS" run_cell "$cell"
		done
	done
}

run_cell() {
	local out rc=0
	out=$("$LAB_DIR/run-scenarios.sh" "$1" 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -E '^(=== |FAIL|pm:   thread)' | sed 's/^/    | /'
	[ "$rc" = 0 ] || { fail "$1 failed"; return 1; }
	echo "$1" >>"$RUN/passed"
}
