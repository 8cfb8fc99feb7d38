#!/usr/bin/env python3
"""Request JSON for perf/ghz (protobuf JSON mapping: bytes as base64, enums by name).
   payload.py unary          -> one ExecuteRequest
   payload.py stream CHUNKS  -> a list of StreamRequest: init, CHUNKS audio chunks, COMMAND_CLOSE"""
import base64, json, math, struct, sys

RATE = 48000

def audio(frames, start=0):
    samples = struct.pack("<%df" % frames, *(0.5 * math.sin(2 * math.pi * 440 * (start + i) / RATE) for i in range(frames)))
    return {"samples": base64.b64encode(samples).decode(), "sampleRate": RATE, "channels": 1,
            "format": "AUDIO_FORMAT_F32", "numSamples": frames}

def manifest(vad):
    nodes = [{"id": "in", "nodeType": "AudioResample", "params": '{"target_sample_rate": 16000}'}]
    conns = []
    if vad:
        nodes.append({"id": "vad", "nodeType": "VAD", "params": "{}"})
        conns.append({"from": "in", "to": "vad"})
    return {"version": "v1", "metadata": {"name": "ghz"}, "nodes": nodes, "connections": conns}

if sys.argv[1] == "unary":
    print(json.dumps({"manifest": manifest(False), "clientVersion": "v1", "audioInputs": {"in": audio(RATE)}}))
else:
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    msgs = [{"init": {"manifest": manifest(True), "clientVersion": "v1"}}]
    msgs += [{"audioChunk": {"nodeId": "in", "sequence": k, "buffer": audio(4800, k * 4800)}} for k in range(n)]
    msgs.append({"control": {"command": "COMMAND_CLOSE"}})
    print(json.dumps(msgs))
