#!/usr/bin/env bash
# bench/setup.sh: what `make bench` needs on a fresh Debian, installed when missing, and
# the peers' source packages (bench/peers.sh fetch). It needs the network; the bench itself
# does not. A package that cannot be installed only skips its part of the bench.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# The packages: sections [build] and [bench] of tests/packages (installed
# without starting their services: the bench runs its own supervisord). One
# that cannot be installed only skips its part of the bench.
tests/need build bench ||
	echo "bench: not everything could be installed; the parts that need it are skipped" >&2
bench/peers.sh fetch
