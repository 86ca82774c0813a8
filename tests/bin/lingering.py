"""lingering: a TCP socket whose last close() blocks, for the tests that hand
one to tinyhold (sec_attack.py, pl_app.py). Imported from tests/bin."""
import socket
import struct

LINGER_S = 3600


def lingering_socket():
    """(c, peer): c has unsent data (the peer reads nothing) and SO_LINGER set,
    and is blocking: its last close() waits until the peer is gone (the peer's
    unread data makes that close a reset) or LINGER_S pass. Keep peer alive."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    c.connect(srv.getsockname())
    peer, _ = srv.accept()
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.close()
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
    c.setblocking(True)  # a non-blocking socket's close() does not linger
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, LINGER_S))
    return c, peer
