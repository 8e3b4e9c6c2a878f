# syscall-inflight
# Three system calls caught half done by the panic, on the Software LPAR: inflight (protected in the 1stOS) is inside an O_APPEND write whose 64 KiB are in the page cache but which has not returned, while another thread sleeps in a TCP send that queued part of its data and a third in a 1 MiB pipe write that put part of it in the pipe (the kernel panics on exactly that, orthros_crash panic-written). After the failover the 2ndOS gives each call the part done as its result instead of running it again: every record is in the file once, every byte reaches the host peer once, no reconnect, and every byte comes out of the pipe once, in order.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
IF_DIR=$LAB_USER_MOUNT/inflight
IF_LOG=$IF_DIR/inflight.log

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "inflight runs protected in the 1stOS, the host peer streams 1 MB/s through it" start_inflight
	step 120 "the 1stOS panics with an append, a TCP send and a pipe write half done" crash_half_done
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "every phase succeeded" check_failover 1
	step 60 "orthros-pm completed the three calls with the part done, restarted none" check_completed
	step 120 "inflight goes on in the 2ndOS: each record once in the file, each byte once to the peer and out of the pipe" check_inflight
}

if_pid() { cat "$RUN/inflight.gpid"; }

start_inflight() {
	# Writeback held off: the appended records live in the page cache only.
	guest sysctl -w vm.dirty_expire_centisecs=360000 vm.dirty_writeback_centisecs=0 \
		vm.dirty_background_ratio=50 vm.dirty_ratio=80 >/dev/null || return
	guest "mkdir -p $IF_DIR && echo 20000 >/proc/sys/kernel/ns_last_pid" || return
	guest "cd $IF_DIR && setsid orthrosctl run -- inflight $IF_DIR </dev/null >$IF_LOG 2>&1 &" || return
	until guest "grep -q 'inflight: start' $IF_LOG" 2>/dev/null; do sleep 1; done
	guest "sed -n 's/.*start pid=\([0-9]*\).*/\1/p' $IF_LOG" >"$RUN/inflight.gpid"
	until guest "grep -q 'pipe writer tid=' $IF_LOG" 2>/dev/null; do sleep 1; done
	guest "sed -n 's/.*pipe writer tid=\([0-9]*\).*/\1/p' $IF_LOG" >"$RUN/piper.tid"
	expect_eq "the protected set" "$(guest orthrosctl protect)" "$(if_pid)" || return
	start_pmpeer --rate 1000000 --duration 10800 || return
	sleep 3
	guest "grep FAIL $IF_LOG" && { fail "inflight failed before the crash"; return 1; }
	guest "tail -n 1 $IF_LOG"
	log "peer: $(tail -n 1 "$RUN/peer.log")"
}

crash_half_done() {
	guest "tail -n 1 $IF_LOG" >"$RUN/alive-before"
	# The main thread (TID = PID) serves TCP; any thread's append may be the one.
	crash_on a "panic-written $(if_pid) $(if_pid) $(cat "$RUN/piper.tid")" || return
	log "panic requested; last line before: $(cat "$RUN/alive-before")"
}

check_completed() {
	grep '^pm:' "$RUN/failover-1.log" | tee "$RUN/pm.log"
	# write(2) of a whole 64 KiB record to append.dat; send(2) (sendto, 44)
	# of part of its bytes.
	grep -Eq "pm:   thread [0-9]+: in system call 1, completed: 65536 bytes done" "$RUN/pm.log" ||
		{ fail "the append was not completed with its 65536 bytes"; return 1; }
	grep -Eq "pm:   thread [0-9]+: in system call 44, completed: [0-9]+ bytes done" "$RUN/pm.log" ||
		{ fail "the TCP send was not completed with the part it queued"; return 1; }
	# write(2) of 1 MiB into the pipe, part of it there.
	grep -Eq "pm:   thread $(cat "$RUN/piper.tid"): in system call 1, completed: [0-9]+ bytes done" "$RUN/pm.log" ||
		{ fail "the pipe write was not completed with the part it put in the pipe"; return 1; }
	expect_eq "inflight runs in the 2ndOS with its PID" \
		"$(guest_on b cat /proc/"$(if_pid)"/comm)" inflight
}

check_inflight() {
	local before after
	before=$(guest_on b "grep -c alive $IF_LOG") || return
	sleep 10
	after=$(guest_on b "grep -c alive $IF_LOG") || return
	guest_on b "tail -n 2 $IF_LOG"
	if guest_on b "grep FAIL $IF_LOG"; then
		fail "inflight found a record twice, lost or wrong, or a wrong byte from the peer"
		return 1
	fi
	[ "$after" -gt "$before" ] || { fail "inflight does not go on ($before -> $after alive lines)"; return 1; }
	# It went on appending (each append checks the file's size and, every
	# 16, its every byte) and echoing.
	guest_on b "tail -n 1 $IF_LOG" | awk -v was="$(cat "$RUN/alive-before")" '
		function field(s, k) { match(s, k "=[0-9]+"); return substr(s, RSTART + length(k) + 1, RLENGTH - length(k) - 1) + 0 }
		{ exit !(field($0, "appended") > field(was, "appended") + 16 && field($0, "tcp_out") > field(was, "tcp_out") &&
			 field($0, "piped") > field(was, "piped") + 1048576) }' ||
		{ fail "inflight made no progress appending, echoing or through its pipe since the crash"; return 1; }
	grep FAIL "$RUN/peer.log" && { fail "the peer saw a wrong, lost or repeated byte, or the connection break"; return 1; }
	grep -q 'resumed after' "$RUN/peer.log" || { fail "the peer's stream did not resume"; return 1; }
	[ "$(grep -c 'pmpeer: connected' "$RUN/peer.log")" = 1 ] || { fail "the peer connected more than once"; return 1; }
	log "ok: inflight: $(guest_on b "tail -n 1 $IF_LOG"); peer: $(tail -n 1 "$RUN/peer.log")"
}
