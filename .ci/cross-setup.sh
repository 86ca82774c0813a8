#!/usr/bin/env bash
# cross-setup: installs what `make ARCH=...` and `make test-arch` need, from
# Debian's mirror: for each architecture Debian's gcc-TRIPLET and musl-dev:ARCH
# (dpkg --add-architecture first), and qemu-user-static to run the results.
# Idempotent: it installs only what is missing, and runs apt-get update only
# when it has added an architecture or has something to install.
#
#   .ci/cross-setup.sh            every architecture of the Makefile's ARCHES
#   .ci/cross-setup.sh arm64 s390x   those only
#
# The table (triplet, musl's directory, qemu name) is the Makefile's: make arch-info.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "cross-setup: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (dpkg --add-architecture, apt-get)"; exit 1; }

# Other engineers' apt runs may hold the lock: wait for it rather than fail.
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends)
export DEBIAN_FRONTEND=noninteractive

if [ $# -gt 0 ]; then
	arches=("$@")
else
	read -r -a arches <<<"$(make -s --no-print-directory -f Makefile arch-info | cut -d' ' -f1 | tr '\n' ' ')"
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

added=0
missing=()
foreign=$(dpkg --print-foreign-architectures)
installed qemu-user-static || missing+=(qemu-user-static)
installed file || missing+=(file)
for a in "${arches[@]}"; do
	read -r _ triplet musldir _ <<<"$(make -s --no-print-directory arch-info ARCH="$a")"
	[ -n "$triplet" ] || { say "unknown architecture $a"; exit 1; }
	if ! grep -qx "$a" <<<"$foreign"; then
		say "dpkg --add-architecture $a"
		dpkg --add-architecture "$a"
		added=1
	fi
	installed "gcc-$triplet" || missing+=("gcc-$triplet")
	[ -f "/usr/lib/$musldir/musl-gcc.specs" ] || missing+=("musl-dev:$a")
done

if [ ${#missing[@]} -eq 0 ] && [ "$added" = 0 ]; then
	say "nothing to install for ${arches[*]}"
	exit 0
fi
say "installing ${missing[*]}"
start=$(date +%s)
apt-get -o DPkg::Lock::Timeout=600 update -qq
[ ${#missing[@]} -eq 0 ] || "${APT[@]}" install "${missing[@]}" >/dev/null
say "installed in $(($(date +%s) - start))s"
