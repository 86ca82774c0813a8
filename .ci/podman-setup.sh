#!/usr/bin/env bash
# podman-setup: makes rootful podman work on this kind of machine, offline, for
# `make test-container`. Installs nothing global but Debian packages: podman's
# settings go in a private file named by CONTAINERS_CONF, never /etc/containers.
#
#   .ci/podman-setup.sh               install what is missing (apt), configure, make the base image
#   .ci/podman-setup.sh --no-install  the same without apt; exit 3 if podman cannot run here
#
# Prints `export CONTAINERS_CONF=...` for the shell that runs podman afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

CANNOT_RUN=3			# podman cannot run here: the tests skip (or fail in CI)
CONF_DIR="$PWD/build/podman"
CONF="$CONF_DIR/containers.conf"
BASE=docker.io/library/debian:bookworm-slim

install=1
[ "${1:-}" = --no-install ] && install=0

say() { echo "podman-setup: $*" >&2; }
cannot_run() { say "$*"; exit "$CANNOT_RUN"; }

[ "$(id -u)" = 0 ] || cannot_run "needs root: the tests use rootful podman"

# The packages: section [container] of tests/packages.
if [ "$install" = 1 ]; then
	tests/need container || cannot_run "cannot install the packages podman needs"
elif ! out=$(tests/need --check container 2>&1); then
	cannot_run "${out%%$'\n'*} (run .ci/podman-setup.sh)"
fi

# crun refuses this kernel's hybrid cgroups (v1 controllers, v2 unified): runc.
# Podman's default nofile ulimit is above this machine's hard limit, and
# setrlimit cannot raise it (`setrlimit RLIMIT_NOFILE: Operation not
# permitted`): ask for no more than we have. There is no systemd as PID 1 and
# no journald: cgroupfs, and events and logs in files.
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
NPROC_MAX=32768			# plenty for tests; podman's own default
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$NPROC_MAX" ]; then
	nproc=$NPROC_MAX
fi
mkdir -p "$CONF_DIR"
cat >"$CONF.tmp" <<CONF
# Written by .ci/podman-setup.sh; used through CONTAINERS_CONF only.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
mv "$CONF.tmp" "$CONF"
export CONTAINERS_CONF="$CONF"

podman info >/dev/null 2>"$CONF_DIR/info.err" ||
	cannot_run "podman does not work here: $(tail -n 1 "$CONF_DIR/info.err")"

# No image registry is reachable: the builder's base is made from Debian's
# mirror and named as Docker Hub names it, so `podman build --pull=never`
# finds `FROM debian:bookworm-slim` locally and the Dockerfiles stay as users
# build them with Docker.
# Its apt sources are the host's Debian ones when they are bookworm's: a
# container then installs from the very mirror this machine uses (tests of
# .ci/fresh-check.sh do); without them, mmdebstrap's default, deb.debian.org.
if ! podman image exists "$BASE"; then
	sources=
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		if [ -s "$f" ] && grep -q '^[^#]*bookworm' "$f"; then
			sources=$f
			break
		fi
	done
	say "making $BASE with mmdebstrap (about a minute), apt sources: ${sources:-deb.debian.org}"
	start=$(date +%s)
	mmdebstrap --quiet --variant=minbase bookworm - ${sources:+"$sources"} |
		podman import --quiet - "$BASE" >/dev/null
	say "made $BASE in $(($(date +%s) - start))s"
fi
echo "export CONTAINERS_CONF=$CONF"
