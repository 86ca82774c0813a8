// A Node.js http server that takes its socket from tinyhold (fd 3), or
// listens on port 8080 by itself when started without tinyhold.
//   tinyhold -p 8080 -- node server.js
const http = require("http");

const server = http.createServer((req, res) => {
	res.end(`hello from node, restart ${process.env.TINYHOLD_RESTARTS}\n`);
});
// README snippet begin
const fromTinyhold = process.env.LISTEN_PID === String(process.pid);
// Node calls listen() on fd 3 again, which sets its backlog: without the 4096
// (tinyhold's default, net.core.somaxconn) it would shrink to 511.
server.listen(fromTinyhold ? { fd: 3 } : { port: 8080 }, 4096);
// README snippet end
