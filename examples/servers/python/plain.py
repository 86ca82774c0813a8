# A server with nothing but the standard library that takes its socket from
# tinyhold (fd 3), or listens on port 8080 by itself when started without it.
#   tinyhold -p 8080 -- python3 plain.py
import http.server

# README snippet begin
import os, socket
if os.environ.get("LISTEN_PID") == str(os.getpid()):
    sock = socket.socket(fileno=3)          # family and type are read from the fd
else:
    sock = socket.create_server(("", 8080), family=socket.AF_INET6, dualstack_ipv6=True)
# or: from systemd.daemon import listen_fds; fds = listen_fds()   (python3-systemd)
# README snippet end


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from python, restart %s\n" % os.environ.get("TINYHOLD_RESTARTS", "-")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(sock.getsockname()[:2], Hello, bind_and_activate=False)
server.socket.close()
server.socket = sock
server.serve_forever()
