#!/usr/bin/env bash
# bench/run.sh: every measurement of `make bench`, raw results into bench/results/,
# then bench/report.py writes bench/results.md and bench/crash-storm.svg.
#
# Benchmarks report; they never assert timings. The machine may be shared and noisy:
# compare figures within one table of one run, where they were measured side by side.
# Everything runs on loopback in a private network namespace (so TIME_WAIT sockets and
# ports touch nothing else), every loop is bounded in count and time, and every process
# started here is stopped here (SIGTERM, then SIGKILL).
#
# make bench builds what this needs and passes PEER_* (the Makefile's size flags).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
R=$ROOT/bench/results
B=$R/bin
TH=${BENCH_TINYHOLD:-$ROOT/tinyhold}	# BENCH_TINYHOLD: another build to measure

# ---- knobs: each number bounds the run ------------------------------------------
STORM_SECS=3		# one crash-storm run
STORM_ROUNDS=3		# interleaved rounds per setup; latencies are pooled
STORM_K=50		# the server aborts on its 50th connection: a crash every few ms
STORM_GRACE=1		# a reply owed at the end may still come this long after
WRK_SECS=1
WRK_ROUNDS=10		# direct and tinyhold alternate; the ratio is taken per adjacent pair
WRK_CONNS=32
IDLE_SECS=10
START_ROUNDS=500	# every init once per round, interleaved (bench/startcmp.c)
REAP_N=1000		# orphans per run
REAP_REPS=5
TW_K=200		# the restart-over-TIME_WAIT case: one crash on the 200th connection
TW_REPS=3
RELAY_LINES=250000	# per writer: 25 MB of 100-byte lines, 4 writers
RELAY_ROUNDS=3		# direct and relay alternate
RELAY_IDLE_SECS=5
STEP_TIMEOUT=120	# no single step may take longer than this

log() { printf 'bench: %s\n' "$*" >&2; }

# Stops a process we started: SIGTERM, then SIGKILL after 3 s; reaps it.
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Waits up to 3 s for the server's first "ready" line in a timestamp file.
wait_ready() {
	local i
	for i in $(seq 300); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}

# On-CPU milliseconds of a process so far (the scheduler's sum_exec_runtime).
oncpu_ms() {
	awk '/se.sum_exec_runtime/ { print $3 }' "/proc/$1/sched" 2>/dev/null || echo ""
}

# Minor page faults of a process so far, its own (field 10 of /proc/PID/stat,
# counted after the command's closing parenthesis).
minflt() {
	awk '{ sub(/.*\) /, ""); print $8 }' "/proc/$1/stat" 2>/dev/null || echo ""
}

# ---- 0. the machine ---------------------------------------------------------------
meta() {
	local f=$R/meta.env cpu mem
	cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "kernel=$(uname -sr)"
		echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
		echo "cpu=$cpu"
		echo "cores=$(nproc)"
		echo "mem=$mem"
		echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "tinyhold=$("$TH" --version 2>&1 | head -n1)"
		echo "git=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "cc=$(${PEER_CC:-musl-gcc} --version 2>/dev/null | head -n1)"
		echo "musl=$(dpkg-query -W -f='${Version}' "musl:$(dpkg --print-architecture)" 2>/dev/null)"
		for p in tini dumb-init catatonit supervisor wrk strace; do
			echo "pkg_$p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
		done
		echo "storm_secs=$STORM_SECS"; echo "storm_rounds=$STORM_ROUNDS"; echo "storm_k=$STORM_K"
		echo "wrk_secs=$WRK_SECS"; echo "wrk_rounds=$WRK_ROUNDS"; echo "wrk_conns=$WRK_CONNS"
		echo "idle_secs=$IDLE_SECS"; echo "start_rounds=$START_ROUNDS"
		echo "reap_n=$REAP_N"; echo "reap_reps=$REAP_REPS"; echo "tw_k=$TW_K"; echo "tw_reps=$TW_REPS"
		echo "peer_cflags=${PEER_CFLAGS:-}"; echo "peer_ldflags=${PEER_LDFLAGS:-} ${PEER_STRIP:-}"
	} >"$f"
}

# ---- 1. crash storm -----------------------------------------------------------------
STORM_PORT=10000
# storm_run NAME ROUND -- command (the token @T@ becomes the timestamp file, @P@ the port);
# with STORM_PREPARE=function, that function writes what the command reads: "$1" the base
# of the run's files, "$2" the port. STORM_DIR: the directory under bench/results (storm).
storm_run() {
	local name=$1 base=$R/${STORM_DIR:-storm}/$1-$2 pid c0 c1 args=() a
	shift 3
	STORM_PORT=$((STORM_PORT + 1))	# a fresh port: no TIME_WAIT of an earlier run on it
	: >"$base.times"
	[ -z "${STORM_PREPARE:-}" ] || "$STORM_PREPARE" "$base" "$STORM_PORT"
	for a in "$@"; do
		a=${a//@T@/$base.times}
		args+=("${a//@P@/$STORM_PORT}")
	done
	printf '%s\n' "${args[*]}" >"$base.cmd"
	"${args[@]}" >"$base.log" 2>&1 &
	pid=$!
	if ! wait_ready "$base.times"; then
		log "storm $name: the server never got ready (see $base.log)"
		stop "$pid"
		return
	fi
	c0=$(oncpu_ms "$pid")
	f0=$(minflt "$pid")
	timeout $((STORM_SECS + STORM_GRACE + 10)) "$B/stormcli" "$STORM_PORT" "$STORM_SECS" "$STORM_GRACE" \
		"$base.csv" >"$base.summary"
	c1=$(oncpu_ms "$pid")
	f1=$(minflt "$pid")
	echo "holder_cpu_ms=$(awk -v a="$c0" -v b="$c1" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a }')" \
		>>"$base.summary"
	echo "holder_faults=$(awk -v a="$f0" -v b="$f1" 'BEGIN { if (a != "" && b != "") print b - a }')" \
		>>"$base.summary"
	stop "$pid"
}

supervisord_conf() {
	# fcgi-program: supervisord creates the socket, passes it as fd 0, and closes it when
	# the process is reaped, so each start gets a new socket. startsecs=0 keeps a crash
	# from counting as a failed start (which would end in FATAL after startretries).
	cat >"$1.conf" <<-EOF
	[supervisord]
	nodaemon=true
	logfile=$1.supervisord.log
	pidfile=$1.pid
	childlogdir=$R/storm
	loglevel=warn
	user=root

	[fcgi-program:storm]
	socket=tcp://127.0.0.1:$2
	command=$B/stormsrv -0 -k $STORM_K -t $1.times
	startsecs=0
	startretries=1000000
	autorestart=true
	stopsignal=KILL
	stopwaitsecs=2
	stdout_logfile=NONE
	stderr_logfile=NONE
	EOF
}

storm() {
	local r
	mkdir -p "$R/storm"
	rm -f "$R"/storm/*
	for r in $(seq "$STORM_ROUNDS"); do
		log "crash storm, round $r of $STORM_ROUNDS"
		storm_run tinyhold "$r" -- "$TH" -p 127.0.0.1:@P@ -- "$B/stormsrv" -k "$STORM_K" -t @T@
		storm_run tinyhold-b0 "$r" -- "$TH" --backoff-max 0 -p 127.0.0.1:@P@ -- \
			"$B/stormsrv" -k "$STORM_K" -t @T@
		storm_run floor "$r" -- "$B/restartloop" 60 --hold @P@ -- "$B/stormsrv" -k "$STORM_K" -t @T@
		storm_run naive "$r" -- "$B/restartloop" 60 -- "$B/stormsrv" -k "$STORM_K" -P @P@ -t @T@
		if command -v supervisord >/dev/null; then
			STORM_PREPARE=supervisord_conf storm_run supervisord "$r" -- \
				supervisord -c "$R/storm/supervisord-$r.conf"
		fi
	done
	command -v supervisord >/dev/null || echo "supervisord is not installed" >"$R/storm/supervisord.skipped"
}

# ---- 2. throughput --------------------------------------------------------------------
throughput() {
	local r port=11000 pid srv how c0 c1
	mkdir -p "$R/wrk"
	rm -f "$R"/wrk/*
	if ! command -v wrk >/dev/null; then
		echo "wrk is not installed" >"$R/wrk/skipped"
		return
	fi
	log "throughput: $WRK_ROUNDS rounds of ${WRK_SECS}s, direct and under tinyhold"
	for r in $(seq "$WRK_ROUNDS"); do
		for how in direct tinyhold; do
			port=$((port + 1))
			: >"$R/wrk/$how-$r.times"
			if [ "$how" = direct ]; then
				"$B/stormsrv" -P "$port" -t "$R/wrk/$how-$r.times" &
			else
				"$TH" -q -p "127.0.0.1:$port" -- "$B/stormsrv" -t "$R/wrk/$how-$r.times" &
			fi
			pid=$!
			if wait_ready "$R/wrk/$how-$r.times"; then
				# The server's own CPU time per request: the work, whatever the load.
				srv=$(awk '$1 == "ready" { print $3; exit }' "$R/wrk/$how-$r.times")
				c0=$(oncpu_ms "$srv")
				timeout $((WRK_SECS + 10)) wrk -t1 -c"$WRK_CONNS" -d"${WRK_SECS}s" --latency \
					"http://127.0.0.1:$port/" >"$R/wrk/$how-$r.txt" 2>&1
				c1=$(oncpu_ms "$srv")
				echo "server_cpu_ms=$(awk -v a="$c0" -v b="$c1" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a }')" \
					>>"$R/wrk/$how-$r.txt"
			fi
			stop "$pid"
		done
	done
}

# ---- the inits compared in 3, 4 and 6 -------------------------------------------------
# label|binary; those not installed or not built are left out (and said so).
inits() {
	local p
	echo "tinyhold|$TH"
	for p in tini dumb-init catatonit; do
		if [ -x "/usr/bin/$p" ]; then echo "$p (Debian)|/usr/bin/$p"; fi
	done
	for p in tini dumb-init catatonit; do
		if [ -x "$R/peers/bin/$p" ]; then echo "$p (musl static)|$R/peers/bin/$p"; fi
	done
}

skipped_inits() {
	local p
	for p in tini dumb-init catatonit; do
		[ -x "/usr/bin/$p" ] || echo "$p (Debian): not installed"
	done
}

# ---- 3. idle cost -----------------------------------------------------------------------
status_field() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status" 2>/dev/null
}

# idle [SOURCE OUT.tsv]: the inits of SOURCE (a function printing label|binary|options;
# default: inits, into idle.tsv), all at once, each with a sleeping app.
idle() {
	local src=${1:-inits} f=${2:-$R/idle.tsv} label bin opts upid ipid i n=0 pids=() labels=()
	log "idle cost: every init as PID 1 with a sleeping app, ${IDLE_SECS}s ($src)"
	printf 'init\tvol0\tnonvol0\tvol1\tnonvol1\tvmhwm_kb\tvmrss_kb\trssfile_kb\trssanon_kb\n' >"$f"
	while IFS='|' read -r label bin opts; do
		n=$((n + 1))
		if [ "$bin" = "$TH" ]; then
			# tinyhold as it is used: holding a socket. $opts: a few words, split on purpose.
			# shellcheck disable=SC2086
			unshare --pid --fork --mount-proc "$bin" $opts -p "127.0.0.1:$((12000 + n))" -- \
				/bin/sleep $((IDLE_SECS + 30)) >/dev/null 2>&1 &
		else
			unshare --pid --fork --mount-proc "$bin" -- /bin/sleep $((IDLE_SECS + 30)) >/dev/null 2>&1 &
		fi
		pids+=("$!")
		labels+=("$label")
	done < <("$src")
	# The init is unshare's child; wait until it has started its own child (the app).
	declare -A init_of
	for upid in "${pids[@]}"; do
		for i in $(seq 100); do
			ipid=$(pgrep -P "$upid" | head -n1)
			[ -n "$ipid" ] && [ -n "$(pgrep -P "$ipid")" ] && break
			sleep 0.02
		done
		init_of[$upid]=$ipid
	done
	sleep 1	# let every init settle into its wait
	declare -A v0 nv0
	for upid in "${pids[@]}"; do
		ipid=${init_of[$upid]}
		v0[$upid]=$(status_field voluntary_ctxt_switches "$ipid")
		nv0[$upid]=$(status_field nonvoluntary_ctxt_switches "$ipid")
	done
	sleep "$IDLE_SECS"
	for i in "${!pids[@]}"; do
		upid=${pids[$i]}
		ipid=${init_of[$upid]}
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${labels[$i]}" "${v0[$upid]}" "${nv0[$upid]}" \
			"$(status_field voluntary_ctxt_switches "$ipid")" \
			"$(status_field nonvoluntary_ctxt_switches "$ipid")" \
			"$(status_field VmHWM "$ipid")" "$(status_field VmRSS "$ipid")" \
			"$(status_field RssFile "$ipid")" "$(status_field RssAnon "$ipid")" >>"$f"
	done
	for upid in "${pids[@]}"; do
		# SIGKILL to a namespace's PID 1 ends everything in it.
		[ -n "${init_of[$upid]}" ] && kill -KILL "${init_of[$upid]}" 2>/dev/null
		stop "$upid"
	done
	[ "$src" != inits ] || skipped_inits >"$R/inits.skipped"
}

# ---- 4. start overhead ------------------------------------------------------------------
start_overhead() {
	local label bin cmds=() n
	log "start overhead: INIT -- /bin/true, $START_ROUNDS interleaved rounds"
	cmds=(:: /bin/true /bin/true)
	while IFS='|' read -r label bin; do
		cmds+=(:: "$label" "$bin" -- /bin/true)
	done < <(inits)
	timeout "$STEP_TIMEOUT" "$B/startcmp" "$START_ROUNDS" "${cmds[@]}" >"$R/start.tsv" 2>"$R/start.log" ||
		log "startcmp failed (see $R/start.log)"
	# The work behind the time: syscalls of INIT -- /bin/true minus those of /bin/true alone.
	rm -f "$R/start.syscalls"
	command -v strace >/dev/null || return 0
	syscalls() {
		strace -f -qq -c -o "$R/strace.tmp" "$@" >/dev/null 2>&1
		awk '$NF == "total" { print $4 + 0 }' "$R/strace.tmp"
	}
	n=$(syscalls /bin/true)
	while IFS='|' read -r label bin; do
		printf '%s\t%s\n' "$label" $(($(syscalls "$bin" -- /bin/true) - n)) >>"$R/start.syscalls"
	done < <(inits)
	rm -f "$R/strace.tmp"
}

# ---- 5. size ----------------------------------------------------------------------------
sizes() {
	log "size: the peers built like tinyhold"
	bench/peers.sh build
	printf '%s\n' "$(stat -c %s "$TH")" >"$R/tinyhold.bytes"
	# Where the bytes go: symbols of the unstripped links, and which are the program's own.
	local name
	nm -S --size-sort -t d "$R/tinyhold.unstripped" >"$R/tinyhold.nm" 2>/dev/null
	nm --defined-only "$ROOT"/build/*.o 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$R/tinyhold.own"
	for name in tini dumb-init catatonit; do
		[ -f "$R/peers/bin/$name.unstripped" ] || continue
		nm -S --size-sort -t d "$R/peers/bin/$name.unstripped" >"$R/peers/$name.nm" 2>/dev/null
		nm --defined-only "$R/peers/build/$name.o" 2>/dev/null | awk 'NF == 3 { print $3 }' |
			sort -u >"$R/peers/$name.own"
	done
}

# ---- 6. reaping -------------------------------------------------------------------------
reap() {
	local label bin rep out f=$R/reap.tsv
	log "reaping: $REAP_N orphans, each init as PID 1, $REAP_REPS runs"
	printf 'init\trep\tus\n' >"$f"
	while IFS='|' read -r label bin; do
		for rep in $(seq "$REAP_REPS"); do
			out=$(timeout 30 unshare --pid --fork --mount-proc "$bin" -- "$B/orphans" "$REAP_N" 2>/dev/null |
				tail -n1)
			printf '%s\t%s\t%s\n' "$label" "$rep" "$(echo "$out" | awk '{ print $2 }')" >>"$f"
		done
	done < <(inits)
}

# ---- 7. the original bug: TIME_WAIT and bind() --------------------------------------------
# One case of the restart over TIME_WAIT, alone in its own network namespace.
tw_case() {
	local name=$1 port=9600 base=$R/tw/$1-$2 pid cmd=()
	ip link set lo up
	rm -f "$base".*
	: >"$base.times"
	case $name in
	naive-noreuse) cmd=("$B/restartloop" 10 -- "$B/stormsrv" -R -k "$TW_K" -1 "$base.flag" -P "$port" -t "$base.times") ;;
	naive-reuse) cmd=("$B/restartloop" 10 -- "$B/stormsrv" -k "$TW_K" -1 "$base.flag" -P "$port" -t "$base.times") ;;
	tinyhold) cmd=("$TH" -p "127.0.0.1:$port" -- "$B/stormsrv" -R -k "$TW_K" -1 "$base.flag" -t "$base.times") ;;
	esac
	"${cmd[@]}" >"$base.log" 2>&1 &
	pid=$!
	if wait_ready "$base.times"; then
		timeout 20 "$B/stormcli" $port 2 0.5 "$base.csv" >"$base.summary"
		echo "time_wait_at_end=$(ss -tanH state time-wait "( sport = :$port )" | wc -l)" >>"$base.summary"
	fi
	stop "$pid"
}

timewait() {
	local name rep
	mkdir -p "$R/tw"
	log "TIME_WAIT: the bind() table and bind() time as TIME_WAITs pile up"
	timeout "$STEP_TIMEOUT" unshare --net sh -c "ip link set lo up && '$B/twbind' table 9000" >"$R/tw/table.txt" 2>&1
	timeout "$STEP_TIMEOUT" unshare --net sh -c "ip link set lo up && '$B/twbind' pile 9100" >"$R/tw/pile.txt" 2>&1
	rm -f "$R"/tw/*-[0-9].*
	for rep in $(seq "$TW_REPS"); do
		for name in naive-noreuse naive-reuse tinyhold; do
			log "TIME_WAIT: restart after $TW_K connections, $name, run $rep of $TW_REPS"
			timeout 60 unshare --net "$0" tw-case "$name" "$rep"
		done
	done
}

# ---- 8. instances: tinyhold -n (issue 10) --------------------------------------------------
# Side by side in one run: the serving gap when one instance is killed, scaling of a CPU-bound
# single-threaded server against pm2's cluster mode and Node's cluster module, idle wake-ups
# with -n 4, and crash -> accepting again for -n 1 against the bare holder. Until tinyhold has
# -n, the -n 1 rows run tinyhold without it (the same thing) and the -n 2 and -n 4 rows are
# written down as not available. Raw results in bench/results/inst/.
GAP_SECS=4		# one gap run: the client loops this long ...
GAP_KILL_AT=1.5		# ... and SIGKILLs the serving instance at this second
GAP_ROUNDS=3		# interleaved: -n 1, -n 2, -n 1, ...
GAP_SLEEP_MS=1000	# the app sleeps this long before it accepts: slow to start
SCALE_SECS=3		# one wrk run
SCALE_ROUNDS=3		# every setup once per round, interleaved
SCALE_CONNS=16		# wrk -t1 -cN: modest, on the same 2 cores as the servers
BURN_US=1000		# the CPU-bound server's own CPU time per request
INST_IDLE_N=4
PM2_RUNTIME=$R/npm/node_modules/.bin/pm2-runtime	# bench/setup.sh installs it (npm)
INST_PORT=13000

# Whether this tinyhold has -n: today's says "unknown option '-n'" and exits 2.
has_instances() {
	local err rc
	err=$(timeout 5 "$TH" -n 2 -- true 2>&1 >/dev/null)
	rc=$?
	! { [ "$rc" = 2 ] && [[ $err == *"unknown option"* ]]; }
}

# The options that give N instances, or nothing; 1 when this build cannot do it.
n_opts() {
	if [ "$INST_HAVE_N" = 1 ]; then
		printf '%s\n' "-n" "$1"
	elif [ "$1" != 1 ]; then
		return 1
	fi
}

# Waits up to $3 s for $2 lines starting with "ready" in the file $1.
wait_lines() {
	local i
	for i in $(seq $(($3 * 100))); do
		[ "$(grep -c '^ready' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

# Every descendant of a process (children first, then theirs).
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# Stops a setup and whatever it left behind (pm2 forks daemons' children of its own).
stop_tree() {
	local pid=$1 left
	left=$(descendants "$pid")
	stop "$pid"
	for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
}

NA="not available in this build"

# One serving-gap run: N instances of the slow-starting app; the client kills the serving one.
inst_gap_run() {
	local n=$1 r=$2 base=$R/inst/gap-n$1-$2 pid opts pids
	if ! opts=$(n_opts "$n"); then
		echo "$NA" >"$base.skipped"
		return
	fi
	INST_PORT=$((INST_PORT + 1))
	: >"$base.times"
	# shellcheck disable=SC2086
	set -- "$TH" $opts -p "127.0.0.1:$INST_PORT" -- "$B/instsrv" -s "$GAP_SLEEP_MS" -t "$base.times"
	printf '%s\n' "$*" >"$base.cmd"
	"$@" >"$base.log" 2>&1 &
	pid=$!
	if ! wait_lines "$base.times" "$n" 10; then
		log "gap -n $n: the instances never got ready (see $base.log)"
		stop_tree "$pid"
		return
	fi
	pids=$(pgrep -P "$pid" | paste -sd, -)
	timeout $((GAP_SECS + 20)) "$B/gapcli" "$INST_PORT" "$GAP_SECS" 1 "$GAP_KILL_AT" "$pids" \
		"$base.tsv" >"$base.summary"
	echo "instances=$pids" >>"$base.summary"
	stop_tree "$pid"
}

# One scaling run: SETUP ROUND INSTANCES -- command. The servers write ready/count lines.
inst_scale_run() {
	local name=$1 r=$2 n=$3 base=$R/inst/scale-$1-$2 pid
	shift 4
	INST_PORT=$((INST_PORT + 1))
	: >"$base.times"
	printf '%s\n' "$*" >"$base.cmd"
	BENCH_TIMES=$base.times PORT=$INST_PORT BURN_US=$BURN_US PM2_HOME=$R/inst/pm2home \
		"${@//@P@/$INST_PORT}" >"$base.log" 2>&1 &
	pid=$!
	if ! wait_lines "$base.times" "$n" 20; then
		log "scaling $name: the server never got ready (see $base.log)"
		stop_tree "$pid"
		return
	fi
	timeout $((SCALE_SECS + 10)) wrk -t1 -c"$SCALE_CONNS" -d"${SCALE_SECS}s" --latency \
		"http://127.0.0.1:$INST_PORT/" >"$base.txt" 2>&1
	stop_tree "$pid"
}

# The inits of the idle measurement here: tinyhold with one instance and with INST_IDLE_N.
inst_inits() {
	if [ "$INST_HAVE_N" = 1 ]; then
		echo "tinyhold -n 1|$TH|-n 1"
		echo "tinyhold -n $INST_IDLE_N|$TH|-n $INST_IDLE_N"
	else
		echo "tinyhold (-n 1: no -n)|$TH|"
	fi
}

instances() {
	local r n opts1 opts2 t0=$SECONDS node=
	mkdir -p "$R/inst"
	rm -rf "$R"/inst/*
	INST_HAVE_N=0
	has_instances && INST_HAVE_N=1
	command -v node >/dev/null && node=$(command -v node)
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "git=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "tinyhold=$("$TH" --version 2>&1 | head -n1)"
		echo "have_n=$INST_HAVE_N"
		echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "cores=$(nproc)"
		echo "node=$([ -n "$node" ] && "$node" --version)"
		echo "pm2=$([ -x "$PM2_RUNTIME" ] && "$PM2_RUNTIME" --version 2>/dev/null | tail -n1)"
		echo "wrk=$(dpkg-query -W -f='${Version}' wrk 2>/dev/null)"
		echo "gap_secs=$GAP_SECS"; echo "gap_kill_at=$GAP_KILL_AT"; echo "gap_rounds=$GAP_ROUNDS"
		echo "gap_sleep_ms=$GAP_SLEEP_MS"; echo "scale_secs=$SCALE_SECS"
		echo "scale_rounds=$SCALE_ROUNDS"; echo "scale_conns=$SCALE_CONNS"; echo "burn_us=$BURN_US"
		echo "idle_secs=$IDLE_SECS"; echo "idle_n=$INST_IDLE_N"
		echo "storm_secs=$STORM_SECS"; echo "storm_rounds=$STORM_ROUNDS"; echo "storm_k=$STORM_K"
	} >"$R/inst/meta.env"
	[ "$INST_HAVE_N" = 1 ] || log "instances: this tinyhold has no -n; the -n 2 and -n $INST_IDLE_N rows: $NA"

	for r in $(seq "$GAP_ROUNDS"); do
		for n in 1 2; do
			log "instances: serving gap, -n $n, round $r of $GAP_ROUNDS"
			inst_gap_run "$n" "$r"
		done
	done

	opts1=$(n_opts 1)
	if command -v wrk >/dev/null; then
		opts2=$(n_opts 2) || opts2=
		for r in $(seq "$SCALE_ROUNDS"); do
			log "instances: scaling, round $r of $SCALE_ROUNDS"
			# shellcheck disable=SC2086
			inst_scale_run c-n1 "$r" 1 -- "$TH" -q $opts1 -p 127.0.0.1:@P@ -- \
				"$B/instsrv" -w "$BURN_US" -t "$R/inst/scale-c-n1-$r.times"
			if [ -n "$opts2" ]; then
				# shellcheck disable=SC2086
				inst_scale_run c-n2 "$r" 2 -- "$TH" -q $opts2 -p 127.0.0.1:@P@ -- \
					"$B/instsrv" -w "$BURN_US" -t "$R/inst/scale-c-n2-$r.times"
				# The same, accepting one connection per wake-up: the other instance
				# gets the next one even when connections come in a burst.
				# shellcheck disable=SC2086
				inst_scale_run c-n2-a1 "$r" 2 -- "$TH" -q $opts2 -p 127.0.0.1:@P@ -- \
					"$B/instsrv" -a 1 -w "$BURN_US" -t "$R/inst/scale-c-n2-a1-$r.times"
			fi
			[ -n "$node" ] || continue
			# shellcheck disable=SC2086
			inst_scale_run node-n1 "$r" 1 -- "$TH" -q $opts1 -p 127.0.0.1:@P@ -- \
				"$node" bench/instsrv.js
			if [ -n "$opts2" ]; then
				# shellcheck disable=SC2086
				inst_scale_run node-n2 "$r" 2 -- "$TH" -q $opts2 -p 127.0.0.1:@P@ -- \
					"$node" bench/instsrv.js
			fi
			inst_scale_run node-cluster "$r" 2 -- "$node" bench/cluster.js
			if [ -x "$PM2_RUNTIME" ]; then
				inst_scale_run node-pm2 "$r" 2 -- "$PM2_RUNTIME" -i 2 bench/instsrv.js
			fi
		done
		[ -n "$opts2" ] || echo "$NA" >"$R/inst/scale-n2.skipped"
		[ -n "$node" ] || echo "node is not installed" >"$R/inst/scale-node.skipped"
		[ -x "$PM2_RUNTIME" ] || echo "pm2 is not installed (bench/setup.sh)" >"$R/inst/scale-pm2.skipped"
	else
		echo "wrk is not installed" >"$R/inst/scale.skipped"
	fi

	idle inst_inits "$R/inst/idle.tsv"
	[ "$INST_HAVE_N" = 1 ] || echo "$NA" >"$R/inst/idle-n.skipped"

	# Crash -> accepting again: the crash storm's tinyhold --backoff-max 0 with -n 1 against
	# the bare holder, interleaved, each on a fresh port.
	mkdir -p "$R/inst/storm"
	for r in $(seq "$STORM_ROUNDS"); do
		log "instances: crash storm, -n 1 and the bare holder, round $r of $STORM_ROUNDS"
		# shellcheck disable=SC2086
		STORM_DIR=inst/storm storm_run tinyhold-n1 "$r" -- "$TH" $opts1 --backoff-max 0 \
			-p 127.0.0.1:@P@ -- "$B/stormsrv" -k "$STORM_K" -t @T@
		STORM_DIR=inst/storm storm_run floor "$r" -- "$B/restartloop" 60 --hold @P@ -- \
			"$B/stormsrv" -k "$STORM_K" -t @T@
	done
	echo "secs=$((SECONDS - t0))" >>"$R/inst/meta.env"
}

# ---- 9. the output relay of -n (issue 15) ---------------------------------------------------
# 4 logwriters as fast as they can into one pipe that cat reads: straight (as with -n 1:
# the writers share the pipe) against through tinyhold -n 4's relay, alternating, with
# 8 KiB writes (stdio's full buffering) and one line per write(). tinyhold's CPU is the
# tree's (wait4) less the writers' own. Then the idle wake-ups with the relay on, and the
# broken lines of 4 JSON loggers (RELAY_BEFORE=path: another build beside this one, e.g.
# the one before the relay). Raw rows in bench/results/relay/relay.tsv, table in
# bench/results/relay.md.
relay() {
	local r block f="$R/relay/relay.tsv" th
	mkdir -p "$R/relay"
	: >"$f"
	for block in 8192 0; do
		for r in $(seq "$RELAY_ROUNDS"); do
			log "relay: $block-byte writes, round $r of $RELAY_ROUNDS"
			timeout "$STEP_TIMEOUT" python3 bench/relaybench.py direct "$TH" "$B/logwriter" 4 \
				"$RELAY_LINES" "$block" >>"$f"
			timeout "$STEP_TIMEOUT" python3 bench/relaybench.py relay "$TH" "$B/logwriter" 4 \
				"$RELAY_LINES" "$block" >>"$f"
		done
	done
	log "relay: idle wake-ups, ${RELAY_IDLE_SECS}s"
	python3 bench/relaybench.py idle "$TH" 4 "$RELAY_IDLE_SECS" >>"$f"
	for th in ${RELAY_BEFORE:-} "$TH"; do
		python3 bench/relaybench.py json "$th" 4 5000 tests/bin/lg_check.py >>"$f"
	done
	python3 bench/relaybench.py report "$f" "$R/relay.md" >/dev/null
}

# ---- 10. status: --status (issue 16) -----------------------------------------------------------
STATUS_N=1000		# requests per path, one after the other
STATUS_IDLE_SECS=5

# The CPU tinyhold spends per answer: its sum_exec_runtime over STATUS_N
# requests of one path, less the same span with no request (none: it sleeps).
status_cost() {
	local port=19090 pid path before after sw0 sw1
	mkdir -p "$R/status"
	"$TH" --status "127.0.0.1:$port" -p web=127.0.0.1:19091 -- sleep 1000 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/ready" && break; sleep 0.02; done
	{
		echo "| request | tinyhold CPU per request (µs) | requests |"
		echo "|---|---|---|"
		for path in /metrics /ready; do
			before=$(oncpu_ms "$pid")
			python3 - "$port" "$path" "$STATUS_N" <<'PY'
import socket, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    while s.recv(65536):
        pass
    s.close()
PY
			after=$(oncpu_ms "$pid")
			echo "| GET $path | $(awk -v a="$after" -v b="$before" -v n="$STATUS_N" 'BEGIN { printf "%.1f", (a - b) * 1000 / n }') | $STATUS_N |"
		done
		sw0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status")
		sleep "$STATUS_IDLE_SECS"
		sw1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status")
		echo
		echo "Idle with --status: $((sw1 - sw0)) wake-ups in ${STATUS_IDLE_SECS} s."
	} | tee "$R/status/status.md"
	stop "$pid"
	# A stop under load, with and without --drain, behind clients that stop
	# sending once /ready turns 503 (a stand-in for the endpoints' removal).
	{
		echo
		echo "A stop under load: 4 clients, SIGTERM after 1 s (bench/drainbench.py):"
		echo
		python3 bench/drainbench.py "$TH" 1
	} | tee -a "$R/status/status.md"
}

main() {
	local t0=$SECONDS
	mkdir -p "$R"
	ip link set lo up
	meta
	sizes
	storm
	throughput
	idle
	start_overhead
	reap
	timewait
	instances
	relay
	echo "bench_secs=$((SECONDS - t0))" >>"$R/meta.env"
	python3 bench/report.py
	log "done in $((SECONDS - t0))s: bench/results.md, bench/crash-storm.svg"
}

case ${1:-} in
tw-case) tw_case "$2" "$3" ;;
relay)
	# Only the relay part (make bench-relay): no namespaces needed, no root.
	mkdir -p "$R"
	relay
	cat "$R/relay.md" ;;
"" | instances | status)
	if [ "$(id -u)" != 0 ]; then
		echo "bench: needs root (network and pid namespaces)" >&2
		exit 1
	fi
	# Everything on loopback, in a network namespace of our own.
	if [ -z "${BENCH_NETNS:-}" ]; then
		exec unshare --net env BENCH_NETNS=1 "$0" "$@"
	fi
	if [ "${1:-}" = status ]; then
		ip link set lo up
		status_cost	# bench/results/status/status.md
	elif [ "${1:-}" = instances ]; then
		# The instances part alone: its own report, bench/results/instances.md.
		t0=$SECONDS
		mkdir -p "$R"
		ip link set lo up
		instances
		python3 bench/report.py instances
		log "done in $((SECONDS - t0))s: bench/results/instances.md"
	else
		main
	fi ;;
*) echo "usage: bench/run.sh [instances|relay|status]" >&2; exit 2 ;;
esac
