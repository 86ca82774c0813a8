#!/usr/bin/python3
"""in_app: one instance of an app run with tinyhold -n, for tests/instances.bats.

usage: in_app.py [OPTION...]

Serves HTTP/1.0 on every LISTEN_FDS socket (in threads); each answer is one line:
  "instance I pid P restarts R listen_pid L pgid G"
and says the same line on stdout once at start ("up ..."), flushed.

  --ready                  READY=1 (python3-systemd) once it serves
  --delay SECS             sleep this long before it serves (a slow start)
  --term-exit LIST         on SIGTERM exit with LIST[I] (comma-separated, by instance); default 0
  --exit-now I:CODE        instance I exits with CODE at once, on its first start only
  --crash I                instance I aborts at once, on every start
  --ping SECS              WATCHDOG=1 every SECS, except instance --silent
  --silent I               that instance never pings
  --store                  keeps "instance I" in a memfd named state in the fd store; says what
                           it got back: "got state: instance J" or "got state: none"
"""
import os
import signal
import socket
import sys
import threading
import time

I = int(os.environ.get("TINYHOLD_INSTANCE", "-1"))
R = int(os.environ.get("TINYHOLD_RESTARTS", "0"))
opts = {"--ready": False, "--delay": "0", "--term-exit": "", "--exit-now": "", "--crash": "-1",
        "--ping": "0", "--silent": "-1", "--store": False}
args = sys.argv[1:]
while args:
    k = args.pop(0)
    if k in ("--ready", "--store"):
        opts[k] = True
    elif k in opts and args:
        opts[k] = args.pop(0)
    else:
        sys.exit("in_app: bad argument %r" % k)


def say(text):
    """One line in one write(): the instances share one open stdout, and print()
    writes the text and its newline in two calls, so two instances' lines could glue."""
    os.write(1, (text + "\n").encode())


def notify(text, fds=None):
    from systemd import daemon
    daemon.notify(text, fds=fds or [])


line = "instance %d pid %d restarts %d listen_pid %s pgid %d" % (
    I, os.getpid(), R, os.environ.get("LISTEN_PID", "-"), os.getpgid(0))

if int(opts["--crash"]) == I:
    os.abort()
if opts["--exit-now"]:
    who, code = opts["--exit-now"].split(":")
    if int(who) == I and R == 0:
        sys.exit(int(code))
codes = [int(c) for c in opts["--term-exit"].split(",")] if opts["--term-exit"] else []
signal.signal(signal.SIGTERM, lambda *_: os._exit(codes[I] if I < len(codes) else 0))

if opts["--store"]:
    names = os.environ.get("LISTEN_FDNAMES", "").split(":")
    got = "none"
    for k, name in enumerate(names):
        if name == "state":
            fd = 3 + k
            os.lseek(fd, 0, 0)
            got = os.read(fd, 100).decode()
    say("instance %d got state: %s" % (I, got))
    if got == "none":
        fd = os.memfd_create("state")
        os.write(fd, ("instance %d" % I).encode())
        notify("FDSTORE=1\nFDNAME=state", fds=[fd])

time.sleep(float(opts["--delay"]))


def serve(fd):
    s = socket.socket(fileno=fd)
    while True:
        c, _ = s.accept()
        try:
            c.recv(4096)
            c.sendall(("HTTP/1.0 200 OK\r\n\r\n" + line + "\n").encode())
        except OSError:
            pass
        c.close()


n = int(os.environ.get("LISTEN_FDS", "0")) if os.environ.get("LISTEN_PID") == str(os.getpid()) else 0
names = os.environ.get("LISTEN_FDNAMES", "").split(":")
for k in range(n):
    if names[k] != "state":
        threading.Thread(target=serve, args=(3 + k,), daemon=True).start()
say("up " + line)
if opts["--ready"]:
    notify("READY=1")
ping = float(opts["--ping"])
while True:
    if ping > 0 and int(opts["--silent"]) != I:
        notify("WATCHDOG=1")
        time.sleep(ping)
    else:
        time.sleep(3600)
