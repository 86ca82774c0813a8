#!/usr/bin/env python3
"""pl_app: the app of tests/pool.bats. What it does is set by files in its
working directory, so a test can change it between starts:
  leave     leave its process group (join its parent's) and ignore SIGTERM
  noready   do not say READY=1
  crash1    instance 1 exits 1 at once
  store N   store N memfds (FDSTORE=1), as many as tinyhold takes
Each line it says is one write()."""
import array, os, signal, socket, sys, time

def say(text):
    os.write(1, (text + "\n").encode())

inst = os.environ.get("TINYHOLD_INSTANCE", "0")
if os.path.exists("crash1") and inst == "1":
    sys.exit(1)
if os.path.exists("leave"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.setpgid(0, os.getpgid(os.getppid()))
addr = os.environ.get("NOTIFY_SOCKET", "")
if addr.startswith("@"):
    addr = "\0" + addr[1:]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.path.exists("store") and inst == "0":
    want = int(open("store").read())
    while want > 0:
        n = min(want, 100)
        fds = [os.memfd_create("s") for _ in range(n)]
        sock.sendmsg([b"FDSTORE=1\nFDNAME=s"],
                     [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))], 0, addr)
        for fd in fds:
            os.close(fd)
        want -= n
if addr and not os.path.exists("noready"):
    sock.sendto(b"READY=1", addr)
say("up instance %s pid %d pgid %d" % (inst, os.getpid(), os.getpgid(0)))
while True:
    time.sleep(1)
