# repeat-4th
# Repeatable boot (paper sections 3-5): three protected workloads (pmwork file in system calls, threads writing, net running user code with a TCP/UDP peer on the host) migrate 1stOS -> 2ndOS -> 3rdOS -> 4thOS; after each failover the survivor re-splits the machine by CPU, memory and PCI hotplug and boots the next BackupOS by itself; the workloads check themselves all along, the peer never reconnects, logical APIC IDs agree in every OS, and each OS's usable memory is kept (the paper's Table 5).
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1800
: "${REPEAT_CRASHES:=3}"
WORKLOADS="file:syscall threads:write net:user"

scenario() {
	local n
	step 600 "boot the 1stOS" boot_1stos
	step 60 "the 1stOS's CPUs and usable memory" check_os 1
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 180 "three workloads run protected in the 1stOS, each checking itself" start_workloads
	for n in $(seq "$REPEAT_CRASHES"); do
		step 60 "the $(ordinal "$n") panics" crash_os "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "the workloads go on in the $(ordinal $((n + 1)))" check_workloads $((n + 1))
		step 60 "the $(ordinal $((n + 1)))'s CPUs and usable memory" check_os $((n + 1))
	done
	step 30 "usable memory of each OS (Table 5)" memory_table
}

wl_dir() { echo "$LAB_USER_MOUNT/pm-${1%%:*}"; }
wl_log() { echo "$(wl_dir "$1")/pmwork.log"; }
alive_on() { guest_on "$1" "grep -c alive $2 || true" 2>/dev/null; }

start_workloads() {
	local w dir
	guest "echo 20000 >/proc/sys/kernel/ns_last_pid" || return
	for w in $WORKLOADS; do
		dir=$(wl_dir "$w")
		guest "mkdir -p $dir && cd $dir && setsid orthrosctl run -- pmwork ${w%%:*} ${w#*:} $dir </dev/null >$dir/pmwork.log 2>&1 &" || return
		until [ "$(alive_on a "$(wl_log "$w")")" -ge 2 ] 2>/dev/null; do
			guest "grep FAIL $(wl_log "$w")" && { fail "pmwork $w failed"; return 1; }
			sleep 1
		done
		guest "sed -n 's/.*pid=\([0-9]*\).*/\1/p' $(wl_log "$w") | head -n1" >"$RUN/pid-${w%%:*}"
	done
	expect_eq "the protected set" "$(guest orthrosctl protect | sort -n | tr '\n' ' ')" \
		"$(cat "$RUN"/pid-* | sort -n | tr '\n' ' ')" || return
	start_pmpeer --duration 10800 || return
	log "peer: $(tail -n 1 "$RUN/peer.log")"
}

crash_os() { # crash_os N: the NthOS (the ActiveOS) panics in a system call
	local side next=$(($1 + 2))
	side=$(side_of "$1")
	# The OS the survivor will boot writes to this port; judge only its lines.
	wc -c <"$RUN/console-com$(( (next - 1) % LAB_COM_PORTS + 1 )).log" >"$RUN/console-offset-$next"
	for w in $WORKLOADS; do
		alive_on "$side" "$(wl_log "$w")" >"$RUN/alive-${w%%:*}-$1"
	done
	crash_on "$side" panic || return
	log "the $(ordinal "$1") was told to panic"
}

wait_repeat() { # wait_repeat DEAD-N
	local next=$(($1 + 2)) side
	side=$(side_of $(($1 + 1)))
	wait_failover "$1" || return
	check_failover "$1" || return
	wait_ready "$(side_of "$next")" "$next" || return
	guest_on "$side" orthrosctl status | tee "$RUN/status-$(($1 + 1))" | grep -E '^(this OS|CPUs|protected|failovers| )'
	grep -q "^protected    yes: NthOS $next is the BackupOS" "$RUN/status-$(($1 + 1))" ||
		{ fail "the $(ordinal $(($1 + 1))) is not protected by the $(ordinal "$next")"; return 1; }
	[ "$(grep -Ec ' failover=[0-9]+ dead=' "$RUN/status-$(($1 + 1))")" = "$1" ] ||
		{ fail "the history does not hold $1 failovers"; return 1; }
	[ "$1" -lt 2 ] || nothing_leaks "$1"
}

# Failover after failover, nothing piles up: each survivor has the memory the
# one before it had, and the dead OS's memory map in the shared memory (what
# its /proc/vmcore showed) is the size the previous dead OS's was.
nothing_leaks() { # nothing_leaks DEAD-N
	local before=$RUN/status-$1 now=$RUN/status-$(($1 + 1))
	expect_eq "usable memory of the $(ordinal $(($1 + 1))), as the one before" \
		"$(sed -n 's/^memory .* = \(.*\)$/\1/p' "$now")" "$(sed -n 's/^memory .* = \(.*\)$/\1/p' "$before")" || return
	# (Its number of ranges depends on where its slot lies, not its size.)
	[ "$1" -lt 3 ] || expect_eq "bytes in the dead $(ordinal "$1")'s memory map, as the one before" \
		"$(sed -n 's/^dead memory .* bytes=\([0-9]*\).*/\1/p' "$now")" \
		"$(sed -n 's/^dead memory .* bytes=\([0-9]*\).*/\1/p' "$before")"
}

check_workloads() { # check_workloads N: every workload runs on in the NthOS
	local side w before after pid
	side=$(side_of "$1")
	for w in $WORKLOADS; do
		pid=$(cat "$RUN/pid-${w%%:*}")
		expect_eq "pmwork ${w%%:*} runs in the $(ordinal "$1") with its PID" \
			"$(guest_on "$side" cat /proc/"$pid"/comm)" pmwork || return
	done
	sleep 10
	for w in $WORKLOADS; do
		if guest_on "$side" "grep FAIL $(wl_log "$w")"; then
			fail "pmwork $w found an inconsistency"
			return 1
		fi
		before=$(cat "$RUN/alive-${w%%:*}-$(($1 - 1))")
		after=$(alive_on "$side" "$(wl_log "$w")")
		[ "$after" -gt "$before" ] || { fail "pmwork $w does not go on ($before -> $after)"; return 1; }
		log "ok: pmwork $w: $before alive lines at the crash, $after now"
	done
	if grep FAIL "$RUN/peer.log"; then
		fail "the peer saw the connection break or a wrong byte"
		return 1
	fi
	[ "$(grep -c 'pmpeer: connected' "$RUN/peer.log")" = 1 ] || { fail "the peer connected more than once"; return 1; }
	log "ok: peer: $(tail -n 1 "$RUN/peer.log")"
}

# Each online core's logical APIC ID is the bit of its rank among the
# partition's APIC IDs, in every OS alike; MemTotal is kept for the table.
check_os() { # check_os N
	local side cpus rank=() i=0 a
	side=$(side_of "$1")
	for a in $(awk '$1 == "cpu" { print $2 }' "$LAB_DIR/partition.conf" | sort -n); do
		rank[a]=$i
		i=$((i + 1))
	done
	cpus=$(guest_on "$side" cat /sys/kernel/orthros/cpus) || return
	printf '%s\n' "$cpus"
	while read -r _ apic logical; do
		apic=${apic#apic=} logical=${logical#logical=}
		expect_eq "logical APIC ID of APIC $apic in the $(ordinal "$1")" \
			"$((logical))" "$((1 << rank[apic]))" || return
	done <<<"$cpus"
	echo "$1 $(guest_on "$side" "sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo") $(printf '%s\n' "$cpus" | wc -l)" \
		>>"$RUN/memtotal"
	tail -n 1 "$RUN/memtotal"
	# After the first switch no memory is lost (paper Table 5): every
	# survivor has what the one before it had.
	[ "$1" -lt 3 ] || awk 'NR > 2 && $2 != prev { bad = 1 } NR > 1 { prev = $2 } END { exit bad }' "$RUN/memtotal" ||
		{ fail "the $(ordinal "$1") has less memory than the one before it"; return 1; }
}

memory_table() {
	local out=$BUILD/lab/results/repeat-memory.json
	mkdir -p "$(dirname "$out")"
	awk 'BEGIN { printf "%-6s %12s %8s %14s\n", "OS", "MemTotal KiB", "CPUs", "lost KiB" }
		{ printf "%-6s %12d %8d %14s\n", $1, $2, $3, (NR > 1 ? prev - $2 : "-"); prev = $2 }' "$RUN/memtotal"
	awk -v date="$(date -u +%FT%TZ)" 'BEGIN { printf "{\n  \"date\": \"%s\",\n  \"os\": [", date }
		{ printf "%s\n    {\"nth\": %d, \"memtotal_kib\": %d, \"cpus\": %d}", (NR > 1 ? "," : ""), $1, $2, $3 }
		END { printf "\n  ]\n}\n" }' "$RUN/memtotal" >"$out"
	log "figures in $out"
}
