#!/usr/bin/env bash
# Resampler throughput, interleaved round by round with sox's `rate -h` / `rate -v` and with
# libsoxr (perf/soxr/soxr_rate.c, compiled here with gcc) on the same machine. sox and libsoxr
# are installed here from Debian if missing: benchmark comparisons only, never a test
# dependency or reference. Prints a markdown table for perf/RESULTS.md.
#   perf/resampler-vs-sox.sh [ROUNDS] [CONFIG ...]
#   CONFIG = fi:fo:quality:channels[:scalar|:g2|:taps|:single|:dots|:perphase] | sox | sox-v
#            | soxr-hq | soxr-vhq | soxr-match   (soxr-*: add :fi:fo for other rates)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$RM_ROOT"
apt_install() {
  printf 'installing %s (apt-get) for the comparison ...\n' "$*" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y "$@" >/dev/null 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && apt-get -o DPkg::Lock::Timeout=600 install -y "$@" >/dev/null; }
}
command -v sox >/dev/null 2>&1 || apt_install sox
[ -f /usr/include/soxr.h ] || apt_install libsoxr-dev
command -v gcc >/dev/null 2>&1 || apt_install gcc
ensure_built
if [ ! -x target/soxr_rate ] || [ perf/soxr/soxr_rate.c -nt target/soxr_rate ]; then
  gcc -O2 -o target/soxr_rate perf/soxr/soxr_rate.c -lsoxr -lm
fi
rounds="${1:-15}"
shift || true
if [ "$#" -eq 0 ]; then
  set -- 44100:16000:high:1 sox soxr-hq soxr-match 48000:16000:high:1 soxr-hq:48000:16000 \
    16000:48000:high:1 soxr-hq:16000:48000 44100:16000:very_high:1 sox-v soxr-vhq
fi
# shellcheck disable=SC2086
exec "$JAVA" $JVM_FLAGS ${RM_JAVA_OPTS:-} -Dsoxr.bin="$RM_ROOT/target/soxr_rate" -cp "$(test_classpath)" \
  org.remotemedia.dsp.resample.ResamplerThroughput "$rounds" "$@"
