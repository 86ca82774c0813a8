#!/usr/bin/env bats
# -n N: each instance's stdout and stderr come through tinyhold, whole lines
# only, nothing lost, never blocking tinyhold (issue 15). tests/bin/lg_json.py
# logs JSON as a Python server does; tests/bin/lg_app.c writes long lines,
# crashes mid-line and numbers its lines; tests/bin/lg_check.py counts broken
# lines and checks that every instance's lines are all there, in order.

load common

JSON="$BIN/lg_json.py"
LG="$BIN/lg_app.bin"
CHECK="$BIN/lg_check.py"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0
	READER=
}

teardown() {
	[ -z "$READER" ] || kill -KILL "$READER" 2>/dev/null || true
	cleanup_tinyhold
}

need_lg() { [ -x "$LG" ] || skip "build $LG first (make test builds it)"; }

# start_into FIFO ARGS...: start_tinyhold, with its stdout into FIFO (a reader
# must have it open) instead of $TH_OUT.
start_into() {
	local fifo=$1
	shift
	TH_LOG="$BATS_TEST_TMPDIR/tinyhold.log"
	TH_OUT=
	: >"$TH_LOG"
	timeout -s KILL "$TEST_TIMEOUT" "${TH_RUN[@]}" "$@" >"$fifo" 2>"$TH_LOG" 3>&- &
	TH_PID=$!
}

# blocked_writers N: N of tinyhold's children wait in write() on a full pipe.
blocked_writers() {
	local c n=0
	for c in $(pgrep -P "$(th_pid)"); do
		grep -q pipe_write "/proc/$c/wchan" 2>/dev/null && n=$((n + 1))
	done
	[ "$n" -ge "$1" ]
}

json_whole() {
	start_tinyhold -n 4 -- env "$@" "$PY" "$JSON" 3000
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	run -0 "$PY" "$CHECK" "$TH_OUT" 3000
	[ "$output" = "lines=12000 broken=0 complete=yes" ]
	run -0 "$PY" "$CHECK" "$TH_LOG" 3000
	[ "$output" = "lines=12000 broken=0 complete=yes" ]
	[ "$(count_lines '^tinyhold: instance [0-3] \(pid [0-9]+\) exited with status 0')" -eq 4 ]
}

# Found by review: a long line owns its output until its newline, and a writer
# that paused in the middle of one held every other instance's lines there for
# ever: their pipes filled and they blocked in write(). Now the pause may last
# RELAY_STALL_MS (500 ms) while others wait; then the line is ended there.
paused_long_line() {
	local out
	start_tinyhold -n 2 -- "$BIN/lg_pause.py" "$@"
	# Instance 1's 20,000 lines (150 KB: more than its pipe and its buffer) all get out.
	wait_until 20 test -e done1
	if [ "${1:-}" = err ]; then
		out=$TH_LOG
	else
		out=$TH_OUT
	fi
	wait_until 10 bash -c "[ \$(grep -c '^line ' '$out') -eq 20000 ]"
	kill -TERM "$(th_pid)"
	wait_exit 10
	grep -qE '^tinyhold: got SIGTERM; stopping 2 instances$' "$TH_LOG"
	# Every x of the paused line went out, in lines of x's only, and every other
	# line is one of instance 1's or tinyhold's own: nobody's bytes in anybody's
	# line. (Whole, normally; a writer descheduled for 0.5 s between the two
	# pipefuls of its 70,000 bytes has its line cut there, by the same rule, and
	# the rest, a partial line, goes out when the stop ends it.)
	run -0 "$PY" -c 'import re, sys
xs = mixed = 0
for l in open(sys.argv[1]).read().split("\n"):
    if l and l == "x" * len(l):
        xs += len(l)
    elif l and not re.fullmatch(r"line \d+|tinyhold: .*", l):
        mixed += 1
print("x=%d mixed=%d" % (xs, mixed))' "$out"
	echo "$output"
	[ "$output" = "x=70000 mixed=0" ]
}

@test "a long line's writer that pauses mid-line holds the other instances' lines for 500 ms, not for ever (also as PID 1)" {
	in_both_modes paused_long_line
}

@test "on stderr too: a paused long line does not hold another instance's lines or tinyhold's own" {
	paused_long_line err
}

@test "4 instances logging JSON with PYTHONUNBUFFERED=1 (text and newline in two writes): 0 broken lines, none lost (also as PID 1)" {
	in_both_modes json_whole PYTHONUNBUFFERED=1
}

@test "4 instances logging JSON block-buffered (8 KiB writes cut lines anywhere): 0 broken lines, none lost (also as PID 1)" {
	in_both_modes json_whole PYTHONUNBUFFERED=
}

long_lines() {
	start_tinyhold -n 4 -- "$LG" long 200000 3
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	# 3 lines of each instance, each one instance's letter only, 200,000 bytes with its newline.
	run -0 sh -c "awk '{ print length(\$0), substr(\$0, 1, 2), (\$0 ~ /^I(a+|b+|c+|d+)\$/) }' '$TH_OUT' | sort | uniq -c"
	echo "$output"
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" =~ ^\ *3\ 199999\ Ia\ 1$ ]]
	[[ "${lines[1]}" =~ ^\ *3\ 199999\ Ib\ 1$ ]]
	[[ "${lines[2]}" =~ ^\ *3\ 199999\ Ic\ 1$ ]]
	[[ "${lines[3]}" =~ ^\ *3\ 199999\ Id\ 1$ ]]
}

@test "lines longer than the bound (64 KiB) go out in pieces with nobody's bytes in between (also as PID 1)" {
	need_lg
	in_both_modes long_lines
}

crash_mid_line() {
	start_tinyhold -n 2 --backoff-max 0 -- "$LG" crash
	wait_exit 20
	[ "$TH_STATUS" -eq 0 ]
	[ "$(sort "$TH_OUT" | tr '\n' ' ')" = "after-0 after-1 partial-0 partial-1 " ]
	grep -qx 'partial-0' "$TH_LOG"
	grep -qx 'partial-1' "$TH_LOG"
	grep -qx 'after-0' "$TH_LOG"
	# The line of the run that crashed is ended before the restart's first line.
	[ "$(grep -n 'partial-0' "$TH_OUT" | cut -d: -f1)" -lt "$(grep -n 'after-0' "$TH_OUT" | cut -d: -f1)" ]
}

@test "an instance that dies mid-line: its line is passed on, ended with a newline, before its restart's (also as PID 1)" {
	need_lg
	in_both_modes crash_mid_line
}

stdout_stderr_apart() {
	start_tinyhold -n 3 -- "$LG" lines 2000
	wait_exit 20
	[ "$TH_STATUS" -eq 0 ]
	run -0 "$PY" "$CHECK" "$TH_OUT" 2000
	[ "$output" = "lines=6000 broken=0 complete=yes" ]
	run -0 "$PY" "$CHECK" "$TH_LOG" 2000
	[ "$output" = "lines=6000 broken=0 complete=yes" ]
	[ "$(grep -c '^out ' "$TH_OUT")" -eq 6000 ]
	[ "$(grep -c '^err ' "$TH_LOG")" -eq 6000 ]
	[ "$(grep -vc '^err \|^tinyhold: ' "$TH_LOG")" -eq 0 ]
}

@test "stdout stays stdout and stderr stderr; tinyhold's own lines whole among them (also as PID 1)" {
	need_lg
	in_both_modes stdout_stderr_apart
}

@test "--log-prefix and TINYHOLD_LOG_PREFIX: '[I] ' before each line of instance I; off by default" {
	need_lg
	start_tinyhold -n 2 --log-prefix -- "$LG" lines 100
	wait_exit 20
	[ "$(grep -c '^\[0\] out 0 ' "$TH_OUT")" -eq 100 ]
	[ "$(grep -c '^\[1\] out 1 ' "$TH_OUT")" -eq 100 ]
	[ "$(grep -c '^\[1\] err 1 ' "$TH_LOG")" -eq 100 ]
	run -0 "$PY" "$CHECK" "$TH_OUT" 100
	[ "$output" = "lines=200 broken=0 complete=yes" ]
	start_wrapped env TINYHOLD_LOG_PREFIX=1 "$TINYHOLD" -n 2 -- "$LG" lines 10
	wait_exit 20
	[ "$(grep -c '^\[[01]\] out ' "$TH_OUT")" -eq 20 ]
	start_tinyhold -n 2 -- "$LG" lines 10
	wait_exit 20
	[ "$(grep -c '^out ' "$TH_OUT")" -eq 20 ]
}

@test "-n 1: the app writes straight to tinyhold's stdout and stderr, no pipe in between" {
	start_tinyhold -- sh -c 'readlink /proc/$$/fd/1; readlink /proc/$$/fd/2 >&2'
	wait_exit 10
	[ "$(cat "$TH_OUT")" = "$TH_OUT" ]
	grep -qx "$TH_LOG" "$TH_LOG"
	start_tinyhold -n 2 -- sh -c 'readlink /proc/$$/fd/1'
	wait_exit 10
	[ "$(grep -c '^pipe:' "$TH_OUT")" -eq 2 ]
}

stalled_reader() {
	mkfifo out.fifo
	cat out.fifo >out.txt 3>&- &
	READER=$!
	start_into out.fifo -n 4 -- "$LG" lines 40000
	wait_line '^tinyhold: instance 3: started'
	kill -STOP "$READER"
	# Back-pressure: the instances wait in their own write(); tinyhold reads no more.
	wait_until 20 blocked_writers 4
	kill -0 "$(th_pid)"
	kill -CONT "$READER"
	wait_exit 60
	[ "$TH_STATUS" -eq 0 ]
	wait "$READER"
	READER=
	run -0 "$PY" "$CHECK" out.txt 40000
	[ "$output" = "lines=160000 broken=0 complete=yes" ]
}

@test "a log reader that stalls: the instances wait in their writes, and once it reads again no line is lost (also as PID 1)" {
	need_lg
	in_both_modes stalled_reader
}

stalled_stop() {
	local start
	mkfifo out.fifo
	cat out.fifo >out.txt 3>&- &
	READER=$!
	start_into out.fifo -n 4 -t 2 -- "$PY" -c 'import os
i = os.environ["TINYHOLD_INSTANCE"]
k = 0
while True:
    print("line", i, k)
    k += 1'
	wait_line '^tinyhold: instance 3: started'
	kill -STOP "$READER"
	wait_until 20 blocked_writers 4
	start=$SECONDS
	kill -TERM "$(th_pid)"
	wait_exit 15
	echo "stopped in $((SECONDS - start)) s"
	[ $((SECONDS - start)) -le 8 ]
	[ "$TH_STATUS" -eq 143 ]
	kill -CONT "$READER"
	wait "$READER"
	READER=
	# At most each killed writer's last fragment (ended with a newline), and the
	# line the deadline cut.
	run -0 "$PY" "$CHECK" out.txt
	echo "$output"
	[[ "$output" =~ \ broken=[0-5]$ ]]
}

@test "SIGTERM with a stalled log reader still stops everything within -t (also as PID 1)" {
	in_both_modes stalled_stop
}

# Found by review: the last flush's deadline was set by the first SIGTERM, so
# after a --drain as long as -t it had 250 ms left, and what the instances had
# written was dropped. It counts from the stop itself: drain + -t here.
drain_then_flush() {
	mkfifo out.fifo
	cat out.fifo >out.txt 3>&- &
	READER=$!
	# 5,000 lines each (about 75 KB: its pipe and its buffer hold them), then it waits.
	start_into out.fifo -n 2 --drain 3 -t 3 -- "$PY" -c 'import os, time
i = os.environ["TINYHOLD_INSTANCE"]
for k in range(5000):
    os.write(1, b"line %s %d\n" % (i.encode(), k))
open("done" + i, "w").close()
time.sleep(120)'
	wait_line '^tinyhold: instance 1: started'
	kill -STOP "$READER"
	wait_until 20 test -e done0
	wait_until 20 test -e done1
	kill -TERM "$(th_pid)"
	wait_line 'draining for 3\.000s' "$TH_LOG" 5
	sleep 4	# the drain, and a second of the stop: the instances are gone by now
	kill -CONT "$READER"
	wait_exit 10
	[ "$TH_STATUS" -eq 143 ]
	wait "$READER"
	READER=
	run -0 "$PY" "$CHECK" out.txt 5000
	[ "$output" = "lines=10000 broken=0 complete=yes" ]
}

@test "after a --drain as long as -t, the last flush still has -t: nothing the instances wrote is lost (also as PID 1)" {
	in_both_modes drain_then_flush
}

reader_gone() {
	local th
	start_wrapped sh -c '"$@" | head -n 3' sh "${TH_RUN[@]}" -n 2 -- "$LG" lines 100000
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	[ "$(wc -l <"$TH_OUT")" -eq 3 ]
	# tinyhold went on: both instances wrote all their lines and ended, stderr still relayed.
	[ "$(count_lines '^tinyhold: instance [01] \(pid [0-9]+\) exited with status 0')" -eq 2 ]
	[ "$(count_lines '^err [01] 99999$')" -eq 2 ]
}

@test "a reader that goes away (EPIPE): output is dropped, the instances are never stuck, tinyhold goes on (also as PID 1)" {
	need_lg
	in_both_modes reader_gone
}
