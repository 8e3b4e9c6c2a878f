# lpar-refusals
# Bad BackupOS boots are refused with a clear message (BSP, unknown APIC ID, missing or overlapping slot, slot in the ActiveOS's memory, a CPU left out of the partition, a shared range on device registers, not a kernel) and the ActiveOS is unharmed.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 30 "a BackupOS on the BSP (APIC 0) is refused" refused "-a 0" "APIC ID 0 is the BSP"
	step 30 "an unknown local APIC ID is refused" refused "-a 9" "local APIC ID 9 is not a CPU of the partition"
	step 30 "a missing slot is refused" refused "-s 4" "slot 4: slots are 1 to 3"
	step 30 "a file that is not a kernel image is refused" refused "-k /etc/hostname" "not a Linux kernel image"
	step 30 "a slot overlapping another range is refused" overlapping_slot
	step 30 "a slot in the ActiveOS's own memory is refused by the kernel" slot_in_active_memory
	step 30 "a partition that leaves out one of the machine's CPUs is refused by the kernel" cpu_left_out
	step 30 "a shared range on device registers is refused by the kernel, not zeroed" shared_on_devices
	step 30 "the ActiveOS is unharmed: 4 CPUs online, no BackupOS, no shared memory" unharmed
	step 300 "a correct boot still works afterwards" boot_backup a 2
	step 30 "no kernel errors on either console" check_consoles
}

refused() { # refused OPTIONS MESSAGE: orthrosctl boot fails and says MESSAGE
	local out rc=0
	out=$(guest ". /opt/orthros/lab/topology.sh; orthrosctl boot $1 -t 20 -- \$LAB_KERNEL_ARGS" 2>&1) || rc=$?
	printf '    | %s\n' "$out"
	[ "$rc" != 0 ] || { fail "it was not refused"; return 1; }
	grep -qF -- "$2" <<<"$out" || { fail "the message does not say: $2"; return 1; }
	log "ok: refused (exit $rc)"
}

overlapping_slot() {
	guest "sed 's/^slot 2 .*/slot 2 0x10000000 256M low 0x70000 64K/' /etc/orthros/partition.conf >/tmp/overlap.conf" &&
	refused "-p /tmp/overlap.conf -s 2" "slot 2 [0x10000000-0x20000000) overlaps slot 1"
}

# A valid description whose slot 1 lies in what the 1stOS uses as RAM: only
# the kernel can tell, from its own memory map.
slot_in_active_memory() {
	guest "sed -e 's/^slot 1 .*/slot 1 0x38000000 256M low 0x60000 64K/' -e 's/^general    0x38000000 1G/general    0x48000000 768M/' /etc/orthros/partition.conf >/tmp/inuse.conf" &&
	refused "-p /tmp/inuse.conf -s 1" "the kernel refused" || return
	guest "dmesg | grep 'slot \[0x38000000-0x48000000) is RAM of this OS'" ||
		{ fail "the kernel did not say why"; return 1; }
}

# Logical APIC IDs are ranked over the partition's CPUs in every OS: one
# left out would give two cores of two OSes the same ID.
cpu_left_out() {
	guest "sed '/^cpu 2\$/d' /etc/orthros/partition.conf >/tmp/nocpu2.conf" &&
	refused "-p /tmp/nocpu2.conf" "the kernel refused" || return
	guest "dmesg | grep 'CPU2 (APIC 2) is not in the partition: logical APIC IDs would clash'" ||
		{ fail "the kernel did not say why"; return 1; }
}

# Valid as a description; only the kernel knows 0xfe000000 holds the PCI
# devices' registers (the 1stOS zeroes the shared range when it makes it).
shared_on_devices() {
	guest "sed 's/^shared .*/shared 0xfe000000 2M/' /etc/orthros/partition.conf >/tmp/shared-mmio.conf" &&
	refused "-p /tmp/shared-mmio.conf" "the kernel refused" || return
	guest "dmesg | grep 'the shared range \[0xfe000000-0xfe200000) is not firmware RAM kept from this kernel'" ||
		{ fail "the kernel did not say why"; return 1; }
}

unharmed() {
	expect_eq "online CPUs of the 1stOS" "$(guest cat /sys/devices/system/cpu/online)" "0-3" &&
	expect_eq "BackupOS record" "$(guest cat /sys/kernel/orthros/backup)" "state=none" &&
	expect_eq "shared memory" "$(guest cat /sys/kernel/orthros/shared)" "none"
}

