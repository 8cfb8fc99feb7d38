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

# --- Debian: grpcio for python3 (PyPI is not reachable here) -------------------------------
py_ok() { /usr/bin/python3 -c 'import grpc, google.protobuf' >/dev/null 2>&1; }
if py_ok; then
  :
elif ! command -v apt-get >/dev/null 2>&1; then
  say "apt-get not found: install python3-grpcio and python3-protobuf by hand; grpcio tests will fail"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  say "apt-get install python3-grpcio python3-protobuf"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-grpcio python3-protobuf >&2; then
    $SUDO apt-get update -q >&2 || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-grpcio python3-protobuf >&2 \
      || say "apt-get install failed: grpcio tests will fail"
  fi
fi
exit 0
