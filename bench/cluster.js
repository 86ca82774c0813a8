// bench/cluster.js: Node's own `cluster` module on the same server as the instances bench:
// the primary forks WORKERS (default 2) workers running bench/instsrv.js; it owns the socket
// and, on Linux, hands each accepted connection to the workers in turn (SCHED_RR).
// On SIGTERM or SIGINT it passes SIGTERM to every worker (each writes its count) and exits
// when they have all exited.
'use strict';
const cluster = require('cluster');
const path = require('path');

const n = Number(process.env.WORKERS || 2);
cluster.setupPrimary({ exec: path.join(__dirname, 'instsrv.js') });
for (let i = 0; i < n; i++) cluster.fork();

let stopping = false;
function stop() {
	if (stopping) return;
	stopping = true;
	for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
cluster.on('exit', () => {
	if (Object.keys(cluster.workers).length === 0) process.exit(0);
});
