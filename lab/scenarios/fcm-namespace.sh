# fcm-namespace
# Namespace operations the journal never committed, replayed from the dead kernel's memory: on the user disk, after a sync and with no journal commit since, a file is created, one renamed, one replaced by rename, one renamed and a new one made in its place, two swapped by renames, one truncated shorter and one to zero, one removed, a folder removed with what it held, a folder renamed, a committed file given a second name and a new file made with two, a folder of another user made, and one unlinked while a process holds it open; pmwork, protected, works in a folder and on files it created after the sync; the 1stOS panics. After the failover each of them is on the disk as the dead kernel had it (both names of a file one inode, a folder with its owner and mode), nothing else in the folder changed, the filecache phase reports them and succeeds, pmwork is restored in the folder and on the files the migration re-created and goes on checking itself, and e2fsck finds the file system clean.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=1200
NS=$LAB_USER_MOUNT/ns
. "$LAB_DIR/scenarios/failover-file-syscall.sh"

scenario() {
	step 600 "boot the 1stOS" boot_1stos
	step 300 "the 1stOS boots the 2ndOS beside it" boot_backup a 2
	step 60 "committed files; from here on no journal commit and no writeback" commit_then_hold
	step 120 "pmwork runs protected, writing files it creates now (never committed)" start_workload
	step 120 "create, rename, replace, swap, truncate, rm, rm -r, a folder renamed, hard links and unlink-while-open in memory only" prepare_namespace
	step 60 "the 1stOS panics while pmwork sleeps in a system call" crash_1stos
	step 300 "the 2ndOS fences it and runs the failover pipeline" wait_failover 1
	step 60 "every phase succeeded; the record names each operation replayed" check_record
	step 60 "the folder on the disk is what the dead kernel had, byte for byte" check_folder
	step 120 "pmwork was restored on its re-created files, with its PID" check_restore
	step 120 "pmwork goes on in the 2ndOS, every self-check passing" check_running
	step 120 "e2fsck -fn finds the user disk clean" check_fsck
}

# Name, size and SHA-256 of every file in the folder, sorted.
folder_state() { # folder_state SIDE
	guest_on "$1" "cd $NS && find . -type f -printf '%p %s\\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum"
}

commit_then_hold() {
	# Nothing reaches the disk unless we say so: no writeback, no journal commit for 10 min.
	guest "mount -o remount,commit=600 $LAB_USER_MOUNT &&
		sysctl -w vm.dirty_expire_centisecs=360000 vm.dirty_writeback_centisecs=0 >/dev/null" || return
	guest "mkdir -p $NS && cd $NS && echo A1 >a.txt && echo B1 >b.txt && echo C1 >c1 && echo C2 >c2 && echo D1 >d.txt &&
		head -c 1048576 /dev/urandom >big.dat && echo zero >zero.dat && echo open >open.txt &&
		echo same >same.txt && echo gone >gone.txt && echo L >hl.txt &&
		mkdir -p olddir/sub dirA && echo x >olddir/f && echo y >olddir/sub/g && echo z >dirA/inner && sync"
}

prepare_namespace() {
	guest "cd $NS && echo N1 >new.txt && mv a.txt a-renamed.txt && echo B2 >b.tmp && mv b.tmp b.txt &&
		mv c1 t && mv c2 c1 && mv t c2 && mv d.txt d.old && echo D2 >d.txt && truncate -s 4096 big.dat && truncate -s 0 zero.dat && rm gone.txt && rm -r olddir && mv dirA dirB &&
		ln hl.txt hl.link && echo N2 >nl1 && ln nl1 nl2 &&
		mkdir userdir emptydir && echo u >userdir/f && chown -R 1000:1000 userdir && chmod 0750 userdir" || return
	# A process holds open.txt open while it is unlinked (as a log a daemon still writes).
	guest "cd $NS && setsid sh -c 'exec 3<open.txt; rm open.txt; exec sleep 100000' </dev/null >/dev/null 2>&1 &" || return
	until ! guest "test -e $NS/open.txt"; do sleep 1; done
	folder_state a >"$RUN/folder-before" || return
	guest "grep -E 'Dirty|Writeback:' /proc/meminfo"
	log "in memory only: $(guest "ls $NS | tr '\\n' ' '")"
}

check_record() {
	check_failover 1 || return
	grep '^fcm: ' "$RUN/failover-1.log" | tee "$RUN/fcm.log"
	local want
	for want in '/ns/new.txt: re-created with' '/ns/a-renamed.txt: moved from /ns/a.txt, as in memory' \
		'/ns/b.txt: re-created with' '/ns/c1: moved from' '/ns/c2: moved from' \
		'/ns/d.old: moved from' '/ns/d.txt: re-created with' \
		'/ns/big.dat: wrote .* size 4096' '/ns/zero.dat: truncated to 0 bytes' \
		'/ns/open.txt: unlinked, as in memory' '/ns/gone.txt: removed, as in memory' \
		'/ns/olddir: removed, as in memory' '/ns/dirB: folder moved from /ns/dirA, as in memory' \
		'/ns/hl.(txt|link): linked, as in memory' '/ns/nl[12]: re-created with' '/ns/nl[12]: linked, as in memory' \
		'/ns/userdir: folder re-created \(mode 0750, owner 1000:1000\)' '/pm: folder re-created' \
		'/pm/records.dat: re-created with' '/pm/pmwork.log: re-created with'; do
		grep -Eq "^fcm: $want" "$RUN/fcm.log" || { fail "the record does not say: $want"; return 1; }
	done
	log "ok: each operation replayed and named"
}

check_folder() {
	folder_state b >"$RUN/folder-after" || return
	if ! diff "$RUN/folder-before" "$RUN/folder-after"; then
		fail "the folder on the disk is not what the dead kernel had"
		return 1
	fi
	expect_eq "c1 and c2 swapped" "$(guest_on b "cat $NS/c1 $NS/c2 | tr '\\n' ' '")" "C2 C1 " || return
	expect_eq "leftover names of the migration" "$(guest_on b "ls -A $NS | grep -c orthros-fcm || true")" 0 || return
	expect_eq "hl.txt and hl.link: one file of two names" "$(guest_on b "stat -c '%i %h' $NS/hl.txt $NS/hl.link | uniq -c | awk '{print \$1, \$3}'")" "2 2" || return
	expect_eq "an empty folder made in memory" "$(guest_on b "find $NS/emptydir -maxdepth 0 -type d -empty | wc -l")" 1 || return
	expect_eq "userdir's mode and owner" "$(guest_on b "stat -c '%a %u:%g' $NS/userdir")" "750 1000:1000" || return
	expect_eq "nl1 and nl2: one file of two names" "$(guest_on b "stat -c '%i %h' $NS/nl1 $NS/nl2 | uniq -c | awk '{print \$1, \$3}'")" "2 2" || return
	log "ok: $(wc -l <"$RUN/folder-after") lines of state, as before the crash"
}

check_fsck() {
	local dev
	guest_on b "kill $(pm_pid); while kill -0 $(pm_pid) 2>/dev/null; do sleep 0.2; done" || return
	dev=$(guest_on b "findmnt -no SOURCE $LAB_USER_MOUNT") || return
	guest_on b "umount $LAB_USER_MOUNT" || return
	guest_on b "e2fsck -fn $dev" >"$RUN/e2fsck.log" 2>&1 || { cat "$RUN/e2fsck.log"; fail "e2fsck -fn found errors on $dev"; return 1; }
	tail -n 2 "$RUN/e2fsck.log"
	guest_on b "mount $dev $LAB_USER_MOUNT"
}
