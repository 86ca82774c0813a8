#!/usr/bin/env bats
# tinyhold as the PID 1 of a pid namespace (unshare --pid --fork --mount-proc),
# as in a container: who is pid 1, stopping from outside, cwd, signals, and a
# crash restart on the same socket.

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the demo server abort()s
	ECHO_LOG="$BATS_TEST_TMPDIR/signals.log"
	: >"$ECHO_LOG"
}

teardown() { cleanup_tinyhold; }

@test "tinyhold is pid 1 inside, and the app's parent" {
	start_pid1 -r never -- sh -c 'echo "pid=$$ ppid=$PPID"; grep "^PPid:" /proc/$$/status
		ps -o pid=,comm= -p 1'
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	run cat "$TH_OUT"
	[[ "${lines[0]}" =~ ^pid=([0-9]+)\ ppid=1$ ]]
	[ "${BASH_REMATCH[1]}" -ne 1 ]
	[ "${lines[1]}" = $'PPid:\t1' ]
	[[ "${lines[2]}" =~ ^\ *1\ tinyhold$ ]]
}

@test "the app's LISTEN_PID is its pid inside the namespace" {
	local port
	port=$(free_port)
	start_pid1 -r never -p "127.0.0.1:$port" -- sh -c 'echo "LISTEN_PID=$LISTEN_PID pid=$$"'
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	[[ "$(cat "$TH_OUT")" =~ ^LISTEN_PID=([0-9]+)\ pid=([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "SIGTERM from outside: the namespace ends with the app's own status (42, 143)" {
	start_pid1 -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop exit:42
	wait_line '^ready' "$ECHO_LOG"
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 42 ]

	start_pid1 -- sleep 100
	wait_line 'started sleep as pid'
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
}

@test "tinyhold's working directory is /, the app's is where tinyhold was started" {
	local th app
	start_pid1 -- sleep 100
	wait_line 'started sleep as pid'
	th=$(th_pid)
	app=$(pgrep -P "$th")
	[ "$(readlink "/proc/$th/cwd")" = / ]
	[ "$(readlink "/proc/$app/cwd")" = "$BATS_TEST_TMPDIR" ]
}

@test "not PID 1: tinyhold's working directory is / too" {
	local th
	start_tinyhold -- sleep 100
	wait_line 'started sleep as pid'
	th=$(th_pid)
	[ "$(readlink "/proc/$th/cwd")" = / ]
	[ "$(readlink "/proc/$(pgrep -P "$th")/cwd")" = "$BATS_TEST_TMPDIR" ]
}

