# repeat-limits
# Graceful limits of repeatable boot: a partition with only the BSP and one AP (CPUs 1 and 2 left out) leaves the 2ndOS no spare AP after it took over from the 1stOS: the failover still saves pmwork, the 2ndOS runs on unprotected and says so (timeline, console, orthrosctl status), nothing is lost.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
. "$LAB_DIR/scenarios/failover-file-syscall.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS with a partition of two CPUs: the BSP and APIC 3" boot_two_cpus
	step 120 "pmwork runs protected in the 1stOS" start_workload
	step 60 "the 1stOS panics" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "pmwork was saved; the re-split found no spare AP; the 2ndOS says it is unprotected" check_unprotected
	step 120 "pmwork goes on in the 2ndOS, every self-check passing" check_running
}

boot_two_cpus() {
	guest "sed -e '/^cpu [12]\$/d' /etc/orthros/partition.conf >/run/partition-2cpu.conf && grep '^cpu' /run/partition-2cpu.conf" || return
	boot_backup a 2 -p /run/partition-2cpu.conf || return
	guest "od -An -tu4 -j12 -N4 /sys/kernel/orthros/partition" | grep -qw 2 ||
		{ fail "the partition in force does not have 2 CPUs"; return 1; }
}

check_unprotected() {
	local phase
	for phase in takeover devices mount network filecache processes restore resume; do
		grep -q "^phase name=$phase .* status=ok" "$RUN/failover-1.timeline" ||
			{ fail "phase $phase did not succeed"; return 1; }
	done
	grep '^phase name=resplit ' "$RUN/failover-1.timeline" | grep -q 'no spare AP for a BackupOS' ||
		{ fail "the re-split does not say there is no spare AP"; return 1; }
	grep '^phase name=next ' "$RUN/failover-1.timeline" | grep -q 'status=failed.*this OS runs UNPROTECTED' ||
		{ fail "the timeline does not say the 2ndOS runs unprotected"; return 1; }
	grep -aq 'this OS runs UNPROTECTED' "$RUN/console-com2.log" ||
		{ fail "the console does not say it"; return 1; }
	guest_on b orthrosctl status | tee "$RUN/status" | grep -E '^(this OS|CPUs|protected|failovers)'
	grep -q '^protected    NO: ' "$RUN/status" || { fail "orthrosctl status does not say NO"; return 1; }
	grep -q ' failover=1 dead=1 survivor=2 type=active-panic ok=0 ' "$RUN/status" ||
		{ fail "the history does not hold the failover as not wholly ok"; return 1; }
	check_restore
}
