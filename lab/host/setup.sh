#!/usr/bin/env bash
# Install the host packages in lab/host/packages that are missing.
# Idempotent: does nothing when all are installed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mapfile -t wanted < <(grep -vE '^(#|$)' "$here/packages")
missing=()
for p in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
	echo "setup: all ${#wanted[@]} host packages installed"
	exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "setup: error: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
		exit 1
	}
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null || echo "setup: warning: apt-get update reported errors" >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "setup: error: apt-get install ${missing[*]} failed" >&2; exit 1; }
echo "setup: installed ${missing[*]}"
