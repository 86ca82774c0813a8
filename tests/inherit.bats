#!/usr/bin/env bats
# Sockets tinyhold itself inherits (LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES): under
# systemd-socket-activate, LISTEN_PID=1 as podman passes it, LISTEN_PID of
# another process, and LISTEN_FDS naming an fd that is not open.

load common
load notify

setup() { notify_setup; }
teardown() { notify_teardown; }

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

# listen_pid_1_adopted: nt_inherit.py binds a socket at fd 3, sets LISTEN_PID=1
# and execs tinyhold (as PID 1: in the namespace, as a container engine would).
listen_pid_1_adopted() {
	local port other reply
	port=$(free_port)
	other=$(free_port)
	start_wrapped "${TH_NS[@]}" "$BIN/nt_inherit.py" "$port" 1 inh -- "$TINYHOLD" -p "127.0.0.1:$other" -- \
		"$APP" serve hang
	wait_port "$other"
	reply=$(converse "$port")
	[ "$(field LISTEN_FDS "$reply")" = 2 ]
	[ "$(field LISTEN_FDNAMES "$reply")" = inh:unknown ]
	[ "$(field kinds "$reply")" = socket,socket ]
	[ "$(field fd "$reply")" = 3 ]
	[ "$(field fd "$(converse "$other")")" = 4 ]
}

@test "LISTEN_PID=1 given to tinyhold (as podman passes) is adopted before the -p sockets (also as PID 1)" {
	in_both_modes listen_pid_1_adopted
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
