# lpar-coexist
# The 2ndOS boots on APIC 3 beside the 1stOS; each sees only its partition, with logical APIC IDs by local APIC ID; both run real load at once with no kernel error and no clock jump.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
# How long both OSes run load (lpar-coexist-long runs 300 s).
: "${LOAD_SECONDS:=60}"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 30 "note the 1stOS's clock against the host's" clock_mark a
	step 300 "boot the 2ndOS on APIC 3 in slot 1" boot_backup a 2
	step 30 "note the 2ndOS's clock against the host's" clock_mark b
	step 60 "the 1stOS has APIC 0-2 (logical 0x01 0x02 0x04), its devices, the others' memory reserved" check_active_partition
	step 60 "the 2ndOS has APIC 3 of 4 (logical 0x08), 256 MiB, root-b and net-bak only" check_backup_partition
	step 60 "start load: 1stOS 3 CPUs + user-disk I/O + HTTP; 2ndOS root-disk I/O + HTTP" start_load
	step $((LOAD_SECONDS + 120)) "both OSes run the load for ${LOAD_SECONDS} s" wait_load
	step 30 "the 1stOS's clock kept time (no jump from the 2ndOS's timers)" clock_check a
	step 30 "the 2ndOS's clock kept time" clock_check b
	step 30 "no false failover: neither OS declared the other dead, both still protected" no_false_failover
	step 30 "the 1stOS refuses to bring APIC 3 online" refuse_online
	step 30 "no kernel errors on either console" check_consoles
}

clock_mark() { # clock_mark SIDE: host and guest clocks now
	local g
	g=$(guest_on "$1" "cut -d' ' -f1 /proc/uptime") || return
	echo "$(date +%s.%N) $g" >"$RUN/clock-$1"
	log "clock of ctl-$1: guest uptime $g s"
}

clock_check() { # clock_check SIDE: the guest clock advanced as the host's did
	local h0 g0 h1 g1
	read -r h0 g0 <"$RUN/clock-$1"
	g1=$(guest_on "$1" "cut -d' ' -f1 /proc/uptime") || return
	h1=$(date +%s.%N)
	awk -v h="$(echo "$h1 - $h0" | bc)" -v g="$(echo "$g1 - $g0" | bc)" 'BEGIN {
		d = g - h; if (d < 0) d = -d
		printf "[clock] host %.1f s, guest %.1f s, off by %.1f s\n", h, g, d
		exit !(d <= 2 + h * 0.05)
	}' || { fail "the clock of the OS on ctl-$1 jumped"; return 1; }
}

cpus_of() { guest_on "$1" cat /sys/kernel/orthros/cpus | sed 's/^cpu=[0-9]* //' | paste -sd' '; }

check_active_partition() {
	expect_eq "online CPUs of the 1stOS" "$(guest cat /sys/devices/system/cpu/online)" "0-2" &&
	expect_eq "APIC and logical IDs of the 1stOS" "$(cpus_of a)" \
		"apic=0 logical=0x01 apic=1 logical=0x02 apic=2 logical=0x04" &&
	expect_eq "disks of the 1stOS" "$(guest 'grep -h . /sys/block/vd*/serial' | sort | paste -sd' ')" \
		"orthros-root-a orthros-user" &&
	expect_eq "NICs of the 1stOS" "$(guest 'ls /sys/class/net | grep -v ^lo$' | paste -sd' ')" "net-svc" &&
	expect_eq "the 1stOS's RAM in slot 1" "$(guest "grep -c '^08000000-.* : System RAM' /proc/iomem")" 0
}

check_backup_partition() {
	local kib
	expect_eq "NthOS of the OS on ctl-b" "$(guest_on b cat /sys/kernel/orthros/nth)" 2 &&
	expect_eq "online CPUs of the 2ndOS" "$(guest_on b cat /sys/devices/system/cpu/online)" "0" &&
	expect_eq "present CPUs of the 2ndOS" "$(guest_on b cat /sys/devices/system/cpu/present)" "0-3" &&
	expect_eq "APIC and logical ID of the 2ndOS" "$(cpus_of b)" "apic=3 logical=0x08" &&
	expect_eq "disks of the 2ndOS" "$(guest_on b 'grep -h . /sys/block/vd*/serial' | paste -sd' ')" "orthros-root-b" &&
	expect_eq "NICs of the 2ndOS" "$(guest_on b 'ls /sys/class/net | grep -v ^lo$' | paste -sd' ')" "net-bak" &&
	expect_eq "IPI shorthand broadcast in the 2ndOS" \
		"$(guest_on b "dmesg | sed -n 's/.*IPI shorthand broadcast: //p'")" disabled &&
	expect_eq "PCI functions the 2ndOS enumerated" \
		"$(guest_on b 'ls /sys/bus/pci/devices' | paste -sd' ')" "0000:00:05.0 0000:00:08.0 0000:00:0a.0" ||
		return 1
	kib=$(guest_on b "awk '/^MemTotal:/ { print \$2 }' /proc/meminfo")
	log "MemTotal of the 2ndOS: $kib KiB (slot 1: 262144 KiB)"
	[ "$kib" -gt 180000 ] && [ "$kib" -le 262208 ] || fail "MemTotal $kib KiB does not fit slot 1"
}

http_loop() { # http_loop NIC SECONDS: GET a page through NIC's forward until the time is up
	local port end ok=0 bad=0
	port=$(host_port "$1" 80)
	end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		if curl -sf --max-time 10 "http://127.0.0.1:$port/lpar.txt" >/dev/null; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
		echo "ok=$ok bad=$bad" >"$RUN/http-$1"
		sleep 0.2
	done
	echo "ok=$ok bad=$bad done" >"$RUN/http-$1"
}

start_load() {
	local side
	for side in a b; do
		guest_on "$side" "echo lpar >/var/www/html/lpar.txt && apache2ctl start" >/dev/null ||
			{ fail "apache2 did not start on ctl-$side"; return 1; }
	done
	guest "/opt/orthros/lab/load cpu 3 $LOAD_SECONDS /run/load && /opt/orthros/lab/load disk $LAB_USER_MOUNT/load $LOAD_SECONDS /run/load" &&
	guest_on b "/opt/orthros/lab/load disk /var/tmp/load $LOAD_SECONDS /run/load" || return
	for nic in net-svc net-bak; do
		setsid bash -c '. "$LAB_DIR/harness.sh"; . "$LAB_SCENARIO"; http_loop "$0" "$1"' \
			"$nic" "$LOAD_SECONDS" </dev/null >/dev/null 2>&1 &
		echo $! >"$RUN/http-$nic.pid"
	done
	log "load started for $LOAD_SECONDS s"
}

wait_load() {
	local side r nic
	sleep "$LOAD_SECONDS"
	for side in a b; do
		until r=$(guest_on "$side" cat /run/load/disk) && [ "${r% done}" != "$r" ]; do sleep 2; done
		log "disk load on ctl-$side: $r"
		case "$r" in ok=0*|*bad=[1-9]*) fail "disk I/O failed or did not run on ctl-$side: $r"; return 1 ;; esac
	done
	for nic in net-svc net-bak; do
		until r=$(cat "$RUN/http-$nic" 2>/dev/null) && [ "${r% done}" != "$r" ]; do sleep 1; done
		log "HTTP through $nic: $r"
		case "$r" in ok=0*|*bad=[1-9]*) fail "HTTP through $nic failed: $r"; return 1 ;; esac
	done
}

no_false_failover() {
	local side
	for side in a b; do
		expect_eq "last monitoring event on ctl-$side" "$(guest_on "$side" cat /sys/kernel/orthros/last_event)" none &&
		guest_on "$side" cat /sys/kernel/orthros/monitor | grep "protected=yes" ||
			{ fail "ctl-$side lost its peer under load"; return 1; }
	done
}

refuse_online() {
	if guest 'echo 1 >/sys/devices/system/cpu/cpu3/online' 2>/dev/null; then
		fail "the 1stOS brought the BackupOS's core online"
		return 1
	fi
	guest 'dmesg | grep -q "APIC 3) belongs to another Orthros OS"' ||
		{ fail "no refusal in the 1stOS's log"; return 1; }
	expect_eq "the BackupOS after the attempt" "$(guest_on b cat /sys/kernel/orthros/nth)" 2
}

