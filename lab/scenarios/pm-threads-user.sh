# pm-threads-user
# As pm-file-syscall, with pmwork (4 threads sharing counters under a mutex) running user code (floating point) when the 1stOS panics.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=900
PM_WORKLOAD=threads
PM_TIMING=user
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
