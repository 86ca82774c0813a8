#!/usr/bin/env bats
# The suite's core cases with tinyhold under valgrind (memcheck, --leak-check=full,
# --track-fds=yes, --error-exitcode=1): start, serve, crash and restart, stop;
# signals; exec failures; the crash-loop guard; orphans; usage errors; -u.
# Each run must end with no memcheck error, no definite or possible leak, and
# no fd open but the given ones, the signalfd and the held sockets
# (tests/bin/vg_check.py). Needs a dynamic glibc build, as valgrind cannot
# watch a static binary's malloc: `make valgrind` builds build/vg/tinyhold and
# runs this file with TINYHOLD_VALGRIND pointing at it; otherwise it is skipped.

load common

setup() {
	[ -n "${TINYHOLD_VALGRIND:-}" ] || skip "runs under make valgrind (TINYHOLD_VALGRIND=build/vg/tinyhold)"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	case "$TINYHOLD_VALGRIND" in /*) VG_TINYHOLD=$TINYHOLD_VALGRIND ;;
	*) VG_TINYHOLD="$REPO_DIR/$TINYHOLD_VALGRIND" ;; esac
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the demo server abort()s
	VG_DIR="$BATS_TEST_TMPDIR/vg"
	mkdir -p "$VG_DIR"
	ECHO_LOG="$BATS_TEST_TMPDIR/signals.log"
	: >"$ECHO_LOG"
}

VG=(valgrind --leak-check=full --track-fds=yes --error-exitcode=1)

teardown() {
	cleanup_tinyhold
	# Shown by bats only when the test failed.
	for f in "${VG_DIR:-/nonexistent}"/vg.*.log; do
		[ -s "$f" ] && { echo "--- $f"; cat "$f"; }
	done
	no_leftovers
}

# vg_start ARGS...: tinyhold under valgrind in the background, like start_tinyhold.
vg_start() { start_wrapped "${VG[@]}" --log-file="$VG_DIR/vg.%p.log" "$VG_TINYHOLD" "$@"; }

# vg_run STATUS ARGS...: tinyhold under valgrind in the foreground; its status must be STATUS.
vg_run() {
	local want=$1
	shift
	run -"$want" --separate-stderr timeout 60 "${VG[@]}" --log-file="$VG_DIR/vg.%p.log" \
		"$VG_TINYHOLD" "$@"
}

# tinyhold's pid: of the logs in VG_DIR (tinyhold's and its children's, up
# to their exec), the one whose parent wrote no log.
vg_main_pid() {
	local f pid parent
	for f in "$VG_DIR"/vg.*.log; do
		pid=${f##*/vg.}
		pid=${pid%.log}
		parent=$(sed -n 's/^==[0-9]*== Parent PID: //p' "$f")
		[ -z "$parent" ] || [ -e "$VG_DIR/vg.$parent.log" ] || echo "$pid"
	done
}

# vg_ok SOCKETS: every log is clean, tinyhold held SOCKETS sockets and nothing else.
vg_ok() {
	local main
	main=$(vg_main_pid)
	[ -n "$main" ] || { echo "no tinyhold log in $VG_DIR"; return 1; }
	run timeout 30 "$PY" "$BIN/vg_check.py" "$VG_DIR" "$main" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "valgrind: serve on three sockets, crash, restart on the same sockets, serve, stop with SIGTERM" {
	local port sock
	port=$(free_port)
	sock=$(mktemp -u /tmp/th-vg.XXXXXX)
	vg_start -p "127.0.0.1:$port" -p "unix:$sock" -p udp:127.0.0.1:"$port" -- "$DEMO"
	wait_until 30 port_open "$port" 127.0.0.1
	run -0 timeout 10 curl -fsS "http://127.0.0.1:$port/"
	[[ "$output" == *"(restart 0)"* ]]
	timeout 10 curl -fsS "http://127.0.0.1:$port/crash" || true
	wait_line 'started .* \(restart 1\)$' "$TH_LOG" 30
	run -0 timeout 10 curl -fsS "http://127.0.0.1:$port/"
	[[ "$output" == *"(restart 1)"* ]]
	kill -TERM "$(th_pid)"
	wait_exit 30
	[ "$TH_STATUS" -eq 143 ]
	rm -f "$sock"
	vg_ok 0	# the three held sockets are let go on the final stop (issue 16)
}

@test "valgrind: HUP, USR1, SIGRTMIN+3 and a sigqueue() value forwarded, TERM stops the app" {
	local th s
	vg_start -v -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG" 30
	th=$(th_pid)
	for s in HUP USR1 RTMIN+3; do
		kill -s "$s" "$th"
		wait_line "^$(kill -l "$s")\$" "$ECHO_LOG" 10
	done
	timeout 10 "$BIN/bc_app.bin" send "$th" 40 7	# sigqueue(): tinyhold re-queues the value
	wait_line '^40$' "$ECHO_LOG" 10
	kill -TERM "$th"
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	vg_ok 0
}

@test "valgrind: a stop signal, an app that ignores it, and the SIGKILL of its group after -t" {
	vg_start -t 0.5 -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop ignore
	wait_line '^ready' "$ECHO_LOG" 30
	kill -TERM "$(th_pid)"
	wait_exit 30
	[ "$TH_STATUS" -eq 124 ]
	grep -q 'did not stop within 0.500s' "$TH_LOG"
	vg_ok 0
}

@test "valgrind: a command not found (127) and one not executable (126), child included" {
	vg_run 127 -p 127.0.0.1:"$(free_port)" -- no-such-command-th-vg
	[[ "$stderr" == *"cannot exec no-such-command-th-vg"* ]]
	vg_ok 1
	rm -f "$VG_DIR"/vg.*.log
	printf '#!/bin/sh\n' >not-executable
	chmod 644 not-executable
	vg_run 126 -- ./not-executable
	vg_ok 0
}

@test "valgrind: a crash loop with back-off ends in the crash-loop guard with the last status" {
	vg_run 3 --backoff-max 0.2 --max-restarts 4 -p 127.0.0.1:"$(free_port)" -- sh -c 'exit 3'
	[[ "$stderr" == *"giving up: 4 restarts within 60.000s"* ]]
	[[ "$stderr" == *"restarting in 0.200s"* ]]
	vg_ok 0	# a give-up is a final stop: the held socket is let go
}

@test "valgrind: 20 orphans and 10 leftovers in the app's group are reaped" {
	vg_start -v -- "$BIN/sv_orphaner.py" double 20 "$BATS_TEST_TMPDIR/done"
	wait_until 30 test -s "$BATS_TEST_TMPDIR/done"
	wait_until 30 reaped_is 20
	kill -TERM "$(th_pid)"
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	vg_ok 0
	rm -f "$VG_DIR"/vg.*.log
	vg_run 5 -v -r never -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; exit 5'
	[ "$(grep -c 'reaped pid' <<<"$stderr")" -eq 10 ]
	vg_ok 0
}

# vg_each STATUS ARGS...: one run in the foreground, then its logs checked and cleared.
vg_each() {
	local sockets=$1 want=$2
	shift 2
	rm -f "$VG_DIR"/vg.*.log
	vg_run "$want" "$@"
	vg_ok "$sockets"
}

@test "valgrind: usage errors, --help, --version, a port taken, and sockets from TINYHOLD_LISTEN leak nothing" {
	local port
	port=$(free_port)
	vg_each 0 2 -p '[::1:80' -- true
	vg_each 0 2 --no-such-option
	vg_each 0 0 --help
	vg_each 0 0 --version
	# The second of two identical specs cannot bind: 125, with the first one still open.
	vg_each 1 125 -p "127.0.0.1:$port" -p "127.0.0.1:$port" -- true
	[[ "$stderr" == *"cannot bind 127.0.0.1:$port: Address already in use"* ]]
	TINYHOLD_LISTEN="a=127.0.0.1:$port b=unix:@th-vg-$$" vg_each 2 0 -r never -- true
}

@test "valgrind: -u nobody resolves the user, drops privileges in the child and serves" {
	require_root
	getent passwd nobody >/dev/null || skip "no user nobody"
	vg_run 0 -u nobody -r never -p 127.0.0.1:"$(free_port)" -- sh -c '[ "$(id -u)" != 0 ]'
	vg_ok 1
}

# The store is empty again at the end: what it held would count as leaked fds.
@test "valgrind: the fd store across a crash, a full store, FDSTOREREMOVE, fds without FDSTORE=1, a stranger's datagram" {
	local app="$BIN/nt_app.py"
	vg_start --backoff-max 0 --fdstore-max 2 -- "$app" \
		'[=0]store:a' '[=0]store:b' '[=0]store:c' '[=0]fds:2:STATUS=loose' '[=0]abort' \
		'raw:FDSTOREREMOVE=1\nFDNAME=a' 'raw:FDSTOREREMOVE=1\nFDNAME=b' \
		'notify:READY=1' env hang
	wait_line 'started .* \(restart 1\)$' "$TH_LOG" 30
	wait_line 'is ready' "$TH_LOG" 30
	# The stranger stays alive until it is dropped: one already gone, of the app's uid,
	# would be heard without its fds (SECURITY.md).
	NOTIFY_SOCKET=$(tr '\0' '\n' <"/proc/$(app_pid)/environ" | sed -n 's/^NOTIFY_SOCKET=//p') \
		timeout 40 "$app" 'fds:2:READY=1' await:stranger.done >/dev/null 2>&1 3>&- &
	wait_line 'not from the app' "$TH_LOG" 30
	touch stranger.done
	wait $!
	kill -TERM "$(th_pid)"
	wait_exit 30
	grep -q 'fd store full' "$TH_LOG"
	vg_ok 0
}
