# failover-file-write
# As failover-file-syscall, with pmwork (file reader/writer), in a file write when the 1stOS panics: it survives in the 2ndOS with its PID and goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
PM_WORKLOAD=file
PM_TIMING=write
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
