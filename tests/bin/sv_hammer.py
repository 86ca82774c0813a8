#!/usr/bin/python3
"""sv_hammer: clients connect to 127.0.0.1:PORT in a loop for SECS seconds while
one of them asks the demo server to crash every INTERVAL seconds.

usage: sv_hammer.py PORT SECS [INTERVAL]
prints one line: ok=N refused=N reset=N timeout=N other=N crashes=N
  refused  ECONNREFUSED: nothing held the port (what tinyhold must prevent)
  reset    the dying app dropped a connection it had accepted (allowed)
"""
import socket
import sys
import threading
import time

CLIENTS = 4
REPLY_TIMEOUT_S = 5  # longer than the back-off the test lets build up

port = int(sys.argv[1])
secs = float(sys.argv[2])
interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
end = time.monotonic() + secs
counts = dict(ok=0, refused=0, reset=0, timeout=0, other=0, crashes=0)
errors = []
lock = threading.Lock()


def request(path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S) as s:
            s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path.encode())
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except ConnectionRefusedError:
        return "refused"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        with lock:
            errors.append(repr(e))
        return "other"
    if not data.startswith(b"HTTP/1.0 200"):
        return "reset"  # closed before it answered
    return "crashes" if path == "/crash" else "ok"


def client():
    while time.monotonic() < end:
        outcome = request("/")
        with lock:
            counts[outcome] += 1


def crasher():
    while time.monotonic() < end:
        outcome = request("/crash")
        with lock:
            counts[outcome] += 1
        time.sleep(interval)


threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
threads.append(threading.Thread(target=crasher))
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join("%s=%d" % kv for kv in counts.items()))
for e in errors[:5]:
    print("error:", e, file=sys.stderr)
