# app-nginx
# nginx from Debian (a master and two workers: epoll, an eventfd each, Unix socketpairs between master and workers, a listening socket shared by all), unmodified and started by hand with a configuration on the user disk, runs protected in the 1stOS and keeps serving through two failovers, 1stOS -> 2ndOS -> 3rdOS, with its PIDs: wrk's eight keep-alive connections load it while a host client fetches a page every 0.2 s and checks every byte; no wrong page, no connection reset, the longest time without a right page reported.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1500
: "${REPEAT_CRASHES:=2}"
. "$LAB_DIR/scenarios/repeat-4th.sh"
WORKLOADS=""
NGINX=$LAB_USER_MOUNT/nginx
WWW=$LAB_USER_MOUNT/www

scenario() {
	local n
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "nginx runs protected in the 1stOS, its files on the user disk" start_nginx
	step 60 "wrk's clients and a checking client on the host" start_clients
	for n in $(seq "$REPEAT_CRASHES"); do
		step 60 "the $(ordinal "$n") panics while nginx serves" crash_os "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "nginx serves on from the $(ordinal $((n + 1))), with its PIDs" check_nginx $((n + 1))
	done
	step 60 "every page right, no connection of wrk's reset" check_clients
}

start_nginx() {
	guest "mkdir -p $WWW $NGINX && head -c 65536 /dev/urandom | base64 >$WWW/page.txt &&
		sha256sum <$WWW/page.txt | cut -d' ' -f1 && cat >$NGINX/nginx.conf <<EOC
worker_processes 2;
pid $NGINX/nginx.pid;
error_log $NGINX/error.log;
events { worker_connections 256; }
http {
	access_log $NGINX/access.log;
	server { listen 80; root $WWW; }
}
EOC" >"$RUN/page.sha256" || return
	guest "cd $NGINX && setsid orthrosctl run -- nginx -c $NGINX/nginx.conf -g 'daemon off;' \
		</dev/null >$NGINX/stdout 2>&1 &" || return
	until guest "test -s $NGINX/nginx.pid"; do sleep 1; done
	guest "cat $NGINX/nginx.pid" >"$RUN/nginx.gpid"
	expect_eq "the protected set" "$(guest orthrosctl protect)" "$(cat "$RUN/nginx.gpid")" || return
	until [ "$(guest "pgrep -c -P $(cat "$RUN/nginx.gpid")")" = 2 ]; do sleep 1; done
	guest "pgrep -P $(cat "$RUN/nginx.gpid")" | sort -n >"$RUN/nginx.workers"
	log "nginx: master $(cat "$RUN/nginx.gpid"), workers $(tr '\n' ' ' <"$RUN/nginx.workers")"
}

nginx_pids() { { cat "$RUN/nginx.gpid" "$RUN/nginx.workers"; } | sort -n | tr '\n' ' '; }

start_clients() {
	setsid wrk -t 2 -c 8 -d 600s "http://127.0.0.1:$(host_port net-svc 80)/page.txt" \
		</dev/null >"$RUN/wrk.log" 2>&1 &
	echo $! >"$RUN/wrk.pid"
	http_client_start
}

check_nginx() { # check_nginx N: nginx's processes run in the NthOS and serve
	local side
	side=$(side_of "$1")
	expect_eq "nginx's processes in the $(ordinal "$1")" \
		"$(guest_on "$side" "ps -o pid= -p $(nginx_pids | tr -s ' ' ',' | sed 's/,$//')" |
			sort -n | tr -s ' \n' ' ' | sed 's/^ //')" "$(nginx_pids)" || return
	http_pages_again || return
	guest_on "$side" "tail -n 2 $NGINX/access.log"
}

# wrk prints its summary when told to stop (SIGINT): requests, and socket
# errors by kind; a connection reset is a read error.
check_clients() {
	http_client_check || return
	kill -INT "$(cat "$RUN/wrk.pid")" 2>/dev/null
	until grep -q 'Requests/sec' "$RUN/wrk.log"; do sleep 1; done
	cat "$RUN/wrk.log"
	if grep -E 'Socket errors: .*(read|write) [1-9]|Non-2xx' "$RUN/wrk.log"; then
		fail "wrk saw a connection reset or a wrong status"
		return 1
	fi
}
