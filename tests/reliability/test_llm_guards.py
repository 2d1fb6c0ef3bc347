"""The optional LLM cannot hang, flood or mislead: a total deadline on every call (streamed or not, condense and
answer), a cap on the reply in bytes and tokens, and a support check that catches a claim turned into its
opposite. Runs against the scripted OpenAI-protocol server (tests/llm_server.py) with the fake embedder."""

from __future__ import annotations

import re
import time

import pytest

from assistant import citations as cit
from assistant.settings import Settings
from conftest import CORPUS, FakeEmbedder
from llm_server import ScriptedLLM

Q = "How much did Anthropic agree to pay to settle the authors' claims?"
Q_RULING = "What did Judge Alsup rule about training on lawfully purchased books?"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    from assistant.facade import Assistant

    index = tmp_path_factory.mktemp("llm-guards") / "index"
    a = Assistant(Settings(index_dir=index), embedder=FakeEmbedder())
    r = a.ingest([str(CORPUS / "bartz-mini.md"), str(CORPUS / "dsm-mini.md")])
    assert not r.failed, r.failed
    return index


def make(index, server, timeout=2.0, **kw):
    from assistant.facade import Assistant

    s = Settings(index_dir=index, llm="openai:test-model", llm_base_url=server.url, llm_api_key=server.key,
                 llm_timeout=timeout, **kw)
    return Assistant(s, embedder=FakeEmbedder())


# -- flips ------------------------------------------------------------------------------------------------------
FLIPS = [  # (claim, passage): the claim says the opposite of the passage
    ("Judge Alsup ruled that training on lawfully purchased books was not fair use.",
     "Judge William Alsup ruled on June 23, 2025 that training on lawfully purchased books was fair use."),
    ("Anthropic refused to pay at least $1.5 billion to settle the authors' claims.",
     "Anthropic agreed to pay at least $1.5 billion to settle the authors' claims about pirated library copies."),
    ("Anthropic agreed to pay at most $1.5 billion to settle the authors' claims.",
     "Anthropic agreed to pay at least $1.5 billion to settle the authors' claims about pirated library copies."),
    ("Training on lawfully bought books was not fair use, but keeping pirated copies was.",
     "Training on lawfully bought books was fair use, but keeping pirated copies was not fair use."),
    ("Keeping pirated copies in a central library was fair use.",
     "Training on purchased books was fair use, but keeping pirated copies in a central library was not fair use."),
    ("The court denied preliminary approval of the $1.5 billion settlement.",
     "The court granted preliminary approval of the $1.5 billion settlement."),
    ("The obligations have applied since August 2, 2025.",
     "The obligations apply only to models placed on the market before August 2, 2025."),
]
SAME = [  # the same facts, worded differently or negated the same way: no contradiction
    ("Keeping pirated copies in a central library was not fair use.",
     "Training on purchased books was fair use, but keeping pirated copies in a central library was not fair use."),
    ("Training on purchased books was fair use.",
     "Training on purchased books was fair use, but keeping pirated copies in a central library was not fair use."),
    ("A fair use of a copyrighted work does not infringe copyright.",
     "A fair use of a copyrighted work is not copyright infringement."),
    ("Anthropic agreed to pay more than $1 billion.", "Anthropic agreed to pay at least $1.5 billion."),
    ("The court refused permission to appeal the trade-mark findings.",
     "Getty was granted permission to appeal the secondary-infringement point. Stability AI was refused "
     "permission to appeal the trade-mark findings."),
]


@pytest.mark.parametrize("claim, passage", FLIPS)
def test_a_claim_turned_into_its_opposite_is_a_contradiction(claim, passage):
    assert cit._contradicts(claim, passage), (claim, passage)


@pytest.mark.parametrize("claim, passage", SAME)
def test_the_same_fact_in_other_words_is_no_contradiction(claim, passage):
    assert not cit._contradicts(claim, passage), (claim, passage)


@pytest.mark.parametrize("stream", [False, True])
def test_an_llm_answer_turned_into_its_opposite_is_never_shown_as_verified(small_index, stream):
    with ScriptedLLM(mode="flip") as server:
        a = make(small_index, server)
        ans = a.ask(Q_RULING, on_token=(lambda t: None) if stream else None)
        ans2 = a.ask(Q, on_token=(lambda t: None) if stream else None)
        replies = list(server.replies)
    flipped = [s for reply in replies for s in re.split(r"(?<=\])\.\s*", reply)
               if re.search(r"\b(?:was not|is not|refused to|denied|at most|ruled not)\b", s)]
    assert flipped, replies  # the server did flip something
    for answer in (ans, ans2):
        shown = " ".join(cit.strip_markers(answer.text).split())
        for s in flipped:
            claim = " ".join(cit.strip_markers(s).split()).rstrip(".")
            assert claim not in shown, (claim, answer.text)
        assert a.verify(answer) == []


# -- deadlines ----------------------------------------------------------------------------------------------------
@pytest.mark.timeout(90)
@pytest.mark.parametrize("mode", ["drip", "drip_headers"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_slow_drip_reply_hits_the_total_deadline(small_index, mode, stream):
    with ScriptedLLM(mode=mode, drip_seconds=0.2) as server:
        a = make(small_index, server, timeout=2.0)
        t0 = time.monotonic()
        ans = a.ask(Q, on_token=(lambda t: None) if stream else None)
        took = time.monotonic() - t0
        assert server.chat_requests(), "the LLM was not asked"
    assert ans.mode == "extractive" and not ans.refused and ans.citations
    assert "timed out after 2s" in ans.notice, ans.notice
    assert took < 8, f"the 2 s deadline took {took:.1f}s"  # per-read timeouts alone never end a drip


@pytest.mark.timeout(90)
def test_condensing_a_follow_up_has_a_total_deadline_too(small_index):
    history = [{"question": "What did Judge Alsup decide about fair use?", "answer": "He ruled it was fair use [1]."}]
    with ScriptedLLM(mode="drip", drip_seconds=0.2) as server:
        server.script = ["drip", "good"]  # the condense call drips; the answer itself is good
        a = make(small_index, server, timeout=2.0)
        t0 = time.monotonic()
        ans = a.ask("And how much did Anthropic agree to pay?", history=history)
        took = time.monotonic() - t0
        kinds = [r["mode"] for r in server.chat_requests()]
    assert kinds[:1] == ["drip"] and len(kinds) == 2, kinds
    assert ans.citations and took < 8, (took, ans.text)


# -- size caps ----------------------------------------------------------------------------------------------------
def test_every_request_asks_for_at_most_max_tokens(small_index):
    with ScriptedLLM(mode="good") as server:
        a = make(small_index, server, llm_max_tokens=300)
        ans = a.ask(Q)
        body = server.chat_requests()[-1]["body"]
    assert ans.mode == "llm", ans.notice
    assert body.get("max_tokens") == 300, body


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stream", [False, True])
def test_a_huge_reply_is_cut_and_the_extractive_answer_shown_with_a_notice(small_index, stream):
    huge = 16 * 1024 * 1024
    with ScriptedLLM(mode="huge", huge_bytes=huge) as server:
        a = make(small_index, server, timeout=60.0)
        tokens: list[str] = []
        t0 = time.monotonic()
        ans = a.ask(Q, on_token=tokens.append if stream else None)
        took = time.monotonic() - t0
        time.sleep(0.5)  # let the server notice the client has gone
        sent = list(server.sent)
    assert ans.mode == "extractive" and ans.citations
    assert "reply was too long" in ans.notice, ans.notice
    assert sum(map(len, tokens)) <= a.settings.llm_max_tokens * 8
    assert took < 30, f"took {took:.1f}s"
    assert sent and sent[-1] < huge, sent  # the client stopped reading long before the end
