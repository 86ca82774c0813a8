#!/usr/bin/env python3
"""relaybench: one run of bench/run.sh's relay section (issue 15), as a TSV row.

  relaybench.py direct|relay TINYHOLD LOGWRITER N LINES BLOCK
      N logwriters as fast as they can into one pipe that `cat >/dev/null`
      reads: straight (direct: the writers share the pipe, as with -n 1) or
      through tinyhold -n N's relay. Row: mode block secs mb lines
      holder_cpu_ms (the tree's CPU, by wait4(), less the writers' own).
  relaybench.py idle TINYHOLD N SECS
      tinyhold -n N with sleeping instances and the relay on: its voluntary
      context switches (wake-ups) over SECS.
  relaybench.py json TINYHOLD N LINES CHECK
      N instances of tests/bin/lg_json.py with PYTHONUNBUFFERED=1: broken lines.
"""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def switches(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    return -1


def throughput(mode, th, writer, n, lines, block):
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    errpath = f"/tmp/relaybench.{os.getpid()}.err"
    with open(errpath, "w") as err:
        if mode == "relay":
            cmd = [th, "-q", "-n", str(n), "--", writer, str(lines), str(block)]
        else:
            cmd = ["sh", "-c", 'for i in $(seq 0 $(($1 - 1))); do TINYHOLD_INSTANCE=$i "$0" "$2" "$3" & done; wait',
                   writer, str(n), str(lines), str(block)]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=reader.stdin, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status
        reader.stdin.close()
        reader.wait()
        secs = time.monotonic() - t0
    tree_ms = (ru.ru_utime + ru.ru_stime) * 1000
    writers_ms = 0.0
    with open(errpath) as f:
        for line in f:
            if line.startswith("cpu_us="):
                writers_ms += int(line[7:]) / 1000
    os.unlink(errpath)
    nbytes = n * lines * 100
    holder = tree_ms - writers_ms if mode == "relay" else 0.0
    print(f"{mode}\t{block}\t{secs:.3f}\t{nbytes / 1e6:.1f}\t{n * lines}\t{holder:.0f}\t{status}")


def idle(th, n, secs):
    p = subprocess.Popen([th, "-q", "-n", str(n), "--", "sleep", str(secs + 30)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1)
    v0 = switches(p.pid)
    time.sleep(secs)
    v1 = switches(p.pid)
    p.kill()
    p.wait()
    print(f"idle\t{n}\t{secs}\t{v1 - v0}")


def json_broken(th, n, lines, check):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    out = f"/tmp/relaybench.{os.getpid()}.json"
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=open(out, "w"))
    subprocess.run([th, "-q", "-n", str(n), "--", "/usr/bin/python3",
                    os.path.join(ROOT, "tests/bin/lg_json.py"), str(lines)],
                   stdout=reader.stdin, stderr=subprocess.DEVNULL, env=env, check=False)
    reader.stdin.close()
    reader.wait()
    res = subprocess.run(["/usr/bin/python3", check, out], capture_output=True, text=True).stdout.strip()
    os.unlink(out)
    print(f"json\t{th}\t{res}")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] in ("direct", "relay"):
        throughput(a[0], a[1], a[2], int(a[3]), int(a[4]), int(a[5]))
    elif a[0] == "idle":
        idle(a[1], int(a[2]), int(a[3]))
    elif a[0] == "json":
        json_broken(a[1], int(a[2]), int(a[3]), a[4])


def report(tsv, md):
    """The rows of relay.tsv -> relay.md: medians, and the relay/direct ratio per
    adjacent pair of runs (they ran side by side)."""
    import statistics
    runs, idle_rows, json_rows = {}, [], []
    with open(tsv) as f:
        for line in f:
            w = line.rstrip("\n").split("\t")
            if w[0] in ("direct", "relay"):
                runs.setdefault(int(w[1]), []).append(w)
            elif w[0] == "idle":
                idle_rows.append(w)
            elif w[0] == "json":
                json_rows.append(w)
    out = ["| writes | path | MB/s | lines/s | relay / direct | tinyhold CPU per MB |",
           "|---|---|---:|---:|---:|---:|"]
    for block in sorted(runs, reverse=True):
        rows = runs[block]
        what = f"{block // 1024} KiB" if block else "one line"
        d = [r for r in rows if r[0] == "direct"]
        r_ = [r for r in rows if r[0] == "relay"]
        ratios = [float(a[2]) / float(b[2]) for a, b in zip(d, r_)]
        for name, rr in (("direct", d), ("relay", r_)):
            secs = statistics.median(float(x[2]) for x in rr)
            mb, nl = float(rr[0][3]), int(rr[0][4])
            cpu = statistics.median(float(x[5]) / float(x[3]) for x in rr)
            out.append(f"| {what} | {name} | {mb / secs:.0f} | {nl / secs:,.0f} | "
                       + (f"{statistics.median(ratios):.2f}x" if name == "relay" else "") + " | "
                       + (f"{cpu:.2f} ms" if name == "relay" else "") + " |")
    out.append("")
    for w in idle_rows:
        out.append(f"Idle: tinyhold -n {w[1]} with the relay on, sleeping instances: "
                   f"{w[3]} wake-ups in {w[2]} s.")
    for w in json_rows:
        out.append(f"4 JSON loggers, PYTHONUNBUFFERED=1, through `{w[1]}`: {w[2]}.")
    with open(md, "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__" and sys.argv[1] == "report":
    report(sys.argv[2], sys.argv[3])
