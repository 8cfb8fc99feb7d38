"""Runs every code block of docs/clients.md, in order, as a reader would, against two real daemons:
localhost:50051 (plain) and localhost:50443 (TLS with ca.pem, token s3cret) are replaced by their
actual ports. sh blocks run in bash, python blocks with the virtual environment the doc's install
block made, ts blocks compiled by the TypeScript client's tsc and run by node, java blocks with
java's source launcher. Each block must exit 0 and print what the doc says it prints.

    /usr/bin/python3 -m pytest -q clients/test_clients_md.py       (scripts/test-clients docs)
"""
import hashlib
import os
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "python", "tests"))
sys.path.insert(0, os.path.join(HERE, "python", "src"))
from conftest import Daemon  # noqa: E402

DOC = os.path.join(ROOT, "docs", "clients.md")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)

# What each block must print (substrings), in the order of the blocks: a block added to the doc
# must be added here too, so none goes unchecked.
EXPECT = [
    ("sh", []),                                                   # venv + pip install
    ("python", ["16000 (16000,) float32", "Version(protocol=v1"]),
    ("python", ["speech from", "chunks; closed by the client (COMMAND_CLOSE)"]),
    ("python", [" results"]),
    ("python", ["/nodes/0/params/target_sample_rate", 'node calc failed: node "calc" (CalculatorNode)',
                "unsupported sample dtype float64", "UNAVAILABLE - "]),
    ("python", ["v1"]),
    ("sh", []),                                                   # python -m remotemedia call
    ("sh", []),                                                   # npm build + install
    ("ts", ["16000 16000", "is_speech", "chunks; closed by the client"]),
    ("ts", ["/nodes/0/params/target_sample_rate", "node calc failed"]),
    ("sh", []),                                                   # mvn package
    ("java", ["Audio[16000 frames, 16000 Hz, 1 ch, F32]", '"start_ms"', "30 chunks; closed by the client (COMMAND_CLOSE)",
              "ERROR_TYPE_VALIDATION", "\nv1"]),                   # speech.wav streamed by WavReader
    ("sh", ["100% 30/30 chunks"]),                                # remotemedia call (progress on stderr)
    ("sh", ['"protocolVersion": "v1"', '"calc": "15"']),          # buf curl
    ("sh", ['"closed"', "closed by the client (COMMAND_CLOSE)", '"sequence": "29"']),  # buf curl streams speech.wav
    ("sh", ["ERROR_TYPE_VALIDATION", "/nodes/0/params/gain_db", "unauthenticated", "buf curl exited"]),  # errors
]


def blocks():
    with open(DOC) as f:
        return [(m.group(1), m.group(2)) for m in BLOCK.finditer(f.read())]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("quickstart")
    for name in ("clients", "examples", "scripts"):
        os.symlink(os.path.join(ROOT, name), str(d / name))
    import remotemedia
    rate = 44100
    t = np.arange(3 * rate)
    x = np.where((t // (rate // 2)) % 2 == 0, 0.5 * np.sin(2 * np.pi * 440 * t / rate), 0.0)
    remotemedia.Audio((x * 32767).astype(np.int16), rate).to_wav(str(d / "speech.wav"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(d / "server.key"),
                    "-out", str(d / "ca.pem")], check=True, capture_output=True)
    plain = Daemon()
    tls = Daemon("auth.tokens=quickstart:" + hashlib.sha256(b"s3cret").hexdigest(), "transport.tls_cert_chain=%s" % (d / "ca.pem"),
                 "transport.tls_private_key=%s" % (d / "server.key"))
    yield d, plain, tls
    plain.stop()
    tls.stop()


def run(kind, code, cwd, i):
    env = dict(os.environ)
    # buf from the test tools; python3 is Debian's (its grpcio / protobuf), ahead of any pyenv shim
    env["PATH"] = os.pathsep.join([os.path.join(ROOT, "target", "test-tools", "node_modules", ".bin"), "/usr/bin",
                                   env["PATH"]])
    env.pop("PYTHONPATH", None)
    if kind == "sh":
        return subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=600)
    if kind == "python":
        return subprocess.run([os.path.join(cwd, ".venv", "bin", "python"), "-c", code], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
    if kind == "ts":
        src = os.path.join(cwd, "example%d.ts" % i)
        with open(src, "w") as f:
            f.write(code)
        ts = os.path.join(ROOT, "clients", "typescript", "node_modules")
        c = subprocess.run([os.path.join(ts, ".bin", "tsc"), "--module", "commonjs", "--target", "es2022", "--strict",
                            "--esModuleInterop", "--skipLibCheck", "--typeRoots", os.path.join(ts, "@types"),
                            "--types", "node", "--outDir", os.path.join(cwd, "out"), src],
                           cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        if c.returncode != 0:
            return c
        return subprocess.run(["node", os.path.join(cwd, "out", "example%d.js" % i)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
    if kind == "java":
        name = re.search(r"public class (\w+)", code).group(1)
        with open(os.path.join(cwd, name + ".java"), "w") as f:
            f.write(code)
        java = subprocess.run(["bash", "-c", "source %s/scripts/lib/common.sh >/dev/null && echo $JAVA" % ROOT],
                              capture_output=True, text=True).stdout.strip()
        cp = "clients/java/target/remotemedia-client.jar:clients/java/target/lib/*"
        return subprocess.run([java, "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                               "-cp", cp, name + ".java"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    raise AssertionError("docs/clients.md has a %s block, which this test cannot run: add a runner" % kind)


def test_every_block_of_the_quick_start_runs(work):
    d, plain, tls = work
    found = blocks()
    assert [k for k, _ in found] == [k for k, _ in EXPECT], "docs/clients.md's blocks changed: update EXPECT"
    for i, ((kind, code), (_, expect)) in enumerate(zip(found, EXPECT)):
        code = code.replace("localhost:50051", "localhost:%d" % plain.port).replace(
            "localhost:50443", "localhost:%d" % tls.port)
        r = run(kind, code, str(d), i)
        out = r.stdout + r.stderr
        assert r.returncode == 0, "block %d (%s) failed (exit %d):\n%s\n--- output:\n%s" % (i, kind, r.returncode, code, out)
        for e in expect:
            assert e in out, "block %d (%s) did not print %r:\n%s" % (i, kind, e, out)
        assert "Traceback" not in r.stderr, r.stderr
