# lpar-restart-backup
# Stop the BackupOS and boot it again, three times in a row, while the ActiveOS runs on without a gap.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200

scenario() {
	local round
	step 600 "boot the 1stOS" boot_1stos
	step 30 "start a ticker in the 1stOS (a line every 0.2 s)" start_ticker
	for round in 1 2 3; do
		step 300 "round $round: boot the 2ndOS into slot 1" boot_backup a 2
		step 60 "round $round: the 2ndOS runs, its boot number is $round" check_up "$round"
		step 60 "round $round: stop the 2ndOS; it no longer answers" stop_backup
	done
	step 30 "the 1stOS's ticker never stalled more than 2 s" check_ticker
	step 30 "the 1stOS still has APIC 0-2 online and its devices" check_active
	step 30 "no kernel errors on either console" check_consoles
}


check_up() {
	local rec
	rec=$(guest cat /sys/kernel/orthros/backup) || return
	log "BackupOS record: $rec"
	case "$rec" in "state=up nth=2 apic=3 slot=1 boots=$1 "*) ;; *) fail "unexpected record"; return 1 ;; esac
	expect_eq "uptime of the new 2ndOS is small" "$(guest_on b "cut -d. -f1 /proc/uptime" | awk '{ print ($1 < 60) }')" 1
}

stop_backup() {
	guest orthrosctl stop || return
	case "$(guest cat /sys/kernel/orthros/backup)" in
	state=stopped*) log "ok: the record says stopped" ;;
	*) fail "the record does not say stopped"; return 1 ;;
	esac
	if guest_on b -t 5 true 2>/dev/null; then
		fail "the stopped 2ndOS still answers"
		return 1
	fi
	log "ok: the 2ndOS no longer answers"
}


check_active() {
	expect_eq "online CPUs of the 1stOS" "$(guest cat /sys/devices/system/cpu/online)" "0-2" &&
	expect_eq "disks of the 1stOS" "$(guest 'grep -h . /sys/block/vd*/serial' | sort | paste -sd' ')" \
		"orthros-root-a orthros-user"
}

