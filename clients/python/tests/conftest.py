"""Fixtures: the real daemon (scripts/lib/test-daemon) on 127.0.0.1, a free port, started once per
session and stopped with SIGTERM; a self-signed certificate made by openssl for the TLS cases; a
grpcio StreamPipeline server that refuses sessions with RetryInfo before admitting one."""
import hashlib
import os
import re
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
EXAMPLES = os.path.join(ROOT, "examples")
TOKEN = "t0ken"


def accept_token(token):
    """The setting that makes the daemon accept this token: it keeps NAME:SHA256HEX, never the token."""
    return "auth.tokens=test:" + hashlib.sha256(token.encode()).hexdigest()


class Daemon:
    def __init__(self, *settings):
        cmd = [os.path.join(ROOT, "scripts", "lib", "test-daemon")]
        for s in settings:
            cmd += ["--set", s]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.log = []
        bound = threading.Event()
        self.port = None

        def read():
            for line in self.proc.stdout:
                self.log.append(line)
                m = re.search(r'"event":"grpc_listening".*"address":"[^"]*:(\d+)"', line)
                if m:
                    self.port = int(m.group(1))
                    bound.set()
            bound.set()

        threading.Thread(target=read, daemon=True).start()
        if not bound.wait(120) or self.port is None:
            self.stop()
            raise RuntimeError("the daemon did not start:\n" + "".join(self.log))
        self.target = "127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def server():
    d = Daemon(accept_token(TOKEN))
    yield d
    d.stop()


@pytest.fixture(scope="session")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="session")
def tls_server(cert):
    d = Daemon(accept_token(TOKEN), "transport.tls_cert_chain=" + cert[0], "transport.tls_private_key=" + cert[1])
    yield d
    d.stop()


class RefusingStreams:
    """A grpcio StreamPipeline server on 127.0.0.1 that refuses its first `refusals` calls with
    UNAVAILABLE + RetryInfo(`delay` s) after reading the init and `read` chunks (the client has
    taken them from its iterator by then), as the daemon refuses a session it cannot admit. Later
    calls are admitted: StreamReady, one ChunkResult per chunk (its sequence), StreamClosed on CLOSE.
    Each ChunkResult also carries {"echo": sequence} as data. With `fail_after_ready`, an admitted
    call fails the same way after StreamReady instead. `attempts` holds, per call, the chunk
    sequences received; `started` and `refused` the calls' time.monotonic() at start and refusal."""

    def __init__(self, refusals=1, delay=0.5, read=2, fail_after_ready=False):
        from concurrent import futures

        import grpc
        from remotemedia.rpc import details_pb2
        from remotemedia.v1 import streaming_pb2
        self.attempts, self.started, self.refused = [], [], []
        lock = threading.Lock()

        def refuse(context):
            retry = details_pb2.RetryInfo()
            retry.retry_delay.FromNanoseconds(int(delay * 1e9))
            st = details_pb2.Status(code=14, message="too many sessions")
            st.details.add(type_url="type.googleapis.com/google.rpc.RetryInfo", value=retry.SerializeToString())
            context.set_trailing_metadata((("grpc-status-details-bin", st.SerializeToString()),))
            self.refused.append(time.monotonic())
            context.abort(grpc.StatusCode.UNAVAILABLE, "too many sessions")

        def stream(requests, context):
            with lock:
                seqs = []
                self.attempts.append(seqs)
                self.started.append(time.monotonic())
                n = len(self.attempts)
            if n <= refusals:
                for _, r in zip(range(1 + read), requests):
                    if r.HasField("audio_chunk"):
                        seqs.append(r.audio_chunk.sequence)
                refuse(context)
            yield streaming_pb2.StreamResponse(ready=streaming_pb2.StreamReady(session_id="s%d" % n))
            if fail_after_ready:
                refuse(context)
            for r in requests:
                if r.HasField("audio_chunk"):
                    seqs.append(r.audio_chunk.sequence)
                    yield streaming_pb2.StreamResponse(result=streaming_pb2.ChunkResult(
                        sequence=r.audio_chunk.sequence, data_outputs={"echo": str(r.audio_chunk.sequence)}))
                elif r.HasField("control"):
                    yield streaming_pb2.StreamResponse(closed=streaming_pb2.StreamClosed(reason="closed by client"))
                    return

        h = grpc.method_handlers_generic_handler("remotemedia.v1.StreamingPipelineService", {
            "StreamPipeline": grpc.stream_stream_rpc_method_handler(
                stream, request_deserializer=streaming_pb2.StreamRequest.FromString,
                response_serializer=streaming_pb2.StreamResponse.SerializeToString)})
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.server.add_generic_rpc_handlers((h,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.target = "127.0.0.1:%d" % self.port

    def stop(self):
        self.server.stop(None)


@pytest.fixture
def refusing_streams():
    made = []

    def make(**kw):
        made.append(RefusingStreams(**kw))
        return made[-1]
    yield make
    for s in made:
        s.stop()
