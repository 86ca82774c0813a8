#!/usr/bin/python3
"""sv_whoami: reports who it runs as, then serves that report on the socket at fd 3.

Prints to stdout (tinyhold's, so no file permission is needed): the Uid, Gid,
Groups and CapEff lines of /proc/self/status, then "setuid(0): OK" or the name
of the exception os.setuid(0) raised, then "serving". Each connection to fd 3
gets "uid=U gid=G\n".
"""
import os
import socket
import sys

with open("/proc/self/status") as f:
    for line in f:
        if line.split(":")[0] in ("Uid", "Gid", "Groups", "CapEff"):
            sys.stdout.write(line)
try:
    os.setuid(0)
    print("setuid(0): OK")
except OSError as e:
    print("setuid(0): %s" % type(e).__name__)
if os.environ.get("LISTEN_PID") != str(os.getpid()) or os.environ.get("LISTEN_FDS") != "1":
    print("no socket: LISTEN_PID=%s LISTEN_FDS=%s" % (os.environ.get("LISTEN_PID"),
                                                    os.environ.get("LISTEN_FDS")))
    sys.exit(1)
print("serving", flush=True)
server = socket.socket(fileno=3)
while True:
    conn, _ = server.accept()
    with conn:
        conn.sendall(b"uid=%d gid=%d\n" % (os.getuid(), os.getgid()))
