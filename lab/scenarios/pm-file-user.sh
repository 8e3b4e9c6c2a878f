# pm-file-user
# As pm-file-syscall, with pmwork (file reader/writer) running user code (floating point) when the 1stOS panics.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=900
PM_WORKLOAD=file
PM_TIMING=user
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
