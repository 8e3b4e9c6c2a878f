# fcm-kdump-baseline
# As fcm-kdump, but the crash kernel only mounts the user disk and runs no migrator: acknowledged writes must be lost, which proves fcm-kdump can fail.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200
FCM_MODE=none
. "$LAB_DIR/scenarios/fcm-kdump.sh"
