"""Every bad case of the issue gets a typed error, never a hang: a server that is down, a port that
does not speak gRPC, a wrong token, unsupported audio, a stream the caller cancels, a server that
ends the stream mid-way; and the opt-in retry honours RetryInfo, for unary calls and for a stream
refused before its session is admitted (by a fake server, and by the daemon at its session cap)."""
import socket
import threading
from concurrent import futures

import grpc
import numpy as np
import pytest

import remotemedia
from conftest import TOKEN
from remotemedia.rpc import details_pb2
from remotemedia.v1 import execution_pb2, streaming_pb2

GAIN = {"version": "v1", "metadata": {"name": "g"}, "nodes": [{"id": "g", "node_type": "Gain", "params": {}}]}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_a_server_that_is_down():
    with remotemedia.Client("127.0.0.1:%d" % free_port(), timeout=20) as c:
        with pytest.raises(remotemedia.UnavailableError) as e:
            c.version()
    assert "is the server running" in str(e.value)


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

    t = threading.Thread(target=http, daemon=True)
    t.start()
    try:
        with remotemedia.Client("127.0.0.1:%d" % srv.getsockname()[1], timeout=20) as c:
            with pytest.raises(remotemedia.RpcError) as e:
                c.version()
        assert e.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
    finally:
        stop.set()
        t.join()
        srv.close()


def test_a_wrong_token(server):
    with remotemedia.Client(server.target, token="wrong") as c:
        with pytest.raises(remotemedia.AuthenticationError) as e:
            c.version()
        assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(remotemedia.AuthenticationError):
            c.stream(GAIN, [remotemedia.Audio(np.zeros(16, np.float32), 16000)]).results()


@pytest.mark.parametrize("samples,what", [
    (np.zeros(100, np.float64), "float64"),
    (np.zeros(100, np.uint8), "uint8"),
    (np.zeros(100, np.complex64), "complex64"),
    (np.zeros((10, 2, 2), np.float32), "shape"),
    (np.zeros((10, 0), np.float32), "no channels"),
])
def test_unsupported_arrays(samples, what):
    with pytest.raises(remotemedia.InvalidAudioError) as e:
        remotemedia.Audio(samples, 16000)
    assert what in str(e.value)
    assert isinstance(e.value, ValueError)


def test_bare_arrays_and_bad_rates_are_refused_before_any_call(server):
    with pytest.raises(remotemedia.InvalidAudioError, match="sample_rate"):
        remotemedia.Audio(np.zeros(10, np.float32), 0)
    with remotemedia.Client(server.target, token=TOKEN) as c:
        with pytest.raises(remotemedia.InvalidAudioError, match="wrap it as remotemedia.Audio"):
            c.execute(GAIN, {"g": np.zeros(10, np.float32)})


def test_a_stream_cancelled_by_the_caller(server):
    gate = threading.Event()

    def chunks():
        yield remotemedia.Audio(np.zeros(160, np.float32), 16000)
        gate.wait(30)  # the producer stalls; the caller cancels meanwhile

    with remotemedia.Client(server.target, token=TOKEN) as c:
        s = c.stream(GAIN, chunks())
        assert next(s).sequence == 0
        s.cancel()
        with pytest.raises(remotemedia.CancelledError):
            next(s)
    gate.set()


def _fake(handlers):
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    srv.add_generic_rpc_handlers(handlers)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    return srv, "127.0.0.1:%d" % port


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
    try:
        with remotemedia.Client(target) as c:
            with pytest.raises(remotemedia.StreamInterruptedError, match="without StreamClosed"):
                c.stream(GAIN, (remotemedia.Audio(np.zeros(160, np.float32), 16000) for _ in range(100))).results()
    finally:
        srv.stop(None)


def test_retry_is_opt_in_and_honours_retry_info():
    calls = []

    def version(request, context):
        calls.append(1)
        if len(calls) % 2 == 1:
            retry = details_pb2.RetryInfo()
            retry.retry_delay.FromMilliseconds(50)
            st = details_pb2.Status(code=14, message="overloaded")
            st.details.add(type_url="type.googleapis.com/google.rpc.RetryInfo", value=retry.SerializeToString())
            context.set_trailing_metadata((("grpc-status-details-bin", st.SerializeToString()),))
            context.abort(grpc.StatusCode.UNAVAILABLE, "overloaded")
        return execution_pb2.VersionResponse(compatible=True)

    h = grpc.method_handlers_generic_handler("remotemedia.v1.PipelineExecutionService", {
        "GetVersion": grpc.unary_unary_rpc_method_handler(
            version, request_deserializer=execution_pb2.VersionRequest.FromString,
            response_serializer=execution_pb2.VersionResponse.SerializeToString)})
    srv, target = _fake((h,))
    try:
        with remotemedia.Client(target) as once:
            with pytest.raises(remotemedia.UnavailableError) as e:
                once.version()
        assert e.value.retryable and abs(e.value.retry_delay - 0.05) < 1e-9
        calls.clear()
        with remotemedia.Client(target, retry=3) as retrying:
            assert retrying.version().compatible
        assert len(calls) == 2  # refused once, then served after the delay RetryInfo asked for
    finally:
        srv.stop(None)


def test_tls_with_a_private_ca(tls_server, cert):
    with remotemedia.Client(tls_server.target, token=TOKEN, tls=cert[0]) as c:
        assert c.version().protocol_version == "v1"
    with open(cert[0], "rb") as f:
        pem = f.read()
    with remotemedia.Client("localhost:%d" % tls_server.port, token=TOKEN, tls=pem) as c:
        assert c.version().compatible
    with remotemedia.Client(tls_server.target, token=TOKEN, timeout=20) as plain:
        with pytest.raises(remotemedia.RpcError):
            plain.version()


def _numbered(n, taken):
    for i in range(n):
        taken.append(i)
        yield remotemedia.Audio(np.full(160, i / n, np.float32), 16000)


def test_a_stream_refused_before_admission_is_retried_with_the_chunks_taken(refusing_streams):
    fake = refusing_streams(delay=0.5, read=2)
    taken = []
    with remotemedia.Client(fake.target, retry=3) as c:
        s = c.stream(GAIN, _numbered(8, taken))
        seqs = [r.sequence for r in s]
    assert len(fake.attempts) == 2
    assert fake.attempts[0] == [0, 1]  # taken from the iterator by the refused attempt: sent again
    assert fake.attempts[1] == list(range(8))
    assert fake.started[1] - fake.refused[0] >= 0.8 * 0.5  # RetryInfo's delay
    assert seqs == list(range(8)) and s.sent == 8 and taken == list(range(8))
    assert s.ready.session_id == "s2" and s.closed["reason"] == "closed by client"


def test_a_stream_is_not_retried_without_retry_nor_after_admission(refusing_streams):
    fake = refusing_streams(delay=0.05)
    with remotemedia.Client(fake.target) as once:
        with pytest.raises(remotemedia.UnavailableError) as e:
            once.stream(GAIN, _numbered(8, [])).results()
    assert e.value.retryable and len(fake.attempts) == 1
    admitted = refusing_streams(refusals=0, delay=0.05, fail_after_ready=True)
    with remotemedia.Client(admitted.target, retry=3) as c:
        with pytest.raises(remotemedia.UnavailableError):
            c.stream(GAIN, _numbered(8, [])).results()
    assert len(admitted.attempts) == 1  # admitted (StreamReady came): never opened again


def test_a_stream_retry_keeps_within_the_callers_timeout(refusing_streams):
    fake = refusing_streams(delay=5.0)
    with remotemedia.Client(fake.target, retry=3) as c:
        with pytest.raises(remotemedia.UnavailableError):
            c.stream(GAIN, _numbered(8, []), timeout=1.0).results()
    assert len(fake.attempts) == 1  # waiting 5 s would overrun the 1 s the caller gave the call


def test_the_daemon_refusing_a_second_session_and_the_stream_retry():
    """The real refusal: with one session slot and no queue, the daemon refuses a second session
    with UNAVAILABLE TOO_MANY_SESSIONS + RetryInfo before StreamReady; the retry gets it once the
    first session has ended."""
    from conftest import Daemon
    d = Daemon("streaming.max_sessions=1", "limits.max_queued_sessions=0")
    gate = threading.Event()

    def held():
        yield remotemedia.Audio(np.zeros(160, np.float32), 16000)
        gate.wait(30)  # holds the only session open until released

    try:
        with remotemedia.Client(d.target) as c:
            first = c.stream(GAIN, held())
            assert next(first).sequence == 0
            with pytest.raises(remotemedia.UnavailableError) as e:
                c.stream(GAIN, _numbered(4, [])).results()
            assert e.value.reason == "TOO_MANY_SESSIONS" and e.value.retryable

            ended = threading.Thread(target=first.results)
            opened = []
            real = c._stream.StreamPipeline

            def counting(*args, **kw):
                opened.append(1)
                if len(opened) == 2:  # the first attempt was refused: now free the slot
                    gate.set()
                    ended.start()
                    ended.join(30)
                return real(*args, **kw)

            c._stream.StreamPipeline = counting
            c.retry = 5
            taken = []
            s = c.stream(GAIN, _numbered(8, taken))
            assert [r.sequence for r in s] == list(range(8))
            assert len(opened) >= 2 and s.sent == 8 and taken == list(range(8)) and s.closed is not None
            assert first.closed is not None
    finally:
        gate.set()
        d.stop()
