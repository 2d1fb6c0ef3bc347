"""Conversations and answers kept on the server, under <index>/conversations/, so a link can reopen them after a
restart and feedback can only rate an answer the server really gave.

Each answer and each conversation is one small JSON file named by a random id (`secrets.token_urlsafe`), written
atomically. The browser only keeps the ids of its own conversations (see check_browser_state); what an answer
said and cited is never taken from the browser. When auth is on, each record names its owner and only that login
can open it. The store is bounded: answers per conversation, bytes per answer, and conversations in all (the
oldest are pruned).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, NotFoundError
from ..types import Answer
from . import phrases

ID = re.compile(r"[A-Za-z0-9_-]{22}")
MAX_TURNS = 100  # answers per conversation
MAX_CONVERSATIONS = 5000  # in the whole store; the least recently used are pruned beyond this
MAX_ANSWER_BYTES = 512 * 1024
MAX_BROWSER_IDS = 50  # conversation ids one browser keeps in its list
_ANSWER_FIELDS = {"question", "text", "citations", "refused", "closest", "mode", "notice", "hits", "timings",
                  "premise", "premise_missing"}
_HIDDEN_CITATION_FIELDS = ("path",)  # server paths never reach the browser


def new_id() -> str:
    """A random, unguessable id for a conversation or an answer."""
    return secrets.token_urlsafe(16)


def turn_record(answer: Answer, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """One answered question as JSON: what the chat, the sources panel, copy, export and feedback need.

    Server paths are left out. Answer fields this page does not know yet (added by newer composers) are kept under
    `extra` when they are plain text, numbers or flags, so they can be shown without breaking anything.
    """
    citations = []
    for c in answer.citations:
        d = c.to_json()
        for key in _HIDDEN_CITATION_FIELDS:
            d.pop(key, None)
        citations.append(d)
    extra = {}
    for f in dataclasses.fields(answer):
        if f.name not in _ANSWER_FIELDS:
            value = getattr(answer, f.name)
            if isinstance(value, (str, int, float, bool)) and value not in ("", None):
                extra[f.name] = value
    closest = [{k: v for k, v in c.items() if k not in _HIDDEN_CITATION_FIELDS} for c in answer.closest]
    return {
        "question": answer.question, "answer": answer.text, "refused": answer.refused, "citations": citations,
        "closest": closest, "notice": answer.notice, "mode": answer.mode, "filters": dict(filters or {}),
        # the answer text itself says when the question's premise is unsupported; kept for feedback and eval cases
        "premise": getattr(answer, "premise", "ok"), "premise_missing": list(getattr(answer, "premise_missing", [])),
        "extra": extra,
    }


def history_of(conv: dict[str, Any]) -> list[dict[str, str]]:
    """The prior turns as assistant.ask expects them."""
    return [{"question": t["question"], "answer": t["answer"]} for t in conv["turns"]]


def empty_conversation() -> dict[str, Any]:
    """A conversation not yet saved: no id, no turns."""
    return {"id": None, "turns": [], "title": phrases.UNTITLED}


# -- what the browser keeps -------------------------------------------------------------------------------------
def empty_browser_state() -> dict[str, Any]:
    """The browser's list of its conversations: none yet."""
    return {"v": 2, "ids": [], "current": None}


def check_browser_state(raw: Any) -> tuple[dict[str, Any], str | None]:
    """The browser's saved state, and None; or a fresh state and the one message to show when it was malformed.

    It comes from localStorage (or from anyone posting to the page-load event), so nothing is assumed about it.
    """
    if raw is None or raw == empty_browser_state():
        return empty_browser_state(), None
    ok = (isinstance(raw, dict) and raw.get("v") == 2 and set(raw) <= {"v", "ids", "current"}
          and isinstance(raw.get("ids"), list) and len(raw["ids"]) <= MAX_BROWSER_IDS
          and all(isinstance(i, str) and ID.fullmatch(i) for i in raw["ids"])
          and (raw.get("current") is None or (isinstance(raw["current"], str) and ID.fullmatch(raw["current"]))))
    if not ok:
        return empty_browser_state(), phrases.STATE_RESET
    ids = list(dict.fromkeys(raw["ids"]))
    return {"v": 2, "ids": ids, "current": raw.get("current")}, None


def remember(state: dict[str, Any], conv_id: str | None) -> dict[str, Any]:
    """The browser state with conv_id first in its list and current (None: no conversation is open)."""
    ids = [i for i in state.get("ids", []) if i != conv_id]
    if conv_id:
        ids.insert(0, conv_id)
    return {"v": 2, "ids": ids[:MAX_BROWSER_IDS], "current": conv_id}


def forget(state: dict[str, Any], conv_id: str) -> dict[str, Any]:
    """The browser state without conv_id."""
    return {"v": 2, "ids": [i for i in state.get("ids", []) if i != conv_id], "current": None}


def check_id(value: Any, kind: str) -> str:
    """A well-formed id from a link, or InvalidInputError saying the link is broken."""
    if not isinstance(value, str) or not ID.fullmatch(value):
        shown = str(value)[:40]
        raise InvalidInputError(phrases.LINK_MALFORMED.format(kind=kind, value=shown))
    return value


# -- the store --------------------------------------------------------------------------------------------------
def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class ConversationStore:
    """Answers and conversations as JSON files under one folder (see the module docstring)."""

    def __init__(self, root: str | Path, max_conversations: int = MAX_CONVERSATIONS, max_turns: int = MAX_TURNS,
                 max_answer_bytes: int = MAX_ANSWER_BYTES):
        self.root = Path(root)
        self.max_conversations, self.max_turns, self.max_answer_bytes = max_conversations, max_turns, max_answer_bytes
        self._lock = threading.Lock()

    def _path(self, kind: str, id_: str) -> Path:
        return self.root / kind / f"{check_id(id_, 'answer' if kind == 'a' else 'conversation')}.json"

    def _read(self, kind: str, id_: str, owner: str | None) -> dict[str, Any]:
        what = "answer" if kind == "a" else "conversation"
        try:
            rec = json.loads(self._path(kind, id_).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rec = None
        if not isinstance(rec, dict) or rec.get("owner") != owner:
            raise NotFoundError(phrases.NOT_FOUND.format(kind=what))
        return rec

    def _write(self, kind: str, rec: dict[str, Any]) -> None:
        path = self._path(kind, rec["id"])
        data = json.dumps(rec, ensure_ascii=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        tmp.write_text(data, encoding="utf-8")
        tmp.replace(path)

    def save_answer(self, conv: dict[str, Any], turn: dict[str, Any], owner: str | None) -> tuple[str, str]:
        """Keep an answer as the next turn of conv (a new conversation when conv has no id yet, continuing any
        turns it was opened with); returns (conversation id, answer id)."""
        if len(conv["turns"]) >= self.max_turns:
            raise InvalidInputError(phrases.CONVERSATION_FULL.format(n=self.max_turns))
        answer_id = new_id()
        record = {**turn, "id": answer_id, "owner": owner, "time": _now()}
        size = len(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        if size > self.max_answer_bytes:  # the composer bounds answers; this is the backstop
            raise InvalidInputError(f"The answer is {size:,} bytes, over the {self.max_answer_bytes:,} bytes a saved "
                                    "answer may hold; ask a narrower question")
        with self._lock:
            if conv.get("id"):
                crec = self._read("c", conv["id"], owner)
            else:
                self._prune()
                crec = {"id": new_id(), "owner": owner, "created": _now(),
                        "answers": [t["id"] for t in conv["turns"] if t.get("id")],
                        "title": " ".join(turn["question"].split())[:200]}
            record["conversation"] = crec["id"]
            self._write("a", record)
            crec["answers"] = crec["answers"] + [answer_id]
            crec["updated"] = record["time"]
            self._write("c", crec)
        return crec["id"], answer_id

    def conversation(self, conv_id: str, owner: str | None) -> dict[str, Any]:
        """A conversation with its turns; NotFoundError when absent or another login's."""
        crec = self._read("c", conv_id, owner)
        turns = []
        for aid in crec.get("answers", []):
            try:
                turns.append(self._read("a", aid, owner))
            except NotFoundError:
                continue  # pruned with the conversation it was first given in
        return {"id": crec["id"], "title": crec.get("title", ""), "updated": crec.get("updated", ""), "turns": turns}

    def answer(self, answer_id: str, owner: str | None) -> dict[str, Any]:
        """One answer as it was given; NotFoundError when absent or another login's."""
        return self._read("a", answer_id, owner)

    def listing(self, conv_ids: list[str], owner: str | None) -> list[tuple[str, str]]:
        """(label, id) for the conversations that still exist, in the order given."""
        out = []
        for cid in conv_ids:
            try:
                crec = self._read("c", cid, owner)
            except (NotFoundError, InvalidInputError):
                continue
            when = str(crec.get("updated", ""))[:10]
            out.append((f"{crec.get('title') or phrases.UNTITLED} ({when})", cid))
        return out

    def delete(self, conv_id: str, owner: str | None) -> None:
        """Delete a conversation and the answers first given in it."""
        with self._lock:
            crec = self._read("c", conv_id, owner)
            self._delete(crec)

    def _delete(self, crec: dict[str, Any]) -> None:
        for aid in crec.get("answers", []):
            path = self.root / "a" / f"{aid}.json"
            try:
                if json.loads(path.read_text(encoding="utf-8")).get("conversation") == crec["id"]:
                    path.unlink()
            except (OSError, ValueError, AttributeError):
                continue
        (self.root / "c" / f"{crec['id']}.json").unlink(missing_ok=True)

    def _prune(self) -> None:
        folder = self.root / "c"
        try:
            entries = [(e.stat().st_mtime, e.path) for e in os.scandir(folder) if e.name.endswith(".json")]
        except OSError:
            return
        if len(entries) < self.max_conversations:
            return
        for _mtime, path in sorted(entries)[:len(entries) - self.max_conversations + 1]:
            try:
                crec = json.loads(Path(path).read_text(encoding="utf-8"))
                self._delete(crec)
            except (OSError, ValueError, KeyError, AttributeError):
                Path(path).unlink(missing_ok=True)
