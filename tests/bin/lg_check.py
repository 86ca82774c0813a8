#!/usr/bin/env python3
"""lg_check FILE [N]: the lines of FILE that lg_json.py (or lg_app's "lines",
or a python loop's "line I SEQ") wrote: "lines=L broken=B" and with N,
"complete=yes" if each instance's lines 0..N-1 are all there, in order.
Lines of tinyhold's own ("tinyhold: ...") are left out; "[I] " prefixes are
read as the instance and must agree with the line's own."""
import json
import re
import sys

seqs, lines, broken = {}, 0, 0
with open(sys.argv[1], "rb") as f:
    for raw in f:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line.startswith("tinyhold: "):
            continue
        lines += 1
        pre = None
        m = re.match(r"^\[(\d+)\] (.*)$", line)
        if m:
            pre, line = int(m.group(1)), m.group(2)
        try:
            if line.startswith("{"):
                d = json.loads(line)
                inst, seq = d["instance"], d["seq"]
            else:
                w = line.split()
                if w[0] not in ("out", "err", "line") or len(w) < 3:
                    raise ValueError
                inst, seq = int(w[1]), int(w[2])
            if pre is not None and pre != inst:
                raise ValueError
        except (ValueError, KeyError, IndexError):
            broken += 1
            continue
        seqs.setdefault(inst, []).append(seq)
out = f"lines={lines} broken={broken}"
if len(sys.argv) > 2:
    n = int(sys.argv[2])
    ok = seqs and all(s == list(range(n)) for s in seqs.values())
    out += " complete=" + ("yes" if ok else "no")
print(out)
