# pm-file-syscall
# Process migration on the kdump path: pmwork (file reader/writer) runs protected in the 1stOS, blocked in a system call when the 1stOS panics; the crash kernel writes back the file cache, re-creates it from the dead kernel's memory with CRIU (same PID), and it goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
: "${PM_WORKLOAD:=file}" "${PM_TIMING:=syscall}"
PM_DIR=$LAB_USER_MOUNT/pm
# PM_PIPE=1: pmwork's output goes through a pipe to cat, under a shell,
# all three protected (pm-pipe).
if [ "${PM_PIPE:-}" = 1 ]; then PM_LOG=$PM_DIR/pipe.log; else PM_LOG=$PM_DIR/pmwork.log; fi

scenario() {
	step 600 "boot the 1stOS with crashkernel=256M" boot_1stos_kdump
	step 60 "load the crash kernel (mode pm: file cache, then processes)" load_crash_kernel
	step 120 "pmwork $PM_WORKLOAD $PM_TIMING runs protected and checks itself" start_workload
	step 60 "the 1stOS panics while pmwork runs" crash_1stos
	step 300 "the crash kernel boots, writes back the file cache, re-creates pmwork" wait_kdump
	step 120 "orthros-pm re-created it with its PID; it was caught $PM_TIMING" check_restore
	step 120 "pmwork goes on in the crash kernel, every self-check passing" check_running
}


load_crash_kernel() {
	guest /opt/orthros/lab/kdump-load pm
}

# The PID the workload got in the 1stOS, kept for the checks after.
pm_pid() { cat "$RUN/pm.gpid"; }

start_workload() {
	# Writeback held off: the file's data lives in the page cache only.
	guest sysctl -w vm.dirty_expire_centisecs=360000 vm.dirty_writeback_centisecs=0 \
		vm.dirty_background_ratio=50 vm.dirty_ratio=80 >/dev/null || return
	# High PIDs, far from those a freshly booted kernel hands out.
	guest "mkdir -p $PM_DIR && echo 20000 >/proc/sys/kernel/ns_last_pid" || return
	if [ "${PM_PIPE:-}" = 1 ]; then
		guest "cd $PM_DIR && setsid orthrosctl run -- sh -c 'pmwork $PM_WORKLOAD $PM_TIMING $PM_DIR | cat >$PM_LOG' </dev/null >/dev/null 2>&1 &" || return
	else
		guest "cd $PM_DIR && setsid orthrosctl run -- pmwork $PM_WORKLOAD $PM_TIMING $PM_DIR </dev/null >$PM_LOG 2>&1 &" || return
	fi
	until [ "$(guest "grep -c alive $PM_LOG || true" 2>/dev/null)" -ge 3 ] 2>/dev/null; do
		guest "grep FAIL $PM_LOG" && { fail "pmwork failed before the crash"; return 1; }
		sleep 1
	done
	guest "sed -n 's/.*pid=\([0-9]*\).*/\1/p' $PM_LOG | head -n1" >"$RUN/pm.gpid"
	if [ "${PM_PIPE:-}" = 1 ]; then
		# The shell is protected; pmwork and cat are its children.
		guest "sed -n 's/^PPid:\t//p' /proc/$(pm_pid)/status" >"$RUN/sh.gpid"
		expect_eq "the protected set" "$(guest orthrosctl protect)" "$(cat "$RUN/sh.gpid")" || return
	else
		expect_eq "the protected set" "$(guest orthrosctl protect)" "$(pm_pid)" || return
	fi
	[ "$PM_WORKLOAD" != net ] || start_peer || return
	guest "tail -n 2 $PM_LOG"
}

# The net workload's peer: on the host, through the service NIC's forwards.
start_peer() {
	start_pmpeer --duration 900 || return
	until [ "$(guest "grep -c alive $PM_LOG || true")" -ge 6 ]; do sleep 1; done
	log "peer: $(tail -n 1 "$RUN/peer.log")"
}

# The peer never reconnected, never saw a wrong byte, and goes on.
check_peer() {
	local before after
	before=$(grep -c 'pmpeer: ok' "$RUN/peer.log")
	sleep 5
	after=$(grep -c 'pmpeer: ok' "$RUN/peer.log")
	grep -E 'stall|resumed' "$RUN/peer.log" | tail -n 2
	if grep FAIL "$RUN/peer.log"; then
		fail "the peer saw the connection break or a wrong byte"
		return 1
	fi
	grep -q 'resumed after' "$RUN/peer.log" || { fail "the peer's stream did not resume"; return 1; }
	[ "$after" -gt "$before" ] || { fail "the peer makes no progress"; return 1; }
	[ "$(grep -c 'pmpeer: connected' "$RUN/peer.log")" = 1 ] || { fail "the peer connected more than once"; return 1; }
	log "ok: peer: $(tail -n 1 "$RUN/peer.log")"
	# UDP: the server's sequence numbers (kept in the process's memory) go
	# on from where they were and never restart. (Replies do not reach the
	# host: the lab's user networking is restricted; the server sees the
	# peer's datagrams and checks their sequence numbers itself.)
	guest_on b "sed -n 's/.* udp=\([0-9]*\)\$/\1/p' $PM_LOG" >"$RUN/udp-seq"
	awk -v crash="$(cat "$RUN/alive-before")" 'NR > 1 && $1 < prev { print "udp sequence went back:", prev, "->", $1; bad = 1 }
		NR == crash { at = $1 } { prev = $1 }
		END { print "udp server_seq", at, "at the crash,", prev, "now"; exit bad || !(prev > at) }' "$RUN/udp-seq" ||
		{ fail "the UDP sequence did not go on"; return 1; }
}

crash_1stos() {
	# A signal pmwork blocks: queued in the dead kernel, pending after.
	guest "kill -USR2 $(pm_pid)" || return
	until guest "grep -q 'sigusr2 pending' $PM_LOG"; do sleep 1; done
	guest "grep -c alive $PM_LOG" >"$RUN/alive-before"
	# The write timing: the panic comes inside pmwork's next file write.
	if [ "$PM_TIMING" = write ]; then
		crash_on a "panic-write $(pm_pid)" || return
	elif [ "$PM_TIMING" = syscall ]; then
		# Not a race: the panic waits for pmwork to sleep in a system call.
		crash_on a "panic-blocked $(pm_pid)" || return
	else
		crash_on a panic || return
	fi
	log "panic requested after $(cat "$RUN/alive-before") alive lines"
}


# What the timing means in orthros-pm's report of the dead threads.
expected_state() {
	case "$PM_TIMING" in
	syscall) echo "in system call (35|230|7|271|23|202|0|45)," ;;	# nanosleep, clock_nanosleep, poll, ppoll, select, futex, read, recvfrom
	write) echo "in system call (1|18)," ;;			# write, pwrite64
	user) echo "in user code" ;;
	any) echo "(in system call [0-9]+,|in user code)" ;;	# a big process: wherever it was
	esac
}

# orthros-pm's report and exit status in the survivor: here the crash
# kernel's init ran it (lab/guest/init); the failover scenarios override.
pm_report() { guest_on b cat /run/pm.log; }
pm_status() { guest_on b cat /run/pm.rc; }

check_restore() {
	pm_report >"$RUN/pm.log" || return
	cat "$RUN/pm.log"
	guest_on b "cat /var/lib/orthros/pm/*/restore.log" >"$RUN/criu-restore.log" 2>&1 || true
	expect_eq "orthros-pm exit status" "$(pm_status)" 0 || return
	grep -Eq "pm:   thread [0-9]+: $(expected_state)" "$RUN/pm.log" ||
		{ fail "no thread was caught $PM_TIMING ($(expected_state))"; return 1; }
	if ! expect_eq "pmwork runs in the survivor with its PID" \
		"$(guest_on b cat /proc/"$(pm_pid)"/comm)" pmwork; then
		guest_on b "tail -n 5 $PM_LOG; dmesg | tail -n 5"
		return 1
	fi
	if [ "${PM_PIPE:-}" = 1 ]; then
		expect_eq "the shell and both ends of the pipe run again" \
			"$(guest_on b "ps -o comm= --ppid $(cat "$RUN/sh.gpid") | sort | tr '\n' ' '")" "cat pmwork " || return
	fi
}

check_running() { # check_running [SIDE]: where pmwork runs now (b)
	local side=${1:-b} before after
	before=$(guest_on "$side" "grep -c alive $PM_LOG") || return
	sleep 10
	after=$(guest_on "$side" "grep -c alive $PM_LOG") || return
	guest_on "$side" "tail -n 3 $PM_LOG"
	if guest_on "$side" "grep FAIL $PM_LOG"; then
		fail "pmwork found an inconsistency after the restore"
		return 1
	fi
	[ "$after" -gt "$before" ] || { fail "pmwork does not go on ($before -> $after alive lines)"; return 1; }
	log "ok: $(cat "$RUN/alive-before") alive lines before the crash, $after now"
	guest_on "$side" "kill -0 $(pm_pid)" || { fail "pmwork is gone"; return 1; }
	[ "$PM_WORKLOAD" != net ] || check_peer
}
