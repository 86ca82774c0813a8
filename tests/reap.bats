#!/usr/bin/env bats
# Reaping: orphans come to tinyhold (as PID 1, and as a subreaper when it is
# not) and leave no zombie; an orphan that lives on does not hold tinyhold up;
# a burst of SIGCHLDs never hides the app's own exit.

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Also kills the long-lived orphan of a test, if any.
teardown() {
	cleanup_tinyhold
	[ -z "${ORPHAN:-}" ] || kill -KILL "$ORPHAN" 2>/dev/null || true
	no_leftovers
}

# expect_orphans_reaped TH N: N orphans came to TH, were reaped, and only the app is left.
expect_orphans_reaped() {
	wait_until 10 reaped_is "$2"
	wait_until 5 no_zombies_of "$1"
	[ "$(children_of "$1")" -eq 1 ]
}

double_forked_orphans() {
	start_tinyhold -v -- "$BIN/sv_orphaner.py" double 50 "$PWD/done"
	wait_until 10 test -s done
	expect_orphans_reaped "$(th_pid)" 50
}

@test "50 double-forked orphans are reaped (by the subreaper, and as PID 1): no zombie is left" {
	in_both_modes double_forked_orphans
}

# The app leaves 20 `sleep 0.1` grandchildren through `sh -c 'sleep 0.1 &'`.
SH_ORPHANS='for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sh -c "sleep 0.1 &"; done
	echo done >"$0"; exec sleep 1000'

sh_grandchildren() {
	start_tinyhold -v -- sh -c "$SH_ORPHANS" "$PWD/done"
	wait_until 10 test -s done
	expect_orphans_reaped "$(th_pid)" 20
}

@test "the grandchildren of sh -c 'sleep 0.1 &' are reaped (by the subreaper, and as PID 1)" {
	in_both_modes sh_grandchildren
}

ppid_of() { sed -n 's/^PPid:[[:space:]]*//p' "/proc/$1/status"; }
ppid_is() { [ "$(ppid_of "$1")" = "$2" ]; }

# orphan_reparented: the app's subshell leaves a `sleep` behind. Seen from here
# (as PID 1 too), tinyhold's children are then the app and the orphan, both
# sleeping; the orphan is in the app's group, killed by cleanup_tinyhold.
orphan_reparented() {
	start_tinyhold -- sh -c '(sleep 1000 & echo $! >"$0"); exec sleep 1000' "$PWD/orphan"
	wait_until 10 test -s orphan
	wait_until 5 eval '[ "$(ps -o comm= --ppid "$(th_pid)" | tr "\n" " ")" = "sleep sleep " ]'
	if [ "$TH_MODE" = plain ]; then
		# Its pid is ours to read only outside a namespace: its parent is tinyhold, not init.
		ORPHAN=$(cat orphan)
		wait_until 5 ppid_is "$ORPHAN" "$(th_pid)"
		ORPHAN=	# in the app's group: cleanup_tinyhold kills it
	fi
}

@test "an orphan of the app is re-parented to tinyhold (the subreaper, not init; and as PID 1)" {
	in_both_modes orphan_reparented
}

@test "an orphan that keeps running after the app exits does not keep tinyhold from exiting" {
	start_tinyhold -- "$BIN/sv_orphaner.py" detach "$BATS_TEST_TMPDIR/orphan" 0
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	ORPHAN=$(cat orphan)
	kill -0 "$ORPHAN"	# it still runs: tinyhold neither waited for it nor killed it
}

@test "as PID 1: an orphan that keeps running does not keep the namespace from ending with the app's status" {
	start_pid1 -r never -- "$BIN/sv_orphaner.py" detach "$BATS_TEST_TMPDIR/orphan" 7
	wait_exit 5
	[ "$TH_STATUS" -eq 7 ]
}

# orphan_burst: 100 orphans and 100 children in the app's group wake when the app
# exits; 6 runs, then --max-restarts gives up. In C (st_stress.c): forking 200
# processes from Python, 12 times, took most of a minute.
orphan_burst() {
	start_tinyhold --backoff-max 0 --max-restarts 5 -- "$BIN/st_stress.bin" burst 100 3
	wait_exit 20
	[ "$TH_STATUS" -eq 3 ]
	[ "$(count_lines '^tinyhold: pid [0-9]+ exited with status 3 after')" -eq 6 ]
	grep -qx 'tinyhold: giving up: 5 restarts within 60.000s' "$TH_LOG"
}

@test "many orphans exiting together with the app: the app's exit is never missed (also as PID 1)" {
	in_both_modes orphan_burst
}

@test "children the app leaves running when it exits are reaped, and tinyhold still exits" {
	# 30 children in the app's group, killed by tinyhold once the app is gone.
	start_tinyhold -v -r never -- sh -c 'for i in $(seq 30); do sleep 1000 & done; exit 5'
	wait_exit 10
	[ "$TH_STATUS" -eq 5 ]
	[ "$(count_lines '^tinyhold: reaped pid [0-9]+$')" -eq 30 ]
}
