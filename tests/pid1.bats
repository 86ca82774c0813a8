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

@test "SIGTERM from outside stops a cooperating app; the namespace ends with its status, no SIGKILL needed" {
	local t0 t1
	start_pid1 -t 5 -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop exit:0
	wait_line '^ready' "$ECHO_LOG"
	t0=$(date +%s%N)
	kill -TERM "$(th_pid)"
	wait_exit 5
	t1=$(date +%s%N)
	[ "$TH_STATUS" -eq 0 ]
	[ $(((t1 - t0) / 1000000)) -lt 2000 ]	# long before -t 5
	grep -qx "$(kill -l TERM)" "$ECHO_LOG"
	grep -qE '^tinyhold: got SIGTERM; stopping pid [0-9]+$' "$TH_LOG"
	run -1 grep -E 'did not stop|SIGKILL|restarting' "$TH_LOG"
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

@test "an app that ignores SIGTERM is SIGKILLed after -t 1 as PID 1 too" {
	start_pid1 -t 1 -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop ignore
	wait_line '^ready' "$ECHO_LOG"
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 124 ]
	grep -qE '^tinyhold: pid [0-9]+ did not stop within 1\.000s; killing its process group$' "$TH_LOG"
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

@test "as PID 1: HUP, USR1, WINCH and SIGRTMIN+3 are forwarded to the app" {
	local sig th
	start_pid1 -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	th=$(th_pid)
	for sig in HUP USR1 WINCH RTMIN+3; do
		kill -s "$sig" "$th"
		wait_line "^$(kill -l "$sig")\$" "$ECHO_LOG" 5
	done
}

@test "as PID 1: a crashed app is restarted on the same socket" {
	local port pid0 ino
	port=$(free_port)
	start_pid1 -p "127.0.0.1:$port" -- "$DEMO"
	wait_port "$port"
	run -0 timeout 5 curl -fsS "http://127.0.0.1:$port/"
	[[ "$output" =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 0\)$ ]]
	pid0=${BASH_REMATCH[1]}
	ino=$(ss -Hltne "sport = :$port" | grep -o 'ino:[0-9]*')
	run -0 timeout 5 curl -fsS "http://127.0.0.1:$port/crash"
	wait_line "^tinyhold: pid $pid0 died of SIGABRT after"
	wait_line '\(restart 1\)$'
	run -0 timeout 5 curl -fsS "http://127.0.0.1:$port/"
	[[ "$output" =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 1\)$ ]]
	[ "${BASH_REMATCH[1]}" != "$pid0" ]
	[ "$(ss -Hltne "sport = :$port" | grep -o 'ino:[0-9]*')" = "$ino" ]
}

@test "as PID 1: the app's exit code ends the namespace (-r never)" {
	require_pidns
	run -3 --separate-stderr timeout 5 unshare --pid --fork --mount-proc "$TINYHOLD" -r never -- sh -c 'exit 3'
	run -139 --separate-stderr timeout 5 unshare --pid --fork --mount-proc "$TINYHOLD" -r never -- sh -c 'kill -SEGV $$'
	[[ "$stderr" == *"died of SIGSEGV after"* ]]
}
