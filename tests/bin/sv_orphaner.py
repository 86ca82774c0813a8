#!/usr/bin/python3
"""sv_orphaner: makes orphans for tinyhold to reap.

usage: sv_orphaner.py double COUNT DONE_FILE
         COUNT grandchildren (double fork) that exit; once all of them have
         exited, writes DONE_FILE and waits for SIGTERM (then exits 0).
       sv_orphaner.py detach PIDFILE CODE
         one orphan in its own session (out of the app's process group) that
         keeps running; writes its pid to PIDFILE, then the app exits with CODE.
       sv_orphaner.py stray PIDFILE CODE
         a member of the app's process group whose parent has left the group
         (setsid) and never reaps it: once killed, it is a zombie that only its
         parent can reap. The parent's pid is appended to PIDFILE (a line per run:
         every restart leaves a parent of its own); the app exits with CODE.
"""
import os
import signal
import sys
import time


def double_fork(child):
    """Runs child() in a grandchild whose parent is already gone: an orphan."""
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            try:
                child()
            finally:
                os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)


def double(count, done_file):
    r, w = os.pipe()

    def grandchild():
        os.close(r)
        time.sleep(0.02)  # its parent has surely exited: the orphan is tinyhold's
        # exits here; its copy of w closes with it

    for _ in range(count):
        double_fork(grandchild)
    os.close(w)
    os.read(r, 1)  # EOF: every grandchild has exited
    with open(done_file, "w") as f:
        f.write("done\n")
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        signal.pause()


def detach(pidfile, code):
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(r)
        os.setsid()  # out of the app's process group: tinyhold does not kill it
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        # One write(2) in append mode: a reader sees whole lines only.
        fd = os.open(pidfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, b"%d\n" % os.getpid())
        os.close(fd)
        os.close(w)
        os.execvp("sleep", ["sleep", "1000"])
    os.close(w)
    os.read(r, 1)  # EOF: the orphan has left our session and written its pid
    os._exit(code)


def stray(pidfile, code):
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(r)
        if os.fork() == 0:
            os.close(w)
            signal.pause()  # the stray: in the app's group until tinyhold kills it
            os._exit(0)
        os.setsid()  # its parent leaves the group, and never calls wait()
        # One write(2) in append mode: a reader sees whole lines only.
        fd = os.open(pidfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, b"%d\n" % os.getpid())
        os.close(fd)
        os.close(w)
        time.sleep(60)
        os._exit(0)
    os.close(w)
    os.read(r, 1)  # EOF: the parent has left the group and written its pid
    os._exit(code)


mode = sys.argv[1]
if mode == "double":
    double(int(sys.argv[2]), sys.argv[3])
elif mode == "detach":
    detach(sys.argv[2], int(sys.argv[3]))
elif mode == "stray":
    stray(sys.argv[2], int(sys.argv[3]))
else:
    sys.exit("sv_orphaner: unknown mode %r" % mode)
