"""Fixtures of the Python tests: a fresh database per test, the installed models, and a real
`semble serve` on a free loopback port (tests/server/harness.mjs does the same for node).

Environment (ctest sets the first two):
    SEMBLE_BINARY      the semble binary (needed by the server tests and to find the models)
    SEMBLE_SOURCE_DIR  the repository (the quickstart test runs examples/python/quickstart.py)
    SEMBLE_MODELS_DIR  installed models; default: the directory `semble model list` shows
A missing binary or default model is a failure, never a skip.
"""

import json
import os
import re
import signal
import subprocess
import threading

import pytest

import semble

DEFAULT_MODEL = "all-MiniLM-L6-v2-q4"


def semble_binary():
    binary = os.environ.get("SEMBLE_BINARY")
    assert binary, "SEMBLE_BINARY must name the semble binary (ctest sets it)"
    assert os.path.exists(binary), f"SEMBLE_BINARY={binary} does not exist"
    return binary


@pytest.fixture(scope="session")
def models_dir():
    path = os.environ.get("SEMBLE_MODELS_DIR")
    if not path:
        out = subprocess.run([semble_binary(), "model", "list", "--json"], check=True,
                             capture_output=True, text=True).stdout
        path = json.loads(out.splitlines()[0])["models_dir"]
    config = os.path.join(path, DEFAULT_MODEL, "config.json")
    assert os.path.exists(config), f"the default model is not installed: {config} is missing " \
                                   "(run `semble model pull`)"
    return path


@pytest.fixture
def db(tmp_path, models_dir):
    database = semble.Database(str(tmp_path / "data"), sync="none", models_dir=models_dir)
    yield database
    database.close()


class Server:
    """`semble serve` on a free loopback port with its own data directory; stop() ends exactly
    this process (SIGTERM to its pid) and checks it exits 0."""

    def __init__(self, data_dir, models_dir, token):
        self.token = token
        tokens = os.path.join(os.path.dirname(data_dir), "tokens")
        with open(tokens, "w") as f:
            f.write(f"write {token}\n")
        os.chmod(tokens, 0o600)
        args = [semble_binary(), "serve", "--data", data_dir, "--models", models_dir,
                "--port", "0", "--tokens-file", tokens]
        env = dict(os.environ)
        env.pop("SEMBLE_DATA_DIR", None)  # the server must use --data only
        env.pop("SEMBLE_API_TOKENS", None)
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.stderr = []
        listening = threading.Event()
        self.url = None

        def drain():
            for line in self.proc.stderr:
                self.stderr.append(line)
                m = re.search(r"semble: listening on (http://127\.0\.0\.1:\d+)", line)
                if m and not listening.is_set():
                    self.url = m.group(1)
                    listening.set()
            listening.set()  # exited

        self.reader = threading.Thread(target=drain, daemon=True)
        self.reader.start()
        listening.wait(60)
        if self.url is None:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("semble serve did not start:\n" + "".join(self.stderr))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("semble serve did not exit within 60 s of SIGTERM")
        self.reader.join(5)
        assert code == 0, f"semble serve exited with {code}:\n" + "".join(self.stderr)


@pytest.fixture(scope="module")
def server(tmp_path_factory, models_dir):
    tmp = tmp_path_factory.mktemp("server")
    data = tmp / "data"
    data.mkdir()
    s = Server(str(data), models_dir, token="python-test-token-0123456789")
    yield s
    s.stop()
