#!/usr/bin/env bash
# cross-setup: installs what `make ARCH=...` and `make test-arch` need, from
# Debian's mirror: for each architecture Debian's gcc-TRIPLET and musl-dev:ARCH
# (dpkg --add-architecture first), and qemu-user-static to run the results.
# Idempotent: it installs only what is missing, and runs apt-get update only
# when it has added an architecture or has something to install.
#
# Then it registers qemu-user-static's binfmt handlers for these architectures
# (what the package's postinst has systemd-binfmt do on a machine booted with
# systemd), so that an arm64 container image runs here under emulation. The
# tests run the cross-built binaries through qemu-NAME-static directly and do
# not need them. Where binfmt_misc cannot be mounted (an unprivileged
# container), it says so and goes on.
#
#   .ci/cross-setup.sh               every architecture of the Makefile's ARCHES
#   .ci/cross-setup.sh arm64 s390x   those only
#   .ci/cross-setup.sh --no-qemu arm64   the compilers only (the Dockerfile's build stage)
#
# The table (triplet, musl's directory, qemu name) is the Makefile's: make arch-info.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "cross-setup: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (dpkg --add-architecture, apt-get)"; exit 1; }

# Other engineers' apt runs may hold the lock: wait for it rather than fail.
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends)
export DEBIAN_FRONTEND=noninteractive

qemu=1
if [ "${1:-}" = --no-qemu ]; then
	qemu=0
	shift
fi
if [ $# -gt 0 ]; then
	arches=("$@")
else
	read -r -a arches <<<"$(make -s --no-print-directory -f Makefile arch-info | cut -d' ' -f1 | tr '\n' ' ')"
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

added=0
missing=()
foreign=$(dpkg --print-foreign-architectures)
if [ "$qemu" = 1 ]; then
	installed qemu-user-static || missing+=(qemu-user-static)
	installed file || missing+=(file)
fi
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
else
	say "installing ${missing[*]}"
	start=$(date +%s)
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	[ ${#missing[@]} -eq 0 ] || "${APT[@]}" install "${missing[@]}" >/dev/null
	say "installed in $(($(date +%s) - start))s"
fi

[ "$qemu" = 1 ] || exit 0
BINFMT=/proc/sys/fs/binfmt_misc
if [ ! -e "$BINFMT/register" ] && ! mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null; then
	say "cannot mount binfmt_misc on $BINFMT: foreign images will not run under emulation here"
	exit 0
fi
for a in "${arches[@]}"; do
	read -r _ _ _ qname _ <<<"$(make -s --no-print-directory arch-info ARCH="$a")"
	conf=/usr/lib/binfmt.d/qemu-$qname.conf
	# None for i386 on amd64: the kernel runs it itself.
	if [ ! -f "$conf" ] || [ -e "$BINFMT/qemu-$qname" ]; then
		continue
	fi
	if grep -v '^#' "$conf" >"$BINFMT/register" 2>/dev/null; then
		say "registered the binfmt handler qemu-$qname"
	else
		say "cannot register the binfmt handler qemu-$qname: foreign $a images will not run here"
	fi
done
