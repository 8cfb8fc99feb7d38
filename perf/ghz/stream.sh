#!/usr/bin/env bash
# StreamPipeline with ghz, through server reflection: each call is one session, init (AudioResample
# 16 kHz -> VAD), CHUNKS chunks of 100 ms of 48 kHz mono f32, then COMMAND_CLOSE. ghz sends a
# call's messages back to back (it cannot pace them at 10 Hz: use perf/loadgen --workload stream
# for real-time pacing); its latency is the whole session's.
#   perf/ghz/stream.sh [HOST:PORT] [more ghz flags...]        (default 127.0.0.1:50051)
#   CHUNKS=50 DURATION=30s CONCURRENCY=100 perf/ghz/stream.sh
# Without ghz installed (not in Debian, npm or Maven Central) the script says so and exits 0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v ghz >/dev/null 2>&1; then
  echo "ghz is not installed, so this run is skipped (exit 0). It is not in Debian, npm or Maven Central;"
  echo "install it from https://ghz.sh and rerun. Our own generator covers the same scenario: perf/loadgen --workload stream."
  exit 0
fi
target="${1:-127.0.0.1:50051}"; shift || true
data="$(mktemp --suffix=.json)"; trap 'rm -f "$data"' EXIT
python3 "$here/payload.py" stream "${CHUNKS:-50}" >"$data"
exec ghz --insecure --call remotemedia.v1.StreamingPipelineService/StreamPipeline -D "$data" \
  --duration "${DURATION:-30s}" --concurrency "${CONCURRENCY:-100}" "$@" "$target"
