# detect-hang
# Every ActiveOS core spins with interrupts off: the BackupOS declares it dead within the timeout + 10 %, fences it, and sees the memory it kept changing stop changing.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "boot the 2ndOS" boot_backup a 2
	step 30 "hang the 1stOS: all cores spin with interrupts off, one keeps writing the probe word" hang_active
	step 30 "before the verdict the probe word still moves (the test can see a running core)" probe_moves
	step 30 "the 2ndOS declared a hang within timeout + 10 % and fenced APIC 0-2" check_hang_event
	step 30 "after fencing the probe word stands still" probe_still
}

probe() { guest_on b cat /sys/kernel/orthros/monitor | sed -n 's/.*probe=\([0-9]*\).*/\1/p'; }

hang_active() {
	guest 'insmod /opt/orthros/kmod/orthros_crash.ko' || return
	date +%s.%N >"$RUN/hang-start"
	guest -t 0.5 'echo hang >/proc/orthros_crash' >/dev/null 2>&1 || true
}

probe_moves() {
	local a b
	a=$(probe) && sleep 0.3 && b=$(probe) || return
	log "probe word $a -> $b"
	if [ "$(guest_on b cat /sys/kernel/orthros/last_event)" != none ]; then
		log "(the verdict came first; the moving probe cannot be seen this time)"
		return 0
	fi
	[ "$a" != "$b" ] || { fail "the hung core does not write the probe word"; return 1; }
}

check_hang_event() {
	local ev i detect timeout period
	for i in $(seq 40); do
		ev=$(guest_on b cat /sys/kernel/orthros/last_event) && [ "$ev" != none ] && break
		sleep 0.25
	done
	log "2ndOS last_event: $ev"
	case "$ev" in *" type=2 "*"fenced=yes apics=0,1,2 proven=3 "*) ;; *) fail "not a fenced hang of APIC 0-2, each proven by the park stub"; return 1 ;; esac
	detect=$(sed -n 's/.* detect_ms=\([0-9]*\).*/\1/p' <<<"$ev")
	read -r period timeout < <(guest_on b cat /sys/kernel/orthros/monitor |
		sed -n 's/period_ms=\([0-9]*\) timeout_ms=\([0-9]*\).*/\1 \2/p')
	log "no alive notice for $detect ms before the verdict (timeout $timeout ms, period $period ms)"
	# The last notice came up to one period before the hang began.
	[ "$detect" -le $((timeout * 110 / 100 + period)) ] ||
		{ fail "detected after $detect ms, over the timeout + 10 %"; return 1; }
}

probe_still() {
	local a b
	a=$(probe) && sleep 1 && b=$(probe) || return
	expect_eq "probe word over 1 s after fencing" "$b" "$a"
}
