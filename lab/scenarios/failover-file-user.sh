# failover-file-user
# As failover-file-syscall, with pmwork (file reader/writer), running user code (floating point) when the 1stOS panics: it survives in the 2ndOS with its PID and goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
PM_WORKLOAD=file
PM_TIMING=user
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
