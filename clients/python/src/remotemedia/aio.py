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
    """As remotemedia.Stream, for `async for`: ready, closed, sent, cancel(); the same retry of a
    stream refused before its session is admitted."""

    def __init__(self, client, manifest, chunks, source, data, timeout):
        self._client = client
        self.ready = None
        self.closed = None
        self.sent = 0
        self._done = False
        self._cancelled = False
        self._cancel_event = asyncio.Event()
        self._init = _common.init_request(manifest, data)
        self._aiter = chunks.__aiter__() if hasattr(chunks, "__aiter__") else None
        self._iter = None if self._aiter is not None else iter(chunks)
        self._source = source
        self._frames = 0
        # As the sync Stream: chunks taken and not dropped yet, resent by the next attempt.
        self._taken = []
        self._base = 0
        self._exhausted = False
        self._pull = None  # the task taking the next chunk, shared by the attempts
        self._attempt = 1
        self._admitted = False
        self._deadline = None if timeout is None else asyncio.get_event_loop().time() + timeout
        self._open()

    async def _take(self):
        try:
            item = await self._aiter.__anext__() if self._aiter is not None else next(self._iter)
        except (StopAsyncIteration, StopIteration):
            self._exhausted = True
            return
        node, audio = _common.chunk_items(item, self._source)
        self._taken.append(_common.chunk_request(node, audio, self.sent, self._frames))
        self.sent += 1
        self._frames += audio.frames

    async def _requests(self, attempt):
        yield self._init
        i = 0  # the sequence of the next chunk this attempt sends
        while True:
            if attempt != self._attempt:
                return  # refused: the next attempt sends what this one took
            if self._admitted:  # never resent now
                del self._taken[:i - self._base]
                self._base = i
            if i - self._base < len(self._taken):
                req = self._taken[i - self._base]
                i += 1
                yield req
            elif self._exhausted:
                break
            else:
                if self._pull is None or self._pull.done():
                    self._pull = asyncio.ensure_future(self._take())
                # grpc cancels this generator's task with its call; the shield keeps the caller's
                # iterator alive for the next attempt
                await asyncio.shield(self._pull)
        yield _common.close_request()

    def _open(self):
        timeout = None if self._deadline is None else max(0.0, self._deadline - asyncio.get_event_loop().time())
        self._call = self._client._stream.StreamPipeline(self._requests(self._attempt), timeout=timeout,
                                                         metadata=self._client._metadata)

    async def _retry(self, err):
        """True after waiting to open the call again; False when `err` is final."""
        if self._admitted or self._cancelled:
            return False
        wait = _common.retry_wait(err, self._attempt, self._client.retry, self._client.max_retry_delay)
        if wait is None or (self._deadline is not None
                            and asyncio.get_event_loop().time() + wait >= self._deadline):
            return False
        try:
            await asyncio.wait_for(self._cancel_event.wait(), wait)
        except asyncio.TimeoutError:
            pass
        if self._cancelled:
            raise CancelledError(grpc.StatusCode.CANCELLED, "the stream was cancelled by the caller",
                                 target=self._client.target)
        self._attempt += 1
        self._open()
        return True

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
                err = from_grpc(e, self._client.target)
                try:
                    if await self._retry(err):
                        continue
                except CancelledError:
                    self._done = True
                    raise
                self._done = True
                raise err from None
            self._admitted = True  # the server's first answer (StreamReady), or the end of the call
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
                if self._pull is not None:
                    self._pull.cancel()
                raise pipeline_error(r.error)
            elif kind == "closed":
                from google.protobuf import json_format
                self.closed = json_format.MessageToDict(r.closed, preserving_proto_field_name=True)

    async def results(self):
        return [r async for r in self]

    def cancel(self):
        self._cancelled = True
        self._cancel_event.set()
        self._call.cancel()
        if self._pull is not None:
            self._pull.cancel()  # the caller's iterator is not read again
