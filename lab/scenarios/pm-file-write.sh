# pm-file-write
# As pm-file-syscall, with pmwork (file reader/writer) inside a write() to its file when the 1stOS panics.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=900
PM_WORKLOAD=file
PM_TIMING=write
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
