#!/usr/bin/python3
"""Scores the VADs of perf/vad-eval/run.sh against the labels: per condition, frame accuracy, true-
positive rate (speech frames marked speech) and false-positive rate (non-speech frames marked
speech) over 10 ms frames; a segment covers a frame when it covers the frame's midpoint. Prints a
markdown table (accuracy / TPR / FPR per VAD) and the means, and writes scores.json.

usage: score.py OUT_DIR   (OUT_DIR/set from make_set.py, OUT_DIR/pred from run.sh)
"""
import json
import os
import sys

import numpy as np

NODES = [("vad_fixed", "VAD, fixed -40 dBFS (before)"), ("vad", "VAD, adaptive floor (default)"),
         ("silero", "SileroVAD (defaults)")]


def from_segments(segs, n):
    mid = np.arange(n) * 10 + 5
    p = np.zeros(n, dtype=bool)
    for s in segs:
        p |= (mid >= s["start_ms"]) & (mid < s["end_ms"])
    return p


def metrics(pred, lab):
    lab = lab.astype(bool)
    acc = float(np.mean(pred == lab))
    tpr = float(np.mean(pred[lab])) if lab.any() else float("nan")
    fpr = float(np.mean(pred[~lab])) if (~lab).any() else float("nan")
    return acc, tpr, fpr


def main():
    out = sys.argv[1]
    lab = np.load(os.path.join(out, "set", "labels.npy"))
    n = len(lab)
    conds = json.load(open(os.path.join(out, "set", "set.json")))["conditions"]
    scores = {}
    cols = [name for name, _ in NODES] + [f"webrtc{m}" for m in range(4)]
    for c in conds:
        data = json.load(open(os.path.join(out, "pred", c + ".json")))["data_outputs"]
        web = json.load(open(os.path.join(out, "pred", c + ".webrtc.json")))
        row = {}
        for name, _ in NODES:
            row[name] = metrics(from_segments(data[name]["segments"], n), lab)
        for m, d in web["modes"].items():
            d = np.array(d, dtype=bool)
            pred = np.zeros(n, dtype=bool)
            k = np.arange(n) // 3
            ok = k < len(d)
            pred[ok] = d[k[ok]]
            row[f"webrtc{m}"] = metrics(pred, lab)
        scores[c] = row
    head = "| condition | " + " | ".join(cols) + " |"
    print("accuracy / TPR / FPR per 10 ms frame; " + ", ".join(f"{n}: {d}" for n, d in NODES)
          + "; webrtcN: WebRTC VAD (libfvad) mode N, 30 ms frames, no smoothing\n")
    print(head)
    print("|" + "---|" * (len(cols) + 1))
    for c, row in scores.items():
        print(f"| {c} | " + " | ".join("%.3f / %.2f / %.2f" % row[k] for k in cols) + " |")
    means = {k: [float(np.mean([scores[c][k][i] for c in scores])) for i in range(3)] for k in cols}
    noisy = [c for c in scores if c != "clean"]
    print("| **mean, all %d** | " % len(scores) + " | ".join("**%.3f** / %.2f / %.2f" % tuple(means[k]) for k in cols) + " |")
    for snr in ("20db", "10db", "5db", "0db"):
        cs = [c for c in noisy if c.endswith("_" + snr)]
        print(f"| mean at {snr} | " + " | ".join("%.3f" % np.mean([scores[c][k][0] for c in cs]) for k in cols) + " |")
    json.dump({"scores": scores, "means": means}, open(os.path.join(out, "scores.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
