"""Fixtures: the real daemon (scripts/lib/test-daemon) on 127.0.0.1, a free port, started once per
session and stopped with SIGTERM; a self-signed certificate made by openssl for the TLS cases."""
import hashlib
import os
import re
import subprocess
import sys
import threading

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
