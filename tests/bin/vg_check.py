#!/usr/bin/python3
"""vg_check: reads the valgrind logs of one tinyhold run (--log-file=DIR/vg.%p.log:
one for tinyhold, one for each child it forked, which ends at exec or _exit) and
says what is wrong, one line each; exits 1 if anything is.

usage: vg_check.py DIR MAIN_PID SOCKETS

  - no memcheck error in any log (invalid reads and writes, uninitialised
    values, bad syscall arguments, bad frees), and "ERROR SUMMARY: 0 errors"
    wherever a summary was written;
  - no "definitely lost" or "possibly lost" bytes;
  - tinyhold (MAIN_PID) ends with exactly these fds open: the ones it was given
    (valgrind says "<inherited from parent>"), its signalfd, the app's working
    directory, its own open file of stderr, and SOCKETS held sockets (and the
    notify socket, if it made one). Anything else (the exec
    pipe, a /proc directory, /etc/passwd, ...) is an fd leak.
"""
import glob
import os
import re
import sys

# The fds tinyhold keeps for as long as it runs, by the function that made them
# (setup_spawn: the O_PATH fd of the app's working directory, for every start;
# log_init: its own non-blocking open file of stderr).
HELD = ("sock_open", "sig_setup", "notify_open", "setup_spawn", "log_init")
ERRORS = re.compile(
    r"== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|"
    r"Syscall param|Mismatched free|Source and destination overlap|"
    r"Argument '.*' of function|Warning: invalid file descriptor|Jump to the invalid)")

logdir, main_pid, sockets = sys.argv[1], sys.argv[2], int(sys.argv[3])
problems = []
logs = sorted(glob.glob(os.path.join(logdir, "vg.*.log")))
if not any(p.endswith("vg.%s.log" % main_pid) for p in logs):
    problems.append("no valgrind log for tinyhold (pid %s) in %s" % (main_pid, logdir))

for path in logs:
    name = os.path.basename(path)
    with open(path, errors="replace") as f:
        text = f.read()
    for line in text.splitlines():
        if ERRORS.search(line):
            problems.append("%s: %s" % (name, line))
    for m in re.finditer(r"ERROR SUMMARY: (\d+) errors", text):
        if m.group(1) != "0":
            problems.append("%s: %s" % (name, m.group(0)))
    for kind in ("definitely lost", "possibly lost"):
        for m in re.finditer(kind + r": ([\d,]+) bytes", text):
            if m.group(1) != "0":
                problems.append("%s: %s" % (name, m.group(0)))
    if name != "vg.%s.log" % main_pid:
        continue
    if "FILE DESCRIPTORS:" not in text:
        problems.append("%s: no fd report (did tinyhold exit normally?)" % name)
        continue
    # One record per "Open ..." line, up to the next blank line.
    held = 0
    for rec in re.findall(r"== (Open .*?)\n==\d+== \n", text, re.S):
        first = rec.splitlines()[0]
        if "<inherited from parent>" in rec:
            continue
        owner = [fn for fn in HELD if re.search(r"\b%s \(" % fn, rec)]
        if not owner:
            problems.append("%s: fd leak: %s (from %s)" % (
                name, first, " ".join(re.findall(r"by 0x\w+: (\w+)", rec)[:4])))
        elif owner[0] == "sock_open":
            held += 1
    if held != sockets:
        problems.append("%s: %d held sockets open at exit, expected %d" % (name, held, sockets))

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
