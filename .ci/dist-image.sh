#!/usr/bin/env bash
# dist-image: the multi-arch OCI archive of `make dist`, from the binaries it
# built: one `scratch` image per architecture holding /tinyhold alone (the
# top-level Dockerfile's image, without its build stage, so nothing is
# compiled or emulated here), gathered in one manifest list, written as an OCI
# layout and packed into one tar with fixed metadata.
#
#   .ci/dist-image.sh DIST VERSION ARCH=PLATFORM...   (as root; make dist runs it)
#
# Reproducible: podman build --timestamp sets the image's and the layer's
# times to SOURCE_DATE_EPOCH, --no-cache rebuilds every layer, and
# --identity-label=false leaves out the builder's version. The archive is
# packed by GNU tar sorted, with one mtime, owner 0 and fixed modes (not the umask).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$1 version=$2
shift 2
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH: the date of the last commit, as make dist sets it}"
eval "$(.ci/podman-setup.sh --no-install)"	# CONTAINERS_CONF, the private settings

work=build/dist-image
list=localhost/tinyhold-dist:$version
rm -rf "$work"
mkdir -p "$work/context" "$work/oci"
ids=()
# Nothing stays in podman's storage: the list and each platform's image go.
cleanup() {
	podman manifest rm "$list" >/dev/null 2>&1 || true
	[ ${#ids[@]} = 0 ] || podman rmi --force "${ids[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
podman manifest rm "$list" >/dev/null 2>&1 || true
podman manifest create "$list" >/dev/null

cat >"$work/context/Containerfile" <<'CONTAINERFILE'
FROM scratch
ARG ARCH
ARG VERSION
LABEL org.opencontainers.image.title="tinyhold" \
      org.opencontainers.image.description="A static PID 1 that holds the listening sockets and restarts the app with them" \
      org.opencontainers.image.version="$VERSION"
COPY tinyhold-$ARCH /tinyhold
ENTRYPOINT ["/tinyhold"]
CONTAINERFILE
for ap in "$@"; do
	arch=${ap%%=*} platform=${ap#*=}
	# COPY keeps the mode of the file in the context: 0755, not what the umask made.
	install -m 0755 "$dist/tinyhold-$version-linux-$arch" "$work/context/tinyhold-$arch"
	ids+=("$(podman build --quiet --pull=never --no-cache --identity-label=false \
		--timestamp "$SOURCE_DATE_EPOCH" --platform "$platform" \
		--build-arg ARCH="$arch" --build-arg VERSION="$version" \
		--manifest "$list" "$work/context")")
done
podman manifest push --quiet --all "$list" "oci:$work/oci:tinyhold:$version"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
	--mode=u=rwX,go=rX --format=gnu -C "$work/oci" -cf "$dist/tinyhold-$version-oci.tar" .
