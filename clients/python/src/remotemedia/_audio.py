"""Audio: numpy samples plus a sample rate, as the service's AudioBuffer carries them."""
import numpy as np

from .errors import InvalidAudioError

_FORMATS = {  # numpy dtype -> (format name, AudioFormat number, little-endian dtype)
    np.dtype(np.float32): ("f32", 1, "<f4"),
    np.dtype(np.int16): ("i16", 2, "<i2"),
    np.dtype(np.int32): ("i32", 3, "<i4"),
}
_BY_NUMBER = {number: (name, np.dtype(le)) for name, number, le in _FORMATS.values()}


class Audio:
    """Audio samples and their rate.

    `samples` is a numpy array of shape (frames,) (mono) or (frames, channels), of dtype float32
    (nominal range [-1, 1]), int16 or int32 (full scale). Anything else raises InvalidAudioError,
    which says how to convert. Results come back the same way: mono as (frames,).
    """

    __slots__ = ("samples", "sample_rate")

    def __init__(self, samples, sample_rate):
        a = np.asarray(samples)
        if a.dtype not in _FORMATS:
            hint = " (convert with samples.astype(numpy.float32))" if a.dtype.kind == "f" else \
                " (convert to int16 or int32, or to float32 in [-1, 1])" if a.dtype.kind in "iu" else ""
            raise InvalidAudioError("unsupported sample dtype %s: use float32, int16 or int32%s" % (a.dtype, hint))
        if a.ndim not in (1, 2):
            raise InvalidAudioError("unsupported shape %s: use (frames,) for mono or (frames, channels)" % (a.shape,))
        if a.ndim == 2 and a.shape[1] < 1:
            raise InvalidAudioError("shape %s has no channels: use (frames, channels) with channels >= 1" % (a.shape,))
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
            raise InvalidAudioError("sample_rate must be a positive integer (Hz), got %r" % (sample_rate,))
        self.samples = a
        self.sample_rate = int(sample_rate)

    @property
    def channels(self):
        return 1 if self.samples.ndim == 1 else self.samples.shape[1]

    @property
    def frames(self):
        return self.samples.shape[0]

    @property
    def format(self):
        """'f32', 'i16' or 'i32'."""
        return _FORMATS[self.samples.dtype][0]

    def to_bytes(self):
        """Interleaved little-endian samples."""
        return np.ascontiguousarray(self.samples, dtype=_FORMATS[self.samples.dtype][2]).tobytes()

    def to_proto(self):
        from .v1 import common_pb2
        return common_pb2.AudioBuffer(samples=self.to_bytes(), sample_rate=self.sample_rate, channels=self.channels,
                                      format=_FORMATS[self.samples.dtype][1], num_samples=self.samples.size)

    @classmethod
    def from_proto(cls, buf):
        name_dtype = _BY_NUMBER.get(buf.format)
        if name_dtype is None:
            raise InvalidAudioError("the server sent audio of unknown format %d" % buf.format)
        a = np.frombuffer(buf.samples, dtype=name_dtype[1]).astype(name_dtype[1].newbyteorder("="), copy=False)
        if buf.channels > 1:
            a = a.reshape(-1, buf.channels)
        return cls(a, buf.sample_rate)

    @classmethod
    def from_wav(cls, path):
        """A WAV file (PCM 16/24/32-bit or float 32; 24-bit becomes int32)."""
        from ._wav import WavReader
        with WavReader(path) as w:
            a = w.read()
            return cls(a[:, 0] if w.channels == 1 else a, w.sample_rate)

    def to_wav(self, path):
        from ._wav import WavWriter
        with WavWriter(path) as w:
            w.write(self)

    def __repr__(self):
        return "Audio(%d frames, %d Hz, %d ch, %s)" % (self.frames, self.sample_rate, self.channels, self.format)
