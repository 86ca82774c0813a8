#!/usr/bin/env bats
# Bug classes other inits have shipped, each with a test: the whole exit-code
# matrix and the restart policy's table, every forwardable signal (32..64 too),
# signals in every restart window and between fork and exec, tinyhold's own
# process group never hit, and the crash-loop guard's schedule and final status.
# (The clean signal state, the app's exact fds, LISTEN_PID after restarts and
# tinyhold's cwd are in signals.bats and sockets.bats; the terminal in tty.bats.)

load common

BC="$BIN/bc_app.bin"

setup() {
	[ -x "$BC" ] || skip "build $BC first (make test builds it)"
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the matrix kills apps with SEGV, ABRT, QUIT ...
	REC="$BATS_TEST_TMPDIR/rec.log"
	: >"$REC"
}

teardown() {
	cleanup_tinyhold
	[ -z "${BYSTANDER:-}" ] || kill -KILL "$BYSTANDER" 2>/dev/null || true
}

# What tinyhold calls signal N in its log (sig.c's sig_name()).
sig_log_name() {
	if [ "$1" -ge 34 ]; then echo "SIGRTMIN+$(($1 - 34))"
	elif [ "$1" -ge 32 ]; then echo "SIG$1"
	else echo "SIG$(kill -l "$1")"; fi
}

# Signals whose default action ends a process: all but the ignored ones (CHLD
# CONT URG WINCH) and the stopping ones (STOP TSTP TTIN TTOU: a stopped app
# still runs, and tinyhold waits for it like a shell does).
DEADLY=(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 24 25 26 27 29 30 31 $(seq 32 64))

# ---- the exit-code matrix ----------------------------------------------------------

@test "exit-code matrix: every exit status 0-255 of the app is tinyhold's (-r never)" {
	local n rc bad=""
	for n in $(seq 0 255); do
		rc=0
		timeout 5 "$TINYHOLD" -q -r never -- "$BC" exit "$n" || rc=$?
		[ "$rc" -eq "$n" ] || bad+=" $n->$rc"
	done
	[ -z "$bad" ] || { echo "wrong statuses:$bad"; return 1; }
}

@test "exit-code matrix: death by each of the 55 deadly signals, 32..64 included, is 128+N and named (-r never)" {
	local s rc err bad=""
	for s in "${DEADLY[@]}"; do
		rc=0
		err=$(timeout 5 "$TINYHOLD" -r never -- "$BC" die "$s" 2>&1) || rc=$?
		[ "$rc" -eq $((128 + s)) ] || bad+=" $s->$rc"
		[[ "$err" == *"died of $(sig_log_name "$s") after"* ]] || bad+=" $s:name"
	done
	[ -z "$bad" ] || { echo "wrong:$bad"; return 1; }
}

@test "signals that do not end a process (CHLD CONT URG WINCH) leave the app's own status (-r never)" {
	local s
	for s in 17 18 23 28; do
		run -0 timeout 5 "$TINYHOLD" -q -r never -- "$BC" die "$s"
	done
}

# runs_and_status POLICY ARGS...: runs the app under --max-restarts 1; prints
# "RUNS STATUS": 1 run if the policy ends it, 2 if it restarts it (then gives up).
runs_and_status() {
	local policy=$1 rc=0 err
	shift
	err=$(timeout 5 "$TINYHOLD" -r "$policy" --backoff-max 0 --max-restarts 1 -- "$BC" "$@" 2>&1) ||
		rc=$?
	echo "$(grep -c '^tinyhold: started ' <<<"$err") $rc"
}

@test "on-failure, as README's table says: exit 0 ends it, 1-255 restart, INT and TERM end it, other deaths restart" {
	local n s want got bad=""
	for n in $(seq 0 255); do
		want="2 $n"
		[ "$n" -ne 0 ] || want="1 0"
		got=$(runs_and_status on-failure exit "$n")
		[ "$got" = "$want" ] || bad+=" exit$n:$got"
	done
	for s in "${DEADLY[@]}"; do
		want="2 $((128 + s))"
		[ "$s" -ne 2 ] && [ "$s" -ne 15 ] || want="1 $((128 + s))"
		got=$(runs_and_status on-failure die "$s")
		[ "$got" = "$want" ] || bad+=" sig$s:$got"
	done
	[ -z "$bad" ] || { echo "not as documented (runs status):$bad"; return 1; }
}

@test "always restarts every end, exit 0 and SIGINT and SIGTERM too; never restarts none" {
	local args
	for args in "exit 0" "exit 1" "exit 255" "die 2" "die 15" "die 9" "die 11"; do
		# shellcheck disable=SC2086
		[ "$(runs_and_status always $args | cut -d' ' -f1)" = 2 ]
		# shellcheck disable=SC2086
		[ "$(runs_and_status never $args | cut -d' ' -f1)" = 1 ]
	done
}

# ---- forwarding every signal -------------------------------------------------------

# Every signal an app can be sent through tinyhold: all catchable ones but the
# stop signals (INT QUIT TERM: tested in signals.bats), CHLD (tinyhold's own),
# and the faults (ILL TRAP ABRT BUS FPE SEGV SYS), which tinyhold leaves
# unblocked: they mean a bug in tinyhold itself. 32 and 33, which glibc keeps
# for itself, and SIGRTMIN..SIGRTMAX are included.
FORWARDABLE=(1 10 12 13 14 16 18 20 21 22 23 24 25 26 27 28 29 30 $(seq 32 64))

# recorded SIGNO CODE [VALUE]: the app's record has that signal last.
recorded_last() {
	local last
	last=$(tail -n 1 "$REC")
	[[ "$last" =~ ^[0-9]+\ $1\ $2\ ${3:-[-0-9]+}\ [0-9]+$ ]]
}

# forward_all TH MODE: sends every forwardable signal with kill(), then every
# real-time one with sigqueue() and a value, each after the last was recorded.
forward_all() {
	local th=$1 mode=$2 s
	for s in "${FORWARDABLE[@]}"; do
		kill -s "$s" "$th"
		wait_until 5 recorded_last "$s" 0
	done
	for s in $(seq 34 64); do
		timeout 5 "$BC" send "$th" "$s" $((1000 + s))
		if [ "$mode" = group ]; then
			# kill(-pgid) carries no value: the app sees a plain SI_USER signal.
			wait_until 5 recorded_last "$s" 0 0
		else
			wait_until 5 recorded_last "$s" -1 $((1000 + s))
		fi
	done
	[ "$(grep -cv '^ready' "$REC")" -eq $((${#FORWARDABLE[@]} + 31)) ]
}

@test "every forwardable signal, 32..64 included, reaches the app with its number; sigqueue() values too" {
	local s th
	start_tinyhold -v -- "$BC" record "$REC"
	wait_line '^ready' "$REC"
	th=$(th_pid)
	forward_all "$th" pid
	for s in "${FORWARDABLE[@]}"; do
		grep -qE "^tinyhold: forwarded $(sig_log_name "$s" | sed 's/+/\\+/') to pid [0-9]+\$" "$TH_LOG" ||
			{ echo "no log line for signal $s"; return 1; }
	done
	# The sender the app sees is tinyhold: it re-sends, it does not pass a siginfo through.
	[ -z "$(awk -v th="$th" '$1 != "ready" && $5 != th' "$REC")" ]
	kill -TERM "$th"
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
}

@test "-g: every forwardable signal, 32..64 included, reaches the app's group" {
	start_tinyhold -g -v -- "$BC" record "$REC"
	wait_line '^ready' "$REC"
	forward_all "$(th_pid)" group
	grep -qE '^tinyhold: forwarded SIGRTMIN\+30 to group [0-9]+$' "$TH_LOG"
}

@test "as PID 1: every forwardable signal, 32..64 included, reaches the app" {
	require_root
	start_pid1 -v -- "$BC" record "$REC"
	wait_line '^ready' "$REC"
	forward_all "$(th_pid)" pid
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
}

# ---- signals in every restart window -------------------------------------------------

# The accounting of a run with -v: every real-time signal tinyhold read is one
# log line, "forwarded ... to pid|group P" or "no app running; ... not
# forwarded" (or a warning that it could not be). A forwarded one must go to a
# pid tinyhold started (its "started" line may come later: the signal came
# between fork and exec) and never to one whose end it had already logged.
# Prints "forwarded early not_forwarded failed misdelivered".
account() {
	awk '
	/^tinyhold: started .* as pid [0-9]+ \(restart [0-9]+\)$/ {
		p = $0; sub(/.* as pid /, "", p); sub(/ .*/, "", p); started[p] = 1 }
	/^tinyhold: pid [0-9]+ (exited|died) / { dead[$3] = 1 }
	/^tinyhold: forwarded SIG(RTMIN\+[0-9]+|3[23]) to (pid|group) [0-9]+$/ {
		fw++; p = $NF; to[p]++
		if (dead[p]) bad++
		if (!started[p]) { early++; pending[p] = 1 } }
	/^tinyhold: no app running; SIG(RTMIN\+[0-9]+|3[23]) not forwarded$/ { nf++ }
	/^tinyhold: cannot forward SIG(RTMIN\+[0-9]+|3[23]) / { cf++ }
	END {
		for (p in pending) if (!started[p]) bad++
		printf "%d %d %d %d %d\n", fw, early, nf, cf, bad }' "$TH_LOG"
}

# A bystander in tinyhold's own process group records every signal it gets:
# none may come, whatever tinyhold forwards and whenever.
start_with_bystander() {
	start_wrapped sh -c '"$0" record bystander.log & exec "$@"' "$BC" "$TINYHOLD" "$@"
	wait_until 10 grep -q '^ready' bystander.log
	BYSTANDER=$(sed -n 's/^ready //p' bystander.log)
}

COUNT=3000

# storm_windows MODE ARGS...: apps that live 3 ms, back-offs of 5 ms, and
# COUNT real-time signals with values spread over 3 s: they land in every
# window, running, exited but not yet reaped, draining, backing off, and
# between fork and exec.
storm_windows() {
	local mode=$1 th fw early nf cf bad
	shift
	start_with_bystander "$@" -v --backoff-max 0.005 -- "$BC" record "$REC" 3
	wait_line 'started .* \(restart 3\)$'
	th=$(th_pid)
	run -0 timeout 30 "$BC" sigq "$th" "$COUNT" 3
	# Everything sent has been read once tinyhold says so for the last one.
	wait_until 10 eval '[ $(($(account | cut -d" " -f1,3,4 | tr " " +))) -ge '"$COUNT"' ]'
	read -r fw early nf cf bad < <(account)
	echo "# $mode: $COUNT sent ($output): forwarded $fw ($early before exec), not forwarded $nf," \
		"failed $cf; recorded by apps $(grep -cv '^ready' "$REC");" \
		"$(count_lines 'died of SIGRTMIN')" "apps died of one; $(last_restart) restarts" >&3
	[ $((fw + nf + cf)) -eq "$COUNT" ]	# none lost inside tinyhold, none doubled
	[ "$bad" -eq 0 ]			# none to a pid that was not the app
	[ "$fw" -gt 0 ] && [ "$nf" -gt 0 ] && [ "$early" -gt 0 ]	# every kind of window was hit
	# No app got more than tinyhold forwarded to it.
	awk 'FNR == NR { if ($0 ~ /^tinyhold: forwarded SIG.* to (pid|group) [0-9]+$/) to[$NF]++; next }
		$1 != "ready" { got[$1]++ }
		END { for (p in got) if (got[p] > to[p]) { print p ": " got[p] " > " to[p]; exit 1 } }' \
		"$TH_LOG" "$REC"
	# What the apps recorded: distinct values from the sender, from tinyhold, to an app it forwarded to.
	awk -v th="$th" -v mode="$mode" '$1 != "ready" {
		if ($5 != th) { print "sender " $5; exit 1 }
		if (mode == "pid" && ($3 != -1 || $4 < 1 || $4 > '"$COUNT"' || seen[$4]++)) { print "value " $0; exit 1 }
		if (mode == "group" && $3 != 0) { print "code " $0; exit 1 } }' "$REC"
	[ "$(grep -cv '^ready' bystander.log)" -eq 0 ]
	grep -qv '^ready' "$REC"	# some did arrive in a running app
	kill -TERM "$th"
	wait_exit 5
}

@test "real-time signals in every restart window and between fork and exec: each forwarded to the app of the moment or logged as not forwarded" {
	storm_windows pid
}

@test "-g: the same, and tinyhold's own process group never gets one" {
	storm_windows group -g
}

# ---- the crash-loop guard ------------------------------------------------------------

@test "an app that dies at once forever, with the defaults: the back-off doubles from 100 ms to the 10 s cap, as documented" {
	local d
	start_tinyhold -- sh -c 'date +%s.%N >>"$0"; exit 1' "$BATS_TEST_TMPDIR/starts"
	wait_line '^tinyhold: restarting in 10\.000s \(restart 9\)$' "$TH_LOG" 20
	[ "$(restart_lines)" = "$(printf '%s\n' \
		'restarting now (restart 1)' 'restarting in 0.100s (restart 2)' \
		'restarting in 0.200s (restart 3)' 'restarting in 0.400s (restart 4)' \
		'restarting in 0.800s (restart 5)' 'restarting in 1.600s (restart 6)' \
		'restarting in 3.200s (restart 7)' 'restarting in 6.400s (restart 8)' \
		'restarting in 10.000s (restart 9)')" ]
	# The delays are real: each gap between starts is the delay plus the run (a few ms).
	d=$(awk 'NR > 1 { printf "%d ", ($1 - prev) * 1000 } { prev = $1 }' starts)
	echo "gaps between starts (ms): $d"
	awk -v d="$d" 'BEGIN { n = split(d, g, " "); split("0 100 200 400 800 1600 3200 6400", w, " ")
		for (i = 1; i <= n; i++) if (g[i] < w[i] || g[i] > w[i] + 300) exit 1 }'
	# At the cap, a minute holds at most 6 restarts; a stop ends the wait at once.
	kill -TERM "$(th_pid)"
	wait_exit 2
	[ "$TH_STATUS" -eq 1 ]
	[ "$(count_lines '^tinyhold: started ')" -eq 9 ]
}

@test "the crash-loop guard gives up with the app's last status: an exit code, 128+N for a signal, 0 if -e remaps it" {
	# Runs 0, 1 and 2 fail; the third restart would exceed --max-restarts 2.
	run -7 --separate-stderr timeout 5 "$TINYHOLD" --backoff-max 0 --max-restarts 2 -- \
		sh -c 'exit $((5 + TINYHOLD_RESTARTS))'
	[[ "$stderr" == *"tinyhold: giving up: 2 restarts within 60.000s" ]]
	[ "$(grep -c '^tinyhold: started ' <<<"$stderr")" -eq 3 ]
	run -139 --separate-stderr timeout 5 "$TINYHOLD" --backoff-max 0 --max-restarts 2 -- "$BC" die 11
	[[ "$stderr" == *"tinyhold: giving up: 2 restarts within 60.000s" ]]
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -e 139 --backoff-max 0 --max-restarts 2 -- \
		"$BC" die 11
	[[ "$stderr" == *"tinyhold: giving up: 2 restarts within 60.000s" ]]
}
