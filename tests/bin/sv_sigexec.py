#!/usr/bin/python3
"""sv_sigexec: blocks and ignores signals, then execs a command, the way a careless
parent (a shell with traps, nohup, a supervisor) can start tinyhold.

usage: sv_sigexec.py COMMAND [ARG...]
Blocks HUP USR1 USR2 TERM ALRM WINCH CHLD and SIGRTMIN+3; ignores INT QUIT USR2
TSTP and CHLD (an ignored SIGCHLD makes the kernel reap children unasked), and
PIPE and XFSZ, which python itself ignores; and, through the raw syscall (libc
refuses them), ignores 32, 33 and 34, the numbers glibc and musl keep for
themselves, as some parents (GNU make among them) pass them on ignored. Then
execs COMMAND.
"""
import ctypes
import os
import signal
import sys

SYS_RT_SIGACTION = 13  # x86_64
SIG_IGN_HANDLER = 1
if os.uname().machine == "x86_64":
    libc = ctypes.CDLL(None, use_errno=True)
    # struct kernel_sigaction { handler, flags, restorer, mask }: all zero but the handler.
    act = (ctypes.c_ulong * 4)(SIG_IGN_HANDLER, 0, 0, 0)
    for s in (32, 33, 34):
        if libc.syscall(SYS_RT_SIGACTION, s, ctypes.byref(act), None, 8) != 0:
            sys.exit("sv_sigexec: rt_sigaction(%d): errno %d" % (s, ctypes.get_errno()))

signal.pthread_sigmask(signal.SIG_BLOCK, {
    signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM,
    signal.SIGALRM, signal.SIGWINCH, signal.SIGCHLD, signal.SIGRTMIN + 3,
})
for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGUSR2, signal.SIGTSTP, signal.SIGCHLD):
    signal.signal(s, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])
