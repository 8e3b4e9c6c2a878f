# backup-panic
# The BackupOS panics: the ActiveOS gets its failure notice, fences its core, shows itself unprotected. A 2ndOS from a corrupt kernel image never comes up: at the boot's deadline the ActiveOS declares it dead, fences its core and frees the slot. A fresh BackupOS then boots (no "busy") and is monitored.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "boot the 2ndOS" boot_backup a 2
	step 30 "the 2ndOS panics (sysrq c)" panic_backup
	step 30 "the 1stOS got the event, fenced APIC 3 and is unprotected" check_backup_event
	step 60 "a 2ndOS from a corrupt kernel image never comes up: the boot fails at its 8 s deadline" boot_corrupt
	step 30 "the 1stOS declared it dead (never came up), fenced APIC 3 and is unprotected" check_never_up
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

# The payload zeroed in the middle: its decompressor stops, the kernel never runs.
boot_corrupt() {
	local out
	guest "cp /opt/orthros/kernel/bzImage /run/corrupt-bzImage &&
		dd if=/dev/zero of=/run/corrupt-bzImage bs=64k seek=32 count=8 conv=notrunc 2>/dev/null" || return
	if out=$(guest_on a -t 60 ". /opt/orthros/lab/topology.sh; orthrosctl boot -n 2 -t 8 -k /run/corrupt-bzImage -- \$LAB_KERNEL_ARGS" 2>&1); then
		printf '%s\n' "$out"
		fail "orthrosctl boot says a corrupt kernel came up"
		return 1
	fi
	printf '%s\n' "$out"
	case "$out" in
	*"did not come up within 8 s (state=dead"*) ;;
	*) fail "orthrosctl did not report the boot dead at its deadline"; return 1 ;;
	esac
}

check_never_up() {
	local ev
	# The record is dead when orthrosctl gives up; the event follows the
	# fencing, a moment later (a clean-clone CI read the old one).
	until ev=$(guest cat /sys/kernel/orthros/last_event) && [[ "$ev" == seq=2* ]]; do sleep 0.5; done
	log "1stOS last_event: $ev"
	case "$ev" in *"seq=2 type=4 nth=2 "*"fenced=yes apics=3 proven=0 reason=never came up: not up "*) ;;
	*) fail "not a fenced BackupOS that never came up, on APIC 3"; return 1 ;; esac
	guest cat /sys/kernel/orthros/monitor | grep -q "protected=no" || { fail "the 1stOS says protected"; return 1; }
	guest "grep -q '^orthros-event seq=2 type=backup-hang' /var/log/orthros/events.log" ||
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
