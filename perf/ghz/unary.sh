#!/usr/bin/env bash
# ExecutePipeline with ghz, through server reflection (no .proto needed): 1 s of 48 kHz mono f32
# (a 440 Hz tone) resampled to 16 kHz, per call.
#   perf/ghz/unary.sh [HOST:PORT] [more ghz flags...]        (default 127.0.0.1:50051)
#   DURATION=30s CONCURRENCY=16 RATE=0 perf/ghz/unary.sh      (RATE > 0: open loop at RATE calls/s)
# ghz is not packaged for the registries this project installs from (Debian, npm, Maven Central);
# without it the script says so and exits 0. Install it from its project (https://ghz.sh) to use it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v ghz >/dev/null 2>&1; then
  echo "ghz is not installed, so this run is skipped (exit 0). It is not in Debian, npm or Maven Central;"
  echo "install it from https://ghz.sh and rerun. Our own generator covers the same scenario: perf/loadgen --workload unary."
  exit 0
fi
target="${1:-127.0.0.1:50051}"; shift || true
data="$(mktemp --suffix=.json)"; trap 'rm -f "$data"' EXIT
python3 "$here/payload.py" unary >"$data"
rate=()
[ "${RATE:-0}" != 0 ] && rate=(--rps "$RATE")
exec ghz --insecure --call remotemedia.v1.PipelineExecutionService/ExecutePipeline -D "$data" \
  --duration "${DURATION:-30s}" --concurrency "${CONCURRENCY:-16}" "${rate[@]}" "$@" "$target"
