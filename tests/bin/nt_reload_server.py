#!/usr/bin/python3
"""nt_reload_server: an HTTP/1.0 server on fd 3 that cooperates with a reload.

usage: nt_reload_server.py [--delay SECS] [--no-ready-from N] [--crash-from N] [--count FILE]
                           [--linger SECS]

It starts accepting at once, but says READY=1 (systemd.daemon.notify) only after
--delay (default 0.3 s): a deliberately slow start. Each request is answered
after 10 ms with "pid P". On SIGTERM it stops accepting, finishes the requests
it has in flight and exits 0; nothing it accepted is dropped. --linger SECS: it
takes that much longer to exit, like a server that drains long requests.

Instances are numbered from 0 by appending their pid to --count FILE (default
./nt_instances): instance N and later never send READY=1 (--no-ready-from N), or
exit 3 before it (--crash-from N). Every signal it gets is said on stdout as
"pid P got SIGNAME"; other lines: "pid P instance N up", "pid P stopped cleanly
after K requests".
"""
import os
import select
import signal
import socket
import sys
import threading
import time

REPLY_DELAY_S = 0.01  # long enough that a SIGTERM finds requests in flight
POLL_S = 0.05

args = sys.argv[1:]
opts = {"--delay": "0.3", "--no-ready-from": "-1", "--crash-from": "-1", "--count": "nt_instances",
        "--linger": "0"}
while args:
    key = args.pop(0)
    if key not in opts or not args:
        sys.exit("nt_reload_server: bad argument %r" % key)
    opts[key] = args.pop(0)

pid = os.getpid()
stopping = threading.Event()
served = 0
lock = threading.Lock()


def say(text):
    sys.stdout.write("pid %d %s\n" % (pid, text))
    sys.stdout.flush()


def on_signal(signo, _frame):
    say("got %s" % signal.Signals(signo).name)
    if signo == signal.SIGTERM:
        stopping.set()


for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(sig, on_signal)

with open(opts["--count"], "a+") as f:
    f.write("%d\n" % pid)
    f.flush()
    f.seek(0)
    instance = f.read().split().index(str(pid))

if 0 <= int(opts["--crash-from"]) <= instance:
    say("instance %d crashing before READY=1" % instance)
    sys.exit(3)


def handle(conn):
    global served
    with conn:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        time.sleep(REPLY_DELAY_S)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npid %d\n" % pid)
    with lock:
        served += 1


def announce_ready():
    import systemd.daemon

    if stopping.wait(float(opts["--delay"])):
        return
    if not 0 <= int(opts["--no-ready-from"]) <= instance:
        systemd.daemon.notify("READY=1\nSTATUS=instance %d serving" % instance)


# Several instances share one listening socket: only a non-blocking accept()
# can lose the race for a connection without hanging.
ls = socket.socket(fileno=3)
ls.setblocking(False)
say("instance %d up" % instance)
threading.Thread(target=announce_ready, daemon=True).start()
workers = []
while not stopping.is_set():
    readable, _, _ = select.select([ls], [], [], POLL_S)
    if not readable or stopping.is_set():
        continue
    try:
        conn, _ = ls.accept()
    except BlockingIOError:
        continue  # the other instance took it
    conn.setblocking(True)
    t = threading.Thread(target=handle, args=(conn,))
    t.start()
    workers = [w for w in workers if w.is_alive()] + [t]
for t in workers:
    t.join()
time.sleep(float(opts["--linger"]))
say("stopped cleanly after %d requests" % served)
