"""Python client of the remotemedia.v1 audio pipeline server (gRPC).

    import numpy as np, remotemedia
    with remotemedia.Client("localhost:50051") as client:
        print(client.version())
        r = client.execute(manifest, {"resample": remotemedia.Audio(samples, 44100)})
        out = r.audio["resample"].samples

remotemedia.aio.Client is the asyncio twin. Errors are typed (remotemedia.errors). The command
line: python -m remotemedia call --server HOST:PORT --manifest M.json --input NODE=in.wav ...
"""
from ._audio import Audio
from ._common import ChunkResult, Result, Version
from ._sync import Client, Stream
from ._wav import wav_chunks
from .errors import (AuthenticationError, CancelledError, DeadlineExceededError, InternalError, InvalidAudioError,
                     NodeExecutionError, PipelineError, RemoteMediaError, ResourceLimitError, RpcError,
                     StreamInterruptedError, UnavailableError, ValidationError, VersionMismatchError)

__version__ = "0.1.0"

__all__ = [
    "Audio", "Client", "Stream", "wav_chunks", "Result", "ChunkResult", "Version",
    "RemoteMediaError", "InvalidAudioError", "PipelineError", "ValidationError", "NodeExecutionError",
    "ResourceLimitError", "VersionMismatchError", "InternalError", "RpcError", "UnavailableError",
    "AuthenticationError", "DeadlineExceededError", "CancelledError", "StreamInterruptedError",
]
