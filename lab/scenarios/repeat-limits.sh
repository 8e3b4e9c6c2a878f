# repeat-limits
# Graceful limits of repeatable boot: on a machine of two cores (the BSP and one AP) the 2ndOS, once it took over from the 1stOS, has no spare AP for a 3rdOS: the failover still saves pmwork, the 2ndOS runs on unprotected and says so (timeline, console, orthrosctl status), nothing is lost. With no 3rdOS to take the dead 1stOS's control port, it stays as the dead OS left it, receive buffers posted: the host sends 96 KiB into it and QEMU writes none of it into the dead OS's memory (dma-fence: the takeover switched the dead OS's bus mastering off; without that, 33 buffers were filled).
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
. "$LAB_DIR/scenarios/failover-file-syscall.sh"
# Two cores; the partition's CPUs are the BSP and APIC 1, the first BackupOS's.
export LAB_CPUS=2 LAB_PARTITION=$RUN/partition-2cpu.conf
sed -e '/^cpu [123]/d' -e 's/^cpu 0 bsp$/cpu 0 bsp\ncpu 1 backup/' "$LAB_DIR/partition.conf" >"$LAB_PARTITION"

scenario() {
	step 600 "boot the 1stOS on a machine of two cores" boot_1stos
	step 300 "the 1stOS boots the 2ndOS on APIC 1" boot_two_cpus
	step 120 "pmwork runs protected in the 1stOS" start_workload
	step 60 "the 1stOS panics" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "pmwork was saved; the re-split found no spare AP; the 2ndOS says it is unprotected" check_unprotected
	step 120 "pmwork goes on in the 2ndOS, every self-check passing" check_running
	step 60 "the host sends 96 KiB into the dead 1stOS's control port: QEMU delivers none of it" send_to_dead_port
}

# dma-fence. The dead 1stOS's control port still has its receive buffers
# posted (nobody took the port over): with bus mastering on, QEMU writes
# what the host sends into them, i.e. into the dead OS's memory. The host
# observes QEMU's receive queue (port 1's, queue 4 of the virtio-serial
# device): its used index must not move.
rx_used() {
	qmp x-query-virtio-queue-status '{"path": "/machine/peripheral/ctl-a/virtio-backend", "queue": 4}' |
		grep -o '"used-idx": [0-9]*' | grep -o '[0-9]*$'
}

send_to_dead_port() {
	local payload before after
	before=$(rx_used) && [ -n "$before" ] || { fail "no receive queue status from QEMU"; return 1; }
	payload=$(head -c 98304 /dev/zero | tr '\0' x)
	if "$LABCTL" run "$RUN/ctl-a.sock" -t 5 -- "$payload" >/dev/null 2>&1; then
		fail "the dead 1stOS answered on its control port"
		return 1
	fi
	after=$(rx_used)
	log "ctl-a receive queue: used index $before before, $after after 96 KiB from the host"
	[ "$after" = "$before" ] || { fail "QEMU wrote into the dead OS's receive buffers: DMA was not stopped"; return 1; }
}

boot_two_cpus() {
	grep '^cpu' "$LAB_PARTITION"
	guest "echo $(base64 -w0 <"$LAB_PARTITION") | base64 -d >/run/partition-2cpu.conf" || return
	boot_backup a 2 -p /run/partition-2cpu.conf || return
	expect_eq "the 2ndOS's core" "$(guest_on b "sed -n 's/.*apic=\([0-9]*\).*/\1/p' /sys/kernel/orthros/cpus")" 1
}

check_unprotected() {
	local phase i
	for phase in takeover devices mount network filecache processes restore resume; do
		grep -q "^phase name=$phase .* status=ok" "$RUN/failover-1.timeline" ||
			{ fail "phase $phase did not succeed"; return 1; }
	done
	grep '^phase name=resplit ' "$RUN/failover-1.timeline" | grep -q 'no spare AP for a BackupOS' ||
		{ fail "the re-split does not say there is no spare AP"; return 1; }
	grep '^phase name=next ' "$RUN/failover-1.timeline" | grep -q 'status=failed.*this OS runs UNPROTECTED' ||
		{ fail "the timeline does not say the 2ndOS runs unprotected"; return 1; }
	# The serial console trails the timeline file by a moment.
	for i in $(seq 40); do
		grep -aq 'this OS runs UNPROTECTED' "$RUN/console-com2.log" && break
		sleep 0.5
	done
	grep -aq 'this OS runs UNPROTECTED' "$RUN/console-com2.log" ||
		{ fail "the console does not say it"; return 1; }
	guest_on b orthrosctl status | tee "$RUN/status" | grep -E '^(this OS|CPUs|protected|failovers)'
	grep -q '^protected    NO: ' "$RUN/status" || { fail "orthrosctl status does not say NO"; return 1; }
	grep -q ' failover=1 dead=1 survivor=2 type=active-panic ok=0 ' "$RUN/status" ||
		{ fail "the history does not hold the failover as not wholly ok"; return 1; }
	check_restore
}
