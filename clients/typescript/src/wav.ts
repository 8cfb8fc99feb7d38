import * as fs from 'node:fs';
import { Audio } from './audio';
import { InvalidAudioError } from './errors';

/**
 * A WAV file read chunk by chunk (PCM 16 / 32-bit, float 32; WAVE_FORMAT_EXTENSIBLE too), so a long
 * file never sits in memory: `for (const a of readWavChunks(path, 1600)) ...`.
 */
export function* readWavChunks(path: string, framesPerChunk: number): Generator<Audio> {
  const fd = fs.openSync(path, 'r');
  try {
    const head = (n: number, at: number): Buffer => {
      const b = Buffer.alloc(n);
      if (fs.readSync(fd, b, 0, n, at) < n) throw new InvalidAudioError(`${path}: not a valid WAV file (it ends inside a header)`);
      return b;
    };
    const riff = head(12, 0);
    if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WAVE') {
      throw new InvalidAudioError(`${path}: not a WAV file (no RIFF/WAVE header)`);
    }
    let pos = 12;
    let fmt: { tag: number; channels: number; rate: number; bits: number } | undefined;
    for (;;) {
      const h = head(8, pos);
      const id = h.toString('latin1', 0, 4);
      const size = h.readUInt32LE(4);
      pos += 8;
      if (id === 'fmt ') {
        const f = head(size, pos);
        let tag = f.readUInt16LE(0);
        if (tag === 0xfffe && size >= 26) tag = f.readUInt16LE(24);
        fmt = { tag, channels: f.readUInt16LE(2), rate: f.readUInt32LE(4), bits: f.readUInt16LE(14) };
      } else if (id === 'data') {
        if (!fmt) throw new InvalidAudioError(`${path}: the data chunk comes before the fmt chunk`);
        const kind = fmt.tag === 3 && fmt.bits === 32 ? 'f32' : fmt.tag === 1 && fmt.bits === 16 ? 'i16'
          : fmt.tag === 1 && fmt.bits === 32 ? 'i32' : undefined;
        if (!kind) throw new InvalidAudioError(`${path}: ${fmt.bits}-bit format ${fmt.tag} is not supported; use PCM 16/32-bit or float 32`);
        const frameBytes = fmt.channels * fmt.bits / 8;
        let left = Math.floor(size / frameBytes);
        while (left > 0) {
          const n = Math.min(framesPerChunk, left);
          const buf = new ArrayBuffer(n * frameBytes);
          const got = fs.readSync(fd, new Uint8Array(buf), 0, n * frameBytes, pos);
          const frames = Math.floor(got / frameBytes);
          if (frames === 0) return;
          pos += frames * frameBytes;
          left -= frames;
          const slice = buf.slice(0, frames * frameBytes);
          yield new Audio(kind === 'f32' ? new Float32Array(slice) : kind === 'i16' ? new Int16Array(slice)
            : new Int32Array(slice), fmt.rate, fmt.channels);
        }
        return;
      }
      pos += size + (size & 1);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes audio as WAV (float 32 for f32, PCM 16 / 32 for i16 / i32). */
export function writeWav(path: string, a: Audio): void {
  const bits = a.format === 'i16' ? 16 : 32;
  const data = a.toBytes();
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(a.format === 'f32' ? 3 : 1, 20);
  h.writeUInt16LE(a.channels, 22);
  h.writeUInt32LE(a.sampleRate, 24);
  h.writeUInt32LE(a.sampleRate * a.channels * bits / 8, 28);
  h.writeUInt16LE(a.channels * bits / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(path, Buffer.concat([h, data]));
}
