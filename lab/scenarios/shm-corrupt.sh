# shm-corrupt
# A dying OS scribbles over the inter-OS shared memory, then panics: the 1stOS zeros, the 2ndOS random bytes, the 3rdOS every count at its maximum and the BackupOS's APIC ID 0; each time the survivor still detects it, fences its cores only, refuses the recovery it cannot do with a reason in the record, makes the shared memory anew and boots the next BackupOS; last the 5thOS, the BackupOS, zeros it and panics and the 4thOS fences that core alone. No survivor crashes or fences itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=2400
MODES="zeros random counts"

scenario() {
	local n=1 mode
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	for mode in $MODES; do
		step 60 "the $(ordinal "$n") scribbles $mode over the shared memory, then panics" scribble "$n" "$mode"
		step 400 "the $(ordinal $((n + 1))) detects and fences it, and runs what it can" wait_failover "$n"
		step 60 "the $(ordinal $((n + 1))) is up, the ActiveOS, the refusal named; the $(ordinal $((n + 2))) boots" \
			check_survivor "$n"
		n=$((n + 1))
	done
	step 60 "the $(ordinal $((n + 1))), the BackupOS, zeros the shared memory and panics" scribble $((n + 1)) zeros
	step 60 "the $(ordinal "$n") fences that core alone and stays up" check_backup_fenced "$n"
}

scribble() { # scribble N MODE: the NthOS overwrites the shared memory and panics
	local side next=$(($1 + 2))
	side=$(side_of "$1")
	# The OS the survivor boots writes to this port: judge only its lines.
	wc -c <"$RUN/console-com$(( (next - 1) % LAB_COM_PORTS + 1 )).log" >"$RUN/console-offset-$next"
	wc -c <"$RUN/console-com$(( (next - 2) % LAB_COM_PORTS + 1 )).log" >"$RUN/survivor-offset-$1"
	crash_on "$side" "scribble $2"
}

# The survivor's own console since the crash: no kernel error of its own.
survivor_clean() { # survivor_clean DEAD-N
	local com=$(( $1 % LAB_COM_PORTS + 1 )) off
	off=$(cat "$RUN/survivor-offset-$1")
	if tail -c +$((off + 1)) "$RUN/console-com$com.log" | grep -naE 'BUG:|Oops|WARNING:|general protection|Call Trace|Kernel panic'; then
		fail "the $(ordinal $(($1 + 1))) logged a kernel error (console-com$com.log)"
		return 1
	fi
}

check_survivor() { # check_survivor DEAD-N
	local n=$(($1 + 1)) side ev
	side=$(side_of "$n")
	survivor_clean "$1" || return
	expect_eq "role of the $(ordinal "$n")" "$(guest_on "$side" cat /sys/kernel/orthros/role)" active || return
	ev=$(guest_on "$side" cat /sys/kernel/orthros/last_event) || return
	log "last_event: $ev"
	case "$ev" in *"fenced=yes apics="*) ;; *) fail "the dead OS was not fenced"; return 1 ;; esac
	grep '^phase name=takeover ' "$RUN/failover-$1.timeline" ||
		{ fail "no takeover phase in the record"; return 1; }
	# Its memory map was overwritten: no view of the dead memory, and the record says so.
	grep '^phase name=takeover ' "$RUN/failover-$1.timeline" | grep -q 'status=failed detail=".*dead memory cannot be read' ||
		{ fail "the record does not say why nothing was recovered"; return 1; }
	guest_on "$side" "dmesg | grep -E 'shared memory was overwritten|vmcore:'" || true
	grep '^phase name=next ' "$RUN/failover-$1.timeline" | grep -q 'status=ok' ||
		{ fail "the $(ordinal "$n") did not boot the next BackupOS on the shared memory made anew"; return 1; }
	wait_ready "$(side_of $((n + 1)))" $((n + 1))
}

check_backup_fenced() { # check_backup_fenced N: the NthOS, ActiveOS, after its BackupOS died
	local side ev i
	side=$(side_of "$1")
	for i in $(seq 40); do
		ev=$(guest_on "$side" cat /sys/kernel/orthros/last_event) &&
			case "$ev" in *" type=3 "*) break ;; esac
		sleep 0.5
	done
	log "last_event of the $(ordinal "$1"): $ev"
	case "$ev" in *" type=3 "*"fenced=yes apics="[0-9]" "*) ;;
	*) fail "not a fenced BackupOS panic of one core"; return 1 ;; esac
	expect_eq "role of the $(ordinal "$1")" "$(guest_on "$side" cat /sys/kernel/orthros/role)" active
}
