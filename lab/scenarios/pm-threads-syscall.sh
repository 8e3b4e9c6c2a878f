# pm-threads-syscall
# As pm-file-syscall, with pmwork (4 threads sharing counters under a mutex) blocked in a system call when the 1stOS panics.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=900
PM_WORKLOAD=threads
PM_TIMING=syscall
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
