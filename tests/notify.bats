#!/usr/bin/env bats
# sd_notify: READY=1 and STATUS= from real clients (python3-systemd, libsystemd,
# systemd-notify), the back-off reset on READY=1, malformed and hostile
# datagrams, the watchdog, the fd store across crashes, zero-downtime reloads
# under load, and sockets tinyhold itself inherits (systemd-socket-activate,
# LISTEN_PID=1 as podman passes it); the key cases again as PID 1.

load common

setup_file() {
	# libsystemd's own sd_notify(), sd_pid_notify_with_fds() and sd_watchdog_enabled(),
	# in a tiny client built here.
	SD_NOTIFY=$(build_sdclient nt_sdnotify)
	export SD_NOTIFY
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# apps abort() on purpose, and the watchdog sends SIGABRT
	APP="$BIN/nt_app.py"
	RELOADER="$BIN/nt_reload_server.py"
}

teardown() {
	[ -z "${LOAD_PID:-}" ] || kill -KILL "$LOAD_PID" 2>/dev/null || true
	cleanup_tinyhold
}

# ---- helpers ------------------------------------------------------------------------

# says PATTERN [SECONDS]: waits until the app's stdout ($TH_OUT) has a line matching PATTERN.
says() { wait_line "$1" "$TH_OUT" "${2:-10}"; }

# env_line N: the N-th "env" line nt_app.py said.
env_line() { grep -E '^pid [0-9]+: env ' "$TH_OUT" | sed -n "${1}p"; }

# field KEY LINE: the value of KEY=VALUE in an env line ("" if absent).
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# nfds PID, memfds PID: how many fds a process holds, and how many of them are memfds.
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
memfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -lname '/memfd:*' | wc -l; }

# dropped PID WHY: the one rate-limited warning for the first datagram dropped.
dropped() {
	wait_line "^tinyhold: dropped a notify datagram from pid $1: $2 \(1 dropped so far\)\$"
}

# converse PORT: connects to 127.0.0.1:PORT; prints what the server says until it closes.
converse() {
	timeout 10 "$PY" - "$1" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8) as s:
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
sys.stdout.write(data.decode())
PY
}

# http PORT: the reload server's answer body ("pid P").
http() { timeout 10 curl -fsS --max-time 8 "http://127.0.0.1:$1/"; }

# ---- real clients ---------------------------------------------------------------------

@test "python3-systemd: STATUS= and READY=1 are logged with the app's pid; NOTIFY_SOCKET is abstract" {
	start_tinyhold --notify -- "$APP" env 'notify:STATUS=warming up' 'notify:READY=1\nSTATUS=serving' hang
	wait_line '^tinyhold: pid [0-9]+ status: serving$'
	local pid
	pid=$(app_pid)
	[[ "$(field NOTIFY_SOCKET "$(env_line 1)")" =~ ^@[0-9a-f]{5,}$ ]]	# the kernel's autobind: unsquattable
	[ "$(grep -E 'status:|ready' "$TH_LOG")" = "$(printf '%s\n' \
		"tinyhold: pid $pid status: warming up" "tinyhold: pid $pid status: serving" \
		"tinyhold: pid $pid is ready")" ]
	run -1 grep dropped "$TH_LOG"
}

@test "libsystemd: READY=1, STATUS=, WATCHDOG=1; sd_watchdog_enabled() agrees after every restart" {
	need_sdclient nt_sdnotify
	# Each run pings 8 times a quarter period apart (two periods), exits 1 twice, then 0.
	local pid
	start_tinyhold --watchdog 0.2 -- "$SD_NOTIFY" hello 8
	wait_exit 15
	[ "$TH_STATUS" -eq 0 ]
	[ "$(count_lines '^hello pid=[0-9]+ watchdog=1 usec=200000$' "$TH_OUT")" -eq 3 ]
	[ "$(count_lines '^tinyhold: pid [0-9]+ status: libsystemd says hello from pid [0-9]+$')" -eq 3 ]
	[ "$(count_lines '^tinyhold: pid [0-9]+ is ready$')" -eq 3 ]
	for pid in $(sed -nE 's/^hello pid=([0-9]+) .*/\1/p' "$TH_OUT"); do
		grep -qx "tinyhold: pid $pid status: libsystemd says hello from pid $pid" "$TH_LOG"
	done
	run -1 grep -E 'watchdog|dropped' "$TH_LOG"
}

@test "systemd-notify --ready --status from a child of the app is heard" {
	command -v systemd-notify >/dev/null || skip "systemd-notify is not installed"
	start_tinyhold --notify -- sh -c \
		'systemd-notify --ready --status="said by systemd-notify" || echo "systemd-notify failed: $?"; exec sleep 100'
	wait_line 'is ready$|dropped' || true
	grep -q 'systemd-notify failed' "$TH_OUT" && skip "systemd-notify cannot send from here: $(cat "$TH_OUT")"
	local pid
	pid=$(app_pid)
	grep -qx "tinyhold: pid $pid is ready" "$TH_LOG"
	grep -qE "^tinyhold: pid [0-9]+ status: said by systemd-notify\$" "$TH_LOG"
	run -1 grep dropped "$TH_LOG"
}

@test "unknown keys are ignored; RELOADING=1 and STOPPING=1 are logged; STOPPING=1 rests the watchdog" {
	start_tinyhold --watchdog 0.5 -- "$APP" 'notify:X_CUSTOM=1\nMAINPID=1\nERRNO=5\nREADY=1\n' \
		notify:RELOADING=1 'notify:READY=1' notify:STOPPING=1 sleep:1 exit:0
	wait_exit 10
	[ "$TH_STATUS" -eq 0 ]
	local pid
	pid=$(app_pid)
	[ "$(grep -E 'ready|reloading|stopping' "$TH_LOG")" = "$(printf '%s\n' \
		"tinyhold: pid $pid is ready" "tinyhold: pid $pid is reloading" \
		"tinyhold: pid $pid is ready" "tinyhold: pid $pid is stopping")" ]
	# A second of silence after STOPPING=1, with a 0.5 s watchdog: no SIGABRT.
	grep -qE "^tinyhold: pid $pid exited with status 0 after 1\.[0-9]{3}s\$" "$TH_LOG"
	run -1 grep -E 'watchdog|dropped|restarting' "$TH_LOG"
}

# ---- READY=1 and the back-off -------------------------------------------------------------

@test "READY=1 resets the back-off: after 4 fast crashes, crashes after READY=1 restart at once" {
	# Runs 0-3 crash before READY=1, runs 4 and 5 after it, run 6 stays.
	start_tinyhold --notify --backoff-max 0.3 -- "$APP" '[>=4]notify:READY=1' '[<6]exit:1' hang
	wait_line '^tinyhold: started .* \(restart 6\)$'
	[ "$(restart_lines)" = "$(printf '%s\n' 'restarting now (restart 1)' \
		'restarting in 0.100s (restart 2)' 'restarting in 0.200s (restart 3)' \
		'restarting in 0.300s (restart 4)' 'restarting now (restart 5)' 'restarting now (restart 6)')" ]
	[ "$(count_lines 'is ready$')" -ge 2 ]
}

@test "the same crash loop without READY=1 keeps backing off" {
	start_tinyhold --notify --backoff-max 0.3 -- "$APP" '[<6]exit:1' hang
	wait_line '^tinyhold: started .* \(restart 6\)$'
	[ "$(restart_lines)" = "$(printf '%s\n' 'restarting now (restart 1)' \
		'restarting in 0.100s (restart 2)' 'restarting in 0.200s (restart 3)' \
		'restarting in 0.300s (restart 4)' 'restarting in 0.300s (restart 5)' \
		'restarting in 0.300s (restart 6)')" ]
}

# ---- malformed and hostile datagrams --------------------------------------------------------

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

@test "FDNAME= with a ':' is stored under the default name, with a warning" {
	# As systemd: the fd is kept, the bad name is not (it would split LISTEN_FDNAMES).
	start_tinyhold --fdstore-max 8 -- "$APP" env 'fds:1:FDSTORE=1\nFDNAME=a:b' \
		'notify:STATUS=after' '[=0]exit:1' hang
	wait_line '^tinyhold: started .* \(restart 1\)$'
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=1'
	grep -qE 'status: after$' "$TH_LOG"
	grep -qE '^tinyhold: pid [0-9]+ stored fds with a bad FDNAME; storing them as stored$' "$TH_LOG"
	[ "$(memfds "$(th_pid)")" -ge 1 ]	# the second start stores a fresh memfd too
	[ "$(field LISTEN_FDS "$(env_line 2)")" = "1" ]
	[ "$(field LISTEN_FDNAMES "$(env_line 2)")" = "stored" ]
}

@test "300 fds in one datagram, --fdstore-max 2: the kernel lets 253 through, 2 are kept, 251 closed" {
	local before th
	start_tinyhold --fdstore-max 2 -- "$APP" await:go 'fds:300:FDSTORE=1\nFDNAME=many' '[=0]exit:1' env hang
	wait_line '^tinyhold: started .* \(restart 0\)$'
	th=$(th_pid)
	before=$(nfds "$th")
	touch go
	says '^pid [0-9]+: sent 253 fds$'
	wait_line '^tinyhold: fd store full \(--fdstore-max 2\): closed 251 fd\(s\)$'
	wait_line '^tinyhold: started .* \(restart 1\)$'	# its exec pipe is closed again
	says '^pid [0-9]+: env '
	[ "$(field LISTEN_FDS "$(env_line 1)")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$(env_line 1)")" = many:many ]
	[ "$(memfds "$th")" -eq 2 ]
	[ "$(nfds "$th")" -eq $((before + 2)) ]
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

@test "READY=1 and FDSTORE=1 from a process that is not the app are dropped" {
	local ns out pid
	start_tinyhold --fdstore-max 8 -- "$APP" env hang
	says '^pid [0-9]+: env '
	ns=$(field NOTIFY_SOCKET "$(env_line 1)")
	# The test shell's own child, with the real client: right address, wrong sender.
	out=$(NOTIFY_SOCKET="$ns" timeout 10 "$APP" env 'notify:READY=1\nSTATUS=intruder' \
		'fds:3:FDSTORE=1\nFDNAME=evil')
	pid=$(sed -nE 's/^pid ([0-9]+): env .*/\1/p' <<<"$out")
	[ -n "$pid" ]
	dropped "$pid" 'not from the app'
	[[ "$out" == *"sent 3 fds"* ]]
	[ "$(memfds "$(th_pid)")" -eq 0 ]
	run -1 grep -E 'ready|intruder' "$TH_LOG"
}

@test "a flood of 10000 bad datagrams: a few log lines, no fd kept, the app served, SIGTERM answered" {
	local port before th n
	port=$(free_port)
	start_tinyhold --fdstore-max 8 -p "127.0.0.1:$port" -- "$APP" serve await:go flood:10000 \
		trickle:0.05:400 hang
	wait_port "$port"
	th=$(th_pid)
	before=$(nfds "$th")
	touch go
	says '^pid [0-9]+: flooded 10000$' 30
	# Every one of them was read and counted: a warning after the flood counts past 10000.
	wait_line '\((1[0-9]{4}) dropped so far\)$' "$TH_LOG" 10
	[[ "$(converse "$port")" == *"env pid=$(app_pid) "* ]]
	n=$(count_lines 'dropped a notify datagram')
	echo "warnings: $n"
	[ "$n" -le 6 ]
	[ "$(wc -l <"$TH_LOG")" -le $((n + 2)) ]
	[ "$(memfds "$th")" -eq 0 ]
	[ "$(nfds "$th")" -eq "$before" ]
	# Still flooded (trickle), it stops at once.
	kill -TERM "$th"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
	grep -qE '^tinyhold: got SIGTERM; stopping pid [0-9]+$' "$TH_LOG"
}

# ---- watchdog ----------------------------------------------------------------------------

@test "the watchdog fires when the app stops pinging: SIGABRT, then a restart" {
	# Run 0 pings for 0.6 s (two periods), then hangs; run 1 pings on.
	start_tinyhold --watchdog 0.3 -- "$APP" '[=0]ping:0.05:0.6' '[=0]hang' ping:0.05:30
	wait_line '^tinyhold: started .* \(restart 1\)$'
	local pid0
	pid0=$(app_pid 1)
	grep -qE "^pid $pid0: pinged [0-9]+\$" "$TH_OUT"
	grep -qx "tinyhold: pid $pid0 failed its watchdog (0.300s); sending SIGABRT, then a restart" "$TH_LOG"
	grep -qE "^tinyhold: pid $pid0 died of SIGABRT after (0\.[6-9]|1\.)[0-9]*s\$" "$TH_LOG"
	grep -qx 'tinyhold: restarting now (restart 1)' "$TH_LOG"
}

@test "an app that ignores the watchdog's SIGABRT is SIGKILLed after -t" {
	start_tinyhold -t 0.3 --watchdog 0.3 -- "$APP" ignore:ABRT '[=0]hang' ping:0.05:30
	wait_line '^tinyhold: started .* \(restart 1\)$'
	local pid0
	pid0=$(app_pid 1)
	grep -q "pid $pid0 failed its watchdog (0.300s); sending SIGABRT" "$TH_LOG"
	grep -qx "tinyhold: pid $pid0 did not stop within 0.300s; killing its process group" "$TH_LOG"
	grep -qE "^tinyhold: pid $pid0 died of SIGKILL after" "$TH_LOG"
}

@test "WATCHDOG=trigger fires the watchdog at once" {
	start_tinyhold --watchdog 30 -- "$APP" '[=0]notify:WATCHDOG=trigger' hang
	wait_line '^tinyhold: started .* \(restart 1\)$'
	local pid0
	pid0=$(app_pid 1)
	grep -qx "tinyhold: pid $pid0 failed its watchdog (30.000s); sending SIGABRT, then a restart" "$TH_LOG"
	grep -qE "^tinyhold: pid $pid0 died of SIGABRT after 0\.[0-9]{3}s\$" "$TH_LOG"
}

@test "an app that keeps pinging is never killed, over four periods" {
	start_tinyhold --watchdog 0.4 -- "$APP" ping:0.05:1.6 exit:0
	wait_exit 10
	[ "$TH_STATUS" -eq 0 ]
	grep -qE '^tinyhold: pid [0-9]+ exited with status 0 after 1\.[0-9]{3}s$' "$TH_LOG"
	run -1 grep -E 'watchdog|restarting' "$TH_LOG"
}

@test "WATCHDOG_USEC, and WATCHDOG_PID is the app's own pid, after restarts too" {
	start_tinyhold --watchdog 0.25 -- "$APP" env '[<2]exit:1' ping:0.05:30
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=2'
	local i line
	for i in 1 2 3; do
		line=$(env_line "$i")
		[ "$(field WATCHDOG_USEC "$line")" = 250000 ]
		[ "$(field WATCHDOG_PID "$line")" = "$(field pid "$line")" ]
		[ "$(field pid "$line")" = "$(app_pid "$i")" ]
	done
}

@test "without --watchdog the app gets no WATCHDOG_*, not even tinyhold's own" {
	WATCHDOG_USEC=1000 WATCHDOG_PID=$$ start_tinyhold --notify -- "$APP" env hang
	says '^pid [0-9]+: env '
	[ -n "$(field NOTIFY_SOCKET "$(env_line 1)")" ]
	[[ "$(env_line 1)" != *WATCHDOG* ]]
}

# ---- the fd store ------------------------------------------------------------------------

@test "a memfd counter survives 100 crashes (libsystemd, --backoff-max 0); the store holds it once" {
	need_sdclient nt_sdnotify
	local th fd
	start_tinyhold -q --backoff-max 0 --fdstore-max 4 -- "$SD_NOTIFY" counter 100
	says '^count 100 fds 1$' 30
	th=$(th_pid)
	[ "$(memfds "$th")" -eq 1 ]
	fd=$(find "/proc/$th/fd" -mindepth 1 -lname '/memfd:state*' -printf '%f\n')
	[ "$(od -An -t u8 "/proc/$th/fd/$fd" | tr -d ' ')" = 100 ]
	[ ! -s "$TH_LOG" ]	# -q: no error, no warning
}

@test "a stored connection survives the app's crash: the client hears both pids, no reset" {
	local port
	port=$(free_port)
	start_tinyhold --fdstore-max 2 -p "127.0.0.1:$port" -- "$APP" keepconn hang
	wait_line '^tinyhold: started .* \(restart 0\)$'
	run -0 converse "$port"
	[ "${lines[0]}" = "stored by pid $(app_pid 1)" ]
	[ "${lines[1]}" = "still here, pid $(app_pid 2) restart 1" ]
	grep -qE "^tinyhold: pid $(app_pid 1) died of SIGABRT" "$TH_LOG"
	[ "$(find "/proc/$(th_pid)/fd" -mindepth 1 -lname 'socket:*' | wc -l)" -eq 2 ]	# notify + listener
}

@test "stored fds follow the held sockets; the default name is 'stored'; FDSTOREREMOVE=1 drops by name" {
	local port
	port=$(free_port)
	start_tinyhold --fdstore-max 4 -p "web=127.0.0.1:$port" -- "$APP" env \
		'[=0]store:gone' '[=0]store:keep' '[=0]store:' '[=0]exit:1' \
		'[=1]notify:FDSTOREREMOVE=1\nFDNAME=gone' '[=1]exit:1' hang
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=2'
	[ "$(field LISTEN_FDNAMES "$(env_line 1)")" = web ]
	[ "$(field LISTEN_FDS "$(env_line 2)")" = 4 ]
	[ "$(field LISTEN_FDNAMES "$(env_line 2)")" = web:gone:keep:stored ]
	[ "$(field LISTEN_FDS "$(env_line 3)")" = 3 ]
	[ "$(field LISTEN_FDNAMES "$(env_line 3)")" = web:keep:stored ]
	[ "$(field fds "$(env_line 3)")" = 0,1,2,3,4,5 ]
	[ "$(memfds "$(th_pid)")" -eq 2 ]
}

@test "fds beyond --fdstore-max are closed with a warning" {
	start_tinyhold --fdstore-max 2 -- "$APP" env '[=0]store:a' '[=0]store:b' '[=0]store:c' '[=0]exit:1' hang
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=1'
	grep -qx 'tinyhold: fd store full (--fdstore-max 2): closed 1 fd(s)' "$TH_LOG"
	[ "$(field LISTEN_FDNAMES "$(env_line 2)")" = a:b ]
	[ "$(memfds "$(th_pid)")" -eq 2 ]
}

@test "the two ends of a pipe are two open files: both are stored" {
	start_tinyhold --fdstore-max 4 -- "$APP" env '[=0]storepipe:pipe' '[=0]exit:1' hang
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=1'
	[ "$(field LISTEN_FDS "$(env_line 2)")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$(env_line 2)")" = pipe:pipe ]
	run -1 grep 'fd store full' "$TH_LOG"
}

# ---- zero-downtime reload --------------------------------------------------------------------

# reloads_at_least N: tinyhold logged N completed reloads.
reloads_at_least() { [ "$(count_lines '^tinyhold: reload: pid [0-9]+ is ready; stopping pid [0-9]+$')" -ge "$1" ]; }
clean_stops_at_least() { [ "$(count_lines 'stopped cleanly after' "$TH_OUT")" -ge "$1" ]; }
reloads_or_ignored_at_least() {
	[ "$(count_lines '^tinyhold: (reload: pid [0-9]+ is ready; stopping|reload ignored)')" -ge "$1" ]
}
old_exits_at_least() { [ "$(count_lines '^tinyhold: retired pid [0-9]+ exited with status 0$')" -ge "$1" ]; }

# reload_under_load START_FN: 5 reloads while nt_load.py keeps 4 clients busy (at most 20 s).
reload_under_load() {
	local port th i result
	port=$(free_port)
	"$1" --reload-signal HUP -t 5 -p "127.0.0.1:$port" -- "$RELOADER" --delay 0.3
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

@test "a reload under load: 5 reloads, 0 refused, 0 reset; each old instance drains and exits 0" {
	reload_under_load start_tinyhold
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

# ---- sockets tinyhold inherits ----------------------------------------------------------------

@test "under systemd-socket-activate: the activated socket comes first, as web, then the -p one" {
	command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"
	local port other reply
	port=$(free_port)
	other=$(free_port)
	start_wrapped systemd-socket-activate -l "127.0.0.1:$port" --fdname=web \
		"$TINYHOLD" -p "127.0.0.1:$other" -- "$APP" serve hang
	wait_port "$port"	# this first connection makes it exec tinyhold
	wait_port "$other"
	reply=$(converse "$port")
	[ "$(field LISTEN_FDS "$reply")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$reply")" = web:unknown ]
	[ "$(field fds "$reply")" = 0,1,2,3,4 ]
	[ "$(field fd "$reply")" = 3 ]
	[ "$(field fd "$(converse "$other")")" = 4 ]
	[ "$(field LISTEN_PID "$reply")" = "$(field pid "$reply")" ]
	[ "$(th_pid)" != "$(field LISTEN_PID "$reply")" ]
}

@test "LISTEN_PID=1 given to tinyhold (as podman passes) is adopted before the -p sockets" {
	local port other reply
	port=$(free_port)
	other=$(free_port)
	start_wrapped "$BIN/nt_inherit.py" "$port" 1 inh -- "$TINYHOLD" -p "127.0.0.1:$other" -- "$APP" serve hang
	wait_port "$other"
	reply=$(converse "$port")
	[ "$(field LISTEN_FDS "$reply")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$reply")" = inh:unknown ]
	[ "$(field kinds "$reply")" = socket,socket ]
	[ "$(field fd "$reply")" = 3 ]
	[ "$(field fd "$(converse "$other")")" = 4 ]
}

@test "LISTEN_PID of another process is not adopted, and that fd does not reach the app" {
	local other reply
	other=$(free_port)
	start_wrapped "$BIN/nt_inherit.py" "$(free_port)" parent inh -- "$TINYHOLD" -p "127.0.0.1:$other" -- \
		"$APP" serve hang
	wait_port "$other"
	reply=$(converse "$other")
	[ "$(field LISTEN_FDS "$reply")" = 1 ]
	[ "$(field LISTEN_FDNAMES "$reply")" = unknown ]
	[ "$(field fds "$reply")" = 0,1,2,3 ]
	[ "$(field fd "$reply")" = 3 ]
}

@test "LISTEN_FDS=2 with only fd 3 open: fd 4 is not adopted, and tinyhold's own fds never reach the app" {
	local port other reply
	port=$(free_port)
	other=$(free_port)
	start_wrapped "$BIN/nt_inherit.py" --fds 2 "$port" 1 inh -- "$TINYHOLD" -p "127.0.0.1:$other" -- \
		"$APP" serve hang
	wait_port "$other"
	reply=$(converse "$port")
	echo "the app says: $reply"
	[ "$(field kinds "$reply")" = socket,socket ]
	[ "$(field LISTEN_FDS "$reply")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$reply")" = inh:unknown ]
	[ "$(field fd "$(converse "$other")")" = 4 ]
	grep -qx 'tinyhold: LISTEN_FDS says fd 4, but it is not open: Bad file descriptor' "$TH_LOG"
}

# ---- as PID 1 -----------------------------------------------------------------------------

@test "as PID 1: READY=1 from the app is heard; READY=1 from outside the container is not" {
	local ns out
	start_pid1 --notify -- "$APP" env '[=0]notify:READY=1' hang
	wait_line 'is ready$'
	ns=$(field NOTIFY_SOCKET "$(env_line 1)")
	out=$(NOTIFY_SOCKET="$ns" timeout 10 "$APP" 'notify:READY=1\nSTATUS=intruder')
	wait_line 'dropped a notify datagram from pid [0-9]+: not from the app \(1 dropped so far\)$'
	[ "$(count_lines 'is ready$')" -eq 1 ]
	run -1 grep intruder "$TH_LOG"
}

@test "as PID 1: the memfd counter survives 100 crashes" {
	need_sdclient nt_sdnotify
	start_pid1 -q --backoff-max 0 --fdstore-max 4 -- "$SD_NOTIFY" counter 100
	says '^count 100 fds 1$' 30
	[ "$(memfds "$(th_pid)")" -eq 1 ]
}

@test "as PID 1: the watchdog fires and the app is restarted" {
	start_pid1 --watchdog 0.3 -- "$APP" '[=0]hang' ping:0.05:30
	wait_line '^tinyhold: started .* \(restart 1\)$'
	grep -qE '^tinyhold: pid [0-9]+ failed its watchdog \(0\.300s\); sending SIGABRT, then a restart$' "$TH_LOG"
	grep -qE '^tinyhold: pid [0-9]+ died of SIGABRT after' "$TH_LOG"
}

@test "as PID 1: a reload under load: 5 reloads, 0 refused, 0 reset" {
	reload_under_load start_pid1
}

@test "as PID 1 in a container started with LISTEN_PID=1: the inherited socket is adopted" {
	require_pidns
	local port other reply
	port=$(free_port)
	other=$(free_port)
	start_wrapped unshare --pid --fork --mount-proc --kill-child \
		"$BIN/nt_inherit.py" "$port" 1 inh -- "$TINYHOLD" -p "127.0.0.1:$other" -- "$APP" serve hang
	wait_port "$other"
	reply=$(converse "$port")
	[ "$(field LISTEN_FDS "$reply")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$reply")" = inh:unknown ]
	[ "$(field fd "$reply")" = 3 ]
}

@test "as PID 1: two tinyholds in one network namespace (one pod) both get a notify socket" {
	start_pid1 --notify -- "$APP" env 'notify:READY=1' hang
	wait_line 'is ready$'
	# A second container of the same pod: its own pid namespace, the same network namespace.
	run --separate-stderr timeout 10 unshare --pid --fork --mount-proc --kill-child \
		"$TINYHOLD" -r never --notify -- "$APP" env 'notify:READY=1'
	echo "second: $status $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" is ready"* ]]
	[ "$(field NOTIFY_SOCKET "$output")" != "$(field NOTIFY_SOCKET "$(env_line 1)")" ]
}
