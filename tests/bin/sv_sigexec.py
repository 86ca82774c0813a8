#!/usr/bin/python3
"""sv_sigexec: blocks and ignores signals, then execs a command, the way a careless
parent (a shell with traps, nohup, a supervisor) can start tinyhold.

usage: sv_sigexec.py COMMAND [ARG...]
Blocks HUP USR1 USR2 TERM ALRM WINCH CHLD and SIGRTMIN+3; ignores INT QUIT USR2
TSTP and CHLD (an ignored SIGCHLD makes the kernel reap children unasked), and
PIPE and XFSZ, which python itself ignores; then execs COMMAND.
"""
import os
import signal
import sys

signal.pthread_sigmask(signal.SIG_BLOCK, {
    signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM,
    signal.SIGALRM, signal.SIGWINCH, signal.SIGCHLD, signal.SIGRTMIN + 3,
})
for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGUSR2, signal.SIGTSTP, signal.SIGCHLD):
    signal.signal(s, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])
