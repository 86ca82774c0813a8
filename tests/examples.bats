#!/usr/bin/env bats
# The examples docs/ shows in parts, run whole: examples/notify/state.py speaks
# sd_notify (READY=1, STATUS=, the fd store) under tinyhold. The snippets of
# README.md and docs/ are, byte for byte, regions of files that the tests run.

load common

teardown() {
	cleanup_tinyhold
	no_leftovers
}

@test "README and docs/: every fenced snippet is, byte for byte, a region of a tested file" {
	run -0 "$BIN/readme_check.py" snippets "$REPO_DIR/README.md" "$REPO_DIR"/docs/*.md
	[[ "${lines[-1]}" =~ ^readme_check:\ [0-9]+\ snippets\ checked,\ 0\ bad$ ]]
}

@test "docs/sd_notify.md's example: READY=1, and a memfd in the fd store counts the starts across two crashes" {
	"$PY" -c 'import systemd.daemon' 2>/dev/null || skip "needs python3-systemd"
	local port
	port=$(free_port)
	start_tinyhold --fdstore-max 1 --backoff-max 0 -p "web=127.0.0.1:$port" -- \
		"$PY" "$REPO_DIR/examples/notify/state.py"
	wait_line '^tinyhold: pid [0-9]+ status: start 3$' "$TH_LOG" 20
	[ "$(count_lines '^tinyhold: pid [0-9]+ is ready$')" = 3 ]
	[ "$(count_lines 'died of SIGABRT')" = 2 ]
	run -0 curl -sS -m 5 "http://127.0.0.1:$port/"
	[ "$output" = "start 3" ]
}

@test "make demo asks the demo three times, serves on, and Ctrl-C on its terminal ends it with 0" {
	local port
	port=$(free_port)
	run -0 timeout 200 "$PY" - "$REPO_DIR" "$port" <<'PY'
import os, pty, select, sys, time
repo, port = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.chdir(repo)
    os.environ["TINYHOLD_NO_INSTALL"] = "1"
    os.execvp("make", ["make", "--no-print-directory", "demo", "DEMO_PORT=" + port])
out = b""
def pump(until, seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            out += data
            if until and until in out:
                return True
    return False
ready = pump(b"Ctrl-C stops it", 180)
os.write(fd, b"\x03")
pump(None, 10)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("ready=%s exit=%d" % (ready, os.waitstatus_to_exitcode(status)))
PY
	[ "${lines[-1]}" = "ready=True exit=0" ]
	[[ "$output" =~ curl\ localhost:$port/\ +\#\ hello\ from\ pid\ [0-9]+\ \(restart\ 0\) ]]
	[[ "$output" =~ curl\ localhost:$port/crash\ +\#\ crashing ]]
	[[ "$output" =~ curl\ localhost:$port/\ +\#\ hello\ from\ pid\ [0-9]+\ \(restart\ 1\) ]]
	[[ "$output" == *"died of SIGINT"* ]]
	[[ "$output" != *Error* ]] && [[ "$output" != *Interrupt* ]]
}

@test "README's Deployment, examples/demo-kube.yaml: the grace period covers drain and stop timeout; probes and scrape ask the status port" {
	"$PY" -c 'import yaml' 2>/dev/null || skip "needs python3-yaml"
	run -0 "$PY" - "$REPO_DIR/examples/demo-kube.yaml" <<'PY'
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]
c = pod["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
status = int(env["TINYHOLD_STATUS"])
port = {p["name"]: p["containerPort"] for p in c["ports"]}
margin = pod["spec"]["terminationGracePeriodSeconds"] - float(env["TINYHOLD_DRAIN"]) - float(env["TINYHOLD_STOP_TIMEOUT"])
print("margin", margin)
for probe in ("readinessProbe", "livenessProbe"):
    get = c[probe]["httpGet"]
    print(probe, port.get(get["port"], get["port"]) == status, get["path"])
a = pod["metadata"]["annotations"]
print("scrape", a["prometheus.io/scrape"], int(a["prometheus.io/port"]) == status, a["prometheus.io/path"])
PY
	[ "${lines[0]}" = "margin 5.0" ]
	[ "${lines[1]}" = "readinessProbe True /ready" ]
	[ "${lines[2]}" = "livenessProbe True /live" ]
	[ "${lines[3]}" = "scrape true True /metrics" ]
}

@test "README and docs/: every relative link names a file that exists, and its #anchor a heading there" {
	run -0 "$PY" - "$REPO_DIR" <<'PY'
import glob, os, re, sys
root = sys.argv[1]
bad = 0

def anchors(path):
    """GitHub's ids of a Markdown file's headings: lower case, punctuation out, blanks to '-'."""
    ids = set()
    text = re.sub(r"```.*?```", "", open(path).read(), flags=re.S)
    for title in re.findall(r"^#+ (.*)$", text, flags=re.M):
        ids.add(re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-"))
    return ids

for doc in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
    text = re.sub(r"```.*?```", "", open(doc).read(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = os.path.normpath(os.path.join(os.path.dirname(doc), file)) if file else doc
        if not os.path.exists(path):
            print("%s: no %s" % (os.path.relpath(doc, root), target))
            bad += 1
        elif anchor and path.endswith(".md") and anchor not in anchors(path):
            print("%s: no heading #%s in %s" % (os.path.relpath(doc, root), anchor, file or "itself"))
            bad += 1
print("%d bad links" % bad)
sys.exit(1 if bad else 0)
PY
	[ "${lines[-1]}" = "0 bad links" ]
}
