#!/usr/bin/python3
"""nt_app: a scripted sd_notify app. Runs its steps in order, then exits 0.

usage: nt_app.py STEP...

Good messages go through python3-systemd's systemd.daemon.notify() (the real
client); hostile ones through a raw sendmsg() to NOTIFY_SOCKET ('@' -> NUL).
TEXT is unescaped like a Python bytes literal: 'READY=1\\nSTATUS=x', '\\x00'.

  notify:TEXT        systemd.daemon.notify(TEXT)
  store:NAME         a new memfd, FDSTORE=1 FDNAME=NAME, via systemd.daemon.notify
                     (store: without a NAME sends no FDNAME=)
  storepipe:NAME     both ends of a new pipe in one FDSTORE=1 FDNAME=NAME message
  raw:TEXT           one datagram, raw
  big:N              a raw datagram of exactly N bytes that starts with READY=1
  fds:N:TEXT         a raw datagram with N fresh memfds (if the kernel refuses N,
                     as many as it allows); says "sent K fds"
  flood:N            N bad raw datagrams in a row (blocking), every 4th with an fd;
                     says "flooded N"
  trickle:SECS:N     one bad raw datagram every SECS, N times, in the background
  ping:SECS:FOR      WATCHDOG=1 every SECS for FOR seconds; says "pinged K"
  env                says "env pid=P pgid=G KEY=VALUE... fds=0,1,2,... kinds=K,..."
                     (LISTEN_*, WATCHDOG_*, ...; fds: what it was started with;
                     kinds: what fds 3.. are, "socket", "pipe", "/memfd:NAME_(deleted)")
  serve              answers every connection on each LISTEN_FDS socket (in the
                     background) with its env line, its pid and the fd it came on
  keepconn           accepts one connection on fd 3, says "stored" to it, stores
                     it as FDNAME=conn and aborts; a later start that finds conn
                     says "still here" to it, removes it from the store
                     (FDSTOREREMOVE=1) and closes it
  ignore:SIG         ignore SIGABRT, SIGTERM, ... (name without SIG)
  await:PATH         waits (up to 10 s) until PATH exists: the test says when
  say:TEXT           prints TEXT
  sleep:SECS         sleeps
  hang               sleeps until killed
  exit:N  abort      ends the app

A step may start with a guard on TINYHOLD_RESTARTS: [<N] [=N] [>=N].
Every line it says goes to stdout, flushed, prefixed with "pid P: ".
"""
import array
import codecs
import errno
import os
import re
import resource
import signal
import socket
import sys
import threading
import time

SCM_MAX_FD = 253  # include/net/scm.h: the most fds one message may carry
SEND_TIMEOUT_S = 10
AWAIT_S = 10
RESTARTS = int(os.environ.get("TINYHOLD_RESTARTS", "0"))
ENV_KEYS = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC",
            "WATCHDOG_PID", "TINYHOLD_RESTARTS")
say_lock = threading.Lock()
# Before this script opens anything: listdir's own fd is the one that is gone afterwards.
STARTUP_FDS = [fd for fd in sorted(int(n) for n in os.listdir("/proc/self/fd"))
               if os.path.exists("/proc/self/fd/%d" % fd)]
# What fds 3.. are: "socket", "pipe", "anon_inode:[signalfd]", "/memfd:state (deleted)" ...
STARTUP_KINDS = [re.sub(r":\[\d+\]$", "", os.readlink("/proc/self/fd/%d" % fd)).replace(" ", "_")
                 for fd in STARTUP_FDS if fd > 2]


def say(text):
    with say_lock:
        sys.stdout.write("pid %d: %s\n" % (os.getpid(), text))
        sys.stdout.flush()


def unescape(text):
    return codecs.escape_decode(text.encode())[0]


def notify_addr():
    addr = os.environ["NOTIFY_SOCKET"]
    return "\0" + addr[1:] if addr.startswith("@") else addr


def raw_sock():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.settimeout(SEND_TIMEOUT_S)
    return s


def raw_send(data, fds=(), sock=None):
    s = sock or raw_sock()
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())] if fds else []
    s.sendmsg([data], anc, 0, notify_addr())
    if sock is None:
        s.close()


def env_line():
    keys = " ".join("%s=%s" % (k, os.environ[k]) for k in ENV_KEYS if k in os.environ)
    fds = ",".join(str(fd) for fd in STARTUP_FDS)
    kinds = ",".join(STARTUP_KINDS) or "-"
    return "env pid=%d pgid=%d %s fds=%s kinds=%s" % (os.getpid(), os.getpgrp(), keys, fds, kinds)


def sd_notify(text, fds=None):
    import systemd.daemon  # only here: the raw steps must not depend on it

    # fds=None is refused by python3-systemd 235: pass fds only when there are some.
    sent = systemd.daemon.notify(text, fds=fds) if fds else systemd.daemon.notify(text)
    if not sent:
        say("systemd.daemon.notify failed")


def step_fds(n, text):
    # Room for n memfds: raise our soft limit to the hard one.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    fds = [os.memfd_create("nt%d" % i) for i in range(n)]
    try:
        raw_send(text, fds)
    except OSError as e:
        if e.errno != errno.EINVAL or n <= SCM_MAX_FD:
            raise
        say("the kernel refused %d fds" % n)
        fds, extra = fds[:SCM_MAX_FD], fds[SCM_MAX_FD:]
        for fd in extra:
            os.close(fd)
        raw_send(text, fds)
    for fd in fds:
        os.close(fd)
    say("sent %d fds" % len(fds))


BAD = [b"GARBAGE", b"READY=1\n\0", b"READY=1\n" + b"x" * 5000, b"NOEQUALS\nREADY=1"]


def step_flood(n):
    s = raw_sock()
    fd = os.memfd_create("flood")
    for i in range(n):
        raw_send(BAD[i % len(BAD)], [fd] if i % 4 == 3 else (), sock=s)
    os.close(fd)
    s.close()
    say("flooded %d" % n)


def trickle(secs, n):
    s = raw_sock()
    for _ in range(n):
        raw_send(b"GARBAGE", sock=s)
        time.sleep(secs)


def listen_socks():
    socks = []
    for fd in range(3, 3 + int(os.environ.get("LISTEN_FDS", "0"))):
        try:
            socks.append(socket.socket(fileno=fd))
        except OSError:
            pass  # not a socket: the env line's kinds= says what it is
    return socks


def serve_one(ls):
    while True:
        conn, _ = ls.accept()
        with conn:
            try:
                conn.sendall(("%s fd=%d\n" % (env_line(), ls.fileno())).encode())
            except OSError:
                pass  # a probe that hung up already


def step_keepconn():
    names = os.environ.get("LISTEN_FDNAMES", "").split(":")
    if "conn" in names:
        conn = socket.socket(fileno=3 + names.index("conn"))
        conn.sendall(b"still here, pid %d restart %d\n" % (os.getpid(), RESTARTS))
        # tinyhold's copy keeps the connection open: take it out of the store, then close.
        sd_notify("FDSTOREREMOVE=1\nFDNAME=conn")
        conn.close()
        say("answered the stored connection")
        return
    ls = socket.socket(fileno=3)
    conn, _ = ls.accept()
    conn.sendall(b"stored by pid %d\n" % os.getpid())
    sd_notify("FDSTORE=1\nFDNAME=conn", fds=[conn.fileno()])
    say("stored a connection")
    os.abort()


def run(step):
    kind, _, arg = step.partition(":")
    if kind == "notify":
        sd_notify(unescape(arg).decode())
    elif kind == "store":
        fd = os.memfd_create(arg or "anon")
        sd_notify("FDSTORE=1" + ("\nFDNAME=%s" % arg if arg else ""), fds=[fd])
    elif kind == "storepipe":
        r, w = os.pipe()
        sd_notify("FDSTORE=1\nFDNAME=%s" % arg, fds=[r, w])
    elif kind == "raw":
        raw_send(unescape(arg))
    elif kind == "big":
        head = b"READY=1\nX_PAD="
        raw_send(head + b"a" * (int(arg) - len(head)))
    elif kind == "fds":
        n, _, text = arg.partition(":")
        step_fds(int(n), unescape(text))
    elif kind == "flood":
        step_flood(int(arg))
    elif kind == "trickle":
        secs, n = arg.split(":")
        threading.Thread(target=trickle, args=(float(secs), int(n)), daemon=True).start()
    elif kind == "ping":
        every, total = (float(x) for x in arg.split(":"))
        end, k = time.monotonic() + total, 0
        while time.monotonic() < end:
            sd_notify("WATCHDOG=1")
            k += 1
            time.sleep(every)
        say("pinged %d" % k)
    elif kind == "env":
        say(env_line())
    elif kind == "serve":
        for ls in listen_socks():
            threading.Thread(target=serve_one, args=(ls,), daemon=True).start()
    elif kind == "keepconn":
        step_keepconn()
    elif kind == "ignore":
        signal.signal(getattr(signal, "SIG" + arg), signal.SIG_IGN)
    elif kind == "await":
        end = time.monotonic() + AWAIT_S
        while not os.path.exists(arg) and time.monotonic() < end:
            time.sleep(0.01)
    elif kind == "say":
        say(arg)
    elif kind == "sleep":
        time.sleep(float(arg))
    elif kind == "hang":
        while True:
            signal.pause()
    elif kind == "exit":
        sys.stdout.flush()
        os._exit(int(arg))
    elif kind == "abort":
        sys.stdout.flush()
        os.abort()
    else:
        sys.exit("nt_app: unknown step %r" % step)


def guarded(step):
    m = re.match(r"\[(<|=|>=)(\d+)\](.*)", step, re.S)
    if not m:
        return step
    op, n, rest = m.group(1), int(m.group(2)), m.group(3)
    ok = {"<": RESTARTS < n, "=": RESTARTS == n, ">=": RESTARTS >= n}[op]
    return rest if ok else None


for s in sys.argv[1:]:
    s = guarded(s)
    if s is not None:
        run(s)
