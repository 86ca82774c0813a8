#!/usr/bin/env bats
# A terminal: the app gets the foreground, so Ctrl-C reaches it, tinyhold is
# never stopped by SIGTTOU, and the app gets no SIGHUP or SIGCONT it did not ask for.

load common

# The app: reports whether it owns the terminal's foreground, traps HUP and
# CONT to show any that arrive, and dies of SIGINT when Ctrl-C comes.
APP='fg=$(ps -o tpgid= -p $$ | tr -d " "); pg=$(ps -o pgid= -p $$ | tr -d " ");
[ "$fg" = "$pg" ] && echo FOREGROUND; trap "echo GOT-HUP" HUP; trap "echo GOT-CONT" CONT;
echo READY; while :; do sleep 0.05; done'

teardown() { no_leftovers; }

ctrl_c() {
	run -0 timeout 20 "$PY" "$BIN/tty_run.py" "${TH_RUN[@]}" -- sh -c "$APP"
	[[ "$output" == *FOREGROUND* ]]
	[[ "$output" == *"died of SIGINT"* ]]
	[[ "$output" == *"status:130"* ]]
	[[ "$output" != *GOT-HUP* ]]
	[[ "$output" != *GOT-CONT* ]]
	[[ "$output" != *"Stopped"* ]]
}

@test "on a terminal, Ctrl-C reaches the app and tinyhold exits 130 (also as PID 1: the namespace exits 130)" {
	in_both_modes ctrl_c
}

@test "a restarted app gets the foreground again" {
	# The first run crashes; the second must own the terminal as well.
	run -0 timeout 20 "$PY" "$BIN/tty_run.py" "$TINYHOLD" -- sh -c \
		"[ \"\$TINYHOLD_RESTARTS\" = 0 ] && kill -SEGV \$\$; $APP"
	[[ "$output" == *"died of SIGSEGV"* ]]
	[[ "$output" == *FOREGROUND* ]]
	[[ "$output" == *"status:130"* ]]
}

# With TOSTOP, a background process that writes to the terminal gets SIGTTOU,
# which stops it unless blocked. tinyhold writes its log there while the app
# owns the foreground, and hands the terminal on from the background: it must
# never be stopped, and the apps must get no SIGHUP or SIGCONT on the way.
# The app shows tinyhold's state (S, not T) and that TOSTOP is really on.
PARENT_STATE='echo "TINYHOLD-STATE:$(ps -o stat= -p $PPID | cut -c1)";
echo "TERMINAL:$(stty -a | grep -o -- "-*tostop")";'

tostop() {
	run -0 timeout 20 "$PY" "$BIN/tty_run.py" /bin/sh -c 'stty tostop; exec "$@"' sh \
		"${TH_RUN[@]}" -- sh -c "[ \"\$TINYHOLD_RESTARTS\" = 0 ] && kill -SEGV \$\$; $PARENT_STATE $APP"
	# Each of these lines was written while the app's group held the foreground.
	[[ "$output" == *"died of SIGSEGV"* ]]
	[[ "$output" == *"restarting now (restart 1)"* ]]
	[[ "$output" == *"(restart 1)"*FOREGROUND* ]]
	[[ "$output" == *"TINYHOLD-STATE:S"* ]]
	[[ "$output" == *"TERMINAL:tostop"* ]]
	[[ "$output" == *"died of SIGINT"* ]]
	[[ "$output" == *"status:130"* ]]
	[[ "$output" != *GOT-HUP* ]]
	[[ "$output" != *GOT-CONT* ]]
	[[ "$output" != *"Stopped"* ]]
}

@test "with TOSTOP, tinyhold logs to the terminal from the background and is never stopped by SIGTTOU; no SIGHUP or SIGCONT for the restarted app (also as PID 1)" {
	in_both_modes tostop
}

@test "Ctrl-C during a back-off delay ends tinyhold at once: the terminal came back to it" {
	# The app fails at once, again and again; Ctrl-C is typed once tinyhold says
	# it waits 1.6 s, when no app owns the terminal.
	TTY_WAIT_FOR="restarting in 1.600s" run -0 timeout 20 "$PY" "$BIN/tty_run.py" \
		"$TINYHOLD" -- sh -c 'exit 1'
	[[ "$output" == *"got SIGINT; stopping"* ]]
	[[ "$output" == *"status:1"* ]]
}
