#!/usr/bin/env bats
# The servers people run, under tinyhold as docs/servers.md documents them: each
# row of its servers table is started with the very command it gives (read from
# docs/servers.md, in a copy of its example under examples/servers/), serves over
# 127.0.0.1 and ::1 through tinyhold's socket, and comes back with a new pid on
# the same socket after SIGSEGV and SIGKILL while a client loops, with no
# connection refused. Its fd-3 snippets are checked to be the files run here
# (tests/examples.bats).
#
# Reported, never asserted: the time from each kill to the first reply of the
# new process (median per server), in build/servers-restart.txt and on the
# terminal. A server is skipped by name only when its package is missing;
# .ci/run installs them all and sets TINYHOLD_REQUIRE_SERVERS=1: a missing one
# fails there instead.

load common

SERVERS_DOC="$REPO_DIR/docs/servers.md"
# Kills per server, SEGV and KILL in turn; the median is over these.
KILLS="${SERVERS_KILLS:-4}"
SIGNALS=(SEGV KILL)

setup_file() {
	# build/servers-restart.txt for ./tinyhold; another build gets its own file.
	RESTART_FILE="$REPO_DIR/build/servers-restart.txt"
	[ "$TINYHOLD" = "$REPO_DIR/tinyhold" ] ||
		RESTART_FILE="$REPO_DIR/build/servers-restart.$(basename "$(dirname "$TINYHOLD")").txt"
	export RESTART_FILE
	mkdir -p "$REPO_DIR/build"
	{
		echo "# tests/servers.bats, $(date -u +%Y-%m-%d), $TINYHOLD ($("$TINYHOLD" --version 2>&1 | head -n 1))"
		echo "# $(nproc) cores, kernel $(uname -r), net.core.somaxconn $(cat /proc/sys/net/core/somaxconn)"
		echo "# kill -> first reply of the new process, ms, over $KILLS kills (SIGSEGV and SIGKILL in turn)"
		echo "| server | median | min | max | backlog while it runs | the looping client: replies, refused |"
		echo "|---|---:|---:|---:|---:|---:|"
	} >"$RESTART_FILE"
	# The Go examples, built offline as docs/servers.md says (GOPROXY=off: Debian's
	# go-systemd through the replace line of its go.mod).
	local d
	for d in go go-systemd; do
		cp -r "$REPO_DIR/examples/servers/$d" "$BATS_FILE_TMPDIR/$d"
		command -v go >/dev/null || continue
		(cd "$BATS_FILE_TMPDIR/$d" &&
			GOPATH="$BATS_FILE_TMPDIR/gopath" GOCACHE="$BATS_FILE_TMPDIR/gocache" GOPROXY=off \
				GOFLAGS= timeout 120 go build -o hello .) >"$BATS_FILE_TMPDIR/$d/build.log" 2>&1 || true
	done
}

setup() {
	# No back-off: the kills below are of a server's, not of the back-off schedule
	# (restart.bats). docs/servers.md's commands stay as they are; tinyhold reads the
	# option from its environment, and srv_probe.py then kills without waiting
	# for a run of 1 s. Each kill's time to the first reply is the same restart.
	export TINYHOLD_BACKOFF_MAX=0
	# CI runs this file once, with the release build: under ASan every server would only
	# test the same tinyhold code paths again, at the price of a minute.
	[ -z "${TINYHOLD_SKIP_SERVERS:-}" ] || skip "TINYHOLD_SKIP_SERVERS: $TINYHOLD_SKIP_SERVERS"
	PATH="/usr/bin:$PATH"	# Debian's python3 and friends, not a pyenv shim
	ulimit -c 0	# SIGSEGV: no core files
	STOP="$BATS_TEST_TMPDIR/stop"
}

teardown() {
	[ -z "${LOOP_PID:-}" ] || kill -KILL "$LOOP_PID" 2>/dev/null || true
	cleanup_tinyhold
	no_leftovers
}

# ---- helpers ------------------------------------------------------------------------

# need COMMAND PACKAGE: skips the test, by name, unless COMMAND is installed;
# fails it instead under TINYHOLD_REQUIRE_SERVERS=1 (.ci/run, which installs them).
need() { need_path "$(command -v "$1")" "$2"; }
need_path() {
	[ -n "$1" ] && [ -e "$1" ] && return 0
	if [ "${TINYHOLD_REQUIRE_SERVERS:-0}" = 1 ]; then
		echo "needs $2 (apt-get install $2), and TINYHOLD_REQUIRE_SERVERS=1"
		return 1
	fi
	skip "needs $2 (apt-get install $2)"
}

# The socket listening on PORT: its inode, and its backlog (ss: Send-Q).
listen_inode() { ss -Hltne "sport = :$1" | grep -o 'ino:[0-9]*' | cut -d: -f2; }
listen_backlog() { ss -Hltn "sport = :$1" | awk '{ print $3 }'; }
somaxconn() { cat /proc/sys/net/core/somaxconn; }
# capped N: the backlog listen(N) gives: the kernel caps it at somaxconn.
capped() { local m; m=$(somaxconn); echo $(($1 < m ? $1 : m)); }

# holds_inode PID INODE: PID has the socket INODE open: at fd 3 for most
# servers; gunicorn and twistd dup it to another fd and close 3.
holds_inode() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = "socket:[$2]" ] && return 0
	done
	echo "pid $1 does not hold socket:[$2]: $(ls -l /proc/"$1"/fd/ 2>&1)"
	return 1
}

# restart_of HOST PORT: the restart count the app's reply names (its
# TINYHOLD_RESTARTS, in the body or, for lighttpd, a header). The first
# request may wait in the held socket's queue while the app starts.
restart_of() {
	timeout 25 curl -sSi --max-time 20 "http://$1:$2/" |
		grep -ioE 'restart:? *[0-9]+' | grep -oE '[0-9]+$' | head -n 1
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# start_row NAME APPDIR: runs the command of docs/servers.md's row NAME in APPDIR, with
# tinyhold's port 8080 replaced by a free one (P) and `tinyhold` by $TINYHOLD.
start_row() {
	local cmd
	cmd=$("$BIN/readme_check.py" cmd "$SERVERS_DOC" "$1")
	[ -n "$cmd" ]
	P=$(free_port)
	cmd=${cmd//8080/$P}
	cmd=${cmd/tinyhold -p/$TINYHOLD -p}
	[[ $cmd != [A-Z]*=* ]] || cmd="env $cmd"	# VAR=value tinyhold ...
	cd "$2"
	echo "running: $cmd"	# shown when the test fails
	start_wrapped bash -c "exec $cmd"
}

# check_row NAME APPDIR BACKLOG: docs/servers.md's row NAME, started in APPDIR, serves
# restart 0 over both families; the held socket has BACKLOG while it runs;
# then KILLS crashes while a client loops: every time a new pid on the same
# socket, no connection refused. Records the restart times.
check_row() {
	local name=$1 app=$2 backlog=$3 ino pid new k sig times=() loop ok
	start_row "$name" "$app"
	wait_line 'started .* as pid [0-9]+ \(restart 0\)' "$TH_LOG" 20
	[ "$(restart_of 127.0.0.1 "$P")" = 0 ]
	[ "$(restart_of '[::1]' "$P")" = 0 ]
	ino=$(listen_inode "$P")
	[ -n "$ino" ]
	holds_inode "$(app_pid)" "$ino"
	[ "$(listen_backlog "$P")" = "$backlog" ]

	timeout 120 "$BIN/srv_probe.py" loop "$P" "$STOP" 100 >"$BATS_TEST_TMPDIR/loop.out" 2>&1 3>&- &
	LOOP_PID=$!
	for ((k = 1; k <= KILLS; k++)); do
		sig=${SIGNALS[(k - 1) % 2]}
		pid=$(app_pid)
		run -0 timeout 45 "$BIN/srv_probe.py" restart "$P" "$pid" "$sig" "$k"
		[ "${lines[1]}" = "refused=0" ]
		times+=("${lines[0]}")
		wait_line "started .* as pid [0-9]+ \(restart $k\)"
		new=$(app_pid)
		[ "$new" != "$pid" ]
		run ! kill -0 "$pid"
		holds_inode "$new" "$ino"
		[ "$(listen_inode "$P")" = "$ino" ]
	done
	[ "$(restart_of '[::1]' "$P")" = "$KILLS" ]

	touch "$STOP"
	wait "$LOOP_PID"
	LOOP_PID=
	loop=$(cat "$BATS_TEST_TMPDIR/loop.out")
	echo "loop: $loop"
	[[ $loop =~ \ refused=0\  ]]
	ok=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' <<<"$loop")
	[ "$ok" -gt 0 ]

	printf '| %s | %s | %s | %s | %s | %s, 0 |\n' "$name" "$(median "${times[@]}")" \
		"$(printf '%s\n' "${times[@]}" | sort -n | head -n 1)" \
		"$(printf '%s\n' "${times[@]}" | sort -n | tail -n 1)" "$backlog" "$ok" >>"$RESTART_FILE"
	echo "# $name: kill -> first reply of the new process: median $(median "${times[@]}") ms (${times[*]})" >&3
}

# app_copy DIR: a copy of examples/servers/DIR for this test (no __pycache__ in the tree).
app_copy() {
	cp -r "$REPO_DIR/examples/servers/$1" "$BATS_TEST_TMPDIR/app"
	echo "$BATS_TEST_TMPDIR/app"
}

# ---- docs/servers.md ------------------------------------------------------------------

@test "docs/servers.md: the servers table has a test for each row, and no other row" {
	run -0 "$BIN/readme_check.py" rows "$SERVERS_DOC"
	[ "$output" = "$(
		cat <<-'EOF'
			C
			Python, standard library
			Node.js http
			Go net/http
			Go, go-systemd
			uvicorn
			gunicorn
			gunicorn, 2 workers
			uWSGI
			Twisted
			puma
			lighttpd
		EOF
	)" ]
}

# ---- each server: serve, crash, come back on the same socket --------------------------

@test "C (examples/demo-server.c, docs/servers.md's C snippet)" {
	local app="$BATS_TEST_TMPDIR/app"
	mkdir "$app"
	cp "$DEMO" "$app/"
	check_row "C" "$app" "$(somaxconn)"
}

@test "Python, standard library (docs/servers.md's Python snippet)" {
	check_row "Python, standard library" "$(app_copy python)" "$(somaxconn)"
}

@test "Node.js http (docs/servers.md's Node.js snippet)" {
	need node nodejs
	# The snippet passes 4096 to listen().
	check_row "Node.js http" "$(app_copy node)" "$(capped 4096)"
}

@test "Go net/http (docs/servers.md's Go snippet)" {
	need go golang-go
	cat "$BATS_FILE_TMPDIR/go/build.log"
	[ -x "$BATS_FILE_TMPDIR/go/hello" ]
	check_row "Go net/http" "$BATS_FILE_TMPDIR/go" "$(somaxconn)"
}

@test "Go, go-systemd activation.Listeners()" {
	need go golang-go
	need_path /usr/share/gocode/src/github.com/coreos/go-systemd/activation golang-github-coreos-go-systemd-dev
	cat "$BATS_FILE_TMPDIR/go-systemd/build.log"
	[ -x "$BATS_FILE_TMPDIR/go-systemd/hello" ]
	check_row "Go, go-systemd" "$BATS_FILE_TMPDIR/go-systemd" "$(somaxconn)"
}

@test "uvicorn --fd 3 (its listen() sets its own backlog, 2048)" {
	need uvicorn uvicorn
	check_row "uvicorn" "$(app_copy python)" 2048
}

@test "gunicorn (its listen() sets its own backlog, 2048)" {
	need gunicorn gunicorn
	check_row "gunicorn" "$(app_copy python)" 2048
}

@test "gunicorn -w 2: the killed master's workers go with it" {
	need gunicorn gunicorn
	check_row "gunicorn, 2 workers" "$(app_copy python)" 2048
}

@test "uWSGI --protocol http on the inherited socket" {
	need uwsgi uwsgi-core
	need_path /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3
	check_row "uWSGI" "$(app_copy python)" "$(somaxconn)"
}

@test "Twisted: twistd web on the systemd: endpoint" {
	need twistd3 python3-twisted
	check_row "Twisted" "$(app_copy python)" "$(somaxconn)"
}

@test "puma bound to tcp://[::]:PORT" {
	need puma puma
	check_row "puma" "$(app_copy ruby)" "$(somaxconn)"
}

@test "lighttpd with server.systemd-socket-activation" {
	need lighttpd lighttpd
	check_row "lighttpd" "$(app_copy lighttpd)" "$(somaxconn)"
}

# ---- the caveats docs/servers.md states--------------------------------------------------

@test "caveat: puma with its own -p PORT binds 0.0.0.0 itself and crash-loops on EADDRINUSE" {
	need puma puma
	local p
	p=$(free_port)
	cd "$(app_copy ruby)"
	start_tinyhold -p "$p" -- puma -p "$p" config.ru
	wait_line 'Address already in use - bind\(2\) for "0\.0\.0\.0"' "$TH_LOG" 20
	wait_line 'started puma as pid [0-9]+ \(restart 1\)'
}

@test "caveat: --backlog keeps tinyhold's backlog for uvicorn and gunicorn" {
	need uvicorn uvicorn
	need gunicorn gunicorn
	local p
	cd "$(app_copy python)"
	p=$(free_port)
	start_tinyhold -p "$p" -- uvicorn --backlog 4096 --fd 3 hello:asgi
	# tinyhold binds before it starts the app: connect once it has said so.
	wait_line 'started .* as pid [0-9]+ \(restart 0\)' "$TH_LOG" 20
	[ "$(restart_of 127.0.0.1 "$p")" = 0 ]
	[ "$(listen_backlog "$p")" = "$(capped 4096)" ]
	cleanup_tinyhold >/dev/null
	p=$(free_port)
	start_tinyhold -p "$p" -- gunicorn --backlog 4096 hello:app
	# tinyhold binds before it starts the app: connect once it has said so.
	wait_line 'started .* as pid [0-9]+ \(restart 0\)' "$TH_LOG" 20
	[ "$(restart_of 127.0.0.1 "$p")" = 0 ]
	[ "$(listen_backlog "$p")" = "$(capped 4096)" ]
}
