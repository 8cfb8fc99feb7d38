#!/usr/bin/env bash
# Resampler throughput, interleaved round by round with sox's `rate -h` / `rate -v` on the same
# machine (sox is installed here from Debian if missing: a benchmark comparison only, never a
# test dependency or reference). Prints a markdown table for perf/RESULTS.md.
#   perf/resampler-vs-sox.sh [ROUNDS] [CONFIG ...]    CONFIG = fi:fo:quality:channels[:scalar|:g2] | sox | sox-v
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$RM_ROOT"
if ! command -v sox >/dev/null 2>&1; then
  printf 'installing sox (apt-get) for the comparison ...\n' >&2
  apt-get install -y sox >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sox >/dev/null; }
fi
[ -f target/classpath-test.txt ] && [ -d target/test-classes ] || (mvn -q -B test-compile >&2)
rounds="${1:-15}"
shift || true
if [ "$#" -eq 0 ]; then
  set -- 44100:16000:high:1 sox 44100:16000:very_high:1 sox-v 44100:16000:high:1:scalar
fi
# shellcheck disable=SC2086
exec "$JAVA" $JVM_FLAGS -cp "$(test_classpath)" org.remotemedia.dsp.resample.ResamplerThroughput "$rounds" "$@"
