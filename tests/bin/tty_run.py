#!/usr/bin/python3
"""tty_run.py TINYHOLD [ARGS...]: runs tinyhold on a new pseudo-terminal (its
controlling terminal, in the foreground), waits for READY from the app, types
Ctrl-C, and prints what a person at that terminal would see:
  output:<everything the terminal showed>
  status:<tinyhold's exit status>
The app is expected to print READY once it runs; TTY_WAIT_FOR names another
text to wait for instead (e.g. one of tinyhold's own log lines), or several
joined by " && ": all of them (e.g. every instance's line, since a Ctrl-C that
comes while one is still starting ends it with its own status)."""
import os, pty, select, sys, time

LIMIT_S = 10

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])

buf = b""
def read_until(patterns, limit):
    global buf
    end = time.time() + limit
    while not all(p in buf for p in patterns) and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            buf += data
    return all(p in buf for p in patterns)

if not read_until(os.environ.get("TTY_WAIT_FOR", "READY").encode().split(b" && "), LIMIT_S):
    print("output:" + buf.decode(errors="replace"))
    print("status:no-ready")
    os.kill(pid, 9)
    sys.exit(1)
os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT to its foreground group
end = time.time() + LIMIT_S
while time.time() < end:
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    read_until([b"\x00never"], 0.05)
else:
    os.kill(pid, 9)
    done, st = os.waitpid(pid, 0)
read_until([b"\x00never"], 0.2)  # what is left on the terminal
print("output:" + buf.decode(errors="replace").replace("\r", ""))
print("status:%d" % os.waitstatus_to_exitcode(st))
