#!/usr/bin/env bats
# What only PID 1 has: tinyhold as the PID 1 of a pid namespace (unshare --pid
# --fork --mount-proc), as in a container, is pid 1 inside and the app's parent,
# and the namespace ends with the app's status when stopped from outside.
# Everything else is tested in both start modes in the file of its capability
# (in_both_modes in common.bash: the tests named "also as PID 1").

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the demo server abort()s
	ECHO_LOG="$BATS_TEST_TMPDIR/signals.log"
	: >"$ECHO_LOG"
}

teardown() {
	cleanup_tinyhold
	no_leftovers
}

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

