"""Thumbs up or down on an answer, appended to <index>/feedback.jsonl, ready to become eval cases.

A rating names an answer id the server gave; the question, answer and citations written are the server's own copy
from the conversation store, never what the browser sends. Lines and the file are bounded.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from pathlib import Path
from typing import Any

from ..errors import AssistantError, InvalidInputError, NotFoundError
from . import phrases
from .conversations import ConversationStore

MAX_FILE_MB = 50.0
MAX_COMMENT_CHARS = 2000
_LOCK = threading.Lock()


def rating_of(liked: Any) -> str:
    """'up' or 'down' from Gradio's like data (True/False, or the option's name); InvalidInputError otherwise."""
    if liked is True or (isinstance(liked, str) and liked.lower() in ("like", "up")):
        return "up"
    if liked is False or (isinstance(liked, str) and liked.lower() in ("dislike", "down")):
        return "down"
    raise InvalidInputError(phrases.FEEDBACK_RATING.format(rating=str(liked)[:40]))


def record_feedback(index_dir: str | Path, store: ConversationStore, answer_id: str, liked: Any,
                    owner: str | None = None, comment: str = "", max_file_mb: float = MAX_FILE_MB) -> dict[str, Any]:
    """Append one rating of a stored answer to feedback.jsonl; returns the line written.

    NotFoundError when the server gave no such answer (to this login); AssistantError when the file is full or
    cannot be written.
    """
    rating = rating_of(liked)
    try:
        turn = store.answer(answer_id, owner)
    except (NotFoundError, InvalidInputError):
        raise NotFoundError(phrases.FEEDBACK_UNKNOWN.format(answer_id=str(answer_id)[:40])) from None
    line = {
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), "rating": rating,
        "answer_id": answer_id, "answered": turn.get("time", ""), "question": turn.get("question", ""),
        "answer": turn.get("answer", ""), "refused": bool(turn.get("refused")), "mode": turn.get("mode", ""),
        "filters": turn.get("filters") or {}, "citations": turn.get("citations") or [],
    }
    if owner:
        line["user"] = owner
    if comment and comment.strip():
        line["comment"] = comment.strip()[:MAX_COMMENT_CHARS]
    data = json.dumps(line, ensure_ascii=False) + "\n"
    path = Path(index_dir) / "feedback.jsonl"
    with _LOCK:
        try:
            size = path.stat().st_size if path.exists() else 0
            if size + len(data.encode("utf-8")) > max_file_mb * 1024 * 1024:
                raise AssistantError(phrases.FEEDBACK_FULL.format(path=path.name, mb=max_file_mb))
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(data)
        except OSError as e:
            raise AssistantError(phrases.FEEDBACK_WRITE.format(path=path.name, reason=e.strerror or e)) from None
    return line


def turn_for_message(conv: dict[str, Any], message_index: Any) -> int | None:
    """The turn an assistant message belongs to (the chat holds one user and one assistant message per turn)."""
    if isinstance(message_index, (list, tuple)):
        message_index = message_index[0] if message_index else None
    if not isinstance(message_index, int) or isinstance(message_index, bool) or message_index % 2 != 1:
        return None
    i = message_index // 2
    return i if 0 <= i < len(conv["turns"]) else None
