# backup-panic
# The BackupOS panics: the ActiveOS gets its failure notice, fences its core, shows itself unprotected, and a fresh BackupOS boots and is monitored.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "boot the 2ndOS" boot_backup a 2
	step 30 "the 2ndOS panics (sysrq c)" panic_backup
	step 30 "the 1stOS got the event, fenced APIC 3 and is unprotected" check_backup_event
	step 300 "a fresh 2ndOS boots into the slot" boot_backup a 2
	step 30 "the 1stOS is protected again" protected
}

panic_backup() {
	guest_on b -t 5 'echo c >/proc/sysrq-trigger' >/dev/null 2>&1 || true
}

check_backup_event() {
	local ev i
	for i in $(seq 20); do
		ev=$(guest cat /sys/kernel/orthros/last_event) && [ "$ev" != none ] && break
		sleep 0.5
	done
	log "1stOS last_event: $ev"
	case "$ev" in *" type=3 "*"fenced=yes apics=3 "*"sysrq triggered crash"*) ;;
	*) fail "not a fenced BackupOS panic on APIC 3"; return 1 ;; esac
	guest cat /sys/kernel/orthros/monitor | grep -q "protected=no" || { fail "the 1stOS still says protected"; return 1; }
	guest "grep -q '^orthros-event seq=1 type=backup-panic' /var/log/orthros/events.log" ||
		{ fail "orthrosd did not log it"; return 1; }
	expect_eq "BackupOS record state" "$(guest cat /sys/kernel/orthros/backup | cut -d' ' -f1)" "state=dead"
}

protected() {
	local i
	for i in $(seq 20); do
		guest cat /sys/kernel/orthros/monitor | grep -q "protected=yes" && { log "ok: protected"; return 0; }
		sleep 0.5
	done
	fail "the 1stOS is not protected by the new 2ndOS"
}
