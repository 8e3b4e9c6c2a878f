# failover-partial
# Failover on the Software LPAR with protected processes that cannot be carried over beside pmwork: ip monitor (a netlink socket), a shell holding a file of the 1stOS's root disk whose namesake on the 2ndOS's root disk is another file, with its innocent child, and a process on a terminal (script, sleep on its pty). The failover names each one left behind and why, resumes none of them, and still re-creates pmwork (its files on the migrated disk, its libraries on an unchanged copy of the root image), which goes on checking itself. Before its memory is reused, every PCI function of the dead OS has bus mastering switched off, and the one that offers a Function Level Reset (the spare NVMe controller) is reset; the user disk, remounted nosuid,nodev,noatime,commit=3,errors=remount-ro in the 1stOS, is mounted so in the 2ndOS.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
. "$LAB_DIR/scenarios/failover-file-syscall.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 30 "the user disk is remounted nosuid,nodev,noatime,commit=3,errors=remount-ro in the 1stOS" remount_user
	step 60 "ip monitor runs protected (a netlink socket: not restorable)" start_unrestorable
	step 60 "a shell holds /var/tmp/orthros-ident, which the 2ndOS has too, another file of the same bytes; its child holds nothing" start_other_file
	step 60 "sleep runs protected on a terminal (script's pty)" start_on_pty
	step 120 "pmwork runs protected beside them" start_pmwork
	step 30 "the 1stOS switches on memory space and bus mastering of the spare NVMe controller (00:0b.0, no driver)" enable_spare
	step 60 "the 1stOS panics" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 30 "the 2ndOS mounted the user disk with the options the 1stOS had" check_mount_options
	step 30 "the 2ndOS switched off bus mastering of every PCI function of the dead 1stOS before reusing its memory, and reset the one that offers a Function Level Reset" check_dma_stopped
	step 60 "the record names the process left behind and why; the restore still ran" check_record
	step 60 "each one left behind is named with its reason: the other file, the tree, the terminal" check_refusals
	step 120 "pmwork goes on in the 2ndOS with its PID; none of the others is there" check_others
}

remount_user() {
	guest "mount -o remount,nosuid,nodev,noatime,commit=3,errors=remount-ro $LAB_USER_MOUNT && grep ' $LAB_USER_MOUNT ' /proc/mounts"
}

check_mount_options() {
	local opts
	opts=$(guest_on b "awk '\$2 == \"$LAB_USER_MOUNT\" { print \$4 }' /proc/mounts") || return
	log "the 2ndOS: $LAB_USER_MOUNT $opts"
	case ",$opts," in
	*,nosuid,*) ;; *) fail "nosuid was dropped"; return 1 ;;
	esac
	case ",$opts," in
	*,nodev,*) ;; *) fail "nodev was dropped"; return 1 ;;
	esac
	case ",$opts," in
	*,noatime,*) ;; *) fail "noatime was dropped"; return 1 ;;
	esac
	case ",$opts," in
	*,errors=remount-ro,*commit=3,* | *,commit=3,*errors=remount-ro,*) ;;
	*) fail "ext4's own options (commit=3, errors=remount-ro) were dropped"; return 1 ;;
	esac
	grep -q '^phase name=mount .*(nosuid,nodev,noatime,commit=3,errors=remount-ro, journal replayed)' "$RUN/failover-1.timeline" ||
		{ fail "the mount phase does not name the options"; return 1; }
}

start_unrestorable() {
	guest "echo 30000 >/proc/sys/kernel/ns_last_pid" || return
	guest "setsid orthrosctl run -- ip monitor link </dev/null >/dev/null 2>&1 &" || return
	until guest "pgrep -x ip" >"$RUN/ip.gpid"; do sleep 0.5; done
	expect_eq "the protected set" "$(guest orthrosctl protect)" "$(cat "$RUN/ip.gpid")"
}

# Same name, same bytes, another file: created in each OS on its own root disk.
start_other_file() {
	guest_on b "echo orthros-ident >/var/tmp/orthros-ident" &&
	guest "echo orthros-ident >/var/tmp/orthros-ident && echo 31000 >/proc/sys/kernel/ns_last_pid" || return
	guest "setsid orthrosctl run -- sh -c 'echo \$\$ >/run/ident.pid; sleep 100000 & exec 3</var/tmp/orthros-ident; wait' </dev/null >/dev/null 2>&1 &" || return
	until guest "cat /run/ident.pid" >"$RUN/ident.gpid" 2>/dev/null; do sleep 0.5; done
	until guest "pgrep -x sleep -P $(cat "$RUN/ident.gpid")" >"$RUN/ident-child.pid"; do sleep 0.5; done
	log "sh $(cat "$RUN/ident.gpid") holds the file, its child sleep $(cat "$RUN/ident-child.pid") nothing"
}

start_on_pty() {
	guest "echo 32000 >/proc/sys/kernel/ns_last_pid" || return
	guest "setsid orthrosctl run -- script -qfc 'sleep 100001' /dev/null </dev/null >/dev/null 2>&1 &" || return
	until guest "pgrep -f '^sleep 100001'" >"$RUN/pty.pid"; do sleep 0.5; done
	log "sleep $(cat "$RUN/pty.pid") on $(guest "readlink /proc/$(cat "$RUN/pty.pid")/fd/0")"
}

# pmwork's start, with the others already in the protected set.
start_pmwork() {
	guest "mkdir -p $PM_DIR && echo 20000 >/proc/sys/kernel/ns_last_pid" || return
	guest "cd $PM_DIR && setsid orthrosctl run -- pmwork file syscall $PM_DIR </dev/null >$PM_LOG 2>&1 &" || return
	until [ "$(guest "grep -c alive $PM_LOG || true" 2>/dev/null)" -ge 3 ] 2>/dev/null; do sleep 1; done
	guest "sed -n 's/.*pid=\([0-9]*\).*/\1/p' $PM_LOG | head -n1" >"$RUN/pm.gpid"
	guest orthrosctl protect | grep -qx "$(pm_pid)" || { fail "pmwork is not protected"; return 1; }
}

# Command register 0x0006: memory space and bus mastering on, as a driver
# leaves a device it runs (written through sysfs: no driver binds it).
enable_spare() {
	guest "printf '\\006\\000' | dd of=/sys/bus/pci/devices/0000:00:0b.0/config bs=1 seek=4 conv=notrunc status=none &&
		od -An -tx2 -j4 -N2 /sys/bus/pci/devices/0000:00:0b.0/config" | grep -q 0006 ||
		{ fail "the spare NVMe's command register is not 0x0006"; return 1; }
}

# The dead 1stOS's functions (root-a, user, net-svc, ctl-a and the spare
# NVMe no partition lists), read back at the takeover; none of the 2ndOS's
# own. The virtio functions offer no reset and keep their memory space on;
# the NVMe's Function Level Reset cleared its whole command register.
check_dma_stopped() {
	local list fn
	list=$(guest_on b cat /sys/kernel/orthros/dma_stopped) || return
	printf '%s\n' "$list"
	for fn in 04 06 07 09; do
		printf '%s\n' "$list" | grep -q "^0000:00:$fn.0 master=off reset=none command=0x...[23ab]$" ||
			{ fail "00:$fn.0 of the dead 1stOS was not stopped (or not left as it was)"; return 1; }
	done
	printf '%s\n' "$list" | grep -qx "0000:00:0b.0 master=off reset=flr command=0x0000" ||
		{ fail "the spare NVMe (00:0b.0) was not reset"; return 1; }
	for fn in 05 08 0a; do
		if printf '%s\n' "$list" | grep -q "^0000:00:$fn.0 "; then
			fail "the 2ndOS stopped its own 00:$fn.0"
			return 1
		fi
	done
	if printf '%s\n' "$list" | grep -q "master=ON"; then
		fail "a function of the dead OS still has bus mastering on"
		return 1
	fi
	guest_on b "dmesg | grep -q 'takeover: bus mastering off for the dead OS'" ||
		{ fail "no takeover line about bus mastering"; return 1; }
}

check_record() {
	local processes restore
	processes=$(grep '^phase name=processes ' "$RUN/failover-1.timeline")
	restore=$(grep '^phase name=restore ' "$RUN/failover-1.timeline")
	log "$processes"
	log "$restore"
	case "$processes" in
	*"status=failed"*" not restorable: $(cat "$RUN/ip.gpid") (ip): "*socket*) ;;
	*) fail "the processes phase does not name ip monitor and its socket"; return 1 ;;
	esac
	case "$restore" in
	*"status=ok"*"1 of 1 process trees restored"*) ;;
	*) fail "pmwork's tree was not restored"; return 1 ;;
	esac
	grep -q '^end downtime_ms=[0-9]' "$RUN/failover-1.timeline" ||
		{ fail "no downtime: the restored process was not counted as resumed"; return 1; }
}

# orthros-pm's report (the failover's log): "NOT restorable: why" under each process.
refusal_of() { # refusal_of PID
	awk -v pid="$1" '$2 == "process" && $3 == pid { on = 1; next }
		$2 == "process" { on = 0 } on && /NOT restorable/' "$RUN/failover-1.log"
}

check_refusals() {
	local ident child pty
	ident=$(refusal_of "$(cat "$RUN/ident.gpid")")
	child=$(refusal_of "$(cat "$RUN/ident-child.pid")")
	pty=$(refusal_of "$(cat "$RUN/pty.pid")")
	log "sh: $ident"
	log "its child: $child"
	log "on the pty: $pty"
	case "$ident" in
	*"/var/tmp/orthros-ident: another file here"*) ;;
	*) fail "the shell was not refused for holding another file of the same name"; return 1 ;;
	esac
	case "$child" in
	*"in the tree of $(cat "$RUN/ident.gpid") with $(cat "$RUN/ident.gpid") (sh)"*) ;;
	*) fail "the shell's child was not refused with its tree"; return 1 ;;
	esac
	case "$pty" in
	*"/dev/pts/"*"device 136:"*"belongs to the dead kernel"*) ;;
	*) fail "the process on a terminal was not refused for it"; return 1 ;;
	esac
}

check_others() {
	expect_eq "pmwork runs in the 2ndOS with its PID" "$(guest_on b cat /proc/"$(pm_pid)"/comm)" pmwork || return
	local f pid
	for f in ip.gpid ident.gpid ident-child.pid pty.pid; do
		pid=$(cat "$RUN/$f")
		if guest_on b "grep -s -e '^Name:' /proc/$pid/status" | grep -Eq 'ip|sh|sleep|script'; then
			fail "process $pid (${f%%.*}) runs in the 2ndOS with its PID: it was resumed"
			return 1
		fi
	done
	check_running
}
