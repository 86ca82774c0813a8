#!/usr/bin/env python3
"""lg_pause: the app of tests/relay.bats' paused long line. Instance 0 writes
a line longer than the relay's bound (70,000 bytes, no newline) and pauses in
the middle of it; the others each write 20,000 short lines, then make
./done<instance>. With "err", on stderr instead of stdout."""
import os, sys, time

fd = 2 if "err" in sys.argv[1:] else 1
inst = os.environ.get("TINYHOLD_INSTANCE", "0")
if inst == "0":
    os.write(fd, b"x" * 70000)
else:
    for i in range(20000):
        os.write(fd, b"line %d\n" % i)
    open("done" + inst, "w").close()
time.sleep(120)
