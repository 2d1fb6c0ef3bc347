"""CI gate: the shipped eval sets over the shipped corpus, with the real model. A regression fails the build."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    from assistant.answering import Assistant
    from assistant.settings import Settings

    d = tmp_path_factory.mktemp("corpus") / "index"
    report = Assistant(Settings(index_dir=d)).ingest([str(ROOT / "sources")])
    assert not report.failed, report.failed
    return d


def test_core_and_smoke_eval_sets_meet_their_thresholds(corpus_index, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(corpus_index)}
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    r = subprocess.run(
        [sys.executable, "-m", "assistant", "eval", "evals/", "--junit", str(artifacts / "eval-junit.xml"),
         "--report", str(artifacts / "eval-report.html"), "--json", str(artifacts / "eval-run.json")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200,
    )
    print(r.stdout[-6000:])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "RESULT: all thresholds met" in r.stdout
