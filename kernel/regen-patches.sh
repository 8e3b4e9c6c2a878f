#!/usr/bin/env bash
# Regenerate kernel/src and kernel/patches from a kernel working tree whose
# commits on top of the tag orthros-base are the Orthros changes (the tree
# kernel/build.sh makes: build/kernel/linux). Work there, commit, run this.
#   - files the commits add   -> kernel/src/<same path> (real files)
#   - changes to kernel files -> kernel/patches/NNNN-*.patch + series
# New files must be added with 'git add -f' (Debian's .gitignore hides them).
# Usage: kernel/regen-patches.sh [TREE]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tree=${1:-$here/../build/kernel/linux}
die() { printf 'regen-patches: error: %s\n' "$*" >&2; exit 1; }
# core.abbrev pinned: the blob ids in the patches read the same on every machine.
g() { git -C "$tree" -c core.abbrev=7 "$@"; }

g rev-parse -q --verify orthros-base >/dev/null || die "$tree has no orthros-base tag (run make kernel)"
g diff --quiet HEAD && g diff --cached --quiet || die "uncommitted changes in $tree: commit them first"

mapfile -t added < <(g diff --name-only --diff-filter=A orthros-base HEAD)
rm -rf "$here/src"
mkdir -p "$here/src"
for f in "${added[@]}"; do
	mkdir -p "$here/src/$(dirname "$f")"
	g show "HEAD:$f" >"$here/src/$f"
done

rm -f "$here/patches/"*.patch
exclude=()
for f in "${added[@]}"; do exclude+=(":(exclude)$f"); done
# Signed off by whoever commits to this repository.
g -c user.name="$(git -C "$here" config user.name)" -c user.email="$(git -C "$here" config user.email)" \
	format-patch -q --no-signature --zero-commit --signoff -o "$here/patches" \
	orthros-base..HEAD -- . "${exclude[@]}"
{
	echo "# Applied in order by kernel/build.sh; regenerate with kernel/regen-patches.sh."
	(cd "$here/patches" && ls -- *.patch 2>/dev/null || true)
} >"$here/patches/series"
echo "regen-patches: ${#added[@]} new files in kernel/src, $(grep -c '\.patch$' "$here/patches/series") patches"
