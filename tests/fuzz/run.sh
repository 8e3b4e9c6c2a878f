#!/usr/bin/env bash
# Run libFuzzer harnesses, each for SECONDS, from its corpus in the
# repository (tests/fuzz/corpus/NAME) and its dictionary if it has one
# (tests/fuzz/NAME.dict), and for the structure readers from seeds made
# for the synthetic kernel's layout (BUILD/fuzz/seeds). New inputs go to
# BUILD/fuzz/corpus/NAME, crashes to BUILD/fuzz/NAME-crash-*, a summary
# to BUILD/fuzz/results.json; the checkout is left as it was.
# usage: run.sh BUILD SECONDS NAME...
set -euo pipefail

build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$build" && pwd)/fuzz
passed=0 failed=0 json=
for name in "$@"; do
	mkdir -p "$out/corpus/$name"
	"$out/seeds" "$name" "$out/corpus/$name"
	log="$out/$name.log"
	rc=0 dict=() kept=()
	[ -e "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	[ -d "$here/corpus/$name" ] && kept=("$here/corpus/$name")
	"$out/fuzz_$name" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" \
		"$out/corpus/$name" "${kept[@]}" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		echo "fuzz $name: ${runs:-?} runs in $seconds s, no crash"
	else
		failed=$((failed + 1))
		echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; see $log and $out/$name-*"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$log" || true
	fi
	json+="${json:+,}{\"name\":\"$name\",\"seconds\":$seconds,\"runs\":${runs:-0},\"exit\":$rc}"
done
echo "{\"harnesses\":[$json]}" >"$out/results.json"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
