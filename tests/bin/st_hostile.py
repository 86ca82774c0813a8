#!/usr/bin/env python3
"""st_hostile: hostile clients on tinyhold's --status port, all at once, while a
well-behaved client asks GET /ready every 50 ms, each time with a 1 s limit.

usage: st_hostile.py PORT SECONDS

The attackers: IDLE connections that never send, HALF connections that send
half a request line and stop, one client after the other sending a 1 MB
request, one sending random garbage, and two flooding GET /metrics as fast as
they can. At the end it says, one line each:
  asked N        how many /ready asks were made
  failed N       asks without a 200 within 1 s
  slowest_ms N   the slowest ask
  half_closed N  of the HALF connections, how many tinyhold had closed
  flooded N      /metrics answers the flood got
and before them a line for each ask that failed, saying where it stuck.
The test judges; this exits 0."""
import os, socket, sys, threading, time

IDLE, HALF = 300, 200
port = int(sys.argv[1])
secs = float(sys.argv[2])
start = time.time()
stop = start + secs
held, half = [], []
flooded = [0]

def connect(timeout=1.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)

def idle():
    for _ in range(IDLE):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        held.append(s)

def halfsent():
    for _ in range(HALF):
        try:
            s = connect()
            s.send(b"GET /rea")
            half.append(s)
        except OSError:
            pass

def loop(body, expect_answer):
    while time.time() < stop:
        try:
            s = connect()
            s.sendall(body)
            if expect_answer and s.recv(65536):
                flooded[0] += 1
            s.close()
        except OSError:
            pass

def ask():
    t0 = time.time()
    stage = "connect"
    try:
        s = connect()
        stage = "answer"
        s.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        ok = data.startswith(b"HTTP/1.1 200 ")
    except OSError as e:
        ok = False
        stage += " (%s)" % e
    took = time.time() - t0
    if not ok or took > 1.0:
        print("failed at %.3f s: %s after %d ms" % (t0 - start, stage, took * 1000), flush=True)
    return ok, took

threads = [threading.Thread(target=f, daemon=True) for f in (idle, halfsent)]
threads += [threading.Thread(target=loop, args=(b"GET /ready HTTP/1.1\r\nX: " + b"a" * (1 << 20), False),
                             daemon=True),
            threading.Thread(target=loop, args=(os.urandom(4096), False), daemon=True)]
threads += [threading.Thread(target=loop, args=(b"GET /metrics HTTP/1.1\r\n\r\n", True), daemon=True)
            for _ in range(2)]
for t in threads:
    t.start()
asked = failed = 0
slowest = 0.0
while time.time() < stop:
    ok, took = ask()
    asked += 1
    if not ok or took > 1.0:
        failed += 1
    slowest = max(slowest, took)
    time.sleep(0.05)
# The half-sent ones have had more than their second: tinyhold has closed them.
closed = 0
for s in half:
    try:
        s.settimeout(0.2)
        if s.recv(1) == b"":
            closed += 1
    except ConnectionResetError:
        closed += 1
    except OSError:
        pass
print("asked", asked)
print("failed", failed)
print("slowest_ms", int(slowest * 1000))
print("half_closed", closed, "of", len(half))
print("flooded", flooded[0])
sys.stdout.flush()
os._exit(0)
