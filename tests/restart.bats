#!/usr/bin/env bats
# Restarts and the app's status: the same socket after a crash, no refused
# connection while the app crash-loops, the back-off schedule, the crash-loop
# guard, the policies (docs/supervision.md's table, for every exit status and every deadly
# signal), the exit-code matrix (every status 0-255, every deadly signal 1-64,
# plain and as PID 1), and the app's leftovers. Exec failures (126, 127, never
# restarted) are in cli.bats.

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the demo server abort()s; the matrix kills apps with SEGV, ABRT, QUIT ...
}

teardown() {
	cleanup_tinyhold
	[ -z "${LEFTOVER:-}" ] || kill -KILL "$LEFTOVER" 2>/dev/null || true
	# Every run of sv_orphaner.py stray leaves a parent outside the app's group.
	[ ! -s stray-parent ] || kill -KILL $(cat stray-parent) 2>/dev/null || true
	no_leftovers
}

# The inode of the socket listening on PORT, and who holds it.
listen_inode() { ss -Hltne "sport = :$1" | grep -o 'ino:[0-9]*'; }
listen_users() { ss -Hltnp "sport = :$1" | grep -o 'users:.*'; }

get() { timeout 5 curl -fsS "http://127.0.0.1:$1$2"; }

# same_socket_restart: the demo server crashes on /crash; the new one answers on the same socket.
same_socket_restart() {
	local port pid0 ino
	port=$(free_port)
	start_tinyhold -p "127.0.0.1:$port" -- "$DEMO"
	wait_port "$port"
	run -0 get "$port" /
	[[ "$output" =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 0\)$ ]]
	pid0=${BASH_REMATCH[1]}
	ino=$(listen_inode "$port")
	[ -n "$ino" ]

	run -0 get "$port" /crash
	[ "$output" = "crashing" ]
	wait_line "^tinyhold: pid $pid0 died of SIGABRT after [0-9.]+s\$"
	wait_line '^tinyhold: started .*demo-server as pid [0-9]+ \(restart 1\)$'
	grep -qx 'tinyhold: restarting now (restart 1)' "$TH_LOG"
	# The very same listening socket, held by tinyhold all along.
	[ "$(listen_inode "$port")" = "$ino" ]
	[[ "$(listen_users "$port")" == *'"tinyhold"'* ]]

	run -0 get "$port" /
	[[ "$output" =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 1\)$ ]]
	[ "${BASH_REMATCH[1]}" != "$pid0" ]
}

@test "on-failure restarts a crashed app on the same socket: the port stays bound, a new pid answers (also as PID 1)" {
	in_both_modes same_socket_restart
}

# hammer PORT: runs sv_hammer.py for 3 s against the demo server under tinyhold;
# sets REFUSED, OK and CRASHES.
hammer() {
	run -0 --separate-stderr timeout 20 "$BIN/sv_hammer.py" "$1" 3 0.05
	echo "hammer: $output $stderr"	# shown when the test fails
	REFUSED=$(sed -n 's/.*refused=\([0-9]*\).*/\1/p' <<<"$output")
	OK=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$output")
	CRASHES=$(sed -n 's/.*crashes=\([0-9]*\).*/\1/p' <<<"$output")
}

@test "no connection is refused while the app crash-loops (--backoff-max 0)" {
	local port
	port=$(free_port)
	start_tinyhold --backoff-max 0 -p "127.0.0.1:$port" -- "$DEMO"
	wait_port "$port"
	hammer "$port"
	[ "$REFUSED" -eq 0 ]
	[ "$CRASHES" -ge 10 ]
	[ "$OK" -ge 10 ]
	[ "$(count_lines 'died of SIGABRT')" -ge 10 ]
}

@test "no connection is refused while the app crash-loops (default back-off)" {
	local port
	port=$(free_port)
	start_tinyhold -p "127.0.0.1:$port" -- "$DEMO"
	wait_port "$port"
	hammer "$port"
	[ "$REFUSED" -eq 0 ]
	[ "$CRASHES" -ge 4 ]
	[ "$OK" -ge 4 ]
	grep -q 'restarting in 0\.400s' "$TH_LOG"	# the back-off did build up
}

# The schedule with the defaults (100 ms doubling up to the 10 s cap) is a table in
# tests/unit/supervise_test.c (sup_backoff_ms) and the default cap one in
# tests/unit/opts_test.c; here it runs in real time, to a cap of 1.5 s.
@test "an app that dies at once forever: the back-off doubles from 100 ms to the cap, in real time" {
	local d k gaps want=(0 100 200 400 800 1500)
	start_tinyhold --backoff-max 1.5 -- sh -c 'date +%s.%N >>"$0"; exit 1' "$BATS_TEST_TMPDIR/starts"
	wait_line '^tinyhold: restarting in 1\.500s \(restart 7\)$' "$TH_LOG" 20
	[ "$(restart_lines)" = "$(printf '%s\n' \
		'restarting now (restart 1)' 'restarting in 0.100s (restart 2)' \
		'restarting in 0.200s (restart 3)' 'restarting in 0.400s (restart 4)' \
		'restarting in 0.800s (restart 5)' 'restarting in 1.500s (restart 6)' \
		'restarting in 1.500s (restart 7)')" ]
	# The delays are real: each gap between starts is the delay plus the run (a few ms).
	d=$(awk 'NR > 1 { printf "%d ", ($1 - prev) * 1000 } { prev = $1 }' starts)
	echo "gaps between starts (ms): $d"
	read -ra gaps <<<"$d"
	[ "${#gaps[@]}" -eq 6 ]
	[ "${gaps[0]}" -lt 100 ]	# the first restart is immediate
	for k in 1 2 3 4 5; do
		[ "${gaps[k]}" -ge "${want[k]}" ]
		[ "${gaps[k]}" -lt $((want[k] + 300)) ]
	done
	# A stop ends the wait at once.
	kill -TERM "$(th_pid)"
	wait_exit 2
	[ "$TH_STATUS" -eq 1 ]
	[ "$(count_lines '^tinyhold: started ')" -eq 7 ]
}

@test "--backoff-max caps the delay" {
	start_tinyhold --backoff-max 0.25 -- sh -c 'exit 1'
	wait_line '\(restart 6\)$'
	kill -TERM "$(th_pid)"
	wait_exit 5
	# Lines 3 to 6: a restart 7 may come before SIGTERM does, on a busy machine.
	[ "$(restart_lines | sed -n '3,6p')" = "$(printf '%s\n' 'restarting in 0.200s (restart 3)' \
		'restarting in 0.250s (restart 4)' 'restarting in 0.250s (restart 5)' \
		'restarting in 0.250s (restart 6)')" ]
}

@test "--backoff-max 0 restarts without any delay" {
	start_tinyhold --backoff-max 0 -- sh -c 'exit 1'
	wait_line '^tinyhold: restarting now \(restart 20\)$'
	kill -TERM "$(th_pid)"
	wait_exit 5
	run -1 grep 'restarting in' "$TH_LOG"
}

@test "a run longer than 1 s resets the back-off" {
	# Run 3 lasts 1.2 s; every other run fails at once.
	start_tinyhold --max-restarts 6 -- sh -c '[ "$TINYHOLD_RESTARTS" != 3 ] || sleep 1.2; exit 1'
	wait_exit 10
	[ "$TH_STATUS" -eq 1 ]
	# After the long run the schedule starts over: now, now, then 100 ms.
	[ "$(restart_lines)" = "$(printf '%s\n' 'restarting now (restart 1)' \
		'restarting in 0.100s (restart 2)' 'restarting in 0.200s (restart 3)' \
		'restarting now (restart 4)' 'restarting now (restart 5)' \
		'restarting in 0.100s (restart 6)')" ]
}

@test "--max-restarts 3 --restart-window 60 gives up after 3 restarts with the app's last status" {
	# Each run exits with 10 + its restart count: the last one with 13.
	start_tinyhold --max-restarts 3 --restart-window 60 -- sh -c 'exit $((10 + TINYHOLD_RESTARTS))'
	wait_exit 10
	[ "$TH_STATUS" -eq 13 ]
	[ "$(count_lines '^tinyhold: started sh as pid')" -eq 4 ]
	grep -qE '^tinyhold: pid [0-9]+ exited with status 13 after' "$TH_LOG"
	grep -qx 'tinyhold: giving up: 3 restarts within 60.000s' "$TH_LOG"
	[ "$(tail -n 1 "$TH_LOG")" = 'tinyhold: giving up: 3 restarts within 60.000s' ]
	run -1 grep -F '(restart 4)' "$TH_LOG"
}

@test "the crash-loop guard gives up with 128+N for an app killed by signal N, and 0 if -e remaps it" {
	need_bc
	run -139 --separate-stderr timeout 5 "$TINYHOLD" --backoff-max 0 --max-restarts 2 -- "$BC" die 11
	[[ "$stderr" == *"tinyhold: giving up: 2 restarts within 60.000s" ]]
	[ "$(grep -c '^tinyhold: started ' <<<"$stderr")" -eq 3 ]
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -e 139 --backoff-max 0 --max-restarts 2 -- \
		"$BC" die 11
	[[ "$stderr" == *"tinyhold: giving up: 2 restarts within 60.000s" ]]
}

@test "restarts older than --restart-window do not count toward --max-restarts" {
	# Runs of 0.4 s, a window of 0.3 s: never two restarts within one window.
	start_tinyhold --backoff-max 0 --max-restarts 1 --restart-window 0.3 -- sh -c 'sleep 0.4; exit 1'
	wait_line '\(restart 4\)$'
	kill -TERM "$(th_pid)"
	wait_exit 5
	run -1 grep 'giving up' "$TH_LOG"
}

# ---- the app's status: the exit-code matrix ------------------------------------------------

# Signals whose default action ends a process: all but the ignored ones (CHLD
# CONT URG WINCH) and the stopping ones (STOP TSTP TTIN TTOU: a stopped app
# still runs, and tinyhold waits for it like a shell does).
DEADLY=(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 24 25 26 27 29 30 31 $(seq 32 64))

# exit_matrix: every exit status 0-255 of the app is tinyhold's, with its log line.
exit_matrix() {
	local n rc err bad=""
	for n in $(seq 0 255); do
		rc=0
		err=$(timeout 5 "${TH_RUN[@]}" -r never -- "$BC" exit "$n" 2>&1) || rc=$?
		[ "$rc" -eq "$n" ] || bad+=" $n->$rc"
		[[ "$err" == *"tinyhold: pid "*" exited with status $n after "* ]] || bad+=" $n:log"
		[[ "$err" != *restarting* ]] || bad+=" $n:restarted"
	done
	[ -z "$bad" ] || { echo "wrong:$bad"; return 1; }
}

@test "exit-code matrix: every exit status 0-255 of the app is tinyhold's (-r never; also as PID 1)" {
	need_bc
	in_both_modes exit_matrix
}

# signal_matrix: death by each deadly signal is 128+N, and the log names the signal.
signal_matrix() {
	local s rc err bad=""
	for s in "${DEADLY[@]}"; do
		rc=0
		err=$(timeout 5 "${TH_RUN[@]}" -r never -- "$BC" die "$s" 2>&1) || rc=$?
		[ "$rc" -eq $((128 + s)) ] || bad+=" $s->$rc"
		[[ "$err" == *"died of $(sig_log_name "$s") after"* ]] || bad+=" $s:name"
	done
	[ -z "$bad" ] || { echo "wrong:$bad"; return 1; }
}

@test "exit-code matrix: death by each of the 55 deadly signals, 32..64 included, is 128+N and named (-r never; also as PID 1)" {
	need_bc
	in_both_modes signal_matrix
}

@test "signals that do not end a process (CHLD CONT URG WINCH) leave the app's own status (-r never)" {
	local s
	need_bc
	for s in 17 18 23 28; do
		run -0 timeout 5 "$TINYHOLD" -q -r never -- "$BC" die "$s"
	done
}

# ---- the policies, for every end ------------------------------------------------------------

# runs_and_status POLICY ARGS...: runs the app under --max-restarts 1; prints
# "RUNS STATUS": 1 run if the policy ends it, 2 if it restarts it (then gives up).
runs_and_status() {
	local policy=$1 rc=0 err
	shift
	err=$(timeout 5 "$TINYHOLD" -r "$policy" --backoff-max 0 --max-restarts 1 -- "$BC" "$@" 2>&1) ||
		rc=$?
	echo "$(grep -c '^tinyhold: started ' <<<"$err") $rc"
}

@test "on-failure, as docs/supervision.md's table says: exit 0 ends it, 1-255 restart, INT and TERM end it, other deaths restart" {
	local n s want got bad=""
	need_bc
	for n in $(seq 0 255); do
		want="2 $n"
		[ "$n" -ne 0 ] || want="1 0"
		got=$(runs_and_status on-failure exit "$n")
		[ "$got" = "$want" ] || bad+=" exit$n:$got"
	done
	for s in "${DEADLY[@]}"; do
		case $s in
		2 | 15) want="1 $((128 + s))" ;;	# SIGINT, SIGTERM: a clean end
		*) want="2 $((128 + s))" ;;
		esac
		got=$(runs_and_status on-failure die "$s")
		[ "$got" = "$want" ] || bad+=" sig$s:$got"
	done
	[ -z "$bad" ] || { echo "not as documented (runs status):$bad"; return 1; }
}

@test "always restarts every end, exit 0 and SIGINT and SIGTERM too; never restarts none" {
	local args
	need_bc
	for args in "exit 0" "exit 1" "exit 255" "die 2" "die 15" "die 9" "die 11"; do
		# shellcheck disable=SC2086
		[ "$(runs_and_status always $args | cut -d' ' -f1)" = 2 ]
		# shellcheck disable=SC2086
		[ "$(runs_and_status never $args | cut -d' ' -f1)" = 1 ]
	done
}

@test "-r always restarts after exit 0" {
	start_tinyhold -r always --max-restarts 2 -- true
	wait_exit 5
	[ "$TH_STATUS" -eq 0 ]
	[ "$(count_lines '^tinyhold: pid [0-9]+ exited with status 0 after')" -eq 3 ]
	grep -qx 'tinyhold: restarting now (restart 1)' "$TH_LOG"
	grep -qx 'tinyhold: restarting in 0.100s (restart 2)' "$TH_LOG"
	grep -qx 'tinyhold: giving up: 2 restarts within 60.000s' "$TH_LOG"
}

@test "-r always does not restart after a stop tinyhold was asked for" {
	start_tinyhold -r always -- sleep 100
	wait_line 'started sleep as pid'
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 143 ]
	run -1 grep restarting "$TH_LOG"
}

@test "-r never does not restart a failure or a crash" {
	run -1 --separate-stderr timeout 5 "$TINYHOLD" -r never -- sh -c 'exit 1'
	[[ "$stderr" == *"exited with status 1 after"* ]]
	[[ "$stderr" != *restarting* ]]
	run -134 --separate-stderr timeout 5 "$TINYHOLD" -r never -- sh -c 'kill -ABRT $$'
	[[ "$stderr" != *restarting* ]]
}

@test "on-failure: exit 0 ends tinyhold with 0" {
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -- true
	[[ "$stderr" == *"exited with status 0 after"* ]]
	[[ "$stderr" != *restarting* ]]
}

@test "on-failure: an app killed by SIGTERM or SIGINT from elsewhere is a clean end, SIGKILL is restarted" {
	run -143 --separate-stderr timeout 5 "$TINYHOLD" -- sh -c 'kill -TERM $$'
	[[ "$stderr" != *restarting* ]]
	run -130 --separate-stderr timeout 5 "$TINYHOLD" -- sh -c 'kill -INT $$'
	[[ "$stderr" != *restarting* ]]
	# The OOM killer's SIGKILL is a failure: restarted (here once, then the app exits 0).
	run -0 --separate-stderr timeout 5 "$TINYHOLD" -- sh -c '[ "$TINYHOLD_RESTARTS" = 1 ] || kill -KILL $$'
	[[ "$stderr" == *"died of SIGKILL after"*"restarting now (restart 1)"* ]]
}

@test "leftovers in the app's process group are killed and reaped before the next start" {
	local pgid0
	# Run 0 leaves a `sleep 1000` behind and fails; run 1 says whether it is still there
	# (kill -0 also succeeds on a zombie: killed but not reaped counts as there).
	start_tinyhold -- sh -c '
		if [ "$TINYHOLD_RESTARTS" = 0 ]; then sleep 1000 & echo $! >leftover; exit 1; fi
		if kill -0 "$(cat leftover)" 2>/dev/null; then echo there; else echo gone; fi >verdict
		exec sleep 100'
	wait_until 10 test -s verdict
	LEFTOVER=$(cat leftover)
	[ "$(cat verdict)" = gone ]
	pgid0=$(sed -n 's/^tinyhold: started sh as pid \([0-9]*\) (restart 0)$/\1/p' "$TH_LOG")
	[ -n "$pgid0" ]
	run -1 pgrep -g "$pgid0"
	[ ! -e "/proc/$LEFTOVER" ]
}

@test "a zombie left in the app's group by a parent outside it does not hold up the restart" {
	# The app's group holds only a SIGKILLed zombie whose parent (in another
	# session) never reaps it: nothing of the group runs, so the restart is due.
	start_tinyhold -- "$BIN/sv_orphaner.py" stray "$BATS_TEST_TMPDIR/stray-parent" 1
	wait_until 10 test -s stray-parent
	wait_line '^tinyhold: pid [0-9]+ exited with status 1 after'
	wait_line '^tinyhold: restarting now \(restart 1\)$' "$TH_LOG" 1
	run -1 grep 'would not die' "$TH_LOG"
}
