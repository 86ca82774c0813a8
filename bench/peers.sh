#!/usr/bin/env bash
# bench/peers.sh: the peers' sources from Debian, built the way tinyhold is built.
#
#   bench/peers.sh fetch   download tini, dumb-init and catatonit source packages through a
#                          private deb-src list (the system's apt configuration is untouched)
#   bench/peers.sh build   build each with tinyhold's compiler (musl-gcc) and flags: $PEER_CC,
#                          $PEER_CFLAGS, $PEER_LDFLAGS and $PEER_STRIP, which `make bench`
#                          takes from the Makefile; writes bench/results/peers/size.tsv
#
# Everything stays under bench/results/peers/ (gitignored): their code is never committed.
# A peer that cannot be fetched or built gets a line saying why, not a failed bench.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
P=bench/results/peers
PEERS="tini dumb-init catatonit"

fetch() {
	local apt_dir="$PWD/$P/apt" mirror codename opts name
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$P/src"
	# The mirror the system already uses for Debian, as a deb-src line of our own.
	mirror=$({ grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
		   grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break }}'
		 } | grep -v -e security -e ubuntu | head -n1)
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	if [ -z "$mirror" ] || [ -z "$codename" ]; then
		echo "peers: no Debian mirror or codename found; peers are not built" >&2
		return 0
	fi
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $codename main" \
		>"$apt_dir/sources.list"
	opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	      -o APT::Sandbox::User=root -qq)
	if ! apt-get "${opts[@]}" update >"$P/apt-update.log" 2>&1; then
		echo "peers: cannot read $mirror's source index (see $P/apt-update.log)" >&2
		return 0
	fi
	for name in $PEERS; do
		[ -n "$(ls "$P/src/$name"/*.dsc 2>/dev/null)" ] && continue	# fetched before
		mkdir -p "$P/src/$name"
		# A missing .debian.tar.* only loses Debian's packaging patches: keep what came.
		(cd "$P/src/$name" && apt-get "${opts[@]}" source --download-only "$name") \
			>"$P/src/$name/fetch.log" 2>&1 || echo "peers: $name: not every file of the source package could be downloaded (see $P/src/$name/fetch.log)" >&2
	done
}

# Unpacks $1's source into $P/build/$1 and prints the directory; notes go to $P/build/$1.note.
unpack() {
	local name=$1 src="$P/src/$1" out="$P/build/$1" dsc orig
	rm -rf "$out" "$out.note"
	mkdir -p "$P/build"
	dsc=$(ls "$src"/*.dsc 2>/dev/null | head -n1)
	if [ -n "$dsc" ] && dpkg-source --no-check -x "$dsc" "$out" >"$out.unpack.log" 2>&1; then
		echo "$out"
		return 0
	fi
	orig=$(ls "$src"/*.orig.tar.* 2>/dev/null | head -n1)
	[ -n "$orig" ] || return 1
	mkdir -p "$out"
	tar -xf "$orig" -C "$out" --strip-components=1 || return 1
	echo "upstream source only: Debian's .debian.tar could not be downloaded, so its patches are not applied" >"$out.note"
	echo "$out"
}

# Builds $1 from $2 twice from one object: bin/$1 as measured (stripped like tinyhold, by
# $PEER_STRIP at link time), and bin/$1.unstripped, whose symbols say where the bytes go.
build_one() {
	local name=$1 dir=$2 bin="$PWD/$P/bin/$1" obj="$PWD/$P/build/$1.o" cc=${PEER_CC:-musl-gcc} src inc=()
	case $name in
	tini)
		# What CMake would generate from src/tiniConfig.h.in.
		printf '#define TINI_VERSION "%s"\n#define TINI_GIT ""\n' \
			"$(sed -n 's/^Version: \([0-9.]*\).*/\1/p' "$P/src/tini/"*.dsc | head -n1)" \
			>"$dir/src/tiniConfig.h"
		src=src/tini.c inc=(-Isrc) ;;
	dumb-init)
		src=dumb-init.c ;;
	catatonit)
		# What configure would generate from config.h.in.
		sed -e 's/@PACKAGE_NAME@/catatonit/' \
		    -e "s/@PACKAGE_VERSION@/$(sed -n 's/^Version: \([0-9.]*\).*/\1/p' "$P/src/catatonit/"*.dsc | head -n1)/" \
		    -e 's/@PACKAGE_BUGREPORT@//' -e 's/@PACKAGE_URL@//' "$dir/config.h.in" >"$dir/config.h"
		src=catatonit.c ;;
	esac
	# shellcheck disable=SC2086 # the flags are word lists
	(cd "$dir" && $cc -std=gnu99 $PEER_CFLAGS "${inc[@]}" -c -o "$obj" "$src") &&
		$cc $PEER_CFLAGS -o "$bin" "$obj" $PEER_LDFLAGS ${PEER_STRIP:-} &&
		$cc $PEER_CFLAGS -o "$bin.unstripped" "$obj" $PEER_LDFLAGS -Wl,-Map,"$bin.unstripped.map"
}

build() {
	local name dir note
	: "${PEER_CFLAGS:?set by make bench}" "${PEER_LDFLAGS:?set by make bench}"
	mkdir -p "$P/bin"
	printf 'name\tbytes\tnote\n' >"$P/size.tsv"
	for name in $PEERS; do
		rm -f "$P/bin/$name" "$P/bin/$name.unstripped"
		if ! dir=$(unpack "$name"); then
			printf '%s\t\tsource not available (no Debian source mirror reached)\n' "$name" >>"$P/size.tsv"
			continue
		fi
		if ! build_one "$name" "$dir" >"$P/build/$name.build.log" 2>&1; then
			printf '%s\t\tdoes not build with musl-gcc -static: %s\n' "$name" \
				"$(grep -m1 -i error "$P/build/$name.build.log" | tr '\t' ' ')" >>"$P/size.tsv"
			continue
		fi
		note=$(cat "$P/build/$name.note" 2>/dev/null || true)
		printf '%s\t%s\t%s\n' "$name" "$(stat -c %s "$P/bin/$name")" "$note" >>"$P/size.tsv"
	done
}

case ${1:-} in
fetch) fetch ;;
build) build ;;
*) echo "usage: bench/peers.sh fetch|build" >&2; exit 2 ;;
esac
