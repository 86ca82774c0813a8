# tinyhold as an image: one static file, /tinyhold, on scratch. Use it as a
# base (ENTRYPOINT ["/tinyhold"]) or copy it into your own image:
#     COPY --from=tinyhold /tinyhold /tinyhold
# Build: docker build -t tinyhold .   (or podman build; --build-arg VERSION=1.2.3)
# Multi-arch, cross-compiled (no emulation):
#     docker buildx build --platform linux/amd64,linux/arm64 -t tinyhold .
#     podman build --platform linux/amd64,linux/arm64 --manifest tinyhold .

# The builder runs on the build host's own platform whatever the target: for
# another architecture it cross-compiles with Debian's gcc-TRIPLET and
# musl-dev:ARCH (make ARCH=...). Keep this RUN line as it is in
# examples/Dockerfile: the two builds then share the layer.
# BuildKit and buildah >= 1.29 set BUILDPLATFORM themselves; podman 4.3
# (Debian 12) does not: pass --build-arg BUILDPLATFORM=linux/amd64 there.
ARG BUILDPLATFORM
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends make musl-tools \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY .ci/cross-setup.sh .ci/
# TARGETPLATFORM (linux/arm64, linux/arm/v7 ...) is set by BuildKit, and by
# buildah with --platform; it is empty with Docker's legacy builder, which
# builds for its own platform only. A target that is not this stage's own
# Debian architecture is cross-compiled.
ARG TARGETPLATFORM
RUN arch=$(make -s deb-arch PLATFORM="$TARGETPLATFORM"); \
    if [ -n "$TARGETPLATFORM" ] && [ "$arch" != "$(dpkg --print-architecture)" ]; then \
        [ -n "$arch" ] || { echo "tinyhold: no cross build for $TARGETPLATFORM"; exit 1; }; \
        .ci/cross-setup.sh --no-qemu "$arch" && rm -rf /var/lib/apt/lists/*; \
    fi
COPY init/ init/
# Keep the default in step with the Makefile's VERSION.
ARG VERSION=0.1.0
RUN arch=$(make -s deb-arch PLATFORM="$TARGETPLATFORM"); \
    if [ -z "$TARGETPLATFORM" ] || [ "$arch" = "$(dpkg --print-architecture)" ]; then \
        make VERSION="$VERSION" tinyhold; \
    else make VERSION="$VERSION" ARCH="$arch" && cp "build/$arch/tinyhold" tinyhold; fi

FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="tinyhold" \
      org.opencontainers.image.description="A static PID 1 that holds the listening sockets and restarts the app with them" \
      org.opencontainers.image.version="$VERSION"
COPY --from=build /src/tinyhold /tinyhold
ENTRYPOINT ["/tinyhold"]
