#!/usr/bin/env bats
# -u/--user: tinyhold binds as root, the app runs as the user with no way back,
# and still serves on the privileged port tinyhold bound for it.

load common

setup() {
	require_root
	cd "$BATS_TEST_TMPDIR" || return 1
	# Under TINYHOLD=build/asan/tinyhold, also catch pointers into a returned
	# function's stack (the passwd and group parsers); other builds ignore it.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=1}"
}

teardown() {
	cleanup_tinyhold
	no_leftovers
}

# A port below 1024 that is free on 127.0.0.1 now; random, so that parallel runs differ.
free_low_port() {
	"$PY" - <<-'PY'
		import random, socket
		for port in random.sample(range(600, 1024), 424):
		    s = socket.socket()
		    try:
		        s.bind(("127.0.0.1", port))
		    except OSError:
		        continue
		    finally:
		        s.close()
		    print(port)
		    break
	PY
}

# start_as SPEC: tinyhold -u SPEC runs sv_whoami.py on a port below 1024 (PORT).
start_as() {
	PORT=$(free_low_port)
	[ -n "$PORT" ]
	start_tinyhold -u "$1" -p "127.0.0.1:$PORT" -- "$BIN/sv_whoami.py"
	wait_line '^(serving|no socket)' "$TH_OUT"
}

# expect_identity UID GID: what sv_whoami.py reported, and what it answers on PORT.
expect_identity() {
	local uid=$1 gid=$2 groups t=$'\t'
	cat "$TH_OUT"	# shown when the test fails
	grep -qx "Uid:$t$uid$t$uid$t$uid$t$uid" "$TH_OUT"
	grep -qx "Gid:$t$gid$t$gid$t$gid$t$gid" "$TH_OUT"
	# The supplementary groups: the user's own group, never root's group 0.
	groups=$(sed -n 's/^Groups:[[:space:]]*//p' "$TH_OUT" | xargs)
	[ "$groups" = "$gid" ]
	grep -qx "CapEff:${t}0000000000000000" "$TH_OUT"
	grep -qx 'setuid(0): PermissionError' "$TH_OUT"
	grep -qx serving "$TH_OUT"
	run -0 timeout 5 "$PY" -c "import socket; print(socket.create_connection(('127.0.0.1', $PORT), 5).makefile().read(), end='')"
	[ "$output" = "uid=$uid gid=$gid" ]
	# The socket is tinyhold's, and tinyhold is still root.
	[[ "$(ss -Hltnp "sport = :$PORT")" == *'"tinyhold"'* ]]
	[ "$(ps -o uid= -p "$(th_pid)" | xargs)" = 0 ]
}

@test "-u nobody: the app runs as nobody, cannot setuid(0), and serves on a port below 1024" {
	start_as nobody
	expect_identity 65534 65534
}

@test "-u 65534:65534: numeric user and group" {
	start_as 65534:65534
	expect_identity 65534 65534
}

@test "-u nobody:nogroup: user and group by name" {
	start_as nobody:nogroup
	expect_identity 65534 65534
}

@test "-u 4242: a uid without a passwd entry gets gid 4242, not root's group" {
	start_as 4242
	expect_identity 4242 4242
}

@test "-u 4242:4343: a numeric group without a group entry" {
	start_as 4242:4343
	expect_identity 4242 4343
}

@test "-u keeps the user after a restart" {
	PORT=$(free_low_port)
	start_tinyhold -u nobody -p "127.0.0.1:$PORT" -- sh -c 'id -u; id -g; id -G; exit 1'
	wait_line '\(restart 2\)$'
	wait_until 5 eval '[ "$(grep -c . "$TH_OUT")" -ge 9 ]'
	[ "$(sort -u "$TH_OUT")" = 65534 ]
}

@test "an unknown user is a setup error (125), before anything starts" {
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -u no-such-user-th -- true
	[[ "$stderr" == "tinyhold: cannot use -u no-such-user-th: unknown user 'no-such-user-th'"* ]]
	[[ "$stderr" != *started* ]]
	run -125 --separate-stderr timeout 5 "$TINYHOLD" -u nobody:no-such-group-th -- true
	[[ "$stderr" == *"unknown group 'no-such-group-th'"* ]]
}

@test "-u without root is a clear setup error (125)" {
	run -125 --separate-stderr timeout 5 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TINYHOLD" -u root -- true
	[ "$stderr" = "tinyhold: cannot switch to user root: -u needs root" ]
}

@test "-u USER sets USER's supplementary groups from /etc/group, as login(1) does" {
	local user want
	# Any user that /etc/passwd knows and /etc/group lists as a member somewhere.
	user=$(awk -F: 'NR == FNR { known[$1] = 1; next }
		$4 != "" { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] in known) { print m[i]; exit } }' \
		/etc/passwd /etc/group)
	[ -n "$user" ] || skip "no user in /etc/passwd is a member of a group in /etc/group"
	want=$(id -G "$user" | tr ' ' '\n' | sort -n | xargs)
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -r never -u "$user" -- id -G
	[ "$(tr ' ' '\n' <<<"$output" | sort -n | xargs)" = "$want" ]
}

@test "-u nobody: the app cannot signal tinyhold, which stays root (SECURITY.md)" {
	# A compromised app must not stop, restart or confuse its supervisor.
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -u nobody -r never -- sh -c \
		'if kill -TERM "$PPID" 2>/dev/null || kill -USR1 "$PPID" 2>/dev/null; then echo signalled; else echo refused; fi'
	[ "$output" = refused ]
	[[ "$stderr" != *"got SIGTERM"* ]]
}
