#!/usr/bin/env bats
# The watchdog (--watchdog, WATCHDOG=1): it fires with SIGABRT and a restart when
# the app stops pinging, SIGKILLs after -t, WATCHDOG=trigger, WATCHDOG_USEC and
# WATCHDOG_PID, and nothing of it without --watchdog.

load common
load notify

setup() { notify_setup; }
teardown() { notify_teardown; }

# watchdog_fires: run 0 pings for 3 s (two periods), then hangs; run 1 pings on.
# A period of 1.5 s: a Python start on a loaded machine (CI runs suites side by
# side) can take longer than 0.3 s before its first ping.
watchdog_fires() {
	start_tinyhold --watchdog 1.5 -- "$APP" '[=0]ping:0.05:3' '[=0]hang' ping:0.05:30
	wait_line '^tinyhold: started .* \(restart 1\)$'
	local pid0
	pid0=$(app_pid 1)
	grep -qE "^pid $pid0: pinged [0-9]+\$" "$TH_OUT"
	grep -qx "tinyhold: pid $pid0 failed its watchdog (1.500s); sending SIGABRT, then a restart" "$TH_LOG"
	grep -qE "^tinyhold: pid $pid0 died of SIGABRT after ([3-9]|1[0-9])\.[0-9]*s\$" "$TH_LOG"
	grep -qx 'tinyhold: restarting now (restart 1)' "$TH_LOG"
}

@test "the watchdog fires when the app stops pinging: SIGABRT, then a restart (also as PID 1)" {
	in_both_modes watchdog_fires
}

@test "an app that ignores the watchdog's SIGABRT is SIGKILLed after -t" {
	start_tinyhold -t 0.3 --watchdog 0.3 -- "$APP" ignore:ABRT '[=0]hang' ping:0.05:30
	wait_line '^tinyhold: started .* \(restart 1\)$'
	local pid0
	pid0=$(app_pid 1)
	grep -q "pid $pid0 failed its watchdog (0.300s); sending SIGABRT" "$TH_LOG"
	grep -qx "tinyhold: pid $pid0 did not stop within 0.300s; killing its process group" "$TH_LOG"
	grep -qE "^tinyhold: pid $pid0 died of SIGKILL after" "$TH_LOG"
}

@test "WATCHDOG=trigger fires the watchdog at once" {
	start_tinyhold --watchdog 30 -- "$APP" '[=0]notify:WATCHDOG=trigger' hang
	wait_line '^tinyhold: started .* \(restart 1\)$'
	local pid0
	pid0=$(app_pid 1)
	grep -qx "tinyhold: pid $pid0 failed its watchdog (30.000s); sending SIGABRT, then a restart" "$TH_LOG"
	grep -qE "^tinyhold: pid $pid0 died of SIGABRT after 0\.[0-9]{3}s\$" "$TH_LOG"
}

@test "an app that keeps pinging is never killed, over four periods" {
	start_tinyhold --watchdog 1 -- "$APP" ping:0.05:4 exit:0
	wait_exit 15
	[ "$TH_STATUS" -eq 0 ]
	grep -qE '^tinyhold: pid [0-9]+ exited with status 0 after [4-9]\.[0-9]{3}s$' "$TH_LOG"
	run -1 grep -E 'watchdog|restarting' "$TH_LOG"
}

@test "WATCHDOG_USEC, and WATCHDOG_PID is the app's own pid, after restarts too" {
	start_tinyhold --watchdog 1.25 -- "$APP" env '[<2]exit:1' ping:0.05:30
	says '^pid [0-9]+: env .*TINYHOLD_RESTARTS=2'
	local i line
	for i in 1 2 3; do
		line=$(env_line "$i")
		[ "$(field WATCHDOG_USEC "$line")" = 1250000 ]
		[ "$(field WATCHDOG_PID "$line")" = "$(field pid "$line")" ]
		[ "$(field pid "$line")" = "$(app_pid "$i")" ]
	done
}

@test "without --watchdog the app gets no WATCHDOG_*, not even tinyhold's own" {
	WATCHDOG_USEC=1000 WATCHDOG_PID=$$ start_tinyhold --notify -- "$APP" env hang
	says '^pid [0-9]+: env '
	[ -n "$(field NOTIFY_SOCKET "$(env_line 1)")" ]
	[[ "$(env_line 1)" != *WATCHDOG* ]]
}
