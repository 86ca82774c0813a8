#!/usr/bin/env bats
# -n N: N instances of the app on the same held sockets, each supervised on its
# own (issue 10). tests/bin/in_app.py is the app: it says "up instance I pid P
# restarts R listen_pid L pgid G" when it serves, and answers requests with it.

load common

APP="$BIN/in_app.py"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0
	CG=
}

teardown() {
	[ -z "${LOAD_PID:-}" ] || kill -KILL "$LOAD_PID" 2>/dev/null || true
	cleanup_tinyhold
	[ -z "$CG" ] || rmdir "$CG" 2>/dev/null || true
	no_leftovers
}

# ups_at_least N: the app said "up" N times.
ups_at_least() { [ "$(count_lines '^up instance ' "$TH_OUT")" -ge "$1" ]; }
# up_pid I: the pid of the last start of instance I.
up_pid() { sed -nE "s/^up instance $1 pid ([0-9]+) .*/\1/p" "$TH_OUT" | tail -n 1; }
# up_field I KEY: KEY's value in the last "up" line of instance I.
up_field() { sed -nE "s/^up instance $1 .*\b$2 ([0-9-]+).*/\1/p" "$TH_OUT" | tail -n 1; }
# host_pid I: the pid of instance I as seen from here (as PID 1, the app says its own
# namespace's pid): the child of tinyhold whose TINYHOLD_INSTANCE is I.
host_pid() {
	local c
	for c in $(pgrep -P "$(th_pid)"); do
		tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | grep -qx "TINYHOLD_INSTANCE=$1" && echo "$c"
	done
	true
}

# sock_inode PID: the inode of the socket at fd 3 of PID.
sock_inode() { readlink "/proc/$1/fd/3" | sed -nE 's/^socket:\[([0-9]+)\]$/\1/p'; }

@test "-n 4: four instances on one socket inode, TINYHOLD_INSTANCE 0-3, each its own LISTEN_PID and process group" {
	local port i pid inode first="" pgids=""
	port=$(free_port)
	start_tinyhold -n 4 -p "127.0.0.1:$port" -- "$APP"
	wait_until 10 ups_at_least 4
	for i in 0 1 2 3; do
		pid=$(up_pid "$i")
		[ -n "$pid" ]
		[ "$(up_field "$i" listen_pid)" = "$pid" ]
		[ "$(up_field "$i" pgid)" = "$pid" ]
		[ "$(up_field "$i" restarts)" = 0 ]
		inode=$(sock_inode "$pid")
		[ -n "$inode" ]
		[ -z "$first" ] || [ "$inode" = "$first" ]
		first=$inode
	done
	[ "$(count_lines '^up instance ' "$TH_OUT")" -eq 4 ]
	grep -qE '^tinyhold: 4 instances$' "$TH_LOG"
	run -0 timeout 5 curl -fsS "http://127.0.0.1:$port/"
	[[ "$output" == "instance "[0-3]" pid "* ]]
}

# The app says its pid as its pid namespace sees it; what is killed from here is host_pid's.
one_killed_under_load() {
	local port other killed
	port=$(free_port)
	start_tinyhold -n 2 -p "127.0.0.1:$port" -- "$APP" --delay 1
	wait_until 10 ups_at_least 2
	other=$(host_pid 1)
	killed=$(host_pid 0)
	timeout 30 "$BIN/nt_load.py" --busy load.busy --until load.stop "$port" 20 2 >load.out 2>load.err 3>&- &
	LOAD_PID=$!
	wait_until 10 test -e load.busy
	kill -KILL "$killed"
	wait_until 10 ups_at_least 3
	sleep 0.5	# load on both again
	touch load.stop
	wait "$LOAD_PID"
	LOAD_PID=
	cat load.out
	[[ "$(cat load.out)" =~ ^ok=[0-9]+\ refused=0\ reset=([0-9]+)\ timeout=0 ]]
	[ "${BASH_REMATCH[1]}" -le 2 ]	# only what was in flight in the killed one (2 clients)
	[ "$(host_pid 1)" = "$other" ]
	[ "$(host_pid 0)" != "$killed" ]
	[ "$(up_field 0 restarts)" = 1 ]
	kill -0 "$other"
	grep -qE '^tinyhold: instance 0 \(pid [0-9]+\) died of SIGKILL' "$TH_LOG"
	grep -qE '^tinyhold: instance 0: restarting now \(restart 1\)$' "$TH_LOG"
}

@test "-n 2: one instance killed while a client loops: 0 refused, the other untouched, the killed one back with its number (also as PID 1)" {
	in_both_modes one_killed_under_load
}

@test "-n auto under a CPU quota of half a CPU (cgroup v1): one instance, and the log says why" {
	require_root
	[ -w /sys/fs/cgroup/cpu ] || skip "no cgroup v1 cpu controller at /sys/fs/cgroup/cpu"
	CG=/sys/fs/cgroup/cpu/tinyhold-test-$$
	mkdir "$CG"
	echo 50000 >"$CG/cpu.cfs_quota_us"
	echo 100000 >"$CG/cpu.cfs_period_us"
	start_wrapped sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$TINYHOLD" -n auto -- "$APP"
	wait_until 10 ups_at_least 1
	grep -qE '^tinyhold: 1 instance \(cgroup quota 0\.5 CPUs\)$' "$TH_LOG"
}

@test "-n auto under taskset -c 0: one instance (the affinity mask)" {
	start_wrapped taskset -c 0 "$TINYHOLD" -n auto -- "$APP"
	wait_until 10 ups_at_least 1
	grep -qE '^tinyhold: 1 instance \(1 CPU in the affinity mask\)$' "$TH_LOG"
}

@test "-n auto without limits: one instance per CPU" {
	local n
	n=$(nproc)
	start_tinyhold -n auto -- "$APP"
	wait_until 10 ups_at_least "$n"
	grep -qE "^tinyhold: $n instances? \\($n CPUs? in the affinity mask\\)\$" "$TH_LOG"
}

@test "-n with a bad value is a usage error naming it" {
	run -2 --separate-stderr timeout 5 "$TINYHOLD" -n 0 -- true
	[[ "$stderr" == "tinyhold: bad -n '0': expected a number from 1 to 1024, or auto"* ]]
	run -2 --separate-stderr env TINYHOLD_INSTANCES=lots timeout 5 "$TINYHOLD" -- true
	[[ "$stderr" == "tinyhold: bad TINYHOLD_INSTANCES 'lots': expected"* ]]
}

# stopped_with WANT ARGS...: tinyhold ARGS with -n 3 instances of the app that
# exit 0, 3 and 5 on SIGTERM; SIGTERM to tinyhold; it exits WANT.
stopped_with() {
	local want=$1
	shift
	start_tinyhold -n 3 "$@" -- "$APP" --term-exit 0,3,5
	wait_until 10 ups_at_least 3
	kill -TERM "$(th_pid)"
	wait_exit 10
	[ "$TH_STATUS" -eq "$want" ]
}

@test "SIGTERM to -n 3 whose instances exit 0, 3 and 5: tinyhold exits 3, the first non-zero in instance order (also as PID 1)" {
	in_both_modes stopped_with 3
}

@test "-e remaps each instance's status before the rule: -e 3 makes 0, 3, 5 exit 5 (also as PID 1)" {
	in_both_modes stopped_with 5 -e 3
}

on_failure_clean_end() {
	local port
	port=$(free_port)
	start_tinyhold -n 2 -p "127.0.0.1:$port" -- "$APP" --exit-now 0:0
	wait_until 10 ups_at_least 1
	wait_line '^tinyhold: instance 0 \(pid [0-9]+\) exited with status 0'
	run -0 timeout 5 curl -fsS "http://127.0.0.1:$port/"
	[[ "$output" == "instance 1 "* ]]
	kill -0 "$TH_PID"
	kill -KILL "$(host_pid 1)"	# a failure: restarted
	wait_until 10 ups_at_least 2
	wait_until 10 test -n "$(host_pid 1)"
	kill -TERM "$(host_pid 1)"	# a clean end: stays down, and it was the last
	wait_exit 10
	[ "$TH_STATUS" -eq 0 ]
}

@test "on-failure: an instance that exits 0 stays down, the others serve; the last one's end ends tinyhold (also as PID 1)" {
	in_both_modes on_failure_clean_end
}

budget_for_all() {
	start_tinyhold -n 3 --max-restarts 3 --restart-window 60 --backoff-max 0 -- "$APP" --crash 2 --term-exit 0,0,0
	wait_exit 20
	[ "$TH_STATUS" -eq 134 ]
	grep -qE '^tinyhold: giving up: 3 restarts within 60\.000s' "$TH_LOG"
	[ "$(count_lines '^tinyhold: instance 2: restarting' )" -eq 3 ]
	[ "$(count_lines 'instance [01] \(pid [0-9]+\) died of SIGTERM|instance [01] \(pid [0-9]+\) exited with status 0')" -eq 2 ]
}

@test "--max-restarts is one budget for all instances: exceeded, all stop gracefully and tinyhold exits with the failing status (also as PID 1)" {
	in_both_modes budget_for_all
}

# sig_seen I SIGNO: instance I's sv_sigecho.py recorded SIGNO.
sig_seen() { grep -qx "$2" "sig.$1" 2>/dev/null; }

signal_to_all() {
	start_tinyhold -n 3 -- sh -c 'exec "$0" "sig.$TINYHOLD_INSTANCE"' "$BIN/sv_sigecho.py"
	wait_until 10 test -s sig.2
	wait_until 10 test -s sig.0
	wait_until 10 test -s sig.1
	kill -USR1 "$(th_pid)"
	wait_until 10 sig_seen 0 10
	wait_until 10 sig_seen 1 10
	wait_until 10 sig_seen 2 10
}

@test "a forwarded signal reaches every instance (also as PID 1)" {
	in_both_modes signal_to_all
}

@test "per-instance watchdog: the silent instance is restarted, the pinging ones are never touched" {
	start_tinyhold -n 3 --watchdog 1 -- "$APP" --ping 0.2 --silent 1
	wait_line '^tinyhold: instance 1: started .* \(restart 1\)$' "$TH_LOG" 10
	run -1 grep -E 'instance [02] .*watchdog' "$TH_LOG"
	[ "$(up_field 0 restarts)" = 0 ]
	[ "$(up_field 2 restarts)" = 0 ]
}

store_per_instance() {
	start_tinyhold -n 2 --fdstore-max 1 --backoff-max 0 -- "$APP" --store
	wait_until 10 ups_at_least 2
	grep -qx 'instance 0 got state: none' "$TH_OUT"
	kill -KILL "$(host_pid 1)"
	kill -KILL "$(host_pid 0)"
	wait_until 10 ups_at_least 4
	grep -qx 'instance 0 got state: instance 0' "$TH_OUT"
	grep -qx 'instance 1 got state: instance 1' "$TH_OUT"
}

@test "per-instance fd store: after a crash each instance gets back what it stored (also as PID 1)" {
	in_both_modes store_per_instance
}

@test "log lines about one instance name it" {
	start_tinyhold -n 2 --backoff-max 0 -- "$APP" --crash 1
	wait_line '^tinyhold: instance 1: restarting now \(restart 1\)$'
	grep -qE '^tinyhold: instance 0: started .* as pid [0-9]+ \(restart 0\)$' "$TH_LOG"
	grep -qE '^tinyhold: instance 1 \(pid [0-9]+\) died of SIGABRT' "$TH_LOG"
}

@test "on a terminal with -n 2, tinyhold keeps the foreground and Ctrl-C stops every instance: 130" {
	run timeout 20 env TTY_WAIT_FOR="up instance 0 && up instance 1" "$PY" "$BIN/tty_run.py" "$TINYHOLD" -n 2 -- "$APP"
	echo "tty_run exited $status; it saw:"	# shown only when the test fails
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status:130"* ]]
}

# ---- rolling reload ---------------------------------------------------------------------------

# nt_reload_server.py says READY=1 after 0.3 s and drains what it accepted on SIGTERM.
reloader_ups() { [ "$(count_lines 'instance [0-9]+ up$' "$TH_OUT")" -ge "$1" ]; }
children_are() { [ "$(pgrep -P "$1" | wc -l)" -eq "$2" ]; }
readies_at_least() { [ "$(count_lines 'is ready$')" -ge "$1" ]; }

@test "a rolling reload of 4 instances under load: 0 refused, 0 reset; each number kept" {
	local port th i c seen=""
	port=$(free_port)
	start_tinyhold -n 4 --reload-signal HUP -t 5 -p "127.0.0.1:$port" -- "$BIN/nt_reload_server.py" --delay 0.3
	wait_until 10 reloader_ups 4
	wait_until 10 readies_at_least 4
	th=$(th_pid)
	timeout 60 "$BIN/nt_load.py" --busy load.busy --until load.stop "$port" 40 4 >load.out 2>load.err 3>&- &
	LOAD_PID=$!
	wait_until 10 test -e load.busy
	# How many instances run, every 10 ms, while the reload goes on: never more than N+1.
	( while [ ! -e load.stop ]; do pgrep -P "$th" | wc -l; sleep 0.01; done >counts ) 3>&- &
	kill -HUP "$th"
	wait_line '^tinyhold: reload: all 4 instances replaced$' "$TH_LOG" 40
	kill -0 "$LOAD_PID"	# all of it under load
	touch load.stop
	wait "$LOAD_PID"
	LOAD_PID=
	cat load.out
	[[ "$(cat load.out)" =~ ^ok=[0-9]+\ refused=0\ reset=0\ timeout=0\ other=0 ]]
	[ "$(count_lines 'instance [0-9]+ up$' "$TH_OUT")" -eq 8 ]
	echo "instances running while reloading: $(sort -n counts | uniq -c | tr '\n' ' ')"
	[ "$(sort -n counts | tail -n 1)" -le 5 ]
	[ "$(sort -n counts | head -n 1)" -ge 4 ]
	wait_until 10 children_are "$th" 4	# the last old one has drained
	for c in $(pgrep -P "$th"); do
		seen+=$(tr '\0' '\n' <"/proc/$c/environ" | sed -n 's/^TINYHOLD_INSTANCE=//p')
	done
	[ "$(echo "$seen" | grep -o . | sort | tr -d '\n')" = 0123 ]
	run -1 grep -E 'reload failed|killing' "$TH_LOG"
}

@test "a replacement that dies before READY=1 ends the rolling reload; the old instances keep serving" {
	local port
	port=$(free_port)
	start_tinyhold -n 2 --reload-signal HUP -p "127.0.0.1:$port" -- sh -c '
		[ -e reloading ] && exit 3; exec "$0" --ready' "$APP"
	wait_until 10 ups_at_least 2
	touch reloading
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: instance 0: reload failed: the new instance ended before READY=1'
	wait_line '^tinyhold: reload stopped at instance 0 of 2; the others run as before$'
	run -0 timeout 5 curl -fsS "http://127.0.0.1:$port/"
	[ "$(count_lines '^up instance ' "$TH_OUT")" -eq 2 ]
}

@test "SIGTERM during a rolling reload stops every instance, old and new" {
	start_tinyhold -n 2 --reload-signal HUP -- "$APP" --ready --delay 2
	wait_until 30 readies_at_least 2
	kill -HUP "$(th_pid)"
	wait_line 'reloading'
	kill -TERM "$(th_pid)"
	wait_exit 10
	[ "$TH_STATUS" -eq 0 ]
}

@test "a second reload signal during a rolling reload is ignored, and says so" {
	start_tinyhold -n 2 --reload-signal HUP -- "$APP" --ready --delay 1
	wait_until 10 ups_at_least 2
	kill -HUP "$(th_pid)"
	wait_line 'reloading'
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: reload ignored: a reload is under way$'
	wait_line '^tinyhold: reload: all 2 instances replaced$' "$TH_LOG" 20
}

@test "an instance that crashes during a rolling reload of another is restarted as usual; the reload goes on" {
	start_tinyhold -n 2 --reload-signal HUP --backoff-max 0 -- "$APP" --ready --delay 1
	wait_until 10 ups_at_least 2
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: instance 0: reloading: started'
	kill -KILL "$(host_pid 1)"
	wait_line '^tinyhold: instance 1: restarting now \(restart 1\)$'
	wait_line '^tinyhold: reload: all 2 instances replaced$' "$TH_LOG" 20
}
