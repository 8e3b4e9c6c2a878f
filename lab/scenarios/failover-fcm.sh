# failover-fcm
# Failover on the Software LPAR, file cache: a writer keeps records dirty in the 1stOS's page cache (appends, overwrites, a new directory and file just before the crash); the 1stOS panics; the 2ndOS takes over the user disk, mounts it at the same path and writes back what the dead kernel had not: every acknowledged write is on disk byte for byte, e2fsck -fn clean.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200
. "$LAB_DIR/scenarios/fcm-kdump.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 180 "the writer runs with writeback held off; then a new directory and file" start_writer
	step 60 "the 1stOS panics in a system call" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "every phase succeeded: the 2ndOS has the user disk at $LAB_USER_MOUNT" check_failover 1
	step 60 "the file cache was written back, the late file re-created" check_migration
	step 120 "the user disk is unmounted and the machine stopped" stop_machine
	step 300 "e2fsck -fn of the user disk is clean" fsck_user
	step 300 "the acknowledged writes against the disk" verify_writes
}

check_migration() {
	grep '^fcm: ' "$RUN/failover-1.log"
	grep -q "fcm: /fcm/late/fresh.dat: " "$RUN/failover-1.log" || { fail "the late file was not migrated"; return 1; }
	grep -q "fcm: /fcm/append.dat: wrote" "$RUN/failover-1.log" || { fail "append.dat was not migrated"; return 1; }
	grep '^phase name=filecache ' "$RUN/failover-1.timeline"
}
