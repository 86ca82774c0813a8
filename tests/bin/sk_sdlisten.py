#!/usr/bin/python3
# sk_sdlisten: a socket-activated app written against python3-systemd, as a
# real one would be. Prints "fd NAME FAMILY ADDR" for each socket from
# systemd.daemon.listen_fds_with_names(), then "count N" from listen_fds().
import socket
import sys

try:
    from systemd import daemon
except ImportError:
    sys.exit("sk_sdlisten: python3-systemd is not installed")

named = daemon.listen_fds_with_names(unset_environment=False)
for fd in sorted(named):
    s = socket.socket(fileno=fd)
    addr = s.getsockname()
    if s.family in (socket.AF_INET, socket.AF_INET6):
        addr = "%s:%d" % (addr[0], addr[1])
    elif isinstance(addr, bytes):  # abstract: b"\0name"
        addr = "@" + addr[1:].decode(errors="replace")
    print("%d %s %s %s" % (fd, named[fd], s.family.name, addr))
    s.detach()
print("count %d" % len(daemon.listen_fds()))
