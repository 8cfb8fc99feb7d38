#!/usr/bin/env bash
# Installs the standard gRPC clients that the client tests drive, from the registries this
# machine reaches: grpc-js, @grpc/proto-loader and buf (buf curl) from npm; grpcio from Debian
# (python3-grpcio, python3-protobuf). Idempotent and fast when everything is there.
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

# --- npm: grpc-js, proto-loader, buf --------------------------------------------------------
npm_ok() {
  [ -x "$TOOLS/node_modules/.bin/buf" ] && [ -f "$TOOLS/node_modules/@grpc/grpc-js/package.json" ] \
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
# perf/: h2load drives the saturation scenario, gnuplot draws the latency-percentile plots
apt_ensure "command -v h2load" nghttp2-client
apt_ensure "command -v gnuplot" gnuplot-nox
exit 0
