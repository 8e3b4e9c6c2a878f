# fcm-kdump
# kdump path: a writer keeps records dirty in the 1stOS's page cache (appends, overwrites, a new directory and file just before the crash); the 1stOS panics; the crash kernel mounts the user disk at the same path and runs orthros-fcm: every acknowledged write is on disk byte for byte, e2fsck -fn clean.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200
# fcm: the crash kernel runs the migrator; none: it only mounts (baseline).
: "${FCM_MODE:=fcm}"
FCM_DIR=$LAB_USER_MOUNT/fcm
ACKS=$RUN/console-com3.log	# the writer acknowledges on COM3 (ttyS2)

scenario() {
	step 600 "boot the 1stOS with crashkernel=256M" boot_1stos_kdump
	step 60 "load the crash kernel (kexec -s -p, mode $FCM_MODE)" load_crash_kernel
	step 180 "the writer runs with writeback held off; then a new directory and file" start_writer
	step 60 "the 1stOS panics in a system call" crash_1stos
	step 300 "the crash kernel boots and mounts the user disk at $LAB_USER_MOUNT" wait_kdump
	step 600 "the crash kernel's file-cache migration ($FCM_MODE)" check_migration
	step 120 "the user disk is unmounted and the machine stopped" stop_machine
	step 300 "e2fsck -fn of the user disk is clean" fsck_user
	step 300 "the acknowledged writes against the disk" verify_writes
}


load_crash_kernel() {
	guest /opt/orthros/lab/kdump-load "$FCM_MODE"
}

acks() { grep -ac "^A $1" "$ACKS" || true; }

wait_acks() { # wait_acks PATTERN COUNT
	while [ "$(acks "$1")" -lt "$2" ]; do
		guest 'pgrep -x fcwriter >/dev/null' || { guest cat /run/fcwriter.log; fail "the writer died"; return 1; }
		sleep 1
	done
	log "$(acks "$1") acknowledged writes matching '$1'"
}

start_writer() {
	if [ "${FCM_WRITEBACK:-}" = fast ]; then
		# Written back within a second; the journal commits every 5 s.
		guest sysctl -w vm.dirty_expire_centisecs=50 vm.dirty_writeback_centisecs=20 >/dev/null || return
	else
		# Nothing is written back before the crash: no periodic flush, no
		# background threshold (ext4 still commits its journal every 5 s).
		guest sysctl -w vm.dirty_expire_centisecs=360000 vm.dirty_writeback_centisecs=0 \
			vm.dirty_background_ratio=50 vm.dirty_ratio=80 >/dev/null || return
	fi
	guest "setsid fcwriter run $FCM_DIR --acks /dev/ttyS2 --rate 200 </dev/null >/run/fcwriter.log 2>&1 &" || return
	until grep -aq '^READY' "$ACKS"; do sleep 1; done
	wait_acks "" 400 || return
	guest pkill -USR1 -x fcwriter || return
	until grep -aq '^LATE' "$ACKS"; do sleep 1; done
	wait_acks "3 " 30 || return
	guest "grep -E 'Dirty|Writeback:' /proc/meminfo"
}

crash_1stos() {
	crash_on a panic || return
	log "panic requested; $(acks "") writes acknowledged by then"
}


check_migration() {
	if [ "$FCM_MODE" = none ]; then
		guest_on b 'test ! -e /run/fcm.rc' || { fail "the migrator ran in the baseline"; return 1; }
		log "no migration (baseline)"
		return
	fi
	until guest_on b -t 5 'test -e /run/fcm.rc' 2>/dev/null; do sleep 2; done
	guest_on b cat /run/fcm.log >"$RUN/fcm.log" || return
	cat "$RUN/fcm.log"
	guest_on b cat /run/fcm.json >"$RUN/fcm.json"
	expect_eq "orthros-fcm exit status" "$(guest_on b cat /run/fcm.rc)" 0 || return
	# With fast writeback a file may be on disk whole; verify_writes judges.
	[ "${FCM_WRITEBACK:-}" != fast ] || return 0
	grep -q "fcm: /fcm/late/fresh.dat: " "$RUN/fcm.log" || { fail "the late file was not migrated"; return 1; }
	grep -q "fcm: /fcm/append.dat: wrote" "$RUN/fcm.log" || { fail "append.dat was not migrated"; return 1; }
}

stop_machine() {
	guest_on b "umount $LAB_USER_MOUNT && sync" || return
	qmp quit >/dev/null || true
	while qemu_alive; do sleep 0.5; done
	log "machine stopped"
}

fsck_user() {
	qemu-img convert -O raw "$RUN/user.qcow2" "$RUN/user.raw" || return
	e2fsck -fn "$RUN/user.raw" || { fail "e2fsck -fn found errors"; return 1; }
}

verify_writes() {
	local rc=0
	rm -rf "$RUN/disk" && mkdir -p "$RUN/disk"
	debugfs -R "rdump /fcm $RUN/disk" "$RUN/user.raw" 2>/dev/null || return
	rm -f "$RUN/user.raw"
	"$BUILD/bin/fcwriter" verify "$RUN/disk/fcm" "$ACKS" >"$RUN/verify.log" || rc=$?
	cat "$RUN/verify.log"
	if [ "$FCM_MODE" = none ]; then
		[ "$rc" = 1 ] || { fail "the baseline lost no write (verify exit $rc): the test cannot fail"; return 1; }
		log "ok: without the migrator acknowledged writes are lost"
	else
		expect_eq "verify exit status (0: nothing lost)" "$rc" 0
	fi
}
