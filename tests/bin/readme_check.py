#!/usr/bin/python3
"""readme_check: README's server snippets and commands are the tested ones.

  readme_check.py snippets README
      Every code block right after a line <!-- snippet: PATH --> must be, byte
      for byte, PATH's region between the lines that say "README snippet begin"
      and "README snippet end" (the whole file without them), dedented, blank
      lines at its ends dropped. Every code block of the section "Taking the
      socket from fd 3" must have such a line. Prints a diff for each mismatch.
  readme_check.py rows README
      The first cell of each row of the table after <!-- servers table -->.
  readme_check.py cmd README NAME
      The command (the first `...` of the second cell) of that table's row NAME.
"""
import difflib
import os
import re
import sys
import textwrap

SNIPPET_RE = re.compile(r"^<!-- snippet: (\S+) -->$")
SECTION = "### Taking the socket from fd 3"
LINK_RE = re.compile(r"\s*\(\[[^]]*\]\([^)]*\)\)")


def region(path):
    with open(path) as f:
        lines = f.read().split("\n")
    begin = [i for i, l in enumerate(lines) if "README snippet begin" in l]
    end = [i for i, l in enumerate(lines) if "README snippet end" in l]
    if len(begin) > 1 or len(end) != len(begin) or (begin and end[0] < begin[0]):
        sys.exit("readme_check: %s: want one begin/end pair of markers" % path)
    if begin:
        lines = lines[begin[0] + 1:end[0]]
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


def snippets(readme):
    root = os.path.dirname(os.path.abspath(readme))
    with open(readme) as f:
        lines = f.read().split("\n")
    bad = checked = 0
    marked = set()
    for i, line in enumerate(lines):
        m = SNIPPET_RE.match(line)
        if not m:
            continue
        block, start = fence_at(lines, i + 1)
        if block is None:
            print("README.md:%d: no code block after the snippet line" % (i + 1))
            bad += 1
            continue
        marked.add(start)
        want = region(os.path.join(root, m.group(1)))
        checked += 1
        if block != want:
            bad += 1
            print("README.md:%d: the block differs from %s:" % (start + 1, m.group(1)))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), block.splitlines(True), m.group(1), "README.md"))
    # Every block of the section must be one of them.
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("#"):
            inside = line == SECTION or (inside and line.startswith("####"))
        elif inside and line.startswith("```") and i not in marked and _opens(lines, i):
            print("README.md:%d: a code block with no <!-- snippet: PATH --> line" % (i + 1))
            bad += 1
    print("readme_check: %d snippets checked, %d bad" % (checked, bad))
    return 1 if bad or not checked else 0


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
        sys.exit(snippets(sys.argv[2]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "rows":
        print("\n".join(table(sys.argv[2])))
    elif len(sys.argv) >= 4 and sys.argv[1] == "cmd":
        rows = table(sys.argv[2])
        if sys.argv[3] not in rows:
            sys.exit("readme_check: no row %r in README's servers table" % sys.argv[3])
        print(rows[sys.argv[3]])
    else:
        sys.exit(__doc__)
