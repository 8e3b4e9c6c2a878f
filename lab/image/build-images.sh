#!/usr/bin/env bash
# Disk images of the lab machine, made with mkfs.ext4 -d (no loop mounts):
#   root.img  root disk of every OS instance: the cached Debian rootfs plus
#             the project's files in /opt/orthros (tools, lab init, kernel)
#   user.img  the user-data disk (label orthros-user)
# Fixed UUIDs and hash seeds: same inputs, same file systems.
# Usage: lab/image/build-images.sh BUILD_DIR OPT_ORTHROS_DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$1
opt=$2
rootfs=$build/images/rootfs
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

[ -f "$rootfs/.orthros-rootfs" ] || die "no rootfs in $rootfs (make rootfs)"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not found (run 'make setup')"

mkimage() { # mkimage FILE SIZE LABEL UUID DIR
	rm -f "$1.tmp"
	truncate -s "$2" "$1.tmp"
	mkfs.ext4 -q -F -L "$3" -U "$4" -E "hash_seed=$4,root_owner=0:0" -d "$5" "$1.tmp" ||
		die "mkfs.ext4 of $1 failed"
	mv "$1.tmp" "$1"
}

rsync -a --delete "$opt/" "$rootfs/opt/orthros/"
mkdir -p "$rootfs/etc/orthros"
cp "$opt/lab/partition.conf" "$rootfs/etc/orthros/partition.conf"
mkimage "$build/images/root.img" 2G orthros-root 6f72746f-0000-4000-8000-000000000001 "$rootfs"
mkimage "$build/images/user.img" 1G orthros-user 6f72746f-0000-4000-8000-000000000002 "$here/userdisk"
echo "images: $build/images/root.img $build/images/user.img"
