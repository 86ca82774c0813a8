#!/usr/bin/env bash
# bench/setup.sh: what `make bench` needs on a fresh Debian, installed when missing, and
# the peers' source packages (bench/peers.sh fetch). It needs the network; the bench itself
# does not. A package that cannot be installed only skips its part of the bench.
# `bench/setup.sh instances`: only what the instances part (bench/run.sh instances) needs.
# pm2, for the instances part, comes from the npm registry into bench/results/npm (not
# committed), pinned to the version the bench was written against.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PM2_VERSION=7.0.4

have() { command -v "$1" >/dev/null 2>&1; }
need=()
have musl-gcc || need+=(musl-tools)
have cc || need+=(gcc)
have make || need+=(make)
have wrk || need+=(wrk)
have node || need+=(nodejs)
have npm || need+=(npm)
if [ "${1:-}" != instances ]; then
	have strace || need+=(strace)
	have supervisord || need+=(supervisor)
	[ -x /usr/bin/tini ] || need+=(tini)
	[ -x /usr/bin/dumb-init ] || need+=(dumb-init)
	[ -x /usr/bin/catatonit ] || need+=(catatonit)
	have dpkg-source || need+=(dpkg-dev)
	have nm || need+=(binutils)
fi
have ip || need+=(iproute2)
have ss || need+=(iproute2)
have unshare || need+=(util-linux)
have pgrep || need+=(procps)
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
	# Others may be installing at the same time: wait for dpkg's lock rather than fail.
	if ! apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
		# One package the mirror lacks must not block the others.
		for p in $(printf '%s\n' "${need[@]}" | sort -u); do
			apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "$p" >/dev/null ||
				echo "bench: cannot install $p; its part is skipped" >&2
		done
	fi
	[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
if have npm && [ ! -x bench/results/npm/node_modules/.bin/pm2-runtime ]; then
	echo "bench: installing pm2 $PM2_VERSION from the npm registry into bench/results/npm" >&2
	mkdir -p bench/results/npm
	npm install --no-audit --no-fund --prefix bench/results/npm "pm2@$PM2_VERSION" >/dev/null ||
		echo "bench: cannot install pm2; its rows are skipped" >&2
fi
[ "${1:-}" = instances ] || bench/peers.sh fetch
