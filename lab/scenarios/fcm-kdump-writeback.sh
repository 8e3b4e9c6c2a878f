# fcm-kdump-writeback
# As fcm-kdump, with writeback running all the time (pages written back within a second, the ext4 journal committing every 5 s): pages the dead kernel had written back but whose blocks the journal never committed are clean in memory yet missing on disk; the migrator must find and write them too.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200
FCM_WRITEBACK=fast
. "$LAB_DIR/scenarios/fcm-kdump.sh"
