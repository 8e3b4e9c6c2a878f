# lpar-coexist-long
# lpar-coexist with 5 minutes of load on both OSes at once.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=1500
LOAD_SECONDS=${LOAD_SECONDS:-300}
. "$LAB_DIR/scenarios/lpar-coexist.sh"
