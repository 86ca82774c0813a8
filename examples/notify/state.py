#!/usr/bin/python3
# An app that speaks sd_notify to tinyhold: READY=1, and a counter of its starts
# in a memfd that tinyhold keeps for it (the fd store) across crashes. It
# crashes on its first two starts and serves from the third:
#   tinyhold --fdstore-max 1 -p web=8080 -- python3 state.py
# docs/sd_notify.md shows its parts; tests/examples.bats runs it.
import os
import socket


def stored(name):
    """The fd tinyhold gave back under NAME (sd_listen_fds_with_names(3)), or None."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return None
    for i, n in enumerate(os.environ.get("LISTEN_FDNAMES", "").split(":")):
        if n == name:
            return 3 + i
    return None


# snippet begin ready
from systemd import daemon            # Debian: python3-systemd
daemon.notify("READY=1\nSTATUS=serving")
# snippet end ready

fd = stored("state")
if fd is None:
    # snippet begin fdstore
    fd = os.memfd_create("state")                              # first start
    daemon.notify("FDSTORE=1\nFDNAME=state", fds=[fd])
    # after a restart: LISTEN_FDNAMES="web:state", so fd 4 is that memfd again
    # snippet end fdstore
starts = int(os.pread(fd, 16, 0).strip() or b"0") + 1
os.pwrite(fd, b"%-16d" % starts, 0)
daemon.notify("STATUS=start %d" % starts)
if starts < 3:
    os.abort()

listener = socket.socket(fileno=3)
while True:
    conn, _ = listener.accept()
    conn.recv(4096)                 # the request: unread, it would make close() a reset
    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nstart %d\n" % starts)
    conn.close()
