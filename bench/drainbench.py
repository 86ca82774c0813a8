#!/usr/bin/python3
"""drainbench: a stop under load, with and without --drain (issue 16).

  drainbench.py TINYHOLD [DRAIN_SECS]

For each of "--drain DRAIN_SECS" (default 1) and no drain: tinyhold holds a
port and serves --status; the app (this script, "app") answers HTTP on the held
socket and, on SIGTERM, closes its listener and exits, as a graceful server
does. Four clients send requests in a loop; a watcher asks /ready every 5 ms
and, once it is not 200, stops the clients: a stand-in for the endpoint
removal that makes a load balancer send no more. After 1 s of traffic tinyhold
gets SIGTERM. Each request ends ok, refused (ECONNREFUSED), reset, or
unanswered (no answer in 2 s). Prints a Markdown table, with the time from
SIGTERM to the watcher's first 503 (within its 5 ms between asks)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

CLIENTS = 4
READY_POLL_S = 0.005
ANSWER_S = 2.0


def app():
    srv = socket.socket(fileno=3)

    def stop(_s, _f):
        srv.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    os.write(1, b"up\n")
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            continue
        with c:
            c.recv(4096)
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_S) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = s.recv(100)
    except ConnectionRefusedError:
        return "refused"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except socket.timeout:
        return "unanswered"
    except OSError:
        return "reset"
    return "ok" if data.startswith(b"HTTP/1.0 200") else "reset"


def ready_ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /ready HTTP/1.0\r\n\r\n")
            line = s.recv(100).split(b"\r\n", 1)[0]
            return b" 200 " in line + b" "
    except OSError:
        return False


def run(tinyhold, drain):
    port, sport = free_port(), free_port()
    args = [tinyhold, "-q", "--status", "127.0.0.1:%d" % sport, "-p", "127.0.0.1:%d" % port]
    if drain:
        args += ["--drain", str(drain)]
    th = subprocess.Popen(args + ["--", sys.executable, os.path.abspath(__file__), "app"],
                          stdout=subprocess.PIPE)
    th.stdout.readline()  # "up"
    while not ready_ok(sport):
        time.sleep(0.01)
    counts = dict(ok=0, refused=0, reset=0, unanswered=0)
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            kind = request(port)
            with lock:
                counts[kind] += 1

    seen = []

    def watcher():
        while ready_ok(sport):
            time.sleep(READY_POLL_S)
        seen.append(time.monotonic())
        stop.set()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    threads.append(threading.Thread(target=watcher))
    for t in threads:
        t.start()
    time.sleep(1)
    t0 = time.monotonic()
    th.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    th.wait(timeout=30)
    return counts, time.monotonic() - t0, (seen[0] - t0) * 1000 if seen else -1


def main():
    if sys.argv[1:2] == ["app"]:
        app()
    tinyhold = sys.argv[1]
    drain = sys.argv[2] if len(sys.argv) > 2 else "1"
    print("| stop | requests answered | refused | reset | unanswered | SIGTERM to /ready 503 | SIGTERM to exit |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for d in (drain, None):
        counts, secs, ms503 = run(tinyhold, d)
        print("| %s | %d | %d | %d | %d | %.0f ms | %.2f s |" % (
            "--drain %s" % d if d else "no drain", counts["ok"], counts["refused"],
            counts["reset"], counts["unanswered"], ms503, secs))


main()
