"""python -m remotemedia call ...: the same command as the Java `remotemedia call`.

Exit codes: 0 ok, 2 the server answered with an error (its ErrorResponse as JSON on stderr) or bad
arguments / files, 3 the call failed (server down, wrong token, TLS, deadline).
"""
import argparse
import json
import os
import sys

from . import Audio, Client
from ._wav import WavReader, WavWriter
from .errors import InvalidAudioError, PipelineError, RemoteMediaError, RpcError, StreamInterruptedError


def _pairs(values, what):
    out = {}
    for v in values or ():
        node, sep, rest = v.partition("=")
        if not sep or not node or not rest:
            raise SystemExit("%s %r: expected NODE=VALUE" % (what, v))
        out[node] = rest
    return out


def _parser():
    p = argparse.ArgumentParser(prog="python -m remotemedia", description="remotemedia.v1 client")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("call", help="Run a pipeline on a remotemedia server (WAV in, WAV out).",
                       description="Run a pipeline on a remotemedia server (WAV in, WAV out). Exit codes: 0 ok, 2 the"
                                   " server answered with an error (JSON on stderr) or bad arguments, 3 the call failed.")
    c.add_argument("--server", required=True, metavar="HOST:PORT")
    c.add_argument("--manifest", required=True, metavar="FILE", help="pipeline manifest, JSON form")
    c.add_argument("--input", action="append", metavar="NODE=FILE.wav", help="audio input of a source node")
    c.add_argument("--data", action="append", metavar="NODE=JSON|@FILE", help="data input of a source node")
    c.add_argument("--output", action="append", metavar="NODE=FILE.wav", help="where to write a sink's audio")
    c.add_argument("--stream", action="store_true", help="StreamPipeline, sending the input in chunks as it is read")
    c.add_argument("--chunk-ms", type=int, default=100, metavar="MS", help="chunk length with --stream (default 100)")
    c.add_argument("--token", default=os.environ.get("REMOTEMEDIA_TOKEN"), help="bearer token (env REMOTEMEDIA_TOKEN)")
    c.add_argument("--tls", action="store_true", help="TLS with the system's CAs (or --ca-cert)")
    c.add_argument("--ca-cert", metavar="PEM", help="CA certificate(s) to trust; implies --tls")
    c.add_argument("--authority", metavar="HOST", help="host name the server certificate names")
    c.add_argument("--timeout-ms", type=int, default=600000, metavar="MS", help="deadline of a unary call")
    c.add_argument("--retry", type=int, default=1, metavar="N",
                   help="attempts in all when the server says retry later (a unary call, or a stream refused before"
                        " its session is admitted)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar with --stream")
    v = sub.add_parser("version", help="Print the server's versions and node types.")
    v.add_argument("--server", required=True, metavar="HOST:PORT")
    v.add_argument("--token", default=os.environ.get("REMOTEMEDIA_TOKEN"))
    v.add_argument("--tls", action="store_true")
    v.add_argument("--ca-cert", metavar="PEM")
    return p


def _progress(done, total, out):
    if total:
        filled = min(30, done * 30 // total)
        out.write("\r[%s%s] %d%% %d/%d chunks" % ("#" * filled, "." * (30 - filled), min(100, done * 100 // total),
                                                 min(done, total), total))
    else:
        out.write("\r[%d chunks]" % done)
    out.flush()


def call(args, out=sys.stdout, err=sys.stderr):
    if args.chunk_ms < 1:
        err.write("--chunk-ms must be >= 1, got %d\n" % args.chunk_ms)
        return 2
    tls = args.ca_cert or (True if args.tls else None)
    try:
        with open(args.manifest) as f:
            manifest = f.read()
        data = {}
        for node, v in _pairs(args.data, "--data").items():
            if v.startswith("@"):
                with open(v[1:]) as f:
                    v = f.read()
            data[node] = v
        inputs = _pairs(args.input, "--input")
        outputs = _pairs(args.output, "--output")
    except OSError as e:
        err.write("cannot read %s: %s\n" % (e.filename, e.strerror))
        return 2
    try:
        with Client(args.server, token=args.token, tls=tls, authority=args.authority,
                    timeout=args.timeout_ms / 1000.0, retry=args.retry) as client:
            if not args.stream:
                r = client.execute(manifest, {k: Audio.from_wav(v) for k, v in inputs.items()}, data)
                for node, path in outputs.items():
                    if node not in r.audio:
                        err.write("no audio output for node %s; outputs: %s\n" % (node, sorted(r.audio)))
                        return 2
                    r.audio[node].to_wav(path)
                out.write(json.dumps({"status": r.status, "audio_outputs": {
                    k: {"sample_rate": a.sample_rate, "channels": a.channels, "format": a.format, "frames": a.frames}
                    for k, a in r.audio.items()}, "data_outputs": r.data, "metrics": r.metrics}) + "\n")
                return 0
            return _stream(client, args, manifest, data, inputs, outputs, out, err)
    except PipelineError as e:
        from google.protobuf import json_format
        err.write(json.dumps(json_format.MessageToDict(e.error_response, preserving_proto_field_name=True)) + "\n")
        return 2
    except InvalidAudioError as e:
        err.write("%s\n" % e)
        return 2
    except (RpcError, StreamInterruptedError) as e:
        err.write("call failed: %s\n" % e)
        return 3
    except RemoteMediaError as e:
        err.write("%s\n" % e)
        return 2


def _stream(client, args, manifest, data, inputs, outputs, out, err):
    if len(inputs) != 1:
        err.write("--stream takes exactly one --input (one source node), got %d\n" % len(inputs))
        return 2
    (node, path), = inputs.items()
    writers = {}
    try:
        with WavReader(path) as wav:
            frames = max(1, wav.sample_rate * args.chunk_ms // 1000)
            total = None if wav.frames is None else -(-wav.frames // frames)

            def chunks():
                while True:
                    a = wav.read(frames)
                    if len(a) == 0:
                        return
                    yield Audio(a[:, 0] if wav.channels == 1 else a, wav.sample_rate)

            writers = {n: WavWriter(p) for n, p in outputs.items()}
            got, data_out = 0, []
            stream = client.stream(manifest, chunks(), source=node, data=data)
            for r in stream:
                got += 1
                for n, a in r.audio.items():
                    if n in writers:
                        writers[n].write(a)
                for n, d in r.data.items():
                    data_out.append({"node": n, "sequence": r.sequence, "data": d})
                if not args.no_progress:
                    _progress(got, total, err)
            if not args.no_progress:
                err.write("\n")
            out.write(json.dumps({"chunks_sent": stream.sent, "results": got, "data": data_out,
                                  "closed": stream.closed}) + "\n")
            return 0
    finally:
        for w in writers.values():
            w.close()


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "version":
        try:
            with Client(args.server, token=args.token, tls=args.ca_cert or (True if args.tls else None)) as c:
                v = c.version()
        except RpcError as e:
            sys.stderr.write("call failed: %s\n" % e)
            return 3
        print(json.dumps({"protocol_version": v.protocol_version, "runtime_version": v.runtime_version,
                          "node_types": v.node_types, "compatible": v.compatible}))
        return 0
    return call(args)


if __name__ == "__main__":
    sys.exit(main())
