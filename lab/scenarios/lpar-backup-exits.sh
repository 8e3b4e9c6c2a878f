# lpar-backup-exits
# Reboot, power-off and panic in the BackupOS stop only its own core: the machine and the 1stOS run on, and a new BackupOS boots after each.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200

scenario() {
	local how
	step 600 "boot the 1stOS" boot_1stos
	step 30 "start a ticker in the 1stOS" start_ticker
	for how in reboot poweroff panic; do
		step 300 "$how: boot the 2ndOS" boot_backup a 2
		step 60 "$how: the 2ndOS ${how}s; it stops, the machine runs on" exit_backup "$how"
		step 30 "$how: the ActiveOS clears the BackupOS's core (orthrosctl stop; fenced already if the monitor saw it die)" guest orthrosctl stop
	done
	step 30 "the 1stOS's ticker never stalled more than 2 s" check_ticker
	step 30 "no kernel errors on the 1stOS's console" check_active_console
}


exit_backup() {
	local key
	case "$1" in reboot) key=b ;; poweroff) key=o ;; panic) key=c ;; esac
	# The command does not return: the OS stops under it.
	guest_on b -t 5 "echo $key >/proc/sysrq-trigger" >/dev/null 2>&1 || true
	sleep 2
	if guest_on b -t 5 true 2>/dev/null; then
		fail "the 2ndOS still answers after $1"
		return 1
	fi
	qmp query-status | grep -q '"status": *"running"' || { fail "the machine is not running: $(qmp query-status)"; return 1; }
	expect_eq "the 1stOS answers, NthOS" "$(guest cat /sys/kernel/orthros/nth)" 1 || return
	# A panicking BackupOS is fenced by the ActiveOS within milliseconds of
	# its failure notice, before its own console says much: its reason
	# travels through the shared memory.
	case "$1" in
	panic) guest cat /sys/kernel/orthros/last_event | grep -q "sysrq triggered crash" ;;
	*) tail -c +$(($(cat "$RUN/console-offset-2") + 1)) "$RUN/console-com2.log" | grep -q "NthOS 2 stops its own cores" ;;
	esac || { fail "no sign of the 2ndOS's $1"; return 1; }
	log "ok: the 2ndOS stopped by $1; machine and 1stOS running"
}


check_active_console() {
	if grep -nE "$KERNEL_ERRORS" "$RUN/console-com1.log"; then
		fail "kernel errors on the 1stOS's console"
		return 1
	fi
	log "the 1stOS's console is clean"
}
