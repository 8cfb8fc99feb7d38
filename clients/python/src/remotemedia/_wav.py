"""WAV files without extra dependencies: PCM 16/24/32-bit and IEEE float 32 (plain or
WAVE_FORMAT_EXTENSIBLE) read whole or chunk by chunk, and written as results arrive."""
import struct

import numpy as np

from .errors import InvalidAudioError


class WavReader:
    """Reads a WAV file's header, then its samples chunk by chunk (read(frames))."""

    def __init__(self, path):
        self.path = str(path)
        self._f = open(self.path, "rb")
        try:
            self._parse()
        except Exception:
            self._f.close()
            raise

    def _need(self, n):
        b = self._f.read(n)
        if len(b) < n:
            raise InvalidAudioError("%s: not a valid WAV file (it ends inside a header)" % self.path)
        return b

    def _parse(self):
        riff, _, wave = struct.unpack("<4sI4s", self._need(12))
        if riff != b"RIFF" or wave != b"WAVE":
            raise InvalidAudioError("%s: not a WAV file (no RIFF/WAVE header)" % self.path)
        fmt = None
        while True:
            cid, size = struct.unpack("<4sI", self._need(8))
            if cid == b"fmt ":
                body = self._need(size + (size & 1))
                tag, channels, rate = struct.unpack("<HHI", body[:8])
                bits = struct.unpack("<H", body[14:16])[0]
                if tag == 0xFFFE and size >= 26:
                    tag = struct.unpack("<H", body[24:26])[0]
                fmt = (tag, channels, rate, bits)
            elif cid == b"data":
                if fmt is None:
                    raise InvalidAudioError("%s: the data chunk comes before the fmt chunk" % self.path)
                tag, channels, rate, bits = fmt
                if (tag, bits) not in ((1, 16), (1, 24), (1, 32), (3, 32)):
                    raise InvalidAudioError(
                        "%s: %s %d-bit samples are not supported; use PCM 16/24/32-bit or float 32"
                        % (self.path, {1: "PCM", 3: "float"}.get(tag, "format tag %d" % tag), bits))
                if channels < 1 or rate < 1:
                    raise InvalidAudioError("%s: fmt says %d channels at %d Hz" % (self.path, channels, rate))
                self.channels, self.sample_rate, self.bits, self.is_float = channels, rate, bits, tag == 3
                self.frame_bytes = channels * bits // 8
                self.frames = None if size == 0xFFFFFFFF else size // self.frame_bytes
                self._left = self.frames
                return
            else:
                self._f.seek(size + (size & 1), 1)

    def read(self, frames=None):
        """The next up to `frames` frames (all that is left: None) as an array of shape
        (frames, channels): float32, int16 or int32 (24-bit becomes int32, exactly)."""
        want = self._left if frames is None else (frames if self._left is None else min(frames, self._left))
        raw = self._f.read(-1 if want is None else want * self.frame_bytes)
        n = len(raw) // self.frame_bytes
        raw = raw[:n * self.frame_bytes]
        if self._left is not None:
            self._left -= n
        if self.is_float:
            a = np.frombuffer(raw, dtype="<f4")
        elif self.bits == 16:
            a = np.frombuffer(raw, dtype="<i2")
        elif self.bits == 32:
            a = np.frombuffer(raw, dtype="<i4")
        else:
            b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
            a = (b[:, 0].astype(np.int32) << 8 | b[:, 1].astype(np.int32) << 16 | b[:, 2].astype(np.int32) << 24)
        return a.reshape(-1, self.channels)

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WavWriter:
    """Writes audio as it arrives (float 32 for f32, PCM 16/32 for i16/i32); sizes are fixed at close."""

    def __init__(self, path):
        self.path = str(path)
        self._f = open(self.path, "wb")
        self._f.write(b"\0" * 44)
        self._spec = None
        self._bytes = 0

    def write(self, audio):
        spec = (audio.sample_rate, audio.channels, audio.format)
        if self._spec is None:
            self._spec = spec
        elif spec != self._spec:
            raise InvalidAudioError("%s: the audio changed from %s to %s mid-stream" % (self.path, self._spec, spec))
        data = audio.to_bytes()
        self._f.write(data)
        self._bytes += len(data)

    def close(self):
        rate, channels, fmt = self._spec or (16000, 1, "f32")
        bits = 16 if fmt == "i16" else 32
        self._f.seek(0)
        self._f.write(struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", min(0xFFFFFFFF, 36 + self._bytes), b"WAVE",
                                  b"fmt ", 16, 3 if fmt == "f32" else 1, channels, rate, rate * channels * bits // 8,
                                  channels * bits // 8, bits, b"data", min(0xFFFFFFFF, self._bytes)))
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wav_chunks(path, frames):
    """Audio chunks of `frames` frames read from a WAV file as they are needed: a file of any length
    streams in constant memory. `client.stream(manifest, remotemedia.wav_chunks("long.wav", 4410))`."""
    from ._audio import Audio
    with WavReader(path) as w:
        while True:
            a = w.read(frames)
            if len(a) == 0:
                return
            yield Audio(a[:, 0] if w.channels == 1 else a, w.sample_rate)
