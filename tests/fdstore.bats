#!/usr/bin/env bats
# The fd store (FDSTORE=1, --fdstore-max): fds the app hands over survive its
# crashes and come back after the held sockets, with their names; the limits,
# a bad FDNAME=, and what the kernel lets through in one datagram.

load common
load notify

setup_file() {
	# libsystemd's own sd_notify(), sd_pid_notify_with_fds() and sd_watchdog_enabled(),
	# in a tiny client built here.
	SD_NOTIFY=$(build_sdclient nt_sdnotify)
	export SD_NOTIFY
}

setup() { notify_setup; }
teardown() { notify_teardown; }

# memfd_counter: the libsystemd client counts its runs in a memfd it stores.
memfd_counter() {
	local th fd
	start_tinyhold -q --backoff-max 0 --fdstore-max 4 -- "$SD_NOTIFY" counter 100
	says '^count 100 fds 1$' 30
	th=$(th_pid)
	[ "$(memfds "$th")" -eq 1 ]
	fd=$(find "/proc/$th/fd" -mindepth 1 -lname '/memfd:state*' -printf '%f\n')
	[ "$(od -An -t u8 "/proc/$th/fd/$fd" | tr -d ' ')" = 100 ]
	[ ! -s "$TH_LOG" ]	# -q: no error, no warning
}

@test "a memfd counter survives 100 crashes (libsystemd, --backoff-max 0); the store holds it once (also as PID 1)" {
	need_sdclient nt_sdnotify
	in_both_modes memfd_counter
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
