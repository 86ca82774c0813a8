#!/usr/bin/python3
# sk_udpecho: echoes every datagram on the socket-activated fd 3, prefixed with
# "echo ". It refuses to run without LISTEN_FDS=1 and a LISTEN_PID naming it.
import os
import socket
import sys

if os.environ.get("LISTEN_PID") != str(os.getpid()) or os.environ.get("LISTEN_FDS") != "1":
    sys.exit("sk_udpecho: not socket-activated")
s = socket.socket(fileno=3)
if s.type != socket.SOCK_DGRAM:
    sys.exit("sk_udpecho: fd 3 is not a datagram socket")
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(b"echo " + data, peer)
