#!/usr/bin/python3
"""sv_sigecho: appends the number of every signal it receives, one per line, to FILE.

usage: sv_sigecho.py FILE [--stop exit:CODE|ignore|default]

The first line is "ready pid=P pgid=G" once every handler is in place, so a test
waits for it before it sends anything. SIGTERM, SIGINT and SIGQUIT are the stop
signals: by default they are recorded and the program exits 0; "ignore" ignores
SIGTERM (for the stop timeout); "default" leaves them deadly (status 128+N).
"""
import os
import signal
import sys

path = sys.argv[1]
stop = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--stop" else "exit:0"
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
STOP = {signal.SIGTERM, signal.SIGINT, signal.SIGQUIT}


def record(signo, _frame):
    # One write per line on an O_APPEND fd: lines never interleave.
    os.write(fd, b"%d\n" % signo)
    if signo in STOP and stop.startswith("exit:"):
        os._exit(int(stop[5:]))


for signo in range(1, signal.NSIG):
    if signo in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
        continue
    if signo in STOP and stop == "default":
        signal.signal(signo, signal.SIG_DFL)  # python's own SIGINT handler too
        continue
    handler = signal.SIG_IGN if signo == signal.SIGTERM and stop == "ignore" else record
    try:
        signal.signal(signo, handler)
    except (OSError, ValueError):
        pass  # 32 and 33 belong to glibc's threads
os.write(fd, b"ready pid=%d pgid=%d\n" % (os.getpid(), os.getpgrp()))
while True:
    signal.pause()
