#!/usr/bin/env bash
# The VAD evaluation of the VAD work: builds the labelled set (make_set.py: espeak-ng speech in 12 voices,
# clean and in white / pink / brown / tonal noise at 20, 10, 5, 0 dB SNR), runs VAD (fixed and
# adaptive floor) and SileroVAD through `scripts/remotemedia process` (one manifest, both nodes on
# the same input), WebRTC VAD (libfvad WASM from npm) through node, and scores them (score.py).
# Nothing is committed but these scripts; audio and results go to OUT (default perf/out/vad-eval).
#
#   perf/vad-eval/run.sh [OUT]
#
# Needs what scripts/lib/install-test-tools.sh installs (espeak-ng, sox, numpy, scipy, node) and
# the model (scripts/fetch-models).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/common.sh"
OUT="${1:-$RM_ROOT/perf/out/vad-eval}"
mkdir -p "$OUT/pred" "$OUT/node"
"$RM_ROOT/scripts/fetch-models"
[ -f "$OUT/set/set.json" ] || /usr/bin/python3 "$HERE/make_set.py" "$OUT/set"
if ! cmp -s "$HERE/package.json" "$OUT/node/package.json"; then
  cp "$HERE/package.json" "$OUT/node/package.json"
  (cd "$OUT/node" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
for wav in "$OUT"/set/*.wav; do
  c="$(basename "$wav" .wav)"
  "$RM_ROOT/scripts/remotemedia" process --manifest "$HERE/manifest.json" --input "in=$wav" > "$OUT/pred/$c.json"
  VAD_EVAL_MODULES="$OUT/node/node_modules" node "$HERE/webrtc.mjs" "$wav" > "$OUT/pred/$c.webrtc.json"
done
/usr/bin/python3 "$HERE/score.py" "$OUT"
