import { AudioBuffer, AudioFormat } from './gen/remotemedia/v1/common';
import { InvalidAudioError } from './errors';

export type Samples = Float32Array | Int16Array | Int32Array;
export type Format = 'f32' | 'i16' | 'i32';

/**
 * Audio as the service carries it: interleaved samples (Float32Array in [-1, 1], Int16Array or
 * Int32Array at full scale), a sample rate and a channel count.
 */
export class Audio {
  readonly samples: Samples;
  readonly sampleRate: number;
  readonly channels: number;

  constructor(samples: Samples, sampleRate: number, channels = 1) {
    if (!(samples instanceof Float32Array || samples instanceof Int16Array || samples instanceof Int32Array)) {
      const kind = (samples as object)?.constructor?.name ?? typeof samples;
      throw new InvalidAudioError(`unsupported samples ${kind}: use a Float32Array, Int16Array or Int32Array`
        + (kind === 'Float64Array' ? ' (convert with Float32Array.from(samples))' : ''));
    }
    if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
      throw new InvalidAudioError(`sampleRate must be a positive integer (Hz), got ${sampleRate}`);
    }
    if (!Number.isInteger(channels) || channels < 1) {
      throw new InvalidAudioError(`channels must be a positive integer, got ${channels}`);
    }
    if (samples.length % channels !== 0) {
      throw new InvalidAudioError(`${samples.length} samples is not a whole number of ${channels}-channel frames`);
    }
    this.samples = samples;
    this.sampleRate = sampleRate;
    this.channels = channels;
  }

  get format(): Format {
    return this.samples instanceof Float32Array ? 'f32' : this.samples instanceof Int16Array ? 'i16' : 'i32';
  }

  get frames(): number {
    return this.samples.length / this.channels;
  }

  /** Interleaved little-endian bytes (no copy on little-endian machines). */
  toBytes(): Buffer {
    return Buffer.from(this.samples.buffer, this.samples.byteOffset, this.samples.byteLength);
  }

  toProto(): AudioBuffer {
    const format = this.format === 'f32' ? AudioFormat.AUDIO_FORMAT_F32
      : this.format === 'i16' ? AudioFormat.AUDIO_FORMAT_I16 : AudioFormat.AUDIO_FORMAT_I32;
    return { samples: this.toBytes(), sampleRate: this.sampleRate, channels: this.channels, format,
      numSamples: this.samples.length };
  }

  static fromProto(b: AudioBuffer): Audio {
    const bytes = b.samples;
    // copy into an aligned buffer: a protobuf field's bytes may start at any offset
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    switch (b.format) {
      case AudioFormat.AUDIO_FORMAT_F32: return new Audio(new Float32Array(copy), b.sampleRate, b.channels);
      case AudioFormat.AUDIO_FORMAT_I16: return new Audio(new Int16Array(copy), b.sampleRate, b.channels);
      case AudioFormat.AUDIO_FORMAT_I32: return new Audio(new Int32Array(copy), b.sampleRate, b.channels);
      default: throw new InvalidAudioError(`the server sent audio of unknown format ${b.format}`);
    }
  }
}
