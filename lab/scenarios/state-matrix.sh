# state-matrix
# Kinds of process state a server holds, each in a self-checking program protected in the 1stOS: tcpclose (TCP connections with a host peer in CLOSE_WAIT, FIN_WAIT2, FIN_WAIT1 and LAST_ACK behind a shut window, and CLOSE with data unread), forkstate (children forked by the main thread and by a second thread, and a zombie), timers (ITIMER_REAL every 50 ms; POSIX timers on CLOCK_MONOTONIC and CLOCK_BOOTTIME, periodic, and on CLOCK_REALTIME, an hour on), fdkinds (an eventfd, a signalfd with a signal pending, epoll over both, a named pipe with bytes unread), unixsk (Unix stream, seqpacket and datagram socketpairs with bytes and messages queued, a listener on a path with an accepted connection, a listener on an abstract name). And refused (a SysV semaphore set it changed, an armed POSIX timer on a CPU-time clock, a one-shot alarm, a timerfd, an inotify instance, an eventfd in semaphore mode, a file descriptor in flight on a Unix socket: kinds not carried; and one of them holding a TCP connection a host client waits on). The 1stOS panics; after the failover each program finds its state as it left it (the connections in their states and every byte to its end of file; the children its own, the zombie reaped with its status; the timers armed at their rates with their ids and values; the eventfd's count, the pending signal, epoll's readiness, the named pipe's bytes, every Unix socket's queue and its listeners' names) and prints PASS, and the failover record refuses each refused program by the name of its kind, and nothing else; the client of the refused process's connection is reset at the failover, not left waiting.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900

STATE_PROGS="forkstate timers fdkinds unixsk"		# besides tcpclose, which has a host peer
# refused KIND: what the failover record must say of it
REFUSED="sysvsem:uses SysV semaphore set
posixtimer:a POSIX timer on a CPU-time or alarm clock, not carried
alarm:a one-shot alarm
timerfd:a timerfd, not carried
inotify:an inotify instance, not carried
efdsem:an eventfd in semaphore mode
tcpheld:a POSIX timer on a CPU-time or alarm clock, not carried
unixscm:file descriptors in flight to it (SCM_RIGHTS)"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "tcpclose holds five connections in closing states, protected in the 1stOS" start_tcpclose
	step 60 "forkstate, timers, fdkinds, unixsk and the refused kinds set up their state, protected in the 1stOS" start_state
	step 30 "a host client connects to the refused tcpheld and waits for an answer" start_held_client
	step 60 "the 1stOS panics in a system call" crash_on a panic
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "each refused kind refused by name, everything else restored" check_refusals 1
	step 30 "the client of the connection not carried is reset, not left waiting" check_held_client
	step 120 "the closing connections go on in the 2ndOS, each in its state" check_tcpclose 2
	step 60 "forkstate, timers, fdkinds and unixsk find their state as they left it" check_state 2
}

st_log() { echo "$LAB_USER_MOUNT/$1.log"; }

start_state() {
	local p k
	for p in $STATE_PROGS; do
		guest "cd $LAB_USER_MOUNT && setsid orthrosctl run -- $p </dev/null >$(st_log "$p") 2>&1 &" || return
	done
	while IFS=: read -r k _; do
		guest "cd $LAB_USER_MOUNT && setsid orthrosctl run -- refused $k </dev/null >$(st_log "refused-$k") 2>&1 &" || return
		until guest "grep -Eq '^refused: (ready|FAIL)' $(st_log "refused-$k")" 2>/dev/null; do sleep 1; done
		guest "grep '^refused: ready' $(st_log "refused-$k")" || { fail "refused $k failed"; return 1; }
		guest "sed -n 's/.* pid=\([0-9]*\).*/\1/p' $(st_log "refused-$k")" >"$RUN/refused-$k.gpid"
	done <<<"$REFUSED"
	for p in $STATE_PROGS; do
		until guest "grep -Eq '^$p: (ready|FAIL)' $(st_log "$p")" 2>/dev/null; do sleep 1; done
		guest "cat $(st_log "$p")" | tee /dev/stderr | grep -q "^$p: ready" || { fail "$p failed before the crash"; return 1; }
		guest "sed -n 's/.* \(pid\|parent\)=\([0-9]*\).*/\2/p' $(st_log "$p")" >"$RUN/$p.gpid"
	done
}

# The processes phase failed for the refused programs alone, each refused
# for its kind in orthros-pm's report; every other phase ok; the survivor
# took over.
check_refusals() { # check_refusals DEAD-N
	local tl=$RUN/failover-$1.timeline log=$RUN/failover-$1.log k why pid n
	grep '^phase .*status=failed' "$tl" | grep -v '^phase name=processes ' && { fail "another phase failed"; return 1; }
	n=$(grep -c . <<<"$REFUSED")
	grep -q "^phase name=processes .*; $n not restorable: " "$tl" ||
		{ fail "not exactly the $n refused programs were refused"; return 1; }
	while IFS=: read -r k why; do
		pid=$(cat "$RUN/refused-$k.gpid")
		awk -v p="pm: process $pid " 'index($0, p) == 1 { on = 1; next } /^pm: process / { on = 0 } on' "$log" |
			grep -F "NOT restorable: " | grep -qF "$why" ||
			{ fail "refused $k ($pid) is not refused for \"$why\""; return 1; }
		log "ok: refused $k ($pid): $why"
	done <<<"$REFUSED"
	check_survivor "$1"
}

# Its own process holds the client's connection to the guest's port 80:
# the client's read ends (closed.TIME in the log) when the connection does.
start_held_client() {
	setsid bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; cat <&3 >/dev/null; echo "closed $(date +%s)"' \
		held "$(host_port net-svc 80)" </dev/null >"$RUN/held-client.log" 2>&1 &
	echo $! >"$RUN/held-client.pid"
	until guest "grep -q '^refused: accepted' $(st_log refused-tcpheld)" 2>/dev/null; do sleep 1; done
	grep closed "$RUN/held-client.log" && { fail "the client's connection ended before the crash"; return 1; }
	log "the client is connected and waits"
}

check_held_client() {
	grep -q "its TCP connection port 80 -> [0-9]* reset" "$RUN/failover-1.log" ||
		{ fail "orthros-pm reset no connection of the refused tcpheld"; return 1; }
	until grep -q closed "$RUN/held-client.log"; do sleep 1; done
	log "ok: the client's connection ended at $(cut -d' ' -f2 "$RUN/held-client.log"), the failover's record written at $(stat -c %Y "$RUN/failover-1.timeline")"
}

check_state() { # check_state N: the NthOS runs the programs now
	local side p bad=0
	side=$(side_of "$1")
	for p in $STATE_PROGS; do
		guest_on "$side" "kill -USR1 $(cat "$RUN/$p.gpid")" || return
	done
	for p in $STATE_PROGS; do
		until guest_on "$side" "grep -Eq '^$p: (PASS|FAIL)' $(st_log "$p")" 2>/dev/null; do sleep 1; done
		guest_on "$side" "cat $(st_log "$p")"
		guest_on "$side" "grep -q '^$p: PASS' $(st_log "$p")" || { fail "$p found its state changed"; bad=1; }
	done
	return "$bad"
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
