# repeat-soak
# Long tier: repeat-4th for 20 successive failovers (1stOS to 21stOS) with the three workloads running and checking themselves: every failover's timeline recorded in the shared memory's history, no memory lost after the first switch, each OS again protected by the next.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=7200
REPEAT_CRASHES=${REPEAT_CRASHES:-20}
. "$LAB_DIR/scenarios/repeat-4th.sh"
