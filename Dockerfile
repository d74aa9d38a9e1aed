# syntax=docker/dockerfile:1
# kube-commitment-exporter image: built on Debian bookworm with Debian's packaged libraries,
# run on bookworm-slim with only their runtime packages.
#
#   docker build -t kube-commitment-exporter:0.1.0 .
#   docker build --build-arg RUN_TESTS=true -t kube-commitment-exporter:0.1.0 .
#
# tests/deploy/dockerfile_check.py keeps the runtime package list in step with what the
# binary links (ldd) and the ENTRYPOINT in step with the binary's flags.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS builder
ARG RUN_TESTS=false
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake git ca-certificates \
      prometheus-cpp-dev libcpprest-dev libspdlog-dev libyaml-cpp-dev libsimdjson-dev \
      libcivetweb-dev libcli11-dev libssl-dev libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DKCE_BUILD_BENCH=OFF \
      -DKCE_BUILD_TESTS="$([ "$RUN_TESTS" = true ] && echo ON || echo OFF)" \
 && cmake --build /build -j"$(nproc)" \
 && if [ "$RUN_TESTS" = true ]; then ctest --test-dir /build -L unit --output-on-failure; fi \
 && strip /build/kube-commitment-exporter \
 && /build/kube-commitment-exporter --help >/dev/null

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="kube-commitment-exporter" \
      org.opencontainers.image.description="Prometheus exporter of committed CPU and memory against allocatable capacity in Kubernetes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:${DEBIAN_RELEASE}-slim"
# Runtime libraries only. Debian's civetweb loads OpenSSL with dlopen("libssl.so") and
# dlopen("libcrypto.so"), names that only the -dev package installs; two links replace it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libprometheus-cpp-core1.0 libcpprest2.10 libspdlog1.10 libfmt9 libyaml-cpp0.7 \
      libsimdjson14 libcivetweb1 libssl3 libcrypt1 \
 && libdir="$(dirname "$(dpkg -L libssl3 | grep '/libssl\.so\.3$')")" \
 && ln -s libssl.so.3 "$libdir/libssl.so" \
 && ln -s libcrypto.so.3 "$libdir/libcrypto.so" \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /build/kube-commitment-exporter /usr/bin/kube-commitment-exporter
USER 65532:65532
EXPOSE 10490
ENTRYPOINT ["/usr/bin/kube-commitment-exporter"]
CMD ["--listen-address=:10490"]
