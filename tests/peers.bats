#!/usr/bin/env bats
# README's comparison table, checked against the peers themselves: every cell of
# the tini, dumb-init and catatonit columns is what Debian 12's package does,
# found by running it (a behaviour probe) or, for what an init does not offer at
# all, by its own --help and binary. systemd-socket-activate's column is probed
# too: it execs the program, so everything an init does after the start is "no".
# A peer that is not installed skips its test, by name (tests/packages, [test]).

load common

README="$REPO_DIR/README.md"

setup() {
	W="$BATS_TEST_TMPDIR"
}

# cell ROW COLUMN: README's comparison table (after <!-- comparison table -->),
# the cell of the row whose first cell starts with ROW, in the column COLUMN.
cell() {
	awk -v row="$1" -v col="$2" -F'|' '
		/^<!-- comparison table -->$/ { on = 1; next }
		on && !/^\|/ { if (seen) exit; next }
		on {
			seen = 1
			line = $0
			gsub(/\\\|/, "\001", line)	# an escaped \| is inside a cell
			n = split(line, f, "|")
			for (i = 2; i < n; i++) { c = f[i]; gsub(/^ +| +$/, "", c); gsub(/\001/, "\\|", c); cells[i] = c }
			if (!head) { for (i = 2; i < n; i++) idx[cells[i]] = i; head = 1; next }
			if (index(cells[2], row) == 1) { print cells[idx[col]]; exit }
		}' "$README"
}

# is ROW COLUMN WANT: README's cell is WANT.
is() {
	local got
	got=$(cell "$1" "$2")
	[ "$got" = "$3" ] || { echo "README, row '$1', column $2: '$got', but the probe says '$3'"; return 1; }
}

need_peer() { command -v "$1" >/dev/null || skip "needs $1 (apt-get install $2)"; }

# subreaper INIT...: "yes" when an orphan of the app is reparented to INIT
# (not PID 1 here), else "no". The app's subshell forks a sleep and exits; the
# app itself stays until the orphan's parent is read.
subreaper() {
	"$@" bash -c '(sleep 30 & echo "$! $BASHPID" >"$0/orphan"); until [ -e "$0/done" ]; do sleep 0.1; done' "$W" \
		2>/dev/null 3>&- &
	local init=$! orphan sub ppid
	wait_until 10 test -s "$W/orphan"
	read -r orphan sub <"$W/orphan"
	wait_until 10 bash -c "[ \"\$(awk '/^PPid/ { print \$2 }' /proc/$orphan/status)\" != $sub ]"
	ppid=$(awk '/^PPid/ { print $2 }' "/proc/$orphan/status")
	touch "$W/done"
	kill "$orphan"
	wait "$init" || true
	rm -f "$W/orphan" "$W/done"
	[ "$ppid" = "$init" ] && echo yes || echo no
}

# group INIT...: "yes" when SIGTERM to INIT also reaches a background process
# of the app (the app's group is signalled; it writes $W/term), else "no".
# SIGTERM reaches the app either way: INIT exits 143.
TERM_WAIT_S=5	# ample for a trap that runs within 0.1 s of the signal
group() {
	rm -f "$W/bg" "$W/term"
	# The background process writes its pid once its trap is set.
	"$@" sh -c '
		sh -c "trap \"echo TERM >$0/term; exit 0\" TERM; echo \$\$ >$0/bg; while :; do sleep 0.1; done" &
		wait' "$W" 2>/dev/null 3>&- &
	local init=$! bg rc=0 out=yes
	wait_until 10 test -s "$W/bg"
	bg=$(cat "$W/bg")
	kill -TERM "$init"
	wait "$init" || rc=$?
	[ "$rc" = 143 ] || { echo "$* exited $rc after SIGTERM, not 143" >&2; echo broken; return; }
	wait_until "$TERM_WAIT_S" test -e "$W/term" >/dev/null 2>&1 || out=no
	kill -KILL "$bg" 2>/dev/null || true
	echo "$out"
}

# pid1_reaps INIT...: "yes" when INIT, as PID 1 of a new pid namespace, reaps
# an orphaned zombie of the app and hands SIGTERM on to the app.
pid1_reaps() {
	unshare --pid --fork --mount-proc "$@" sh -c '
		(sh -c "exit 0" &)
		for i in $(seq 100); do
			z=$(cat /proc/[0-9]*/stat 2>/dev/null | awk "\$3 == \"Z\"" | wc -l)
			[ "$z" = 0 ] && exit 7
			sleep 0.1
		done
		exit 9' 2>/dev/null
	[ $? = 7 ] && echo yes || echo no
}

# runs_once INIT...: "yes" when INIT runs an app that fails once and exits
# with its status (no restart, so no socket held across one).
runs_once() {
	local rc=0
	"$@" sh -c 'echo run >>"$0/runs"; exit 3' "$W" 2>/dev/null 3>&- || rc=$?
	[ "$rc" = 3 ] && [ "$(wc -l <"$W/runs")" = 1 ] && echo yes || echo no
	rm -f "$W/runs"
}

# passes_sockets INIT...: "yes" when an app under INIT is told that the fds of
# LISTEN_FDS are its own (LISTEN_PID is the app's pid, as sd_listen_fds(3) checks).
passes_sockets() {
	local out
	out=$(sh -c 'exec env LISTEN_FDS=1 LISTEN_PID=$$ "$@"' sh "$@" \
		sh -c '[ "$LISTEN_PID" = $$ ] && echo yes || echo no' 3</dev/null 2>/dev/null)
	echo "$out"
}

# remaps INIT... -- : "yes" when `INIT -e 3` turns the app's exit 3 into 0.
remaps() {
	local rc=0
	"$@" sh -c 'exit 3' 2>/dev/null 3>&- || rc=$?
	[ "$rc" = 0 ] && echo yes || echo no
}

# mentions BINARY WORD...: whether its help mentions any WORD (a privilege
# drop, a reload or instances would need an option).
mentions() {
	local bin=$1 w
	shift
	for w in "$@"; do
		{ "$bin" --help 2>&1; "$bin" -h 2>&1; } | grep -qi -- "$w" && return 0
	done
	return 1
}

# The cells that say "no" because the peer has no such feature at all: no
# option for it, and for sd_notify not even the variable's name in the binary.
no_features() {
	local bin=$1 col=$2
	mentions "$bin" user uid privilege && { echo "$bin mentions a privilege drop"; return 1; }
	is "drops privileges" "$col" no
	grep -aq NOTIFY_SOCKET "$(command -v "$bin")" && { echo "$bin reads NOTIFY_SOCKET"; return 1; }
	is "readiness, watchdog, fd store" "$col" no
	mentions "$bin" reload instance && { echo "$bin mentions a reload or instances"; return 1; }
	is "zero-downtime reload" "$col" no
	is "N instances on the same sockets" "$col" no
}

@test "the comparison table has the columns and rows these tests check" {
	run -0 cell "reaps zombies" catatonit
	[ -n "$output" ]
	local row
	for row in "reaps zombies" "child subreaper" "signals the app's process group" "remaps exit codes" \
		"hands on inherited sockets" "restarts the app" "drops privileges" "readiness, watchdog, fd store" \
		"zero-downtime reload" "N instances on the same sockets" "static binary"; do
		[ -n "$(cell "$row" tinyhold)" ] || { echo "no row '$row'"; return 1; }
	done
}

@test "tini (Debian 12): every cell of its column" {
	need_peer tini tini
	require_pidns
	is "reaps zombies" tini "$(pid1_reaps tini --)"
	[ "$(subreaper tini --)" = no ]
	[ "$(subreaper tini -s --)" = yes ]
	tini -h 2>&1 | grep -q -- '-s: Register as a process subreaper'
	is "child subreaper" tini 'with `-s`'
	[ "$(group tini --)" = no ]
	[ "$(group tini -g --)" = yes ]
	is "signals the app's process group" tini '`-g`'
	[ "$(remaps tini -e 3 --)" = yes ]
	is "remaps exit codes" tini '`-e`'
	[ "$(passes_sockets tini --)" = no ]
	is "hands on inherited sockets" tini no
	[ "$(runs_once tini --)" = yes ]
	is "restarts the app" tini no
	no_features tini tini
	file -L /usr/bin/tini-static | grep -q 'statically linked'
	is "static binary" tini '`tini-static`'
}

@test "dumb-init (Debian 12): every cell of its column" {
	need_peer dumb-init dumb-init
	require_pidns
	is "reaps zombies" dumb-init "$(pid1_reaps dumb-init)"
	[ "$(subreaper dumb-init)" = no ]
	is "child subreaper" dumb-init no
	[ "$(group dumb-init)" = yes ]
	[ "$(group dumb-init -c)" = no ]
	is "signals the app's process group" dumb-init 'by default (`-c`: the child only)'
	# --rewrite maps signals, not exit codes; no option takes an exit code.
	dumb-init --help 2>&1 | grep -q -- '--rewrite s:r    Rewrite received signal s to new signal r'
	! dumb-init --help 2>&1 | grep -qi 'exit'
	is "remaps exit codes" dumb-init 'no (`--rewrite` maps signals)'
	[ "$(passes_sockets dumb-init)" = no ]
	is "hands on inherited sockets" dumb-init no
	[ "$(runs_once dumb-init)" = yes ]
	is "restarts the app" dumb-init no
	no_features dumb-init dumb-init
	file -L "$(command -v dumb-init)" | grep -q 'dynamically linked'
	is "static binary" dumb-init 'no (upstream'"'"'s releases are)'
}

@test "catatonit (Debian 12): every cell of its column, a subreaper with -g" {
	need_peer catatonit catatonit
	require_pidns
	is "reaps zombies" catatonit "$(pid1_reaps catatonit --)"
	[ "$(subreaper catatonit --)" = yes ]
	is "child subreaper" catatonit yes
	[ "$(group catatonit --)" = no ]
	[ "$(group catatonit -g --)" = yes ]
	catatonit -h 2>&1 | grep -q -- "-g              Forward signals to pid1's process group"
	is "signals the app's process group" catatonit '`-g`'
	[ "$(remaps catatonit -e 3 --)" = no ]	# -e is not an option: a usage error
	! catatonit -h 2>&1 | grep -qi 'exit'
	is "remaps exit codes" catatonit no
	[ "$(passes_sockets catatonit --)" = yes ]
	is "hands on inherited sockets" catatonit 'yes (sets `LISTEN_PID`)'
	[ "$(runs_once catatonit --)" = yes ]
	is "restarts the app" catatonit no
	no_features catatonit catatonit
	file -L "$(command -v catatonit)" | grep -q 'statically linked'
	is "static binary" catatonit yes
}

@test "systemd-socket-activate: it execs the app, so it supervises nothing" {
	need_peer systemd-socket-activate systemd
	local p out
	p=$(free_port)
	# It execs the program (same pid), with the socket it made at fd 3.
	timeout 10 systemd-socket-activate -l "127.0.0.1:$p" \
		sh -c 'echo "$LISTEN_FDS $LISTEN_PID $$"' >"$W/out" 2>/dev/null 3>&- &
	wait_port "$p"
	timeout 2 bash -c "echo >/dev/tcp/127.0.0.1/$p" || true
	wait_until 10 test -s "$W/out"
	read -r fds lpid self <"$W/out"
	[ "$fds" = 1 ] && [ "$lpid" = "$self" ]
	is "hands on inherited sockets" systemd-socket-activate 'makes them (`-l`), one run'
	for row in "reaps zombies" "child subreaper" "signals the app's process group" "remaps exit codes" \
		"restarts the app" "drops privileges" "zero-downtime reload" "N instances on the same sockets"; do
		[[ "$(cell "$row" systemd-socket-activate)" == no* ]] || { echo "row '$row' is not a no"; return 1; }
	done
	file -L "$(command -v systemd-socket-activate)" | grep -q 'dynamically linked'
	is "static binary" systemd-socket-activate no
}
