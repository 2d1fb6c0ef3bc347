"""Odd input gets one clear error: a lone surrogate in a question, a malformed or oversized conversation history
(each failure one InvalidInputError); and a front-matter address that is not http(s) is never printed."""

from __future__ import annotations

import json

import pytest

from assistant.errors import InvalidInputError
from reliability_support import CORPUS, assert_one_line_error, cli

Q = "How much did Anthropic agree to pay to settle the authors' claims?"


@pytest.fixture
def seeded(fake_assistant):
    r = fake_assistant.ingest([str(CORPUS / "bartz-mini.md"), str(CORPUS / "dsm-mini.md")])
    assert not r.failed, r.failed
    return fake_assistant


# -- item 12: questions and history ---------------------------------------------------------------------------
def test_a_lone_surrogate_in_the_question_is_one_clear_error(seeded):
    with pytest.raises(InvalidInputError) as e:
        seeded.ask("What did the court decide \udcff about fair use?")
    msg = str(e.value)
    assert "not valid text (\\udcff at position 27, a lone surrogate)" in msg and "\n" not in msg, msg


def test_a_lone_surrogate_through_the_cli_is_one_line(tmp_path):
    # an argument with a byte that is not UTF-8 reaches Python as a lone surrogate (surrogateescape)
    r = cli("ask", "What did the court decide \udcff?", "--index", tmp_path / "index", fake=False, timeout=120)
    assert_one_line_error(r, "The question holds a character that is not valid text")


BAD_HISTORY = [
    ([{"question": "x" * 2_000_000, "answer": "a"}],
     "Earlier question 1 of the conversation is 2,000,000 characters long; the limit is 2,000"),
    ([{"question": "Who sued Anthropic?", "answer": "Authors [1]."}, {"question": "\udcff?", "answer": ""}],
     "Earlier question 2 of the conversation holds a character that is not valid text"),
    ([{"question": "Who sued?", "answer": "y" * 50_000}],
     "Earlier answer 1 of the conversation is 50,000 characters long; the limit is 20,000"),
    ("not a list", "The conversation history is a str, not a list of {question, answer} turns"),
    (["Who sued?"], "Turn 1 of the conversation history is a str, not a {question, answer} mapping"),
    ([{"question": 42, "answer": "x"}], "Turn 1 of the conversation history has a question or answer that is not text"),
    ([{"question": "q?", "answer": ["x"]}], "has a question or answer that is not text"),
    ([{"question": "Who sued?", "answer": "Authors."}] * 101, "The conversation has 101 earlier turns; the limit is 100"),
]


@pytest.mark.parametrize("history, message", BAD_HISTORY,
                         ids=["2m-question", "surrogate", "50k-answer", "str", "list-of-str", "int-question",
                              "list-answer", "101-turns"])
def test_a_bad_history_is_one_clear_error(seeded, history, message):
    with pytest.raises(InvalidInputError) as e:
        seeded.ask("And how much did they pay?", history=history)
    assert message in str(e.value) and "\n" not in str(e.value), str(e.value)


@pytest.mark.parametrize("kw, message", [
    ({"k": 0}, "k is 0: use a whole number of passages from 1 to 50"),
    ({"k": -3}, "k is -3"), ({"k": 10**9}, "k is 1000000000"), ({"k": "5"}, "k is '5'"),
    ({"filters": "jurisdiction=US"}, "Filters are a str, not a mapping"),
], ids=["k-0", "k-negative", "k-huge", "k-str", "filters-str"])
def test_other_request_fields_are_checked_too(seeded, kw, message):
    with pytest.raises(InvalidInputError) as e:
        seeded.ask(Q, **kw)
    assert message in str(e.value), str(e.value)


def test_a_good_history_still_shapes_the_follow_up(seeded):
    history = [{"question": "What did Judge Alsup decide about Anthropic?", "answer": "It was fair use [1]."}]
    ans = seeded.ask("And how much did they agree to pay?", history=history)
    assert ans.citations and ans.citations[0].source_id == "bartz-mini", ans.text


# -- item 13: only http(s) addresses are shown -----------------------------------------------------------------
JS_DOC = """---
id: js-note
title: A note with odd addresses
type: article
jurisdiction: US
date: 2026-01-15
url: "javascript:alert(document.cookie)"
sources: ["javascript:alert(2)", "file:///etc/passwd", "https://ok.example.org/zorblatt"]
---
# A note with odd addresses

The Zorblatt tribunal fined Quuxcorp forty credits for scraping lute recordings.
"""


@pytest.fixture
def js_index(tmp_path):
    doc = tmp_path / "js-note.md"
    doc.write_text(JS_DOC)
    only_js = tmp_path / "only-js.md"
    only_js.write_text(JS_DOC.replace("id: js-note", "id: only-js").replace(
        ', "https://ok.example.org/zorblatt"', "").replace("forty credits", "fifty credits"))
    index = tmp_path / "index"
    r = cli("ingest", doc, only_js, "--index", index)
    assert r.returncode == 0, r.stderr
    return index


def test_javascript_urls_are_never_printed(js_index):
    outputs = []
    r = cli("ask", "--json", "How much did the Zorblatt tribunal fine Quuxcorp?", "--index", js_index)
    out = json.loads(r.stdout)
    assert out["citations"], out
    urls = {c["source_id"]: c["url"] for c in out["citations"]}
    assert urls.get("js-note", "https://ok.example.org/zorblatt") == "https://ok.example.org/zorblatt"
    assert urls.get("only-js", "") == ""
    outputs.append(r.stdout)
    outputs.append(cli("ask", "How much did the Zorblatt tribunal fine Quuxcorp?", "--index", js_index).stdout)
    for sid in ("js-note", "only-js"):
        outputs.append(cli("sources", "show", sid, "--json", "--index", js_index).stdout)
        outputs.append(cli("sources", "show", sid, "--index", js_index).stdout)
    outputs.append(cli("sources", "list", "--json", "--index", js_index).stdout)
    shown = json.loads(outputs[2])
    assert shown["url"] == "https://ok.example.org/zorblatt"
    assert shown["metadata"]["sources"] == ["https://ok.example.org/zorblatt"]
    for text in outputs:
        assert text.strip() and "javascript:" not in text and "file:///" not in text, text


def test_javascript_urls_never_reach_the_chat_api_text(tmp_path):
    from assistant.ui import blocks as ui
    from assistant.types import Answer, Citation

    c = Citation(n=1, source_id="x", title="T", date="", url="javascript:alert(1)", path="", section="",
                 quote="q", score=0.5)
    assert c.url == "" and c.to_json()["url"] == ""  # a record written before the loader checked it
    text = ui.format_answer_text(Answer(question="q", text="A [1].", citations=[c]))
    assert "javascript:" not in text
    ok = Citation(n=1, source_id="x", title="T", date="", url=" https://example.org/a ", path="", section="",
                  quote="q", score=0.5)
    assert ok.url == "https://example.org/a"
