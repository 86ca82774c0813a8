#!/usr/bin/python3
# sk_udpsend HOST PORT TEXT: sends TEXT as one datagram and prints the reply.
# Retries a few times (UDP may drop); exits 1 if no reply comes.
import socket
import sys

host, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(0.5)
for _ in range(10):
    s.sendto(text.encode(), (host, port))
    try:
        data, _ = s.recvfrom(65535)
    except (socket.timeout, ConnectionRefusedError):
        continue
    print(data.decode())
    sys.exit(0)
sys.exit(1)
