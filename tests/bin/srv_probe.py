#!/usr/bin/python3
"""srv_probe: an HTTP client for tests/servers.bats, over 127.0.0.1 and ::1.

  srv_probe.py loop PORT STOPFILE MAXSECS
      GETs / in a loop, 127.0.0.1 and ::1 in turn, until STOPFILE exists (or
      MAXSECS pass); prints ok=N refused=N reset=N timeout=N other=N
        refused  ECONNREFUSED: nothing held the port (what tinyhold prevents)
        reset    the dying app dropped a connection it had accepted (allowed)
  srv_probe.py restart PORT PID SIGNAL N
      Waits until PID has run 1.2 s (so that tinyhold sees no fast crash and
      adds no back-off; not with TINYHOLD_BACKOFF_MAX=0), sends it SIGNAL, then GETs / until a reply says
      "restart N" (the new process: its TINYHOLD_RESTARTS, in the body or a
      header); prints the milliseconds from the kill to that reply, then
      refused=N for the connects that were refused meanwhile.
"""
import os
import re
import signal
import socket
import sys
import time

REPLY_TIMEOUT_S = 10
MIN_RUN_S = 1.2  # tinyhold: a run under 1 s is a fast crash, and those back off
PAUSE_S = 0.005  # between requests of the loop: a client, not a flood
RESTART_RE = re.compile(rb"restart:? *(\d+)", re.IGNORECASE)
HOSTS = ("127.0.0.1", "::1")


def get(host, port):
    """One GET /: ("ok", reply bytes) or (failure kind, None)."""
    try:
        with socket.create_connection((host, port), timeout=REPLY_TIMEOUT_S) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except ConnectionRefusedError:
        return "refused", None
    except (ConnectionResetError, BrokenPipeError):
        return "reset", None
    except socket.timeout:
        return "timeout", None
    except OSError as e:
        print("srv_probe: %s: %r" % (host, e), file=sys.stderr)
        return "other", None
    if b" 200 " not in data.split(b"\r\n", 1)[0]:
        return "reset", None  # closed before it answered
    return "ok", data


def loop(port, stopfile, maxsecs):
    counts = dict(ok=0, refused=0, reset=0, timeout=0, other=0)
    end = time.monotonic() + maxsecs
    i = 0
    while not os.path.exists(stopfile) and time.monotonic() < end:
        kind, _ = get(HOSTS[i % 2], port)
        counts[kind] += 1
        i += 1
        time.sleep(PAUSE_S)
    print(" ".join("%s=%d" % kv for kv in counts.items()))


def run_seconds(pid):
    """How long PID has run, from /proc (clock ticks since boot)."""
    with open("/proc/%d/stat" % pid) as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def restart(port, pid, signame, n):
    wait = MIN_RUN_S - run_seconds(pid)
    if wait > 0 and os.environ.get("TINYHOLD_BACKOFF_MAX") != "0":
        time.sleep(wait)
    refused = 0
    i = 0
    t0 = time.monotonic()
    os.kill(pid, getattr(signal, "SIG" + signame))
    while time.monotonic() - t0 < 30:
        kind, data = get(HOSTS[i % 2], port)
        i += 1
        if kind == "refused":
            refused += 1
            time.sleep(0.01)
            continue
        if kind != "ok":
            continue
        m = RESTART_RE.search(data)
        if m and int(m.group(1)) == n:
            print("%.1f" % ((time.monotonic() - t0) * 1000))
            print("refused=%d" % refused)
            return 0
    print("srv_probe: no reply from restart %d within 30 s" % n, file=sys.stderr)
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "loop":
        loop(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == "restart":
        sys.exit(restart(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])))
    else:
        sys.exit(__doc__)
