#!/usr/bin/env bats
# Stress: 10,000 crash-restarts, 10,000 orphans at once, a storm of 100,000
# signals during restarts, and the app exiting in the same instant as 1,000
# processes. Each is bounded in count and in time, on loopback only. Skipped
# unless TINYHOLD_STRESS=1 (`make stress`), so `make test` stays quick.
# The figures go to bats' output as "# ..." lines.

load common

ST="$BIN/st_stress.bin"
# What each test starts lives as long as the test: minutes under ASan on a
# loaded machine, not common.bash's 60 s (its timeout SIGKILLed tinyhold at
# the 60th second of the ASan run's 10,000 restarts, in CI's second lane).
TEST_TIMEOUT=900
CRASHES=10000
ORPHANS=10000
SIGNALS=100000
BURST=500	# children and as many orphans, per run
BURST_RUNS=20

setup() {
	[ -n "${TINYHOLD_STRESS:-}" ] || skip "stress runs with TINYHOLD_STRESS=1 (make stress)"
	[ -x "$ST" ] || skip "build $ST first (make stress)"
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0
}

teardown() {
	[ -z "${CLIENT:-}" ] || kill -KILL "$CLIENT" 2>/dev/null || true
	[ -z "${STORM:-}" ] || kill -KILL "$STORM" 2>/dev/null || true
	cleanup_tinyhold
	no_leftovers
}

# Figures for the log: bats shows "# " lines on fd 3.
say() { echo "# $*" >&3; }

fd_list() { ls "/proc/$1/fd" | sort -n | tr '\n' ' '; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
restart_beyond() { [ "$(last_restart)" -gt "$1" ]; }

# progress_to N: waits for the app's restart N as long as restarts go on (half
# a minute in a release build, several under ASan on a loaded machine: a count,
# not a speed, is what is tested); fails once none has come for 30 s.
progress_to() {
	local want=$1 last=-1 now idle=0
	while :; do
		now=$(last_restart)
		[ "${now:-0}" -ge "$want" ] && return 0
		if [ "$now" != "$last" ]; then
			last=$now
			idle=0
		fi
		idle=$((idle + 1))
		if [ "$idle" -gt 30 ]; then
			echo "no restart for 30 s: at restart ${now:-0} of $want"
			return 1
		fi
		sleep 1
	done
}
children_are() { [ "$(children_of "$1")" -eq "$2" ]; }

@test "10,000 crash-restarts: tinyhold's fds and RSS end as after the first restart, no connection refused" {
	local port th fds1 rss1 fds2 rss2 t0 ms
	port=$(free_port)
	# Each run answers one waiting client, if any, and exits 1 at once; run 1
	# waits for SIGUSR1 so that we can measure; run 10,000 stays.
	start_tinyhold --backoff-max 0 -p "127.0.0.1:$port" -- "$ST" crash 1 "$CRASHES"
	wait_line 'started .* \(restart 1\)$'
	th=$(th_pid)
	timeout 900 "$ST" client "$port" stop 840 >client.out 3>&- &
	CLIENT=$!
	fds1=$(fd_list "$th")
	rss1=$(rss_kb "$th")
	t0=$(date +%s%N)
	kill -USR1 "$th"	# forwarded: run 1 exits, the loop begins
	progress_to "$CRASHES"
	ms=$(ms_since "$t0")
	fds2=$(fd_list "$th")
	rss2=$(rss_kb "$th")
	touch stop
	wait "$CLIENT"
	CLIENT=
	say "$CRASHES restarts in ${ms} ms; fds after restart 1: $fds1; after restart $CRASHES: $fds2"
	say "VmRSS after restart 1: ${rss1} kB; after restart $CRASHES: ${rss2} kB"
	say "client throughout: $(cat client.out)"
	[ "$fds1" = "$fds2" ]
	[ "$rss1" = "$rss2" ]
	grep -q '^ok=[1-9][0-9]* refused=0 ' client.out
	[ "$(count_lines '^tinyhold: pid [0-9]+ exited with status 1 after')" -eq "$CRASHES" ]
	kill -TERM "$th"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
}

# orphans_released TH: the app has made its orphans and TH has them all; the
# app lets them go, and while TH reaps them a USR1 still gets through at once.
orphans_released() {
	local th=$1 t0 t1 ms_reap ms_sig
	wait_until 60 test -s ready
	[ "$(cat ready)" = "$ORPHANS" ]
	wait_until 30 children_are "$th" $((ORPHANS + 1))	# the orphans and the app
	t0=$(date +%s%N)
	kill -USR2 "$th"	# forwarded: the app lets all of them go at once
	wait_line '^USR2$' app.log 10
	t1=$(date +%s%N)
	kill -USR1 "$th"	# while they exit and tinyhold reaps
	wait_line '^USR1$' app.log 10
	ms_sig=$(ms_since "$t1")
	wait_until 60 reaped_is "$ORPHANS"
	ms_reap=$(ms_since "$t0")
	wait_until 10 no_zombies_of "$th"
	say "$ORPHANS orphans reaped within ${ms_reap} ms of their release; a USR1 sent meanwhile arrived after ${ms_sig} ms"
	[ "$(children_of "$th")" -eq 1 ]
	[ "$ms_sig" -lt 5000 ]
	kill -TERM "$th"
	wait_exit 10
	[ "$TH_STATUS" -eq 143 ]
}

@test "10,000 orphans at once: all reaped, no zombie left, a signal still gets through meanwhile" {
	start_tinyhold -v -- "$ST" orphans "$ORPHANS" ready app.log
	wait_until 60 test -s ready
	orphans_released "$(th_pid)"
}

@test "as PID 1: 10,000 orphans at once: all reaped, no zombie left" {
	require_root
	start_pid1 -v -- "$ST" orphans "$ORPHANS" ready app.log
	wait_until 60 test -s ready
	orphans_released "$(th_pid)"
}

@test "100,000 USR1 and real-time signals during a restart storm: tinyhold keeps restarting, SIGTERM stops all within -t" {
	local th before after t0 ms tag
	tag=$((RANDOM + 100000000))	# names this test's apps for pgrep
	start_tinyhold --backoff-max 0 -t 2 -- "$ST" crash -1 "$tag"
	wait_line 'started .* \(restart 100\)$'
	th=$(th_pid)
	before=$(last_restart)
	t0=$(date +%s%N)
	timeout 120 "$ST" storm "$th" "$SIGNALS" >storm.out 3>&- &
	STORM=$!
	# Responsive during the storm: restarts go on (apps die of the forwarded signals too).
	wait_until 60 restart_beyond $((before + 200))
	wait "$STORM"
	STORM=
	ms=$(ms_since "$t0")
	after=$(last_restart)
	wait_until 30 restart_beyond $((after + 100))	# and after it
	say "storm: $(cat storm.out) in ${ms} ms; restarts $before -> $after during it, $(last_restart) now"
	grep -q "^sent=" storm.out
	t0=$(date +%s%N)
	kill -TERM "$th"
	wait_exit 5
	ms=$(ms_since "$t0")
	say "SIGTERM after the storm: tinyhold exited $TH_STATUS after ${ms} ms (-t 2)"
	[ "$ms" -lt 2500 ]
	run -1 pgrep -f "st_stress.bin crash -1 $tag"	# nothing of it is left
}

@test "the app and 1,000 processes exit in the same instant, 20 times: the app's exit is never missed" {
	local t0 ms
	t0=$(date +%s%N)
	start_tinyhold --backoff-max 0 --max-restarts $((BURST_RUNS - 1)) --restart-window 3600 -- \
		"$ST" burst "$BURST" 3
	wait_exit 120
	ms=$(ms_since "$t0")
	say "$BURST_RUNS runs of the app exiting with $((2 * BURST)) processes: ${ms} ms"
	[ "$TH_STATUS" -eq 3 ]
	[ "$(count_lines '^tinyhold: pid [0-9]+ exited with status 3 after')" -eq "$BURST_RUNS" ]
	grep -qx "tinyhold: giving up: $((BURST_RUNS - 1)) restarts within 3600.000s" "$TH_LOG"
}
