#!/usr/bin/env bats
# Real containers on rootful podman, set up by .ci/podman-setup.sh: the image
# of the top-level Dockerfile, the demo of examples/ and its Kubernetes
# manifest, and the test apps of tests/container/. Run by `make test-container`
# (`make test` skips them). Loopback ports only; every container has a fixed
# name (tests/container/ct.bash) and is removed in teardown and by the trap of
# tests/container/run.

load common
load container/ct

CT_STUBBORN_STOP_S=1	# tinyhold's --stop-timeout for the app that ignores SIGTERM
CT_ENGINE_STOP_S=30	# the engine's, far above it
BIG_MS=8000		# an upper bound that only the other party's timeout would reach

# ct_build IMAGE CONTEXT: podman build as users run docker build, offline.
ct_build() {
	local log="$BATS_FILE_TMPDIR/build-${1//[\/:]/_}.log"
	# --format docker: the OCI format drops HEALTHCHECK (examples/Dockerfile has one).
	podman build --pull=never --format docker -t "$1" "$2" >"$log" 2>&1 || {
		cat "$log"
		echo "cannot build $1 from $2"
		return 1
	}
}

setup_file() {
	local out rc=0

	if [ "${TINYHOLD_CONTAINER_TESTS:-}" != 1 ]; then
		export CT_SKIP="real containers: run by make test-container"
		return 0
	fi
	out=$("$REPO_DIR/.ci/podman-setup.sh" --no-install 2>&1) || rc=$?
	if [ "$rc" = 3 ] && [ "${TINYHOLD_REQUIRE_CONTAINERS:-}" != 1 ]; then
		export CT_SKIP="no container engine here: ${out##*podman-setup: }"
		return 0
	fi
	if [ "$rc" != 0 ]; then
		echo "$out"
		echo "container tests cannot run (TINYHOLD_REQUIRE_CONTAINERS=${TINYHOLD_REQUIRE_CONTAINERS:-})"
		return 1
	fi
	ct_cleanup	# leftovers of a run that was killed
	ct_build "$CT_IMAGE" "$REPO_DIR"
	ct_build "$CT_DEMO" "$REPO_DIR/examples"
	ct_build "$CT_APPS" "$TESTS_DIR/container"
}

setup() {
	[ -z "${CT_SKIP:-}" ] || skip "$CT_SKIP"
	CT=
}

teardown() {
	[ -z "${CT_SKIP:-}" ] || return 0
	# Shown by bats only when the test failed.
	if [ -n "$CT" ] && podman container exists "$CT"; then
		echo "--- podman logs $CT:"
		podman logs "$CT" 2>&1 | tail -n 40
	fi
	ct_cleanup
	no_leftovers
}

teardown_file() {
	[ -z "${CT_SKIP:-}" ] || return 0
	ct_cleanup
	podman rmi --ignore localhost/tinyhold:ct-version >/dev/null 2>&1 || true
	podman manifest rm "$CT_MULTI" >/dev/null 2>&1 || true
	podman rmi --ignore "$CT_ARM64" >/dev/null 2>&1 || true
}

# ct_run NAME ARGS...: podman run -d --name NAME ARGS; teardown shows its logs.
ct_run() {
	CT=$1
	shift
	podman run -d --name "$CT" "$@" >/dev/null
}
ct_state() { podman inspect --format "$2" "$1"; }
ct_logs() { podman logs "$1" 2>&1; }
ct_log_has() { ct_logs "$1" | grep -qE -- "$2"; }
# wait_log NAME PATTERN: until the container's log has a line matching PATTERN.
wait_log() { wait_until 10 ct_log_has "$1" "$2"; }

http() { curl -sS -m 3 "http://127.0.0.1:$1$2"; }
http_ok() { curl -sSf -m 1 -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null; }
wait_http() { wait_until 10 http_ok "$1"; }

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# ct_ids NAME ARGS: "uid gid capeff" of the container's process whose command line is ARGS,
# read from the host's /proc (a scratch image has no tools to read its own).
ct_ids() {
	local hpid
	hpid=$(podman top "$1" hpid args |
		awk -v a="$2" '{ p = $1; sub(/^ *[0-9]+ +/, ""); sub(/ +$/, "") } $0 == a { print p }')
	[ -n "$hpid" ] || return 1
	awk '$1 == "Uid:" { u = $2 } $1 == "Gid:" { g = $2 } $1 == "CapEff:" { c = $2 }
		END { print u, g, c }' "/proc/$hpid/status"
}

ct_zombies() { podman exec "$1" bash -c 'grep -l "^State:.Z" /proc/[0-9]*/status | wc -l'; }
ct_zombies_are() { [ "$(ct_zombies "$1")" = "$2" ]; }
ct_reaped_are() { [ "$(ct_logs "$1" | grep -c '^tinyhold: reaped pid')" = "$2" ]; }

@test "the image is FROM scratch: one file, /tinyhold, the ENTRYPOINT, static, with the version" {
	local version dir size

	version=$(sed -n 's/^VERSION ?= //p' "$REPO_DIR/Makefile")
	run -0 podman run --rm --name th-ct-version "$CT_IMAGE" --version
	[ "$output" = "tinyhold $version" ]
	run -0 podman image inspect --format \
		'{{len .RootFS.Layers}} {{json .Config.Entrypoint}} {{index .Labels "org.opencontainers.image.version"}}' \
		"$CT_IMAGE"
	[ "$output" = "1 [\"/tinyhold\"] $version" ]
	dir=$(podman image mount "$CT_IMAGE")
	run find "$dir" -mindepth 1
	podman image unmount "$CT_IMAGE" >/dev/null
	[ "$output" = "$dir/tinyhold" ]
	size=$(podman image inspect --format '{{.Size}}' "$CT_IMAGE")
	echo "# $CT_IMAGE: $size bytes" >&3
	[ "$size" -lt 200000 ]
}

@test "the VERSION build-arg sets --version and the OCI label" {
	podman build --pull=never --build-arg VERSION=9.8.7-ct -t localhost/tinyhold:ct-version \
		"$REPO_DIR" >"$BATS_TEST_TMPDIR/build.log" 2>&1 || { cat "$BATS_TEST_TMPDIR/build.log"; false; }
	run -0 podman run --rm --name th-ct-version localhost/tinyhold:ct-version --version
	[ "$output" = "tinyhold 9.8.7-ct" ]
	run -0 podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' \
		localhost/tinyhold:ct-version
	[ "$output" = 9.8.7-ct ]
	podman rmi localhost/tinyhold:ct-version >/dev/null
}

@test "the demo crashes on demand and serves the next request; the container keeps running, restart count 0" {
	local port before

	port=$(free_port)
	# With a restart policy, so the engine would restart (and count) a container that died.
	ct_run th-ct-demo --restart on-failure -p "127.0.0.1:$port:8080" "$CT_DEMO"
	wait_http "$port"
	run -0 http "$port" /
	[[ "$output" =~ ^hello\ from\ pid\ [0-9]+\ \(restart\ 0\)$ ]]
	before=$(ct_state th-ct-demo '{{.State.Pid}} {{.State.StartedAt}}')

	run -0 http "$port" /crash
	[ "$output" = crashing ]
	run -0 http "$port" /	# queued in the held socket's backlog, answered by the new app
	[[ "$output" =~ ^hello\ from\ pid\ [0-9]+\ \(restart\ 1\)$ ]]

	[ "$(ct_state th-ct-demo '{{.State.Running}} {{.RestartCount}}')" = "true 0" ]
	[ "$(ct_state th-ct-demo '{{.State.Pid}} {{.State.StartedAt}}')" = "$before" ]
	run ct_logs th-ct-demo
	[[ "$output" == *"demo-server: pid "*" crashing on request"* ]]
	[[ "$output" =~ tinyhold:\ pid\ [0-9]+\ died\ of\ SIGABRT ]]
	[[ "$output" == *"tinyhold: restarting now (restart 1)"* ]]
	[[ "$output" =~ tinyhold:\ started\ /demo-server\ as\ pid\ [0-9]+\ \(restart\ 1\) ]]
	[[ "$output" == *"demo-server: pid "*" serving (restart 1)"* ]]

	# podman stop: SIGTERM, forwarded; the demo dies of it and that is the status.
	podman stop th-ct-demo >/dev/null
	[ "$(ct_state th-ct-demo '{{.State.ExitCode}} {{.RestartCount}}')" = "143 0" ]
	ct_log_has th-ct-demo '^tinyhold: got SIGTERM; stopping pid [0-9]+$'
}

@test "-n 2 in a container (TINYHOLD_INSTANCES=2): one instance crashes, the other serves, the container keeps running" {
	local port i out pids=""

	port=$(free_port)
	ct_run th-ct-n2 --restart on-failure -e TINYHOLD_INSTANCES=2 -p "127.0.0.1:$port:8080" "$CT_DEMO"
	wait_http "$port"
	for i in $(seq 20); do	# both instances answer, sooner or later
		out=$(http "$port" /) || true
		pids+="${out#hello from pid } "
	done
	run -0 http "$port" /crash
	run -0 http "$port" /	# the other one, or the new one: never refused
	[[ "$output" =~ ^hello\ from\ pid\ [0-9]+ ]]
	ct_log_has th-ct-n2 '^tinyhold: 2 instances$'
	ct_log_has th-ct-n2 '^tinyhold: instance [01] \(pid [0-9]+\) died of SIGABRT'
	ct_log_has th-ct-n2 '^tinyhold: instance [01]: started /demo-server as pid [0-9]+ \(restart 1\)$'
	[ "$(ct_state th-ct-n2 '{{.State.Running}} {{.RestartCount}}')" = "true 0" ]
	podman stop th-ct-n2 >/dev/null
	ct_log_has th-ct-n2 '^tinyhold: got SIGTERM; stopping 2 instances$'
}

# Issue 15: the relay, read as the engine reads it. Without it, the same app
# gave 434 broken lines of 6,000 on stdout and 2,080 on stderr in a run here.
@test "-n 2 in a container: podman logs has every JSON line of both instances whole, stdout and stderr apart" {
	local n=3000

	ct_run th-ct-relay "$CT_APPS" -n 2 -- /apps/jsonlog "$n"
	run -0 timeout 60 podman wait th-ct-relay
	[ "$output" = 0 ]
	podman logs th-ct-relay >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	run -0 "$PY" "$BIN/lg_check.py" "$BATS_TEST_TMPDIR/out" "$n"
	[ "$output" = "lines=6000 broken=0 complete=yes" ]
	run -0 "$PY" "$BIN/lg_check.py" "$BATS_TEST_TMPDIR/err" "$n"
	[ "$output" = "lines=6000 broken=0 complete=yes" ]
	grep -qx 'tinyhold: 2 instances' "$BATS_TEST_TMPDIR/err"
	[ "$(grep -c '^tinyhold: instance [01] (pid [0-9]*) exited with status 0' "$BATS_TEST_TMPDIR/err")" = 2 ]
}

@test "-n auto in a container with --cpus 1.5: two instances, and the log says it is the cgroup quota" {
	local port

	port=$(free_port)
	ct_run th-ct-nauto --cpus 1.5 -e TINYHOLD_INSTANCES=auto -p "127.0.0.1:$port:8080" "$CT_DEMO"
	wait_http "$port"
	ct_log_has th-ct-nauto '^tinyhold: 2 instances \(cgroup quota 1\.5 CPUs\)$'
	podman stop th-ct-nauto >/dev/null
}

@test "podman kill -s HUP and USR1 reach the app; podman stop ends it gracefully with the app's status" {
	local t0 took_ms

	ct_run th-ct-signals "$CT_APPS" /apps/signals
	wait_log th-ct-signals '^app: ready'
	podman kill -s HUP th-ct-signals >/dev/null
	wait_log th-ct-signals '^app: got SIGHUP$'
	podman kill -s USR1 th-ct-signals >/dev/null
	wait_log th-ct-signals '^app: got SIGUSR1$'

	t0=$(ms_now)
	podman stop th-ct-signals >/dev/null
	took_ms=$(($(ms_now) - t0))
	[ "$took_ms" -lt "$BIG_MS" ]	# not the engine's 10 s timeout
	[ "$(ct_state th-ct-signals '{{.State.ExitCode}}')" = 42 ]
	run ct_logs th-ct-signals
	[[ "$output" == *"app: got SIGTERM, exiting 42"* ]]
	[[ "$output" =~ tinyhold:\ pid\ [0-9]+\ exited\ with\ status\ 42 ]]
	[ "$(grep -c '^app: ready' <<<"$output")" = 1 ]	# HUP and USR1 restarted nothing
}

@test "an app that ignores SIGTERM is SIGKILLed by tinyhold's --stop-timeout before the engine's SIGKILL" {
	local t0 took_ms

	ct_run th-ct-stubborn "$CT_APPS" --stop-timeout "$CT_STUBBORN_STOP_S" -- /apps/stubborn
	wait_log th-ct-stubborn '^app: ready'
	t0=$(ms_now)
	run -0 --separate-stderr podman stop --time "$CT_ENGINE_STOP_S" th-ct-stubborn
	took_ms=$(($(ms_now) - t0))
	[ "$took_ms" -ge $((CT_STUBBORN_STOP_S * 1000)) ]
	[ "$took_ms" -lt "$BIG_MS" ]
	[[ "$stderr" != *"resorting to SIGKILL"* ]]
	# 124: tinyhold's SIGKILL at its stop timeout (an engine's SIGKILL gives 137) ...
	[ "$(ct_state th-ct-stubborn '{{.State.ExitCode}}')" = 124 ]
	# ... and the log says who killed it.
	run ct_logs th-ct-stubborn
	[[ "$output" =~ tinyhold:\ pid\ [0-9]+\ did\ not\ stop\ within\ 1\.000s\;\ killing\ its\ process\ group ]]
	[[ "$output" =~ tinyhold:\ pid\ [0-9]+\ died\ of\ SIGKILL ]]
}

@test "when the engine's timeout is the shorter, the engine SIGKILLs tinyhold: 137, not 124, no tinyhold line" {
	ct_run th-ct-engine-kill "$CT_APPS" /apps/stubborn	# tinyhold's default: 10 s
	wait_log th-ct-engine-kill '^app: ready'
	# The engine's own default is 10 s, the same as tinyhold's: hence set tinyhold's lower.
	[ "$(ct_state th-ct-engine-kill '{{.Config.StopTimeout}}')" = 10 ]
	run -0 --separate-stderr podman stop --time 1 th-ct-engine-kill
	[[ "$stderr" == *"resorting to SIGKILL"* ]]
	[ "$(ct_state th-ct-engine-kill '{{.State.ExitCode}}')" = 137 ]
	run ct_logs th-ct-engine-kill
	[[ "$output" == *"tinyhold: got SIGTERM; stopping pid"* ]]
	[[ "$output" != *"killing its process group"* ]]
	[[ "$output" != *"died of"* ]]
}

@test "--user 65534: tinyhold binds 8080 without root and serves; port 80 is refused" {
	local port

	port=$(free_port)
	ct_run th-ct-user --user 65534 -p "127.0.0.1:$port:8080" "$CT_DEMO"
	wait_http "$port"
	run -0 http "$port" /
	[[ "$output" == "hello from pid "* ]]
	run -0 podman top th-ct-user user args
	[ "$(awk '$1 == "65534"' <<<"$output" | wc -l)" = 2 ]	# tinyhold and the demo

	# Below 1024 a non-root tinyhold cannot bind (podman leaves the kernel's
	# default, 1024): a setup error, not a restart loop.
	run -0 podman run --rm --name th-ct-user80 --entrypoint cat "$CT_APPS" \
		/proc/sys/net/ipv4/ip_unprivileged_port_start
	[ "$output" = 1024 ]
	run -125 podman run --rm --name th-ct-user80 --user 65534 "$CT_APPS" -p 80 -- /demo-server
	[[ "$output" == *"tinyhold: cannot bind [::]:80: Permission denied"* ]]
}

@test "as root, -u 65534 binds port 80 and runs the app unprivileged (set by TINYHOLD_LISTEN, TINYHOLD_USER)" {
	local port

	port=$(free_port)
	ct_run th-ct-port80 -p "127.0.0.1:$port:80" -e TINYHOLD_LISTEN=80 -e TINYHOLD_USER=65534 \
		"$CT_APPS" /demo-server
	wait_http "$port"
	run -0 http "$port" /
	[[ "$output" == "hello from pid "* ]]
	[ "$(ct_ids th-ct-port80 '/tinyhold /demo-server' | cut -d' ' -f1,2)" = "0 0" ]
	[ "$(ct_ids th-ct-port80 /demo-server)" = "65534 65534 0000000000000000" ]
}

@test "zombies do not accumulate: tinyhold as PID 1 reaps every orphan" {
	ct_run th-ct-zombies "$CT_APPS" -v -- /apps/orphans 200 0.2
	wait_log th-ct-zombies '^app: left 200 orphans$'
	wait_until 10 ct_reaped_are th-ct-zombies 200
	ct_zombies_are th-ct-zombies 0
	[ "$(podman exec th-ct-zombies cat /proc/1/comm)" = tinyhold ]

	# The check sees zombies where they are: the same app as PID 1 reaps none.
	ct_run th-ct-no-init --entrypoint /apps/orphans "$CT_APPS" 50 2
	wait_log th-ct-no-init '^app: left 50 orphans$'
	wait_until 10 ct_zombies_are th-ct-no-init 50
}

@test "a failing liveness probe restarts the whole container: tinyhold restarts an app that dies, not one that hangs" {
	local port before pid

	port=$(free_port)
	# The probe as a podman health check, run by hand; on failure podman restarts the container.
	ct_run th-ct-liveness -p "127.0.0.1:$port:8080" --health-cmd "/apps/probe 8080" \
		--health-interval disable --health-retries 1 --health-on-failure restart \
		"$CT_APPS" --stop-timeout 1 -p 8080 -- /demo-server
	wait_http "$port"
	podman healthcheck run th-ct-liveness
	before=$(ct_state th-ct-liveness '{{.State.StartedAt}}')

	# Hang the app: its socket still accepts (the backlog), but nothing answers.
	pid=$(podman top th-ct-liveness hpid args | awk '$2 == "/demo-server" { print $1 }')
	[ -n "$pid" ]
	kill -STOP "$pid"
	# A TCP connect still succeeds (tinyhold's socket, the kernel's backlog) ...
	podman exec th-ct-liveness bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'
	# ... but no answer comes: the HTTP probe fails, and the engine restarts the container.
	run ! podman healthcheck run th-ct-liveness
	[ "$output" = unhealthy ]
	ct_log_has th-ct-liveness 'tinyhold: got SIGTERM; stopping pid'

	wait_http "$port"
	run -0 http "$port" /
	[[ "$output" =~ \(restart\ 0\)$ ]]	# a new container: a new tinyhold
	[ "$(ct_state th-ct-liveness '{{.State.Running}}')" = true ]
	[ "$(ct_state th-ct-liveness '{{.State.StartedAt}}')" != "$before" ]
	run ct_logs th-ct-liveness
	[[ "$output" != *"restarting"* ]]	# tinyhold itself never saw a reason to
	[ "$(grep -c 'tinyhold: started /demo-server as pid [0-9]* (restart 0)' <<<"$output")" = 2 ]
}

@test "the demo image's HEALTHCHECK (/tinyhold --probe): healthy while the demo serves, unhealthy while it waits out a long back-off" {
	local port i
	port=$(free_port)
	[ "$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$CT_DEMO")" = \
		'["CMD","/tinyhold","--probe"]' ]
	ct_run th-ct-health -p "127.0.0.1:$port:8080" -e TINYHOLD_BACKOFF_MAX=60 \
		--health-interval disable "$CT_DEMO"
	wait_http "$port"
	run -0 podman healthcheck run th-ct-health
	# Crash it until a restart waits 3.2 s or more (each run is short: the back-off doubles).
	for ((i = 0; i < 10; i++)); do
		ct_log_has th-ct-health '^tinyhold: restarting in ([3-9]|[1-9][0-9])\.[0-9]{3}s' && break
		wait_http "$port"
		http "$port" /crash >/dev/null 2>&1 || true
		wait_until 10 bash -c "[ \$(podman logs th-ct-health 2>&1 | grep -c '^tinyhold: restarting') -gt $i ]"
	done
	run ! podman healthcheck run th-ct-health
	[ "$output" = unhealthy ]
	[ "$(ct_state th-ct-health '{{.State.Running}}')" = true ]
	# Back again once the back-off is over.
	wait_http "$port"
	wait_until 10 podman healthcheck run th-ct-health
}

# http_code_is PORT PATH CODE: GET PATH answers with HTTP status CODE.
http_code_is() { [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2")" = "$3" ]; }

@test "podman kube play of examples/demo-kube.yaml: serves, survives a crash without a container restart, says so on its status port, drains on its stop" {
	local port sport yaml="$BATS_TEST_TMPDIR/demo-kube.yaml" before

	port=$(free_port)
	sport=$(free_port)
	sed -e "s/hostPort: 8080$/hostPort: $port/" -e "s/hostPort: 9090$/hostPort: $sport/" \
		"$REPO_DIR/examples/demo-kube.yaml" >"$yaml"
	grep -q "hostPort: $port$" "$yaml"
	grep -q "hostPort: $sport$" "$yaml"
	run -0 podman kube play "$yaml"
	CT=$CT_POD-demo
	wait_http "$port"
	run -0 http "$port" /
	[[ "$output" =~ \(restart\ 0\)$ ]]
	before=$(ct_state "$CT" '{{.State.Pid}} {{.State.StartedAt}}')
	# The probes of the yaml, on tinyhold's status port, as the kubelet asks them.
	run -0 curl -sS -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/ready"
	[ "$output" = 200 ]
	run -0 curl -sS -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/live"
	[ "$output" = 200 ]

	run -0 http "$port" /crash
	run -0 http "$port" /
	[[ "$output" =~ \(restart\ 1\)$ ]]
	[ "$(ct_state "$CT" '{{.State.Running}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}')" = "true 0 always" ]
	[ "$(ct_state "$CT" '{{.State.Pid}} {{.State.StartedAt}}')" = "$before" ]
	[ "$(podman pod inspect --format '{{.State}}' "$CT_POD")" = Running ]
	ct_log_has "$CT" '^tinyhold: restarting now \(restart 1\)$'
	# What the orchestrator does not see, the scrape does.
	run -0 curl -sS -m 3 "http://127.0.0.1:$sport/metrics"
	grep -qx 'tinyhold_restarts_total 1' <<<"$output"
	grep -qx 'tinyhold_exits_total{cause="signal"} 1' <<<"$output"
	# TINYHOLD_USER from the pod's env: the demo runs as nobody (a scratch image, no /etc/passwd).
	[ "$(ct_ids "$CT" /demo-server)" = "65534 65534 0000000000000000" ]
	[ "$(ct_ids "$CT" '/tinyhold -p 8080 -- /demo-server' | cut -d' ' -f1,2)" = "0 0" ]
	# The probes' exec form: TINYHOLD_STATUS is in the container's environment.
	run -0 podman exec "$CT" /tinyhold --probe ready
	[ "${lines[0]}" = "HTTP/1.1 200 OK" ]

	# The kubelet's SIGTERM: with TINYHOLD_DRAIN=5, not ready at once, still serving,
	# then the stop. (podman kill, not pod stop: podman's pod stop takes the
	# published ports down at once, where a cluster's pod IP stays; and kube down
	# does not wait for the drain.)
	podman kill --signal TERM "$CT" >/dev/null
	wait_log "$CT" '^tinyhold: got SIGTERM; draining for 5\.000s: not ready, still serving'
	http_code_is "$sport" /ready 503
	http_code_is "$sport" /live 200
	run -0 http "$port" /
	[[ "$output" =~ \(restart\ 1\)$ ]]
	run ! ct_log_has "$CT" 'drain over'
	wait_until 10 ct_log_has "$CT" '^tinyhold: drain over; stopping$'
	wait_log "$CT" '^tinyhold: pid [0-9]+ died of SIGTERM after [0-9.]+s$'
	run -0 podman kube down "$yaml"
	run ! podman pod exists "$CT_POD"
	run ! podman container exists "$CT"
	run ! http_ok "$port"
}

# ---- README's recommended setups: the Dockerfiles beside each server ------------

# ct_build_example IMAGE DIR: podman build of examples/servers/DIR, its apt-get
# served from the .debs fresh-check keeps (a cache: each build still installs).
ct_build_example() {
	local cache=${TINYHOLD_APT_CACHE-/var/cache/tinyhold-fresh-check} vol=()
	if [ -n "$cache" ]; then
		mkdir -p "$cache/archives/partial"
		cp -l -n /var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null || true
		vol=(-v "$cache/archives:/var/cache/apt/archives")
	fi
	# Docker's image format, as docker build makes it: the OCI format has no HEALTHCHECK.
	podman build --pull=never --format docker "${vol[@]}" -t "$1" "$REPO_DIR/examples/servers/$2" \
		>"$BATS_TEST_TMPDIR/build.log" 2>&1 || { cat "$BATS_TEST_TMPDIR/build.log"; return 1; }
}

# ct_example NAME IMAGE DIR PORT REPLY: builds and runs it, published on a free
# port; it replies REPLY with "restart 0"; SIGKILL of an instance of the app
# (from the host: a scratch image has no kill) and the next replies still come,
# one of them from "restart 1"; the app runs as nobody, tinyhold as root. It
# keeps running: ct_example_end NAME IMAGE stops it and removes the image.
ct_example() {
	local name=$1 image=$2 dir=$3 cport=$4 reply=$5 port hpid app i out
	ct_build_example "$image" "$dir"
	port=$(free_port)
	ct_run "$name" -p "127.0.0.1:$port:$cport" "$image"
	wait_until 30 http_ok "$port"
	run -0 http "$port" /
	[ "$output" = "$reply, restart 0" ]
	hpid=$(ct_state "$name" '{{.State.Pid}}')
	[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$hpid/status")" = 0 ]
	app=$(ps -o pid= --ppid "$hpid" | awk 'NR == 1 { print $1 }')	# ps pads the pid with blanks
	[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$app/status")" = 65534 ]
	kill -KILL "$app"
	for ((i = 0; i < 50; i++)); do
		out=$(http "$port" /)	# never refused: another instance, or the held socket's queue
		[ "$out" != "$reply, restart 1" ] || break
	done
	[ "$out" = "$reply, restart 1" ]
	[ "$(ct_state "$name" '{{.State.Running}} {{.RestartCount}}')" = "true 0" ]
}
ct_example_end() {
	podman stop "$1" >/dev/null
	podman rm "$1" >/dev/null	# else the image is in use, and stays
	podman rmi --ignore "$2" >/dev/null
}

@test "README's Node.js setup, examples/servers/node/Dockerfile: -n auto, -u, a crash is not the container's" {
	ct_example th-ct-node localhost/tinyhold-ct-node node 8080 "hello from node"
	ct_log_has th-ct-node '^tinyhold: [0-9]+ instances? '
	ct_example_end th-ct-node localhost/tinyhold-ct-node
}

@test "README's Python setup, examples/servers/python/Dockerfile: uvicorn from Debian on fd 3, -n auto" {
	ct_example th-ct-python localhost/tinyhold-ct-python python 8080 "hello from python"
	ct_example_end th-ct-python localhost/tinyhold-ct-python
}

@test "README's Go setup, examples/servers/go/Dockerfile: port 80 bound as root, the app as nobody on scratch, its HEALTHCHECK is tinyhold --probe" {
	ct_example th-ct-go localhost/tinyhold-ct-go go 80 "hello from go"
	# The image's own health check, run once by hand (podman runs none by itself
	# without systemd): /tinyhold --probe asks TINYHOLD_STATUS=9090, in scratch.
	[ "$(ct_state th-ct-go '{{json .Config.Healthcheck.Test}}')" = '["CMD","/tinyhold","--probe"]' ]
	run -0 podman healthcheck run th-ct-go
	[ "$(ct_state th-ct-go '{{.State.Health.Status}}')" = healthy ]
	run -0 podman exec th-ct-go /tinyhold --probe live
	[ "${lines[0]}" = "HTTP/1.1 200 OK" ]
	ct_example_end th-ct-go localhost/tinyhold-ct-go
}

# ---- another architecture: the Dockerfile cross-compiles (issue 11) ------------

CT_ARM64=localhost/tinyhold:ct-arm64
CT_MULTI=localhost/tinyhold:ct-multi
# podman 4.3 (Debian 12) does not set BUILDPLATFORM itself (docs/building.md, Architectures).
ct_build_platform() { podman info --format '{{.Host.OS}}/{{.Host.Arch}}'; }

# ct_build_arm64: the arm64 image, built on this host's platform (no emulation).
ct_build_arm64() {
	podman build --pull=never --platform linux/arm64 --build-arg BUILDPLATFORM="$(ct_build_platform)" \
		-t "$CT_ARM64" "$REPO_DIR" >"$BATS_TEST_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/build.log"; return 1; }
}

@test "the arm64 image is cross-compiled in a $(uname -m) build stage: /tinyhold alone, aarch64, static, and runs under qemu" {
	local version dir
	version=$(sed -n 's/^VERSION ?= //p' "$REPO_DIR/Makefile")
	# The only base here is this host's platform's, and nothing is pulled: the
	# build stage can only have run natively, cross-compiling (no RUN emulated).
	run -0 podman image inspect --format '{{.Os}}/{{.Architecture}}' debian:bookworm-slim
	[ "$output" = "$(ct_build_platform)" ]
	ct_build_arm64
	run -0 podman image inspect --format '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}} {{json .Config.Entrypoint}}' "$CT_ARM64"
	[ "$output" = 'linux/arm64 1 ["/tinyhold"]' ]
	dir=$(podman image mount "$CT_ARM64")
	run find "$dir" -mindepth 1
	cp "$dir/tinyhold" "$BATS_TEST_TMPDIR/tinyhold-arm64"
	podman image unmount "$CT_ARM64" >/dev/null
	[ "$output" = "$dir/tinyhold" ]
	run -0 file -b "$BATS_TEST_TMPDIR/tinyhold-arm64"
	[[ "$output" == "ELF 64-bit LSB executable, ARM aarch64"*"statically linked"* ]]
	echo "# $CT_ARM64: /tinyhold is $(stat -c %s "$BATS_TEST_TMPDIR/tinyhold-arm64") bytes" >&3
	command -v qemu-aarch64-static >/dev/null || skip "qemu-aarch64-static is not installed (.ci/cross-setup.sh)"
	run -0 qemu-aarch64-static "$BATS_TEST_TMPDIR/tinyhold-arm64" --version
	[ "$output" = "tinyhold $version" ]
}

@test "podman run of the arm64 image prints --version under binfmt emulation" {
	local version binfmt=/proc/sys/fs/binfmt_misc
	version=$(sed -n 's/^VERSION ?= //p' "$REPO_DIR/Makefile")
	[ -e "$binfmt/register" ] ||
		skip "binfmt_misc is not mounted on $binfmt, so the kernel cannot hand an aarch64 ELF to qemu (.ci/cross-setup.sh mounts it where it may)"
	[ "$(cat "$binfmt/qemu-aarch64" 2>/dev/null | head -n 1)" = enabled ] ||
		skip "no enabled qemu-aarch64 handler in $binfmt (.ci/cross-setup.sh registers qemu-user-static's)"
	podman image exists "$CT_ARM64" || ct_build_arm64
	run -0 --separate-stderr podman run --rm --name th-ct-arm64 --platform linux/arm64 "$CT_ARM64" --version
	[ "$output" = "tinyhold $version" ]
}

@test "podman build --platform linux/amd64,linux/arm64 --manifest: one manifest list, both platforms" {
	run -0 podman build --pull=never --platform linux/amd64,linux/arm64 \
		--build-arg BUILDPLATFORM="$(ct_build_platform)" --manifest "$CT_MULTI" "$REPO_DIR"
	run -0 podman manifest inspect "$CT_MULTI"
	[ "$("$PY" -c 'import json, sys
print(" ".join(sorted(m["platform"]["os"] + "/" + m["platform"]["architecture"] for m in json.load(sys.stdin)["manifests"])))' <<<"$output")" = "linux/amd64 linux/arm64" ]
}
