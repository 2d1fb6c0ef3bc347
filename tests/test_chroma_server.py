"""Scale-out: everything runs against a Chroma server started with chromadb's own `chroma run` on loopback."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).parent / "chroma"
    port = _free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "chroma-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("chroma run did not start")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_ingest_ask_remove_against_a_chroma_server(chroma_server, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_CHROMA_HOST": "127.0.0.1",
           "ASSISTANT_CHROMA_PORT": str(chroma_server), "ASSISTANT_INDEX_DIR": str(tmp_path / "local-a")}
    src = tmp_path / "corpus"
    shutil.copytree(CORPUS, src)
    r = run("ingest", str(src), env=env)
    assert r.returncode == 0 and "5 added" in r.stdout, r.stderr
    # nothing but the local BM25 cache and lock live in the local dir: the vectors are on the server
    assert not (tmp_path / "local-a" / "chroma.sqlite3").exists()
    # a second app instance with its own local dir sees the same index
    env_b = {**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "local-b")}
    r = run("ask", "--json", "How much did Anthropic agree to pay?", env=env_b)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["citations"][0]["source_id"] == "bartz-mini"
    r = run("sources", "remove", "bartz-mini", env=env)
    assert r.returncode == 0, r.stderr
    r = run("sources", "list", "--json", env=env_b)
    assert "bartz-mini" not in r.stdout and "dsm-mini" in r.stdout
    r = run("ask", "--json", "How much did Anthropic agree to pay to settle?", env=env_b)
    assert all(c["source_id"] != "bartz-mini" for c in json.loads(r.stdout)["citations"])
