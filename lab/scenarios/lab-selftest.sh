# lab-selftest
# The harness can fail: an unknown scenario is refused with the list, a guest that does not boot fails at its step and names its console log.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=400

scenario() {
	step 30 "an unknown scenario name is refused, the known ones listed" unknown_name
	step 300 "a guest that cannot boot fails step 1, names its console, stops there" no_boot
}

unknown_name() {
	local out rc=0
	out=$("$LAB_DIR/run-scenarios.sh" no-such-scenario 2>&1) || rc=$?
	expect_eq "exit status for an unknown scenario" "$rc" 2 &&
	grep -q "unknown scenario 'no-such-scenario'" <<<"$out" &&
	grep -q "boot-topology" <<<"$out" || { fail "unclear refusal: $out"; return 1; }
}

no_boot() {
	local out rc=0 console
	out=$(ORTHROS_SCENARIO_DIR=$LAB_DIR/scenarios/selftest "$LAB_DIR/run-scenarios.sh" noboot 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/    | /'
	expect_eq "exit status of a failed scenario" "$rc" 1 || return
	grep -q "=== FAIL noboot .* at step 1: boot the 1stOS" <<<"$out" || { fail "the failed step is not named"; return 1; }
	grep -q "1 failed" <<<"$out" || { fail "no failure count"; return 1; }
	console=$(sed -n 's/^ *console: //p' <<<"$out" | head -n1)
	[ -s "$console" ] || { fail "no console log path printed"; return 1; }
	grep -q "Kernel panic" "$console" || { fail "$console does not show the panic"; return 1; }
	! grep -q "step 2" <<<"$out" || { fail "the scenario went on after a failed step"; return 1; }
	log "ok: failure reported with console $console"
}
