# monitor-soak
# No false failover: 10 minutes of load on both OSes (all ActiveOS cores busy, disk and HTTP traffic) with the default monitoring period and timeout.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=1800
LOAD_SECONDS=${LOAD_SECONDS:-600}
. "$LAB_DIR/scenarios/lpar-coexist.sh"
