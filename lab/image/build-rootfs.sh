#!/usr/bin/env bash
# Debian 12 root file system for the lab's OS instances, made by debootstrap
# from lab/image/packages. Cached: rebuilt only when its inputs change.
# Usage: lab/image/build-rootfs.sh OUT_DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1
mirror=${ORTHROS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
die() { printf 'rootfs: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "debootstrap needs root (run as root, or with sudo)"
command -v debootstrap >/dev/null || die "debootstrap not found (run 'make setup')"

inputs=$(cat "$here/packages" "$0" | sha256sum | cut -d' ' -f1)-$mirror
if [ -f "$out/.orthros-rootfs" ] && [ "$(cat "$out/.orthros-rootfs")" = "$inputs" ]; then
	echo "rootfs: up to date ($out)"
	exit 0
fi

pkgs=$(grep -vE '^(#|$)' "$here/packages" | paste -sd, -)
rm -rf "$out" "$out.tmp"
mkdir -p "$(dirname "$out")"
echo "rootfs: debootstrap bookworm from $mirror (log: $out.log)"
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$pkgs" bookworm "$out.tmp" "$mirror" >"$out.log" 2>&1; then
	tail -n 20 "$out.log" >&2
	die "debootstrap failed, full log: $out.log"
fi
# Keep the image small and free of host-specific state.
rm -rf "$out.tmp"/var/cache/apt/archives/*.deb "$out.tmp"/var/lib/apt/lists/*
echo orthros >"$out.tmp/etc/hostname"
echo "$inputs" >"$out.tmp/.orthros-rootfs"
mv "$out.tmp" "$out"
echo "rootfs: built in $(( $(date +%s) - start )) s"
