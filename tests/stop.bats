#!/usr/bin/env bats
# The stop (issue 16): --stop-signal, --drain, and the held sockets let go on the
# final stop. The decisions are tabled in tests/unit/pool_test.c; here they are
# carried out on real processes, with real clients, plain and as PID 1.
load common

APP="$BIN/st_app.py"
PROBE="$BIN/srv_probe.py"

setup() { cd "$BATS_TEST_TMPDIR"; }
teardown() {
	[ -z "${CLIENT_PID:-}" ] || kill -KILL "$CLIENT_PID" 2>/dev/null || true
	cleanup_tinyhold
	no_leftovers
}

# got N: the app said it got signal N.
got() { grep -qx "got $1" "$TH_OUT"; }

stop_signal_quit() {
	local port
	port=$(free_port)
	start_tinyhold --stop-signal QUIT -p "127.0.0.1:$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	kill -TERM "$(th_pid)"
	wait_exit 10
	grep -qx 'got 3' "$TH_OUT"
	grep -qE '^tinyhold: got SIGTERM; stopping pid [0-9]+ with SIGQUIT$' "$TH_LOG"
	[ "$TH_STATUS" -eq 0 ]
}

@test "--stop-signal QUIT: SIGTERM stops the app with SIGQUIT (also as PID 1)" {
	in_both_modes stop_signal_quit
}

@test "TINYHOLD_STOP_SIGNAL=USR1: SIGINT (Ctrl-C) still reaches the app as SIGINT" {
	local port
	port=$(free_port)
	TINYHOLD_STOP_SIGNAL=USR1 start_tinyhold -p "127.0.0.1:$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	kill -INT "$(th_pid)"
	wait_exit 10
	grep -qx 'got 2' "$TH_OUT"
	run -1 grep -x 'got 10' "$TH_OUT"
}

@test "TINYHOLD_STOP_SIGNAL=USR1: the app gets SIGUSR1 for SIGTERM" {
	local port
	port=$(free_port)
	TINYHOLD_STOP_SIGNAL=USR1 start_tinyhold -p "127.0.0.1:$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	kill -TERM "$(th_pid)"
	wait_exit 10
	grep -qx 'got 10' "$TH_OUT"
}

@test "--stop-signal CHLD is a usage error (2) with one line" {
	run -2 "$TINYHOLD" --stop-signal CHLD -- true
	[ "${lines[0]}" = "tinyhold: bad --stop-signal 'CHLD': not a signal that ends a process" ]
}

# ready_code SPORT: the status code of /ready; ready_is SPORT CODE.
ready_code() { curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/ready"; }
ready_is() { [ "$(ready_code "$1")" = "$2" ]; }

drain_serves() {
	local port sport out t0 ms
	port=$(free_port)
	sport=$(free_port)
	start_tinyhold --drain 2 --status "127.0.0.1:$sport" -p "$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	wait_port "$port"
	wait_until 5 ready_is "$sport" 200
	# The client asks for 1.8 s, from just before SIGTERM to just before the drain ends.
	"$PY" "$PROBE" loop "$port" stop-client 1.8 >client.out 3>&- &
	CLIENT_PID=$!
	t0=$(date +%s%N)
	kill -TERM "$(th_pid)"
	# /ready turns 503 at once (make bench-status measures it: a few ms), not after the drain.
	wait_until 5 ready_is "$sport" 503
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# /ready 503 after ${ms} ms"
	[ "$ms" -lt 1000 ]
	wait_line '^tinyhold: got SIGTERM; draining for 2\.000s: not ready, still serving'
	# A crash during the drain is restarted as ever.
	curl -s -m 5 "http://127.0.0.1:$port/crash" || true
	wait_line '^tinyhold: restarting '
	wait_line '^up ' "$TH_OUT"
	wait "$CLIENT_PID"
	CLIENT_PID=
	out=$(cat client.out)
	echo "# client during the drain: $out"
	# Every request during the drain was answered.
	[[ "$out" =~ refused=0\ reset=0\ timeout=0\ other=0 ]]
	[[ "$out" =~ ok=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 20 ]
	wait_line '^tinyhold: drain over; stopping$'
	wait_exit 10
	# The app got its stop signal only after the drain, once.
	[ "$(grep -c '^got 15$' "$TH_OUT")" -eq 1 ]
	[ "$TH_STATUS" -eq 0 ]
}

@test "--drain 2: after SIGTERM /ready is 503 at once, every request is answered for 2 s, a crash is restarted, then the stop goes on (also as PID 1)" {
	in_both_modes drain_serves
}

drain_ended_by() {
	local port
	port=$(free_port)
	start_tinyhold --drain 60 -p "127.0.0.1:$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	kill -TERM "$(th_pid)"
	wait_line '^tinyhold: got SIGTERM; draining for 60\.000s'
	kill "-$1" "$(th_pid)"
	wait_exit 5
	grep -qx "got $2" "$TH_OUT"
}

@test "--drain 60: a second SIGTERM ends the drain at once (also as PID 1)" {
	in_both_modes drain_ended_by TERM 15
}

@test "--drain 60: SIGINT ends the drain at once, and the app gets SIGINT" {
	drain_ended_by INT 2
}

@test "--drain: a reload during the drain is ignored" {
	local port
	port=$(free_port)
	start_tinyhold --drain 60 --reload-signal HUP -p "127.0.0.1:$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	kill -TERM "$(th_pid)"
	wait_line '^tinyhold: got SIGTERM; draining'
	kill -HUP "$(th_pid)"
	wait_line '^tinyhold: reload ignored: stopping$'
}

# connects_after_close: the app closes its listener on SIGTERM and takes 3 s to
# finish; meanwhile each new connect must be refused at once (the socket died with
# the app's last copy), not queued where nobody accepts it.
connects_after_close() {
	local port out
	port=$(free_port)
	echo "close 3" >onstop
	start_tinyhold -p "127.0.0.1:$port" -- "$APP"
	wait_line '^up ' "$TH_OUT"
	wait_port "$port"
	kill -TERM "$(th_pid)"
	wait_line '^closed$' "$TH_OUT"
	out=$(timeout 20 "$PY" -c '
import socket, sys
refused = answered = hung = 0
for _ in range(10):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        answered += bool(s.recv(100))
    except ConnectionRefusedError:
        refused += 1
    except (socket.timeout, OSError):
        hung += 1
    s.close()
print("refused=%d answered=%d hung=%d" % (refused, answered, hung))
' "$port")
	echo "# connects after the app closed its listener: $out"
	[ "$out" = "refused=10 answered=0 hung=0" ]
	wait_exit 10
	[ "$TH_STATUS" -eq 0 ]
}

@test "on the final stop the held socket dies with the app's listener: new connects are refused at once (also as PID 1)" {
	in_both_modes connects_after_close
}

@test "a restart still keeps the held socket: a client queued while the app is down is answered" {
	local port
	port=$(free_port)
	start_tinyhold -p "127.0.0.1:$port" --backoff-max 0 -- "$APP"
	wait_line '^up ' "$TH_OUT"
	curl -s -m 5 "http://127.0.0.1:$port/crash" || true
	run -0 curl -s -m 10 "http://127.0.0.1:$port/"
	[ "$output" = "hello 1" ]
}
