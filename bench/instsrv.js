// bench/instsrv.js: the Node.js server of the instances bench (tinyhold -n), the same as
// bench/instsrv.c: single-threaded `http`, burning BURN_US microseconds of its own CPU time per
// request (default 1000: a CPU-bound app), replying with X-Pid and X-Instance.
//
// Its socket: fd 3 when socket-activated (LISTEN_FDS, LISTEN_PID: tinyhold), else it listens on
// 127.0.0.1:PORT itself (under pm2's cluster mode or Node's cluster module, whose primary owns
// the socket). With BENCH_TIMES=FILE it appends, on CLOCK_MONOTONIC like instsrv.c:
//     ready NS PID INSTANCE          when it listens
//     count NS PID INSTANCE N        on SIGTERM or SIGINT (pm2 stops apps with SIGINT)
// INSTANCE: TINYHOLD_INSTANCE, pm2's NODE_APP_INSTANCE, or the cluster worker's id.
'use strict';
const http = require('http');
const fs = require('fs');
const cluster = require('cluster');

const burnUs = Number(process.env.BURN_US || 1000);
const times = process.env.BENCH_TIMES;
const instance = process.env.TINYHOLD_INSTANCE ?? process.env.NODE_APP_INSTANCE ??
	(cluster.worker ? `w${cluster.worker.id}` : '-');
let answered = 0;

function stamp(what, extra) {
	if (!times) return;
	const line = `${what} ${process.hrtime.bigint()} ${process.pid} ${instance}` +
		(extra === undefined ? '' : ` ${extra}`) + '\n';
	try { fs.appendFileSync(times, line); } catch (e) { /* a lost stamp shortens the report */ }
}

// The process's own CPU time (user + system), in µs: the work, whatever the machine's load.
function cpuUs() {
	const u = process.cpuUsage();
	return u.user + u.system;
}

let sink = 1;
function burn(us) {
	const end = cpuUs() + us;
	while (cpuUs() < end)
		for (let i = 0; i < 1000; i++) sink = (sink * 1103515245 + 12345) % 2147483648;
}

const server = http.createServer((req, res) => {
	if (burnUs > 0) burn(burnUs);
	answered++;
	res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 6,
		'X-Pid': process.pid, 'X-Instance': instance });
	res.end('hello\n');
});

for (const sig of ['SIGTERM', 'SIGINT']) {
	process.on(sig, () => {
		stamp('count', answered);
		process.exit(0);
	});
}

const activated = process.env.LISTEN_FDS && Number(process.env.LISTEN_PID) === process.pid;
const where = activated ? { fd: 3 } : { host: '127.0.0.1', port: Number(process.env.PORT || 8080) };
server.listen(where, () => stamp('ready'));
