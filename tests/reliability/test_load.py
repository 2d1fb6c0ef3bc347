"""Load: scripts/load_test.py against the real app (`python app.py`, real model) with small numbers: no errors,
every citation valid, figures printed. The full run (20 users, 500 questions over sources/) is in the README."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

from reliability_support import DATA, ROOT, base_env

SCRIPT = ROOT / "scripts" / "load_test.py"


def _script():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["load_test"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_answer_parsing_and_citation_checks():
    lt = _script()
    reply = ("Anthropic agreed to pay at least $1.5 billion [1]. The settlement pays about $3,000 per work [2].\n\n"
             "Sources:\n"
             "[1] Bartz v. Anthropic (test copy) (bartz-mini, 2025-09-25) - Summary\n"
             "    \"Anthropic agreed to pay at least $1.5 billion.\"\n    https://example.org/bartz\n"
             "[2] Bartz v. Anthropic (test copy) (bartz-mini, 2025-09-25) - Rulings and outcome\n"
             "    \"The settlement pays about $3,000 per work.\"")
    body, entries = lt.parse_answer(reply)
    assert body.endswith("per work [2].")
    assert entries == {1: ("bartz-mini", "Anthropic agreed to pay at least $1.5 billion."),
                       2: ("bartz-mini", "The settlement pays about $3,000 per work.")}
    doc = "Intro.\nAnthropic agreed to pay at least\n$1.5 billion. The settlement pays about $3,000 per work."
    texts = {"bartz-mini": doc}
    R = lt.Result
    ok = lt.check_answers([R("q", 0.1, answer=reply), R("r", 0.1, answer="The sources don't cover this question.")],
                          texts.get)
    assert ok.invalid == [] and ok.citations == 2 and ok.refusals == 1
    bad = lt.check_answers([R("q", 0.1, answer=reply.replace("[2].\n", "[3].\n")),
                            R("q2", 0.1, answer=reply.replace("$3,000 per work.\"", "$4,000 per work.\"")),
                            R("q3", 0.1, answer=reply.replace("bartz-mini, 2025-09-25) - Rulings", "nope, x) - R"))],
                           texts.get)
    assert any("[3] is not in the Sources list" in m for m in bad.invalid)
    assert any("source [2] is listed but never cited" in m for m in bad.invalid)
    assert any("quote of [2] is not verbatim" in m for m in bad.invalid)
    assert any("cites 'nope', which is not in the index" in m for m in bad.invalid)
    neutral = ("The High Court ruled in Getty Images v Stability AI [2025] EWHC 2863 (Ch) for Stability [1].\n\n"
               "Sources:\n[1] Getty (getty, 2025-11-04) - Summary\n    \"Getty Images v Stability AI [2025] EWHC\"")
    assert lt.check_answers([R("q", 0.1, answer=neutral)], {"getty": "Getty Images v Stability AI [2025] EWHC"}.get
                            ).invalid == []  # a neutral citation in a quote is not a marker
    assert lt.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
    assert lt.percentile([float(i) for i in range(1, 21)], 95) == 19
    assert lt.percentile([], 99) == 0.0


@pytest.mark.slow
def test_load_script_against_the_running_app(real_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(real_index, index)
    # the small corpus is indexed, so its eval set's questions get cited answers (and two refusals)
    r = subprocess.run([sys.executable, str(SCRIPT), "--start", "--index", str(index), "--users", "4",
                        "--questions", "20", "--questions-file", str(DATA / "evals" / "mini.yaml"),
                        "--timeout", "120", "--max-seconds", "300", "--json"],
                       cwd=ROOT, env=base_env(), capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    figures = json.loads(r.stdout.strip().splitlines()[-1])
    assert figures["completed"] == 20 and figures["errors"] == 0 and figures["unasked"] == 0
    assert figures["invalid_citations"] == 0 and figures["citations_checked"] >= 10
    assert 0 < figures["p50"] <= figures["p95"] <= figures["p99"] <= figures["max"]
    for needle in ("latency p50", "p95", "p99", "throughput", "errors 0"):
        assert needle in r.stdout
