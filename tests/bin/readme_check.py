#!/usr/bin/python3
"""readme_check: the snippets of README and docs/, and the servers' commands, are the tested ones.

  readme_check.py snippets FILE...
      Every fenced code block (```) of each FILE must follow a line
      <!-- snippet: PATH --> or <!-- snippet: PATH#NAME --> (PATH from the
      repository's top) and be, byte for byte, PATH's region: the lines between
      "snippet begin NAME" and "snippet end NAME" for a NAME; otherwise between
      "README snippet begin" and "README snippet end", or the whole file without
      markers; dedented, blank lines at its ends dropped. Prints a diff for each
      mismatch. A fenced block is a snippet; an indented one is a command line.
  readme_check.py rows FILE
      The first cell of each row of the table after <!-- servers table -->.
  readme_check.py cmd FILE NAME
      The command (the first `...` of the second cell) of that table's row NAME.
"""
import difflib
import os
import re
import sys
import textwrap

SNIPPET_RE = re.compile(r"^<!-- snippet: (\S+) -->$")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINK_RE = re.compile(r"\s*\(\[[^]]*\]\([^)]*\)\)")


def marker(line, what, name):
    if name is None:
        return "README snippet " + what in line
    m = re.search(r"snippet %s ([\w.-]+)" % what, line)
    return m is not None and m.group(1) == name


def region(path, name=None):
    with open(path) as f:
        lines = f.read().split("\n")
    begin = [i for i, l in enumerate(lines) if marker(l, "begin", name)]
    end = [i for i, l in enumerate(lines) if marker(l, "end", name)]
    if name is not None and not begin:
        sys.exit("readme_check: %s: no region %r" % (path, name))
    if len(begin) > 1 or len(end) != len(begin) or (begin and end[0] < begin[0]):
        sys.exit("readme_check: %s: want one begin/end pair of markers" % path)
    if begin:
        lines = lines[begin[0] + 1:end[0]]
    # The markers of other, nested regions are not part of this one.
    lines = [l for l in lines if not re.search(r"snippet (begin|end) [\w.-]+", l)]
    text = textwrap.dedent("\n".join(lines)).strip("\n")
    return text + "\n"


def fence_at(lines, i):
    """The code block whose opening fence is the first non-blank line from i:
    (its text, the line of that fence), or (None, i)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not lines[i].startswith("```"):
        return None, i
    j = i + 1
    while j < len(lines) and lines[j] != "```":
        j += 1
    return "\n".join(lines[i + 1:j]) + "\n", i


def snippets(doc):
    with open(doc) as f:
        lines = f.read().split("\n")
    shown = os.path.relpath(doc, ROOT)
    bad = checked = 0
    marked = set()
    for i, line in enumerate(lines):
        m = SNIPPET_RE.match(line)
        if not m:
            continue
        block, start = fence_at(lines, i + 1)
        if block is None:
            print("%s:%d: no code block after the snippet line" % (shown, i + 1))
            bad += 1
            continue
        marked.add(start)
        path, _, name = m.group(1).partition("#")
        want = region(os.path.join(ROOT, path), name or None)
        checked += 1
        if block != want:
            bad += 1
            print("%s:%d: the block differs from %s:" % (shown, start + 1, m.group(1)))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), block.splitlines(True), m.group(1), shown))
    # Every fenced block must be one of them.
    for i, line in enumerate(lines):
        if line.startswith("```") and i not in marked and _opens(lines, i):
            print("%s:%d: a code block with no <!-- snippet: PATH --> line" % (shown, i + 1))
            bad += 1
    return checked, bad


def _opens(lines, i):
    """Whether the fence at line i opens a block (an odd fence from the top)."""
    return sum(1 for l in lines[:i] if l.startswith("```")) % 2 == 0


def table(readme):
    with open(readme) as f:
        lines = f.read().split("\n")
    start = lines.index("<!-- servers table -->") + 1
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if set(cells[0]) <= set("-: ") or cells[0] == "server":
            continue
        cmd = re.search(r"`([^`]*)`", cells[1])
        rows[LINK_RE.sub("", cells[0])] = cmd.group(1) if cmd else ""
    return rows


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "snippets":
        checked = bad = 0
        for doc in sys.argv[2:]:
            c, b = snippets(doc)
            checked, bad = checked + c, bad + b
        print("readme_check: %d snippets checked, %d bad" % (checked, bad))
        sys.exit(1 if bad or not checked else 0)
    elif len(sys.argv) >= 3 and sys.argv[1] == "rows":
        print("\n".join(table(sys.argv[2])))
    elif len(sys.argv) >= 4 and sys.argv[1] == "cmd":
        rows = table(sys.argv[2])
        if sys.argv[3] not in rows:
            sys.exit("readme_check: no row %r in %s's servers table" % (sys.argv[3], sys.argv[2]))
        print(rows[sys.argv[3]])
    else:
        sys.exit(__doc__)
