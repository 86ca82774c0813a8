# Shared by every bats file: where tinyhold is, how to start it in the
# background, and how to wait for it without `sleep`.
bats_require_minimum_version 1.5.0
# Every process a test starts is bounded by `timeout` and killed in teardown, and the
# last line of every teardown() is no_leftovers.

TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TESTS_DIR/.." && pwd)"
TINYHOLD="${TINYHOLD:-$REPO_DIR/tinyhold}"
case "$TINYHOLD" in /*) ;; *) TINYHOLD="$REPO_DIR/$TINYHOLD" ;; esac
BIN="$TESTS_DIR/bin"
# Whatever a test starts inherits this: tests/leftovers tells by it what this
# checkout's tests left running from what another checkout's run on the machine did.
export TH_TESTS_OF="$REPO_DIR"
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

# start_wrapped COMMAND...: runs COMMAND in the background (its stderr in
# $TH_LOG, stdout in $TH_OUT), with bats' fd 3 closed. Sets TH_PID, the
# `timeout` around it. For a COMMAND that execs tinyhold (systemd-socket-activate,
# nt_inherit.py, valgrind), tinyhold is TH_PID's child.
start_wrapped() {
	TH_LOG="$BATS_TEST_TMPDIR/tinyhold.log"
	TH_OUT="$BATS_TEST_TMPDIR/tinyhold.out"
	: >"$TH_LOG"
	: >"$TH_OUT"
	timeout -s KILL "$TEST_TIMEOUT" "$@" >"$TH_OUT" 2>"$TH_LOG" 3>&- &
	TH_PID=$!
}

# ---- start modes: tinyhold as a plain process, or as PID 1 ---------------------------
# th_mode MODE sets how tinyhold runs from then on in the test:
#   plain  a child of the test, a subreaper (the default);
#   pid1   the PID 1 of a new pid namespace (unshare --pid --fork --mount-proc), as
#          in a container.
# It sets TH_MODE, TH_NS (the words that put a command in that mode: empty for
# plain) and TH_RUN ("${TH_NS[@]}" tinyhold): start_tinyhold uses TH_RUN, and a
# test that runs tinyhold itself writes `run timeout 5 "${TH_RUN[@]}" ARGS...`,
# or "${TH_NS[@]}" before a wrapper that execs tinyhold.
th_mode() {
	case "$1" in
	plain) TH_NS=() ;;
	pid1)
		require_pidns
		TH_NS=("$(command -v unshare)" --pid --fork --mount-proc --kill-child) ;;	# a path: execv() takes no PATH
	*) echo "th_mode: plain or pid1, not '$1'" >&2; return 1 ;;
	esac
	TH_MODE=$1
	TH_RUN=("${TH_NS[@]}" "$TINYHOLD")
}
th_mode plain

# pidns_ok: this process may make a pid namespace with its own /proc, as the
# pid1 mode does. That takes CAP_SYS_ADMIN, which a container (podman's and
# docker's default capabilities) does not give root: PIDNS_ERR says why not.
pidns_ok() { PIDNS_ERR=$(unshare --pid --fork --mount-proc true 2>&1); }

# require_pidns: skips the test, by name, where the pid1 mode cannot run.
require_pidns() {
	pidns_ok || skip "cannot make a pid namespace here (unshare --pid --fork --mount-proc: ${PIDNS_ERR##*: })"
}

# start_tinyhold ARGS...: start_wrapped for tinyhold ARGS, in the start mode
# (th_mode). TH_PID is the `timeout` around it, which would not pass a signal
# on: signals for tinyhold go to $(th_pid), its pid as seen from here.
start_tinyhold() { start_wrapped "${TH_RUN[@]}" "$@"; }

# start_pid1 ARGS...: start_tinyhold as PID 1, whatever the mode of the test.
start_pid1() {
	local TH_MODE TH_NS TH_RUN
	th_mode pid1
	start_tinyhold "$@"
}

# in_both_modes FN ARGS...: runs the test body FN ARGS as a plain process, then
# as PID 1, each in a fresh directory of its own (the current one); between the
# two, whatever the first left running is killed. FN asserts as a test does:
# its first failing command fails the test, and the output says in which mode.
in_both_modes() {
	local m
	for m in plain pid1; do
		if [ "$m" = pid1 ]; then
			require_root
			if ! pidns_ok; then
				echo "# pid1: not run: cannot make a pid namespace here (${PIDNS_ERR##*: })"
				return 0
			fi
		fi
		th_mode "$m"
		mkdir -p "$BATS_TEST_TMPDIR/$m"
		cd "$BATS_TEST_TMPDIR/$m"
		echo "# ---- $m"
		"$@"
		if [ "$m" = plain ]; then
			cleanup_tinyhold >/dev/null 2>&1
			TH_PID=
		fi
	done
}

# th_pid: tinyhold's own pid, seen from here, in either start mode.
th_pid() {
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
# SIGKILLing tinyhold alone would leave its app running as an orphan. So first
# freeze tinyhold (it cannot restart anything then), kill the process group of
# each of its children (two instances during a reload, gunicorn's workers
# too), then tinyhold. As PID 1 (th_mode pid1), the namespace dies with tinyhold.
cleanup_tinyhold() {
	local th pg
	th=$([ -n "${TH_PID:-}" ] && th_pid 2>/dev/null || true)
	if [ -n "$th" ]; then
		kill -STOP "$th" 2>/dev/null || true	# no restart while we clean up
		for pg in $(ps -o pgid= --ppid "$th" 2>/dev/null | sort -u); do
			[ "$pg" -gt 1 ] && kill -KILL -- "-$pg" 2>/dev/null || true
		done
	fi
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
	if [ -s "${TH_OUT:-/nonexistent}" ]; then
		echo "--- the app's stdout, last 40 lines ($TH_OUT):"
		tail -n 40 "$TH_OUT"
	fi
}

# no_leftovers: the last command of every teardown(), after it has killed what it knows
# of. A process the test started that still runs fails the test, and is killed: a test
# cleans up what it started, also when it fails. tests/leftovers says which.
no_leftovers() {
	TINYHOLD="$TINYHOLD" LEFTOVERS_SKIP="${BATS_killer_pid:-}" "$TESTS_DIR/leftovers"
}

require_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# ---- what tinyhold logged -------------------------------------------------------------

# app_pid [N]: the pid of the N-th app start tinyhold logged (default: the last).
app_pid() {
	local pids
	pids=$(sed -nE 's/^tinyhold: started .* as pid ([0-9]+) \(restart [0-9]+\)$/\1/p' "$TH_LOG")
	if [ -n "${1:-}" ]; then sed -n "${1}p" <<<"$pids"; else tail -n 1 <<<"$pids"; fi
}

# last_restart: the restart count of the last app start tinyhold logged.
last_restart() { sed -n 's/.*started .* (restart \([0-9]*\))$/\1/p' "$TH_LOG" | tail -n 1; }

# restart_lines: every "restarting ..." line, with "tinyhold: " cut off.
restart_lines() { sed -n 's/^tinyhold: \(restarting .*\)/\1/p' "$TH_LOG"; }

# reaped_is N: tinyhold has logged N reaped orphans (with -v).
reaped_is() { [ "$(count_lines '^tinyhold: reaped pid [0-9]+$')" -eq "$1" ]; }

# ---- bc_app: small fast apps, one mode each (tests/bin/bc_app.c) --------------------

BC="$BIN/bc_app.bin"
need_bc() { [ -x "$BC" ] || skip "build $BC first (make test builds it)"; }

# sig_log_name N: what tinyhold calls signal N in its log (sig.c's sig_name()).
sig_log_name() {
	if [ "$1" -ge 34 ]; then echo "SIGRTMIN+$(($1 - 34))"
	elif [ "$1" -ge 32 ]; then echo "SIG$1"
	else echo "SIG$(kill -l "$1")"; fi
}

# ---- a process's children -------------------------------------------------------------

# zombies_of PID: the zombie children of PID, as "pid stat" lines. ps reads
# /proc from here, so this works across the pid namespace of th_mode pid1 too.
zombies_of() { ps -o pid=,stat= --ppid "$1" | awk '$2 ~ /^Z/'; }
no_zombies_of() { [ -z "$(zombies_of "$1")" ]; }
children_of() { ps -o pid= --ppid "$1" | wc -l; }

# ---- libsystemd clients ---------------------------------------------------------------

# build_sdclient NAME: from setup_file(), builds tests/sdclient/NAME.c, a tiny
# libsystemd client, with the system cc (dynamic: it is libsystemd's code under
# test, not ours). Prints its path, or nothing if it cannot be built.
build_sdclient() {
	local bin="$BATS_FILE_TMPDIR/$1"
	if timeout 60 cc -O1 -Wall -Wextra -o "$bin" "$TESTS_DIR/sdclient/$1.c" \
		-lsystemd 2>"$bin.err"; then
		echo "$bin"
	else
		rm -f "$bin"
	fi
}

# need_sdclient NAME: skips the test unless build_sdclient NAME worked.
need_sdclient() {
	[ -x "$BATS_FILE_TMPDIR/$1" ] ||
		skip "cannot build tests/sdclient/$1.c (apt-get install libsystemd-dev): $(head -n 1 "$BATS_FILE_TMPDIR/$1.err")"
}
