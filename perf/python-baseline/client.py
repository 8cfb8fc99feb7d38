"""The grpcio side of perf/python-baseline, the same protocol as org.remotemedia.perf.RoundClient:
rounds of sequential ExecutePipeline calls (concurrency 1) on a blocking stub, one round per
line on stdin (HOST:PORT CALLS), one line back per round: OK FAILED FIRST_FAILURE LATENCY_NS...
(every call's latency in order; '-' when nothing failed). The request is read from REQUEST_FILE,
the bytes RoundClient --dump-request wrote, so both clients send the same request. A call is
right when it carries a result with one 16 kHz f32 buffer of 16,000 samples; every call has a
30 s deadline.

    PYTHONPATH=STUBS /usr/bin/python3 perf/python-baseline/client.py REQUEST_FILE
"""
import sys
import time

import grpc
from remotemedia.v1 import execution_pb2, execution_pb2_grpc

LIMIT = 64 * 1024 * 1024


def check(r):
    if r.WhichOneof("outcome") != "result":
        return "in-band-error" if r.HasField("error") else "wrong-answer"
    if len(r.result.audio_outputs) != 1:
        return "wrong-answer"
    a = next(iter(r.result.audio_outputs.values()))
    return None if (a.sample_rate, a.num_samples, len(a.samples)) == (16000, 16000, 64000) else "wrong-audio"


def main():
    with open(sys.argv[1], "rb") as f:
        request = execution_pb2.ExecuteRequest.FromString(f.read())
    stubs = {}
    for line in sys.stdin:
        words = line.split()
        if len(words) != 2:
            continue
        target, calls = words[0], int(words[1])
        if target not in stubs:
            channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", LIMIT),
                                                             ("grpc.max_send_message_length", LIMIT)])
            stubs[target] = execution_pb2_grpc.PipelineExecutionServiceStub(channel)
        call = stubs[target].ExecutePipeline
        ns, failed, first = [], 0, "-"
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            try:
                problem = check(call(request, timeout=30))
            except grpc.RpcError as e:
                problem = e.code().name
            ns.append(time.perf_counter_ns() - t0)
            if problem:
                failed += 1
                first = problem if first == "-" else first
        sys.stdout.write("%d %d %s %s\n" % (calls - failed, failed, first, " ".join(map(str, ns))))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
