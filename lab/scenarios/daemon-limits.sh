# daemon-limits
# The service NIC carries three addresses and 32 static routes (documentation ranges, no traffic) when the 1stOS panics: the 2ndOS's failover moves every address and route to it, every phase succeeds, and the network phase's detail, longer than a record holds, is cut and marked, not written past its buffer (one address and 14 routes once overflowed the daemon's stack).
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
NROUTES=32

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 60 "two more addresses and $NROUTES host routes on net-svc in the 1stOS" add_config
	step 60 "the 1stOS panics in a system call" crash_on a panic
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "every phase succeeded: the 2ndOS has the devices, the disk, the IP" check_failover 1
	step 60 "every address and route is on net-svc in the 2ndOS; the detail was cut, marked" check_config
}

add_config() {
	guest "ip addr add 192.0.2.10/24 dev net-svc && ip addr add 198.51.100.10/24 dev net-svc &&
		for i in \$(seq 1 $NROUTES); do ip route add 203.0.113.\$i/32 via 192.0.2.1 dev net-svc || exit 1; done" || return
	guest "ip -4 -o addr show dev net-svc; ip -4 route show dev net-svc" | tee "$RUN/config-before"
	expect_eq "routes via 192.0.2.1 in the 1stOS" "$(grep -c 'via 192.0.2.1' "$RUN/config-before")" "$NROUTES"
}

check_config() {
	guest_on b "ip -4 -o addr show dev net-svc; ip -4 route show dev net-svc" | tee "$RUN/config-after"
	for a in 10.0.2.15/24 192.0.2.10/24 198.51.100.10/24; do
		grep -q "inet $a " "$RUN/config-after" || { fail "$a is not on net-svc in the 2ndOS"; return 1; }
	done
	expect_eq "routes via 192.0.2.1 in the 2ndOS" "$(grep -c 'via 192.0.2.1' "$RUN/config-after")" "$NROUTES" || return
	grep '^phase name=network ' "$RUN/failover-1.timeline" | grep -q '\.\.\."$' ||
		{ fail "the network detail was not cut and marked"; return 1; }
	log "ok: all moved; the record's detail: $(grep '^phase name=network ' "$RUN/failover-1.timeline" | tail -c 80)"
}
