# failover-partial
# Failover on the Software LPAR with a protected process that cannot be carried over (ip monitor, blocked on a netlink socket) beside pmwork: the failover records which process was left behind and why, and still re-creates pmwork, which goes on checking itself.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
. "$LAB_DIR/scenarios/failover-file-syscall.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 60 "ip monitor runs protected (a netlink socket: not restorable)" start_unrestorable
	step 120 "pmwork runs protected beside it" start_pmwork
	step 60 "the 1stOS panics" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "the record names the process left behind and why; the restore still ran" check_record
	step 120 "pmwork goes on in the 2ndOS with its PID; ip monitor is not there" check_others
}

start_unrestorable() {
	guest "echo 30000 >/proc/sys/kernel/ns_last_pid" || return
	guest "setsid orthrosctl run -- ip monitor link </dev/null >/dev/null 2>&1 &" || return
	until guest "pgrep -x ip" >"$RUN/ip.gpid"; do sleep 0.5; done
	expect_eq "the protected set" "$(guest orthrosctl protect)" "$(cat "$RUN/ip.gpid")"
}

# pmwork's start, with the ip monitor already in the protected set.
start_pmwork() {
	guest "mkdir -p $PM_DIR && echo 20000 >/proc/sys/kernel/ns_last_pid" || return
	guest "cd $PM_DIR && setsid orthrosctl run -- pmwork file syscall $PM_DIR </dev/null >$PM_LOG 2>&1 &" || return
	until [ "$(guest "grep -c alive $PM_LOG || true" 2>/dev/null)" -ge 3 ] 2>/dev/null; do sleep 1; done
	guest "sed -n 's/.*pid=\([0-9]*\).*/\1/p' $PM_LOG | head -n1" >"$RUN/pm.gpid"
	expect_eq "the protected set" "$(guest orthrosctl protect | sort -n | tr '\n' ' ')" \
		"$(printf '%s\n' "$(cat "$RUN/ip.gpid")" "$(pm_pid)" | sort -n | tr '\n' ' ')"
}

check_record() {
	local processes restore
	processes=$(grep '^phase name=processes ' "$RUN/failover-1.timeline")
	restore=$(grep '^phase name=restore ' "$RUN/failover-1.timeline")
	log "$processes"
	log "$restore"
	case "$processes" in
	*"status=failed"*"1 not restorable: $(cat "$RUN/ip.gpid") (ip): "*socket*) ;;
	*) fail "the processes phase does not name ip monitor and its socket"; return 1 ;;
	esac
	case "$restore" in
	*"status=ok"*"1 of 1 process trees restored"*) ;;
	*) fail "pmwork's tree was not restored"; return 1 ;;
	esac
	grep -q '^end downtime_ms=[0-9]' "$RUN/failover-1.timeline" ||
		{ fail "no downtime: the restored process was not counted as resumed"; return 1; }
}

check_others() {
	expect_eq "pmwork runs in the 2ndOS with its PID" "$(guest_on b cat /proc/"$(pm_pid)"/comm)" pmwork || return
	if [ "$(guest_on b cat /proc/"$(cat "$RUN/ip.gpid")"/comm 2>/dev/null)" = ip ]; then
		fail "ip monitor runs in the 2ndOS with its PID: it was resumed"
		return 1
	fi
	check_running
}
