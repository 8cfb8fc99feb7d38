"""The asyncio twin of remotemedia.Client (grpc.aio): the same calls, awaited.

    async with remotemedia.aio.Client("localhost:50051") as client:
        v = await client.version()
        r = await client.execute(manifest, {"resample": audio})
        async for result in client.stream(manifest, chunks):   # chunks: an (async) iterable of Audio
            ...
"""
import asyncio

import grpc
import grpc.aio

from . import _common
from .errors import CancelledError, StreamInterruptedError, from_grpc, pipeline_error


class Client:
    """As remotemedia.Client (same arguments), with coroutines and an async-iterator stream."""

    def __init__(self, target, token=None, tls=None, authority=None, timeout=60.0, retry=1, max_retry_delay=30.0):
        self.target = target
        self._metadata = _common.metadata(token)
        creds = _common.credentials(tls)
        opts = _common.channel_args(tls, authority)
        self._channel = grpc.aio.secure_channel(target, creds, options=opts) if creds else \
            grpc.aio.insecure_channel(target, options=opts)
        from .v1 import execution_pb2_grpc, streaming_pb2_grpc
        self._exec = execution_pb2_grpc.PipelineExecutionServiceStub(self._channel)
        self._stream = streaming_pb2_grpc.StreamingPipelineServiceStub(self._channel)
        self.timeout = timeout
        self.retry = max(1, int(retry))
        self.max_retry_delay = max_retry_delay

    async def _unary(self, method, request):
        attempt = 1
        while True:
            try:
                return await method(request, timeout=self.timeout, metadata=self._metadata)
            except grpc.RpcError as e:
                err = from_grpc(e, self.target)
                wait = _common.retry_wait(err, attempt, self.retry, self.max_retry_delay)
                if wait is None:
                    raise err from None
                await asyncio.sleep(wait)
                attempt += 1

    async def version(self):
        from .v1 import execution_pb2
        return _common.Version(await self._unary(
            self._exec.GetVersion, execution_pb2.VersionRequest(client_version=_common.CLIENT_VERSION)))

    async def execute(self, manifest, inputs=None, data=None):
        resp = await self._unary(self._exec.ExecutePipeline, _common.execute_request(manifest, inputs, data))
        if resp.HasField("error"):
            raise pipeline_error(resp.error)
        return _common.Result(resp.result)

    def stream(self, manifest, chunks, source=None, data=None, timeout=None):
        """An async iterator of ChunkResult; `chunks` may be an async or a plain iterable of Audio
        (or of (node id, Audio)), read only as fast as the server takes them."""
        return Stream(self, manifest, chunks, source, data, timeout)

    async def close(self):
        await self._channel.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


class Stream:
    """As remotemedia.Stream, for `async for`: ready, closed, sent, cancel()."""

    def __init__(self, client, manifest, chunks, source, data, timeout):
        self._client = client
        self.ready = None
        self.closed = None
        self.sent = 0
        self._done = False
        self._cancelled = False
        init = _common.init_request(manifest, data)
        self._call = client._stream.StreamPipeline(self._requests(init, chunks, source), timeout=timeout,
                                                   metadata=client._metadata)

    async def _requests(self, init, chunks, source):
        yield init
        frames = 0
        if hasattr(chunks, "__aiter__"):
            async for item in chunks:
                node, audio = _common.chunk_items(item, source)
                yield _common.chunk_request(node, audio, self.sent, frames)
                self.sent += 1
                frames += audio.frames
        else:
            for item in chunks:
                node, audio = _common.chunk_items(item, source)
                yield _common.chunk_request(node, audio, self.sent, frames)
                self.sent += 1
                frames += audio.frames
        yield _common.close_request()

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._done:
            raise StopAsyncIteration
        while True:
            try:
                r = await self._call.read()
            except asyncio.CancelledError:
                if self._cancelled:  # grpc.aio reports our own cancel() as asyncio's
                    self._done = True
                    raise CancelledError(grpc.StatusCode.CANCELLED, "the stream was cancelled by the caller",
                                         target=self._client.target) from None
                self._call.cancel()
                raise
            except grpc.RpcError as e:
                self._done = True
                raise from_grpc(e, self._client.target) from None
            if r is grpc.aio.EOF:
                self._done = True
                if self.closed is None:
                    raise StreamInterruptedError("the server ended the stream without StreamClosed after %d chunk(s)"
                                                 " sent" % self.sent)
                raise StopAsyncIteration
            kind = r.WhichOneof("response")
            if kind == "ready":
                self.ready = r.ready
            elif kind == "result":
                return _common.ChunkResult(r.result)
            elif kind == "error":
                self._done = True
                self._call.cancel()
                raise pipeline_error(r.error)
            elif kind == "closed":
                from google.protobuf import json_format
                self.closed = json_format.MessageToDict(r.closed, preserving_proto_field_name=True)

    async def results(self):
        return [r async for r in self]

    def cancel(self):
        self._cancelled = True
        self._call.cancel()
