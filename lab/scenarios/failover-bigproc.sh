# failover-bigproc
# Failover on the Software LPAR with a process bigger than the BackupOS: pmwork with 1 GiB of touched, checksummed memory runs protected in the 1stOS; the 2ndOS (a 256 MiB slot) reads it out of the dead memory, then hot-adds general-region blocks of that memory until the restore fits, and pmwork goes on with its memory checked.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1500
: "${BIGPROC_MIB:=1024}"
. "$LAB_DIR/scenarios/pm-bench.sh"
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
# Checking 1 GiB takes most of a round: the crash finds it anywhere.
PM_TIMING=any

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 300 "pmwork with $BIGPROC_MIB MiB of checked memory runs protected" start_big "$BIGPROC_MIB"
	step 60 "the 1stOS panics" crash_1stos
	step 900 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "every phase succeeded" check_failover 1
	step 60 "the memory phase hot-added the dead OS's memory before the restore" check_memory
	step 300 "pmwork was re-created with its PID" check_restore
	step 300 "pmwork goes on in the 2ndOS, its $BIGPROC_MIB MiB checked every round" check_running
}

check_memory() {
	local slot_kib total_kib
	grep '^phase name=memory ' "$RUN/failover-1.timeline" | grep -q 'status=ok' ||
		{ fail "no memory was hot-added before the restore"; return 1; }
	slot_kib=$(( $(awk '$1 == "slot" && $2 == 1 { print $4 }' "$LAB_DIR/partition.conf" | tr -d M) * 1024 ))
	total_kib=$(guest_on b "sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo") || return
	log "the 2ndOS booted in a ${slot_kib} KiB slot; MemTotal now ${total_kib} KiB"
	[ "$total_kib" -gt $((BIGPROC_MIB * 1024)) ] || { fail "the 2ndOS did not grow past the process's size"; return 1; }
	guest_on b "grep -E 'VmRSS' /proc/$(pm_pid)/status"
}
