# failover-file-syscall
# Failover on the Software LPAR: pmwork (file reader/writer) runs protected in the 1stOS, blocked in a system call when it panics; the 2ndOS beside it fences it, adopts its user disk and service NIC, mounts the disk at the same path, takes its IP, writes back its file cache and re-creates pmwork from its memory (same PID), which goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
. "$LAB_DIR/scenarios/pm-file-syscall.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "pmwork $PM_WORKLOAD $PM_TIMING runs protected in the 1stOS and checks itself" start_workload
	step 60 "the 1stOS panics while pmwork runs" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "every phase succeeded: the 2ndOS has the devices, the disk at its path, the IP" check_failover 1
	step 120 "pmwork was re-created with its PID, caught $PM_TIMING" check_restore
	step 120 "pmwork goes on in the 2ndOS, every self-check passing" check_running
}

# orthrosd ran orthros-pm: its report is in the failover's log, its result
# in the timeline's processes and restore phases.
pm_report() { cat "$RUN/failover-1.log"; }
pm_status() {
	if grep -Eq '^phase name=(processes|restore) .* status=failed' "$RUN/failover-1.timeline"; then
		echo failed
	else
		echo 0
	fi
}
