# pm-threads-write
# As pm-file-syscall, with pmwork (4 threads sharing counters under a mutex) inside a write() to its file when the 1stOS panics.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
PM_WORKLOAD=threads
PM_TIMING=write
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
