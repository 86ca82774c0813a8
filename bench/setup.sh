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

# The packages: sections [build] and [bench] of tests/packages (installed
# without starting their services: the bench runs its own supervisord). One
# that cannot be installed only skips its part of the bench.
tests/need build bench ||
	echo "bench: not everything could be installed; the parts that need it are skipped" >&2
have() { command -v "$1" >/dev/null 2>&1; }
if have npm && [ ! -x bench/results/npm/node_modules/.bin/pm2-runtime ]; then
	echo "bench: installing pm2 $PM2_VERSION from the npm registry into bench/results/npm" >&2
	mkdir -p bench/results/npm
	npm install --no-audit --no-fund --prefix bench/results/npm "pm2@$PM2_VERSION" >/dev/null ||
		echo "bench: cannot install pm2; its rows are skipped" >&2
fi
[ "${1:-}" = instances ] || bench/peers.sh fetch
