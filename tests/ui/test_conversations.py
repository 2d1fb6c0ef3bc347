"""Conversations and answers kept on the server; the browser's list of them is checked, never trusted."""

from __future__ import annotations

import json

import pytest

from assistant.errors import InvalidInputError, NotFoundError
from assistant.types import Answer, Citation
from assistant.ui import conversations as cv
from assistant.ui.phrases import STATE_RESET


def _turn(question="How much did Anthropic pay?"):
    c = Citation(n=1, source_id="bartz", title="Bartz", date="2025", url="", path="/srv/x.md", section="S",
                 quote="Anthropic paid.", score=0.9)
    return cv.turn_record(Answer(question=question, text="Anthropic paid [1].", citations=[c]))


def test_answers_are_kept_and_a_conversation_reopens_from_disk(tmp_path):
    store = cv.ConversationStore(tmp_path)
    conv = cv.empty_conversation()
    cid, a1 = store.save_answer(conv, _turn("first?"), owner=None)
    conv = store.conversation(cid, None)
    _cid, a2 = store.save_answer(conv, _turn("second?"), owner=None)
    assert _cid == cid and cv.ID.fullmatch(cid) and cv.ID.fullmatch(a1) and a1 != a2
    again = cv.ConversationStore(tmp_path).conversation(cid, None)  # a new process, after a restart
    assert [t["question"] for t in again["turns"]] == ["first?", "second?"]
    assert again["turns"][0]["citations"][0]["quote"] == "Anthropic paid."
    assert store.answer(a2, None)["question"] == "second?"
    assert store.listing([cid, "x" * 22], None) == [(f"first? ({again['updated'][:10]})", cid)]
    assert not list(tmp_path.rglob("*.part"))


def test_a_conversation_opened_from_an_answer_link_continues_from_it(tmp_path):
    store = cv.ConversationStore(tmp_path)
    cid, aid = store.save_answer(cv.empty_conversation(), _turn("linked?"), None)
    seeded = {"id": None, "turns": [store.answer(aid, None)]}
    new_cid, _ = store.save_answer(seeded, _turn("follow-up?"), None)
    assert new_cid != cid
    assert [t["question"] for t in store.conversation(new_cid, None)["turns"]] == ["linked?", "follow-up?"]
    store.delete(new_cid, None)  # deleting the new one keeps the answer it continued from
    assert store.answer(aid, None)["question"] == "linked?"
    with pytest.raises(NotFoundError):
        store.conversation(new_cid, None)


def test_another_login_cannot_open_a_conversation(tmp_path):
    store = cv.ConversationStore(tmp_path)
    cid, aid = store.save_answer(cv.empty_conversation(), _turn(), owner="alice")
    assert store.conversation(cid, "alice")["turns"]
    for owner in ("bob", None):
        with pytest.raises(NotFoundError, match="not available"):
            store.conversation(cid, owner)
        with pytest.raises(NotFoundError):
            store.answer(aid, owner)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "x" * 21, "a/" + "b" * 20, "", None, 7, "x" * 22 + "\n"])
def test_malformed_ids_are_refused_before_any_file_is_touched(tmp_path, bad):
    store = cv.ConversationStore(tmp_path)
    with pytest.raises(InvalidInputError, match="malformed"):
        store.conversation(bad, None)


def test_the_store_is_bounded(tmp_path):
    store = cv.ConversationStore(tmp_path, max_conversations=3, max_turns=2, max_answer_bytes=4000)
    ids = [store.save_answer(cv.empty_conversation(), _turn(f"q{i}?"), None)[0] for i in range(5)]
    kept = sorted(p.stem for p in (tmp_path / "c").glob("*.json"))
    assert len(kept) == 3 and set(kept) <= set(ids)
    assert len(list((tmp_path / "a").glob("*.json"))) == 3  # pruned conversations take their answers along
    conv = store.conversation(ids[-1], None)
    store.save_answer(conv, _turn(), None)
    with pytest.raises(InvalidInputError, match="start a new conversation"):
        store.save_answer(store.conversation(ids[-1], None), _turn(), None)
    big = _turn()
    big["answer"] = "x" * 5000
    with pytest.raises(InvalidInputError, match="bytes a saved answer may hold"):
        store.save_answer(cv.empty_conversation(), big, None)


def test_browser_state_is_checked():
    good = {"v": 2, "ids": ["a" * 22, "b" * 22], "current": "a" * 22}
    assert cv.check_browser_state(good) == (good, None)
    assert cv.check_browser_state(None) == (cv.empty_browser_state(), None)
    malformed = [
        {"turns": [{"question": "q", "answer": "a", "citations": 5}], "selected": 0},  # the old format
        {"v": 2, "ids": "abc", "current": None}, {"v": 2, "ids": [{"x": 1}], "current": None},
        {"v": 2, "ids": ["../../../etc/passwd"], "current": None}, {"v": 2, "ids": [], "current": 5},
        {"v": 2, "ids": ["a" * 22] * 51, "current": None}, {"v": 2, "ids": [], "current": None, "extra": 1},
        [], "x" * 100_000, 3.5, {"v": 3},
    ]
    for raw in malformed:
        state, problem = cv.check_browser_state(raw)
        assert state == cv.empty_browser_state() and problem == STATE_RESET, raw
    assert cv.remember(good, "c" * 22)["ids"][0] == "c" * 22
    assert cv.forget(good, "a" * 22) == {"v": 2, "ids": ["b" * 22], "current": None}


def test_records_are_plain_json(tmp_path):
    store = cv.ConversationStore(tmp_path)
    cid, aid = store.save_answer(cv.empty_conversation(), _turn(), owner="alice")
    rec = json.loads((tmp_path / "a" / f"{aid}.json").read_text())
    assert rec["owner"] == "alice" and rec["conversation"] == cid and rec["id"] == aid and "time" in rec
    assert "/srv/x.md" not in json.dumps(rec)
