#!/usr/bin/python3
"""sec_attack: what an attacker (or a hostile app) does to tinyhold, for tests/security.bats.

usage: sec_attack.py STEP [ARG...]

  linger ADDR [TEXT]   makes a TCP connection whose send queue is full and whose peer never
                       reads, sets SO_LINGER {1, 3600}, sends that socket to the notify address
                       ADDR ('@' -> NUL; '-' means $NOTIFY_SOCKET) with TEXT (default READY=1),
                       closes its own copy, so the receiver holds the last reference, says
                       "sent", and keeps the peer alive until killed
  squat PID N          binds @tinyhold/PID/0 .. @tinyhold/PID/N, says "squatted", sleeps
  escape               ignores SIGTERM and SIGABRT, forks a child that makes its own process
                       group, joins that group, says READY, sleeps until killed
  tiocsti TEXT         pushes TEXT into its stdin's terminal with TIOCSTI; says "tiocsti: ok"
                       or "tiocsti: ERRNO", then READY, then sleeps until killed
Every line goes to stdout, flushed.
"""
import array
import fcntl
import os
import signal
import socket
import struct
import sys
import termios
import time

from lingering import lingering_socket



def say(text):
    print(text, flush=True)


def addr_of(text):
    if text == "-":
        text = os.environ["NOTIFY_SOCKET"]
    return "\0" + text[1:] if text.startswith("@") else text


def linger(addr, text="READY=1"):
    c, peer = lingering_socket()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendmsg([text.encode().decode("unicode_escape").encode("latin-1")],
               [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [c.fileno()]))],
               0, addr_of(addr))
    # Said before the close: when tinyhold has already closed its copy, this close is
    # the last and lingers here, in the sender, for LINGER_S.
    say("sent")
    c.close()
    while True:
        time.sleep(3600)
    del peer


def squat(pid, n):
    keep = []
    for i in range(int(n) + 1):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.bind("\0tinyhold/%s/%d" % (pid, i))
            keep.append(s)
        except OSError:
            s.close()
    say("squatted %d" % len(keep))
    while True:
        time.sleep(3600)


def escape():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGABRT, signal.SIG_IGN)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.setpgid(0, 0)
        os.write(w, b"x")
        while True:
            time.sleep(3600)
    os.read(r, 1)
    os.setpgid(0, child)
    say("READY pgid=%d" % os.getpgid(0))
    while True:
        time.sleep(3600)


def tiocsti(text):
    try:
        for ch in text.encode().decode("unicode_escape").encode("latin-1"):
            fcntl.ioctl(0, termios.TIOCSTI, bytes([ch]))
        say("tiocsti: ok")
    except OSError as e:
        say("tiocsti: %d" % e.errno)
    say("READY")
    while True:
        time.sleep(3600)


steps = {"linger": linger, "squat": squat, "escape": escape, "tiocsti": tiocsti}
steps[sys.argv[1]](*sys.argv[2:])
