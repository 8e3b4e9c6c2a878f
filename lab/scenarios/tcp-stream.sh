# tcp-stream
# A TCP stream through three failovers: inflight echoes the host peer's pattern (1 MB/s each way, every byte checked on both sides) protected in the 1stOS; the NthOS panics at a random moment of the stream, three times (1stOS -> 2ndOS -> 3rdOS -> 4thOS). No wrong, lost or repeated byte, no reconnect: a receive the dead kernel had copied into the program, or a send it had queued, counts as done (tcp-stream-trials: 30 such failovers). Beside it through the first failover, tcpclose holds five connections with a host peer in CLOSE_WAIT, FIN_WAIT2, FIN_WAIT1 and LAST_ACK (behind a shut window) and CLOSE (data unread): each is in its state after the failover and both ends get every byte to its end of file. And forkstate: children forked by the main thread and by a second thread, and a zombie; after the failover both children beat on with their parent and the zombie is reaped with its status.
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
	step 120 "tcpclose holds five connections in closing states, protected in the 1stOS" start_tcpclose
	step 60 "forkstate: children of the main thread and of another, and a zombie, protected" start_forkstate
	for n in $(seq "$TCP_STREAM_CRASHES"); do
		step 60 "the $(ordinal "$n") panics at a random moment of the stream" crash_random "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "the stream goes on in the $(ordinal $((n + 1))): every byte once, no reconnect" \
			check_stream $((n + 1))
		[ "$n" != 1 ] || step 120 "the closing connections go on in the 2ndOS, each in its state" \
			check_tcpclose 2
		[ "$n" != 1 ] || step 60 "forkstate's children and zombie are its own in the 2ndOS" \
			check_forkstate 2
	done
	step 10 "the peer's figures" stream_figures
}

TC_LOG=$LAB_USER_MOUNT/tcpclose.log

tc_wait() { # tc_wait SIDE PATTERN: until the server's log has it; FAIL ends the wait
	until guest_on "$1" "grep -q '$2' $TC_LOG" 2>/dev/null; do
		guest_on "$1" "grep FAIL $TC_LOG" 2>/dev/null && { fail "tcpclose serve failed"; return 1; }
		grep FAIL "$RUN/tcpclose-peer.log" && { fail "tcpclose peer failed"; return 1; }
		sleep 1
	done
}

start_tcpclose() {
	guest "cd $LAB_USER_MOUNT && setsid orthrosctl run -- tcpclose serve 7002 </dev/null >$TC_LOG 2>&1 &" || return
	tc_wait a listening || return
	guest "sed -n 's/.*listening pid=\([0-9]*\).*/\1/p' $TC_LOG" >"$RUN/tcpclose.gpid"
	setsid "$BUILD/bin/tcpclose" peer "127.0.0.1:$(host_port net-svc 7002)" \
		</dev/null >"$RUN/tcpclose-peer.log" 2>&1 &
	echo $! >"$RUN/tcpclose-peer.pid"
	tc_wait a 'serve: ready' || return
	until grep -q 'peer: ready' "$RUN/tcpclose-peer.log"; do
		grep FAIL "$RUN/tcpclose-peer.log" && { fail "tcpclose peer failed"; return 1; }
		sleep 1
	done
	guest "cat $TC_LOG"
}

check_tcpclose() { # check_tcpclose N: the NthOS runs tcpclose serve now
	local side
	side=$(side_of "$1")
	# The server first: it checks every state before the peer moves any.
	guest_on "$side" "kill -USR1 $(cat "$RUN/tcpclose.gpid")" || return
	tc_wait "$side" 'state it was left in' || return
	kill -USR1 "$(cat "$RUN/tcpclose-peer.pid")" || return
	tc_wait "$side" 'serve: PASS' || return
	until grep -q 'peer: PASS' "$RUN/tcpclose-peer.log"; do
		grep FAIL "$RUN/tcpclose-peer.log" && { fail "tcpclose peer failed"; return 1; }
		sleep 1
	done
	guest_on "$side" "cat $TC_LOG"
	cat "$RUN/tcpclose-peer.log"
}

FS_LOG=$LAB_USER_MOUNT/forkstate.log

start_forkstate() {
	guest "cd $LAB_USER_MOUNT && setsid orthrosctl run -- forkstate </dev/null >$FS_LOG 2>&1 &" || return
	until guest "grep -q 'forkstate: ready' $FS_LOG" 2>/dev/null; do sleep 1; done
	guest "cat $FS_LOG" | tee /dev/stderr | sed -n 's/.*parent=\([0-9]*\).*/\1/p' >"$RUN/forkstate.gpid"
	guest "ps -o pid=,ppid=,stat= --ppid $(cat "$RUN/forkstate.gpid")"
}

check_forkstate() { # check_forkstate N
	local side
	side=$(side_of "$1")
	guest_on "$side" "kill -USR1 $(cat "$RUN/forkstate.gpid")" || return
	until guest_on "$side" "grep -Eq 'forkstate: (PASS|FAIL)' $FS_LOG" 2>/dev/null; do sleep 1; done
	guest_on "$side" "cat $FS_LOG"
	guest_on "$side" "grep -q 'forkstate: PASS' $FS_LOG" || { fail "forkstate found its tree changed"; return 1; }
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
