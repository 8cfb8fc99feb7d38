"""python -m remotemedia call, as a user runs it: WAV in, WAV out, streamed equals unary, exit codes,
--stream --retry against a server that refuses the first session."""
import json
import os
import subprocess
import sys

import numpy as np

import remotemedia
from conftest import EXAMPLES, HERE, TOKEN

SRC = os.path.join(HERE, "..", "src")


def call(*args):
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-m", "remotemedia", "call"] + list(args), capture_output=True, text=True,
                          env=env, timeout=120)


def test_streamed_equals_unary_with_a_progress_bar(server, tmp_path):
    rate = 44100
    t = np.arange(3 * rate)
    x = np.where((t // rate) % 2 == 0, 0.5 * np.sin(2 * np.pi * 440 * t / rate), 0.0)
    remotemedia.Audio((x * 32767).astype(np.int16), rate).to_wav(str(tmp_path / "in.wav"))
    common = ["--server", server.target, "--token", TOKEN, "--manifest", os.path.join(EXAMPLES, "resample-vad.json"),
              "--input", "resample=%s" % (tmp_path / "in.wav")]
    s = call(*common, "--output", "vad=%s" % (tmp_path / "s.wav"), "--stream", "--chunk-ms", "100")
    assert s.returncode == 0, s.stderr
    assert "100% 30/30 chunks" in s.stderr
    assert s.stderr.replace("\r", "\n").strip().splitlines()[-1].endswith("30/30 chunks")
    out = json.loads(s.stdout)
    assert out["chunks_sent"] == 30 and out["closed"]["reason"]
    u = call(*common, "--output", "vad=%s" % (tmp_path / "u.wav"))
    assert u.returncode == 0, u.stderr
    assert u.stderr == ""
    assert json.loads(u.stdout)["status"] == "EXECUTION_STATUS_SUCCESS"
    a = remotemedia.Audio.from_wav(str(tmp_path / "s.wav")).samples
    b = remotemedia.Audio.from_wav(str(tmp_path / "u.wav")).samples
    assert a.shape == b.shape == (48000,)
    assert np.allclose(a, b, atol=1e-6)


def test_exit_codes(server, tmp_path):
    remotemedia.Audio(np.zeros(1600, np.float32), 16000).to_wav(str(tmp_path / "in.wav"))
    bad = call("--server", server.target, "--token", TOKEN, "--manifest", os.path.join(EXAMPLES, "bad-params.json"),
               "--input", "resample=%s" % (tmp_path / "in.wav"))
    assert bad.returncode == 2 and "/nodes/0/params/target_sample_rate" in bad.stderr
    token = call("--server", server.target, "--token", "wrong", "--manifest", os.path.join(EXAMPLES, "resample-16k.json"),
                 "--input", "resample=%s" % (tmp_path / "in.wav"))
    assert token.returncode == 3 and "UNAUTHENTICATED" in token.stderr
    (tmp_path / "x.wav").write_text("hello")
    notwav = call("--server", server.target, "--token", TOKEN, "--manifest",
                  os.path.join(EXAMPLES, "resample-16k.json"), "--input", "resample=%s" % (tmp_path / "x.wav"))
    assert notwav.returncode == 2 and "x.wav: not a valid WAV file" in notwav.stderr


def test_stream_with_retry_resends_what_a_refused_attempt_took(refusing_streams, tmp_path):
    remotemedia.Audio(np.zeros(12800, np.float32), 16000).to_wav(str(tmp_path / "in.wav"))  # 8 chunks of 100 ms
    args = ["--manifest", os.path.join(EXAMPLES, "resample-16k.json"), "--input", "resample=%s" % (tmp_path / "in.wav"),
            "--stream", "--chunk-ms", "100", "--no-progress"]
    fake = refusing_streams(delay=0.5, read=2)
    once = call("--server", fake.target, *args)
    assert once.returncode == 3 and "UNAVAILABLE" in once.stderr and len(fake.attempts) == 1
    fake = refusing_streams(delay=0.5, read=2)
    r = call("--server", fake.target, *args, "--retry", "3")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["chunks_sent"] == 8 and out["results"] == 8
    assert [d["sequence"] for d in out["data"]] == list(range(8))
    assert [d["data"] for d in out["data"]] == list(range(8))  # the server's echo of each chunk's sequence
    assert len(fake.attempts) == 2 and fake.attempts[0] == [0, 1] and fake.attempts[1] == list(range(8))
    assert fake.started[1] - fake.refused[0] >= 0.8 * 0.5
