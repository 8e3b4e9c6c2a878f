# clock-continuity
# The wall clock across two failovers: an OS after the 1stOS has no CMOS of its own and takes the wall clock from the shared memory at its boot. The 2ndOS, the 3rdOS it boots after the 1stOS panics, and the 3rdOS again after the 2ndOS panics each read the host's time within 1 s; pmwork, protected and restored twice, finds its wall clock never went back nor jumped ahead.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1500
. "$LAB_DIR/scenarios/failover-file-syscall.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 30 "the 1stOS's wall clock is set from the host's (the lab's time service)" clock_set a
	step 30 "the 1stOS's wall clock is the host's" clock_near a 1
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 30 "the 2ndOS's wall clock is the host's" clock_near b 2
	step 120 "pmwork runs protected in the 1stOS and checks itself" start_workload
	step 60 "the 1stOS panics" crash_1stos
	step 300 "the 2ndOS takes over and boots the 3rdOS" wait_failover 1
	step 60 "every phase succeeded" check_failover 1
	step 30 "the survivor's wall clock is still the host's" clock_near b 2
	step 30 "the 3rdOS's wall clock is the host's" clock_near a 3
	step 120 "pmwork goes on in the 2ndOS; its wall clock never jumped" check_running b
	step 60 "the 2ndOS panics" crash_on b panic
	step 300 "the 3rdOS takes over" wait_failover 2
	step 60 "every phase succeeded" check_failover 2
	step 30 "the 3rdOS's wall clock after the failover" clock_near a 3
	step 120 "pmwork goes on in the 3rdOS; its wall clock never jumped" check_running a
}
