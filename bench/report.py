#!/usr/bin/env python3
"""bench/report.py: bench/results/* (raw, from bench/run.sh) -> bench/results.md and
bench/crash-storm.svg. Python 3 standard library only. It reports what was measured and
whether each target of issue 5 was met; it never fails a run over a figure."""
import bisect
import csv
import glob
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
R = os.path.join(HERE, "results")
OUT_MD = os.path.join(HERE, "results.md")
OUT_SVG = os.path.join(HERE, "crash-storm.svg")

STORM_SETUPS = [
    # (key, label)
    ("tinyhold", "(a) tinyhold, default back-off"),
    ("tinyhold-b0", "(a′) tinyhold `--backoff-max 0`"),
    ("naive", "(b) naive: the app binds, a loop restarts it at once"),
    ("supervisord", "(c) supervisord `fcgi-program` (new socket per start)"),
    ("floor", "(ref) bare holder: bind once, fork/exec/waitpid, nothing else"),
]
SVG_LANES = ["tinyhold-b0", "tinyhold", "naive", "supervisord"]
SVG_TITLES = {
    "tinyhold-b0": "tinyhold --backoff-max 0",
    "tinyhold": "tinyhold, default back-off",
    "naive": "naive restart loop (the app binds)",
    "supervisord": "supervisord fcgi-program",
}


# ---- small helpers -------------------------------------------------------------------
def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def kv(text):
    """key=value pairs: one per line (meta.env, whose values have blanks), or several on
    a line separated by blanks (the clients' summaries)."""
    out = {}
    for line in text.splitlines():
        key, eq, value = line.partition("=")
        if not eq or " " in key:
            continue
        if re.fullmatch(r"(\S+=\S*\s*)+", line):
            for tok in line.split():
                k, _, v = tok.partition("=")
                out[k] = v
        else:
            out[key] = value
    return out


def pct(values, p):
    """Nearest-rank percentile of a list (p in 0..100); None for an empty list."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def med(values):
    return statistics.median(values) if values else None


def f(x, nd=2, unit=""):
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}{unit}".replace(",", " ")
    return f"{x:.{nd}f}{unit}"


def table(header, rows, align=None):
    align = align or ["l"] + ["r"] * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


# ---- 1. crash storm ------------------------------------------------------------------
def parse_times(path):
    """The server's own timestamps -> per-crash latencies (ms) and the count of bind failures."""
    ev = []
    for line in read(path).splitlines():
        p = line.split()
        if len(p) >= 3:
            ev.append((int(p[1]), p[0], int(p[2])))
    ev.sort()
    start_of = {}
    lat, to_main, to_listen = [], [], []
    bindfails = sum(1 for e in ev if e[1] == "bindfail")
    crash = None
    first_start = None
    for t, what, pid in ev:
        if what == "start":
            start_of[pid] = t
            if crash is not None and first_start is None:
                first_start = t
        elif what == "crash":
            crash, first_start = t, None
        elif what == "ready" and crash is not None:
            lat.append((t - crash) / 1e6)
            if first_start is not None:
                to_main.append((first_start - crash) / 1e6)
            if pid in start_of:
                to_listen.append((t - start_of[pid]) / 1e6)
            crash = None
    crashes = sum(1 for e in ev if e[1] == "crash")
    return {"lat": lat, "to_main": to_main, "to_listen": to_listen,
            "bindfails": bindfails, "crashes": crashes}


def storm(where="storm", setups=STORM_SETUPS):
    res = {}
    for key, _ in setups:
        runs = sorted(p for p in glob.glob(os.path.join(R, where, f"{key}-*.summary"))
                      if re.fullmatch(re.escape(key) + r"-\d+\.summary", os.path.basename(p)))
        if not runs:
            continue
        agg = {"runs": 0, "secs": 0.0, "connects": 0, "ok": 0, "refused": 0, "reset": 0,
               "other": 0, "gap": 0.0, "lat": [], "to_main": [], "to_listen": [],
               "bindfails": 0, "crashes": 0, "cpu_ms": 0.0, "cpu_known": True,
               "faults": 0, "faults_known": True}
        for s in runs:
            d = kv(read(s))
            if "ok" not in d:
                continue
            agg["runs"] += 1
            agg["secs"] += float(d["seconds"])
            for k in ("connects", "ok", "refused", "reset", "other"):
                agg[k] += int(d[k])
            agg["gap"] = max(agg["gap"], float(d["longest_gap_ms"]))
            if d.get("holder_cpu_ms"):
                agg["cpu_ms"] += float(d["holder_cpu_ms"])
            else:
                agg["cpu_known"] = False
            if d.get("holder_faults"):
                agg["faults"] += int(d["holder_faults"])
            else:
                agg["faults_known"] = False
            t = parse_times(s[: -len(".summary")] + ".times")
            for k in ("lat", "to_main", "to_listen"):
                agg[k] += t[k]
            agg["bindfails"] += t["bindfails"]
            agg["crashes"] += t["crashes"]
        if agg["runs"]:
            res[key] = agg
    return res


def per_restart(a):
    """The holder's CPU µs and minor page faults per restart, or None where unknown."""
    if not a["crashes"]:
        return None, None
    cpu = a["cpu_ms"] * 1000 / a["crashes"] if a["cpu_known"] else None
    faults = a["faults"] / a["crashes"] if a["faults_known"] else None
    return cpu, faults


def storm_svg(path):
    lanes = []
    for key in SVG_LANES:
        csvp = os.path.join(R, "storm", f"{key}-1.csv")
        if not os.path.exists(csvp):
            continue
        with open(csvp) as fh:
            rows = list(csv.DictReader(fh))
        summary = kv(read(os.path.join(R, "storm", f"{key}-1.summary")))
        lanes.append((key, rows, summary))
    if not lanes:
        return False
    nb = max(len(rows) for _, rows, _ in lanes)
    ok_max = max(max(int(r["ok"]) for r in rows) for _, rows, _ in lanes) or 1
    ref_max = max(max(int(r["refused"]) for r in rows) for _, rows, _ in lanes) or 1
    left, right, top = 70, 20, 74
    bw = 3
    plot_w = nb * bw
    lane_h, gap = 150, 34
    half = (lane_h - 20) / 2
    width = left + plot_w + right
    height = top + len(lanes) * (lane_h + gap) + 30
    o = []
    o.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">')
    o.append(f'<rect width="{width}" height="{height}" fill="#fff"/>')
    o.append(f'<text x="{left}" y="20" font-size="15" font-weight="bold">Crash storm, round 1: '
             f'the server aborts on its {kv(read(os.path.join(R, "meta.env"))).get("storm_k", "K")}th '
             f'connection, again and again</text>')
    o.append(f'<text x="{left}" y="38" fill="#333">one client, a tight loop; per 10 ms: '
             f'<tspan fill="#2a9d3a">■ replies (up, 0–{ok_max})</tspan>  '
             f'<tspan fill="#d62728">■ ECONNREFUSED (down, 0–{ref_max})</tspan></text>')
    o.append(f'<text x="{left}" y="54" fill="#333"><tspan fill="#e08a00">■ reset: the request '
             f'that crashed the server, or one queued in a socket that closed</tspan>  '
             f'<tspan fill="#6baed6">■ nothing finished: waiting in the backlog</tspan></text>')
    for i, (key, rows, summary) in enumerate(lanes):
        y0 = top + i * (lane_h + gap)
        mid = y0 + 14 + half
        o.append(f'<text x="{left}" y="{y0 + 8}" font-weight="bold">{SVG_TITLES[key]}</text>')
        o.append(f'<text x="{left + plot_w}" y="{y0 + 8}" text-anchor="end" fill="#333">'
                 f'replies {summary.get("ok", "?")} · refused {summary.get("refused", "?")} · '
                 f'reset {summary.get("reset", "?")} · longest gap '
                 f'{float(summary.get("longest_gap_ms", 0)):.1f} ms</text>')
        o.append(f'<rect x="{left}" y="{y0 + 14}" width="{plot_w}" height="{2 * half:.0f}" '
                 f'fill="#f6f6f6"/>')
        ok_d, ref_d, rst_d, wait_d = [], [], [], []
        for j, r in enumerate(rows):
            x = left + j * bw
            ok, ref, rst = int(r["ok"]), int(r["refused"]), int(r["reset"]) + int(r["other"])
            if ok:
                h = max(1.0, half * ok / ok_max)
                ok_d.append(f"M{x},{mid:.1f}h{bw}v{-h:.1f}h{-bw}z")
            if ref:
                h = max(1.0, half * ref / ref_max)
                ref_d.append(f"M{x},{mid:.1f}h{bw}v{h:.1f}h{-bw}z")
            if rst:
                rst_d.append(f"M{x},{mid:.1f}h{bw}v4h{-bw}z")
            if not (ok or ref or rst):
                wait_d.append(f"M{x},{mid - 3:.1f}h{bw}v6h{-bw}z")
        for d, color in ((wait_d, "#9ecae1"), (ok_d, "#2a9d3a"), (ref_d, "#d62728"),
                         (rst_d, "#e08a00")):
            if d:
                o.append(f'<path fill="{color}" d="{"".join(d)}"/>')
        o.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{mid:.1f}" y2="{mid:.1f}" '
                 f'stroke="#999" stroke-width="0.5"/>')
        o.append(f'<text x="{left - 6}" y="{y0 + 24}" text-anchor="end" fill="#2a9d3a">{ok_max}</text>')
        o.append(f'<text x="{left - 6}" y="{mid + 4:.1f}" text-anchor="end" fill="#666">0</text>')
        o.append(f'<text x="{left - 6}" y="{y0 + 14 + 2 * half:.1f}" text-anchor="end" '
                 f'fill="#d62728">{ref_max}</text>')
        ybase = y0 + 14 + 2 * half
        for ms in range(0, nb * 10 + 1, 500):
            x = left + ms // 10 * bw
            o.append(f'<line x1="{x}" x2="{x}" y1="{ybase:.1f}" y2="{ybase + 4:.1f}" stroke="#666"/>')
            o.append(f'<text x="{x}" y="{ybase + 16:.1f}" text-anchor="middle" fill="#666">'
                     f'{ms / 1000:g} s</text>')
    o.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(o) + "\n")
    return True


# ---- 2. throughput -------------------------------------------------------------------
def to_us(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return None
    v = float(m.group(1))
    return v * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]


def wrk():
    out = {}
    for how in ("direct", "tinyhold"):
        rps, lat, p99, cpu = [], [], [], []
        runs = glob.glob(os.path.join(R, "wrk", f"{how}-*.txt"))
        for p in sorted(runs, key=lambda p: int(re.search(r"-(\d+)\.txt$", p).group(1))):
            t = read(p)
            m = re.search(r"(\d+) requests in", t)
            c = re.search(r"server_cpu_ms=([\d.]+)", t)
            if m and c and int(m.group(1)):
                cpu.append(float(c.group(1)) * 1000 / int(m.group(1)))
            m = re.search(r"Requests/sec:\s+([\d.]+)", t)
            if m:
                rps.append(float(m.group(1)))
            m = re.search(r"^\s+Latency\s+(\S+)", t, re.M)
            if m:
                lat.append(to_us(m.group(1)))
            m = re.search(r"^\s+99%\s+(\S+)", t, re.M)
            if m:
                p99.append(to_us(m.group(1)))
        out[how] = {"rps": rps, "lat": lat, "p99": p99, "cpu": cpu}
    return out


# ---- 3. idle, 4. start, 6. reap -------------------------------------------------------
def tsv(path):
    text = read(path)
    if not text:
        return []
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


def idle():
    rows = []
    for r in tsv(os.path.join(R, "idle.tsv")):
        try:
            dv = int(r["vol1"]) - int(r["vol0"])
            dn = int(r["nonvol1"]) - int(r["nonvol0"])
            rows.append((r["init"], dv, dn, int(r["vmhwm_kb"]), int(r["rssfile_kb"]),
                         int(r["rssanon_kb"])))
        except (ValueError, TypeError, KeyError):
            rows.append((r["init"], None, None, None, None, None))
    return rows


def start():
    rows = []
    for line in read(os.path.join(R, "start.tsv")).splitlines():
        p = line.split("\t")
        if len(p) == 9:
            rows.append({"label": p[0], "median": float(p[1]), "p10": float(p[2]),
                         "p90": float(p[3]), "mean": float(p[4]), "min": float(p[5]),
                         "cpu": float(p[6]), "n": int(p[7]), "faults": float(p[8])})
    return rows


def reap():
    by = {}
    for r in tsv(os.path.join(R, "reap.tsv")):
        try:
            by.setdefault(r["init"], []).append(int(r["us"]))
        except (ValueError, TypeError):
            by.setdefault(r["init"], [])
    return by


# ---- 5. size -------------------------------------------------------------------------
FILE_TYPES = set("TtRrDd")


def breakdown(nm_path, from_libc):
    """Bytes of code and data symbols: the program's own, libc's, and libc's largest.
    from_libc(address, name) says whose a symbol is."""
    own = libc = 0
    big = []
    seen = set()
    for line in read(nm_path).splitlines():
        p = line.split()
        if len(p) != 4 or p[2] not in FILE_TYPES or p[0] in seen:
            continue
        seen.add(p[0])  # an alias (inet_pton.localalias) is the same bytes again
        size = int(p[1])
        if from_libc(int(p[0]), p[3]):
            libc += size
            big.append((size, p[3]))
        else:
            own += size
    big.sort(reverse=True)
    return own, libc, big[:6]


def libc_by_names(own_path):
    """Whose a symbol is, by the names the program's own objects define."""
    own_names = set(read(own_path).split())
    return lambda addr, name: name not in own_names


def libc_by_map(map_path):
    """Whose a symbol is, by the input section the linker map puts its address in: libc.a
    and the C runtime's crt*.o, or the program's, LTO partitions included. With -flto the
    program's functions are renamed (.constprop, .isra) and merged, so its objects' symbol
    lists no longer name them."""
    ranges = []
    for line in read(map_path).splitlines():
        m = re.match(r"^ (?:\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if not m or int(m.group(2), 16) == 0 or int(m.group(1), 16) == 0:
            continue
        base = os.path.basename(m.group(3))
        start = int(m.group(1), 16)
        ranges.append((start, start + int(m.group(2), 16),
                       "libc.a(" in m.group(3) or base.startswith("crt") or base.endswith("crt1.o")))
    ranges.sort()
    starts = [r[0] for r in ranges]

    def from_libc(addr, name):
        i = bisect.bisect_right(starts, addr) - 1
        return i >= 0 and ranges[i][0] <= addr < ranges[i][1] and ranges[i][2]
    return from_libc


def whose(nm_path, map_path, own_path):
    """breakdown() by the link map where there is one, else by the objects' names."""
    if os.path.exists(map_path):
        return breakdown(nm_path, libc_by_map(map_path))
    return breakdown(nm_path, libc_by_names(own_path))


def sizes():
    rows = []
    tb = read(os.path.join(R, "tinyhold.bytes")).strip()
    if tb:
        own, libc, big = whose(os.path.join(R, "tinyhold.nm"),
                               os.path.join(R, "tinyhold.unstripped.map"),
                               os.path.join(R, "tinyhold.own"))
        rows.append(("tinyhold", int(tb), own, libc, big, ""))
    for r in tsv(os.path.join(R, "peers", "size.tsv")):
        name = r["name"]
        if r["bytes"]:
            own, libc, big = whose(os.path.join(R, "peers", f"{name}.nm"),
                                   os.path.join(R, "peers", "bin", f"{name}.unstripped.map"),
                                   os.path.join(R, "peers", f"{name}.own"))
            rows.append((name, int(r["bytes"]), own, libc, big, r["note"] or ""))
        else:
            rows.append((name, None, None, None, [], r["note"] or ""))
    return rows


# ---- 7. TIME_WAIT ---------------------------------------------------------------------
def tw():
    tab = {}
    for line in read(os.path.join(R, "tw", "table.txt")).splitlines():
        p = line.split()
        if len(p) == 6 and p[0] == "table":
            tab[(p[1], p[2], p[3])] = (p[4], p[5])
    pile = []
    for line in read(os.path.join(R, "tw", "pile.txt")).splitlines():
        p = line.split()
        if len(p) == 5 and p[0] == "pile":
            pile.append((int(p[1]), int(p[2]), int(p[3]), p[4]))
    cases = {}
    for name in ("naive-noreuse", "naive-reuse", "tinyhold"):
        for p in sorted(glob.glob(os.path.join(R, "tw", f"{name}-*.summary"))):
            d = kv(read(p))
            t = parse_times(p[: -len(".summary")] + ".times")
            if d:
                cases.setdefault(name, []).append((d, t))
    return tab, pile, cases


# ---- 8. instances (tinyhold -n, issue 10) ---------------------------------------------
INST = os.path.join(R, "inst")
NA = "not available in this build"
SCALE_SETUPS = [
    # (key, server, how, instances)
    ("c-n1", "C (bench/instsrv.c)", "tinyhold `-n 1`", 1),
    ("c-n2", "C (bench/instsrv.c)", "tinyhold `-n 2`", 2),
    ("c-n2-a1", "C (bench/instsrv.c)", "tinyhold `-n 2`, one accept() per wake-up (`-a 1`)", 2),
    ("node-n1", "Node.js `http` (bench/instsrv.js)", "tinyhold `-n 1`", 1),
    ("node-n2", "Node.js `http` (bench/instsrv.js)", "tinyhold `-n 2`", 2),
    ("node-cluster", "Node.js `http` (bench/instsrv.js)", "Node `cluster`, 2 workers (bench/cluster.js)", 2),
    ("node-pm2", "Node.js `http` (bench/instsrv.js)", "`pm2-runtime -i 2` (cluster mode)", 2),
]


def runs_of(prefix, ext):
    """bench/results/inst/PREFIX-ROUND.EXT, by round."""
    out = []
    for p in glob.glob(os.path.join(INST, f"{prefix}-*.{ext}")):
        m = re.fullmatch(re.escape(prefix) + r"-(\d+)\." + re.escape(ext), os.path.basename(p))
        if m:
            out.append((int(m.group(1)), p))
    return [p for _, p in sorted(out)]


def inst_times(path):
    """ready and count lines of the servers: (ready [(ns, pid, instance)], counts [(pid, instance, n)])."""
    ready, counts = [], []
    for line in read(path).splitlines():
        p = line.split()
        if len(p) >= 4 and p[0] == "ready":
            ready.append((int(p[1]), int(p[2]), p[3]))
        elif len(p) >= 5 and p[0] == "count":
            counts.append((int(p[2]), p[3], int(p[4])))
    return ready, counts


def gap_run(summary_path):
    """One serving-gap run: the client's record around the kill."""
    d = kv(read(summary_path))
    if "requests" not in d:
        return None
    base = summary_path[: -len(".summary")]
    kill_us = float(d.get("kill_us", 0) or 0)
    start_ns = int(d.get("start_ns", 0) or 0)
    steady, lat_all = [], []
    in_flight_reset = other_reset = 0
    last_ok_end = None
    gap = 0.0
    for r in tsv(base + ".tsv"):
        try:
            st, lat = float(r["start_us"]), float(r["latency_us"])
        except (ValueError, TypeError, KeyError):
            continue
        end = st + lat
        lat_all.append(lat)
        if r["outcome"] == "ok":
            # Steady state: after a 0.2 s warm-up, replies that ended before the kill.
            if st >= 200000 and end < kill_us:
                steady.append(lat)
            if last_ok_end is not None:
                gap = max(gap, end - last_ok_end)
            last_ok_end = end
        elif r["outcome"] == "reset":
            if st <= kill_us <= end:
                in_flight_reset += 1
            else:
                other_reset += 1
    ready, _ = inst_times(base + ".times")
    kill_ns = start_ns + kill_us * 1000
    back = [t for t, _, _ in ready if t > kill_ns]
    p99 = pct(steady, 99)
    longest = max(lat_all) if lat_all else None
    return {"requests": int(d["requests"]), "ok": int(d["ok"]), "refused": int(d["refused"]),
            "reset": int(d["reset"]), "other": int(d["other"]), "in_flight_reset": in_flight_reset,
            "other_reset": other_reset, "p99_ms": p99 / 1000 if p99 is not None else None,
            "longest_ms": longest / 1000 if longest is not None else None, "gap_ms": gap / 1000,
            "killed": d.get("killed_pid", "0") not in ("", "0"),
            "back_ms": (min(back) - kill_ns) / 1e6 if back else None}


def wrk_figures(path):
    t = read(path)
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    rps = float(m.group(1)) if m else None
    m = re.search(r"^\s+99%\s+(\S+)", t, re.M)
    p99 = to_us(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
    bad = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", t)
    return rps, p99, bad, (m.group(1).strip() if m else "")


def share(counts):
    """Requests per instance of one run, most first, and max/min."""
    ns = sorted((n for _, _, n in counts), reverse=True)
    if len(ns) < 2:
        return ns, None
    return ns, (ns[0] / ns[-1] if ns[-1] else float("inf"))


def instances_section(w, level="##"):
    meta = kv(read(os.path.join(INST, "meta.env")))
    if not meta:
        w(f"{level} 8. Instances (`-n`)")
        w("")
        w("Not run: no bench/results/inst/meta.env (`bench/run.sh instances`).")
        w("")
        return
    have_n = meta.get("have_n") == "1"
    goals = []
    w(f"{level} 8. Instances (`-n`, issue 10)")
    w("")
    w(f"Measured on {meta.get('date', '?')} from `{meta.get('git', '?')}` ({meta.get('tinyhold', '?')}), "
      f"load {meta.get('load', '?')} on {meta.get('cores', '?')} cores; Node.js "
      f"{meta.get('node') or '–'}, pm2 {meta.get('pm2') or '–'}, wrk {meta.get('wrk') or '–'}; "
      f"{meta.get('secs', '?')} s. `bench/run.sh instances` runs this part alone (into "
      "bench/results/instances.md).")
    if not have_n:
        w("")
        w(f"**This tinyhold has no `-n`** (`tinyhold -n 2 -- true`: unknown option): the `-n 1` rows "
          f"ran tinyhold without `-n`, which is one instance, and the `-n 2` and "
          f"`-n {meta.get('idle_n', '4')}` rows are {NA}.")
    w("")

    # 8a. serving gap
    w(f"{level}# 8a. Serving gap when one instance crashes")
    w("")
    w(f"bench/instsrv.c sleeps {meta.get('gap_sleep_ms', '?')} ms before its first `accept()` (an app "
      "slow to start) and answers `GET /` with its `X-Pid`. bench/gapcli.c sends requests back to "
      f"back for {meta.get('gap_secs', '?')} s, one connection each (`HTTP/1.0`, read to EOF), and "
      f"records every one; at {meta.get('gap_kill_at', '?')} s a second thread SIGKILLs the instance "
      "that answered the latest reply (one of tinyhold's children). *Steady p99*: requests that "
      "ended before the kill, after 0.2 s. *Longest wait*: the longest any request took, from "
      "connect() to the end of the reply. *Reset in flight*: resets of requests under way at the "
      "kill (accepted by the killed instance). *Back*: from the kill to the replacement's ready "
      f"stamp. {meta.get('gap_rounds', '?')} rounds, `-n 1` and `-n 2` alternating.")
    w("")
    rows = []
    for n in (1, 2):
        runs = runs_of(f"gap-n{n}", "summary")
        if not runs:
            why = read(os.path.join(INST, f"gap-n{n}-1.skipped")).strip() or "not run"
            rows.append([f"`-n {n}`", why] + [""] * 8)
            continue
        for i, p in enumerate(runs, 1):
            g = gap_run(p)
            if g is None:
                rows.append([f"`-n {n}`", f"round {i}: no figures"] + [""] * 8)
                continue
            rows.append([f"`-n {n}`, round {i}", f(g["requests"]), f(g["p99_ms"], 2), f(g["longest_ms"], 1),
                         f(g["gap_ms"], 1), f(g["refused"]), f(g["in_flight_reset"]),
                         f(g["other_reset"]), f(g["other"]), f(g["back_ms"], 0)])
            if n == 2 and g["p99_ms"] is not None:
                ok = (g["longest_ms"] <= g["p99_ms"] + 10 and g["refused"] == 0
                      and g["other_reset"] == 0 and g["other"] == 0 and g["killed"])
                goals.append((f"`-n 2`, round {i}: longest wait ≤ steady p99 + 10 ms, 0 refused, "
                              "0 reset but those in flight",
                              f"{g['longest_ms']:.1f} ms vs {g['p99_ms']:.2f} + 10 ms; refused "
                              f"{g['refused']}, reset {g['in_flight_reset']} in flight + "
                              f"{g['other_reset']} other", ok))
    if not have_n:
        goals.append(("`-n 2`: longest wait ≤ steady p99 + 10 ms, 0 refused, 0 reset but those in "
                      "flight", NA, False))
    w(table(["setup", "requests", "steady p99 ms", "longest wait ms", "longest gap between replies ms",
             "refused", "reset in flight", "reset other", "unanswered", "back ms"], rows))
    w("")
    w("With one instance, every request that comes after the kill waits in the held socket's "
      "backlog until the replacement has started: the longest wait is the app's start-up. With two, "
      "the other instance keeps accepting from the same queue.")
    w("")

    # 8b. scaling
    w(f"{level}# 8b. Scaling a CPU-bound single-threaded server")
    w("")
    w(f"Each request burns {meta.get('burn_us', '?')} µs of the server's own CPU time (a loop on "
      "`CLOCK_THREAD_CPUTIME_ID` in C, on `process.cpuUsage()` in Node.js), so one process "
      f"tops out near {1e6 / float(meta.get('burn_us') or 1000):,.0f} requests/s. "
      f"`wrk -t1 -c{meta.get('scale_conns', '?')} -d{meta.get('scale_secs', '?')}s` on the same "
      f"{meta.get('cores', '?')} cores; {meta.get('scale_rounds', '?')} rounds, every setup once per "
      "round. *Per instance*: the requests each process answered (its own count, written on "
      "SIGTERM/SIGINT), most first, in each round; max/min is their median over the rounds.")
    w("")
    fig = {}
    rows = []
    for key, server, how, n in SCALE_SETUPS:
        runs = runs_of(f"scale-{key}", "txt")
        if not runs:
            if "-n2" in key:
                why = read(os.path.join(INST, "scale-n2.skipped")).strip()
            elif key == "node-pm2":
                why = read(os.path.join(INST, "scale-pm2.skipped")).strip()
            else:
                why = ""
            why = why or read(os.path.join(INST, "scale-node.skipped")).strip() or \
                read(os.path.join(INST, "scale.skipped")).strip() or "not run"
            rows.append([server, how, why, "", "", "", "", ""])
            continue
        rps, p99, shares, ratios, errs = [], [], [], [], 0
        for p in runs:
            r, q, bad, sock = wrk_figures(p)
            if r is not None:
                rps.append(r)
            if q is not None:
                p99.append(q)
            errs += bad
            ns, mm = share(inst_times(p[: -len(".txt")] + ".times")[1])
            shares.append(ns)
            if mm is not None:
                ratios.append(mm)
        mm = med(ratios)
        worst = max(ratios) if ratios else None
        fig[key] = {"rps": rps, "by_round": [wrk_figures(p)[0] for p in runs], "maxmin": mm,
                    "idle_rounds": sum(1 for x in ratios if x == float("inf")),
                    "rounds": len(ratios)}

        def mmf(x):
            return "∞" if x == float("inf") else f(x, 2)
        rows.append([server, how, f"{med(rps):,.0f}" if rps else "–",
                     f"{min(rps):,.0f} … {max(rps):,.0f}" if rps else "–",
                     f(med(p99) / 1000 if p99 else None, 1),
                     "; ".join(" / ".join(str(x) for x in s) for s in shares),
                     f"{mmf(mm)} ({mmf(worst)})" if n > 1 and ratios else "",
                     f(errs)])
    w(table(["server", "how", "median requests/s", "rounds' range", "p99 ms",
             "requests per instance, each round", "max/min, median (worst)", "non-2xx"], rows,
            ["l", "l", "r", "r", "r", "l", "r", "r"]))
    w("")

    def ratio(a, b):
        """Median over rounds of a/b, the same round's runs side by side."""
        if a not in fig or b not in fig:
            return None
        pairs = [x / y for x, y in zip(fig[a]["by_round"], fig[b]["by_round"]) if x and y]
        return med(pairs)

    lines = []
    for a, b, what in (("c-n2", "c-n1", "C: `-n 2` / `-n 1`"),
                       ("c-n2-a1", "c-n1", "C, one accept() per wake-up: `-n 2` / `-n 1`"),
                       ("node-n2", "node-n1", "Node.js: `-n 2` / `-n 1`"),
                       ("node-cluster", "node-n1", "Node.js: `cluster` (2 workers) / tinyhold `-n 1`"),
                       ("node-pm2", "node-n1", "Node.js: `pm2-runtime -i 2` / tinyhold `-n 1`"),
                       ("node-n2", "node-cluster", "Node.js: tinyhold `-n 2` / `cluster`"),
                       ("node-n2", "node-pm2", "Node.js: tinyhold `-n 2` / pm2")):
        x = ratio(a, b)
        if x is None and ("-n2" in a and not have_n):
            lines.append([what, NA])
        else:
            lines.append([what, f(x, 2)])
    w(table(["ratio (median of the rounds' ratios)", ""], lines, ["l", "r"]))
    w("")
    for a, b, goal in (("c-n2", "c-n1", 1.7), ("node-n2", "node-n1", 1.7)):
        x = ratio(a, b)
        goals.append((f"{'C' if a.startswith('c') else 'Node.js'}: `-n 2` ≥ {goal}× `-n 1`", NA if x is None else f"{x:.2f}×",
                      x is not None and x >= goal))
    for other in ("node-cluster", "node-pm2"):
        x = ratio("node-n2", other)
        goals.append((f"Node.js: `-n 2` at least as fast as {other.split('-')[1]}",
                      NA if x is None else f"{x:.2f}×", x is not None and x >= 1.0))
    def mm_of(key):
        d = fig.get(key, {})
        x = d.get("maxmin")
        if x is None:
            return None
        text = "∞" if x == float("inf") else f"{x:.2f}"
        if d["idle_rounds"]:
            text += (f", one instance served nothing in {d['idle_rounds']} of the "
                     f"{d['rounds']} rounds")
        return text

    seen = [f"{label}: {mm_of(key)}" for key, label in
            (("c-n2", "C, draining the queue at each wake-up"),
             ("c-n2-a1", "C, one accept() per wake-up"),
             ("node-n2", "Node.js"),
             ("node-cluster", "Node `cluster`"),
             ("node-pm2", "pm2")) if mm_of(key) is not None]
    w("How the work is shared. Under tinyhold the instances wait on one listening socket (one "
      "file description, held by tinyhold) and each new connection goes to whichever instance "
      "takes it from the one accept queue first. The kernel chooses the waiter: epoll wakes the "
      "process that most recently went back to waiting first (last in, first out), so an "
      "instance that keeps up keeps getting the connections, and one that is not on a CPU at "
      "that moment may get none; a server that drains the whole queue at each wake-up "
      "(`while (accept() >= 0)`) can take a whole burst for itself. wrk opens its "
      f"{meta.get('scale_conns', '?')} keep-alive connections at once and keeps them, so the "
      "split is decided in its first milliseconds and holds for the run. Node's `cluster` module "
      "accepts in the primary and deals the connections to the workers round-robin (its default "
      "on Linux, SCHED_RR, chosen because the kernel's choice was uneven), at the cost of every "
      "connection passing through the primary; pm2's cluster mode is that module.")
    w("")
    if seen:
        w("Seen in this run, max/min of the requests per instance (median of the rounds): "
          + "; ".join(seen) + ".")
        w("")
    w("What an app can do if its instances must share evenly: accept one connection per wake-up "
      "(nginx's default, `multi_accept off`; bench/instsrv.c `-a 1`), which gives another "
      "instance a chance at the next one but no guarantee (compare the two C rows: the instance "
      "that is running when the burst comes can still take it all, one at a time); close "
      "keep-alive connections now and then (a request count or an idle "
      "timeout) so that they are dealt again; or open its own `SO_REUSEPORT` listeners, which "
      "spread connections by a hash but keep a separate queue per process, which dies with it "
      "(what tinyhold's shared queue is there to avoid).")
    w("")

    # 8c. idle
    w(f"{level}# 8c. Idle wake-ups")
    w("")
    w(f"As section 3 (PID 1 of a pid namespace, `/bin/sleep` as the app, holding a socket): "
      f"context switches of tinyhold over {meta.get('idle_secs', '?')} s.")
    w("")
    rows = []
    for r in tsv(os.path.join(INST, "idle.tsv")):
        try:
            dv = int(r["vol1"]) - int(r["vol0"])
            dn = int(r["nonvol1"]) - int(r["nonvol0"])
        except (ValueError, TypeError, KeyError):
            rows.append([r.get("init", "?"), "–", "–", "–"])
            continue
        rows.append([r["init"], f(dv), f(dn), f(int(r["vmhwm_kb"] or 0), unit=" kB")])
        if "-n" in r["init"] and not r["init"].endswith("no -n)") and r["init"] != "tinyhold -n 1":
            goals.append((f"0 idle wake-ups with {r['init']}", f(dv + dn), dv + dn == 0))
    if not have_n:
        rows.append([f"tinyhold -n {meta.get('idle_n', '4')}", NA, "", ""])
        goals.append((f"0 idle wake-ups with tinyhold -n {meta.get('idle_n', '4')}", NA, False))
    w(table(["init", "voluntary switches", "involuntary", "peak RSS"], rows))
    w("")

    # 8d. crash -> accepting
    w(f"{level}# 8d. Crash → accepting again, `-n 1` against the bare holder")
    w("")
    w(f"Section 1's crash storm (stormsrv aborts on its {meta.get('storm_k', '?')}th connection), "
      f"{meta.get('storm_rounds', '?')} interleaved rounds of {meta.get('storm_secs', '?')} s: "
      "tinyhold `--backoff-max 0` with one instance, and the bare holder (bind once, "
      "fork/exec/waitpid).")
    w("")
    setups = [("tinyhold-n1", "tinyhold `-n 1 --backoff-max 0`" if have_n else
               "tinyhold `--backoff-max 0` (one instance: no `-n`)"),
              ("floor", "(ref) bare holder")]
    st = storm(os.path.join("inst", "storm"), setups)
    rows = []
    for key, label in setups:
        a = st.get(key)
        if a is None:
            rows.append([label, "not run", "", "", "", "", ""])
            continue
        cpu, faults = per_restart(a)
        rows.append([label, f(a["crashes"]), f(a["refused"]), f(med(a["lat"]), 3),
                     f(pct(a["lat"], 99), 2), f(cpu, 0), f(faults, 1)])
    w(table(["setup", "crashes", "refused", "crash→ready median ms", "p99 ms",
             "holder CPU µs/restart", "holder page faults/restart"], rows))
    w("")
    t1, fl = st.get("tinyhold-n1"), st.get("floor")
    if t1 and fl and t1["lat"] and fl["lat"]:
        x = med(t1["lat"]) / med(fl["lat"])
        w(f"Ratio of the medians, tinyhold / bare holder: **{x:.2f}** "
          f"({(med(t1['lat']) - med(fl['lat'])) * 1000:+.0f} µs). The bare holder only forks, "
          "execs and waits; tinyhold also resets the signal mask, names the sockets and learns "
          "the exec's outcome, and its fork() copies a larger process: every page that it "
          "writes before the child's exec, or after it once, is a copy-on-write fault (the "
          "page-fault column; the child's own faults come on top).")
        w("")
        goals.append(("crash→ready with `-n 1` within 1.1× the bare holder", f"{x:.2f}×", x <= 1.1))

    w(f"{level}# 8e. Goals of issue 10")
    w("")
    w(table(["goal", "measured", ""], [[g, m, "met" if ok else ("–" if m == NA else "**missed**")]
                                      for g, m, ok in goals], ["l", "l", "l"]))
    w("")
    w("```")
    w("bench/run.sh instances   # this part alone, as root; or make bench-instances")
    for p in sorted(glob.glob(os.path.join(INST, "*-1.cmd")) +
                    glob.glob(os.path.join(INST, "storm", "*-1.cmd"))):
        w(read(p).strip().replace(R, "bench/results").replace(os.path.dirname(HERE) + "/", "")
          .replace("@P@", "PORT").replace("@T@", "TIMES"))
    w(f"wrk -t1 -c{meta.get('scale_conns', '?')} -d{meta.get('scale_secs', '?')}s --latency "
      "http://127.0.0.1:PORT/")
    w("```")
    w("")


def instances_only():
    """bench/run.sh instances: this part alone, into bench/results/instances.md."""
    md = ["# tinyhold benchmarks: instances", "",
          "Made by `bench/run.sh instances`; benchmarks report, they do not assert: compare "
          "figures within one table, measured side by side in one run.", ""]
    instances_section(md.append)
    out = os.path.join(R, "instances.md")
    with open(out, "w") as fh:
        fh.write("\n".join(md))
    print(f"report: {out}")


# ---- the report ----------------------------------------------------------------------
def main():
    meta = kv(read(os.path.join(R, "meta.env")))
    if not meta:
        sys.exit("report: no bench/results/meta.env; run make bench")
    md = []
    targets = []  # (target, measured, verdict, note)
    w = md.append

    w("# tinyhold benchmarks")
    w("")
    w(f"Made by `make bench` on {meta.get('date', '?')} from `{meta.get('git', '?')}` "
      f"({meta.get('tinyhold', '?')}); bench/run.sh measured, bench/report.py wrote this file "
      "and crash-storm.svg. Benchmarks report, they do not assert: the machine is shared and "
      "noisy, so compare figures within one table, which were measured side by side in one run.")
    w("")
    w(table(["machine", ""], [
        ["kernel", meta.get("kernel", "?")], ["OS", meta.get("os", "?")],
        ["CPU", f"{meta.get('cpu', '?')}, {meta.get('cores', '?')} cores"],
        ["memory", meta.get("mem", "?")], ["load at start", meta.get("load", "?")],
        ["compiler", f"{meta.get('cc', '?')}, musl {meta.get('musl', '?')}"],
        ["peers (Debian)", f"tini {meta.get('pkg_tini') or '–'}, dumb-init "
         f"{meta.get('pkg_dumb-init') or '–'}, catatonit {meta.get('pkg_catatonit') or '–'}"],
        ["tools", f"wrk {meta.get('pkg_wrk') or '–'}, strace {meta.get('pkg_strace') or '–'}, "
         f"supervisor {meta.get('pkg_supervisor') or '–'}"],
        ["whole run", f"{meta.get('bench_secs', '?')} s"],
    ], ["l", "l"]))
    w("")
    w("Everything runs as root on loopback inside a private network namespace "
      "(`unshare --net`, `lo` up); the inits run as PID 1 of their own pid namespace "
      "(`unshare --pid --fork --mount-proc`) where it matters.")
    w("")

    # 1
    st = storm()
    k = meta.get("storm_k", "?")
    w("## 1. Crash storm")
    w("")
    w(f"`bench/stormsrv.c` (an epoll HTTP server) aborts on the request of its {k}th connection, "
      f"so it crashes every few milliseconds; `bench/stormcli.c` connects in a tight loop for "
      f"{meta.get('storm_secs', '?')} s (`GET / HTTP/1.0`, read to EOF, next). "
      f"{meta.get('storm_rounds', '?')} interleaved rounds per setup, each on a fresh port; counts "
      "are summed, latencies pooled. *Crash → ready* is from the server's own CLOCK_MONOTONIC "
      "stamps: just before `abort()`, at the top of the next `main()`, and just before its first "
      "`accept()` (after `bind()`+`listen()` where the app binds). *Holder CPU* is the "
      "supervisor's own on-CPU time (`/proc/PID/sched`) divided by the restarts. A *reset* is the "
      "request that crashed the server, or a connection lost in a closed backlog; *unanswered*: "
      "no reply before the end of the run plus 1 s.")
    w("")
    rows = []
    for key, label in STORM_SETUPS:
        a = st.get(key)
        if a is None:
            if key == "supervisord":
                note = read(os.path.join(R, "storm", "supervisord.skipped")).strip() or "not run"
                rows.append([label, f"skipped: {note}"] + [""] * 10)
            continue
        rps = a["crashes"] / a["secs"] if a["secs"] else 0
        cpu, faults = per_restart(a)
        rows.append([label, f(a["crashes"]), f(a["ok"]), f(a["refused"]), f(a["reset"]),
                     f(a["other"]), f(a["gap"], 1), f(med(a["lat"]), 3), f(pct(a["lat"], 99), 2),
                     f(med(a["to_main"]), 3), f(med(a["to_listen"]), 3), f(cpu, 0), f(faults, 1)])
    w(table(["setup", "crashes", "replies", "refused", "reset", "unanswered", "longest gap ms",
             "crash→ready median ms", "p99 ms", "crash→main() median ms",
             "main()→ready median ms", "holder CPU µs/restart", "holder page faults/restart"],
            rows))
    w("")
    if "naive" in st and st["naive"]["bindfails"]:
        w(f"The naive loop's server failed to bind {st['naive']['bindfails']} times.")
        w("")
    w("![crash storm timeline](crash-storm.svg)")
    w("")
    th, b0, fl, nv = st.get("tinyhold"), st.get("tinyhold-b0"), st.get("floor"), st.get("naive")
    add = None
    if b0 and fl and b0["lat"] and fl["lat"]:
        add = med(b0["lat"]) - med(fl["lat"])
        cpu_b0 = b0["cpu_ms"] * 1000 / b0["crashes"] if b0["crashes"] else None
        cpu_fl = fl["cpu_ms"] * 1000 / fl["crashes"] if fl["crashes"] else None
        w(f"tinyhold's own share of a restart: its crash→ready median is {add:+.3f} ms against the "
          f"bare holder's (which only forks, execs and waits), and it spends "
          f"{f(cpu_b0, 0)} µs of CPU per restart against the bare holder's {f(cpu_fl, 0)} µs "
          "(fork included in both). The rest of the crash→ready time is the kernel tearing "
          "down the crashed process, fork, and the app's own exec.")
        w("")
    if nv and nv["to_listen"] and b0:
        w(f"The naive loop restarts about as fast as fork and exec allow, yet its server is "
          f"refused {f(nv['refused'])} connects: nothing listens between the crash and the next "
          f"`listen()`, and the connections still queued in the dead socket's backlog are reset. "
          f"Its own `bind()`+`listen()` take {med(nv['to_listen']):.3f} ms (median), growing as "
          "the TIME_WAIT sockets of its earlier lives pile up on the port (section 7).")
        w("")
    if th:
        w("With the default back-off, the first restart is immediate and the next ones wait 0.1, "
          "0.2, 0.4 … s: a server that crashes every few milliseconds is a crash loop, and the "
          "back-off is meant to slow it. Meanwhile the socket stays open, so the client's "
          "connections wait in the backlog instead of being refused; that is the longest gap.")
        w("")
    if th and b0 and nv:
        targets.append(("0 refused under tinyhold, many under the naive restart",
                        f"tinyhold {th['refused']} and {b0['refused']} (--backoff-max 0); naive "
                        f"{nv['refused']}",
                        th["refused"] == 0 and b0["refused"] == 0 and nv["refused"] > 0, ""))
    if add is not None:
        targets.append(("crash→ready dominated by the app's exec; tinyhold adds < 1 ms",
                        f"median {med(b0['lat']):.3f} ms vs bare holder {med(fl['lat']):.3f} ms: "
                        f"{add:+.3f} ms", add < 1.0, ""))

    # 2
    wr = wrk()
    w("## 2. Throughput")
    w("")
    w(f"`wrk -t1 -c{meta.get('wrk_conns', '?')} -d{meta.get('wrk_secs', '?')}s` against the same "
      "stormsrv (keep-alive, never crashing), bound by itself (*direct*) or given its socket by "
      f"`tinyhold -q -p`; {meta.get('wrk_rounds', '?')} rounds, direct and tinyhold alternating. "
      "The ratio is taken for each adjacent pair, so that the machine's load, which drifts, "
      "weighs on both sides of it alike.")
    w("")
    dr, tr = wr["direct"]["rps"], wr["tinyhold"]["rps"]
    if dr and tr:
        rows = []
        for how in ("direct", "tinyhold"):
            d = wr[how]
            rows.append([how, f"{min(d['rps']):,.0f} … {max(d['rps']):,.0f}",
                         f"{med(d['rps']):,.0f}", f(med(d["lat"]), 1), f(med(d["p99"]), 1),
                         f(med(d["cpu"]), 2)])
        pairs = [t / d for d, t in zip(dr, tr) if d]
        ratio = med(pairs)
        w(table(["server", "requests/s, rounds' range", "median requests/s", "mean latency µs",
                 "p99 latency µs", "server CPU µs/request"], rows))
        w("")
        cpu_ratio = (med(wr["tinyhold"]["cpu"]) / med(wr["direct"]["cpu"])
                     if wr["tinyhold"]["cpu"] and wr["direct"]["cpu"] else None)
        w(f"Ratio tinyhold / direct: **{ratio:.3f}** (median of the {len(pairs)} pairs, which range "
          f"{min(pairs):.3f} … {max(pairs):.3f}; ratio of the medians {med(tr) / med(dr):.3f}). "
          f"The server's own CPU time per request, which the machine's load does not move, has "
          f"the ratio {f(cpu_ratio, 3)}. tinyhold is not in the data path: the app accepts from "
          "the socket itself and tinyhold sleeps in poll(), so a difference is the machine's noise.")
        spread = (max(pairs) - min(pairs)) if len(pairs) > 1 else 0
        targets.append(("throughput ratio ≥ 0.98", f"{ratio:.3f} (server CPU per request: "
                        f"{f(cpu_ratio, 3)})", ratio >= 0.98,
                        "" if ratio >= 0.98 else "tinyhold is not in the data path (it sleeps in "
                        "poll() while the app accepts from the socket), and the server's CPU time "
                        f"per request is the same ({f(cpu_ratio, 3)}); the pair ratios of this run "
                        f"spread over {spread:.2f}, more than the target's margin, on a shared "
                        "2-core machine"))
    else:
        w("Skipped: " + (read(os.path.join(R, "wrk", "skipped")).strip() or "wrk produced no figures"))
    w("")

    # 3
    w("## 3. Idle cost")
    w("")
    w(f"Each init as PID 1 of its own pid namespace with `/bin/sleep` as the app (tinyhold also "
      f"holding a socket, `-p 127.0.0.1:PORT`), all at once; after 1 s to settle, the init's "
      f"context switches over {meta.get('idle_secs', '?')} s from `/proc/PID/status`, and its "
      "peak RSS (VmHWM). The Debian builds are dynamically linked against glibc; the musl static "
      "builds are the ones of section 5.")
    w("")
    idl = idle()
    rows = [[n, f(v), f(nv_), f(hwm, unit=" kB"), f(rf, unit=" kB"), f(ra, unit=" kB")]
            for n, v, nv_, hwm, rf, ra in idl]
    w(table(["init", "voluntary switches", "involuntary", "peak RSS (VmHWM)",
             "of it: file (the binary, libs)", "anonymous (data, heap, stack)"], rows))
    sk = read(os.path.join(R, "inits.skipped")).strip()
    if sk:
        w("")
        w("Skipped: " + "; ".join(sk.splitlines()))
    w("")
    thi = next((r for r in idl if r[0] == "tinyhold"), None)
    peers_idle = [r for r in idl if r[0] != "tinyhold" and r[3] is not None]
    if thi and thi[1] is not None:
        wake = thi[1] + thi[2]
        targets.append((f"0 idle wake-ups over {meta.get('idle_secs', '?')} s", f"{wake}",
                        wake == 0, ""))
    if thi and thi[3] is not None and peers_idle:
        best = min(peers_idle, key=lambda r: r[3])
        targets.append(("peak RSS no worse than the best peer", f"tinyhold {thi[3]} kB; best: "
                        f"{best[0]} {best[3]} kB", thi[3] <= best[3],
                        "" if thi[3] <= best[3] else
                        f"tinyhold maps {thi[4]} kB of its binary against {best[4]} kB (a small "
                        "static file is faulted in whole, so RSS follows the binary's size, "
                        f"section 5) and has {thi[5]} kB of anonymous memory against {best[5]} kB: "
                        "its state and buffers (.bss), a few pages of its arena for the sockets, "
                        "names and the app's environment, and a deeper stack. tinyhold beats every "
                        "Debian (glibc, dynamic) build of the peers, which is what a container "
                        "gets from `apt-get install`"))

    # 4
    w("## 4. Start overhead")
    w("")
    w(f"bench/startcmp.c runs `INIT -- /bin/true` for every init and `/bin/true` alone, "
      f"{meta.get('start_rounds', '?')} rounds, each round every command once in a rotating order "
      "(interleaved, so the shared machine's drifting load weighs on all alike; the first 10% "
      "warm up), not as PID 1. *Overhead* = the init's median − `/bin/true`'s median. *CPU* is "
      "the user+system time of the init and what it reaped (wait4's rusage), minus "
      "`/bin/true`'s: the work, which a busy machine does not inflate. *Syscalls*: `strace -f -c` "
      "of `INIT -- /bin/true` minus that of `/bin/true`.")
    w("")
    sr = start()
    scalls = {r[0]: r[1] for r in (l.split("\t") for l in
                                    read(os.path.join(R, "start.syscalls")).splitlines()) if len(r) == 2}
    if sr:
        base = next((r for r in sr if r["label"] == "/bin/true"), None)
        rows = []
        for r in sr:
            is_base = r["label"] == "/bin/true"
            over = r["median"] - base["median"] if base and not is_base else None
            cpu = r["cpu"] - base["cpu"] if base and not is_base else r["cpu"]
            flt = r["faults"] - base["faults"] if base and not is_base else r["faults"]
            rows.append([r["label"], f(r["median"], 0), f"{r['p10']:.0f} … {r['p90']:.0f}",
                         f(over, 0), f(cpu, 0), scalls.get(r["label"], "–"), f(int(flt))])
        w(table(["command", "median µs", "p10 … p90 µs", "overhead µs", "CPU µs",
                 "syscalls", "page faults"], rows))
        thr = next((r for r in sr if r["label"] == "tinyhold"), None)
        peers_start = [r for r in sr if r["label"] not in ("tinyhold", "/bin/true")]
        if thr and peers_start and base:
            best = min(peers_start, key=lambda r: r["median"])
            ok = thr["median"] <= best["median"]
            note = ""
            if not ok:
                note = (f"tinyhold needs {thr['cpu'] - base['cpu']:.0f} µs of CPU per start against "
                        f"{best['label']}'s {best['cpu'] - base['cpu']:.0f} µs, makes "
                        f"{scalls.get('tinyhold', '?')} syscalls against "
                        f"{scalls.get(best['label'], '?')} and takes "
                        f"{thr['faults'] - base['faults']:.0f} page faults against "
                        f"{best['faults'] - base['faults']:.0f}. The syscalls are its set-up: "
                        "it sets the disposition of every signal (one rt_sigaction each, to "
                        "give the app a clean set), opens a signalfd, reads net.core.somaxconn "
                        "even without -p, moves to /, and learns the "
                        "exec's outcome through a close-on-exec pipe; the faults follow its "
                        "larger binary, data and stack (sections 3 and 5). It is paid once per "
                        "start; a restart costs less (section 1)")
            targets.append(("start overhead no worse than the best peer",
                            f"tinyhold {thr['median'] - base['median']:.0f} µs; best: "
                            f"{best['label']} {best['median'] - base['median']:.0f} µs", ok, note))
    else:
        w("Skipped: " + (read(os.path.join(R, "start.log")).strip() or "startcmp produced no figures"))
    w("")

    # 5
    w("## 5. Size")
    w("")
    w("The peers' sources come from Debian's source packages (`apt-get source` through a "
      "private deb-src list; bench/peers.sh), built in bench/results/peers/ (never committed) "
      "the way the Makefile builds tinyhold: "
      f"`{meta.get('cc', 'musl-gcc').split()[0] if meta.get('cc') else 'musl-gcc'} -std=gnu99 "
      f"{meta.get('peer_cflags', '')} … {meta.get('peer_ldflags', '').strip()}`. "
      "*Own* and *libc* sum the sizes of the code and data symbols of the same link unstripped: "
      "the program's own objects, and what it pulls in from libc.")
    w("")
    sz = sizes()
    rows = []
    for name, b, own, libc, big, note in sz:
        rows.append([name, f(b), f(own), f(libc), ", ".join(f"{n} {s}" for s, n in big[:4]) or "–",
                     note or ""])
    w(table(["binary", "bytes", "own", "libc", "largest libc symbols", "note"], rows,
             ["l", "r", "r", "r", "l", "l"]))
    w("")
    ths = next((r for r in sz if r[0] == "tinyhold"), None)
    peers_sz = [r for r in sz if r[0] != "tinyhold" and r[1]]
    if ths and peers_sz:
        best = min(peers_sz, key=lambda r: r[1])
        ok = ths[1] < best[1]
        note = ""
        if not ok:
            note = (f"tinyhold's own code and data are {f(ths[2])} bytes against "
                    f"{best[0]}'s {f(best[2])}: it parses socket specs, binds dual-stack "
                    "and unix sockets, reads /etc/passwd and /etc/group for -u, speaks "
                    "sd_notify (readiness, watchdog, fd store, reload) and runs the restart state "
                    "machine, none of which the peers do; what it takes from libc is close to "
                    f"theirs ({f(ths[3])} bytes against {f(best[3])})")
        targets.append(("a static binary smaller than the peers built the same way",
                        f"tinyhold {f(ths[1])} B; smallest peer: {best[0]} {f(best[1])} B",
                        ok, note))

    # 6
    w("## 6. Reaping")
    w("")
    n = meta.get("reap_n", "?")
    w(f"`unshare --pid --fork --mount-proc INIT -- orphans {n}` (bench/orphans.c): {n} processes "
      "are re-parented to the init, then released at once; the time runs until the last of them "
      f"has been reaped (kill(pid, 0) fails with ESRCH). {meta.get('reap_reps', '?')} runs each.")
    w("")
    rp = reap()
    rows = []
    for name, us in rp.items():
        rows.append([name, f(med(us) / 1000 if us else None, 2),
                     f(min(us) / 1000 if us else None, 2),
                     f(med(us) / int(n) if us and n.isdigit() else None, 2),
                     " / ".join(f"{x / 1000:.1f}" for x in us)])
    w(table(["init", "median ms", "min ms", "µs per orphan", "runs ms"], rows))
    w("")

    # 7
    tab, pile, cases = tw()
    w("## 7. The original bug: TIME_WAIT and bind()")
    w("")
    w("bench/twbind.c in a private network namespace. An *old* listener on 127.0.0.1:PORT, with or "
      "without SO_REUSEADDR, accepts 50 connections and dies in one of two ways: after closing "
      "them first (the usual HTTP server: the server side lingers in TIME_WAIT for 60 s) or with "
      "them still open (FIN_WAIT). Then a *new* socket tries to bind() the port.")
    w("")
    rows = []
    for old in ("0", "1"):
        for new in ("0", "1"):
            r = [f"{'on' if old == '1' else 'off'}", f"{'on' if new == '1' else 'off'}"]
            for state in ("none", "TIME_WAIT", "FIN_WAIT"):
                c = tab.get((old, new, state))
                r.append(f"{c[1]} ({c[0]} left)" if c and state != "none" else (c[1] if c else "–"))
            rows.append(r)
    w(table(["old SO_REUSEADDR", "new SO_REUSEADDR", "nothing left", "after TIME_WAIT",
             "after FIN_WAIT"], rows, ["l", "l", "l", "l", "l"]))
    w("")
    w("Only when both the old and the new listener set SO_REUSEADDR does the restarted server "
      "bind; a lingering connection inherits the flag from the listener that accepted it.")
    w("")
    if pile:
        w("bind() of a new listener (both with SO_REUSEADDR) as TIME_WAIT sockets of earlier lives "
          "pile up on the port; 51 binds per level:")
        w("")
        w(table(["TIME_WAIT on the port", "bind() median µs", "p90 µs", "result"],
                [[f(t), f(m / 1000, 1), f(p / 1000, 1), r] for t, m, p, r in pile]))
        w("")
    if cases:
        w(f"The same restart, end to end: the server closes each connection first and aborts on its "
          f"{meta.get('tw_k', '?')}th, once; the client loops for 2 s.")
        w("")
        labels = {"naive-noreuse": "naive loop, the app binds without SO_REUSEADDR",
                  "naive-reuse": "naive loop, the app binds with SO_REUSEADDR",
                  "tinyhold": "tinyhold, the app never binds (same app, no SO_REUSEADDR)"}
        rows = []
        for name, runs in cases.items():
            backs = [t["lat"][0] for d, t in runs if t["lat"]]
            never = sum(1 for d, t in runs if not t["lat"])
            back = " / ".join(f"{x:.2f}" for x in backs) + (" ms" if backs else "")
            if never:
                back = (back + "; " if back else "") + f"never within 2 s ({never} of {len(runs)})"
            rows.append([labels[name], f(int(med([int(d.get("ok", 0)) for d, t in runs]))),
                         f(int(med([int(d.get("refused", 0)) for d, t in runs]))),
                         f(int(med([t["bindfails"] for d, t in runs]))), back,
                         f(int(med([int(d.get("time_wait_at_end", 0) or 0) for d, t in runs])))])
        w(table(["restart", "replies", "refused", "failed bind()s", "crash→ready, each run",
                 "TIME_WAIT at the end"], rows))
        w("")
        w(f"Counts are the medians of {meta.get('tw_reps', '?')} runs, each in a new network "
          "namespace.")
        w("")

    # 8
    instances_section(w)

    # targets
    w("## Targets of issue 5")
    w("")
    w(table(["target", "measured", ""], [[t, m, "met" if ok else "**missed**"]
                                         for t, m, ok, _ in targets], ["l", "l", "l"]))
    w("")
    for t, m, ok, note in targets:
        if not ok and note:
            w(f"- *{t}*: {note}.")
    w("")
    w("## Commands")
    w("")
    w("```")
    w("make bench          # bench/setup.sh (apt-get what is missing, the peers' sources), then bench/run.sh")
    for p in sorted(glob.glob(os.path.join(R, "storm", "*-1.cmd"))):
        w(read(p).strip().replace(R, "bench/results").replace(os.path.dirname(HERE) + "/", ""))
    w(f"wrk -t1 -c{meta.get('wrk_conns', '?')} -d{meta.get('wrk_secs', '?')}s --latency http://127.0.0.1:PORT/")
    w(f"bench/results/bin/startcmp {meta.get('start_rounds', '?')} :: /bin/true /bin/true :: tinyhold ./tinyhold -- /bin/true :: ...")
    w(f"unshare --pid --fork --mount-proc INIT -- bench/results/bin/orphans {meta.get('reap_n', '?')}")
    w("unshare --net sh -c 'ip link set lo up && bench/results/bin/twbind table 9000'")
    w("```")
    w("")
    text = "\n".join(md)
    with open(OUT_MD, "w") as fh:
        fh.write(text)
    storm_svg(OUT_SVG)


if __name__ == "__main__":
    if sys.argv[1:] == ["instances"]:
        instances_only()
    else:
        main()
