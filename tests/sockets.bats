#!/usr/bin/env bats
# Sockets: each spec form binds what it says, the app gets them from fd 3 in
# order with the right names and no other fd, LISTEN_* are right after every
# restart, and real socket-activation clients (python3-systemd, libsystemd,
# gunicorn) work unchanged.
#
# That no connection is refused while the app crashes in a loop is tested in
# restart.bats.

load common

setup_file() {
	# libsystemd's own sd_listen_fds_with_names(), in a tiny client built here.
	SD_NAMES=$(build_sdclient sd_names)
	export SD_NAMES
}

setup() {
	# A short dir for unix sockets: sun_path holds 107 bytes, test dirs can be long.
	SOCK_DIR=$(mktemp -d /tmp/th-sk.XXXXXX)
}

teardown() {
	cleanup_tinyhold
	rm -rf "$SOCK_DIR"
	no_leftovers
}

# ---- helpers ------------------------------------------------------------------------

# get KEY [TEXT]: the value of "KEY=..." in an sk_fdreport report (default: $output).
get() { sed -n "s/^$1=//p" <<<"${2-$output}" | head -n 1; }

# expect KEY VALUE [TEXT]: the report says KEY=VALUE.
expect() {
	local got
	got=$(get "$1" "${3-$output}")
	[ "$got" = "$2" ] || { echo "$1: got '$got', want '$2'"; return 1; }
}

# http HOST PORT [PATH]: GET over TCP; HOST is an IP literal ([::1] for IPv6).
http() { timeout 5 curl -sS --max-time 3 "http://$1:$2${3:-/}"; }

# refused HOST PORT: nothing accepts a TCP connection there (curl: "couldn't connect").
refused() {
	local rc=0
	timeout 5 curl -sS --max-time 3 -o /dev/null "http://$1:$2/" 2>/dev/null || rc=$?
	[ "$rc" -eq 7 ] || { echo "expected connection refused on $1:$2, curl said $rc"; return 1; }
}

# hello [RESTART]: $output is the demo server's greeting (for restart RESTART).
hello() {
	[[ "$output" =~ ^hello\ from\ pid\ [0-9]+\ \(restart\ ${1:-[0-9]+}\)$ ]] ||
		{ echo "not a greeting: '$output'"; return 1; }
}

# listening_tcp PORT: ss's local address column for the TCP listener on PORT.
listening_tcp() { ss -Hltn "sport = :$1" | awk '{ print $4 }'; }

# reports_at_least N FILE: FILE holds N complete sk_fdreport blocks.
reports_at_least() { [ "$(grep -c '^end$' "$2" 2>/dev/null)" -ge "$1" ]; }

# ---- each spec form ------------------------------------------------------------------

# dual_stack: both families reach the demo server, before and after a crash.
dual_stack() {
	local p
	p=$(free_port)
	start_tinyhold -p "$p" -- "$DEMO"
	wait_port "$p"
	run -0 http 127.0.0.1 "$p"
	hello 0
	run -0 http '[::1]' "$p"
	hello 0
	[ "$(listening_tcp "$p")" = "*:$p" ]	# ss: [::] with IPV6_V6ONLY=0
	run -0 http 127.0.0.1 "$p" /crash
	wait_line 'started .* \(restart 1\)'
	run -0 http '[::1]' "$p"
	hello 1
}

@test "PORT is dual-stack: reachable over 127.0.0.1 and ::1, after a restart too (also as PID 1)" {
	in_both_modes dual_stack
}

@test "*:PORT and tcp:PORT are the same dual-stack wildcard" {
	local p1 p2
	p1=$(free_port) p2=$(free_port)
	start_tinyhold -p "*:$p1" -p "tcp:$p2" -- "$BIN/sk_fdreport.py" --out "$BATS_TEST_TMPDIR/r" --stay
	wait_line '^end$' "$BATS_TEST_TMPDIR/r"
	output=$(cat "$BATS_TEST_TMPDIR/r")
	expect fd3.addr "[::]:$p1"
	expect fd3.v6only 0
	expect fd4.addr "[::]:$p2"
	expect fd4.v6only 0
	port_open "$p1" 127.0.0.1
	port_open "$p1" ::1
	port_open "$p2" 127.0.0.1
	port_open "$p2" ::1
}

@test "127.0.0.1:PORT is IPv4 only: ::1 is refused" {
	local p
	p=$(free_port)
	start_tinyhold -p "127.0.0.1:$p" -- "$DEMO"
	wait_port "$p"
	run -0 http 127.0.0.1 "$p"
	hello 0
	refused '[::1]' "$p"
	[ "$(listening_tcp "$p")" = "127.0.0.1:$p" ]
}

@test "0.0.0.0:PORT and tcp4:PORT are IPv4 only" {
	local p1 p2
	p1=$(free_port) p2=$(free_port)
	start_tinyhold -p "0.0.0.0:$p1" -p "tcp4:$p2" -- "$BIN/sk_fdreport.py" --out "$BATS_TEST_TMPDIR/r" --stay
	wait_line '^end$' "$BATS_TEST_TMPDIR/r"
	output=$(cat "$BATS_TEST_TMPDIR/r")
	expect fd3.family inet
	expect fd3.addr "0.0.0.0:$p1"
	expect fd4.family inet
	expect fd4.addr "0.0.0.0:$p2"
	port_open "$p1" 127.0.0.1
	port_open "$p2" 127.0.0.1
	refused '[::1]' "$p1"
	refused '[::1]' "$p2"
}

@test "[::1]:PORT is IPv6 only: 127.0.0.1 is refused" {
	local p
	p=$(free_port)
	start_tinyhold -p "[::1]:$p" -- "$DEMO"
	wait_port "$p" ::1
	run -0 http '[::1]' "$p"
	hello 0
	refused 127.0.0.1 "$p"
	[ "$(listening_tcp "$p")" = "[::1]:$p" ]
}

@test "tcp6:PORT is the IPv6 wildcard with IPV6_V6ONLY: 127.0.0.1 is refused" {
	local p
	p=$(free_port)
	start_tinyhold -p "tcp6:$p" -- "$DEMO"
	wait_port "$p" ::1
	run -0 http '[::1]' "$p"
	hello 0
	refused 127.0.0.1 "$p"
	[ "$(listening_tcp "$p")" = "[::]:$p" ]
}

@test "udp:PORT: a datagram round trip over 127.0.0.1 and ::1" {
	local p
	p=$(free_port)
	start_tinyhold -p "udp:$p" -- "$BIN/sk_udpecho.py"
	wait_line 'started .*sk_udpecho'
	run -0 timeout 10 "$BIN/sk_udpsend.py" 127.0.0.1 "$p" ping4
	[ "$output" = "echo ping4" ]
	run -0 timeout 10 "$BIN/sk_udpsend.py" ::1 "$p" ping6
	[ "$output" = "echo ping6" ]
	[ "$(ss -Hlun "sport = :$p" | awk '{ print $4 }')" = "*:$p" ]
}

@test "udp4:127.0.0.1:PORT is an IPv4 datagram socket, round trip with socat" {
	command -v socat >/dev/null || skip "socat is not installed"
	local p
	p=$(free_port)
	start_tinyhold -p "udp4:127.0.0.1:$p" -- "$BIN/sk_udpecho.py"
	wait_line 'started .*sk_udpecho'
	run -0 bash -c "echo -n hi | timeout 5 socat -T 3 - UDP4:127.0.0.1:$p"
	[ "$output" = "echo hi" ]
	[ "$(ss -Hlun "sport = :$p" | awk '{ print $4 }')" = "127.0.0.1:$p" ]
}

@test "unix:/path is a stream unix socket the app serves on" {
	local sock
	sock="$SOCK_DIR/app.sock"
	start_tinyhold -p "unix:$sock" -- "$DEMO"
	wait_until 10 test -S "$sock"
	run -0 timeout 5 curl -sS --max-time 3 --unix-socket "$sock" http://tinyhold/
	hello 0
	ss -Hlx | awk '{ print $5 }' | grep -qxF -- "$sock"
}

@test "unix:/path is 0666 whatever the umask, so a non-root client can connect" {
	require_root
	local sock="$SOCK_DIR/app.sock"
	chmod 0755 "$SOCK_DIR"
	umask 077	# this test's own shell only
	start_tinyhold -p "unix:$sock" -- "$DEMO"
	wait_until 10 test -S "$sock"
	[ "$(stat -c %a "$sock")" = 666 ]
	run -0 timeout 5 setpriv --reuid=65534 --regid=65534 --clear-groups \
		curl -sS --max-time 3 --unix-socket "$sock" http://tinyhold/
	hello 0
}

@test "unix:/path: a stale socket file is replaced" {
	local sock
	sock="$SOCK_DIR/app.sock"
	# A socket file nobody listens on, as a crashed container leaves it.
	timeout 5 "$PY" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	[ -S "$sock" ]
	run ! timeout 5 socat -u OPEN:/dev/null "UNIX-CONNECT:$sock"
	start_tinyhold -p "unix:$sock" -- "$DEMO"
	wait_line 'started '
	run -0 timeout 5 curl -sS --max-time 3 --unix-socket "$sock" http://tinyhold/
	hello 0
}

@test "unix:@name is an abstract socket: no file, reachable by name" {
	local name="tinyhold-sk-$$-$RANDOM"
	start_tinyhold -p "unix:@$name" -- "$DEMO"
	wait_line 'started '
	run -0 timeout 5 curl -sS --max-time 3 --abstract-unix-socket "$name" http://tinyhold/
	hello 0
	ss -Hlx | awk '{ print $5 }' | grep -qxF -- "@$name"
	[ ! -e "@$name" ]
	[ ! -e "$name" ]
}

# ---- what the app receives -------------------------------------------------------------

# fd_order: with fds 3 and 7 open at start, as well.
fd_order() {
	local p1 p2 sock
	p1=$(free_port) p2=$(free_port) sock="$SOCK_DIR/$TH_MODE.sock"
	run -0 --separate-stderr timeout 10 "${TH_RUN[@]}" -p "a=$p1" -p "b=$p2" -p "unix:$sock" \
		-- "$BIN/sk_fdreport.py" 3</etc/hostname 7</etc/passwd
	expect listen_fds 3
	expect listen_fdnames a:b:unknown
	expect listen_pid "$(get pid)"
	expect fds "0 1 2 3 4 5"
	expect fd3.addr "[::]:$p1"
	expect fd4.addr "[::]:$p2"
	expect fd5.family unix
	expect fd5.addr "$sock"
	local fd
	for fd in 3 4 5; do
		expect "fd$fd.type" stream
		expect "fd$fd.listening" 1
		expect "fd$fd.cloexec" 0
	done
}

@test "fd order and names: a=P1 b=P2 unix:/x are fds 3, 4, 5 and a:b:unknown (also as PID 1)" {
	in_both_modes fd_order
}

@test "fd order with mixed kinds: udp, abstract unix, IPv6, IPv4, in the order given" {
	local p1 p2 p3 name="tinyhold-sk-$$-$RANDOM"
	p1=$(free_port) p2=$(free_port) p3=$(free_port)
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "dns=udp:127.0.0.1:$p1" -p "ctl=unix:@$name" \
		-p "v6=[::1]:$p2" -p "127.0.0.1:$p3" -- "$BIN/sk_fdreport.py"
	expect listen_fds 4
	expect listen_fdnames dns:ctl:v6:unknown
	expect fds "0 1 2 3 4 5 6"
	expect fd3.type dgram
	expect fd3.addr "127.0.0.1:$p1"
	expect fd4.type stream
	expect fd4.addr "@$name"
	expect fd5.addr "[::1]:$p2"
	expect fd5.v6only 1
	expect fd6.addr "127.0.0.1:$p3"
}

@test "the app gets exactly fds 0, 1, 2 and the sockets, even with fds 3 and 7 open at start" {
	local p1 p2
	p1=$(free_port) p2=$(free_port)
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "a=$p1" -p "b=127.0.0.1:$p2" \
		-- "$BIN/sk_fdreport.py" 3</etc/hostname 7</etc/passwd 9<>"$BATS_TEST_TMPDIR/rw"
	expect fds "0 1 2 3 4"
	expect fd3.addr "[::]:$p1"
	expect fd4.addr "127.0.0.1:$p2"
	[[ "$output" != *"/etc/"* ]]
	[[ "$output" != *"fd7."* ]]
}

@test "with fds 3..12 open at start, three sockets still land on 3, 4, 5" {
	local p1 p2 p3
	p1=$(free_port) p2=$(free_port) p3=$(free_port)
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "$p1" -p "$p2" -p "$p3" \
		-- "$BIN/sk_fdreport.py" \
		3</etc/hostname 4</etc/hostname 5</etc/hostname 6</etc/hostname 7</etc/hostname \
		8</etc/hostname 9</etc/hostname 10</etc/hostname 11</etc/hostname 12</etc/hostname
	expect fds "0 1 2 3 4 5"
	expect fd3.addr "[::]:$p1"
	expect fd4.addr "[::]:$p2"
	expect fd5.addr "[::]:$p3"
}

@test "without sockets the app gets fds 0, 1, 2 only and no LISTEN_*" {
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -- "$BIN/sk_fdreport.py" 3</etc/hostname 7</etc/passwd
	expect fds "0 1 2"
	expect listen_vars ""
	expect restarts 0
}

listen_pid_restarts() {
	local r="$PWD/report" p
	p=$(free_port)
	start_tinyhold -p "$p" -- "$BIN/sk_fdreport.py" --out "$r" --crash-until 3 --stay
	wait_until 15 reports_at_least 4 "$r"
	mapfile -t pids < <(sed -n 's/^pid=//p' "$r")
	mapfile -t lpids < <(sed -n 's/^listen_pid=//p' "$r")
	mapfile -t counts < <(sed -n 's/^restarts=//p' "$r")
	[ "${#pids[@]}" -eq 4 ]
	[ "${counts[*]}" = "0 1 2 3" ]
	[ "${lpids[*]}" = "${pids[*]}" ]
	[ "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" -eq 4 ]
	[ "$(sed -n 's/^fd3.addr=//p' "$r" | sort -u)" = "[::]:$p" ]
	[ "$(sed -n 's/^fds=//p' "$r" | sort -u)" = "0 1 2 3" ]
}

@test "LISTEN_PID is the app's own pid after every restart, TINYHOLD_RESTARTS counts 0..3 (also as PID 1)" {
	in_both_modes listen_pid_restarts
}

@test "the demo app crashed three times: each new pid serves with the next restart count" {
	# Not $i: bats 1.8's `run` assigns a global i (bats_version_lt).
	local p round prev="" pid
	p=$(free_port)
	start_tinyhold -p "$p" -- "$DEMO"
	wait_port "$p"
	for round in 0 1 2 3; do
		run -0 http 127.0.0.1 "$p"
		hello "$round"
		pid=$(sed -E 's/.*pid ([0-9]+).*/\1/' <<<"$output")
		[ "$pid" != "$prev" ]
		[ "$pid" = "$(app_pid)" ]
		prev=$pid
		if [ "$round" = 3 ]; then
			break
		fi
		run -0 http 127.0.0.1 "$p" /crash
		wait_line "started .* \(restart $((round + 1))\)"
	done
}

@test "LISTEN_* meant for another process are not passed through stale" {
	local p
	p=$(free_port)
	# LISTEN_PID names someone else (tinyhold adopts only its own pid or 1: see inherit.bats).
	LISTEN_FDS=9 LISTEN_PID=424242 LISTEN_FDNAMES=stale LISTEN_EXTRA=x TINYHOLD_RESTARTS=42 \
		run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "$p" -- "$BIN/sk_fdreport.py"
	# LISTEN_EXTRA is the app's own setting (like LISTEN_ADDR): only the trio is tinyhold's.
	expect listen_vars "LISTEN_EXTRA LISTEN_FDNAMES LISTEN_FDS LISTEN_PID"
	expect listen_fds 1
	expect listen_fdnames unknown
	expect listen_pid "$(get pid)"
	expect restarts 0
}

@test "LISTEN_* given to tinyhold itself are dropped when it holds no sockets" {
	LISTEN_FDS=2 LISTEN_PID=$$ LISTEN_FDNAMES=a:b \
		run -0 --separate-stderr timeout 10 "$TINYHOLD" -- "$BIN/sk_fdreport.py"
	expect listen_vars ""
	expect fds "0 1 2"
}

@test "SO_REUSEADDR is set on stream sockets and SO_REUSEPORT on none" {
	local p1 p2 p3 p4 sock
	p1=$(free_port) p2=$(free_port) p3=$(free_port) p4=$(free_port) sock="$SOCK_DIR/app.sock"
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "$p1" -p "127.0.0.1:$p2" -p "tcp6:$p3" \
		-p "udp:$p4" -p "unix:$sock" -- "$BIN/sk_fdreport.py"
	expect fds "0 1 2 3 4 5 6 7"
	local fd
	for fd in 3 4 5 6 7; do
		expect "fd$fd.reuseport" 0
	done
	for fd in 3 4 5; do
		expect "fd$fd.reuseaddr" 1
	done
}

@test "SO_REUSEPORT is not set: a second listener on the same port is refused" {
	local p
	p=$(free_port)
	start_tinyhold -p "127.0.0.1:$p" -- "$DEMO"
	wait_port "$p"
	run -1 timeout 5 "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    print(e.strerror)
    sys.exit(1)
' "$p"
	[ "$output" = "Address already in use" ]
}

@test "-b 7 sets the listen backlog" {
	local p sock
	p=$(free_port) sock="$SOCK_DIR/app.sock"
	start_tinyhold -b 7 -p "$p" -p "unix:$sock" -- "$DEMO"
	wait_port "$p"
	[ "$(ss -Hltn "sport = :$p" | awk '{ print $3 }')" = 7 ]
	[ "$(ss -Hlx | awk -v s="$sock" '$5 == s { print $4 }')" = 7 ]
}

@test "the default backlog is net.core.somaxconn" {
	local p
	p=$(free_port)
	start_tinyhold -p "$p" -- "$DEMO"
	wait_port "$p"
	[ "$(ss -Hltn "sport = :$p" | awk '{ print $3 }')" = "$(cat /proc/sys/net/core/somaxconn)" ]
}

cwds() {
	local dir="$PWD/work dir" r="$PWD/report" p th
	mkdir "$dir"
	dir=$(cd "$dir" && pwd -P)
	p=$(free_port)
	cd "$dir"
	start_tinyhold -p "$p" -- "$BIN/sk_fdreport.py" --out "$r" --stay
	cd /
	wait_line '^end$' "$r"
	expect cwd "$dir" "$(cat "$r")"
	th=$(th_pid)
	[ -n "$th" ]
	[ "$(readlink "/proc/$th/cwd")" = / ]
}

@test "the app's cwd is where tinyhold started; tinyhold's own cwd is / (also as PID 1)" {
	in_both_modes cwds
}

# ---- real socket-activation clients ------------------------------------------------------

@test "python3-systemd: listen_fds() and listen_fds_with_names() see the sockets" {
	"$PY" -c 'import systemd.daemon' 2>/dev/null ||
		skip "python3-systemd is not installed (apt-get install python3-systemd)"
	local p1 p2 sock
	p1=$(free_port) p2=$(free_port) sock="$SOCK_DIR/app.sock"
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "web=$p1" -p "admin=127.0.0.1:$p2" \
		-p "unix:$sock" -- "$BIN/sk_sdlisten.py"
	[ "${lines[0]}" = "3 web AF_INET6 :::$p1" ]
	[ "${lines[1]}" = "4 admin AF_INET 127.0.0.1:$p2" ]
	[ "${lines[2]}" = "5 unknown AF_UNIX $sock" ]
	[ "${lines[3]}" = "count 3" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "libsystemd: sd_listen_fds_with_names() sees the sockets and names" {
	need_sdclient sd_names
	local p1 p2 name="tinyhold-sk-$$-$RANDOM"
	p1=$(free_port) p2=$(free_port)
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "web=$p1" -p "dns=udp:[::1]:$p2" \
		-p "ctl=unix:@$name" -- "$SD_NAMES"
	[ "${lines[0]}" = "count 3" ]
	[ "${lines[1]}" = "3 web [::]:$p1" ]
	[ "${lines[2]}" = "4 dns [::1]:$p2" ]
	[ "${lines[3]}" = "5 ctl @abstract" ]
}

@test "libsystemd: no sockets means sd_listen_fds() is 0, even with stale LISTEN_* given" {
	need_sdclient sd_names
	LISTEN_FDS=1 LISTEN_PID=$$ run -0 --separate-stderr timeout 10 "$TINYHOLD" -- "$SD_NAMES" 3</etc/hostname
	[ "$output" = "count 0" ]
}

@test "gunicorn serves from the held socket, and again after its master is SIGKILLed" {
	command -v gunicorn >/dev/null || skip "gunicorn is not installed (apt-get install gunicorn)"
	local p master workers w
	p=$(free_port)
	start_tinyhold -p "$p" -- gunicorn --chdir "$BIN" --workers 2 --log-level warning sk_wsgi:app
	wait_line 'started gunicorn as pid [0-9]+ \(restart 0\)'
	run -0 timeout 15 curl -sS --max-time 10 "http://127.0.0.1:$p/"
	[ "$output" = "gunicorn restart 0" ]
	run -0 timeout 15 curl -sS --max-time 10 "http://[::1]:$p/"
	[ "$output" = "gunicorn restart 0" ]

	master=$(app_pid)
	workers=$(pgrep -P "$master" || true)
	kill -KILL "$master"
	wait_line 'started gunicorn as pid [0-9]+ \(restart 1\)'
	run -0 timeout 15 curl -sS --max-time 10 "http://127.0.0.1:$p/"
	[ "$output" = "gunicorn restart 1" ]
	[ "$(app_pid)" != "$master" ]
	for w in $workers; do	# the old master's workers died with its process group
		run ! kill -0 "$w"
	done
}
