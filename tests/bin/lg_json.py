#!/usr/bin/env python3
"""lg_json: N JSON log lines of varying length to stdout and as many to
stderr, as a Python server logs (issue 15). With PYTHONUNBUFFERED=1 each
print() is two write()s, the text and then the newline; without it, 8 KiB
blocks cut lines anywhere."""
import json
import os
import sys

i = int(os.environ.get("TINYHOLD_INSTANCE", "0"))
n = int(sys.argv[1])
for k in range(n):
    print(json.dumps({"instance": i, "seq": k, "msg": "x" * (k % 200)}))
    print(json.dumps({"instance": i, "seq": k, "level": "error"}), file=sys.stderr)
