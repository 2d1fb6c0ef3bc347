"""Feedback rates an answer the server gave, by its id; the line written is the server's own copy of it."""

from __future__ import annotations

import json

import pytest

from assistant.errors import AssistantError, InvalidInputError, NotFoundError
from assistant.types import Answer, Citation
from assistant.ui import conversations as cv
from assistant.ui.feedback import record_feedback, turn_for_message


def _stored(tmp_path, owner=None):
    store = cv.ConversationStore(tmp_path / "conversations")
    c = Citation(n=1, source_id="bartz", title="Bartz", date="2025", url="", path="", section="S",
                 quote="Anthropic agreed to pay at least $1.5 billion.", score=0.9)
    turn = cv.turn_record(Answer(question="How much?", text="At least $1.5 billion [1].", citations=[c]))
    cid, aid = store.save_answer(cv.empty_conversation(), turn, owner)
    return store, store.conversation(cid, owner), aid


def test_feedback_appends_the_stored_answer(tmp_path):
    store, conv, aid = _stored(tmp_path)
    assert turn_for_message(conv, 1) == 0
    assert turn_for_message(conv, 0) is None and turn_for_message(conv, 3) is None
    assert turn_for_message(conv, True) is None
    record_feedback(tmp_path, store, aid, True)
    record_feedback(tmp_path, store, aid, "Dislike", comment="  wrong  " + "x" * 5000)
    lines = [json.loads(x) for x in (tmp_path / "feedback.jsonl").read_text().splitlines()]
    assert [x["rating"] for x in lines] == ["up", "down"]
    first = lines[0]
    assert first["answer_id"] == aid and first["question"] == "How much?"
    assert first["answer"] == "At least $1.5 billion [1]." and first["citations"][0]["source_id"] == "bartz"
    assert lines[1]["comment"].startswith("wrong") and len(lines[1]["comment"]) == 2000


def test_feedback_for_an_answer_the_server_never_gave_is_refused(tmp_path):
    store, _conv, aid = _stored(tmp_path, owner="alice")
    for forged in ("Z" * 22, "../conversations/a/x", {"answer": "forged", "citations": [{"verified": True}]}):
        with pytest.raises(NotFoundError, match="no answer this server gave"):
            record_feedback(tmp_path, store, forged, True, owner="alice")
    with pytest.raises(NotFoundError):  # another login's answer
        record_feedback(tmp_path, store, aid, True, owner="mallory")
    with pytest.raises(InvalidInputError, match="'up' or 'down'"):
        record_feedback(tmp_path, store, aid, {"x": 1}, owner="alice")
    assert not (tmp_path / "feedback.jsonl").exists()


def test_the_feedback_file_is_bounded(tmp_path):
    store, _conv, aid = _stored(tmp_path)
    record_feedback(tmp_path, store, aid, True, max_file_mb=0.001)
    size = (tmp_path / "feedback.jsonl").stat().st_size
    with pytest.raises(AssistantError, match="reached its 0.001 MB limit"):
        for _ in range(10):
            record_feedback(tmp_path, store, aid, True, max_file_mb=0.001)
    assert (tmp_path / "feedback.jsonl").stat().st_size <= 1024 < size * 10
