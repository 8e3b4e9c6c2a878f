# failover-threads-user
# As failover-file-syscall, with pmwork with 4 threads counting under a mutex, running user code (floating point) when the 1stOS panics: it survives in the 2ndOS with its PID and goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
PM_WORKLOAD=threads
PM_TIMING=user
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
