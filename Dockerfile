# tinyhold as an image: one static file, /tinyhold, on scratch. Use it as a
# base (ENTRYPOINT ["/tinyhold"]) or copy it into your own image:
#     COPY --from=tinyhold /tinyhold /tinyhold
# Build: docker build -t tinyhold .   (or podman build; --build-arg VERSION=1.2.3)

# The builder: musl makes the static binary small. Keep this RUN line as it is
# in examples/Dockerfile: the two builds then share the layer.
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends make musl-tools \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY init/ init/
# Keep the default in step with the Makefile's VERSION.
ARG VERSION=0.1.0
RUN make VERSION="$VERSION" tinyhold

FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="tinyhold" \
      org.opencontainers.image.description="A static PID 1 that holds the listening sockets and restarts the app with them" \
      org.opencontainers.image.version="$VERSION"
COPY --from=build /src/tinyhold /tinyhold
ENTRYPOINT ["/tinyhold"]
