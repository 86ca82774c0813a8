#!/usr/bin/env bats
# Readiness (sd_notify): READY=1 and STATUS= from real clients (python3-systemd,
# libsystemd, systemd-notify), the keys tinyhold logs or ignores, READY=1's reset
# of the back-off, and a notify socket of its own for each tinyhold of a pod.
# The other notify capabilities: datagrams.bats, watchdog.bats, fdstore.bats,
# reload.bats, inherit.bats.

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
	# A period of 1 s: a ping 750 ms late, not 150 ms, fails it (a loaded machine).
	local pid
	start_tinyhold --watchdog 1 -- "$SD_NOTIFY" hello 8
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	[ "$(count_lines '^hello pid=[0-9]+ watchdog=1 usec=1000000$' "$TH_OUT")" -eq 3 ]
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
	if grep -q 'systemd-notify failed' "$TH_OUT"; then
		skip "systemd-notify cannot send from here: $(cat "$TH_OUT")"
	fi
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

# ---- as PID 1 ----------------------------------------------------------------------------

@test "as PID 1: two tinyholds in one network namespace (one pod) both get a notify socket" {
	th_mode pid1
	start_tinyhold --notify -- "$APP" env 'notify:READY=1' hang
	wait_line 'is ready$'
	# A second container of the same pod: its own pid namespace, the same network namespace.
	run --separate-stderr timeout 10 "${TH_RUN[@]}" -r never --notify -- "$APP" env 'notify:READY=1'
	echo "second: $status $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" is ready"* ]]
	[ "$(field NOTIFY_SOCKET "$output")" != "$(field NOTIFY_SOCKET "$(env_line 1)")" ]
}
