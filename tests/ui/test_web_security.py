"""Regression tests for the web-UI items of issue 13, against the running app (fake embedder, real Chroma, auth
on), driven the way a hostile logged-in client would: forged feedback (7), the upload cache (8), server paths and
hosts in what the browser receives (11), malformed state sent to the page-load event (12), login throttling (14),
and replacing a document through the UI (1)."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from assistant.settings import Settings
from assistant.ui import phrases, server, uploads
from conftest import CORPUS, FakeEmbedder
from gradio_events import Session, logs, output

USER, PASSWORD = "reader", "ui-web-security-pw"
pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The app with auth, a short upload cache, a quick login lockout, and an LLM at an address nobody serves."""
    from assistant.facade import Assistant

    index = tmp_path_factory.mktemp("web") / "index"
    assert not Assistant(Settings(index_dir=index), embedder=FakeEmbedder()).ingest([str(CORPUS)]).failed
    llm_port = _free_port()  # nothing listens here: every LLM call fails with "connection refused"
    settings = Settings(index_dir=index, port=_free_port(), auth=f"{USER}:{PASSWORD}", upload_cache_seconds=2,
                        login_attempts=3, login_lockout=1.0, llm="openai:test-model",
                        llm_base_url=f"http://127.0.0.1:{llm_port}/v1", llm_timeout=5)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server, "Assistant", lambda s: Assistant(s, embedder=FakeEmbedder()))
        demo = server.serve(settings, prevent_thread_lock=True, quiet=True)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{settings.port}", index=index, llm_port=llm_port, demo=demo)
    finally:
        demo.close()


@pytest.fixture
def session(web):
    s = Session(web.url, auth=(USER, PASSWORD))
    yield s
    s.close()


def _ask(session: Session, question: str, browser=None):
    msgs = session.call(session.fn("submit", "aic-input"), [question, None, browser, [], [], "", ""])
    return msgs, output(msgs)


# -- item 7: feedback refers to an answer the server gave ------------------------------------------------------
def test_forged_feedback_is_never_written(web, session):
    fb = web.index / "feedback.jsonl"
    like = session.fn("like", "aic-chat")
    forged = {"turns": [{"question": "forged question", "answer": "F" * 2_000_000, "refused": False,
                         "citations": [{"n": 1, "source_id": "bartz-mini", "quote": "forged", "verified": True}]}],
              "selected": 0}
    # the old page sent the whole conversation with the rating; now the conversation is server-side state
    msgs = session.call(like, [forged], event_data={"index": 1, "value": "x", "liked": True})
    assert msgs[-1].get("success") and not (fb.exists() and fb.read_text().strip())

    _msgs, out = _ask(session, "How much did Anthropic agree to pay?")
    session.call(like, [forged], event_data={"index": 1, "value": "x", "liked": True})
    lines = [json.loads(x) for x in fb.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["question"] == "How much did Anthropic agree to pay?"
    assert "forged" not in fb.read_text() and fb.stat().st_size < 20_000
    stored = json.loads((web.index / "conversations" / "a" / f"{lines[0]['answer_id']}.json").read_text())
    assert stored["answer"] == lines[0]["answer"] and stored["citations"] == lines[0]["citations"]
    # a rating of a message that is no answer, or with a made-up rating, writes nothing
    for event_data in ({"index": 7, "value": "x", "liked": True}, {"index": 1, "value": "x", "liked": "huge" * 9}):
        session.call(like, [None], event_data=event_data)
    assert len(fb.read_text().splitlines()) == 1


# -- item 8: the upload component and Gradio's cache -------------------------------------------------------------
def _upload_component(session: Session) -> dict:
    return next(c for c in session.config["components"] if (c.get("props") or {}).get("elem_id") == "aic-upload")


def test_the_upload_accepts_only_supported_types_and_keeps_nothing(web, session):
    assert _upload_component(session)["props"]["file_types"] == uploads.FILE_TYPES
    check = session.fn("click", "aic-check")
    exe = session.upload("tool.exe", b"MZ\x90\x00 not a document")
    msgs = session.call(check, [[exe]])
    assert not msgs[-1].get("success") and "Invalid file type" in json.dumps(msgs[-1])
    good = session.upload("note.md", b"# A note\n\nThe Zorblatt Tribunal met on 3 March 2026.\n")
    bad = session.upload("x.md", bytes(range(256)) * 8)
    out = output(session.call(check, [[good, bad]]))
    assert "x.md looks like binary data" in out[1] and out[2] is None
    for f in (good, bad):  # handled: Gradio's temporary copies are deleted at once, accepted or not
        assert not Path(f["path"]).exists(), f["path"]
    # what nobody handles (the refused .exe, a file posted straight to the upload route) expires from the cache
    stray = session.upload("stray.md", b"# never submitted\n\ntext\n")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (Path(exe["path"]).exists() or Path(stray["path"]).exists()):
        time.sleep(0.5)
    assert not Path(exe["path"]).exists() and not Path(stray["path"]).exists()


# -- item 11: no server paths, no hosts ------------------------------------------------------------------------
def test_the_browser_gets_no_server_paths_and_no_llm_host(web, session):
    msgs, out = _ask(session, "How much did Anthropic agree to pay?")
    check = session.fn("click", "aic-check")
    msgs += session.call(check, [[session.upload("note.md", b"# A note\n\nThe tribunal met on 3 March 2026.\n")]])
    msgs += session.call(session.fn("load"), [None])
    sent = json.dumps(msgs)
    assert "could not be used" in sent and "connection refused" in sent  # the LLM notice is there...
    assert f":{web.llm_port}" not in sent and "127.0.0.1" not in sent  # ...without the address behind it
    assert str(web.index) not in sent and str(web.index.resolve()) not in sent and str(CORPUS) not in sent
    assert not re.search(r"/(?:tmp|home|root|srv|work)/", sent), re.search(r".{60}/(?:tmp|home|root|srv|work)/.{60}",
                                                                        sent)


# -- item 12: malformed state sent to the page-load event ------------------------------------------------------
@pytest.mark.parametrize("state", [
    {"turns": [{"question": "q", "answer": "a", "citations": 5}], "selected": 0},
    {"turns": [{"question": "q", "answer": "a", "citations": [{"n": 1}]}], "selected": "x"},
    {"v": 2, "ids": [{"$gt": ""}], "current": None}, {"v": 2, "ids": ["../../etc/passwd"], "current": None},
    {"v": 2, "ids": [], "current": ["x"]}, "x" * 200_000, [1, [2, [3]]], 12, True,
], ids=["old-format", "old-format-2", "object-id", "path-id", "list-current", "huge-string", "nested", "int",
        "bool"])
def test_malformed_state_on_page_load_gets_one_clear_message(session, state):
    msgs = session.call(session.fn("load"), [state])
    out = output(msgs)
    assert logs(msgs) == [phrases.STATE_RESET]
    assert out[1] == {"v": 2, "ids": [], "current": None} and out[2] == []
    assert not re.search(r"Traceback|Error\b|Exception|line \d+", json.dumps(msgs))


def test_a_question_with_a_malformed_conversation_list_is_still_answered(session):
    msgs, out = _ask(session, "How much did Anthropic agree to pay?", browser=["not", {"a": "list"}])
    assert "#cite-0-1" in json.dumps(out[1]) and out[3]["v"] == 2 and len(out[3]["ids"]) == 1


def test_a_malformed_or_unknown_link_gets_one_clear_message(session):
    load = session.fn("load")
    assert logs(session.call(load, [None])) == []  # control: a plain page load says nothing
    for query, needle in (({"c": "../../etc"}, "malformed"), ({"a": "x" * 22}, "not available"),
                          ({"c": "y" * 22}, "not available"), ({"a": "{'$ne': 1}"}, "malformed")):
        found = logs(session.call(load, [None], query=query))
        assert len(found) == 1 and needle in found[0], (query, found)


def test_behind_auth_a_link_opens_only_for_its_login(web, session):
    _msgs, out = _ask(session, "What does Article 4 of the DSM Directive allow?")
    conv_id = out[3]["current"]
    again = Session(web.url, auth=(USER, PASSWORD))  # another browser of the same login, e.g. after a restart
    try:
        opened = output(again.call(again.fn("load"), [None], query={"c": conv_id}))
        assert "Article 4" in json.dumps(opened[2]) and opened[1]["ids"] == [conv_id]
    finally:
        again.close()
    with httpx.Client(base_url=web.url, timeout=30) as anonymous:
        assert anonymous.get("/config").status_code == 401
        r = anonymous.post("/gradio_api/queue/join", params={"c": conv_id},
                           json={"data": [None], "fn_index": session.fn("load"), "session_hash": "x" * 12})
        assert r.status_code == 401


# -- item 1 (UI part): replacing a document needs an explicit action, and names who did it ----------------------
def test_replacing_through_the_ui_is_explicit_and_names_who(web, tmp_path):
    from assistant.facade import Assistant
    from assistant.ui.blocks import ChatApp

    forged = tmp_path / "bartz.md"
    forged.write_text("---\nid: bartz-mini\ntitle: Bartz v. Anthropic\ntype: case\n---\n# Bartz\n\n"
                      "Anthropic paid nothing at all to the authors.\n")
    request = SimpleNamespace(username=USER, query_params={})
    quiet = lambda *a, **k: None  # noqa: E731 - stands in for gr.Progress outside a request
    a = Assistant(Settings(index_dir=web.index, auth=f"{USER}:{PASSWORD}"), embedder=FakeEmbedder())
    app = ChatApp(a)  # on the same index the running app serves
    corpus_text = a.source("bartz-mini").text

    def add(replace: bool, sid: str = "") -> str:
        staged = tmp_path / "gradio-copy" / "bartz.md"
        staged.parent.mkdir(exist_ok=True)
        staged.write_bytes(forged.read_bytes())
        proposals, _note, _files = app.check_files([str(staged)])
        p = proposals[0]
        values = [sid or p["source_id"], p["title"], p["doc_type"], p["jurisdiction"], p["date"], replace]
        return app.add_documents(request, quiet, proposals, *values)[0]

    first = add(replace=False)
    assert ">added</span> as <code>upload/bartz-mini</code>" in first and "by reader" in first
    assert a.source("bartz-mini").text == corpus_text  # the shipped document is untouched
    assert a.source("upload/bartz-mini").provenance["actor"] == USER and a.source("upload/bartz-mini").origin == "upload"
    forged.write_text(forged.read_text().replace("nothing at all", "one dollar"))
    second = add(replace=False)
    assert ">rejected</span>" in second and "already exists" in second and "tick" in second
    assert "nothing at all" in a.source("upload/bartz-mini").text
    third = add(replace=True)
    assert ">replaced</span> <code>upload/bartz-mini</code>" in third and "by reader" in third
    assert "one dollar" in a.source("upload/bartz-mini").text and a.source("upload/bartz-mini").provenance["actor"] == USER
    assert a.source("bartz-mini").text == corpus_text and a.source("bartz-mini").origin != "upload"
    # typing a corpus id as the upload's id still lands in the upload namespace
    assert "upload/bartz-mini" in add(replace=True, sid="bartz-mini")


# -- item 14: login attempts are throttled per client ----------------------------------------------------------
def test_login_attempts_are_throttled(web):
    with httpx.Client(base_url=web.url, timeout=30) as c:
        statuses = [c.post("/login", data={"username": USER, "password": f"wrong{i}"}).status_code for i in range(3)]
        assert statuses == [400, 400, 400]
        r = c.post("/login", data={"username": USER, "password": PASSWORD})  # locked: even the right password
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "try again in" in r.json()["detail"]
        burst = [c.post("/login", data={"username": USER, "password": "x"}).status_code for _ in range(50)]
        assert set(burst) == {429}  # a burst gets nowhere
        time.sleep(1.2)
        assert c.post("/login", data={"username": USER, "password": "wrong"}).status_code == 400
        r = c.post("/login", data={"username": USER, "password": PASSWORD})
        assert r.status_code == 429  # the lockout doubled after that failure
        time.sleep(float(r.headers["retry-after"]) + 0.2)
        assert c.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert c.post("/login", data={"username": USER, "password": "wrong"}).status_code == 400  # cleared again
