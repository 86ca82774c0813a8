#!/usr/bin/python3
"""st_app: the app of tests/stop.bats. It serves "hello N" (N: TINYHOLD_RESTARTS)
over HTTP on the socket of fd 3 (LISTEN_FDS), one request at a time; GET /crash
makes it exit 3 at once. It says on stdout "up PID" once it serves, and "got N"
for each signal N it gets. On SIGTERM, SIGINT, SIGQUIT or SIGUSR1, it does what
the file ./onstop says, default "exit":
  exit         exit 0 at once
  close SECS   close its listener, then go on answering nothing for SECS, then
               exit 0: an app that shuts down gracefully (new connects must be
               refused, as without tinyhold)
"""
import os
import signal
import socket
import sys
import time

restarts = os.environ.get("TINYHOLD_RESTARTS", "?")
srv = socket.socket(fileno=3)
srv.setblocking(True)


def say(text):
    os.write(1, (text + "\n").encode())


def on_signal(signo, _frame):
    say("got %d" % signo)
    what = open("onstop").read().split() if os.path.exists("onstop") else ["exit"]
    if what[0] == "close":
        srv.close()
        say("closed")
        time.sleep(float(what[1]))
    os._exit(0)


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1):
    signal.signal(s, on_signal)
say("up %d" % os.getpid())
while True:
    try:
        c, _ = srv.accept()
    except OSError:
        continue
    with c:
        req = c.recv(4096)
        if req.startswith(b"GET /crash"):
            os._exit(3)
        body = b"hello %s\n" % restarts.encode()
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
