"""Web start-up: gradio's import-time stub regeneration is skipped; an existing index opens after the page is
served (and a stale one still stops the server with the one-line error); the first answer needs no model load."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from assistant.settings import Settings
from conftest import CORPUS, ROOT, FakeEmbedder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gradio_imports_without_regenerating_its_stubs_and_still_builds_components():
    script = textwrap.dedent("""
        from assistant.gradio_startup import skip_stub_regeneration
        assert skip_stub_regeneration()
        import gradio as gr
        import gradio.component_meta as cm
        print(cm.create_or_modify_pyi.__name__)
        with gr.Blocks() as demo:
            box = gr.Textbox(label="Question")
            btn = gr.Button("Ask")
            btn.click(lambda q: q, box, box)
        print(type(box).__name__, hasattr(box, "change"), skip_stub_regeneration())
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["_no_stub", "Textbox", "True", "False"]  # False: gradio is imported already


def test_an_existing_index_opens_after_the_page_is_served(monkeypatch, tmp_path):
    from assistant.ui import server as ui
    from assistant.facade import Assistant

    index = tmp_path / "index"
    Assistant(Settings(index_dir=index), embedder=FakeEmbedder()).ingest([str(CORPUS / "bartz-mini.md")])
    made: list[Assistant] = []
    at_launch: list[bool] = []

    def make(s):
        made.append(Assistant(s, embedder=FakeEmbedder()))
        return made[-1]

    monkeypatch.setattr(ui, "Assistant", make)
    monkeypatch.setattr(ui.gr.Blocks, "launch", lambda self, **kw: at_launch.append(made[0]._retriever is None))
    ui.serve(Settings(index_dir=index))
    assert at_launch == [True]  # nothing of the index was opened before the page was served
    warm = next(t for t in threading.enumerate() if t.name == "warm-up")
    warm.join(timeout=60)
    assert made[0]._retriever is not None and "bartz-mini" in made[0].retriever.docs


def test_a_missing_index_is_built_before_the_page_is_served(monkeypatch, tmp_path):
    from assistant.ui import server as ui
    from assistant.facade import Assistant

    src = tmp_path / "sources"
    shutil.copytree(CORPUS, src)
    counts: list[int] = []
    made: list[Assistant] = []

    def make(s):
        made.append(Assistant(s, embedder=FakeEmbedder()))
        return made[-1]

    monkeypatch.setattr(ui, "Assistant", make)
    monkeypatch.setattr(ui, "_warm_up", lambda a: None)
    monkeypatch.setattr(ui.gr.Blocks, "launch", lambda self, **kw: counts.append(len(made[0].sources())))
    ui.serve(Settings(index_dir=tmp_path / "index", sources_dir=src))
    assert counts == [5]


@pytest.mark.slow
def test_app_with_a_stale_index_stops_with_the_rebuild_command(tmp_path):
    """The page is served before the index is opened; a stale index still ends `python app.py` with exit 1 and
    the one-line error that names the rebuild command (as before the change)."""
    from assistant.facade import Assistant

    index = tmp_path / "index"
    Assistant(Settings(index_dir=index), embedder=FakeEmbedder()).ingest([str(CORPUS / "bartz-mini.md")])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": str(_free_port()),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    r = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, (r.stdout[-1000:], r.stderr[-2000:])
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "was built differently" in errors[0]
    assert "assistant ingest --rebuild sources/" in errors[0]
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_the_first_answer_needs_no_model_load(real_index, tmp_path, monkeypatch):
    """When the warm-up is done, the index is open and the query-path session is loaded: a first question only
    runs them (no new session is created)."""
    from assistant.ui import server as ui
    from assistant.facade import Assistant

    index = tmp_path / "index"
    shutil.copytree(real_index, index)
    made: list[Assistant] = []
    monkeypatch.setattr(ui, "Assistant", lambda s: made.append(Assistant(s)) or made[-1])
    demo = ui.serve(Settings(index_dir=index, port=_free_port()), prevent_thread_lock=True, quiet=True)
    try:
        next(t for t in threading.enumerate() if t.name == "warm-up").join(timeout=120)
        a = made[0]
        assert a._retriever is not None and a.retriever.docs
        sessions = dict(a.embedder._sessions)
        assert 1 in sessions  # the single-thread query session (an ingest earlier in this process adds another)
        assert not a.ask("What did Getty Images claim against Stability AI?").refused
        assert a.embedder._sessions == sessions
    finally:
        demo.close()


def test_the_index_opened_from_two_threads_at_once_is_opened_once(tmp_path):
    """The warm-up thread and a first request may open the index together: one Chroma client, both see it.
    (Two clients created at once in one process broke each other: 'RustBindingsAPI' has no 'bindings'.)"""
    from assistant.facade import Assistant

    index = tmp_path / "index"
    Assistant(Settings(index_dir=index), embedder=FakeEmbedder()).ingest([str(CORPUS)])
    for _ in range(3):
        a = Assistant(Settings(index_dir=index), embedder=FakeEmbedder())
        start = threading.Barrier(4)
        seen: list = []
        errors: list[BaseException] = []

        def open_it():
            try:
                start.wait()
                seen.append((id(a.store), id(a.store.client()), len(a.sources())))
            except BaseException as e:  # noqa: BLE001 - the test reports any failure in a thread
                errors.append(e)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert len(set(seen)) == 1 and seen[0][2] == 5


def test_chromadb_loads_without_override_checks_which_are_then_put_back():
    """In a fresh process: opening the index imports chromadb with the `overrides` checks skipped (its methods
    still carry the __override__ marker), then the real decorators are back for anything imported later."""
    script = textwrap.dedent("""
        import sys, tempfile, overrides
        real = overrides.override, overrides.overrides
        from assistant.settings import Settings
        from assistant.store import Store
        s = Store(Settings(index_dir=tempfile.mkdtemp()), "fake/model", 8)
        assert s.collections(create=True)[0] is not None and s.chunk_count() == 0
        assert (overrides.override, overrides.overrides) == real
        from chromadb.api.rust import RustBindingsAPI
        print(getattr(RustBindingsAPI.heartbeat, "__override__", False))
        class Base:
            def f(self, x): ...
        try:
            class Child(Base):
                @overrides.override
                def f(self): ...  # a wrong signature: the real decorator refuses it
            print("not checked")
        except TypeError:
            print("checked")
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["True", "checked"]
