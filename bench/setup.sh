#!/usr/bin/env bash
# bench/setup.sh: what `make bench` needs on a fresh Debian, installed when missing, and
# the peers' source packages (bench/peers.sh fetch). It needs the network; the bench itself
# does not. A package that cannot be installed only skips its part of the bench.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

have() { command -v "$1" >/dev/null 2>&1; }
need=()
have musl-gcc || need+=(musl-tools)
have cc || need+=(gcc)
have make || need+=(make)
have wrk || need+=(wrk)
have strace || need+=(strace)
have supervisord || need+=(supervisor)
[ -x /usr/bin/tini ] || need+=(tini)
[ -x /usr/bin/dumb-init ] || need+=(dumb-init)
[ -x /usr/bin/catatonit ] || need+=(catatonit)
have ip || need+=(iproute2)
have ss || need+=(iproute2)
have unshare || need+=(util-linux)
have pgrep || need+=(procps)
have nm || need+=(binutils)
have dpkg-source || need+=(dpkg-dev)
[ -x /usr/bin/python3 ] || need+=(python3)

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: missing ${need[*]}; run as root (the bench needs root anyway)" >&2
		exit 1
	fi
	echo "bench: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# The supervisor package would start a system-wide supervisord: the bench runs its own.
	# policy-rc.d is Debian's switch for "install, do not start" (invoke-rc.d(8)).
	own_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		own_policy=1
	fi
	apt-get update -qq
	if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
		# One package the mirror lacks must not block the others.
		for p in $(printf '%s\n' "${need[@]}" | sort -u); do
			apt-get install -y -qq --no-install-recommends "$p" >/dev/null ||
				echo "bench: cannot install $p; its part is skipped" >&2
		done
	fi
	[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
bench/peers.sh fetch
