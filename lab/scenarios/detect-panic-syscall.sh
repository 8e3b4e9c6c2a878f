# detect-panic-syscall
# As detect-panic, with the ActiveOS panicking inside a system call (a write to a test module's /proc file).
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
CRASH=syscall
EXPECT_REASON="panic in a system call"
. "$LAB_DIR/scenarios/detect-panic.sh"
