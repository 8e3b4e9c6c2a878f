# tcp-stream
# A TCP stream through three failovers: inflight echoes the host peer's pattern (1 MB/s each way, every byte checked on both sides) protected in the 1stOS; the NthOS panics at a random moment of the stream, three times (1stOS -> 2ndOS -> 3rdOS -> 4thOS). No wrong, lost or repeated byte, no reconnect: a receive the dead kernel had copied into the program, or a send it had queued, counts as done (tcp-stream-trials: 30 such failovers).
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1800
: "${TCP_STREAM_CRASHES:=3}"
. "$LAB_DIR/scenarios/repeat-4th.sh"
. "$LAB_DIR/scenarios/syscall-inflight.sh"
WORKLOADS=		# crash_os and wait_repeat (repeat-4th) for inflight alone

scenario() {
	local n
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "inflight echoes the host peer's 1 MB/s stream, protected in the 1stOS" start_inflight
	for n in $(seq "$TCP_STREAM_CRASHES"); do
		step 60 "the $(ordinal "$n") panics at a random moment of the stream" crash_random "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "the stream goes on in the $(ordinal $((n + 1))): every byte once, no reconnect" \
			check_stream $((n + 1))
	done
	step 10 "the peer's figures" stream_figures
}

crash_random() { # crash_random N
	sleep "0.$((RANDOM % 1000))"
	guest_on "$(side_of "$1")" "tail -n 1 $IF_LOG" >"$RUN/alive-before-$1"
	crash_os "$1"
}

check_stream() { # check_stream N: the NthOS runs inflight now
	local side before
	side=$(side_of "$1")
	before=$(grep -c 'pmpeer: ok' "$RUN/peer.log")
	sleep 5
	guest_on "$side" "grep FAIL $IF_LOG" &&
		{ fail "inflight found a wrong byte from the peer, or a record twice or lost"; return 1; }
	grep FAIL "$RUN/peer.log" && { fail "the peer saw a wrong, lost or repeated byte, or the connection break"; return 1; }
	[ "$(grep -c 'pmpeer: ok' "$RUN/peer.log")" -gt "$before" ] || { fail "the stream does not go on"; return 1; }
	[ "$(grep -c 'pmpeer: connected' "$RUN/peer.log")" = 1 ] || { fail "the peer connected more than once"; return 1; }
	grep -E 'pm:   thread [0-9]+: in system call' "$RUN/failover-$(($1 - 1)).log" || true
	log "ok: inflight: $(guest_on "$side" "tail -n 1 $IF_LOG"); peer: $(tail -n 1 "$RUN/peer.log")"
}

stream_figures() {
	local calls
	calls=$(cat "$RUN"/failover-*.log | grep -Eo 'in system call [0-9]+, (completed|to be restarted)' | sort | uniq -c | tr -s ' ' | paste -sd ';' -)
	log "after $TCP_STREAM_CRASHES failovers: $(tail -n 1 "$RUN/peer.log" | sed 's/.*pmpeer: //'); calls caught:$calls"
}
