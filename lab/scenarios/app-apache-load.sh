# app-apache-load
# Apache2 from Debian (mpm_event), set up as in repeat-apache, under load that leaves connections in every TCP state at the crash: wrk's 32 keep-alive connections and ab's 8 clients opening a new connection for each request, while a host client fetches a page every 0.2 s and checks every byte; through two failovers, 1stOS -> 2ndOS -> 3rdOS, every Apache process comes back each time (nothing refused: the failover record's processes phase is ok), with its PIDs; no wrong page. The connections' states at each crash (and the listener's accept queue) are shown, and wrk's and ab's errors counted, not judged: Apache closes the keep-alive connections whose time-out passed during the failover, and wrk counts a request caught by such a close as a read error; a connection still in the accept queue is not carried.
SCENARIO_TIER=long
SCENARIO_TIMEOUT=1500
: "${REPEAT_CRASHES:=2}"
. "$LAB_DIR/scenarios/repeat-apache.sh"

scenario() {
	local n
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "Apache runs protected in the 1stOS, its files on the user disk" start_apache
	step 60 "wrk's and ab's clients and a checking client on the host" start_load
	for n in $(seq "$REPEAT_CRASHES"); do
		step 60 "the $(ordinal "$n") panics under load, its connections in many states" crash_loaded "$n"
		step 300 "the $(ordinal $((n + 1))) takes over with every process, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "Apache serves on from the $(ordinal $((n + 1))), with its PIDs" check_apache $((n + 1))
	done
	step 60 "every page right; what wrk and ab saw" check_load
}

start_load() {
	local url
	url="http://127.0.0.1:$(host_port net-svc 80)/page.txt"
	setsid wrk -t 2 -c 32 -d 600s "$url" </dev/null >"$RUN/wrk.log" 2>&1 &
	echo $! >"$RUN/wrk.pid"
	setsid ab -r -s 10 -c 8 -n 100000000 "$url" </dev/null >"$RUN/ab.log" 2>&1 &
	echo $! >"$RUN/ab.pid"
	http_client_start || return
	# The load is on once most of wrk's connections are open.
	until [ "$(guest "ss -tanH state established '( sport = :80 )' | wc -l")" -ge 20 ]; do sleep 1; done
}

# The states of Apache's TCP connections a moment before the panic, and
# the listener's accept queue (its Recv-Q).
crash_loaded() { # crash_loaded N
	guest_on "$(side_of "$1")" "ss -tanH '( sport = :80 )' | awk '{ print \$1 }' | sort | uniq -c;
		ss -tlnH '( sport = :80 )' | awk '{ print \"accept-queue\", \$2 }'" |
		tee "$RUN/tcp-states-$1" | tr -s ' \n' ' '
	echo
	crash_os "$1"
}

check_load() {
	http_client_check || return
	kill -INT "$(cat "$RUN/wrk.pid")" "$(cat "$RUN/ab.pid")" 2>/dev/null
	until grep -q 'Requests/sec' "$RUN/wrk.log"; do sleep 1; done
	cat "$RUN/wrk.log"
	sleep 1
	grep -E 'Complete requests|Failed requests|Non-2xx' "$RUN/ab.log" || true
	if grep 'Non-2xx' "$RUN/wrk.log"; then
		fail "wrk got a wrong status"
		return 1
	fi
}
