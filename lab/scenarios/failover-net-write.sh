# failover-net-write
# As failover-file-syscall, with pmwork talking TCP and UDP to a peer on the host (which must never reconnect), in a file write when the 1stOS panics: it survives in the 2ndOS with its PID and goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
PM_WORKLOAD=net
PM_TIMING=write
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
