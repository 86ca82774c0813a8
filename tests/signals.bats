#!/usr/bin/env bats
# Signals: forwarding (plain and as PID 1), stop signals and the stop timeout,
# -g and -e, the exit-code matrix, the app's clean signal state, and signals
# that arrive while no app runs.

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the SEGV, ABRT and QUIT cases must not write cores
	ECHO_LOG="$BATS_TEST_TMPDIR/signals.log"
	: >"$ECHO_LOG"
}

teardown() { cleanup_tinyhold; }

sig_num() { kill -l "$1"; }

# dead PID: no such process, or only its zombie is left.
dead() {
	local stat
	stat=$(ps -o stat= -p "$1") || return 0
	[[ "$stat" == Z* ]]
}

# forward_each PID SIG...: sends each signal to PID and waits until sv_sigecho
# has recorded it before the next one (two pending signals could merge).
forward_each() {
	local pid=$1 sig
	shift
	for sig in "$@"; do
		kill -s "$sig" "$pid"
		wait_line "^$(sig_num "$sig")\$" "$ECHO_LOG" 5
	done
}

# The signals the app recorded, one number per line (without the "ready" line).
recorded() { grep -v '^ready' "$ECHO_LOG"; }

expected_numbers() {
	local sig
	for sig in "$@"; do sig_num "$sig"; done
}

FORWARDED=(HUP USR1 USR2 WINCH RTMIN+3 RTMAX)

@test "forwards HUP, USR1, USR2, WINCH, SIGRTMIN+3 and SIGRTMAX to the app, and nothing else" {
	start_tinyhold -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	forward_each "$(th_pid)" "${FORWARDED[@]}" TERM
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	[ "$(recorded)" = "$(expected_numbers "${FORWARDED[@]}" TERM)" ]
}

@test "as PID 1: forwards HUP, USR1, USR2, WINCH, SIGRTMIN+3 and SIGRTMAX to the app" {
	start_pid1 -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	forward_each "$(th_pid)" "${FORWARDED[@]}" TERM
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	[ "$(recorded)" = "$(expected_numbers "${FORWARDED[@]}" TERM)" ]
}

@test "a real-time signal sent with sigqueue() reaches the app" {
	start_tinyhold -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	# sigqueue() (si_code SI_QUEUE) takes another path in tinyhold than kill().
	timeout 5 "$PY" - "$(th_pid)" <<-'PY'
		import ctypes, os, signal, sys
		class sigval(ctypes.Union):
		    _fields_ = [("sival_int", ctypes.c_int), ("sival_ptr", ctypes.c_void_p)]
		libc = ctypes.CDLL(None, use_errno=True)
		if libc.sigqueue(int(sys.argv[1]), signal.SIGRTMIN + 5, sigval(sival_int=42)) != 0:
		    sys.exit(os.strerror(ctypes.get_errno()))
	PY
	wait_line "^$(sig_num RTMIN+5)\$" "$ECHO_LOG" 5
}

@test "SIGTERM stops a cooperating app: forwarded, no restart, tinyhold exits 0 like the app" {
	start_tinyhold -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	[ "$(recorded)" = "$(sig_num TERM)" ]
	grep -qE '^tinyhold: got SIGTERM; stopping pid [0-9]+$' "$TH_LOG"
	run -1 grep -E 'restarting|started .*\(restart 1\)' "$TH_LOG"
}

@test "SIGTERM, SIGINT and SIGQUIT each stop the app without a restart, even when it then fails" {
	local sig
	for sig in TERM INT QUIT; do
		: >"$ECHO_LOG"
		start_tinyhold -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop exit:3
		wait_line '^ready' "$ECHO_LOG"
		kill -s "$sig" "$(th_pid)"
		wait_exit 5
		[ "$TH_STATUS" -eq 3 ]
		[ "$(recorded)" = "$(sig_num "$sig")" ]
		grep -qE "^tinyhold: got SIG$sig; stopping pid [0-9]+\$" "$TH_LOG"
		grep -qE '^tinyhold: pid [0-9]+ exited with status 3 after' "$TH_LOG"
		run -1 grep restarting "$TH_LOG"
	done
}

@test "an app that dies of the stop signal: tinyhold exits 143, 130, 131" {
	local sig
	for sig in TERM INT QUIT; do
		: >"$ECHO_LOG"
		start_tinyhold -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop default
		wait_line '^ready' "$ECHO_LOG"
		kill -s "$sig" "$(th_pid)"
		wait_exit 5
		[ "$TH_STATUS" -eq $((128 + $(sig_num "$sig"))) ]
		grep -qE "^tinyhold: pid [0-9]+ died of SIG$sig after" "$TH_LOG"
		run -1 grep restarting "$TH_LOG"
	done
}

@test "an app that ignores SIGTERM is SIGKILLed after -t 1: 124, and the log says so" {
	local t0 t1
	start_tinyhold -t 1 -- "$BIN/sv_sigecho.py" "$ECHO_LOG" --stop ignore
	wait_line '^ready' "$ECHO_LOG"
	t0=$(date +%s%N)
	kill -TERM "$(th_pid)"
	wait_exit 5
	t1=$(date +%s%N)
	[ "$TH_STATUS" -eq 124 ]
	[ $(((t1 - t0) / 1000000)) -ge 1000 ]
	grep -qE '^tinyhold: pid [0-9]+ did not stop within 1\.000s; killing its process group$' "$TH_LOG"
	grep -qE '^tinyhold: pid [0-9]+ died of SIGKILL after' "$TH_LOG"
}

@test "-t 1 also kills what the app left in its process group" {
	# A worker that ignores SIGTERM too; -g so that it gets the signal as well.
	start_tinyhold -g -t 1 -- sh -c 'trap "" TERM; sleep 1000 & echo $! >worker; wait'
	wait_line 'started sh as pid'
	wait_until 5 test -s worker
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 124 ]
	wait_until 5 dead "$(cat worker)"
}

@test "-e 143 remaps the status of an app killed by SIGTERM to 0; other statuses stay" {
	start_tinyhold -e 143 -- sleep 100
	wait_line 'started sleep as pid'
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]

	start_tinyhold -e 1 -- sleep 100
	wait_line 'started sleep as pid'
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
}

@test "-e remaps an exit code without a signal, and is repeatable" {
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -r never -e 3 -e 42 -- sh -c 'exit 42'
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -r never -e 3 -e 42 -- sh -c 'exit 3'
	run -4 --separate-stderr timeout 5 "$TINYHOLD" -r never -e 3 -e 42 -- sh -c 'exit 4'
}

# An app whose child records signals too: ECHO_LOG.child and ECHO_LOG.
start_family() {
	start_tinyhold "$@" -- sh -c '"$0" "$1.child" & exec "$0" "$1"' "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG.child"
}

@test "-g forwards to the app's whole process group: its child gets USR1 too" {
	start_family -g
	kill -USR1 "$(th_pid)"
	wait_line "^$(sig_num USR1)\$" "$ECHO_LOG" 5
	wait_line "^$(sig_num USR1)\$" "$ECHO_LOG.child" 5
}

@test "without -g only the app itself gets the signal" {
	local child
	start_family
	kill -USR1 "$(th_pid)"
	wait_line "^$(sig_num USR1)\$" "$ECHO_LOG" 5
	# Had USR1 gone to the group, it would be pending in the child before this
	# USR2, and the lower number is delivered first.
	child=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$ECHO_LOG.child")
	kill -USR2 "$child"
	wait_line "^$(sig_num USR2)\$" "$ECHO_LOG.child" 5
	[ "$(grep -v '^ready' "$ECHO_LOG.child")" = "$(sig_num USR2)" ]
}

@test "exit-code matrix: tinyhold exits with the app's exit code (-r never)" {
	local n
	for n in 0 1 2 3 42 125 126 127 128 255; do
		run -"$n" --separate-stderr timeout 5 "$TINYHOLD" -r never -- sh -c "exit $n"
		[[ "$stderr" == *"tinyhold: pid "*" exited with status $n after "* ]]
		[[ "$stderr" != *restarting* ]]
	done
}

@test "exit-code matrix: death by SIGKILL, SIGSEGV, SIGABRT, SIGUSR1 gives 128+N (-r never)" {
	local sig
	for sig in KILL SEGV ABRT USR1; do
		run -$((128 + $(sig_num "$sig"))) --separate-stderr \
			timeout 5 "$TINYHOLD" -r never -- sh -c "kill -$sig \$\$"
		[[ "$stderr" == *"died of SIG$sig after"* ]]
	done
}

# What the app gets: grep reads its own /proc/self/status.
SIGSTATE=(grep -E '^Sig(Blk|Ign):' /proc/self/status)
CLEAN=$'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000'

@test "the control: sv_sigexec.py really starts its command with signals blocked and ignored" {
	run -0 timeout 5 "$BIN/sv_sigexec.py" "${SIGSTATE[@]}"
	[ "$output" != "$CLEAN" ]
	[[ "${lines[0]}" != *0000000000000000 ]]
	[[ "${lines[1]}" != *0000000000000000 ]]
}

@test "the app starts with no signal blocked or ignored, though tinyhold's parent blocked and ignored some" {
	run -0 --separate-stderr timeout 5 "$BIN/sv_sigexec.py" "$TINYHOLD" -r never -- "${SIGSTATE[@]}"
	[ "$output" = "$CLEAN" ]
}

@test "tinyhold started with SIGCHLD ignored and blocked still sees the app exit, and reaps orphans" {
	run -3 --separate-stderr timeout 5 "$BIN/sv_sigexec.py" "$TINYHOLD" -v -r never -- \
		sh -c 'sh -c "sleep 0.1 &"; sleep 0.3; exit 3'
	[[ "$stderr" == *"tinyhold: reaped pid "* ]]
	[[ "$stderr" == *"exited with status 3 after"* ]]
}

@test "the app starts with no signal ignored under trap '' HUP INT and under nohup" {
	run -0 --separate-stderr timeout 5 sh -c 'trap "" HUP INT QUIT; exec "$@"' sh \
		"$TINYHOLD" -r never -- "${SIGSTATE[@]}"
	[ "$output" = "$CLEAN" ]
	run -0 --separate-stderr timeout 5 nohup "$TINYHOLD" -r never -- "${SIGSTATE[@]}"
	[ "$output" = "$CLEAN" ]
}

@test "as PID 1: the app starts with a clean signal state too" {
	require_pidns
	run -0 --separate-stderr timeout 5 "$BIN/sv_sigexec.py" \
		unshare --pid --fork --mount-proc "$TINYHOLD" -r never -- "${SIGSTATE[@]}"
	[ "$output" = "$CLEAN" ]
}

@test "ignored and blocked signals from the parent still reach the app as forwarded signals" {
	TEST_TIMEOUT=20 start_wrapped "$BIN/sv_sigexec.py" "$TINYHOLD" -- "$BIN/sv_sigecho.py" "$ECHO_LOG"
	wait_line '^ready' "$ECHO_LOG"
	# sv_sigexec.py execs tinyhold: TH_PID is the timeout, its child tinyhold.
	forward_each "$(th_pid)" HUP USR2 INT
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
}

@test "a signal that arrives while the app waits in back-off is logged, not dropped silently" {
	local th
	start_tinyhold -- sh -c 'exit 1'
	wait_line 'started sh as pid'
	th=$(th_pid)
	wait_line '^tinyhold: restarting in 0\.800s \(restart 5\)$'
	kill -HUP "$th"
	wait_line '^tinyhold: no app running; SIGHUP not forwarded$' "$TH_LOG" 5
	kill -TERM "$th"
	wait_exit 5
	[ "$TH_STATUS" -eq 1 ]
}

@test "SIGTERM during back-off ends tinyhold at once with the app's last status" {
	local th t0 t1
	start_tinyhold -- sh -c 'exit 1'
	wait_line 'started sh as pid'
	th=$(th_pid)
	wait_line '^tinyhold: restarting in 1\.600s \(restart 6\)$'
	t0=$(date +%s%N)
	kill -TERM "$th"
	wait_exit 5
	t1=$(date +%s%N)
	[ "$TH_STATUS" -eq 1 ]
	[ $(((t1 - t0) / 1000000)) -lt 1000 ]
	grep -qE '^tinyhold: got SIGTERM; stopping$' "$TH_LOG"
	run -1 grep -F '(restart 6)' <(sed -n '/got SIGTERM/,$p' "$TH_LOG")
}

@test "tinyhold answers SIGTERM during a restart storm (--backoff-max 0)" {
	local th
	start_tinyhold --backoff-max 0 -- sh -c 'exit 1'
	wait_line 'started sh as pid'
	th=$(th_pid)
	wait_line 'restarting now \(restart 50\)'
	kill -TERM "$th"
	wait_exit 3
	[[ "$TH_STATUS" -eq 1 || "$TH_STATUS" -eq 143 ]]
	grep -qE '^tinyhold: got SIGTERM; stopping' "$TH_LOG"
	# Nothing restarts once the stop is known.
	run -1 grep restarting <(sed -n '/got SIGTERM/,$p' "$TH_LOG")
}

@test "as PID 1: tinyhold answers SIGTERM during a restart storm" {
	local th
	start_pid1 --backoff-max 0 -- sh -c 'exit 1'
	wait_line 'started sh as pid'
	th=$(th_pid)
	wait_line 'restarting now \(restart 50\)'
	kill -TERM "$th"
	wait_exit 3
	[[ "$TH_STATUS" -eq 1 || "$TH_STATUS" -eq 143 ]]
	# Nothing restarts once the stop is known.
	run -1 grep restarting <(sed -n '/got SIGTERM/,$p' "$TH_LOG")
}
