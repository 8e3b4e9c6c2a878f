# fcm-hostile
# File-cache migration against a hostile user: on the user disk an unprivileged user commits d -> /etc, then, in memory only, makes d a directory holding d/passwd; a new file's dentry is renamed '..' in memory (the test module); the same user's honest new files (a new directory and file, a committed file replaced by rename) are in memory only too; the 1stOS panics; the 2ndOS's failover re-creates the honest files whole (the renamed one over its committed older version), writes nothing outside the user disk (its /etc as before, byte for byte), names both refusals in the record, fails the filecache phase and stays up.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200
HOSTILE=$LAB_USER_MOUNT/hostile
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 60 "the 2ndOS's /etc before the failover (names, owners, modes, SHA-256)" etc_state before
	step 120 "the user commits d -> /etc, then in memory only makes d a directory with passwd, and a file named '..'" prepare_attack
	step 60 "the 1stOS panics in a system call" crash_on a panic
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "the record refuses d/passwd (a symlink on the way) and the '..' file by name" check_refusals
	step 60 "the user's honest new files are re-created whole, one over its committed older version" check_recreated
	step 60 "nothing outside the user disk changed: the 2ndOS's /etc is as it was" check_etc
	step 60 "the 2ndOS is the ActiveOS with the user disk; d is still the committed link" check_survivor
}

etc_state() { # etc_state NAME
	guest_on b "find /etc -xdev \\( -type f -o -type l \\) -print0 | sort -z | xargs -0 stat -c '%n %s %U:%G %a' &&
		find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum" >"$RUN/etc-$1" || return
	log "$(wc -l <"$RUN/etc-$1") lines of state of the 2ndOS's /etc"
}

prepare_attack() {
	guest "grep -q '^orthros_crash ' /proc/modules || insmod /opt/orthros/kmod/orthros_crash.ko" || return
	# Nothing reaches the disk unless we say so: no writeback, no journal commit for 10 min.
	guest "mount -o remount,commit=600 $LAB_USER_MOUNT &&
		sysctl -w vm.dirty_expire_centisecs=360000 vm.dirty_writeback_centisecs=0 >/dev/null" || return
	guest "mkdir -p $HOSTILE/dots && chown -R 65534:65534 $HOSTILE" || return
	guest "$AS_NOBODY ln -s /etc $HOSTILE/d && $AS_NOBODY sh -c 'echo committed >$HOSTILE/dots/old && echo v1 >$HOSTILE/ver.txt' && sync" || return
	log "committed: $(guest "ls -l $HOSTILE/d")"
	guest "$AS_NOBODY sh -c 'rm $HOSTILE/d && mkdir $HOSTILE/d &&
		printf \"mallory::0:0::/root:/bin/sh\\n\" >$HOSTILE/d/passwd && echo fresh >$HOSTILE/dots/newfile'" || return
	# And what an honest user does: a new directory and file, a file replaced by rename.
	guest "$AS_NOBODY sh -c 'mkdir $HOSTILE/new && echo fresh >$HOSTILE/new/file &&
		echo v2 >$HOSTILE/ver.tmp && mv $HOSTILE/ver.tmp $HOSTILE/ver.txt'" || return
	log "in memory only: $(guest "ls -ld $HOSTILE/d $HOSTILE/d/passwd | tr '\\n' ';'")"
	# No look-up of newfile after this: it would cache a second, sound name.
	guest "echo dotname $HOSTILE/dots/newfile >/proc/orthros_crash" || { fail "the test module did not rename the dentry"; return 1; }
	guest "grep -E 'Dirty|Writeback:' /proc/meminfo"
}

check_refusals() {
	grep '^fcm: ' "$RUN/failover-1.log"
	grep -q '^fcm: /hostile/d/passwd: NOT written: Too many levels of symbolic links' "$RUN/failover-1.log" ||
		{ fail "d/passwd was not refused for the symlink on its path"; return 1; }
	grep -q '^fcm: inode [0-9]*: its name in memory is unusable: .*corrupt name' "$RUN/failover-1.log" ||
		{ fail "the file named '..' was not refused by name"; return 1; }
	grep '^phase name=filecache ' "$RUN/failover-1.timeline" | grep -q 'status=failed' ||
		{ fail "the filecache phase reported ok though files were refused"; return 1; }
	log "ok: both refused, the filecache phase failed"
}

check_recreated() {
	expect_eq "new/file on the user disk" "$(guest_on b "cat $HOSTILE/new/file")" fresh || return
	expect_eq "ver.txt (v1 committed, v2 in memory)" "$(guest_on b "cat $HOSTILE/ver.txt")" v2 || return
	expect_eq "owner of ver.txt" "$(guest_on b "stat -c %U $HOSTILE/ver.txt")" nobody || return
	grep -q '^fcm: /hostile/ver.txt: re-created with' "$RUN/failover-1.log" ||
		{ fail "ver.txt was not re-created (see the fcm lines)"; return 1; }
	expect_eq "leftover temporary names" "$(guest_on b "ls -A $HOSTILE $HOSTILE/new | grep -c orthros-fcm || true")" 0
}

check_etc() {
	etc_state after || return
	if ! diff "$RUN/etc-before" "$RUN/etc-after"; then
		fail "the 2ndOS's /etc changed during the failover"
		return 1
	fi
	log "ok: the 2ndOS's /etc is unchanged"
}

check_survivor() {
	expect_eq "role of the 2ndOS" "$(guest_on b cat /sys/kernel/orthros/role)" active || return
	guest_on b "grep ' $LAB_USER_MOUNT ext4 ' /proc/mounts" || { fail "the user disk is not mounted"; return 1; }
	expect_eq "d on the user disk" "$(guest_on b "readlink $HOSTILE/d")" /etc || return
	expect_eq "files in dots" "$(guest_on b "ls -A $HOSTILE/dots | tr '\\n' ' '")" "old "
}
