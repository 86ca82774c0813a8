#!/usr/bin/python3
"""nt_inherit: socket-activates a command the way podman or systemd would.

usage: nt_inherit.py [--fds N] PORT LISTEN_PID NAME -- COMMAND [ARG...]

Binds and listens on 127.0.0.1:PORT, puts the socket on fd 3 (inheritable),
closes every other fd above 2 (as podman passes only these), sets
LISTEN_FDS=1 (or N, a lie when N > 1: fds 4.. are not open), LISTEN_FDNAMES=NAME
and LISTEN_PID (a number, "self" for our own pid, which COMMAND keeps across
exec, or "parent" for our parent's), and execs COMMAND.
"""
import os
import socket
import sys

args = sys.argv[1:]
nfds = "1"
if args[:1] == ["--fds"]:
    nfds, args = args[1], args[2:]
port, who, name, dashes = args[:4]
cmd = args[4:]
if dashes != "--" or not cmd:
    sys.exit(__doc__)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(port)))
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)  # dup2 leaves fd 3 inheritable
    s.close()
else:
    os.set_inheritable(3, True)
os.closerange(4, 65536)
env = dict(os.environ)
env["LISTEN_FDS"] = nfds
env["LISTEN_FDNAMES"] = name
env["LISTEN_PID"] = {"self": str(os.getpid()), "parent": str(os.getppid())}.get(who, who)
os.execvpe(cmd[0], cmd, env)
