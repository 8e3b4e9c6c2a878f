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
	step 60 "a client on the host fetches pages all along" http_client_start
	for n in $(seq "$REPEAT_CRASHES"); do
		step 60 "the $(ordinal "$n") panics while Apache serves" crash_os "$n"
		step 300 "the $(ordinal $((n + 1))) takes over, re-splits and boots the $(ordinal $((n + 2)))" \
			wait_repeat "$n"
		step 120 "Apache serves on from the $(ordinal $((n + 1))), with its PIDs" check_apache $((n + 1))
	done
	step 30 "every answer the client got was the right page" http_client_check
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

check_apache() { # check_apache N: Apache's processes run in the NthOS and serve
	local side lines
	side=$(side_of "$1")
	expect_eq "Apache's processes in the $(ordinal "$1")" \
		"$(guest_on "$side" "ps -o pid= -p $(apache_pids | tr -s ' ' ',' | sed 's/,$//')" |
			sort -n | tr -s ' \n' ' ' | sed 's/^ //')" "$(apache_pids)" || return
	http_pages_again || return
	guest_on "$side" "tail -n 3 $APACHE/log/access.log"
}
