"""Eval sets: parsing, metrics, reports, and a run that must fail when retrieval is broken."""

import json
import os
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from conftest import CORPUS, DATA, ROOT

from assistant import evaluation as ev
from assistant.errors import EvalSetError

MINI = DATA / "evals" / "mini.yaml"


def test_eval_set_parses_and_validates(tmp_path):
    s = ev.load_eval_set(MINI)
    assert s.name == "mini" and len(s.cases) == 8
    assert s.cases[5].turns[-1].expected_sources == ["seedance-note"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - id: a\n    question: q\n    must_include: ['(unclosed']\n")
    with pytest.raises(EvalSetError, match="case 'a' must_include: bad regular expression"):
        ev.load_eval_set(bad)
    bad.write_text("cases:\n  - id: a\n    question: q\n  - id: a\n    question: r\n")
    with pytest.raises(EvalSetError, match="used twice"):
        ev.load_eval_set(bad)
    bad.write_text("thresholds: {accuracy: 1}\ncases: []\n")
    with pytest.raises(EvalSetError, match="unknown threshold 'accuracy'"):
        ev.load_eval_set(bad)


def _result(**kw):
    base = dict(id="x", set="s", question="q", passed=True, failures=[])
    base.update(kw)
    return ev.CaseResult(**base)


def test_metrics_and_thresholds():
    rs = [
        _result(expected_sources=["a"], rank=1, facts_total=2, facts_found=2, latency_ms=10),
        _result(expected_sources=["a"], rank=3, facts_total=1, facts_found=0, latency_ms=30,
                has_forbidden=True, forbidden_hit=True),
        _result(must_refuse=True, refused=True, latency_ms=20),
        _result(must_refuse=True, refused=False, latency_ms=20),
    ]
    m = ev.metrics(rs, k=5)
    assert m["source_hit_at_1"] == 0.5 and m["source_hit_at_k"] == 1.0
    assert m["mrr"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-4)
    assert m["fact_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["forbidden_fact_rate"] == 1.0 and m["refusal_accuracy"] == 0.5
    assert m["latency_p95_ms"] == 30
    misses = ev.check_thresholds(m, {"source_hit_at_1": 0.5, "fact_recall": 0.9, "forbidden_fact_rate": 0.0})
    assert misses == ["fact_recall 0.667 < 0.900", "forbidden_fact_rate 1.000 > 0.000"]


def _eval(index, *args):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(index)}
    return subprocess.run([sys.executable, "-m", "assistant", "eval", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


@pytest.mark.slow
def test_eval_passes_and_writes_reports(real_index, tmp_path):
    out = tmp_path / "run.json"
    junit = tmp_path / "junit.xml"
    html = tmp_path / "report.html"
    r = _eval(real_index, str(MINI), "--json", str(out), "--junit", str(junit), "--report", str(html))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "RESULT: all thresholds met" in r.stdout
    data = json.loads(out.read_text())
    assert data["ok"] and data["sets"][0]["metrics"]["citation_validity"] == 1.0
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "8" and len(suite.findall("testcase")) == 8
    page = html.read_text()
    assert "<svg" in page and "class='bar'" in page and "source_hit_at_1" in page
    # comparing with itself: nothing flips
    r2 = _eval(real_index, str(MINI), "--baseline", str(out))
    assert "no case flipped" in r2.stdout


@pytest.mark.slow
def test_eval_fails_the_right_cases_when_a_document_is_missing(tmp_path):
    """Break retrieval on purpose: an index without the Bartz document must fail the Bartz cases and exit 1."""
    import shutil

    from assistant.facade import Assistant
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "bartz-mini.md").unlink()
    idx = tmp_path / "idx"
    Assistant(Settings(index_dir=idx)).ingest([corpus])
    junit = tmp_path / "junit.xml"
    r = _eval(idx, str(MINI), "--junit", str(junit))
    assert r.returncode == 1
    assert "RESULT: FAILED" in r.stdout
    failed = {tc.get("name") for tc in ET.parse(junit).getroot().iter("testcase") if tc.find("failure") is not None}
    assert {"bartz-amount", "bartz-judge-date"} <= failed
    assert not failed & {"dsm-article-4", "japan-guidance", "refuse-weather"}


def test_a_misspelt_key_is_an_error_naming_the_key_the_case_and_the_file(tmp_path):
    from assistant.errors import EvalSetError
    from assistant.evaluation import load_eval_set

    bad = tmp_path / "typo.yaml"
    bad.write_text("cases:\n  - id: c1\n    question: When?\n    must_includ: ['2025']\n", encoding="utf-8")
    with pytest.raises(EvalSetError) as e:
        load_eval_set(bad)
    msg = str(e.value)
    assert "must_includ" in msg and "c1" in msg and "typo.yaml" in msg and "\n" not in msg
    turn = tmp_path / "turn.yaml"
    turn.write_text("cases:\n  - id: c2\n    turns:\n      - question: A?\n        expect_premis: unsupported\n",
                    encoding="utf-8")
    with pytest.raises(EvalSetError, match="expect_premis"):
        load_eval_set(turn)


def test_expect_premise_takes_only_unsupported(tmp_path):
    from assistant.errors import EvalSetError
    from assistant.evaluation import load_eval_set

    p = tmp_path / "p.yaml"
    p.write_text("cases:\n  - id: c\n    question: Q?\n    expect_premise: maybe\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="unsupported"):
        load_eval_set(p)
