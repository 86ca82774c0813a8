#!/usr/bin/env bash
# dist-check: `make dist` is reproducible. It runs here (reusing what is built),
# then in a clean clone of HEAD at another path, built from nothing; every file
# of the two dist/ must be the same bytes. As root, with podman and the cross
# compilers set up (.ci/podman-setup.sh, .ci/cross-setup.sh).
#
#   tests/dist-check.sh        (make test-dist)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "dist-check: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	fail "uncommitted changes: make dist builds them here, the clone builds HEAD"
start=$(date +%s)
make --no-print-directory dist >/dev/null
say "make dist here: $(($(date +%s) - start))s"

# Another path, another umask, another time of day: none may show in the bytes.
work=$(mktemp -d /var/tmp/tinyhold-dist.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q --no-checkout "$PWD" "$work/elsewhere"
git -C "$work/elsewhere" checkout -q --detach "$(git rev-parse HEAD)"
start=$(date +%s)
(umask 0027 && cd "$work/elsewhere" && make --no-print-directory -j2 dist >/dev/null)
say "make dist in a clean clone at $work/elsewhere: $(($(date +%s) - start))s"

# The file lists, then each file.
diff <(cd dist && ls -l --time-style=+%s | awk 'NR > 1 { print $1, $5, $6, $7 }') \
	<(cd "$work/elsewhere/dist" && ls -l --time-style=+%s | awk 'NR > 1 { print $1, $5, $6, $7 }') ||
	{ rm -rf build/dist-other && cp -a "$work/elsewhere/dist" build/dist-other
	  fail "the two dist/ differ in their files, modes, sizes or times (the clone's: build/dist-other)"; }
bad=0
for f in dist/*; do
	cmp -s "$f" "$work/elsewhere/$f" || { say "differs: $f"; bad=1; }
done
if [ "$bad" != 0 ]; then
	rm -rf build/dist-other && cp -a "$work/elsewhere/dist" build/dist-other
	fail "make dist is not reproducible (the clone's dist/ is kept in build/dist-other)"
fi
say "the same $(ls dist | wc -l) files, byte for byte:"
sed 's/^/    /' dist/SHA256SUMS >&2

# Used as README says: the sums check, the archive lists every platform, and
# podman loads this machine's image from it, which runs.
version=$(sed -n 's/^VERSION ?= //p' Makefile)
(cd dist && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c SHA256SUMS"
mkdir "$work/oci"
tar -xf "dist/tinyhold-$version-oci.tar" -C "$work/oci"
platforms=$(python3 - "$work/oci" <<'PY'
import json, os, sys
root = sys.argv[1]
def blob(d):
    return json.load(open(os.path.join(root, "blobs", *d["digest"].split(":"))))
index = json.load(open(os.path.join(root, "index.json")))
for m in blob(index["manifests"][0])["manifests"]:
    p = m["platform"]
    print(p["os"] + "/" + p["architecture"] + ("/" + p["variant"] if p.get("variant") else ""))
PY
)
want=$(for a in amd64 $(make -s --no-print-directory arch-info | cut -d' ' -f1); do
	make -s --no-print-directory arch-info ARCH="$a" | cut -d' ' -f5; done)
[ "$(sort <<<"$platforms")" = "$(sort <<<"$want")" ] ||
	fail "the archive's platforms: $(echo $platforms), not $(echo $want)"
eval "$(.ci/podman-setup.sh --no-install)"
podman load -q -i "dist/tinyhold-$version-oci.tar" >/dev/null
out=$(podman run --rm "localhost/tinyhold:$version" --version)
podman rmi "localhost/tinyhold:$version" >/dev/null 2>&1 || true
[ "$out" = "tinyhold $version" ] || fail "podman run of the loaded image: $out"
say "the archive holds $(wc -l <<<"$platforms") platforms; podman load and run: $out"
