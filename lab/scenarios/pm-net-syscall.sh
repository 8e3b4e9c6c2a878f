# pm-net-syscall
# As pm-file-syscall, with pmwork talking TCP and UDP to a peer on the host (through the service NIC's forwards), blocked in poll() waiting for the peer when the 1stOS panics: the TCP connection survives without reconnecting, every byte exact both ways, UDP sequence numbers go on.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=900
PM_WORKLOAD=net
PM_TIMING=syscall
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
