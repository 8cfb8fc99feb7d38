"""The Python service a user would write for the one case perf/python-baseline measures:
remotemedia.v1 ExecutePipeline on Debian's grpcio, resampling the request's f32 audio from
44.1 kHz to 16 kHz with scipy.signal.resample_poly(x, 160, 441), answered in the response shape
our daemon uses (audio keyed by the node id, status, wall time). A stock thread-pool server.

    /usr/bin/python3 -m grpc_tools.protoc -Iproto --python_out=D --grpc_python_out=D \
        proto/remotemedia/v1/common.proto proto/remotemedia/v1/execution.proto
    PYTHONPATH=D /usr/bin/python3 perf/python-baseline/server.py [PORT]   # 0: any free port
"""
import sys, time
from concurrent import futures
import grpc, numpy as np
from scipy.signal import resample_poly
from remotemedia.v1 import common_pb2 as c, execution_pb2 as e, execution_pb2_grpc as g


class Service(g.PipelineExecutionServiceServicer):
    def ExecutePipeline(self, request, context):
        t0 = time.perf_counter()
        node, audio = next(iter(request.audio_inputs.items()))  # one source node: the resampler
        x = np.frombuffer(audio.samples, dtype="<f4")
        y = resample_poly(x, 160, 441).astype("<f4")  # 44.1 kHz -> 16 kHz
        out = c.AudioBuffer(samples=y.tobytes(), sample_rate=16000, channels=1,
                            format=c.AUDIO_FORMAT_F32, num_samples=len(y))
        return e.ExecuteResponse(result=e.ExecutionResult(
            audio_outputs={node: out}, status=c.EXECUTION_STATUS_SUCCESS,
            metrics=c.ExecutionMetrics(wall_time_ms=(time.perf_counter() - t0) * 1e3)))


if __name__ == "__main__":
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    g.add_PipelineExecutionServiceServicer_to_server(Service(), server)
    port = server.add_insecure_port("127.0.0.1:%d" % int(sys.argv[1] if len(sys.argv) > 1 else 50052))
    server.start()
    print("listening on %d" % port, flush=True)
    server.wait_for_termination()
