#!/usr/bin/env bash
# Installs the standard gRPC clients that the client tests drive, from the registries this
# machine reaches: grpc-js, @grpc/proto-loader and buf (buf curl) from npm; kubernetes-models,
# typescript and yaml from npm (scripts/lib/k8s-validate.mjs checks deploy/k8s against the
# Kubernetes API schemas); grpcio from Debian
# (python3-grpcio, python3-protobuf), promtool from Debian (prometheus); espeak-ng, sox, ffmpeg,
# numpy and scipy from Debian (speech and loudness references for the VAD and LevelMeter tests);
# chromium from Debian (headless: the /dashboard page test loads it and takes its screenshot);
# haproxy and nginx from Debian (BalancerTest runs deploy/'s configurations in front of daemons).
# Idempotent and fast when everything is there.
#
#   scripts/lib/install-test-tools.sh          # install what is missing
#   RM_TOOLS_DIR=/some/cache scripts/...      # where the npm tools go (default target/test-tools)
#
# scripts/test runs this before maven. The tests find the tools through RM_TOOLS_DIR (default
# target/test-tools) and /usr/bin/python3, and fail naming this script when one is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${RM_TOOLS_DIR:-$ROOT/target/test-tools}"
SPEC="$ROOT/scripts/lib/test-tools/package.json"

say() { printf 'install-test-tools: %s\n' "$*" >&2; }

# --- npm: grpc-js, proto-loader, buf; kubernetes-models, typescript, yaml ------------------
npm_ok() {
  [ -x "$TOOLS/node_modules/.bin/buf" ] && [ -f "$TOOLS/node_modules/@grpc/grpc-js/package.json" ] \
    && [ -f "$TOOLS/node_modules/kubernetes-models/package.json" ] && [ -f "$TOOLS/node_modules/typescript/bin/tsc" ] \
    && [ -f "$TOOLS/node_modules/yaml/package.json" ] \
    && [ -f "$TOOLS/node_modules/@grpc/proto-loader/package.json" ] && cmp -s "$SPEC" "$TOOLS/package.json"
}
if npm_ok; then
  :
elif ! command -v npm >/dev/null 2>&1; then
  say "npm not found: install Node.js and npm (apt-get install nodejs npm); grpc-js and buf tests will fail"
else
  say "npm install into $TOOLS"
  mkdir -p "$TOOLS"
  cp "$SPEC" "$TOOLS/package.json"
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error >&2) \
    || say "npm install failed: grpc-js and buf tests will fail"
fi

# --- Debian packages (PyPI is not reachable here) ------------------------------------------
# apt_ensure CHECK PKG...: installs PKGs when the shell command CHECK fails. Waits for another
# apt/dpkg run instead of failing on its lock; updates the package lists once, if needed.
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q"
apt_updated=""
apt_ensure() {
  local check="$1"; shift
  if bash -c "$check" >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get not found: install $* by hand; the tests that need them will fail"
    return 0
  fi
  say "apt-get install $*"
  if ! $APT install "$@" >&2; then
    if [ -z "$apt_updated" ]; then
      $APT update >&2 || true
      apt_updated=1
    fi
    $APT install "$@" >&2 || say "apt-get install $* failed: the tests that need them will fail"
  fi
}

apt_ensure "/usr/bin/python3 -c 'import grpc, google.protobuf'" python3-grpcio python3-protobuf
apt_ensure "command -v h2load" nghttp2-client
# promtool (checks /metrics); on a machine that runs systemd the package also starts a Prometheus
# server on port 9090, the daemon's default metrics port: tests bind port 0 and are not affected
apt_ensure "command -v promtool" prometheus
# the Python client's build (grpc_tools) and tests; protoc for the TypeScript client's ts-proto; openssl for TLS tests
apt_ensure "/usr/bin/python3 -c 'import grpc_tools.protoc, pytest, numpy, venv, pip, wheel'" python3-grpc-tools python3-pytest python3-numpy python3-venv python3-pip python3-wheel
apt_ensure "command -v protoc" protobuf-compiler
apt_ensure "command -v openssl" openssl

# --- the TypeScript client's own dependencies (clients/typescript/package-lock.json) ---------
TS="$ROOT/clients/typescript"
if [ -f "$TS/node_modules/.package-lock.json" ] && cmp -s "$TS/package-lock.json" "$TS/.installed-lock" 2>/dev/null; then
  :
elif command -v npm >/dev/null 2>&1; then
  say "npm ci in clients/typescript"
  (cd "$TS" && npm ci --no-audit --no-fund --loglevel=error >&2 && cp package-lock.json .installed-lock) \
    || say "npm ci failed in clients/typescript: its tests will fail"
fi
# speech for the SileroVAD tests and the VAD evaluation (perf/vad-eval), ffmpeg's ebur128 for the loudness check
apt_ensure "command -v espeak-ng && command -v sox && command -v ffmpeg && /usr/bin/python3 -c 'import numpy, scipy'" \
  espeak-ng sox ffmpeg python3-numpy python3-scipy
# perf/: gnuplot draws the latency-percentile plots (h2load, above, drives the saturation scenario)
apt_ensure "command -v gnuplot" gnuplot-nox
# the metrics port's /dashboard page, loaded in headless Chromium (DashboardBrowserTest)
apt_ensure "command -v chromium" chromium
# the balancers of deploy/ (BalancerTest); Debian puts them in /usr/sbin, so checked by path. On a
# machine that runs systemd the nginx package also starts its default site on port 80: the test
# starts its own nginx on a free port and is not affected
apt_ensure "test -x /usr/sbin/haproxy && test -x /usr/sbin/nginx" haproxy nginx
# the container image test (ContainerImageTest), only when asked for: RM_CONTAINER_TEST=1.
# runc as well as podman's crun: crun refuses hosts with cgroups v1 (docs/deploy.md)
if [ "${RM_CONTAINER_TEST:-}" = 1 ]; then
  apt_ensure "command -v podman && command -v runc && command -v debootstrap" podman buildah runc debootstrap
fi
exit 0
