"""The asyncio twin against the real daemon, and its bad cases as test_errors has them for the
sync client: a server that is down, a port that does not speak gRPC, a stream the server ends
mid-way, and the opt-in retry of a stream refused before its session is admitted."""
import asyncio
import socket
import threading

import grpc
import numpy as np
import pytest

import remotemedia
import remotemedia.aio
from conftest import TOKEN
from remotemedia.v1 import streaming_pb2
from test_errors import _fake, free_port

GAIN = {"version": "v1", "metadata": {"name": "g"},
        "nodes": [{"id": "g", "node_type": "Gain", "params": {"gain_db": -6.0206}}]}


def run(coro):
    return asyncio.run(coro)


def test_version_execute_and_stream(server):
    async def main():
        async with remotemedia.aio.Client(server.target, token=TOKEN) as c:
            v = await c.version()
            assert v.protocol_version == "v1"
            x = np.linspace(-1, 1, 1600, dtype=np.float32)
            r = await c.execute(GAIN, {"g": remotemedia.Audio(x, 16000)})
            assert np.allclose(r.audio["g"].samples, x * 0.5, atol=1e-5)

            async def chunks():
                for i in range(10):
                    yield remotemedia.Audio(x, 16000)
                    await asyncio.sleep(0)

            s = c.stream(GAIN, chunks())
            seqs = [res.sequence async for res in s]
            assert seqs == list(range(10)) and s.closed is not None

            with pytest.raises(remotemedia.NodeExecutionError):
                await c.execute({"version": "v1", "metadata": {"name": "d"}, "nodes": [
                    {"id": "d", "node_type": "CalculatorNode", "params": {"operation": "divide", "value": 0}}]},
                    {"d": 1})
    run(main())


def test_wrong_token_and_cancel(server):
    async def main():
        async with remotemedia.aio.Client(server.target, token="wrong") as c:
            with pytest.raises(remotemedia.AuthenticationError):
                await c.version()
        async with remotemedia.aio.Client(server.target, token=TOKEN) as c:
            gate = asyncio.Event()

            async def chunks():
                yield remotemedia.Audio(np.zeros(160, np.float32), 16000)
                await gate.wait()  # the producer stalls; the caller cancels

            s = c.stream(GAIN, chunks())
            first = await s.__anext__()
            assert first.sequence == 0
            s.cancel()
            with pytest.raises(remotemedia.CancelledError):
                await s.__anext__()
    run(main())


def test_a_server_that_is_down():
    async def main():
        async with remotemedia.aio.Client("127.0.0.1:%d" % free_port(), timeout=20) as c:
            with pytest.raises(remotemedia.UnavailableError) as e:
                await c.version()
            assert "is the server running" in str(e.value)
            with pytest.raises(remotemedia.UnavailableError):
                await c.stream(GAIN, [remotemedia.Audio(np.zeros(16, np.float32), 16000)], timeout=20).results()
    run(main())


def test_a_port_that_does_not_speak_grpc():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    stop = threading.Event()

    def http():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(1024)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    async def main():
        async with remotemedia.aio.Client("127.0.0.1:%d" % srv.getsockname()[1], timeout=20) as c:
            with pytest.raises(remotemedia.RpcError) as e:
                await c.version()
        assert e.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)

    t = threading.Thread(target=http, daemon=True)
    t.start()
    try:
        run(main())
    finally:
        stop.set()
        t.join()
        srv.close()


def test_a_server_that_ends_the_stream_mid_way():
    def stream(requests, context):
        n = 0
        for r in requests:
            if r.HasField("init"):
                yield streaming_pb2.StreamResponse(ready=streaming_pb2.StreamReady(session_id="fake"))
            elif r.HasField("audio_chunk"):
                n += 1
                if n == 2:
                    return  # gone, status OK, no StreamClosed

    h = grpc.method_handlers_generic_handler("remotemedia.v1.StreamingPipelineService", {
        "StreamPipeline": grpc.stream_stream_rpc_method_handler(
            stream, request_deserializer=streaming_pb2.StreamRequest.FromString,
            response_serializer=streaming_pb2.StreamResponse.SerializeToString)})
    srv, target = _fake((h,))

    async def main():
        async with remotemedia.aio.Client(target) as c:
            with pytest.raises(remotemedia.StreamInterruptedError, match="without StreamClosed"):
                chunks = (remotemedia.Audio(np.zeros(160, np.float32), 16000) for _ in range(100))
                await c.stream(GAIN, chunks).results()
    try:
        run(main())
    finally:
        srv.stop(None)


async def _numbered(n, taken):
    for i in range(n):
        taken.append(i)
        yield remotemedia.Audio(np.full(160, i / n, np.float32), 16000)
        await asyncio.sleep(0)


def test_a_stream_refused_before_admission_is_retried_with_the_chunks_taken(refusing_streams):
    fake = refusing_streams(delay=0.5, read=2)
    taken = []

    async def main():
        async with remotemedia.aio.Client(fake.target, retry=3) as c:
            s = c.stream(GAIN, _numbered(8, taken))
            return s, [r.sequence async for r in s]
    s, seqs = run(main())
    assert len(fake.attempts) == 2
    assert fake.attempts[0] == [0, 1]  # taken from the iterator by the refused attempt: sent again
    assert fake.attempts[1] == list(range(8))
    assert fake.started[1] - fake.refused[0] >= 0.8 * 0.5  # RetryInfo's delay
    assert seqs == list(range(8)) and s.sent == 8 and taken == list(range(8))
    assert s.ready.session_id == "s2" and s.closed["reason"] == "closed by client"


def test_a_stream_is_not_retried_without_retry_nor_after_admission(refusing_streams):
    fake = refusing_streams(delay=0.05)
    admitted = refusing_streams(refusals=0, delay=0.05, fail_after_ready=True)

    async def main():
        async with remotemedia.aio.Client(fake.target) as once:
            with pytest.raises(remotemedia.UnavailableError) as e:
                await once.stream(GAIN, _numbered(8, [])).results()
            assert e.value.retryable
        async with remotemedia.aio.Client(admitted.target, retry=3) as c:
            with pytest.raises(remotemedia.UnavailableError):
                await c.stream(GAIN, _numbered(8, [])).results()
    run(main())
    assert len(fake.attempts) == 1
    assert len(admitted.attempts) == 1  # admitted (StreamReady came): never opened again


def test_a_stream_retry_ends_when_the_caller_cancels(refusing_streams):
    fake = refusing_streams(delay=5.0)

    async def main():
        async with remotemedia.aio.Client(fake.target, retry=3) as c:
            s = c.stream(GAIN, _numbered(8, []))
            asyncio.get_running_loop().call_later(0.5, s.cancel)  # during the 5 s wait
            with pytest.raises(remotemedia.CancelledError):
                await s.results()
    run(main())
    assert len(fake.attempts) == 1
