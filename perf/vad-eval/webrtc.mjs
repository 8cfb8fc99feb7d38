// WebRTC VAD (libfvad, WASM build from npm) over a float32 mono 16 kHz WAV: prints one JSON line
// {"frame_ms":30,"modes":{"0":[0,1,...],...,"3":[...]}} with a decision per 30 ms frame for each of
// its four aggressiveness modes. Samples are clipped to int16, as the library takes them.
// usage: node webrtc.mjs FILE.wav   (NODE_PATH: where perf/vad-eval/run.sh installed the package)
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.VAD_EVAL_MODULES + '/');
const fvadUrl = require.resolve('@echogarden/fvad-wasm');
const fvad = (await import(fvadUrl)).default;

function readFloatWav(path) {
  const b = fs.readFileSync(path);
  let at = 12, fmt = null, data = null;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4), len = b.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { format: b.readUInt16LE(at + 8), channels: b.readUInt16LE(at + 10), rate: b.readUInt32LE(at + 12), bits: b.readUInt16LE(at + 22) };
    if (id === 'data') data = b.subarray(at + 8, at + 8 + len);
    at += 8 + len + (len & 1);
  }
  if (!fmt || fmt.format !== 3 || fmt.bits !== 32 || fmt.channels !== 1 || fmt.rate !== 16000) throw new Error(path + ': want float32 mono 16 kHz');
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

const x = readFloatWav(process.argv[2]);
const m = await fvad();
const FRAME = 480;
const ptr = m._malloc(FRAME * 2);
const modes = {};
for (let mode = 0; mode <= 3; mode++) {
  const inst = m._fvad_new();
  if (m._fvad_set_sample_rate(inst, 16000) !== 0 || m._fvad_set_mode(inst, mode) !== 0) throw new Error('fvad setup');
  const out = [];
  for (let i = 0; i + FRAME <= x.length; i += FRAME) {
    const heap = new Int16Array(m.HEAP16.buffer, ptr, FRAME);
    for (let k = 0; k < FRAME; k++) heap[k] = Math.max(-32768, Math.min(32767, Math.round(x[i + k] * 32768)));
    const r = m._fvad_process(inst, ptr, FRAME);
    if (r < 0) throw new Error('fvad_process failed');
    out.push(r);
  }
  m._fvad_free(inst);
  modes[mode] = out;
}
console.log(JSON.stringify({ frame_ms: 30, modes }));
