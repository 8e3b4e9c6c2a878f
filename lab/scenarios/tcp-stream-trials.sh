# tcp-stream-trials
# Long tier: tcp-stream for 30 failovers in a row (1stOS to 31stOS), each panic at a random moment of the 1 MB/s echo stream: every byte right both ways, one connection; the calls caught half done are counted.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=10800
TCP_STREAM_CRASHES=${TCP_STREAM_CRASHES:-30}
. "$LAB_DIR/scenarios/tcp-stream.sh"
