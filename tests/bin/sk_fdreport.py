#!/usr/bin/python3
# sk_fdreport: a socket-activated app that describes what it was given.
#
#   sk_fdreport.py [--out FILE] [--crash-until N] [--stay]
#
# Writes "key=value" lines: its pid, LISTEN_*, TINYHOLD_RESTARTS, cwd, the fds
# it holds (from /proc/self/fd), and for every socket fd its family, type,
# local address and options. With --out the report is appended to FILE (one
# block per start, ended by "end"), else it goes to stdout. --crash-until N:
# abort() while TINYHOLD_RESTARTS < N. --stay: sleep until killed instead of
# exiting 0.
import fcntl
import os
import signal
import socket
import sys

FAMILIES = {socket.AF_INET: "inet", socket.AF_INET6: "inet6", socket.AF_UNIX: "unix"}
TYPES = {socket.SOCK_STREAM: "stream", socket.SOCK_DGRAM: "dgram"}


def open_fds():
    # listdir opens a directory fd of its own: keep only fds still open afterwards.
    fds = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            os.fstat(fd)
        except OSError:
            continue
        fds.append(fd)
    return sorted(fds)


def fmt_addr(family, addr):
    if family == socket.AF_INET:
        return "%s:%d" % addr
    if family == socket.AF_INET6:
        return "[%s]:%d" % addr[:2]
    if isinstance(addr, bytes):
        addr = addr.decode(errors="replace")
    return "@" + addr[1:] if addr.startswith("\0") else addr


def describe(fd):
    lines = []
    dup = os.dup(fd)
    try:
        s = socket.socket(fileno=dup)
    except OSError:
        os.close(dup)
        return ["fd%d.target=%s" % (fd, os.readlink("/proc/self/fd/%d" % fd))]
    with s:
        lines.append("fd%d.family=%s" % (fd, FAMILIES.get(s.family, str(s.family))))
        lines.append("fd%d.type=%s" % (fd, TYPES.get(s.type, str(s.type))))
        lines.append("fd%d.addr=%s" % (fd, fmt_addr(s.family, s.getsockname())))
        opt = lambda level, name: s.getsockopt(level, name)  # noqa: E731
        lines.append("fd%d.reuseaddr=%d" % (fd, opt(socket.SOL_SOCKET, socket.SO_REUSEADDR)))
        lines.append("fd%d.reuseport=%d" % (fd, opt(socket.SOL_SOCKET, socket.SO_REUSEPORT)))
        lines.append("fd%d.listening=%d" % (fd, opt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)))
        if s.family == socket.AF_INET6:
            lines.append("fd%d.v6only=%d" % (fd, opt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)))
    cloexec = fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    lines.append("fd%d.cloexec=%d" % (fd, 1 if cloexec else 0))
    return lines


def main():
    args = sys.argv[1:]
    out = None
    crash_until = 0
    stay = False
    while args:
        a = args.pop(0)
        if a == "--out":
            out = args.pop(0)
        elif a == "--crash-until":
            crash_until = int(args.pop(0))
        elif a == "--stay":
            stay = True
        else:
            sys.exit("sk_fdreport: unknown argument %r" % a)

    fds = open_fds()  # before anything else opens a file
    env = os.environ
    lines = [
        "pid=%d" % os.getpid(),
        "listen_pid=%s" % env.get("LISTEN_PID", "-"),
        "listen_fds=%s" % env.get("LISTEN_FDS", "-"),
        "listen_fdnames=%s" % env.get("LISTEN_FDNAMES", "-"),
        "restarts=%s" % env.get("TINYHOLD_RESTARTS", "-"),
        "listen_vars=%s" % " ".join(sorted(k for k in env if k.startswith("LISTEN_"))),
        "cwd=%s" % os.getcwd(),
        "fds=%s" % " ".join(str(fd) for fd in fds),
    ]
    for fd in fds:
        if fd > 2:
            lines += describe(fd)
    lines.append("end")
    text = "\n".join(lines) + "\n"
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        with open(out, "a") as f:  # one write: the block stays whole
            f.write(text)
    if int(env.get("TINYHOLD_RESTARTS", "0")) < crash_until:
        os.abort()
    if stay:
        while True:
            signal.pause()


main()
