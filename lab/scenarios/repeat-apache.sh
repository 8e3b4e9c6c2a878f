# repeat-apache
# Apache2 from Debian (mpm_event: a root process and children of 27 threads, epoll, its scoreboard in shared anonymous memory, a dual-stack listening socket), its document root, logs and runtime files on the user disk, runs protected in the 1stOS and keeps serving a host-side HTTP client through three failovers, 1stOS -> 2ndOS -> 3rdOS -> 4thOS, with its PIDs. Configuration: Debian's, copied to the user disk, with only DocumentRoot and the runtime paths pointing there.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1800
: "${REPEAT_CRASHES:=3}"
. "$LAB_DIR/scenarios/repeat-4th.sh"
WORKLOADS=""
APACHE=$LAB_USER_MOUNT/apache
WWW=$LAB_USER_MOUNT/www

scenario() {
	local n
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 120 "Apache runs protected in the 1stOS, its files on the user disk" start_apache
	step 60 "a client on the host fetches pages all along" start_client
	for n in $(seq "$REPEAT_CRASHES"); do
		step 60 "the $(ordinal "$n") panics while Apache serves" crash_os "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "Apache serves on from the $(ordinal $((n + 1))), with its PIDs" check_apache $((n + 1))
	done
	step 30 "every answer the client got was the right page" check_client
}

start_apache() {
	# Debian's configuration, on the user disk; only the document root and
	# the runtime paths (the environment apache2.conf reads) point there.
	guest "mkdir -p $WWW $APACHE/run $APACHE/lock $APACHE/log && rm -rf $APACHE/conf &&
		cp -a /etc/apache2 $APACHE/conf &&
		sed -i 's#DocumentRoot /var/www/html#DocumentRoot $WWW#' $APACHE/conf/sites-available/000-default.conf &&
		printf '<Directory $WWW>\n\tRequire all granted\n</Directory>\n' >>$APACHE/conf/sites-available/000-default.conf &&
		head -c 65536 /dev/urandom | base64 >$WWW/page.txt && sha256sum <$WWW/page.txt | cut -d' ' -f1" \
		>"$RUN/page.sha256" || return
	guest "cd / && APACHE_RUN_USER=www-data APACHE_RUN_GROUP=www-data APACHE_RUN_DIR=$APACHE/run \
		APACHE_LOCK_DIR=$APACHE/lock APACHE_LOG_DIR=$APACHE/log APACHE_PID_FILE=$APACHE/run/apache2.pid \
		setsid orthrosctl run -- apache2 -d $APACHE/conf -D FOREGROUND </dev/null >$APACHE/log/stdout 2>&1 &" || return
	until guest "test -s $APACHE/run/apache2.pid"; do sleep 1; done
	guest "cat $APACHE/run/apache2.pid" >"$RUN/apache.gpid"
	expect_eq "the protected set" "$(guest orthrosctl protect)" "$(cat "$RUN/apache.gpid")" || return
	sleep 2
	guest "ps -o pid=,nlwp=,user=,comm= --ppid $(cat "$RUN/apache.gpid")" | tee "$RUN/apache.children"
	[ "$(wc -l <"$RUN/apache.children")" -ge 1 ] || { fail "Apache has no children"; return 1; }
}

apache_pids() { { cat "$RUN/apache.gpid"; awk '{ print $1 }' "$RUN/apache.children"; } | sort -n | tr '\n' ' '; }

# One GET every 0.2 s: the time, the HTTP status, the body's checksum and
# curl's exit status. A body curl gave up on (its 3 s ran out while the
# server was down) is kept as http.log.cut.TIME; the first right body as
# page.txt, to tell a page cut short from a wrong one.
start_client() {
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

check_apache() { # check_apache N: Apache's processes run in the NthOS and serve
	local side lines
	side=$(side_of "$1")
	expect_eq "Apache's processes in the $(ordinal "$1")" \
		"$(guest_on "$side" "ps -o pid= -p $(apache_pids | tr -s ' ' ',' | sed 's/,$//')" |
			sort -n | tr -s ' \n' ' ' | sed 's/^ //')" "$(apache_pids)" || return
	lines=$(wc -l <"$RUN/http.log")
	until [ "$(tail -n +"$lines" "$RUN/http.log" | grep -c " 200 $(cat "$RUN/page.sha256")")" -ge 5 ]; do
		sleep 0.5
	done
	log "ok: 5 more right pages after the failover; the client's last line: $(tail -n 1 "$RUN/http.log")"
	guest_on "$side" "tail -n 3 $APACHE/log/access.log"
}

# A body curl gave up on is "cut short" only if it is a true beginning of
# the page: a single wrong byte makes it a wrong page.
cut_short() { # cut_short TIME
	local cut="$RUN/http.log.cut.$1"
	[ -e "$cut" ] && [ -e "$RUN/page.txt" ] && [ "$(stat -c %s "$cut")" -lt "$(stat -c %s "$RUN/page.txt")" ] &&
		cmp -s -n "$(stat -c %s "$cut")" "$cut" "$RUN/page.txt"
}

check_client() {
	local ok bad wrong=0 cut=0 t
	kill "$(cat "$RUN/client.pid")" 2>/dev/null || true
	ok=$(grep -c " 200 $(cat "$RUN/page.sha256") " "$RUN/http.log")
	for t in $(awk -v want="$(cat "$RUN/page.sha256")" '$2 == 200 && $3 != want { print $1 }' "$RUN/http.log"); do
		if cut_short "$t"; then cut=$((cut + 1)); else wrong=$((wrong + 1)); fi
	done
	bad=$(awk '$2 != 200' "$RUN/http.log" | wc -l)
	log "requests: $ok right pages, $bad without an answer and $cut cut short by the client's 3 s limit (during the failovers), $wrong wrong pages"
	awk '$2 != 200 { if (!start) start = $1; last = $1 } $2 == 200 && start { printf "  no answer for %.1f s\n", last - start + 0.2; start = 0 }' "$RUN/http.log"
	[ "$wrong" = 0 ] || { fail "the client got a wrong page"; return 1; }
}
