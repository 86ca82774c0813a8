#!/usr/bin/env python3
"""pl_app: the app of tests/pool.bats. What it does is set by files in its
working directory, so a test can change it between starts:
  leave     leave its process group (join its parent's) and ignore SIGTERM
  noready   do not say READY=1
  crash1    instance 1 exits 1 at once
  store N   store N memfds (FDSTORE=1), as many as tinyhold takes
  linger N  once it is up and ./go exists,
            instance 0 stores and removes 24 lingering TCP sockets, one a
            pass: the close of each removal blocks its closer until instance 0,
            which holds their peers, dies; then it stores N memfds, which with
            --fdstore-max 1 wait in its queue of fds to close
  ping      WATCHDOG=1 every 0.2 s
Each line it says is one write()."""
import array, os, signal, socket, sys, threading, time

from lingering import lingering_socket

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
def ping():
    while True:
        sock.sendto(b"WATCHDOG=1", addr)
        time.sleep(0.2)

if os.path.exists("ping"):
    threading.Thread(target=ping, daemon=True).start()
def lingering():
    c, peer = lingering_socket()
    peers.append(peer)  # held here: tinyhold's close of c waits until this process dies
    return c

def send(text, fds=()):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    sock.sendmsg([text], anc, 0, addr)

if addr and not os.path.exists("noready"):
    sock.sendto(b"READY=1", addr)
say("up instance %s pid %d pgid %d" % (inst, os.getpid(), os.getpgid(0)))
peers = []
def linger():
    while not os.path.exists("go"):
        time.sleep(0.05)
    # Each socket is stored, then removed: tinyhold holds it from the store on, so
    # our close() is never the last, and the close of its removal always is.
    for i in range(24):
        c = lingering()
        send(b"FDSTORE=1\nFDNAME=l%d" % i, [c.fileno()])
        c.close()
        send(b"FDSTOREREMOVE=1\nFDNAME=l%d" % i)
        time.sleep(0.05)  # one removal a pass of tinyhold's loop: a closer each
    # The closers are stuck: what the store has no room for waits in the queue.
    n = int(open("linger").read())
    while n > 0:
        fds = [os.memfd_create("q") for _ in range(min(n, 200))]
        send(b"FDSTORE=1\nFDNAME=q", fds)
        for fd in fds:
            os.close(fd)
        n -= len(fds)
if os.path.exists("linger") and inst == "0":
    linger()
while True:
    time.sleep(1)
