# detect-panic
# The ActiveOS panics (sysrq c): its failure notice reaches the BackupOS, which fences every ActiveOS core and hands the event, timed, to orthrosd.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
: "${CRASH:=sysrq}"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "boot the 2ndOS" boot_backup a 2
	step 30 "both OSes monitor each other (heartbeats advance)" monitoring_on
	step 30 "the 1stOS panics ($CRASH)" crash_active
	step 30 "the 2ndOS detected the panic, fenced APIC 0-2, orthrosd has the event" check_event 1 "$EXPECT_REASON"
	step 30 "the fenced 1stOS no longer answers, the machine runs" fenced_gone
}

EXPECT_REASON=${EXPECT_REASON:-"sysrq triggered crash"}

heartbeat_of() { guest_on "$1" cat /sys/kernel/orthros/monitor | sed -n 's/.*peer_heartbeat=\([0-9]*\).*/\1/p'; }

monitoring_on() {
	local side a b
	for side in a b; do
		a=$(heartbeat_of "$side") && sleep 1 && b=$(heartbeat_of "$side") || return
		log "ctl-$side sees the other's heartbeat go $a -> $b"
		[ "$b" -gt "$a" ] || { fail "no heartbeat seen on ctl-$side"; return 1; }
		guest_on "$side" cat /sys/kernel/orthros/monitor | grep -q "protected=yes" ||
			{ fail "ctl-$side does not see its peer"; return 1; }
	done
}

crash_active() {
	case "$CRASH" in
	sysrq) guest -t 5 'echo c >/proc/sysrq-trigger' >/dev/null 2>&1 || true ;;
	syscall)
		crash_on a panic || return ;;
	esac
	log "crash requested"
}

check_event() { # check_event TYPE REASON: the BackupOS's last event
	local ev i
	for i in $(seq 20); do
		ev=$(guest_on b cat /sys/kernel/orthros/last_event) && [ "$ev" != none ] && break
		sleep 0.5
	done
	log "2ndOS last_event: $ev"
	case "$ev" in *" type=$1 "*) ;; *) fail "not an event of type $1"; return 1 ;; esac
	case "$ev" in *"fenced=yes apics=0,1,2 proven=3 "*) ;; *) fail "the ActiveOS's cores were not all fenced and proven stopped by the park stub"; return 1 ;; esac
	case "$ev" in *"$2"*) ;; *) fail "the reason does not say: $2"; return 1 ;; esac
	guest_on b "grep '^orthros-event seq=1 ' /var/log/orthros/events.log" ||
		{ fail "orthrosd did not log the event"; return 1; }
	echo "$ev" >"$RUN/event"
}

# ctl-a is the channel of odd-numbered OSes: once orthrosd has re-split the
# machine, the 3rdOS may answer there, and that is right; the 1stOS must not.
fenced_gone() {
	local nth
	if nth=$(guest -t 5 cat /sys/kernel/orthros/nth 2>/dev/null); then
		[ "$nth" != 1 ] || { fail "the fenced 1stOS still answers"; return 1; }
		log "ctl-a answers as the $(ordinal "$nth") (the next BackupOS), not the 1stOS"
	fi
	qmp query-status | grep -q '"running"' || { fail "the machine stopped"; return 1; }
	expect_eq "the 2ndOS answers" "$(guest_on b cat /sys/kernel/orthros/nth)" 2
}
