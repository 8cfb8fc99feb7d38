"""What the sync and asyncio clients share: requests, results, channel settings, retry."""
import json
import os

import numpy as np

from ._audio import Audio
from .errors import InvalidAudioError, RemoteMediaError

CLIENT_VERSION = "v1"
MAX_MESSAGE_BYTES = 256 << 20


def manifest_json(manifest):
    """The manifest's JSON text: from a dict, JSON text, or a path to a .json file."""
    if isinstance(manifest, dict):
        return json.dumps(manifest)
    if isinstance(manifest, os.PathLike):
        with open(manifest) as f:
            return f.read()
    if isinstance(manifest, str):
        if manifest.lstrip().startswith("{"):
            return manifest
        if os.path.isfile(manifest):
            with open(manifest) as f:
                return f.read()
        raise RemoteMediaError("the manifest is neither a dict, JSON text, nor an existing file: %r" % manifest[:80])
    raise RemoteMediaError("the manifest must be a dict, JSON text or a file path, not %s" % type(manifest).__name__)


def split_inputs(inputs, data=None):
    """(audio_inputs, data_inputs) of a request from `inputs` (node id -> Audio, WAV path, or JSON
    data) and `data` (node id -> JSON data)."""
    audio, data_out = {}, {}
    for node, v in (inputs or {}).items():
        if isinstance(v, Audio):
            audio[node] = v.to_proto()
        elif isinstance(v, np.ndarray):
            raise InvalidAudioError("input %r is a bare numpy array: wrap it as remotemedia.Audio(samples, sample_rate)"
                                    % node)
        elif isinstance(v, os.PathLike) or (isinstance(v, str) and v.lower().endswith(".wav")):
            audio[node] = Audio.from_wav(v).to_proto()
        elif isinstance(v, str):
            try:
                json.loads(v)
            except ValueError:
                raise RemoteMediaError("input %r is a string that is neither a .wav path nor JSON text: %r"
                                       % (node, v[:80])) from None
            data_out[node] = v
        else:
            data_out[node] = json.dumps(v)
    for node, v in (data or {}).items():
        data_out[node] = v if isinstance(v, str) else json.dumps(v)
    return audio, data_out


def metadata(token):
    return (("authorization", "Bearer " + token),) if token else None


def channel_args(tls, authority):
    opts = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]
    if authority:
        opts.append(("grpc.ssl_target_name_override", authority))
    return opts


def credentials(tls):
    """None for plaintext (h2c); otherwise grpc.ssl_channel_credentials for tls=True (system roots),
    a CA file path, or CA PEM bytes."""
    import grpc
    if tls is None or tls is False:
        return None
    if tls is True:
        return grpc.ssl_channel_credentials()
    if isinstance(tls, (bytes, bytearray)):
        return grpc.ssl_channel_credentials(root_certificates=bytes(tls))
    with open(tls, "rb") as f:
        return grpc.ssl_channel_credentials(root_certificates=f.read())


class Version:
    """GetVersion: protocol_version, runtime_version, node_types, protocols, compatible, message."""

    def __init__(self, resp):
        info = resp.version_info
        self.protocol_version = info.protocol_version
        self.runtime_version = info.runtime_version
        self.node_types = list(info.supported_node_types)
        self.protocols = list(info.supported_protocols)
        self.build_timestamp = info.build_timestamp
        self.compatible = resp.compatible
        self.message = resp.compatibility_message

    def __repr__(self):
        return "Version(protocol=%s, runtime=%s, %d node types)" % (
            self.protocol_version, self.runtime_version, len(self.node_types))


def _message_dict(m):
    from google.protobuf import json_format
    return json_format.MessageToDict(m, preserving_proto_field_name=True)


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


class Result:
    """ExecutePipeline's answer: audio[node] (Audio), data[node] (parsed JSON), metrics (dict),
    node_results (list of dicts), status ('EXECUTION_STATUS_SUCCESS', ...)."""

    def __init__(self, r):
        from .v1 import common_pb2
        self.audio = {k: Audio.from_proto(v) for k, v in r.audio_outputs.items()}
        self.data = {k: _json(v) for k, v in r.data_outputs.items()}
        self.metrics = _message_dict(r.metrics)
        self.node_results = [_message_dict(n) for n in r.node_results]
        self.status = common_pb2.ExecutionStatus.Name(r.status)
        self.proto = r


class ChunkResult:
    """One streamed result: sequence, audio[node], data[node], processing_time_ms, total_samples_processed."""

    def __init__(self, r):
        self.sequence = r.sequence
        self.audio = {k: Audio.from_proto(v) for k, v in r.audio_outputs.items()}
        self.data = {k: _json(v) for k, v in r.data_outputs.items()}
        self.processing_time_ms = r.processing_time_ms
        self.total_samples_processed = r.total_samples_processed

    def __repr__(self):
        return "ChunkResult(sequence=%d, audio=%s, data=%s)" % (self.sequence, list(self.audio), list(self.data))


def chunk_items(item, source):
    """(node id, Audio) of one item a stream's producer yields: an Audio (for `source`), or (node, Audio)."""
    if isinstance(item, tuple) and len(item) == 2:
        node, audio = item
    else:
        node, audio = source or "", item
    if not isinstance(audio, Audio):
        raise InvalidAudioError("a stream chunk must be a remotemedia.Audio (or (node_id, Audio)), not %s"
                                % type(audio).__name__)
    return node, audio


def init_request(manifest, data):
    from .v1 import streaming_pb2
    _, data_inputs = split_inputs({}, data)
    return streaming_pb2.StreamRequest(init=streaming_pb2.StreamInit(
        manifest_json=manifest_json(manifest), data_inputs=data_inputs, client_version=CLIENT_VERSION))


def chunk_request(node, audio, sequence, frames_before):
    from .v1 import streaming_pb2
    return streaming_pb2.StreamRequest(audio_chunk=streaming_pb2.AudioChunk(
        node_id=node, buffer=audio.to_proto(), sequence=sequence,
        timestamp_ms=frames_before * 1000 // audio.sample_rate))


def close_request():
    from .v1 import streaming_pb2
    return streaming_pb2.StreamRequest(control=streaming_pb2.StreamControl(
        command=streaming_pb2.StreamControl.COMMAND_CLOSE))


def execute_request(manifest, inputs, data):
    from .v1 import execution_pb2
    audio, data_inputs = split_inputs(inputs, data)
    return execution_pb2.ExecuteRequest(manifest_json=manifest_json(manifest), audio_inputs=audio,
                                        data_inputs=data_inputs, client_version=CLIENT_VERSION)


def retry_wait(error, attempt, max_attempts, max_delay):
    """Seconds to wait before another attempt, or None when the error is final."""
    from .errors import RpcError
    if not isinstance(error, RpcError) or attempt >= max_attempts or not error.retryable:
        return None
    return min(error.retry_delay, max_delay)
