#!/usr/bin/env bats
# The command line: usage errors, --help, --version, and the environment twins.
# Also the setup errors that stop tinyhold before the app ever runs (a taken
# port, a bad unix path, an unknown user) and the exec failures (126/127).

load common

HELP_HINT="tinyhold: try 'tinyhold --help'"

setup() {
	# Commands that must never run touch this file.
	RAN="$BATS_TEST_TMPDIR/ran"
	HOLDER_PIDS=()
}

teardown() {
	local pid
	for pid in "${HOLDER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	cleanup_tinyhold
	no_leftovers
}

# usage_fails LINE ARG...: `tinyhold ARG...` is bad usage: exit 2, LINE on
# stderr (at most followed by the pointer to --help), nothing on stdout, and
# the command (touch "$RAN", when given) never ran.
usage_fails() {
	local want=$1
	shift
	run -2 --separate-stderr timeout 5 "$TINYHOLD" "$@"
	if [ "${stderr_lines[0]:-}" != "$want" ]; then
		printf 'stderr: %s\nwant:   %s\n' "$stderr" "$want"
		return 1
	fi
	[ "${#stderr_lines[@]}" -le 2 ]
	[ "${#stderr_lines[@]}" -eq 1 ] || [ "${stderr_lines[1]}" = "$HELP_HINT" ]
	[ -z "$output" ]
	[ ! -e "$RAN" ]
}

# hold_port HOST PORT: someone else listens on HOST:PORT (no SO_REUSEADDR)
# until the test ends.
hold_port() {
	timeout 30 "$PY" -c '
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
s.bind((host, port))
s.listen()
time.sleep(30)
' "$1" "$2" 3>&- &
	HOLDER_PIDS+=($!)
	wait_port "$2" "$1"
}

# ---- --help, --version --------------------------------------------------------

@test "--version prints the version and exits 0" {
	run -0 timeout 5 "$TINYHOLD" --version
	[[ "$output" =~ ^tinyhold\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "-V is --version, on stdout" {
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -V
	[[ "$output" =~ ^tinyhold\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ -z "$stderr" ]
}

@test "--help prints the usage on stdout and exits 0" {
	run -0 --separate-stderr timeout 5 "$TINYHOLD" --help
	[ "${lines[0]}" = "usage: tinyhold [OPTIONS] [--] COMMAND [ARG...]" ]
	[ -z "$stderr" ]
	local opt
	for opt in --listen --backlog --restart --backoff-max --max-restarts --restart-window \
		--stop-timeout --remap-exit --process-group --user --quiet --verbose --help --version \
		--instances --log-prefix; do
		[[ "$output" == *"$opt"* ]] || { echo "--help does not mention $opt"; return 1; }
	done
	[[ "$output" == *TINYHOLD_LISTEN* ]]
}

@test "--help names every exit status of docs/options.md's table, 124 included" {
	run -0 --separate-stderr timeout 5 "$TINYHOLD" --help
	local text=${output//$'\n'/ } code
	for code in 128+N 124 2 125 126 127; do
		[[ "$text" == *" $code "* ]] || { echo "--help does not name exit status $code"; return 1; }
	done
	[[ "$text" == *"124 the app outlived --stop-timeout"* ]]
}

@test "-h is --help, and it wins over the rest of the line" {
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -h -p 99999 -- touch "$RAN"
	[ "${lines[0]}" = "usage: tinyhold [OPTIONS] [--] COMMAND [ARG...]" ]
	[ -z "$stderr" ]
	[ ! -e "$RAN" ]
}

# ---- bad socket specs -----------------------------------------------------------

@test "-p 99999: port out of range" {
	usage_fails "tinyhold: bad -p spec '99999': port out of range (1-65535)" -p 99999 -- touch "$RAN"
}

@test "-p 0: port out of range" {
	usage_fails "tinyhold: bad -p spec '0': port out of range (1-65535)" -p 0 -- touch "$RAN"
}

@test "-p abc: not a port" {
	usage_fails "tinyhold: bad -p spec 'abc': port is not a number" -p abc -- touch "$RAN"
}

@test "-p [::1:80: missing ']'" {
	usage_fails "tinyhold: bad -p spec '[::1:80': missing ']'" -p '[::1:80' -- touch "$RAN"
}

@test "-p unix: (no path)" {
	usage_fails "tinyhold: bad -p spec 'unix:': missing unix socket path" -p unix: -- touch "$RAN"
}

@test "-p 1.2.3.4.5:80: not an IPv4 literal" {
	usage_fails "tinyhold: bad -p spec '1.2.3.4.5:80': bad IPv4 address (hosts are IP literals)" \
		-p 1.2.3.4.5:80 -- touch "$RAN"
}

@test "-p localhost:80: no DNS, hosts are IP literals" {
	usage_fails "tinyhold: bad -p spec 'localhost:80': bad IPv4 address (hosts are IP literals)" \
		-p localhost:80 -- touch "$RAN"
}

@test "-p ::1:80: an IPv6 address needs brackets" {
	usage_fails "tinyhold: bad -p spec '::1:80': IPv6 address needs brackets, as in [::1]:80" \
		-p ::1:80 -- touch "$RAN"
}

@test "a name with ':' is refused (it separates LISTEN_FDNAMES)" {
	usage_fails "tinyhold: bad -p spec 'we:b=8080': name cannot contain ':'" \
		-p we:b=8080 -- touch "$RAN"
}

@test "--listen=SPEC names the long option in the error" {
	usage_fails "tinyhold: bad --listen spec '99999': port out of range (1-65535)" \
		--listen=99999 -- touch "$RAN"
}

@test "a good spec before a bad one binds nothing and runs nothing" {
	local p
	p=$(free_port)
	usage_fails "tinyhold: bad -p spec 'abc': port is not a number" -p "$p" -p abc -- touch "$RAN"
	run ! port_open "$p" 127.0.0.1
}

# ---- bad options ---------------------------------------------------------------

@test "an unknown long option" {
	usage_fails "tinyhold: unknown option '--bogus'" --bogus -- touch "$RAN"
}

@test "an unknown short option" {
	usage_fails "tinyhold: unknown option '-x'" -x -- touch "$RAN"
}

@test "an option missing its value" {
	usage_fails "tinyhold: option '-p' needs a value" -p
}

@test "a long option missing its value" {
	usage_fails "tinyhold: option '--restart' needs a value" --restart
}

@test "a flag given a value" {
	usage_fails "tinyhold: option '--quiet' takes no value" --quiet=1 -- touch "$RAN"
}

@test "a missing command is a usage error (2) with one clear line" {
	run -2 --separate-stderr timeout 5 "$TINYHOLD" -p 8080
	[ "${stderr_lines[0]}" = "tinyhold: missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" ]
}

@test "nothing after -- is a missing command" {
	usage_fails "tinyhold: missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" -p 8080 --
}

@test "an empty command" {
	usage_fails "tinyhold: empty command" -- ""
}

@test "bad --restart policy" {
	usage_fails "tinyhold: bad -r 'sometimes': expected on-failure, always or never" \
		-r sometimes -- touch "$RAN"
	usage_fails "tinyhold: bad --restart 'On-Failure': expected on-failure, always or never" \
		--restart On-Failure -- touch "$RAN"
}

@test "bad durations" {
	usage_fails "tinyhold: bad -t 'abc': not a number of seconds" -t abc -- touch "$RAN"
	usage_fails "tinyhold: bad -t '1.2345': not a number of seconds" -t 1.2345 -- touch "$RAN"
	usage_fails "tinyhold: bad -t '5s': not a number of seconds" -t 5s -- touch "$RAN"
	usage_fails "tinyhold: bad --backoff-max '-1': not a number of seconds" \
		--backoff-max -1 -- touch "$RAN"
	usage_fails "tinyhold: bad --restart-window '0': the window must be longer than 0" \
		--restart-window 0 -- touch "$RAN"
}

@test "bad -e exit status" {
	usage_fails "tinyhold: bad -e '256': not an exit status (0-255)" -e 256 -- touch "$RAN"
	usage_fails "tinyhold: bad -e 'abc': not an exit status (0-255)" -e abc -- touch "$RAN"
	usage_fails "tinyhold: bad -e '-1': not an exit status (0-255)" -e -1 -- touch "$RAN"
}

@test "bad numbers: -b and --max-restarts" {
	usage_fails "tinyhold: bad -b '0': not a number from 1 to 1000000" -b 0 -- touch "$RAN"
	usage_fails "tinyhold: bad --max-restarts 'x': not a number from 0 to 1000000" \
		--max-restarts x -- touch "$RAN"
}

@test "bad -u syntax" {
	usage_fails "tinyhold: bad -u ':wheel': expected USER[:GROUP]" -u :wheel -- touch "$RAN"
}

# ---- the environment twins -------------------------------------------------------

@test "a bad TINYHOLD_LISTEN names the variable" {
	TINYHOLD_LISTEN="web=8080 abc" usage_fails \
		"tinyhold: bad TINYHOLD_LISTEN spec 'abc': port is not a number" -- touch "$RAN"
}

@test "a bad TINYHOLD_RESTART names the variable" {
	TINYHOLD_RESTART=sometimes usage_fails \
		"tinyhold: bad TINYHOLD_RESTART 'sometimes': expected on-failure, always or never" \
		-- touch "$RAN"
}

@test "a bad TINYHOLD_QUIET names the variable" {
	TINYHOLD_QUIET=maybe usage_fails "tinyhold: bad TINYHOLD_QUIET 'maybe': expected 1 or 0" \
		-- touch "$RAN"
}

@test "TINYHOLD_LISTEN configures the sockets: the app serves on it" {
	local p
	p=$(free_port)
	TINYHOLD_LISTEN="web=$p" start_tinyhold -- "$DEMO"
	wait_port "$p"
	run -0 timeout 5 curl -sS --max-time 3 "http://127.0.0.1:$p/"
	[[ "$output" =~ ^hello\ from\ pid\ [0-9]+\ \(restart\ 0\)$ ]]
}

@test "TINYHOLD_LISTEN gives names and order, split on blanks and commas" {
	local p1 p2 p3
	p1=$(free_port) p2=$(free_port) p3=$(free_port)
	TINYHOLD_LISTEN="web=$p1, api=127.0.0.1:$p2	$p3" \
		run -0 timeout 10 "$TINYHOLD" -- "$BIN/sk_fdreport.py"
	[[ "$output" == *$'\nlisten_fds=3\n'* ]]
	[[ "$output" == *$'\nlisten_fdnames=web:api:unknown\n'* ]]
	[[ "$output" == *$'\nfd3.addr=[::]:'"$p1"$'\n'* ]]
	[[ "$output" == *$'\nfd4.addr=127.0.0.1:'"$p2"$'\n'* ]]
	[[ "$output" == *$'\nfd5.addr=[::]:'"$p3"$'\n'* ]]
}

@test "-p on the command line wins over TINYHOLD_LISTEN" {
	local p1 p2
	p1=$(free_port) p2=$(free_port)
	TINYHOLD_LISTEN="web=$p1" run -0 timeout 10 "$TINYHOLD" -p "api=$p2" -- "$BIN/sk_fdreport.py"
	[[ "$output" == *$'\nlisten_fds=1\n'* ]]
	[[ "$output" == *$'\nlisten_fdnames=api\n'* ]]
	[[ "$output" == *$'\nfd3.addr=[::]:'"$p2"$'\n'* ]]
	[[ "$output" != *":$p1"* ]]
}

@test "-p on the command line wins over TINYHOLD_LISTEN while the app runs" {
	local p1 p2
	p1=$(free_port) p2=$(free_port)
	TINYHOLD_LISTEN="web=$p1" start_tinyhold -p "$p2" -- "$DEMO"
	wait_port "$p2"
	run ! port_open "$p1" 127.0.0.1
	run ! port_open "$p1" ::1
}

@test "TINYHOLD_RESTART=never applies, and -r on the command line wins over it" {
	TINYHOLD_RESTART=never run -3 --separate-stderr timeout 10 "$TINYHOLD" -- sh -c 'exit 3'
	[ "$(grep -c 'started sh' <<<"$stderr")" -eq 1 ]

	TINYHOLD_RESTART=never run -3 --separate-stderr timeout 10 \
		"$TINYHOLD" -r on-failure --max-restarts 1 --backoff-max 0 -- sh -c 'exit 3'
	[ "$(grep -c 'started sh' <<<"$stderr")" -eq 2 ]
}

@test "options after the command belong to the command" {
	local p
	p=$(free_port)
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "$p" -- sh -c 'echo "$@"' x -v
	[ "$output" = "-v" ]
	[[ "$stderr" != *"listening on"* ]]	# tinyhold itself did not turn verbose
}

@test "options after the command belong to the command, even without --" {
	local p
	p=$(free_port)
	run -0 --separate-stderr timeout 10 "$TINYHOLD" -p "$p" sh -c 'echo "$@"' x -v -p 99999 --help
	[ "$output" = "-v -p 99999 --help" ]
}

# ---- setup errors: 125, before the app ever runs ------------------------------------

@test "a taken port is a setup error (125), not a restart loop" {
	local p
	p=$(free_port)
	hold_port 127.0.0.1 "$p"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "127.0.0.1:$p" -- touch "$RAN"
	echo "stderr: $stderr"
	[ "$stderr" = "tinyhold: cannot bind 127.0.0.1:$p: Address already in use" ]
	[ -z "$output" ]
	[ ! -e "$RAN" ]
}

@test "a dual-stack port taken on IPv4 is a setup error (125) too" {
	local p
	p=$(free_port)
	hold_port 127.0.0.1 "$p"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "$p" -- touch "$RAN"
	echo "stderr: $stderr"
	[ "$stderr" = "tinyhold: cannot bind [::]:$p: Address already in use" ]
	[ ! -e "$RAN" ]
}

@test "the second of two identical specs cannot bind: 125, the app never runs" {
	local p
	p=$(free_port)
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "127.0.0.1:$p" -p "127.0.0.1:$p" -- touch "$RAN"
	echo "stderr: $stderr"
	[ "$stderr" = "tinyhold: cannot bind 127.0.0.1:$p: Address already in use" ]
	[ ! -e "$RAN" ]
}

@test "a regular file at a unix path: 125, and the file is untouched" {
	local f="$BATS_TEST_TMPDIR/not-a-socket"
	echo precious >"$f"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "unix:$f" -- touch "$RAN"
	[ "$stderr" = "tinyhold: cannot bind unix:$f: the path exists and is not a socket" ]
	[ "$(cat "$f")" = precious ]
	[ -f "$f" ]
	[ ! -L "$f" ]
	[ ! -e "$RAN" ]
}

@test "a symlink at a unix path is refused, and its target is untouched" {
	local target="$BATS_TEST_TMPDIR/target" link="$BATS_TEST_TMPDIR/link"
	echo precious >"$target"
	ln -s "$target" "$link"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "unix:$link" -- touch "$RAN"
	[ "$stderr" = "tinyhold: cannot bind unix:$link: the path exists and is not a socket" ]
	[ -L "$link" ]
	[ "$(readlink "$link")" = "$target" ]
	[ "$(cat "$target")" = precious ]
	[ ! -e "$RAN" ]
}

@test "a symlink to a stale socket is refused too: tinyhold unlinks only real sockets" {
	local sock="$BATS_TEST_TMPDIR/stale.sock" link="$BATS_TEST_TMPDIR/link"
	timeout 5 "$PY" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	[ -S "$sock" ]
	ln -s "$sock" "$link"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "unix:$link" -- touch "$RAN"
	[ "$stderr" = "tinyhold: cannot bind unix:$link: the path exists and is not a socket" ]
	[ -L "$link" ]
	[ -S "$sock" ]
	[ ! -e "$RAN" ]
}

@test "a directory at a unix path is refused" {
	local d="$BATS_TEST_TMPDIR/dir"
	mkdir "$d"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -p "unix:$d" -- touch "$RAN"
	[ "$stderr" = "tinyhold: cannot bind unix:$d: the path exists and is not a socket" ]
	[ -d "$d" ]
}

@test "an unknown -u user is a setup error (125)" {
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -u no-such-user-th -- touch "$RAN"
	[ "$stderr" = "tinyhold: cannot use -u no-such-user-th: unknown user 'no-such-user-th' (not in /etc/passwd)" ]
	[ ! -e "$RAN" ]
}

@test "an unknown -u group is a setup error (125)" {
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -u root:no-such-group-th -- touch "$RAN"
	[ "$stderr" = "tinyhold: cannot use -u root:no-such-group-th: unknown group 'no-such-group-th' (not in /etc/group)" ]
	[ ! -e "$RAN" ]
}

@test "an unknown -u user is found before any port is bound" {
	local p
	p=$(free_port)
	hold_port 127.0.0.1 "$p"
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -u no-such-user-th -p "127.0.0.1:$p" -- true
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "tinyhold: cannot use -u no-such-user-th: "* ]]
}

@test "-u when not root: 125 with a clear line" {
	require_root
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	run -125 --separate-stderr timeout 5 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TINYHOLD" -u root -- true
	[ "$stderr" = "tinyhold: cannot switch to user root: -u needs root" ]
	[ -z "$output" ]
}

@test "-u naming the caller itself when not root: runs, or is a setup error (125), never an exec failure" {
	require_root
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	local user
	user=$(getent passwd 65534 | cut -d: -f1)
	[ -n "$user" ] || skip "no user with uid 65534"
	run --separate-stderr timeout 5 setpriv --reuid=65534 --regid="$(id -g "$user")" --clear-groups \
		"$TINYHOLD" -u "$user" -- sh -c 'id -u'
	echo "status $status; stderr: $stderr"
	if [ "$status" -eq 0 ]; then
		[ "$output" = 65534 ]
	else
		[ "$status" -eq 125 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "tinyhold: cannot switch to user $user: "* ]]
	fi
}

# ---- exec failures: 126/127, never restarted ------------------------------------------

@test "a command that is not found: 127, one line, never restarted" {
	local p
	p=$(free_port)
	run -127 --separate-stderr timeout 10 "$TINYHOLD" -r always -p "$p" -- no-such-command-th
	[ "$stderr" = "tinyhold: cannot exec no-such-command-th: No such file or directory" ]
	[ -z "$output" ]
}

@test "a missing path: 127, never restarted" {
	run -127 --separate-stderr timeout 10 "$TINYHOLD" -- "$BATS_TEST_TMPDIR/no/such/app"
	[ "$stderr" = "tinyhold: cannot exec $BATS_TEST_TMPDIR/no/such/app: No such file or directory" ]
}

@test "a command not found, run in the background: one log line, no restart loop" {
	start_tinyhold -r always -- no-such-command-th
	wait_exit 10
	[ "$TH_STATUS" -eq 127 ]
	[ "$(count_lines 'cannot exec')" -eq 1 ]
	[ "$(count_lines 'restart')" -eq 0 ]
	[ "$(count_lines 'started')" -eq 0 ]
}

@test "a file that is not executable: 126, never restarted" {
	local app="$BATS_TEST_TMPDIR/app.sh"
	printf '#!/bin/sh\ntouch "%s"\n' "$RAN" >"$app"
	chmod 644 "$app"
	run -126 --separate-stderr timeout 10 "$TINYHOLD" -r always -- "$app"
	[ "$stderr" = "tinyhold: cannot exec $app: Permission denied" ]
	[ ! -e "$RAN" ]
}

@test "a directory as the command: 126" {
	run -126 --separate-stderr timeout 10 "$TINYHOLD" -- "$BATS_TEST_TMPDIR"
	[ "$stderr" = "tinyhold: cannot exec $BATS_TEST_TMPDIR: Permission denied" ]
}

@test "the app's own exit 127 is its status, not an exec failure: it is restarted" {
	run -127 --separate-stderr timeout 10 "$TINYHOLD" --max-restarts 1 --backoff-max 0 -- sh -c 'exit 127'
	[ "$(grep -c 'started sh' <<<"$stderr")" -eq 2 ]
	[[ "$stderr" != *"cannot exec"* ]]
}

@test "a working directory that is gone is a setup error (125), not an app started in /" {
	local d="$BATS_TEST_TMPDIR/gone"
	mkdir "$d"
	run -125 --separate-stderr timeout 5 sh -c 'cd "$1" && rmdir "$1" && exec "$2" -r never -- pwd' \
		sh "$d" "$TINYHOLD"
	[ "$stderr" = "tinyhold: cannot get the working directory: No such file or directory" ]
	[ -z "$output" ]
}
