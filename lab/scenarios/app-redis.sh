# app-redis
# Redis from Debian (redis-server 7.0: an event loop over epoll, background threads, pipes, its append-only file on the user disk), unmodified and started by hand, runs protected in the 1stOS and keeps serving through two failovers, 1stOS -> 2ndOS -> 3rdOS, with its PID: a host client that knows every key it set (redischeck: one SET at a time over one TCP connection, never opened again) while redis-benchmark's keep-alive clients load it; after the second failover every key the client was told was set reads back right over that same connection, and no benchmark client saw an error.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1500
: "${REPEAT_CRASHES:=2}"
. "$LAB_DIR/scenarios/repeat-4th.sh"
WORKLOADS=""
REDIS=$LAB_USER_MOUNT/redis

scenario() {
	local n
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "Redis runs protected in the 1stOS, its append-only file on the user disk" start_redis
	step 60 "the checking client and redis-benchmark's clients on the host" start_clients
	for n in $(seq "$REPEAT_CRASHES"); do
		step 60 "the $(ordinal "$n") panics while Redis serves" crash_os "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "Redis serves on from the $(ordinal $((n + 1))), with its PID" check_redis $((n + 1))
	done
	step 120 "every key the client set reads back over its first connection; no benchmark error" \
		check_clients
}

start_redis() {
	guest "mkdir -p $REDIS && cd $REDIS && setsid orthrosctl run -- redis-server --port 6379 \
		--bind 0.0.0.0 --protected-mode no --dir $REDIS --appendonly yes --appendfsync everysec \
		--save '' --daemonize no --logfile $REDIS/redis.log </dev/null >/dev/null 2>&1 &" || return
	until [ "$(guest "redis-cli -p 6379 ping" 2>/dev/null)" = PONG ]; do sleep 1; done
	guest "pgrep -x redis-server" >"$RUN/redis.gpid"
	expect_eq "the protected set" "$(guest orthrosctl protect)" "$(cat "$RUN/redis.gpid")" || return
	guest "ls -l /proc/$(cat "$RUN/redis.gpid")/fd | sed 's/.* -> //' | sort | uniq -c"
}

start_clients() {
	local port
	port=$(host_port net-svc 6379)
	setsid "$BUILD/bin/redischeck" 127.0.0.1 "$port" </dev/null >"$RUN/redischeck.log" 2>&1 &
	echo $! >"$RUN/redischeck.pid"
	setsid redis-benchmark -h 127.0.0.1 -p "$port" -c 4 -k 1 -d 64 -r 10000 -t set,get -n 100000000 -l \
		</dev/null >"$RUN/benchmark.log" 2>&1 &
	echo $! >"$RUN/benchmark.pid"
	until grep -q 'keys set' "$RUN/redischeck.log" 2>/dev/null; do
		grep FAIL "$RUN/redischeck.log" && { fail "redischeck failed"; return 1; }
		sleep 1
	done
	log "redischeck: $(tail -n 1 "$RUN/redischeck.log")"
}

check_redis() { # check_redis N: Redis answers from the NthOS, with its PID
	local side before
	side=$(side_of "$1")
	expect_eq "Redis's PID in the $(ordinal "$1")" "$(guest_on "$side" "pgrep -x redis-server")" \
		"$(cat "$RUN/redis.gpid")" || return
	expect_eq "PING" "$(guest_on "$side" "redis-cli -p 6379 ping")" PONG || return
	before=$(grep -c 'keys set' "$RUN/redischeck.log")
	until [ "$(grep -c 'keys set' "$RUN/redischeck.log")" -gt "$before" ]; do
		grep FAIL "$RUN/redischeck.log" && { fail "redischeck failed"; return 1; }
		sleep 1
	done
	log "redischeck goes on: $(tail -n 1 "$RUN/redischeck.log")"
}

check_clients() {
	kill -USR1 "$(cat "$RUN/redischeck.pid")"
	until grep -Eq '^redischeck: (PASS|FAIL)' "$RUN/redischeck.log"; do sleep 1; done
	tail -n 1 "$RUN/redischeck.log"
	kill "$(cat "$RUN/benchmark.pid")" 2>/dev/null || true
	tr '\r' '\n' <"$RUN/benchmark.log" | tail -n 3
	grep -q '^redischeck: PASS' "$RUN/redischeck.log" || { fail "redischeck did not pass"; return 1; }
	if tr '\r' '\n' <"$RUN/benchmark.log" | grep -i 'error\|reset\|refused'; then
		fail "a benchmark client saw an error"
		return 1
	fi
}
