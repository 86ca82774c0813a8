#!/usr/bin/env bats
# Zero-downtime reloads (--reload-signal): a new instance on the same sockets,
# the old one stopped once the new one says READY=1; under load, while old ones
# still drain, when the new one never gets ready or dies, a stop signal during a
# reload, and the race between READY=1 and the old instance's exit.

load common
load notify

setup() { notify_setup; }
teardown() { notify_teardown; }

# reloads_at_least N: tinyhold logged N completed reloads.
reloads_at_least() { [ "$(count_lines '^tinyhold: reload: pid [0-9]+ is ready; stopping pid [0-9]+$')" -ge "$1" ]; }
clean_stops_at_least() { [ "$(count_lines 'stopped cleanly after' "$TH_OUT")" -ge "$1" ]; }
reloads_or_ignored_at_least() {
	[ "$(count_lines '^tinyhold: (reload: pid [0-9]+ is ready; stopping|reload ignored)')" -ge "$1" ]
}
old_exits_at_least() { [ "$(count_lines '^tinyhold: retired pid [0-9]+ exited with status 0$')" -ge "$1" ]; }

# reload_under_load: 5 reloads while nt_load.py keeps 4 clients busy (at most 20 s).
reload_under_load() {
	local port th i result
	port=$(free_port)
	start_tinyhold --reload-signal HUP -t 5 -p "127.0.0.1:$port" -- "$RELOADER" --delay 0.3
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	th=$(th_pid)
	timeout 30 "$BIN/nt_load.py" --busy load.busy --until load.stop "$port" 20 >load.out 2>load.err 3>&- &
	LOAD_PID=$!
	wait_until 10 test -e load.busy
	for i in 1 2 3 4 5; do
		kill -HUP "$th"
		wait_until 10 reloads_at_least "$i"
	done
	wait_until 10 old_exits_at_least 5	# the last old one drained under load too
	kill -0 "$LOAD_PID"	# all of it happened under load
	touch load.stop
	wait "$LOAD_PID"
	LOAD_PID=
	result=$(cat load.out)
	echo "load: $result $(cat load.err)"
	[[ "$result" =~ ^ok=([0-9]+)\ refused=0\ reset=0\ timeout=0\ other=0\ pids=([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge 100 ]
	[ "${BASH_REMATCH[2]}" -ge 6 ]	# every instance served
	clean_stops_at_least 5
	run -1 grep -E 'reload failed|did not stop|killing|died of' "$TH_LOG"
	run -1 grep -E '^tinyhold: pid [0-9]+ exited' "$TH_LOG"
	run -1 grep -E 'got SIGHUP' "$TH_OUT"
}

@test "a reload under load: 5 reloads, 0 refused, 0 reset; each old instance drains and exits 0 (also as PID 1)" {
	in_both_modes reload_under_load
}

@test "five reloads while the old instances still drain: each old one gets its -t, none is SIGKILLed" {
	local port th i stopped
	port=$(free_port)
	# Each old instance takes 3 s to drain after SIGTERM; the five reloads take about 2 s.
	start_tinyhold --reload-signal HUP -t 10 -p "127.0.0.1:$port" -- "$RELOADER" --delay 0.2 --linger 3
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	th=$(th_pid)
	for i in 1 2 3 4 5; do
		kill -HUP "$th"
		# Done, or refused while too many old instances still stop: either is fair.
		wait_until 10 reloads_or_ignored_at_least "$i"
	done
	stopped=$(count_lines '^tinyhold: reload: pid [0-9]+ is ready; stopping pid [0-9]+$')
	[ "$stopped" -ge 4 ]
	wait_until 8 clean_stops_at_least "$stopped"	# every old instance finished its drain
	wait_until 5 old_exits_at_least "$stopped"
	run -1 grep -E 'SIGKILL|killing|did not stop' "$TH_LOG"
	[ "$(http "$port")" = "pid $(sed -nE 's/^tinyhold: reload: pid ([0-9]+) is ready.*/\1/p' "$TH_LOG" | tail -n 1)" ]
}

@test "--ready-timeout: a new instance that never says READY=1 is stopped; the old one keeps serving" {
	local port old new
	port=$(free_port)
	start_tinyhold --reload-signal HUP --ready-timeout 0.5 -p "127.0.0.1:$port" -- \
		"$RELOADER" --delay 0 --no-ready-from 1
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	old=$(app_pid)
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: reloading: started pid [0-9]+, waiting up to 0\.500s for READY=1$'
	new=$(sed -nE 's/^tinyhold: reloading: started pid ([0-9]+),.*/\1/p' "$TH_LOG")
	wait_line "^tinyhold: reload failed: pid $new not ready within 0\\.500s; keeping pid $old\$"
	says "^pid $new stopped cleanly"
	wait_until 5 eval "! kill -0 $new 2>/dev/null"
	[ "$(http "$port")" = "pid $old" ]
	kill -0 "$old"
}

@test "a new instance that dies before READY=1: the reload fails, the old one keeps serving" {
	local port old
	port=$(free_port)
	start_tinyhold --reload-signal HUP -p "127.0.0.1:$port" -- "$RELOADER" --delay 0 --crash-from 1
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	old=$(app_pid)
	kill -HUP "$(th_pid)"
	wait_line "reload failed: the new instance ended before READY=1; keeping pid $old\$"
	grep -qE '^tinyhold: new pid [0-9]+ exited with status 3 after 0\.[0-9]{3}s$' "$TH_LOG"
	[ "$(http "$port")" = "pid $old" ]
	# A later reload still works.
	rm nt_instances
	kill -HUP "$(th_pid)"
	wait_until 10 reloads_at_least 1
}

@test "the reload signal is not forwarded to the app; other signals still are" {
	local old
	start_tinyhold --reload-signal USR2 --ready-timeout 0.5 -p "127.0.0.1:$(free_port)" -- \
		"$RELOADER" --delay 0 --no-ready-from 1
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	old=$(app_pid)
	kill -USR2 "$(th_pid)"
	wait_line '^tinyhold: reloading: started pid'
	kill -USR1 "$(th_pid)"
	says "^pid $old got SIGUSR1\$"
	wait_line 'reload failed: pid [0-9]+ not ready'
	run -1 grep SIGUSR2 "$TH_OUT"
}

@test "SIGTERM during a reload stops both instances" {
	local old new
	start_tinyhold --reload-signal HUP -p "127.0.0.1:$(free_port)" -- "$RELOADER" --delay 0 --no-ready-from 1
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	old=$(app_pid)
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: reloading: started pid'
	new=$(sed -nE 's/^tinyhold: reloading: started pid ([0-9]+),.*/\1/p' "$TH_LOG")
	says "^pid $new instance 1 up\$"
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	grep -qx "pid $old got SIGTERM" "$TH_OUT"
	grep -qx "pid $new got SIGTERM" "$TH_OUT"
	grep -qE "^pid $old stopped cleanly" "$TH_OUT"
	grep -qE "^pid $new stopped cleanly" "$TH_OUT"
	run -1 kill -0 "$old"
	run -1 kill -0 "$new"
	run -1 grep -E 'killing|did not stop' "$TH_LOG"
}

# The review's race: the new instance's READY=1 and the old one's exit arrive
# together. strace delays tinyhold's wait4() so that READY=1 is always queued
# when the old one is reaped; the new one must survive and tinyhold go on.
@test "a READY=1 that meets the old instance's exit does not kill the new instance" {
	command -v strace >/dev/null || skip "strace is not installed"
	local d="$BATS_TEST_TMPDIR/race" new
	mkdir -p "$d"
	start_wrapped strace -qq -o /dev/null -e trace=wait4 -e inject=wait4:delay_enter=300000 \
		"$TINYHOLD" --reload-signal HUP -- "$BIN/nt_race_app.py" "$d"
	wait_until 10 test -s "$d/old"
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	kill -HUP "$(pgrep -x tinyhold -P "$(pgrep -x strace -P "$TH_PID")")"
	wait_until 10 test -s "$d/new"
	new=$(cat "$d/new")
	wait_line "^tinyhold: pid $new (takes over|is ready)"
	# The new one is alive and still the app a moment later; nothing killed it.
	wait_until 5 grep -qE "^tinyhold: pid [0-9]+ exited with status 0|^tinyhold: retired pid" "$TH_LOG"
	kill -0 "$new"
	run -1 grep -E "^tinyhold: pid $new (exited|died)" "$TH_LOG"
	kill -0 "$(pgrep -x strace -P "$TH_PID")"
}
