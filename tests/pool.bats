#!/usr/bin/env bats
# The pool of instances (issue 14): each defect found by trying to break PID 1
# has its test here; the decisions themselves are tabled in tests/unit/pool_test.c.
load common

APP="$BIN/pl_app.py"

setup() { cd "$BATS_TEST_TMPDIR"; ulimit -c 0; }
teardown() {
	[ -z "${READER_PID:-}" ] || kill -KILL "$READER_PID" 2>/dev/null || true
	[ -z "${STRACE_PID:-}" ] || kill -KILL "$STRACE_PID" 2>/dev/null || true
	cleanup_tinyhold
	no_leftovers
}

# main_pid N: the pid instance N said it runs as (its last "up" line).
main_pid() { grep -E "^up instance $1 " "$TH_OUT" | tail -n 1 | awk '{print $5}'; }

# host_pid N: instance N's main process as seen from here, in either start mode
# (the newest, if a reload runs two).
host_pid() {
	local p
	for p in $(pgrep -P "$(th_pid)"); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "TINYHOLD_INSTANCE=$1" && echo "$p"
	done | tail -n 1
}

# cpu_ticks PID: user + system time of PID so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

sigpipe_no_spin() {
	local th before after
	# tinyhold's stderr is a pipe whose reader reads one line and goes away,
	# as a logging driver that restarted, or `tinyhold -v ... 2>&1 | head -1`.
	timeout -s KILL 60 "$PY" -c '
import os, subprocess, sys
r, w = os.pipe()
p = subprocess.Popen(sys.argv[1:], stderr=w, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
os.close(w)
os.read(r, 1)
os.close(r)
print(p.pid, flush=True)
p.wait()
print("exit", p.returncode, flush=True)
' "${TH_RUN[@]}" -v -- sleep 1000 >reader.out 3>&- &
	READER_PID=$!
	TH_PID=$READER_PID
	wait_until 10 test -s reader.out
	th=$(head -n 1 reader.out)
	[ "$TH_MODE" = plain ] || th=$(pgrep -P "$th" | head -n 1)
	[ -n "$th" ]
	# Each forwarded signal is logged at -v: the write raises SIGPIPE at tinyhold.
	kill -HUP "$th"
	kill -USR1 "$th"
	kill -HUP "$th"
	sleep 0.2
	before=$(cpu_ticks "$th")
	sleep 1
	after=$(cpu_ticks "$th")
	echo "# cpu ticks in 1 s: $((after - before))"
	# A spin takes the whole second (100 ticks); idle takes none.
	[ $((after - before)) -le 5 ]
	kill -TERM "$th"
	wait_until 10 grep -q '^exit' reader.out
	# sleep died of the forwarded SIGTERM: tinyhold exits as a shell would.
	grep -qx 'exit 143' reader.out
}

@test "a log pipe whose reader is gone: no SIGPIPE spin, SIGTERM still stops it (also as PID 1)" {
	in_both_modes sigpipe_no_spin
}

@test "an old instance that left its process group and ignores SIGTERM does not survive its reload" {
	touch leave
	start_tinyhold --notify --reload-signal HUP --stop-timeout 1 -- "$APP"
	wait_line '^up instance 0 ' "$TH_OUT"
	old=$(main_pid 0)
	# It really left: its group is not its own any more.
	grep -E "^up instance 0 pid $old pgid [0-9]+$" "$TH_OUT" | grep -vqE "pgid $old\$"
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: reload: pid [0-9]+ is ready; stopping pid '"$old"'$'
	wait_line "^tinyhold: old pid $old did not stop within 1\\.000s; killing its process group\$"
	wait_until 10 bash -c "! kill -0 $old 2>/dev/null"
	run -1 grep -E 'would not die|going on without it' "$TH_LOG"
}

give_up_mid_reload() {
	touch noready
	start_tinyhold -n 2 --notify --reload-signal HUP --ready-timeout 60 --max-restarts 1 \
		--stop-timeout 2 -- "$APP"
	wait_line '^up instance 0 ' "$TH_OUT"
	wait_line '^up instance 1 ' "$TH_OUT"
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: instance 0: reloading: started pid [0-9]+'
	# Instance 1 now crash-loops: one restart is the whole budget.
	touch crash1
	kill -KILL "$(host_pid 1)"
	wait_line '^tinyhold: giving up: 1 restarts within 60\.000s'
	# Everything stops, the waiting replacement too, and tinyhold exits with
	# the status of the instance that gave up.
	wait_until 15 bash -c "! kill -0 $TH_PID 2>/dev/null"
	run wait "$TH_PID"
	[ "$status" -eq 1 ]
	run -1 grep -E 'takes over|instances replaced' "$TH_LOG"
}

@test "giving up during a rolling reload ends the reload and exits (also as PID 1)" {
	in_both_modes give_up_mid_reload
}

# Found by review: a reload signal and SIGTERM read in the same pass started the
# replacement after the stop, unsupervised (no stop signal, no -t), and tinyhold
# waited for it for ever, with the held socket open. Stopped, tinyhold cannot
# read either signal until both wait in its signalfd: one pass reads them.
reload_and_stop_in_one_pass() {
	local th
	start_tinyhold -n "$1" --notify --reload-signal HUP --stop-timeout 2 -- "$APP"
	wait_line '^up instance 0 ' "$TH_OUT"
	[ "$1" = 1 ] || wait_line '^up instance 1 ' "$TH_OUT"
	th=$(th_pid)
	kill -STOP "$th"
	kill -HUP "$th"
	kill -TERM "$th"
	kill -CONT "$th"
	# pl_app dies of the SIGTERM at once: well within -t 2.
	wait_until 10 bash -c "! kill -0 $TH_PID 2>/dev/null"
	run wait "$TH_PID"
	[ "$status" -eq 143 ]
	# Only the first instances were ever started.
	[ "$(count_lines 'started .* as pid [0-9]+')" -eq "$1" ]
}

@test "a reload signal and SIGTERM in one pass: nothing starts after the stop, tinyhold exits (also as PID 1)" {
	in_both_modes reload_and_stop_in_one_pass 1
}

@test "-n 2: a reload signal and SIGTERM in one pass: nothing starts after the stop, tinyhold exits" {
	reload_and_stop_in_one_pass 2
}

@test "with -n, what one instance stores cannot leave another without fds to restart" {
	echo 680 >store
	(
		ulimit -n 700
		start_tinyhold -n 2 --fdstore-max 2000 -- "$APP"
		wait_line '^up instance 1 ' "$TH_OUT"
		wait_line '^up instance 0 ' "$TH_OUT"
		wait_line '^tinyhold: fd store full \([0-9]+ fds, this instance.s share of the fd limit\): closed'
		kill -KILL "$(main_pid 1)"
		wait_line '^tinyhold: instance 1: started .* \(restart 1\)$'
		wait_until 10 bash -c "[ \$(grep -c '^up instance 1 ' '$TH_OUT') -eq 2 ]"
		grep -q '^tinyhold: fd store: [0-9]* fds per instance fit into the fd limit of 700$' "$TH_LOG"
		run -1 grep -E 'cannot start|No file descriptors' "$TH_LOG"
		cleanup_tinyhold
	)
}

@test "a process of the app's uid that is gone when its datagram is read is not heard" {
	start_tinyhold --notify -- "$APP"
	wait_line '^up instance 0 '"" "$TH_OUT"
	th=$(th_pid)
	addr=$(tr '\0' '\n' <"/proc/$(main_pid 0)/environ" | sed -n 's/^NOTIFY_SOCKET=//p')
	[ -n "$addr" ]
	# tinyhold is stopped while the stranger sends and exits: when it reads, the
	# sender is gone, as a child reaped at once would be.
	kill -STOP "$th"
	"$PY" -c '
import socket, sys
a = sys.argv[1]
a = "\0" + a[1:] if a.startswith("@") else a
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"WATCHDOG=trigger\nSTATUS=forged", a)
' "$addr"
	kill -CONT "$th"
	wait_line '^tinyhold: dropped a notify datagram from pid [0-9]+: not from the app'
	run -1 grep -E 'failed its watchdog|status: forged' "$TH_LOG"
}

@test "a reload that replaced nothing does not say it replaced all" {
	start_tinyhold -n 2 --notify --reload-signal HUP -r always --backoff-max 60 -- false
	# Both back off: each restart waits longer than the one before.
	wait_line '^tinyhold: instance 0: restarting in 1\.600s'
	wait_line '^tinyhold: instance 1: restarting in 1\.600s'
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: reload: 0 of 2 instances replaced; the others were not running$'
	run -1 grep -E 'all 2 instances replaced' "$TH_LOG"
}

# closers N: tinyhold has at least N closers (children that are tinyhold, not the app).
closers() { [ "$(ps -o comm= --ppid "$(th_pid)" | grep -cx tinyhold)" -ge "$1" ]; }

stuck_closers_harm_no_other() {
	local closers
	echo 600 >linger
	touch ping
	start_tinyhold -n 2 --watchdog 5 --fdstore-max 1 -- "$APP"
	wait_line '^up instance 0 ' "$TH_OUT" 20
	wait_line '^up instance 1 ' "$TH_OUT" 20
	touch go
	# Instance 0 stores and removes 24 lingering sockets, 50 ms apart: every one of
	# its closers sticks on one (a closer for each pass that removed one); then 600
	# fds more than its store of 1 takes fill its queue of fds to close: its own
	# notify socket is not read any more, and it fails its own watchdog.
	wait_until 10 closers 16
	closers=$(ps -o comm= --ppid "$(th_pid)" | grep -cx tinyhold)
	echo "# closers stuck: $closers"
	wait_line '^tinyhold: instance 0 \(pid [0-9]+\) failed its watchdog' "$TH_LOG" 20
	# Instance 1's WATCHDOG=1 is still read: for 6 s, more than its watchdog, it
	# does not fail it.
	sleep 6
	run -1 grep -E 'instance 1 \(pid [0-9]+\) failed its watchdog' "$TH_LOG"
	kill -TERM "$(th_pid)"
	wait_exit 3
}

@test "one instance's stuck closers do not stop another's notify socket from being read (also as PID 1)" {
	in_both_modes stuck_closers_harm_no_other
}

# fault_no_spin SYSCALL WHAT: while every SYSCALL of tinyhold fails (strace injects
# EIO, ENOMEM for poll), tinyhold does not spin on it: it says so at most about once a
# second after a few quick tries. Then, the fault gone, SIGTERM stops it as ever.
# WHAT makes the loop call SYSCALL: "signal" sends SIGWINCH (it wakes the poll()
# tinyhold was blocked in when strace attached; with read, the signalfd stays
# readable), "datagram" has the app say something (its notify socket stays readable).
fault_no_spin() {
	local call=$1 what=$2 err=EIO lines pattern
	[ "$call" != poll ] || err=ENOMEM
	case "$call" in
	poll) pattern='^tinyhold: poll: ' ;;
	read) pattern='^tinyhold: cannot read signals: ' ;;
	recvmsg) pattern='cannot read the notify socket: ' ;;
	esac
	start_tinyhold --notify -- sh -c 'while :; do [ ! -e say ] || systemd-notify --pid=$$ STATUS=hi; sleep 0.2; done'
	wait_line '^tinyhold: started '
	timeout -s KILL 30 strace -o /dev/null -qq -p "$(th_pid)" -e trace="$call" \
		-e inject="$call":error="$err" 3>&- &
	STRACE_PID=$!
	sleep 1	# strace has attached
	case "$what" in
	signal) kill -WINCH "$(th_pid)" ;;
	datagram) touch say ;;
	esac
	sleep 4
	kill -TERM "$STRACE_PID"
	wait "$STRACE_PID" || true
	STRACE_PID=
	lines=$(count_lines "$pattern")
	echo "# '$pattern' lines in 4 s of a persistent fault: $lines"
	# A spin says it thousands of times; 1, 2, 4 ... 1024 ms, then once a second: < 20.
	[ "$lines" -ge 1 ]
	[ "$lines" -lt 20 ]
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
}

@test "a poll() that keeps failing does not make tinyhold spin (also as PID 1)" {
	command -v strace >/dev/null || skip "needs strace (tests/packages)"
	in_both_modes fault_no_spin poll signal
}

@test "a signalfd that cannot be read does not make tinyhold spin (also as PID 1)" {
	command -v strace >/dev/null || skip "needs strace (tests/packages)"
	in_both_modes fault_no_spin read signal
}

@test "a notify socket that cannot be read does not make tinyhold spin (also as PID 1)" {
	command -v strace >/dev/null || skip "needs strace (tests/packages)"
	in_both_modes fault_no_spin recvmsg datagram
}
