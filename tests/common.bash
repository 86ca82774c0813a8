# Shared by every bats file: where tinyhold is, how to start it in the
# background, and how to wait for it without `sleep`.
bats_require_minimum_version 1.5.0
# Every process a test starts is bounded by `timeout` and killed in teardown.

TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TESTS_DIR/.." && pwd)"
TINYHOLD="${TINYHOLD:-$REPO_DIR/tinyhold}"
case "$TINYHOLD" in /*) ;; *) TINYHOLD="$REPO_DIR/$TINYHOLD" ;; esac
BIN="$TESTS_DIR/bin"
DEMO="$REPO_DIR/examples/demo-server"
# Debian's python3, not a pyenv shim: the tests use python3-systemd from apt.
PY="${PY:-/usr/bin/python3}"
TEST_TIMEOUT="${TEST_TIMEOUT:-60}"

# A TCP port nobody listens on right now (loopback, both families).
free_port() {
	"$PY" - <<'PY'
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
print(s.getsockname()[1])
s.close()
PY
}

# start_tinyhold ARGS...: runs tinyhold in the background (its stderr in
# $TH_LOG, stdout in $TH_OUT), with bats' fd 3 closed. Sets TH_PID.
start_tinyhold() {
	TH_LOG="$BATS_TEST_TMPDIR/tinyhold.log"
	TH_OUT="$BATS_TEST_TMPDIR/tinyhold.out"
	: >"$TH_LOG"
	: >"$TH_OUT"
	timeout -s KILL "$TEST_TIMEOUT" "$TINYHOLD" "$@" >"$TH_OUT" 2>"$TH_LOG" 3>&- &
	TH_PID=$!
}

# start_pid1 ARGS...: the same, but tinyhold runs as PID 1 of a new pid
# namespace. TH_PID is the unshare process; signals for tinyhold go to
# $(th_pid1), its pid as seen from here.
start_pid1() {
	TH_LOG="$BATS_TEST_TMPDIR/tinyhold.log"
	TH_OUT="$BATS_TEST_TMPDIR/tinyhold.out"
	: >"$TH_LOG"
	: >"$TH_OUT"
	timeout -s KILL "$TEST_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		"$TINYHOLD" "$@" >"$TH_OUT" 2>"$TH_LOG" 3>&- &
	TH_PID=$!
}

# The pid, seen from the test, of the tinyhold that start_pid1 started.
th_pid1() {
	local u
	u=$(pgrep -P "$TH_PID" -x unshare || echo "$TH_PID")
	pgrep -P "$u" | head -n 1
}

# wait_until SECONDS COMMAND...: polls COMMAND every 20 ms until it succeeds.
wait_until() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 50; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	echo "timed out after ${limit}s waiting for: $*" >&2
	return 1
}

port_open() { "$PY" -c "import socket,sys; socket.create_connection(('$2', $1), 0.5).close()" 2>/dev/null; }

# wait_port PORT [HOST]: until a TCP connect succeeds.
wait_port() { wait_until 10 port_open "$1" "${2:-127.0.0.1}"; }

# wait_line PATTERN [FILE] [SECONDS]: until FILE (default $TH_LOG) has a line matching PATTERN (grep -E).
wait_line() { wait_until "${3:-10}" grep -qE -- "$1" "${2:-$TH_LOG}"; }

# count_lines PATTERN [FILE]
count_lines() { grep -cE -- "$1" "${2:-$TH_LOG}" || true; }

# wait_exit [SECONDS]: waits for TH_PID; sets TH_STATUS.
wait_exit() {
	local limit=${1:-15} i
	for ((i = 0; i < limit * 50; i++)); do
		if ! kill -0 "$TH_PID" 2>/dev/null; then
			wait "$TH_PID" && TH_STATUS=0 || TH_STATUS=$?
			return 0
		fi
		sleep 0.02
	done
	echo "tinyhold (pid $TH_PID) still running after ${limit}s" >&2
	return 1
}

# Kills whatever a test left running. Call from teardown().
cleanup_tinyhold() {
	if [ -n "${TH_PID:-}" ] && kill -0 "$TH_PID" 2>/dev/null; then
		pkill -KILL -P "$TH_PID" 2>/dev/null || true
		kill -KILL "$TH_PID" 2>/dev/null || true
		wait "$TH_PID" 2>/dev/null || true
	fi
	# Shown by bats only when the test failed.
	if [ -s "${TH_LOG:-/nonexistent}" ]; then
		echo "--- tinyhold log ($TH_LOG):"
		cat "$TH_LOG"
	fi
}

require_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
