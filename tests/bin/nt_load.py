#!/usr/bin/python3
"""nt_load: CLIENTS clients send HTTP/1.0 requests to 127.0.0.1:PORT in a loop
for SECS seconds, and count what happened.

usage: nt_load.py [--busy FILE] [--until FILE] PORT SECS [CLIENTS]
  --busy FILE   created once the first answer came: the load is on
  --until FILE  stop early once FILE exists (SECS stays the limit)
prints one line: ok=N refused=N reset=N timeout=N other=N pids=K
  refused  ECONNREFUSED: nobody held the port
  reset    a connection was dropped, or closed before a whole answer came
  pids     how many different server pids answered
The first few errors go to stderr.
"""
import os
import socket
import sys
import threading
import time

REPLY_TIMEOUT_S = 5

args = sys.argv[1:]
busy = until = None
while args and args[0].startswith("--"):
    if args[0] == "--busy":
        busy = args[1]
    elif args[0] == "--until":
        until = args[1]
    else:
        sys.exit("nt_load: unknown option %r" % args[0])
    args = args[2:]
port = int(args[0])
secs = float(args[1])
clients = int(args[2]) if len(args) > 2 else 4
end = time.monotonic() + secs
counts = dict(ok=0, refused=0, reset=0, timeout=0, other=0)
pids = set()
errors = []
lock = threading.Lock()


def request():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except ConnectionRefusedError:
        return "refused", None
    except (ConnectionResetError, BrokenPipeError) as e:
        with lock:
            errors.append(repr(e))
        return "reset", None
    except socket.timeout:
        return "timeout", None
    except OSError as e:
        with lock:
            errors.append(repr(e))
        return "other", None
    if not data.startswith(b"HTTP/1.0 200") or not data.endswith(b"\n"):
        with lock:
            errors.append("short answer %r" % data[:80])
        return "reset", None
    return "ok", data.rsplit(b"pid ", 1)[-1].strip()


def client():
    while time.monotonic() < end and not (until and os.path.exists(until)):
        outcome, pid = request()
        with lock:
            counts[outcome] += 1
            if pid:
                pids.add(pid)
            if busy and outcome == "ok" and counts["ok"] == 1:
                open(busy, "w").close()


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join("%s=%d" % kv for kv in counts.items()), "pids=%d" % len(pids))
for e in errors[:5]:
    print("error:", e, file=sys.stderr)
