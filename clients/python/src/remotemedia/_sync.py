"""The synchronous client (grpc's blocking stubs)."""
import threading
import time

import grpc

from . import _common
from .errors import CancelledError, StreamInterruptedError, from_grpc, pipeline_error


class Client:
    """A client of one remotemedia server.

        client = remotemedia.Client("localhost:50051", token=None, tls=None)

    `tls`: None or False (plaintext h2c), True (TLS, the system's CAs), or a CA certificate file
    (path) or its PEM bytes. `authority`: the host name the certificate names, when the target's
    differs. `timeout`: seconds per unary call. `retry`: attempts in all for calls the server marks
    retryable (UNAVAILABLE or RESOURCE_EXHAUSTED with RetryInfo), each after the delay it asks for
    (at most `max_retry_delay` seconds); 1 (the default) means no retry. Unary calls are retried, and
    a stream refused before the server admits its session; an admitted session never is. Use as a
    context manager, or close() it.
    """

    def __init__(self, target, token=None, tls=None, authority=None, timeout=60.0, retry=1, max_retry_delay=30.0):
        self.target = target
        self._metadata = _common.metadata(token)
        creds = _common.credentials(tls)
        opts = _common.channel_args(tls, authority)
        self._channel = grpc.secure_channel(target, creds, options=opts) if creds else \
            grpc.insecure_channel(target, options=opts)
        from .v1 import execution_pb2_grpc, streaming_pb2_grpc
        self._exec = execution_pb2_grpc.PipelineExecutionServiceStub(self._channel)
        self._stream = streaming_pb2_grpc.StreamingPipelineServiceStub(self._channel)
        self.timeout = timeout
        self.retry = max(1, int(retry))
        self.max_retry_delay = max_retry_delay

    def _unary(self, method, request):
        attempt = 1
        while True:
            try:
                return method(request, timeout=self.timeout, metadata=self._metadata)
            except grpc.RpcError as e:
                err = from_grpc(e, self.target)
                wait = _common.retry_wait(err, attempt, self.retry, self.max_retry_delay)
                if wait is None:
                    raise err from None
                time.sleep(wait)
                attempt += 1

    def version(self):
        """The server's versions and node types (GetVersion)."""
        from .v1 import execution_pb2
        return _common.Version(self._unary(self._exec.GetVersion,
                                           execution_pb2.VersionRequest(client_version=_common.CLIENT_VERSION)))

    def execute(self, manifest, inputs=None, data=None):
        """Runs a pipeline once (ExecutePipeline) and returns a Result.

        manifest: a dict, JSON text or a .json path. inputs: node id -> Audio, a WAV path, or JSON
        data (a dict, number, list, or JSON text). data: more node id -> JSON data.
        Raises a PipelineError subclass for the server's ErrorResponse, an RpcError subclass for a
        failed call.
        """
        resp = self._unary(self._exec.ExecutePipeline, _common.execute_request(manifest, inputs, data))
        if resp.HasField("error"):
            raise pipeline_error(resp.error)
        return _common.Result(resp.result)

    def stream(self, manifest, chunks, source=None, data=None, timeout=None):
        """Streams `chunks` (an iterable of Audio, or of (node id, Audio)) through StreamPipeline and
        returns a Stream: iterate it for the ChunkResults, in order. The chunks are numbered 0, 1, 2,
        ... and read from `chunks` only as fast as the server takes them; COMMAND_CLOSE follows the
        last. `source` names the source node of bare Audio items (default: the pipeline's only one).
        `timeout`: seconds for the whole call, retries included (default: none)."""
        return Stream(self, manifest, chunks, source, data, timeout)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Stream:
    """An open StreamPipeline call: an iterator of ChunkResult. After the iteration, `closed` holds
    the server's StreamClosed (reason, final metrics as a dict); `ready` its StreamReady; `sent` the
    chunks taken from `chunks`. cancel() ends the call now (iterating then raises CancelledError).
    Errors are raised typed from the iteration: a PipelineError for an in-band error, an RpcError for
    a failed call, StreamInterruptedError when the stream ends without StreamClosed.

    With the client's retry, a call refused with a retryable status before the server admits the
    session (its first answer, StreamReady) is opened again after the RetryInfo delay, and the init
    and every chunk already taken are sent again. Once admitted, a session is never retried."""

    def __init__(self, client, manifest, chunks, source, data, timeout):
        self._client = client
        self.ready = None
        self.closed = None
        self.sent = 0
        self._init = _common.init_request(manifest, data)
        self._chunks = iter(chunks)
        self._source = source
        self._frames = 0
        # Chunk requests taken from `chunks` and not dropped yet: grpc reads ahead of the server's
        # answer, so a refused attempt's chunks must be resent. _base: the sequence of _taken[0].
        self._taken = []
        self._base = 0
        self._exhausted = False
        self._lock = threading.Lock()  # guards `chunks` and _taken between attempts' request threads
        self._attempt = 1
        self._admitted = False
        self._cancelled = threading.Event()
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._call = None
        self._done = False
        self._open()

    def _take(self):
        """Takes one chunk from the caller's iterator into _taken; False at its end."""
        if self._exhausted:
            return False
        try:
            item = next(self._chunks)
        except StopIteration:
            self._exhausted = True
            return False
        node, audio = _common.chunk_items(item, self._source)
        self._taken.append(_common.chunk_request(node, audio, self.sent, self._frames))
        self.sent += 1
        self._frames += audio.frames
        return True

    def _requests(self, attempt):
        yield self._init
        i = 0  # the sequence of the next chunk this attempt sends
        while True:
            with self._lock:
                if attempt != self._attempt:
                    return  # refused: the next attempt sends what this one took
                if self._admitted:  # never resent now
                    del self._taken[:i - self._base]
                    self._base = i
                if i - self._base >= len(self._taken) and not self._take():
                    break
                req = self._taken[i - self._base]
            i += 1
            yield req
        yield _common.close_request()

    def _open(self):
        timeout = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
        self._call = self._client._stream.StreamPipeline(self._requests(self._attempt), timeout=timeout,
                                                         metadata=self._client._metadata)

    def _retry_wait(self, err):
        """Seconds to wait before opening the call again, or None when `err` is final."""
        if self._admitted or self._cancelled.is_set():
            return None
        wait = _common.retry_wait(err, self._attempt, self._client.retry, self._client.max_retry_delay)
        if wait is not None and self._deadline is not None and time.monotonic() + wait >= self._deadline:
            return None  # the caller's deadline would pass while waiting
        return wait

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        while True:
            try:
                r = next(self._call)
            except StopIteration:
                self._done = True
                if self.closed is None:
                    raise StreamInterruptedError("the server ended the stream without StreamClosed after %d chunk(s)"
                                                 " sent" % self.sent) from None
                raise
            except grpc.RpcError as e:
                err = from_grpc(e, self._client.target)
                wait = self._retry_wait(err)
                if wait is None:
                    self._done = True
                    raise err from None
                if self._cancelled.wait(wait):
                    self._done = True
                    raise CancelledError(grpc.StatusCode.CANCELLED, "the stream was cancelled by the caller",
                                         target=self._client.target) from None
                self._attempt += 1
                self._open()
                if self._cancelled.is_set():
                    self._call.cancel()
                continue
            self._admitted = True  # the server's first answer: StreamReady, or an in-band error
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

    def results(self):
        """Every result, as a list (iterates the stream to its end)."""
        return list(self)

    def cancel(self):
        self._cancelled.set()
        self._call.cancel()
