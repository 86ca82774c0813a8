# Shared by the sd_notify capability files (readiness, datagrams, watchdog,
# fdstore, reload, inherit): the test apps, and how to read what they said.
# Load it after common.

# notify_setup, notify_teardown: each file's setup() and teardown() call them.
notify_setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# apps abort() on purpose, and the watchdog sends SIGABRT
	APP="$BIN/nt_app.py"
	RELOADER="$BIN/nt_reload_server.py"
}

notify_teardown() {
	[ -z "${LOAD_PID:-}" ] || kill -KILL "$LOAD_PID" 2>/dev/null || true
	cleanup_tinyhold
	no_leftovers
}

# says PATTERN [SECONDS]: waits until the app's stdout ($TH_OUT) has a line matching PATTERN.
says() { wait_line "$1" "$TH_OUT" "${2:-10}"; }

# env_line N: the N-th "env" line nt_app.py said.
env_line() { grep -E '^pid [0-9]+: env ' "$TH_OUT" | sed -n "${1}p"; }

# field KEY LINE: the value of KEY=VALUE in an env line ("" if absent).
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# nfds PID, memfds PID: how many fds a process holds, and how many of them are memfds.
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
memfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -lname '/memfd:*' | wc -l; }

# dropped PID WHY: the one rate-limited warning for the first datagram dropped.
dropped() {
	wait_line "^tinyhold: dropped a notify datagram from pid $1: $2 \(1 dropped so far\)\$"
}

# converse PORT: connects to 127.0.0.1:PORT; prints what the server says until it closes.
converse() {
	timeout 10 "$PY" - "$1" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8) as s:
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
sys.stdout.write(data.decode())
PY
}

# http PORT: the reload server's answer body ("pid P").
http() { timeout 10 curl -fsS --max-time 8 "http://127.0.0.1:$1/"; }
