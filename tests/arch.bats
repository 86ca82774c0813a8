#!/usr/bin/env bats
# The cross-built binaries (make ARCH=...): build/$TEST_ARCH/tinyhold run under
# qemu-user (qemu-NAME-static, invoked directly, not through binfmt), through
# the core: the held socket served to curl, a crash and a restart on the same
# socket, signal forwarding, exit codes, sd_notify READY=1, reaping as PID 1.
# `make test-arch` runs this file once for each architecture built.
#
# qemu-user emulates tinyhold alone: the app it execs is a host program (the
# demo server, python3, sh), which the kernel runs natively, since without a
# binfmt handler nothing routes it back to qemu. So the app side is the same
# as in the other tests, and only tinyhold's own code runs emulated.

load common

# Without TEST_ARCH (make test) every test skips, under names that say ARCH.
A=${TEST_ARCH:-ARCH}
QEMU_NAME=ARCH
[ -z "${TEST_ARCH:-}" ] ||
	read -r _ _ _ QEMU_NAME _ <<<"$(make -s --no-print-directory -C "$REPO_DIR" arch-info ARCH="$A")"
XBIN="$REPO_DIR/build/$A/tinyhold"
QEMU="qemu-$QEMU_NAME-static"
# What file(1) says of each architecture's ELF header.
declare -A MACHINE=(
	[arm64]="64-bit LSB executable, ARM aarch64"
	[armhf]="32-bit LSB executable, ARM, EABI5"
	[armel]="32-bit LSB executable, ARM, EABI5"
	[i386]="32-bit LSB executable, Intel 80386"
	[ppc64el]="64-bit LSB executable, 64-bit PowerPC"
	[s390x]="64-bit MSB executable, IBM S/390"
	[mips64el]="64-bit LSB executable, MIPS"
)
# qemu-user 7.2 (Debian 12) answers prctl(PR_SET_CHILD_SUBREAPER) with EINVAL.
NO_SUBREAPER='tinyhold: cannot become a subreaper; orphans go to the real init: Invalid argument'

# bats 1.8 cannot skip from setup_file(): it says why, and setup() skips.
setup_file() {
	if [ -z "${TEST_ARCH:-}" ]; then
		export ARCH_SKIP="cross-built binaries under qemu-user: run by make test-arch"
	elif [ ! -x "$XBIN" ]; then
		export ARCH_SKIP="$A: no build/$A/tinyhold (make ARCH=$A, after .ci/cross-setup.sh $A)"
	elif ! command -v "$QEMU" >/dev/null; then
		export ARCH_SKIP="$A: no $QEMU (.ci/cross-setup.sh installs qemu-user-static)"
	fi
}

setup() {
	[ -z "${ARCH_SKIP:-}" ] || skip "$ARCH_SKIP"
	cd "$BATS_TEST_TMPDIR" || return 1
	ulimit -c 0	# the demo server abort()s
}

teardown() {
	cleanup_tinyhold
	no_leftovers
}

# xth ARGS...: the cross-built tinyhold under qemu-user, in the foreground.
xth() { timeout 20 "$QEMU" "$XBIN" "$@"; }
# start_x ARGS...: in the background, as start_tinyhold; $(th_pid) is the qemu
# process, which is tinyhold: qemu-user emulates it in the same process.
start_x() { start_wrapped "$QEMU" "$XBIN" "$@"; }

listen_inode() { ss -Hltne "sport = :$1" | grep -o 'ino:[0-9]*'; }
get() { timeout 10 curl -fsS --max-time 8 "http://127.0.0.1:$1$2"; }

@test "$A: a static $A ELF, and --version under $QEMU" {
	local version
	run -0 file -b "$XBIN"
	[[ "$output" == "${MACHINE[$A]}"* ]]
	[[ "$output" == *"statically linked"* ]]
	version=$(sed -n 's/^VERSION ?= //p' "$REPO_DIR/Makefile")
	run -0 xth --version
	[ "$output" = "tinyhold $version" ]
	echo "# $A: build/$A/tinyhold is $(stat -c %s "$XBIN") bytes" >&3
}

@test "$A: serves the held socket to curl; a crash restarts the app on the same socket with a new pid" {
	local port pid0 ino
	port=$(free_port)
	start_x -p "127.0.0.1:$port" -- "$DEMO"
	wait_port "$port"
	run -0 get "$port" /
	[[ "$output" =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 0\)$ ]]
	pid0=${BASH_REMATCH[1]}
	ino=$(listen_inode "$port")
	[ -n "$ino" ]

	run -0 get "$port" /crash
	[ "$output" = crashing ]
	wait_line "^tinyhold: pid $pid0 died of SIGABRT after [0-9.]+s\$"
	run -0 get "$port" /
	[[ "$output" =~ ^hello\ from\ pid\ ([0-9]+)\ \(restart\ 1\)$ ]]
	[ "${BASH_REMATCH[1]}" != "$pid0" ]
	[ "$(listen_inode "$port")" = "$ino" ]	# the very same socket, held all along
}

@test "$A: HUP and USR1 are forwarded to the app; SIGTERM stops it with its status" {
	local echo_log="$BATS_TEST_TMPDIR/signals.log" th
	start_x -- "$BIN/sv_sigecho.py" "$echo_log" --stop exit:42
	wait_line '^ready' "$echo_log"
	th=$(th_pid)
	kill -HUP "$th"
	wait_line "^$(kill -l HUP)\$" "$echo_log"
	kill -USR1 "$th"
	wait_line "^$(kill -l USR1)\$" "$echo_log"
	kill -TERM "$th"
	wait_exit 10
	[ "$TH_STATUS" -eq 42 ]
	[ "$(grep -v '^ready' "$echo_log" | tr '\n' ' ')" = "$(kill -l HUP) $(kill -l USR1) $(kill -l TERM) " ]
	grep -qE '^tinyhold: got SIGTERM; stopping pid [0-9]+$' "$TH_LOG"
}

@test "$A: exit codes: the app's status, 128+N, 2 for usage, 125 for a taken port, 127 not found" {
	local port native
	run -7 --separate-stderr xth -r never -- sh -c 'exit 7'
	run -137 --separate-stderr xth -r never -- sh -c 'kill -KILL $$'
	run -2 --separate-stderr "$REPO_DIR/tinyhold" --no-such-option -- true
	native=$stderr
	[[ "$native" == "tinyhold: "* ]]
	run -2 --separate-stderr xth --no-such-option -- true
	[ "$stderr" = "$native" ]	# the very same words as the native build
	port=$(free_port)
	start_x -p "127.0.0.1:$port" -- "$DEMO"
	wait_port "$port"
	run -125 --separate-stderr xth -p "127.0.0.1:$port" -- true
	[[ "$stderr" == *"tinyhold: cannot bind 127.0.0.1:$port: Address already in use"* ]]
	run -127 --separate-stderr xth -- /nonexistent/app
	[[ "$stderr" == *"tinyhold: cannot exec /nonexistent/app: No such file or directory"* ]]
}

@test "$A: --notify: READY=1 and STATUS= from python3-systemd are logged with the app's pid" {
	"$PY" -c 'import systemd.daemon' 2>/dev/null || skip "python3-systemd is not installed"
	start_x --notify -- "$BIN/nt_app.py" 'notify:READY=1\nSTATUS=serving' hang
	wait_line '^tinyhold: pid [0-9]+ is ready$'
	grep -qx "tinyhold: pid $(app_pid) status: serving" "$TH_LOG"
	grep -qx "tinyhold: pid $(app_pid) is ready" "$TH_LOG"
}

@test "$A: as PID 1, 20 double-forked orphans are reaped: no zombie is left" {
	local done="$BATS_TEST_TMPDIR/done" th
	start_wrapped unshare --pid --fork --mount-proc --kill-child "$QEMU" "$XBIN" -v -- \
		"$BIN/sv_orphaner.py" double 20 "$done"
	wait_until 10 test -s "$done"
	th=$(th_pid)
	wait_until 10 reaped_is 20
	wait_until 5 no_zombies_of "$th"
	[ "$(children_of "$th")" -eq 1 ]
}

@test "$A: not PID 1, an orphan of the app is re-parented to tinyhold (child subreaper)" {
	local orphan="$BATS_TEST_TMPDIR/orphan" th
	start_x -- sh -c '(sleep 1000 & echo $! >"$0"); exec sleep 1000' "$orphan"
	wait_until 10 test -s "$orphan"
	if grep -qxF "$NO_SUBREAPER" "$TH_LOG"; then
		kill -KILL "$(cat "$orphan")"
		skip "$QEMU cannot emulate PR_SET_CHILD_SUBREAPER (prctl returns EINVAL); as PID 1 reaping is tested above"
	fi
	th=$(th_pid)
	wait_until 5 eval '[ "$(sed -n "s/^PPid:[[:space:]]*//p" "/proc/$(cat "$orphan")/status")" = "$th" ]'
	kill -KILL "$(cat "$orphan")"
}

# -u in the child goes straight to setgroups/setgid/setuid (init/privs.c); the
# 32-bit ABIs must take the full-width calls (setuid32...): with the old 16-bit
# ones, 100000 would come out as 34464, or be refused.
@test "$A: -u 100000:100001 (no passwd entry): the app runs with uid 100000, gid 100001 and no other group" {
	require_root
	run -0 --separate-stderr xth -r never -u 100000:100001 -- sh -c 'echo "$(id -u) $(id -g) $(id -G)"'
	[ "$output" = "100000 100001 100001" ]
}
