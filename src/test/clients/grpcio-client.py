"""A grpcio client (Debian's python3-grpcio) against the interop server: unary with echoed
metadata, a requested error status, gzip both ways, server streaming, bidi ping-pong and a
health check. Message classes are built from a FileDescriptorSet the Java test writes (no
generated code). Usage: python3 grpcio-client.py HOST:PORT DESCRIPTOR_SET
Prints one "ok <step>" line per step; exits 1 with the reason on the first failure."""
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

target, set_path = sys.argv[1], sys.argv[2]
fds = descriptor_pb2.FileDescriptorSet()
with open(set_path, "rb") as f:
    fds.ParseFromString(f.read())
pool = descriptor_pool.DescriptorPool()
for fd in fds.file:
    pool.Add(fd)


def cls(name):
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(name))


SimpleRequest = cls("grpc.testing.SimpleRequest")
SimpleResponse = cls("grpc.testing.SimpleResponse")
StreamingOutputCallRequest = cls("grpc.testing.StreamingOutputCallRequest")
StreamingOutputCallResponse = cls("grpc.testing.StreamingOutputCallResponse")
HealthCheckRequest = cls("grpc.health.v1.HealthCheckRequest")
HealthCheckResponse = cls("grpc.health.v1.HealthCheckResponse")


def fail(step, why):
    print("FAIL %s: %s" % (step, why), file=sys.stderr)
    sys.exit(1)


def method(channel, kind, path, req, resp):
    return getattr(channel, kind)(path, request_serializer=req.SerializeToString,
                                  response_deserializer=resp.FromString)


with grpc.insecure_channel(target) as ch:
    unary = method(ch, "unary_unary", "/grpc.testing.TestService/UnaryCall", SimpleRequest, SimpleResponse)

    resp, call = unary.with_call(SimpleRequest(response_size=1000, payload={"body": b"\0" * 2000}), timeout=10,
                                 metadata=[("x-grpc-test-echo-initial", "hello-from-grpcio"),
                                           ("x-grpc-test-echo-trailing-bin", b"\x0a\x0b\x0a")])
    if len(resp.payload.body) != 1000:
        fail("unary", "body %d bytes" % len(resp.payload.body))
    if ("x-grpc-test-echo-initial", "hello-from-grpcio") not in list(call.initial_metadata()):
        fail("unary", "initial metadata not echoed: %r" % (call.initial_metadata(),))
    if ("x-grpc-test-echo-trailing-bin", b"\x0a\x0b\x0a") not in list(call.trailing_metadata()):
        fail("unary", "trailing metadata not echoed: %r" % (call.trailing_metadata(),))
    print("ok unary")

    try:
        unary(SimpleRequest(response_status={"code": 9, "message": "precondition \u263a 100%"}), timeout=10)
        fail("status", "no error")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.FAILED_PRECONDITION or e.details() != "precondition \u263a 100%":
            fail("status", "%s %r" % (e.code(), e.details()))
    print("ok status")

    resp = unary(SimpleRequest(response_size=5000, response_compressed={"value": True},
                               expect_compressed={"value": True}, payload={"body": b"\0" * 5000}),
                 timeout=10, compression=grpc.Compression.Gzip)
    if len(resp.payload.body) != 5000:
        fail("gzip", "body %d bytes" % len(resp.payload.body))
    print("ok gzip")

    stream = method(ch, "unary_stream", "/grpc.testing.TestService/StreamingOutputCall",
                    StreamingOutputCallRequest, StreamingOutputCallResponse)
    sizes = [len(m.payload.body) for m in stream(StreamingOutputCallRequest(
        response_parameters=[{"size": 3}, {"size": 70000}, {"size": 0}]), timeout=10)]
    if sizes != [3, 70000, 0]:
        fail("server-streaming", sizes)
    print("ok server-streaming")

    bidi = method(ch, "stream_stream", "/grpc.testing.TestService/FullDuplexCall",
                  StreamingOutputCallRequest, StreamingOutputCallResponse)
    want = [31415, 9, 2653, 58979]
    got = [len(m.payload.body) for m in bidi(iter(
        [StreamingOutputCallRequest(response_parameters=[{"size": s}]) for s in want]), timeout=10)]
    if got != want:
        fail("bidi", got)
    print("ok bidi")

    check = method(ch, "unary_unary", "/grpc.health.v1.Health/Check", HealthCheckRequest, HealthCheckResponse)
    if check(HealthCheckRequest(service=""), timeout=10).status != 1:
        fail("health", "not SERVING")
    try:
        check(HealthCheckRequest(service="no.such.Service"), timeout=10)
        fail("health", "unknown service answered")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            fail("health", e.code())
    print("ok health")
print("all ok")
