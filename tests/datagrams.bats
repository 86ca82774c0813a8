#!/usr/bin/env bats
# Malformed and hostile sd_notify datagrams: a STATUS= that would forge a log
# line, too long, a NUL byte, a line without '=', fds without FDSTORE=1 or past
# tinyhold's fd limit, a sender that is not the app, and a flood.

load common
load notify

setup() { notify_setup; }
teardown() { notify_teardown; }

@test "STATUS= cannot forge a log line or drive the terminal, and is cut at 200 bytes" {
	local long
	long=$(printf 'x%.0s' {1..300})
	start_tinyhold --notify -- "$APP" 'raw:STATUS=a\x1b[31mred\rtinyhold: pid 1 is ready' \
		"notify:STATUS=$long" hang
	wait_line 'status: x'
	local pid
	pid=$(app_pid)
	grep -qxF "tinyhold: pid $pid status: a?[31mred?tinyhold: pid 1 is ready" "$TH_LOG"
	grep -qxF "tinyhold: pid $pid status: ${long:0:200}" "$TH_LOG"
	run -1 grep -E $'\e|\r' "$TH_LOG"
}

@test "a 5000-byte datagram is dropped whole (its READY=1 is not heard); 4096 bytes are heard" {
	start_tinyhold --notify -- "$APP" big:5000 'notify:STATUS=after 5000' big:4096 hang
	wait_line 'status: after 5000$'
	dropped "$(app_pid)" 'longer than 4096 bytes or too many fds'
	wait_line 'is ready$'
	# The READY=1 that was heard came after the STATUS= that followed the big one.
	[ "$(grep -nE 'status: after 5000$' "$TH_LOG" | cut -d: -f1)" -lt \
		"$(grep -nE 'is ready$' "$TH_LOG" | cut -d: -f1)" ]
	[ "$(count_lines 'is ready$')" -eq 1 ]
}

@test "a datagram with a NUL byte is dropped whole" {
	start_tinyhold --notify -- "$APP" 'raw:READY=1\nSTATUS=nul\x00\n' 'notify:STATUS=after' hang
	wait_line 'status: after$'
	dropped "$(app_pid)" 'a NUL byte'
	run -1 grep -E 'ready|status: nul' "$TH_LOG"
}

@test "a datagram with a non-empty line without '=' is dropped whole" {
	start_tinyhold --notify -- "$APP" 'raw:READY=1\nSTATUS=noeq\nGARBAGE\n' 'notify:STATUS=after' hang
	wait_line 'status: after$'
	dropped "$(app_pid)" "a line without '='"
	run -1 grep -E 'ready|status: noeq' "$TH_LOG"
}

@test "fds sent without FDSTORE=1 are closed at once; the rest of the message is heard" {
	start_tinyhold --fdstore-max 8 -- "$APP" env 'fds:5:STATUS=five fds' '[=0]exit:1' hang
	wait_line '^tinyhold: started .* \(restart 1\)$'
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=1'
	grep -qE '^tinyhold: pid [0-9]+ status: five fds$' "$TH_LOG"
	[ "$(memfds "$(th_pid)")" -eq 0 ]
	[ "$(field LISTEN_FDS "$(env_line 2)")" = "" ]
	run -1 grep dropped "$TH_LOG"
}

@test "fds beyond tinyhold's own fd limit: the datagram is dropped whole, the fds that came are closed" {
	local before th
	start_tinyhold --fdstore-max 200 -- "$APP" await:go 'fds:100:FDSTORE=1\nFDNAME=lots' \
		'notify:STATUS=after' hang
	wait_line '^tinyhold: started .* \(restart 0\)$'
	th=$(th_pid)
	before=$(nfds "$th")
	prlimit --pid "$th" --nofile=$((before + 20)):
	touch go
	wait_line 'status: after$'
	dropped "$(app_pid)" 'longer than 4096 bytes or too many fds'
	[ "$(memfds "$th")" -eq 0 ]
	[ "$(nfds "$th")" -eq "$before" ]
}

# intruder_dropped: the app's own READY=1 is heard; READY=1 and FDSTORE=1 from
# the test shell's own child (the real client: right address, wrong sender) are not.
# The intruder stays alive until tinyhold has dropped its datagram: a sender that
# is gone by then, of the app's uid and in tinyhold's pid namespace, is heard
# without its fds (SECURITY.md: `systemd-notify --ready; exec server`).
intruder_dropped() {
	local ns pid
	start_tinyhold --fdstore-max 8 -- "$APP" env '[=0]notify:READY=1' hang
	wait_line 'is ready$'
	ns=$(field NOTIFY_SOCKET "$(env_line 1)")
	NOTIFY_SOCKET="$ns" timeout 20 "$APP" env 'notify:READY=1\nSTATUS=intruder' \
		'fds:3:FDSTORE=1\nFDNAME=evil' await:intruder.done >intruder.out 2>&1 3>&- &
	wait_until 10 grep -q 'sent 3 fds' intruder.out
	pid=$(sed -nE 's/^pid ([0-9]+): env .*/\1/p' intruder.out)
	[ -n "$pid" ]
	if [ "$TH_MODE" = pid1 ]; then
		pid=0	# a sender outside tinyhold's pid namespace has no pid there
	fi
	dropped "$pid" 'not from the app'
	touch intruder.done
	wait $!
	[ "$(count_lines 'is ready$')" -eq 1 ]
	[ "$(memfds "$(th_pid)")" -eq 0 ]
	run -1 grep intruder "$TH_LOG"
}

@test "READY=1 and FDSTORE=1 from a process that is not the app are dropped (also as PID 1, from outside the container)" {
	in_both_modes intruder_dropped
}

@test "a flood of 10000 bad datagrams: a few log lines, no fd kept, the app served, SIGTERM answered" {
	local port before th n t0 secs
	port=$(free_port)
	start_tinyhold --fdstore-max 8 -p "127.0.0.1:$port" -- "$APP" serve await:go flood:10000 \
		trickle:0.05:400 hang
	wait_port "$port"
	th=$(th_pid)
	before=$(nfds "$th")
	t0=$(date +%s%N)
	touch go
	says '^pid [0-9]+: flooded 10000$' 30
	# Every one of them was read and counted: a warning after the flood counts past 10000.
	wait_line '\((1[0-9]{4}) dropped so far\)$' "$TH_LOG" 10
	[[ "$(converse "$port")" == *"env pid=$(app_pid) "* ]]
	n=$(count_lines 'dropped a notify datagram')
	# The rule is a warning at once, then at most one a second however long the
	# flood lasts (a second and a half here, ten under ASan on a loaded machine):
	# the bound is the seconds that went by, not a number that assumes a speed.
	secs=$((($(date +%s%N) - t0) / 1000000000 + 1))
	echo "warnings: $n in less than $secs s"
	[ "$n" -le $((secs + 1)) ]
	[ "$(wc -l <"$TH_LOG")" -le $((n + 2)) ]
	[ "$(memfds "$th")" -eq 0 ]
	[ "$(nfds "$th")" -eq "$before" ]
	# Still flooded (trickle), it stops at once.
	kill -TERM "$th"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
	grep -qE '^tinyhold: got SIGTERM; stopping pid [0-9]+$' "$TH_LOG"
}
