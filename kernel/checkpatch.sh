#!/usr/bin/env bash
# checkpatch.pl (from the unpacked kernel tree) over the patch series and the
# new kernel files. Usage: kernel/checkpatch.sh BUILD_DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cp=$1/kernel/linux/scripts/checkpatch.pl
[ -x "$cp" ] || { echo "checkpatch: $cp missing (make kernel)" >&2; exit 1; }
opts=(--no-tree --quiet --show-types --strict)
bad=0
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	"$cp" "${opts[@]}" "$here/patches/$p" || bad=1
done <"$here/patches/series"
while IFS= read -r f; do
	"$cp" "${opts[@]}" -f "$f" || bad=1
done < <(find "$here/src" -type f)
[ "$bad" = 0 ] && echo "checkpatch: clean" || { echo "checkpatch: problems above" >&2; exit 1; }
