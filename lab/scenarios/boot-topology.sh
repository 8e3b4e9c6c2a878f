# boot-topology
# The 1stOS boots the Orthros kernel on the lab machine and sees lab/topology.sh: CPUs, RAM, every device on the bus but drives only its own, user disk, a host client through the forward.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 60 "the kernel is this build of Orthros, NthOS 1" check_kernel
	step 60 "$LAB_CPUS CPUs online, local APIC IDs $LAB_APIC_IDS" check_cpus
	step 60 "RAM as configured ($LAB_MEM_MIB MiB), less the other OSes' share" check_memory
	step 60 "the three disks, two NICs and two control channels on the PCI bus" check_pci
	step 60 "the 1stOS drives its disks (root-a, user), not root-b" check_disks
	step 60 "the 1stOS drives net-svc with its address, not net-bak" check_nics
	step 60 "the user disk mounted read-write at $LAB_USER_MOUNT" check_user_disk
	step 120 "a host client reaches a guest server through the service NIC" check_forwards
	step 30 "no kernel errors on the console" check_console
}

check_kernel() {
	expect_eq "kernel release" "$(guest uname -r)" "$(sed -n 's/^kernelrelease=//p' "$BUILD/kernel/VERSION")" &&
	expect_eq "/sys/kernel/orthros/nth" "$(guest cat /sys/kernel/orthros/nth)" 1
}

check_cpus() {
	local apics
	expect_eq "online CPUs (guest)" "$(guest cat /sys/devices/system/cpu/online)" "0-$((LAB_CPUS - 1))" &&
	apics=$(guest "sed -n 's/^apicid[[:space:]]*: //p' /proc/cpuinfo" | sort -n | paste -sd' ') &&
	expect_eq "local APIC IDs (guest)" "$apics" "$LAB_APIC_IDS" &&
	expect_eq "vCPUs (QMP)" "$(qmp query-cpus-fast | grep -o '"cpu-index"' | wc -l)" "$LAB_CPUS"
}

check_memory() {
	local kib min max others=0 size
	# The slots and the shared memory are reserved for the other OSes (memmap=).
	for size in $("$BUILD/bin/orthrosctl" cmdline "$LAB_DIR/partition.conf" | grep -o 'memmap=0x[0-9a-f]*' | cut -d= -f2); do
		others=$((others + size / 1024))
	done
	kib=$(guest "awk '/^MemTotal:/ { print \$2 }' /proc/meminfo")
	# The kernel keeps some for itself (image, page structs, firmware areas).
	max=$((LAB_MEM_MIB * 1024 - others))
	min=$((max * 92 / 100))
	log "MemTotal ${kib} KiB; $LAB_MEM_MIB MiB less ${others} KiB for other OSes: expected $min-$max"
	[ "$kib" -ge "$min" ] && [ "$kib" -le "$max" ] ||
		fail "MemTotal $kib KiB is not the configured $LAB_MEM_MIB MiB less the other OSes' ${others} KiB"
}

# The PCI slot of a block or net device, from its sysfs path.
pci_slot_of() { guest "readlink -f $1/device/.. | sed -n 's|.*/0000:00:\([0-9a-f]*\)\.0\$|\1|p'"; }

check_pci() {
	local name slot rest
	while read -r name slot rest; do
		[ -n "$name" ] || continue
		expect_eq "vendor of $name at 00:$slot.0" \
			"$(guest cat /sys/bus/pci/devices/0000:00:$slot.0/vendor)" 0x1af4 || return
	done <<<"$LAB_DISKS
$LAB_NICS
$LAB_CTLS"
}

# Is the function at SLOT driven by this OS? (a driver is bound)
driven() { guest "test -e /sys/bus/pci/devices/0000:00:$1.0/driver" && echo yes || echo no; }

check_disks() {
	local name slot serial image dev want
	expect_eq "virtio disks" "$(guest 'ls -d /sys/block/vd* | wc -l')" 2 || return
	while read -r name slot serial image; do
		[ -n "$name" ] || continue
		want=yes
		[ "$name" = root-b ] && want=no
		expect_eq "$name (00:$slot.0) driven by the 1stOS" "$(driven "$slot")" "$want" || return
		[ "$want" = yes ] || continue
		dev=$(guest "grep -lx '$serial' /sys/block/vd*/serial | cut -d/ -f4") ||
			{ fail "no disk with serial $serial ($name)"; return 1; }
		expect_eq "PCI slot of $name ($dev)" "$(pci_slot_of "/sys/block/$dev")" "$slot" || return
	done <<<"$LAB_DISKS"
}

check_nics() {
	local name slot mac addr gw ports
	while read -r name slot mac addr gw ports; do
		[ -n "$name" ] || continue
		if [ "$name" = net-bak ]; then
			expect_eq "net-bak (00:$slot.0) driven by the 1stOS" "$(driven "$slot")" no || return
			continue
		fi
		expect_eq "MAC of $name" "$(guest cat "/sys/class/net/$name/address")" "$mac" &&
		expect_eq "PCI slot of $name" "$(pci_slot_of "/sys/class/net/$name")" "$slot" &&
		expect_eq "address of $name" "$(guest "ip -4 -o addr show dev $name | awk '{ print \$4 }'")" "$addr" ||
			return 1
	done <<<"$LAB_NICS"
}

check_user_disk() {
	local dev nonce
	dev=$(guest "findmnt -n -r -o SOURCE,FSTYPE,OPTIONS $LAB_USER_MOUNT") || { fail "$LAB_USER_MOUNT is not mounted"; return 1; }
	log "mounted: $dev"
	expect_eq "serial of the disk at $LAB_USER_MOUNT" \
		"$(guest "cat /sys/block/\$(basename \$(findmnt -n -o SOURCE $LAB_USER_MOUNT))/serial")" "$LAB_USER_LABEL" &&
	case "$dev" in *" ext4 rw,"*) ;; *) fail "not ext4 read-write: $dev"; return 1 ;; esac
	nonce=$RANDOM$RANDOM
	guest "echo $nonce >$LAB_USER_MOUNT/topology-check && sync" &&
	expect_eq "file written and read back on the user disk" "$(guest cat $LAB_USER_MOUNT/topology-check)" "$nonce"
}

check_forwards() {
	local nonce name port got
	nonce=topology-$RANDOM$RANDOM
	guest "echo $nonce >/var/www/html/topology.txt && apache2ctl start" || { fail "apache2 did not start"; return 1; }
	for name in net-svc; do
		port=$(host_port "$name" 80)
		[ -n "$port" ] || { fail "no host forward for $name port 80"; return 1; }
		got=$(curl -sS --max-time 20 --retry 5 --retry-delay 2 --retry-connrefused \
			"http://127.0.0.1:$port/topology.txt") || { fail "curl through $name (127.0.0.1:$port) failed"; return 1; }
		expect_eq "page fetched by the host through $name (127.0.0.1:$port)" "$got" "$nonce" || return
	done
}

check_console() {
	if console_errors; then
		fail "kernel errors on a console"
		return 1
	fi
	log "console clean: $(wc -l <"$RUN/console-com1.log") lines"
}
