#!/usr/bin/python3
"""nt_race_app.py DIR: an app for the reload race. The first instance writes
its pid to DIR/old, sends READY=1 and waits; told by SIGUSR1, it exits 0. The
reload's new instance tells the old one to exit and then, a moment later,
sends its own READY=1, so that READY=1 and the old one's exit meet in
tinyhold. The new one writes its pid to DIR/new and waits."""
import os
import signal
import socket
import sys
import time

d = sys.argv[1]


def notify(msg):
    addr = os.environ["NOTIFY_SOCKET"]
    if addr[0] == "@":
        addr = "\0" + addr[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(msg.encode(), addr)


if not os.path.exists(d + "/old"):
    signal.signal(signal.SIGUSR1, lambda *a: os._exit(0))
    with open(d + "/old.tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(d + "/old.tmp", d + "/old")
    notify("READY=1")
else:
    os.kill(int(open(d + "/old").read()), signal.SIGUSR1)
    time.sleep(0.05)
    notify("READY=1")
    with open(d + "/new.tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(d + "/new.tmp", d + "/new")
while True:
    time.sleep(100)
