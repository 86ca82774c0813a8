#!/usr/bin/env bats
# The guarantees of SECURITY.md, each tried the way an attacker would: an
# unprivileged neighbour (uid nobody) in the same network namespace or a
# writable directory, and a hostile app. Each test failed on the tinyhold
# before the fix it names (issue 9).

load common

ATTACK="$BIN/sec_attack.py"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0
	APP="$BIN/nt_app.py"
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	# Each run of `sec_attack.py escape` leaves a process group of its own, which
	# tinyhold does not kill (only the app's group and pid): the test does.
	for p in $(sed -n 's/^READY pgid=\([0-9]*\)$/\1/p' "${TH_OUT:-/dev/null}" 2>/dev/null); do
		kill -KILL -- "-$p" 2>/dev/null || true
	done
	[ -z "${RACE_DIR:-}" ] || rm -rf "$RACE_DIR"
	[ -z "${SAVED_TIOCSTI:-}" ] || sysctl -qw dev.tty.legacy_tiocsti="$SAVED_TIOCSTI" || true
	cleanup_tinyhold
	no_leftovers
}


# stopped_within SECS: tinyhold (TH_PID) is gone within SECS of now.
stopped_within() { wait_exit "$1"; }

# starts_at_least N: the app wrote at least N lines to ./starts, one per start.
starts_at_least() { [ "$(cat starts 2>/dev/null | wc -l)" -ge "$1" ]; }

# env_of KEY PID: KEY's value in the environment of PID.
env_of() { tr '\0' '\n' <"/proc/$2/environ" | sed -n "s/^$1=//p"; }

# ---- 1. no path tinyhold did not just create is followed ---------------------------------

@test "a racer as nobody renames a symlink over the new unix socket: 30 times, the victim keeps its owner and mode" {
	require_root
	local dir victim i racer
	# Where nobody can write (no sticky bit): not under the test's 0700 directory.
	dir=$(mktemp -d /tmp/tinyhold-race.XXXXXX)
	chmod 0777 "$dir"
	RACE_DIR=$dir
	victim="$BATS_TEST_TMPDIR/victim"
	echo secret >"$victim"
	chmod 0600 "$victim"
	# setpriv execs: $! is the racer itself, which teardown kills.
	setpriv --reuid nobody --regid nogroup --clear-groups "$BIN/sec_racer.bin" "$dir" sock "$victim" \
		>racer.out 3>&- &
	racer=$!
	PIDS+=("$racer")
	wait_until 5 grep -q racing racer.out
	for ((i = 0; i < 30; i++)); do
		rm -f "$dir/sock"
		timeout 5 "$TINYHOLD" -q -r never -p "unix:$dir/sock" -- true 2>/dev/null 3>&- || true
		[ "$(stat -c '%U %a' "$victim")" = "root 600" ] || break
	done
	[ "$(stat -c '%U %a' "$victim")" = "root 600" ]
}

@test "without a racer the unix socket is 0666 whatever the umask, and connectable" {
	local sock="$BATS_TEST_TMPDIR/s.sock"
	umask 077
	start_tinyhold -p "unix:$sock" -- "$APP" serve hang
	wait_until 10 test -S "$sock"
	[ "$(stat -c %a "$sock")" = 666 ]
	run -0 timeout 5 socat -t 2 - "UNIX-CONNECT:$sock" </dev/null
	[[ "$output" == *"env pid="* ]]
}

# ---- 2. no last close() of someone else's fd in PID 1 ---------------------------------------

@test "a neighbour (nobody) sends a lingering socket with a full queue to the notify socket: SIGTERM still stops all within 2 s" {
	local addr attacker t0
	start_tinyhold --notify -- "$APP" env hang
	wait_line '^tinyhold: started .* \(restart 0\)$'
	wait_until 5 test -s "$TH_OUT"
	addr=$(env_of NOTIFY_SOCKET "$(app_pid)")
	setpriv --reuid nobody --regid nogroup --clear-groups "$PY" "$ATTACK" linger "$addr" \
		>attacker.out 2>&1 3>&- &
	attacker=$!
	PIDS+=("$attacker")
	wait_until 10 grep -q sent attacker.out
	wait_line 'not from the app'
	kill -TERM "$(th_pid)"
	stopped_within 2
	kill -0 "$attacker"
}

@test "the app stores a lingering socket into a full store: SIGTERM still stops all within 2 s" {
	# A process of the app's fills the store (a; it stays alive, so its datagram is
	# the app's); then the app itself stores a lingering socket (b) into the full store.
	start_tinyhold -v --fdstore-max 1 -- sh -c '"$1" store:a hang & "$1" await:go
		exec "$0" linger - "FDSTORE=1\nFDNAME=b"' "$ATTACK" "$APP"
	wait_line '^tinyhold: stored 1 fd\(s\) as a \(1 in the store\)$'
	touch go
	wait_line '^sent$' "$TH_OUT"
	wait_line '^tinyhold: fd store full \(--fdstore-max 1\): closed 1 fd\(s\)$'
	run -1 grep -E 'not from the app|has exited' "$TH_LOG"
	kill -TERM "$(th_pid)"
	stopped_within 2
	[ "$TH_STATUS" -eq 143 ]
}

@test "the app removes a stored lingering socket with FDSTOREREMOVE=1: SIGTERM still stops all within 2 s" {
	start_tinyhold -v --fdstore-max 4 -- sh -c '"$0" linger - "FDSTORE=1\nFDNAME=x" &
		"$1" await:go "raw:FDSTOREREMOVE=1\nFDNAME=x"; exec sleep 60' "$ATTACK" "$APP"
	wait_line '^tinyhold: stored 1 fd\(s\) as x \(1 in the store\)$'
	touch go
	wait_line '^tinyhold: removed 1 fd\(s\) named x from the store$'
	kill -TERM "$(th_pid)"
	stopped_within 2
}

# ---- 3. what the app stores cannot make a later start fail ---------------------------------

@test "ulimit -n 1024 and 750 stored fds: the store stops where the next start still fits; the app restarts" {
	start_wrapped bash -c 'ulimit -n 1024 && exec "$@"' _ "$TINYHOLD" --backoff-max 0 \
		--fdstore-max 1000 -- "$APP" "[=0]fds:250:FDSTORE=1\nFDNAME=a" \
		"[=0]fds:250:FDSTORE=1\nFDNAME=b" "[=0]fds:250:FDSTORE=1\nFDNAME=c" "[=0]exit:1" env hang
	wait_line '^tinyhold: started .* \(restart 1\)$' "$TH_LOG" 20
	wait_line '^pid [0-9]+: env ' "$TH_OUT"
	run ! grep -E 'No file descriptors|cannot exec|cannot pass' "$TH_LOG"
}

@test "long FDNAMEs that would pass the kernel's 128 KiB per string: refused at store time; the app restarts" {
	local name
	name=$(printf 'n%.0s' {1..250})
	start_tinyhold --backoff-max 0 --fdstore-max 4000 -- "$APP" \
		"[=0]fds:200:FDSTORE=1\nFDNAME=${name}1" "[=0]fds:200:FDSTORE=1\nFDNAME=${name}2" \
		"[=0]fds:200:FDSTORE=1\nFDNAME=${name}3" "[=0]exit:1" env hang
	wait_line '^tinyhold: started .* \(restart 1\)$' "$TH_LOG" 20
	wait_line '^pid [0-9]+: env ' "$TH_OUT"
	grep -q 'fd store: closed [0-9]* fd(s) that would not fit into the next start' "$TH_LOG"
	run ! grep -E 'Argument list too long|cannot exec' "$TH_LOG"
}

@test "tinyhold raises its own soft fd limit to the hard one; the app gets the soft limit it was started with" {
	local th
	start_wrapped bash -c 'ulimit -Sn 512 && ulimit -Hn 4096 && exec "$@"' _ "$TINYHOLD" -- \
		sh -c 'echo "app soft=$(ulimit -Sn) hard=$(ulimit -Hn)"; exec sleep 60'
	wait_line '^app soft=' "$TH_OUT"
	th=$(th_pid)
	grep -qx 'app soft=512 hard=4096' "$TH_OUT"
	grep -qE '^Max open files +4096 +4096 ' "/proc/$th/limits"
}

@test "10,000 held sockets under ulimit -n 20000: the app starts with all of them" {
	local i args=()
	for ((i = 0; i < 10000; i++)); do args+=(-p "unix:@th-$$-$RANDOM-$i"); done
	start_wrapped bash -c 'ulimit -n 20000 && exec "$@"' _ "$TINYHOLD" -r never "${args[@]}" -- \
		"$PY" -c 'import os; print("LISTEN_FDS=" + os.environ["LISTEN_FDS"], flush=True)'
	wait_exit 30
	[ "$TH_STATUS" -eq 0 ]
	grep -qx 'LISTEN_FDS=10000' "$TH_OUT"
}

# ---- 4. the stop timeout and the watchdog reach an app that left its group -------------------

@test "an app that joins another process group is still SIGKILLed at the stop timeout" {
	start_tinyhold -t 1 -- "$PY" "$ATTACK" escape
	wait_line '^READY' "$TH_OUT"
	kill -TERM "$(th_pid)"
	wait_exit 5
	[ "$TH_STATUS" -eq 124 ]
	grep -qE "^tinyhold: pid $(app_pid) died of SIGKILL after [0-9.]+s\$" "$TH_LOG"
}

@test "a hung app that joined another process group is restarted by the watchdog" {
	start_tinyhold --watchdog 1 -t 1 -- "$PY" "$ATTACK" escape
	wait_line '^tinyhold: started .* \(restart 1\)$' "$TH_LOG" 8
}

# ---- 5. an app with fewer privileges cannot type into the terminal ---------------------------

@test "-u nobody on a terminal: TIOCSTI is refused, and Ctrl-C still stops the app (130)" {
	require_root
	local was
	# Kernels from 6.2 can refuse TIOCSTI to all but CAP_SYS_ADMIN; the attack needs it allowed.
	if was=$(sysctl -n dev.tty.legacy_tiocsti 2>/dev/null) && [ "$was" != 1 ]; then
		sysctl -qw dev.tty.legacy_tiocsti=1 2>/dev/null ||
			skip "dev.tty.legacy_tiocsti is $was and cannot be set here: no TIOCSTI to refuse"
		SAVED_TIOCSTI=$was
	fi
	run -0 timeout 20 "$PY" "$BIN/tty_run.py" "$TINYHOLD" -u nobody -- "$PY" "$ATTACK" tiocsti 'id\n'
	[[ "$output" == *"tiocsti: 1"* ]]
	[[ "$output" == *"status:130"* ]]
}

# ---- 6. PID 1 never blocks on its own log -------------------------------------------------

@test "a full log pipe nobody reads: the app keeps restarting, SIGTERM stops all within 3 s, drops are counted" {
	local fifo=log.fifo h
	mkfifo "$fifo"
	exec {h}<>"$fifo"
	"$PY" -c 'import os,fcntl,sys
fd=int(sys.argv[1]); fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
try:
    while True: os.write(fd, b"x" * 4095 + b"\n")
except BlockingIOError: pass' "$h"
	timeout -s KILL 30 "$TINYHOLD" -r always --backoff-max 0 -- sh -c 'echo x >>starts; sleep 0.1; exit 1' \
		2>"$fifo" 3>&- {h}>&- &
	TH_PID=$!
	wait_until 10 starts_at_least 5
	# Writing works again: the count of what was lost comes first.
	"$PY" -c 'import os, sys, time
fd = int(sys.argv[1]); os.set_blocking(fd, False); got = b""; end = time.time() + 10
while b"log lines dropped" not in got and time.time() < end:
    try:
        got += os.read(fd, 65536)
    except BlockingIOError:
        time.sleep(0.05)
sys.stdout.write(got.decode(errors="replace"))' "$h" >drained
	grep -qE '^tinyhold: [0-9]+ log lines dropped$' drained
	kill -TERM "$(pgrep -P "$TH_PID")"
	stopped_within 3
	exec {h}>&-
}

@test "a terminal whose output is stopped (TCOOFF): the app keeps restarting, SIGTERM stops all within 3 s" {
	run -0 timeout 30 "$PY" - "$TINYHOLD" <<'PY'
import fcntl, os, signal, sys, termios, time
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execv(sys.argv[1], [sys.argv[1], "-r", "always", "--backoff-max", "0", "--",
             "sh", "-c", "echo x >>starts; sleep 0.1; exit 1"])
def count():
    try:
        return len(open("starts").read().splitlines())
    except OSError:
        return 0
while count() < 1:
    time.sleep(0.02)
termios.tcflow(slave, termios.TCOOFF)        # the terminal stops its output (Ctrl-S)
n0 = count(); end = time.time() + 10
while count() < n0 + 5 and time.time() < end:
    time.sleep(0.05)
print("restarts while stopped:", count() - n0)
os.kill(pid, signal.SIGTERM)
t0 = time.time()
while time.time() - t0 < 3:
    if os.waitpid(pid, os.WNOHANG)[0]:
        print("stopped in %.1f s" % (time.time() - t0))
        break
    time.sleep(0.05)
else:
    print("still running after 3 s"); os.kill(pid, 9); sys.exit(1)
termios.tcflow(slave, termios.TCOON)
PY
	[[ "$output" == *"stopped in"* ]]
}

# ---- 7. smaller ones -------------------------------------------------------------------

@test "an app that shut the held socket down and set O_NONBLOCK: the next app gets it blocking and listening" {
	local port
	port=$(free_port)
	start_tinyhold --backoff-max 0 -p "127.0.0.1:$port" -- "$PY" -c '
import fcntl, os, socket, sys
s = socket.socket(fileno=3)
if os.environ["TINYHOLD_RESTARTS"] == "0":
    fcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_NONBLOCK)
    s.shutdown(socket.SHUT_RDWR)
    sys.exit(1)
print("nonblock=%d acceptconn=%d" % (bool(fcntl.fcntl(3, fcntl.F_GETFL) & os.O_NONBLOCK),
      s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)), flush=True)
c, _ = s.accept(); c.sendall(b"served\n"); c.close()
'
	wait_line '^nonblock=' "$TH_OUT"
	grep -qx 'nonblock=0 acceptconn=1' "$TH_OUT"
	run -0 timeout 5 socat -t 2 - "TCP:127.0.0.1:$port" </dev/null
	[ "$output" = served ]
}

@test "a notifier that sends READY=1 and is reaped before tinyhold reads the datagram is not heard" {
	# Anyone of the app's uid could send from a child reaped at once (issue 14):
	# a sender that is gone when its datagram is read speaks for no one.
	start_tinyhold --notify -- sh -c 'while [ ! -e go ]; do sleep 0.02; done
		"$0" READY=1; touch sent; exec sleep 60' "$BIN/sec_notify.bin"
	wait_line '^tinyhold: started .* \(restart 0\)$'
	kill -STOP "$(th_pid)"
	touch go
	wait_until 5 test -e sent	# sh reaped the notifier before it ran touch
	kill -CONT "$(th_pid)"
	wait_line '^tinyhold: dropped a notify datagram from pid [0-9]+: not from the app'
	run -1 grep 'is ready' "$TH_LOG"
}

@test "systemd-notify --ready; exec server: the real client waits (BARRIER=1) until it is heard" {
	command -v systemd-notify >/dev/null || skip "systemd-notify is not installed"
	# Pinned as above: tinyhold is stopped while the client sends, and reads later.
	start_tinyhold --notify -- sh -c 'while [ ! -e go ]; do sleep 0.02; done
		systemd-notify --ready; touch sent; exec sleep 60'
	wait_line '^tinyhold: started .* \(restart 0\)$'
	kill -STOP "$(th_pid)"
	touch go
	sleep 0.3	# the client has sent READY=1 and waits for its barrier
	[ ! -e sent ]
	kill -CONT "$(th_pid)"
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	wait_until 5 test -e sent
	run -1 grep 'dropped a notify datagram' "$TH_LOG"
}

@test "a neighbour that squats the predictable notify addresses cannot stop tinyhold from starting as PID 1" {
	require_root
	"$PY" "$ATTACK" squat 1 1001 >squat.out 3>&- &
	PIDS+=($!)
	wait_until 10 grep -q squatted squat.out
	start_pid1 --notify -r never -- sh -c 'echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"'
	wait_exit 10
	[ "$TH_STATUS" -eq 0 ]
	grep -q '^NOTIFY_SOCKET=@' "$TH_OUT"
}

@test "-u nobody gets a fresh session keyring: root's keys are out of its reach" {
	require_root
	command -v keyctl >/dev/null || skip "needs keyctl (apt-get install keyutils)"
	# A container's seccomp profile (podman's, docker's) refuses keyctl(2) outright:
	# there is no keyring to reach, and nothing to test.
	timeout 5 keyctl session - keyctl add user th_probe x @s >/dev/null 2>&1 ||
		skip "the kernel's keyrings are refused here (a container's seccomp profile)"
	# As root, the same app finds the key: what -u nobody is refused below exists.
	run -0 timeout 10 keyctl session - bash -c 'keyctl add user th_secret s3cret @s >/dev/null &&
		"$0" -q -r never -- keyctl request user th_secret' "$TINYHOLD"
	run -1 --separate-stderr timeout 10 keyctl session - bash -c \
		'keyctl add user th_secret s3cret @s >/dev/null &&
		"$0" -q -r never -u nobody -- keyctl request user th_secret' "$TINYHOLD"
	[ "$output" = "" ]
	[ "${stderr_lines[-1]}" = "request_key: Required key not available" ]
}

@test "C1 control characters in STATUS= (U+009B, a CSI) are escaped in the log" {
	start_tinyhold --notify -- "$APP" 'raw:STATUS=a\xc2\x9bb\x9bc\xe2\x82\xac' hang
	wait_line 'status: a'
	[ -z "$(LC_ALL=C grep $'\x9b' "$TH_LOG")" ]
	grep -q 'status: a?b?c€' "$TH_LOG"
}

@test "--stop-timeout past SECURITY.md's limit of 10^9 ms is a usage error (2), also with decimals" {
	run -2 --separate-stderr timeout 5 "$TINYHOLD" --stop-timeout 1000000.001 -- true
	[ "$stderr" = "$(printf "tinyhold: bad --stop-timeout '1000000.001': not a number of seconds\ntinyhold: try 'tinyhold --help'")" ]
}

@test "-u with an empty group is a usage error (2), not a setup error" {
	run -2 --separate-stderr timeout 5 "$TINYHOLD" -u nobody: -- true
	[[ "$stderr" == "tinyhold: bad -u 'nobody:': expected USER[:GROUP]"* ]]
}
