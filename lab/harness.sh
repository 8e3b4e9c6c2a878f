# Scenario harness library, sourced by lab/run-scenarios.sh and by every step.
#
# A scenario is lab/scenarios/NAME.sh: a description on its second line,
# SCENARIO_TIMEOUT (seconds, the whole scenario), and a function scenario()
# made of steps:
#     step SECONDS "what this step shows" FUNCTION [ARGS...]
# Each step runs in its own process under a hard timeout, so steps share
# state only through files in $RUN (the run directory). A step fails by
# returning non-zero, typically through fail or expect_eq; the scenario
# then ends there.

: "${RUN:?}" "${BUILD:?}"
LABCTL=$BUILD/bin/labctl
. "$LAB_DIR/topology.sh"

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; return 1; }

expect_eq() { # expect_eq WHAT GOT WANT
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', want '$3'"
		return 1
	fi
	log "ok: $1 = $2"
}

step() { # step SECONDS DESCRIPTION FUNCTION [ARGS...]
	local t=$1 desc=$2 n rc=0 start
	shift 2
	n=$(( $(cat "$RUN/steps" 2>/dev/null || echo 0) + 1 ))
	echo "$n" >"$RUN/steps"
	log "step $n: $desc (time-out ${t}s)"
	start=$(date +%s)
	timeout -k 5 "$t" bash -c '. "$LAB_DIR/harness.sh"; . "$LAB_SCENARIO"; "$@"' step "$@" || rc=$?
	if [ "$rc" = 0 ]; then
		log "step $n passed in $(( $(date +%s) - start ))s"
		return 0
	fi
	[ "$rc" = 124 ] && printf 'FAIL: time-out after %ss\n' "$t" >&2
	echo "step $n: $desc" >"$RUN/failed-step"
	exit 1
}

# Run a command in the OS instance on control channel SIDE (a or b).
# The words of COMMAND are joined with spaces and run by sh -c there: quote
# a command with quotes of its own as one word.
guest_on() { # guest_on SIDE [-t SECONDS] COMMAND...
	local side=$1 t=60 rc=0
	shift
	if [ "$1" = -t ]; then t=$2; shift 2; fi
	"$LABCTL" run "$RUN/ctl-$side.sock" -t "$t" -- "$@" || rc=$?
	[ "$rc" = 0 ] || printf '[%s] (ctl-%s: exit %s from: %s)\n' "$(date +%T)" "$side" "$rc" "$*" >&2
	return "$rc"
}
guest() { guest_on a "$@"; }

# Make the OS on SIDE panic through the test module: REQUEST is "panic"
# (now, in a system call), "panic-write PID" (inside PID's next write) or
# "panic-blocked PID" (once PID sleeps in a system call).
# The panic may beat the answer: a time-out is what a dead OS gives; any
# other failure means the request was not made.
crash_on() { # crash_on SIDE REQUEST
	local rc=0
	guest_on "$1" "grep -q '^orthros_crash ' /proc/modules || insmod /opt/orthros/kmod/orthros_crash.ko" || return
	guest_on "$1" -t 5 "echo $2 >/proc/orthros_crash" >/dev/null 2>&1 || rc=$?
	case $rc in
	0|124) ;;
	*) fail "ctl-$1 could not request '$2' (exit $rc)"; return 1 ;;
	esac
}

qmp() { "$LABCTL" qmp "$RUN/qmp.sock" "$@"; }

# pmpeer, the host side of a TCP stream (tests/workloads/pmnet.h), through the
# service NIC's forwards; returns once it has its first answer. Log:
# $RUN/peer.log, PID: $RUN/peer.pid.
start_pmpeer() { # start_pmpeer [PMPEER-OPTION...]
	setsid "$BUILD/bin/pmpeer" --tcp "127.0.0.1:$(host_port net-svc 7000)" \
		--udp "127.0.0.1:$(host_port net-svc udp:7001)" --log "$RUN/peer.log" "$@" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$RUN/peer.pid"
	until grep -q 'pmpeer: ok' "$RUN/peer.log" 2>/dev/null; do
		grep 'FAIL' "$RUN/peer.log" 2>/dev/null && { fail "the peer failed"; return 1; }
		kill -0 "$(cat "$RUN/peer.pid")" 2>/dev/null || { fail "the peer exited"; return 1; }
		sleep 1
	done
}

host_port() { # host_port NIC GUEST-PORT: the host port forwarded to it
	awk -v n="$1" -v p="$2" '$1 == n && $2 == p { print $3 }' "$RUN/ports"
}

ordinal() { # 1 -> 1stOS, 2 -> 2ndOS, 3 -> 3rdOS, 11 -> 11thOS
	case "$1" in
	*1[123]) echo "${1}thOS" ;;
	*1) echo "${1}stOS" ;;
	*2) echo "${1}ndOS" ;;
	*3) echo "${1}rdOS" ;;
	*) echo "${1}thOS" ;;
	esac
}

# Median, max and count of the numbers on stdin, one a line.
stats() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f %d", m, v[NR], NR }'; }

# The lab's time service, as NTP would be on a server: the OS on SIDE gets
# the host's time, half the round trip of a first command added (the 1stOS
# reads only whole seconds from the CMOS, and TCG loses some in early boot).
clock_set() { # clock_set SIDE
	local t0 t1
	t0=$(date +%s.%N)
	guest_on "$1" true || return
	t1=$(date +%s.%N)
	guest_on "$1" "date -s @$(awk -v a="$t0" -v b="$t1" -v n="$(date +%s.%N)" 'BEGIN { printf "%.3f", n + (b - a) / 2 }') >/dev/null"
}

# The NthOS's wall clock (date in it) within 1 s of the host's, bounded by
# the host's clock before and after the question; kept in $RUN/clocks.
clock_near() { # clock_near SIDE N
	local t0 g t1
	t0=$(date +%s.%N)
	g=$(guest_on "$1" "date +%s.%N") || return
	t1=$(date +%s.%N)
	echo "$2 $t0 $g $t1" >>"$RUN/clocks"
	awk -v a="$t0" -v g="$g" -v b="$t1" 'BEGIN { ok = g >= a - 1 && g <= b + 1
		printf "%s: %.3f, the host %.3f .. %.3f\n", ok ? "within 1 s" : "OFF", g, a, b; exit !ok }' ||
		{ fail "the $(ordinal "$2")'s wall clock is more than 1 s from the host's"; return 1; }
}

qemu_alive() { [ -s "$RUN/qemu.pid" ] && kill -0 "$(cat "$RUN/qemu.pid")" 2>/dev/null; }

# Console lines that mean a kernel is unwell.
KERNEL_ERRORS='Kernel panic|BUG:|WARNING:|Oops|Call Trace|watchdog: |hung_task|INFO: task .* blocked|rcu_sched self-detected|rcu: INFO|clocksource.*unstable|No irq handler|I/O error|timed out|Attempted to kill init'

# Start the lab machine and wait until the 1stOS answers on its channel.
boot_1stos() {
	"$LAB_DIR/qemu.sh" "$RUN" || return 1
	wait_ready a 1
}

# Boot the NthOS (N >= 2) from the ActiveOS on SIDE and wait until it answers
# on its own control channel. Extra orthrosctl boot options may follow.
boot_backup() { # boot_backup ACTIVE-SIDE N [OPTIONS...]
	local side=$1 nth=$2 out
	shift 2
	# Judge this boot by what it prints: earlier OSes may have used the port.
	wc -c <"$RUN/console-com$(( (nth - 1) % LAB_COM_PORTS + 1 )).log" >"$RUN/console-offset-$nth"
	out=$(guest_on "$side" -t 200 ". /opt/orthros/lab/topology.sh; orthrosctl boot -n $nth -t 150 $* -- \$LAB_KERNEL_ARGS") ||
		{ printf '%s\n' "$out"; fail "orthrosctl boot of the $(ordinal "$nth") failed"; return 1; }
	printf '%s\n' "$out"
	printf '%s\n' "$out" | sed -n 's/^BackupOS up after \([0-9.]*\) s.*/\1/p' >>"$RUN/backup-up-seconds"
	wait_ready "$(side_of "$nth")" "$nth"
}

side_of() { # the control channel of the NthOS: a for odd N, b for even
	[ $(($1 % 2)) = 1 ] && echo a || echo b
}

# Console lines with kernel errors, from every serial port of the run.
console_errors() {
	grep -nE "$KERNEL_ERRORS" "$RUN"/console-com*.log
}

check_consoles() {
	if console_errors; then
		fail "kernel errors on a console"
		return 1
	fi
	log "consoles clean"
}

# A line every 0.2 s in the 1stOS, to show later that it never stalled.
start_ticker() {
	guest "setsid sh -c 'while :; do cut -d\" \" -f1 /proc/uptime; sleep 0.2; done >/run/ticker' </dev/null >/dev/null 2>&1 &"
}

check_ticker() {
	guest "awk 'NR > 1 && \$1 - prev > 2 { print \"gap\", prev, \$1; bad = 1 } { prev = \$1 } END { print NR, \"ticks\"; exit bad }' /run/ticker" ||
		{ fail "the 1stOS stalled"; return 1; }
}

wait_ready() { # wait_ready SIDE N: until the NthOS on SIDE runs commands
	local side=$1 nth=$2 com=$(( ($2 - 1) % LAB_COM_PORTS + 1 )) got off
	off=$(cat "$RUN/console-offset-$nth" 2>/dev/null || echo 0)
	while :; do
		qemu_alive || { fail "QEMU exited (log: $RUN/qemu.log)"; return 1; }
		if tail -c +$((off + 1)) "$RUN/console-com$com.log" | grep -qE 'Kernel panic|Attempted to kill init'; then
			fail "the $(ordinal "$nth") died while booting; console: $RUN/console-com$com.log"
			tail -c +$((off + 1)) "$RUN/console-com$com.log" | grep -E -m3 -A2 'Kernel panic|Attempted to kill init' >&2
			return 1
		fi
		if got=$(guest_on "$side" -t 5 cat /sys/kernel/orthros/nth 2>/dev/null); then
			expect_eq "NthOS number of the OS on ctl-$side" "$got" "$nth"
			return
		fi
		sleep 1
	done
}

# The kdump path (lab/guest/kdump-load): a crash kernel of the same build
# that reads the dead 1stOS's memory. It serves on ctl-b, its console COM2.
boot_1stos_kdump() { # boot_1stos_kdump [SIZE]: reserve SIZE for it (256M)
	LAB_1STOS_EXTRA=crashkernel=${1:-256M} boot_1stos
}

wait_kdump() { # until the crash kernel answers, with the user disk mounted
	until [ "$(guest_on b -t 5 hostname 2>/dev/null)" = orthros-kdump ]; do
		qemu_alive || { fail "QEMU exited"; return 1; }
		if grep -aq 'Kernel panic' "$RUN/console-com2.log"; then
			fail "the crash kernel panicked; console: $RUN/console-com2.log"
			return 1
		fi
		sleep 2
	done
	guest_on b "grep ' $LAB_USER_MOUNT ' /proc/mounts" || { fail "user disk not mounted"; return 1; }
	grep -a 'orthros-lab: kdump' "$RUN/console-com2.log"
}

# The failover after the NthOS died, run by orthrosd in the (N+1)thOS: wait
# for its timeline, then keep it in the run directory (as text, as the SVG
# orthrosctl draws, the record itself, and the recovery tools' output).
wait_failover() { # wait_failover DEAD-N
	local dead=$1 n=$(($1 + 1)) side com off
	side=$(side_of "$n")
	com=$(( (n - 1) % LAB_COM_PORTS + 1 ))
	off=$(cat "$RUN/console-offset-$n" 2>/dev/null || echo 0)
	until guest_on "$side" -t 5 "test -e /var/log/orthros/failover-$dead.timeline" 2>/dev/null; do
		qemu_alive || { fail "QEMU exited (log: $RUN/qemu.log)"; return 1; }
		if tail -c +$((off + 1)) "$RUN/console-com$com.log" | grep -aq 'Kernel panic'; then
			fail "the $(ordinal "$n") panicked during the failover; console: $RUN/console-com$com.log"
			return 1
		fi
		sleep 1
	done
	guest_on "$side" "cat /var/log/orthros/failover-$dead.timeline" >"$RUN/failover-$dead.timeline" &&
		guest_on "$side" "cat /var/log/orthros/failover-$dead.log" >"$RUN/failover-$dead.log" &&
		guest_on "$side" "orthrosctl timeline --svg - $dead" >"$RUN/failover-$dead.svg" &&
		guest_on "$side" "orthrosctl timeline $dead" | tee "$RUN/failover-$dead.txt"
}

# Every phase of that failover succeeded (or had nothing to do), and the
# survivor is the ActiveOS with the dead OS's devices, disk (at the same
# path) and service address.
check_failover() { # check_failover DEAD-N
	if grep 'status=failed' "$RUN/failover-$1.timeline"; then
		fail "a phase of the failover failed (log: $RUN/failover-$1.log)"
		return 1
	fi
	check_survivor "$1"
}

# The survivor of that failover resumed processes and has the dead OS's
# devices, disk and address (whatever the phases said).
check_survivor() { # check_survivor DEAD-N
	local dead=$1 n=$(($1 + 1)) side bdf name role addr gw
	side=$(side_of "$n")
	grep -q '^end downtime_ms=[0-9]' "$RUN/failover-$dead.timeline" ||
		{ fail "no downtime recorded: the processes were not resumed"; return 1; }
	expect_eq "role of the $(ordinal "$n")" "$(guest_on "$side" cat /sys/kernel/orthros/role)" active || return
	while read -r _ bdf name role; do
		[ "$role" = active ] || continue
		guest_on "$side" "test -e /sys/bus/pci/devices/0000:$bdf/driver" ||
			{ fail "$name ($bdf) has no driver in the $(ordinal "$n")"; return 1; }
	done < <(grep '^device ' "$LAB_DIR/partition.conf")
	guest_on "$side" "grep ' $LAB_USER_MOUNT ext4 ' /proc/mounts" ||
		{ fail "the user disk is not mounted at $LAB_USER_MOUNT"; return 1; }
	read -r addr gw < <(echo "$LAB_NICS" | awk '$1 == "net-svc" { print $4, $5 }')
	guest_on "$side" "ip -4 -o addr show dev net-svc" | grep -q "inet $addr " ||
		{ fail "net-svc does not have $addr"; return 1; }
	guest_on "$side" "ip route show default" | grep -q "via $gw dev net-svc" ||
		{ fail "no default route via $gw on net-svc"; return 1; }
	log "ok: the $(ordinal "$n") is the ActiveOS with the user disk at $LAB_USER_MOUNT and $addr on net-svc"
}

# ---- An HTTP client on the host, for a web server in the lab (the
# scenario puts the page's sha256 in $RUN/page.sha256 and serves it as
# /page.txt on net-svc's port 80).

# One GET every 0.2 s: the time, the HTTP status, the body's checksum and
# curl's exit status. A body curl gave up on (its 3 s ran out while the
# server was down) is kept as http.log.cut.TIME; the first right body as
# page.txt, to tell a page cut short from a wrong one.
http_client_start() {
	local url="http://127.0.0.1:$(host_port net-svc 80)/page.txt"
	setsid bash -c 'while :; do
		r=$(curl -s --max-time 3 -o "$2.body" -w "%{http_code}" "$1"); e=$?
		t=$(date +%s.%N) h=$(sha256sum <"$2.body" 2>/dev/null | cut -d" " -f1)
		[ "$h" = "$3" ] && [ ! -e "$4" ] && cp "$2.body" "$4"
		[ "$h" != "$3" ] && [ "$e" != 0 ] && cp "$2.body" "$2.cut.$t" 2>/dev/null
		echo "$t $r $h $e"
		sleep 0.2
	done >>"$2"' client "$url" "$RUN/http.log" "$(cat "$RUN/page.sha256")" "$RUN/page.txt" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$RUN/client.pid"
	until grep -q " 200 $(cat "$RUN/page.sha256") " "$RUN/http.log" 2>/dev/null; do sleep 0.5; done
	log "the client got the page: $(tail -n 1 "$RUN/http.log")"
}

# Five more right pages, after a failover.
http_pages_again() {
	local lines
	lines=$(wc -l <"$RUN/http.log")
	until [ "$(tail -n +"$lines" "$RUN/http.log" | grep -c " 200 $(cat "$RUN/page.sha256")")" -ge 5 ]; do
		sleep 0.5
	done
	log "ok: 5 more right pages after the failover; the client's last line: $(tail -n 1 "$RUN/http.log")"
}

# A body curl gave up on is "cut short" only if it is a true beginning of
# the page: a single wrong byte makes it a wrong page.
http_cut_short() { # http_cut_short TIME
	local cut="$RUN/http.log.cut.$1"
	[ -e "$cut" ] && [ -e "$RUN/page.txt" ] && [ "$(stat -c %s "$cut")" -lt "$(stat -c %s "$RUN/page.txt")" ] &&
		cmp -s -n "$(stat -c %s "$cut")" "$cut" "$RUN/page.txt"
}

http_client_check() {
	local ok bad wrong=0 cut=0 t
	kill "$(cat "$RUN/client.pid")" 2>/dev/null || true
	ok=$(grep -c " 200 $(cat "$RUN/page.sha256") " "$RUN/http.log")
	for t in $(awk -v want="$(cat "$RUN/page.sha256")" '$2 == 200 && $3 != want { print $1 }' "$RUN/http.log"); do
		if http_cut_short "$t"; then cut=$((cut + 1)); else wrong=$((wrong + 1)); fi
	done
	bad=$(awk '$2 != 200' "$RUN/http.log" | wc -l)
	log "requests: $ok right pages, $bad without an answer and $cut cut short by the client's 3 s limit (during the failovers), $wrong wrong pages"
	awk '$2 != 200 { if (!start) start = $1; last = $1 } $2 == 200 && start { printf "  no answer for %.1f s\n", last - start + 0.2; start = 0 }' "$RUN/http.log"
	awk -v want="$(cat "$RUN/page.sha256")" '$2 == 200 && $3 == want { if (prev && $1 - prev > gap) gap = $1 - prev; prev = $1 }
		END { printf "  longest time between two right pages: %.1f s\n", gap }' "$RUN/http.log" | tee "$RUN/http.gap"
	[ "$wrong" = 0 ] || { fail "the client got a wrong page"; return 1; }
}
