#!/usr/bin/env bash
# Build the Orthros kernel from Debian's linux-source-6.1:
#   unpack once into a git tree tagged orthros-base, commit the project's new
#   kernel files (kernel/src) on top, apply the patch series (kernel/patches)
#   with git am, merge kernel/config/{base,orthros}.config onto allnoconfig and
#   build bzImage out of tree with ccache.
# Usage: kernel/build.sh BUILD_DIR     (outputs in BUILD_DIR/kernel)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1/kernel" && cd "$1/kernel" && pwd)
tarball=${ORTHROS_KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
tree=$out/linux
obj=$out/obj
jobs=${JOBS:-$(nproc)}

log() { printf 'kernel: %s\n' "$*"; }
die() { printf 'kernel: error: %s\n' "$*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball not found (apt-get install linux-source-6.1, or run 'make setup')"
command -v ccache >/dev/null || die "ccache not found (run 'make setup')"

# Reproducible builds and ccache hits across clones and machines.
export KBUILD_BUILD_TIMESTAMP='1970-01-01'
export KBUILD_BUILD_USER=orthros KBUILD_BUILD_HOST=lab
export CCACHE_BASEDIR=$out CCACHE_NOHASHDIR=1
# The commits this script makes have fixed identities and dates, so the tree's
# HEAD (recorded in VERSION) names the same source on every machine; git am
# keeps each patch's own author and date.
export GIT_COMMITTER_NAME=orthros-build GIT_COMMITTER_EMAIL=build@orthros.invalid
export GIT_COMMITTER_DATE='1970-01-01T00:00:00Z'
commit() { GIT_AUTHOR_NAME=orthros-build GIT_AUTHOR_EMAIL=build@orthros.invalid \
	GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE g commit -q "$@"; }
g() { git -C "$tree" -c core.autocrlf=false -c advice.detachedHead=false "$@"; }

# 1. Pristine source as a git tree, once per tarball.
tar_id=$(stat -c '%s-%Y' "$tarball")
if [ "$(cat "$out/tarball.id" 2>/dev/null)" != "$tar_id" ] || ! g rev-parse -q --verify orthros-base >/dev/null 2>&1; then
	log "unpacking $tarball"
	rm -rf "$tree" "$obj" "$out/tarball.id"
	mkdir -p "$out/unpack"
	tar -C "$out/unpack" -xf "$tarball"
	mv "$out/unpack"/linux-source-* "$tree"
	rmdir "$out/unpack"
	g init -q
	g add -A -f
	commit -m "Debian linux-source-6.1 $(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)"
	g tag orthros-base
	echo "$tar_id" >"$out/tarball.id"
fi

# 2. Orthros on top: new files, then the ordered patch series.
log "applying kernel/src and kernel/patches"
g reset -q --hard orthros-base
g clean -q -fdx
if [ -n "$(ls -A "$here/src")" ]; then
	cp -r "$here/src/." "$tree/"
	g add -A -f
	commit -m "orthros: new kernel source files (kernel/src)"
fi
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	[ -f "$here/patches/$p" ] || die "patch $p listed in kernel/patches/series is missing"
	g am -q --keep-cr "$here/patches/$p" || { g am --abort || true; die "patch $p does not apply to $(g log -1 --format=%s orthros-base)"; }
done <"$here/patches/series"

# 3. Configuration: allnoconfig + a small base + the Orthros fragment.
mkdir -p "$obj"
kmake() { make -C "$tree" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" LOCALVERSION= -j"$jobs" "$@"; }
fragments=("$here/config/base.config" "$here/config/orthros.config")
kmake -s allnoconfig
"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}" >/dev/null
kmake -s olddefconfig
# Every line of the fragments must have stuck, or the build is not what we think.
missing=$(grep -hE '^(CONFIG_|# CONFIG_)' "${fragments[@]}" | while read -r line; do
	grep -qxF -- "$line" "$obj/.config" || {
		# "is not set" also holds when the symbol vanished (its menu is off).
		sym=$(printf '%s' "$line" | sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p')
		[ -n "$sym" ] && ! grep -q "^$sym=" "$obj/.config" && continue
		echo "$line"
	}
done)
[ -z "$missing" ] || die "config fragment lines not in the final .config:
$missing"

# 4. Build.
log "building bzImage with $jobs jobs (ccache: ${CCACHE_DIR:-default dir})"
start=$(date +%s)
# modules too: Module.symvers, which the lab's test modules build against.
kmake bzImage modules >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log" >&2; die "build failed, full log: $out/build.log"; }
log "built in $(( $(date +%s) - start )) s"

cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
cp "$obj/vmlinux" "$out/vmlinux"
{
	echo "kernelrelease=$(kmake -s kernelrelease)"
	echo "debian_package=linux-source-6.1 $(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)"
	echo "orthros_head=$(g rev-parse HEAD)"
	echo "patches=$(grep -cvE '^(#|$)' "$here/patches/series" || true)"
} >"$out/VERSION"
log "$(tr '\n' ' ' <"$out/VERSION")"
