"""The sync client against the real daemon: results checked against analytic signals."""
import json
import os

import numpy as np
import pytest

import remotemedia
from conftest import EXAMPLES, TOKEN

GAIN = {"version": "v1", "metadata": {"name": "g"},
        "nodes": [{"id": "g", "node_type": "Gain", "params": {"gain": 0.5}}], "connections": []}


def sine(frames, rate, dtype=np.float32):
    t = np.arange(frames) / rate
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(dtype)


@pytest.fixture
def client(server):
    with remotemedia.Client(server.target, token=TOKEN) as c:
        yield c


def test_version(client):
    v = client.version()
    assert v.protocol_version == "v1" and v.compatible
    assert {"AudioResample", "CalculatorNode", "AddNode", "MultiplyNode"} <= set(v.node_types)


def test_execute_resamples_a_sine(client):
    r = client.execute(os.path.join(EXAMPLES, "resample-16k.json"),
                       {"resample": remotemedia.Audio(sine(44100, 44100), 44100)})
    out = r.audio["resample"]
    assert (out.sample_rate, out.channels, out.format, out.frames) == (16000, 1, "f32", 16000)
    i = np.arange(2000, 14000, 997)
    assert np.allclose(out.samples[i], 0.5 * np.sin(2 * np.pi * 440 * i / 16000), atol=1e-4)
    assert r.status == "EXECUTION_STATUS_SUCCESS"
    assert r.metrics["wall_time_ms"] > 0 and r.node_results[0]["node_id"] == "resample"


def test_integer_and_stereo_audio_and_wav_paths(client, tmp_path):
    stereo = np.stack([(sine(1600, 16000) * 32767).astype(np.int16)] * 2, axis=1)
    r = client.execute(GAIN, {"g": remotemedia.Audio(stereo, 16000)})
    out = r.audio["g"]
    assert out.samples.shape == (1600, 2) and out.format == "f32"
    assert np.allclose(out.samples[:, 1], stereo[:, 1] / 32768 * 0.5, atol=1e-6)
    path = str(tmp_path / "in.wav")
    remotemedia.Audio((sine(800, 8000) * 2**31 * 0.9).astype(np.int32), 8000).to_wav(path)
    r2 = client.execute(GAIN, {"g": path})
    assert r2.audio["g"].frames == 800 and r2.audio["g"].sample_rate == 8000


def test_data_nodes_on_every_number_form(client):
    def calc(params, value, node_type="CalculatorNode"):
        m = {"version": "v1", "metadata": {"name": "c"}, "nodes": [{"id": "c", "node_type": node_type, "params": params}]}
        return client.execute(m, {"c": value}).data["c"]

    assert calc({"operation": "add", "operand": 5}, 10) == 15
    assert calc({"operation": "subtract", "value": 2}, '"7.5"') == 5.5
    assert calc({"operation": "multiply", "operand": 6}, {"value": 7}) == 42
    assert calc({"operation": "divide", "operand": 4}, "1") == 0.25
    assert calc({"addend": 2}, 40, "AddNode") == 42
    assert calc({"factor": -2}, {"value": "2"}, "MultiplyNode") == -4


def test_stream_gives_one_result_per_chunk_in_order(client):
    pcm = sine(1600, 16000)
    s = client.stream(GAIN, (remotemedia.Audio(pcm, 16000) for _ in range(20)))
    results = s.results()
    assert [r.sequence for r in results] == list(range(20))
    assert np.allclose(results[7].audio["g"].samples, pcm * 0.5, atol=1e-6)
    assert s.sent == 20 and "COMMAND_CLOSE" in s.closed["reason"] and s.ready.session_id


def test_stream_with_a_tail_equals_execute(client):
    x = sine(44100, 44100)
    chunks = (remotemedia.Audio(x[i:i + 4410], 44100) for i in range(0, 44100, 4410))
    streamed = np.concatenate([r.audio["resample"].samples for r in
                               client.stream(os.path.join(EXAMPLES, "resample-16k.json"), chunks) if "resample" in r.audio])
    whole = client.execute(os.path.join(EXAMPLES, "resample-16k.json"),
                           {"resample": remotemedia.Audio(x, 44100)}).audio["resample"].samples
    assert streamed.shape == whole.shape == (16000,)
    assert np.allclose(streamed, whole, atol=1e-6)


def test_pipeline_errors_are_typed(client):
    with pytest.raises(remotemedia.ValidationError) as e:
        client.execute(os.path.join(EXAMPLES, "bad-params.json"), {"resample": remotemedia.Audio(sine(160, 16000), 16000)})
    assert e.value.context["problems"][0]["path"] == "/nodes/0/params/target_sample_rate"
    assert e.value.error_type == "ERROR_TYPE_VALIDATION"
    m = {"version": "v1", "metadata": {"name": "d"},
         "nodes": [{"id": "div", "node_type": "CalculatorNode", "params": {"operation": "divide", "operand": 0}}]}
    with pytest.raises(remotemedia.NodeExecutionError) as e:
        client.execute(m, {"div": 3})
    assert e.value.node == "div" and "division by zero" in e.value.message
    with pytest.raises(remotemedia.PipelineError):  # a stream's in-band error, typed the same way
        for _ in client.stream(m, [], data={"div": 3}):
            pass
    json.dumps(e.value.context)
