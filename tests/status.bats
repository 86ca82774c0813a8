#!/usr/bin/env bats
# --status and --probe (issue 16): tinyhold's own HTTP surface. The parser is
# tabled in tests/unit/http_test.c and fuzzed (http_fuzz), the readiness rule
# in tests/unit/pool_test.c, the metrics text in tests/unit/metrics_test.c;
# here, real clients: curl, socat, python3, promtool and a Prometheus server.
load common

APP="$BIN/nt_app.py"

setup() {
	cd "$BATS_TEST_TMPDIR"
	SP=$(free_port)
}

teardown() {
	# PROM_PID is the `timeout` around prometheus: a SIGKILL of it alone would orphan it.
	if [ -n "${PROM_PID:-}" ]; then
		pkill -KILL -P "$PROM_PID" 2>/dev/null || true
		kill -KILL "$PROM_PID" 2>/dev/null || true
		wait "$PROM_PID" 2>/dev/null || true
	fi
	[ -z "${HOLDER_PID:-}" ] || kill -KILL "$HOLDER_PID" 2>/dev/null || true
	cleanup_tinyhold
	no_leftovers
}

need_promtool() { command -v promtool >/dev/null || skip "no promtool (apt-get install prometheus)"; }

# code PATH: the status code of GET PATH on the status port; its body in ./body.
code() { curl -s -o body -w '%{http_code}' --max-time 2 "http://127.0.0.1:$SP$1"; }
code_is() { [ "$(code "$1")" = "$2" ]; }

# metric NAME: its value in GET /metrics (NAME with its labels, as printed).
metric() { curl -s --max-time 2 "http://127.0.0.1:$SP/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

# app_host_pid: the app's pid as seen from here, in either start mode.
app_host_pid() { pgrep -P "$(th_pid)" | head -n 1; }

ready_after_notify() {
	start_tinyhold --notify --status "127.0.0.1:$SP" -- "$APP" await:go notify:READY=1 hang
	wait_port "$SP"
	[ "$(code /ready)" = 503 ]
	[ "$(head -n 1 body)" = "not ready" ]
	grep -qE '^instance 0: running, pid [0-9]+, 0 restarts, not ready$' body
	[ "$(code /live)" = 200 ]
	[ "$(head -n 1 body)" = "live" ]
	touch go
	wait_until 5 code_is /ready 200
	[ "$(head -n 1 body)" = "ready" ]
	grep -qE '^instance 0: running, pid [0-9]+, 0 restarts, ready$' body
	metric_is tinyhold_ready 1
}

@test "/ready is 503 until the app says READY=1, then 200; /live is 200 (also as PID 1)" {
	in_both_modes ready_after_notify
}

@test "/live and /ready turn 503 once tinyhold stops" {
	start_tinyhold --status "127.0.0.1:$SP" --stop-timeout 5 -- "$APP" ignore:TERM hang
	wait_port "$SP"
	wait_until 5 code_is /ready 200
	kill -TERM "$(th_pid)"
	wait_line '^tinyhold: got SIGTERM; stopping pid [0-9]+$'
	[ "$(code /live)" = 503 ]
	[ "$(head -n 1 body)" = "not live" ]
	[ "$(code /ready)" = 503 ]
	grep -qE '^instance 0: stopping, pid [0-9]+, 0 restarts$' body
}

@test "--drain: /ready turns 503 at SIGTERM, /live stays 200 while the app serves on" {
	start_tinyhold --status "127.0.0.1:$SP" --drain 5 -- "$APP" hang
	wait_port "$SP"
	wait_until 5 code_is /ready 200
	kill -TERM "$(th_pid)"
	wait_line '^tinyhold: got SIGTERM; draining for 5\.000s'
	[ "$(code /ready)" = 503 ]
	grep -qE '^instance 0: running, pid [1-9][0-9]*, 0 restarts$' body
	[ "$(code /live)" = 200 ]
	metric_is tinyhold_ready 0
	metric_is tinyhold_live 1
}

@test "without --notify, /ready is 200 while an instance runs; 503 in its back-off" {
	start_tinyhold --status "127.0.0.1:$SP" --backoff-max 30 -- "$APP" '[=0]hang' '[>=1]exit:1'
	wait_port "$SP"
	[ "$(code /ready)" = 200 ]
	kill -KILL "$(app_host_pid)"
	wait_line '^tinyhold: restarting now \(restart 1\)$'
	# The back-off doubles from 0.1 s: from 1.6 s on, there is time to look.
	wait_line '^tinyhold: restarting in [1-9]'
	[ "$(code /ready)" = 503 ]
	grep -qE '^instance 0: backoff, pid 0, [0-9]+ restarts$' body
	[ "$(code /live)" = 200 ]
}

@test "anything else is 404, another method 405 with Allow, HEAD has no body, garbage 400" {
	start_tinyhold --status "127.0.0.1:$SP" -- sleep 1000
	wait_port "$SP"
	[ "$(code /nope)" = 404 ]
	[ "$(code /ready/)" = 404 ]
	[ "$(code '/ready?verbose=1')" = 200 ]
	run curl -s -i -X POST --max-time 2 "http://127.0.0.1:$SP/ready"
	[ "${lines[0]}" = $'HTTP/1.1 405 Method Not Allowed\r' ]
	printf '%s\n' "${lines[@]}" | grep -qx $'Allow: GET, HEAD\r'
	printf 'HEAD /ready HTTP/1.0\r\n\r\n' | timeout 5 socat -t 2 - "TCP:127.0.0.1:$SP" >head.out
	head -n 1 head.out | grep -qx $'HTTP/1.1 200 OK\r'
	grep -q $'^Content-Length: [1-9][0-9]*\r$' head.out
	[ "$(tail -c 4 head.out | od -An -c | tr -d ' ')" = '\r\n\r\n' ]
	printf 'hello there\r\n\r\n' | timeout 5 socat -t 2 - "TCP:127.0.0.1:$SP" >bad.out
	head -n 1 bad.out | grep -qx $'HTTP/1.1 400 Bad Request\r'
	printf 'GET /ready HTTP/1.1\nHost: x\n\n' | timeout 5 socat -t 2 - "TCP:127.0.0.1:$SP" >lf.out
	head -n 1 lf.out | grep -qx $'HTTP/1.1 200 OK\r'
}

@test "/metrics passes promtool check metrics: -n 2, a unix socket, fd names to escape, a full accept queue" {
	need_promtool
	local web odd
	web=$(free_port)
	odd=$(free_port)
	start_tinyhold -n 2 --status "unix:$BATS_TEST_TMPDIR/st.sock" -p "web=127.0.0.1:$web" \
		-p "o\"d\\d=127.0.0.1:$odd" -p udp:127.0.0.1:$odd -- sleep 1000
	wait_until 5 test -S st.sock
	wait_line '^tinyhold: instance 1: started'
	# Three connects to a listener nobody accepts on: its queue is 3.
	"$PY" -c '
import socket, sys, time
ss = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(3)]
print("connected", flush=True)
time.sleep(30)' "$web" >clients.out 3>&- &
	HOLDER_PID=$!
	wait_until 5 grep -q connected clients.out
	curl -s --max-time 2 --unix-socket st.sock http://x/metrics >metrics.txt
	run promtool check metrics <metrics.txt
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qx 'tinyhold_instance_up{instance="0"} 1' metrics.txt
	grep -qx 'tinyhold_instance_up{instance="1"} 1' metrics.txt
	grep -qx 'tinyhold_listen_queue{name="web",fd="3"} 3' metrics.txt
	grep -qx 'tinyhold_listen_queue{name="o\\"d\\\\d",fd="4"} 0' metrics.txt
	grep -qE '^tinyhold_listen_backlog\{name="web",fd="3"\} [1-9][0-9]*$' metrics.txt
	run -1 grep -q 'fd="5"' metrics.txt	# the UDP socket has no accept queue
	grep -qE "^process_start_time_seconds $(date +%s | cut -c1-7)[0-9]{3}$" metrics.txt
}

crashes_counted() {
	start_tinyhold --status "127.0.0.1:$SP" --backoff-max 0 -- "$APP" '[<2]exit:3' hang
	wait_line '^tinyhold: started .* \(restart 2\)$'
	wait_port "$SP"
	metric_is tinyhold_restarts_total 2
	metric_is 'tinyhold_exits_total{cause="exit_code"}' 2
	metric_is 'tinyhold_exits_total{cause="signal"}' 0
	kill -SEGV "$(app_host_pid)"
	wait_line '^tinyhold: started .* \(restart 3\)$'
	metric_is tinyhold_restarts_total 3
	metric_is 'tinyhold_exits_total{cause="signal"}' 1
	metric_is 'tinyhold_exits_total{cause="watchdog"}' 0
	metric_is tinyhold_ready 1
}

@test "restarts and exits by cause are counted after crashes (also as PID 1)" {
	ulimit -c 0
	in_both_modes crashes_counted
}

@test "a watchdog that fires counts as the exit's cause, not its SIGABRT" {
	ulimit -c 0
	start_tinyhold --status "127.0.0.1:$SP" --watchdog 1.5 --backoff-max 0 -- "$APP" \
		'[=0]notify:READY=1' '[=0]hang' '[>=1]ping:0.1:60'
	wait_line '^tinyhold: started .* \(restart 1\)$'
	wait_port "$SP"
	metric_is 'tinyhold_exits_total{cause="watchdog"}' 1
	metric_is 'tinyhold_exits_total{cause="signal"}' 0
	metric_is tinyhold_restarts_total 1
}

@test "a real Prometheus scrapes /metrics: its query API shows the restarts" {
	command -v prometheus >/dev/null || skip "no prometheus (apt-get install prometheus)"
	local pp
	pp=$(free_port)
	start_tinyhold --status "127.0.0.1:$SP" --backoff-max 0 -- "$APP" '[<2]exit:1' hang
	wait_line '^tinyhold: started .* \(restart 2\)$'
	cat >prom.yml <<-YML
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: tinyhold
	    static_configs:
	      - targets: ['127.0.0.1:$SP']
	YML
	timeout -s KILL 60 prometheus --config.file=prom.yml --storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" \
		--web.listen-address="127.0.0.1:$pp" >prom.log 2>&1 3>&- &
	PROM_PID=$!
	wait_port "$pp"
	# The first scrape comes within a second or two of its start.
	wait_until 20 bash -c "curl -s 'http://127.0.0.1:$pp/api/v1/query?query=tinyhold_restarts_total' >q.json && grep -q '\"value\"' q.json"
	"$PY" -c '
import json, sys
r = json.load(open("q.json"))["data"]["result"]
assert len(r) == 1, r
assert r[0]["metric"]["job"] == "tinyhold", r
assert r[0]["value"][1] == "2", r' 
	curl -s "http://127.0.0.1:$pp/api/v1/query?query=up" >up.json
	grep -q '"value":\[[0-9.]*,"1"\]' up.json
}

probe_exits() {
	start_tinyhold --notify --status "$SP" -- "$APP" await:go notify:READY=1 hang
	wait_port "$SP"
	# A wildcard --status is asked on loopback.
	TINYHOLD_STATUS=$SP run -1 "$TINYHOLD" --probe
	[ "${lines[0]}" = "HTTP/1.1 503 Service Unavailable" ]
	[ "${lines[1]}" = "not ready" ]
	TINYHOLD_STATUS=$SP run -0 "$TINYHOLD" --probe live
	[ "${lines[1]}" = "live" ]
	touch go
	wait_until 5 env TINYHOLD_STATUS="$SP" "$TINYHOLD" --probe
	TINYHOLD_STATUS=127.0.0.1:$SP run -0 "$TINYHOLD" --probe ready
	[ "${lines[0]}" = "HTTP/1.1 200 OK" ]
	[[ "${lines[2]}" =~ ^instance\ 0:\ running,\ pid\ [0-9]+,\ 0\ restarts,\ ready$ ]]
}

@test "--probe exits 0 on 200 and 1 on 503, and prints the answer (also as PID 1)" {
	in_both_modes probe_exits
}

@test "--probe on a unix socket, and --status on its command line" {
	start_tinyhold --status "unix:$BATS_TEST_TMPDIR/st.sock" -- sleep 1000
	wait_until 5 test -S st.sock
	run -0 "$TINYHOLD" --probe --status "unix:$BATS_TEST_TMPDIR/st.sock"
	[ "${lines[0]}" = "HTTP/1.1 200 OK" ]
}

# elapsed_ms COMMAND...: runs it and sets ELAPSED_MS and STATUS.
elapsed_ms() {
	local t0 t1
	t0=$(date +%s%N)
	STATUS=0
	"$@" >elapsed.out 2>&1 || STATUS=$?
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
}

# The probe's own deadline is 900 ms (it says so when it strikes); the clock here only
# catches a hang: 3 s, so that a slow start (ASan, a loaded machine) is not a failure.
@test "--probe gives up within 1 s: nothing listening, or a server that never answers" {
	local port
	port=$(free_port)
	elapsed_ms env TINYHOLD_STATUS="127.0.0.1:$port" "$TINYHOLD" --probe
	[ "$STATUS" -eq 1 ]
	grep -qx "tinyhold: cannot ask 127.0.0.1:$port: Connection refused" elapsed.out
	[ "$ELAPSED_MS" -lt 3000 ]
	# A listener that never accepts: the kernel completes the connect, nobody answers.
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
print("listening", flush=True); time.sleep(30)' "$port" >holder.out 3>&- &
	HOLDER_PID=$!
	wait_until 5 grep -q listening holder.out
	elapsed_ms env TINYHOLD_STATUS="127.0.0.1:$port" "$TINYHOLD" --probe live
	[ "$STATUS" -eq 1 ]
	grep -qx "tinyhold: no answer from 127.0.0.1:$port within 900 ms" elapsed.out
	[ "$ELAPSED_MS" -lt 3000 ]
	elapsed_ms env TINYHOLD_STATUS="unix:$BATS_TEST_TMPDIR/none.sock" "$TINYHOLD" --probe
	[ "$STATUS" -eq 1 ]
	grep -qx "tinyhold: cannot ask unix:$BATS_TEST_TMPDIR/none.sock: No such file or directory" elapsed.out
}

@test "--probe: usage errors exit 2" {
	run -2 --separate-stderr "$TINYHOLD" --probe
	[ "$stderr" = $'tinyhold: --probe needs --status ADDR or TINYHOLD_STATUS\ntinyhold: try \'tinyhold --help\'' ]
	TINYHOLD_STATUS=9090 run -2 --separate-stderr "$TINYHOLD" --probe=maybe
	[ "${stderr_lines[0]}" = "tinyhold: bad --probe 'maybe': expected ready or live" ]
}

@test "a bad --status is a usage error (2); an address in use a setup error (125), before the app starts" {
	run -2 --separate-stderr timeout 5 "$TINYHOLD" --status 99999 -- touch started
	[ "${stderr_lines[0]}" = "tinyhold: bad --status '99999': port out of range (1-65535)" ]
	TINYHOLD_STATUS=udp:9090 run -2 --separate-stderr timeout 5 "$TINYHOLD" -- touch started
	[ "${stderr_lines[0]}" = "tinyhold: bad TINYHOLD_STATUS 'udp:9090': HTTP needs a stream socket" ]
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
print("listening", flush=True); time.sleep(30)' "$SP" >holder.out 3>&- &
	HOLDER_PID=$!
	wait_until 5 grep -q listening holder.out
	run -125 --separate-stderr timeout 5 "$TINYHOLD" --status "127.0.0.1:$SP" -- touch started
	[ "$stderr" = "tinyhold: cannot bind --status 127.0.0.1:$SP: Address already in use" ]
	[ ! -e started ]
}

hostile_clients() {
	local th before pid
	start_tinyhold --status "127.0.0.1:$SP" -- "$APP" hang
	wait_port "$SP"
	wait_until 5 code_is /ready 200
	th=$(th_pid)
	pid=$(app_host_pid)
	before=$(ls "/proc/$th/fd" | wc -l)
	timeout 30 "$PY" "$BIN/st_hostile.py" "$SP" 4 >hostile.out 3>&-
	cat hostile.out
	grep -qE '^asked [1-9][0-9]+$' hostile.out
	grep -qx 'failed 0' hostile.out
	grep -qE '^half_closed ([0-9]+) of \1$' hostile.out
	grep -qE '^flooded [1-9][0-9]*$' hostile.out
	# The app untouched: the same pid, never restarted; tinyhold holds no client.
	[ "$(app_host_pid)" = "$pid" ]
	[ "$(count_lines '^tinyhold: started ')" -eq 1 ]
	wait_until 5 bash -c "[ \$(ls /proc/$th/fd | wc -l) -eq $before ]"
	metric_is tinyhold_restarts_total 0
}

@test "hostile clients (idle, half-sent, 1 MB, garbage, a flood): /ready answers within 1 s throughout (also as PID 1)" {
	in_both_modes hostile_clients
}

# no_wakeups [--status ADDR]: tinyhold sits in one poll() for 1.5 s; with
# --status, after a request was answered (it leaves no deadline behind).
no_wakeups() {
	start_tinyhold "$@" -- sleep 1000
	wait_line '^tinyhold: started '
	[ $# -eq 0 ] || wait_until 5 code_is /ready 200
	timeout -s INT 1.5 strace -e trace=poll,ppoll -p "$(th_pid)" 2>strace.out || true
	cat strace.out
	[ "$(grep -cE '^(poll|ppoll)\(' strace.out)" -le 1 ]
	run -1 grep -E '= 0 \(Timeout\)' strace.out
	cleanup_tinyhold >/dev/null
}

@test "with no client, tinyhold sleeps: no wake-ups, with --status and without" {
	command -v strace >/dev/null || skip "no strace"
	no_wakeups --status "127.0.0.1:$SP"
	no_wakeups
}

keeps_stdin() {
	echo in >stdin.txt
	start_wrapped bash -c 'exec "$0" "$@" <stdin.txt' "${TH_RUN[@]}" "$@" --backoff-max 0 -- sleep 1000
	wait_line '^tinyhold: started .* \(restart 0\)$'
	kill -KILL "$(pgrep -P "$(th_pid)")"
	wait_line '^tinyhold: started .* \(restart 1\)$'
	[ "$(readlink "/proc/$(th_pid)/fd/0")" = "$PWD/stdin.txt" ]
	cleanup_tinyhold >/dev/null
}

@test "tinyhold's own fd 0 stays what it was started with, with --status and without" {
	keeps_stdin
	keeps_stdin --status "127.0.0.1:$SP"
}
