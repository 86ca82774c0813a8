#!/usr/bin/env bash
# fresh-check: README's two commands, for real, on fresh Debian machines: a
# clean clone of HEAD in two new containers of the local debian base (rootful
# podman as .ci/podman-setup.sh sets it up). In one, `make demo` runs and a
# real client talks to it from here; in the other, `make test` installs what
# it needs from Debian's mirror by itself and must pass. Before either, only
# what README's Quick start asks for: make.
#
#   .ci/fresh-check.sh        (as root; `make test-fresh`)
#   TINYHOLD_FRESH=demo .ci/fresh-check.sh   (make demo only: .ci/run, whose
#                             own fresh machine runs make test for real)
#
# Packages come from the mirror the host uses (the base has the host's apt
# sources). The .debs are kept between runs in $TINYHOLD_APT_CACHE, seeded
# with hard links from the host's own apt cache: a cache, not an install,
# so each container still installs every package itself.
# TINYHOLD_APT_CACHE= (empty): no cache, every .deb comes from the mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BASE=docker.io/library/debian:bookworm-slim
CACHE=${TINYHOLD_APT_CACHE-/var/cache/tinyhold-fresh-check}
DEMO_CT=th-fresh-demo
TEST_CT=th-fresh-test
DEMO_PORT=8080			# README's port, inside the demo's container
DEMO_LIMIT_S=600		# from `podman run` to the demo's first reply
TEST_LIMIT_S=1800		# the whole `make test` container
# README's Quick start: make is all a fresh machine must have.
BOOTSTRAP='apt-get update -qq && apt-get install -y -qq --no-install-recommends make >/dev/null'

say() { echo "fresh-check: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (rootful podman)"
eval "$(.ci/podman-setup.sh)"	# CONTAINERS_CONF

commit=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes are not checked: this checks the clean clone of HEAD"
remove_containers() { podman rm --force --ignore --time 0 "$DEMO_CT" "$TEST_CT" >/dev/null 2>&1 || true; }
remove_containers	# leftovers of a run that was killed
work=$(mktemp -d /var/tmp/tinyhold-fresh.XXXXXX)
trap 'remove_containers; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# clone DIR: a clean clone of HEAD, as `git clone` gives a new user.
clone() {
	git clone -q --no-checkout "$REPO" "$1"
	git -C "$1" checkout -q --detach "$commit"
}

# The apt cache: hard links cost no space, and a .deb apt does not trust
# (another version, a bad checksum) is fetched again.
cache=()
if [ -n "$CACHE" ]; then
	mkdir -p "$CACHE/archives/partial"
	cp -l -n /var/cache/apt/archives/*.deb "$CACHE/archives/" 2>/dev/null || true
	cache=(-v "$CACHE/archives:/var/cache/apt/archives")
	say "apt cache: $CACHE/archives ($(find "$CACHE/archives" -name '*.deb' | wc -l) .debs)"
else
	say "apt cache: none, every package comes from the mirror"
fi

# fresh NAME DIR PODMAN-RUN-ARGS...: a new container of the base, the clone at /src.
fresh() {
	local name=$1 dir=$2
	shift 2
	timeout "$TEST_LIMIT_S" podman run --name "$name" -v "$dir:/src" -w /src "${cache[@]}" "$@"
}

# ---- make demo --------------------------------------------------------------
total_start=$(date +%s)
start=$total_start
clone "$work/demo"
fresh "$DEMO_CT" "$work/demo" -d -p "127.0.0.1::$DEMO_PORT" "$BASE" \
	sh -c "$BOOTSTRAP && make demo" >/dev/null
port=$(podman port "$DEMO_CT" "$DEMO_PORT/tcp")
port=${port##*:}
url="http://127.0.0.1:$port"

demo_logs() { podman logs "$DEMO_CT" 2>&1 | tail -n 30 >&2; }
reply=
for ((i = 0; i < DEMO_LIMIT_S * 5; i++)); do
	reply=$(curl -fsS --max-time 2 "$url/" 2>/dev/null) && break
	[ "$(podman inspect --format '{{.State.Running}}' "$DEMO_CT")" = true ] || {
		demo_logs
		fail "make demo stopped before it served"
	}
	sleep 0.2
done
[ -n "$reply" ] || { demo_logs; fail "make demo did not answer within ${DEMO_LIMIT_S}s"; }
say "make demo: first reply after $(($(date +%s) - start))s: $reply"
# make demo asks the demo three times itself, with the curl it installed
# (README's Quick start shows these lines), crashing it once.
for ((i = 0; i < 100; i++)); do
	podman logs "$DEMO_CT" 2>&1 | grep -q 'Ctrl-C stops it' && break
	sleep 0.2
done
asked=$(podman logs "$DEMO_CT" 2>&1 | grep -E '^curl localhost:8080/(crash)? +# ') ||
	{ demo_logs; fail "make demo: did not show its own three replies"; }
say "make demo asked itself:"
sed 's/^/    /' <<<"$asked" >&2
[[ $asked =~ \#\ hello\ from\ pid\ [0-9]+\ \(restart\ 0\).*\#\ crashing.*\#\ hello\ from\ pid\ [0-9]+\ \(restart\ 1\) ]] ||
	fail "make demo: unexpected replies to its own questions"
reply=$(curl -fsS --max-time 5 "$url/") || fail "make demo: no reply"
[[ $reply =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 1\)$ ]] ||
	fail "make demo: unexpected reply: $reply"
pid0=${BASH_REMATCH[1]}
reply=$(curl -fsS --max-time 5 "$url/crash") || fail "make demo: no reply to /crash"
[ "$reply" = crashing ] || fail "make demo: unexpected reply to /crash: $reply"
# The next connection waits in the held socket's backlog for the new server.
reply=$(curl -fsS --max-time 5 "$url/") || fail "make demo: no reply after the crash"
[[ $reply =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 2\)$ ]] ||
	fail "make demo: unexpected reply after the crash: $reply"
[ "${BASH_REMATCH[1]}" != "$pid0" ] || fail "make demo: the same pid after the crash"
say "make demo: after /crash: $reply"
# Ctrl-C: SIGINT to every process but the container's init (sh), as a
# terminal sends it to its foreground process group.
podman exec "$DEMO_CT" bash -c 'kill -INT -1' || true
status=$(timeout 30 podman wait "$DEMO_CT") || { demo_logs; fail "make demo: still running 30s after SIGINT"; }
say "make demo: stopped by SIGINT (exit status $status); took $(($(date +%s) - start))s in all"
podman logs "$DEMO_CT" 2>&1 | grep '^tinyhold: ' | sed 's/^/    /' >&2 || true
podman rm --force --time 0 "$DEMO_CT" >/dev/null

# ---- make test --------------------------------------------------------------
if [ "${TINYHOLD_FRESH:-}" = demo ]; then
	say "passed (make demo only) in $(($(date +%s) - total_start))s"
	exit 0
fi
start=$(date +%s)
clone "$work/test"
log="$work/make-test.log"
say "make test: in a fresh container (shown: what it installs, its skips and failures)"
rc=0
fresh "$TEST_CT" "$work/test" "$BASE" bash -c 's=$(date +%s); '"$BOOTSTRAP"' && echo "fresh-check: make installed in $(($(date +%s) - s))s" &&
		s=$(date +%s) && make test; rc=$?; echo "fresh-check: make test took $(($(date +%s) - s))s"; exit $rc' \
	>"$log" 2>&1 || rc=$?
grep -E '^not ok|^need: |^fresh-check: |# skip' "$log" >&2 || true
podman rm --force --time 0 "$TEST_CT" >/dev/null
[ "$rc" = 0 ] || {
	mkdir -p "$REPO/build"
	cp "$log" "$REPO/build/fresh-check-make-test.log"
	fail "make test in a fresh container: exit status $rc (log: build/fresh-check-make-test.log)"
}
say "make test: passed in a fresh container; took $(($(date +%s) - start))s in all"
say "passed in $(($(date +%s) - total_start))s"
