# syntax=docker/dockerfile:1
# kube-commitment-exporter image: built on Debian bookworm with Debian's packaged libraries,
# run on bookworm-slim with only their runtime packages.
#
#   docker build -t kube-commitment-exporter:0.1.0 .
#   docker build --build-arg RUN_TESTS=true -t kube-commitment-exporter:0.1.0 .
#   docker build --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t kube-commitment-exporter:0.1.0 .
#
# An ARG declared before the first FROM is only seen by the FROM lines; every stage that uses
# one redeclares it (tests/deploy/dockerfile_check.py fails on a variable a stage does not
# declare). CREATED defaults to the Unix epoch, a valid RFC 3339 time that keeps the build
# reproducible; SOURCE is where the sources live, the same base as the Helm chart's
# alerts.runbookBaseURL.
#
# No shell is needed at run time. tests/deploy/dockerfile_check.py keeps the runtime package
# list in step with what the installed binary links (ldd) and the ENTRYPOINT and CMD in step
# with the binary's flags.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS builder
ARG RUN_TESTS=false
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake git ca-certificates python3 \
      prometheus-cpp-dev libcpprest-dev libspdlog-dev libyaml-cpp-dev libsimdjson-dev \
      libcivetweb-dev libcli11-dev libssl-dev libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The install tree holds the binary and the project's two OpenSSL compatibility libraries for
# civetweb (src/tls_compat), which the binary finds through its RUNPATH
# ($ORIGIN/../lib/kube-commitment-exporter).
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DKCE_BUILD_BENCH=OFF \
      -DKCE_BUILD_TESTS="$([ "$RUN_TESTS" = true ] && echo ON || echo OFF)" \
 && cmake --build /build -j"$(nproc)" \
 && if [ "$RUN_TESTS" = true ]; then ctest --test-dir /build -L unit --output-on-failure; fi \
 && DESTDIR=/out cmake --install /build --prefix /usr --strip \
 && /out/usr/bin/kube-commitment-exporter --help >/dev/null

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG DEBIAN_RELEASE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/kube-commitment-exporter/kube-commitment-exporter
# No licenses label: the repository states no licence.
LABEL org.opencontainers.image.title="kube-commitment-exporter" \
      org.opencontainers.image.description="Committed CPU and memory against allocatable in Kubernetes, for Prometheus" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:${DEBIAN_RELEASE}-slim"
# Runtime libraries only. Debian's civetweb opens OpenSSL with dlopen("libssl.so") and
# dlopen("libcrypto.so"); the compatibility libraries copied below carry those names and are
# loaded with the binary, so no -dev package or link is needed for them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libprometheus-cpp-core1.0 libcpprest2.10 libspdlog1.10 libfmt9 libyaml-cpp0.7 \
      libsimdjson14 libcivetweb1 libssl3 libcrypt1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /out/ /
USER 65532:65532
EXPOSE 10490
ENTRYPOINT ["/usr/bin/kube-commitment-exporter"]
CMD ["--listen-address=:10490"]
