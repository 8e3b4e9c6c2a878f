# pm-net-write
# As pm-file-syscall, with pmwork talking TCP and UDP to a peer on the host (through the service NIC's forwards), inside a write() to a file between messages when the 1stOS panics: the TCP connection survives without reconnecting, every byte exact both ways, UDP sequence numbers go on.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=900
PM_WORKLOAD=net
PM_TIMING=write
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
