"""Keeping a serving instance in step with the index without re-reading the whole registry on every check.

Real Chroma; the fake embedder. A second Assistant on the same index stands in for another process or app instance.
"""

from __future__ import annotations

import shutil
import threading
import time

from assistant.facade import Assistant
from conftest import FakeEmbedder


class CountingDocuments:
    """Wraps a real Store.documents() and counts the calls (optionally running a hook before the read)."""

    def __init__(self, store, before=None):
        self.real = store.documents
        self.before = before
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.before is not None:
            hook, self.before = self.before, None
            snapshot = self.real()  # read first: this is the "old" view the hook then makes stale
            hook()
            return snapshot
        return self.real()


def _visible(a, source_id: str) -> bool:
    return any(h.chunk.source_id == source_id for h in a.retriever.search("mining text startups", k=20))


def _wait_for(cond, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_generation_changes_on_registry_writes_only(fake_assistant, corpus_copy):
    a = fake_assistant
    a.ingest([corpus_copy])
    g1 = a.store.generation()
    assert g1
    a.store.documents(), a.sources(), a.ask("What did the MPA demand?")
    a.ingest([corpus_copy])  # unchanged: nothing committed
    assert a.store.generation() == g1
    f = corpus_copy / "dsm-mini.md"
    f.write_text(f.read_text() + "\nStartups rely on Article 4 for commercial text and data mining.\n")
    a.ingest([corpus_copy])
    g2 = a.store.generation()
    assert g2 != g1
    a.remove("seedance-note")
    assert a.store.generation() not in (g1, g2)


def test_unchanged_generation_means_no_registry_read(fake_assistant, corpus_copy):
    fake_assistant.ingest([corpus_copy])
    other = Assistant(fake_assistant.settings, embedder=FakeEmbedder())
    other.retriever.lexical.refresh()
    spy = CountingDocuments(other.store)
    other.store.documents = spy
    for _ in range(5):
        other.retriever.lexical.refresh(max_age=0)
        other.retriever.search("Seedance safeguards")
    assert spy.calls == 0


def test_another_instances_write_is_picked_up_in_the_background(fake_assistant, corpus_copy):
    fake_assistant.ingest([corpus_copy])
    other = Assistant(fake_assistant.settings, embedder=FakeEmbedder())
    other.retriever.lexical.refresh()
    assert not _visible(other, "startup-note")
    (corpus_copy / "startup-note.md").write_text(
        "---\nid: startup-note\ntitle: Startup note\n---\n# Startup note\n\nStartups rely on text and data mining "
        "exceptions for commercial training.\n")
    fake_assistant.ingest([corpus_copy])
    release = threading.Event()
    spy = CountingDocuments(other.store, before=lambda: release.wait(30))
    other.store.documents = spy
    t0 = time.monotonic()
    other.retriever.lexical.refresh(max_age=0)  # notices the new generation; the registry read blocks on `release`
    assert time.monotonic() - t0 < 5.0
    assert other.retriever.lexical.refreshing
    assert not _visible(other, "startup-note")  # searches go on with the previous view meanwhile
    release.set()
    assert _wait_for(lambda: not other.retriever.lexical.refreshing)
    other.store.documents = spy.real
    other.retriever.lexical.refresh(max_age=0, wait=True)  # that read began before the write landed? read again
    assert _visible(other, "startup-note")
    # removal is picked up the same way, and `wait=True` does it before returning
    fake_assistant.remove("startup-note")
    other.retriever.lexical.refresh(max_age=0, wait=True)
    assert not _visible(other, "startup-note")


def test_hits_rewritten_by_another_instance_are_replaced_not_dropped(fake_assistant, corpus_copy):
    """Until the next refresh, an instance holds the old version's view; chunks another instance re-wrote are
    skipped, and the next candidates fill their place, so a search still returns k hits."""
    fake_assistant.ingest([corpus_copy])
    other = Assistant(fake_assistant.settings, embedder=FakeEmbedder())
    other.retriever.lexical.refresh()
    for name in ("dsm-mini.md", "bartz-mini.md"):
        f = corpus_copy / name
        f.write_text(f.read_text() + "\nA closing line added later.\n")
    fake_assistant.ingest([corpus_copy])
    lex = other.retriever.lexical
    untouched = [cid for sid in lex.docs if sid not in ("dsm-mini", "bartz-mini") for cid, _sec in lex.sections(sid)]
    k = min(6, len(untouched))
    assert k >= 3
    # the query is about the two re-written documents, so their (now stale) chunks rank first
    hits = other.retriever.search("text and data mining books settlement Bartz DSM", k=k)  # no refresh within 5 s
    assert len(hits) == k
    assert {h.chunk.id for h in hits} <= set(untouched)


def test_a_local_write_during_a_background_read_is_not_undone(fake_assistant, corpus_copy, tmp_path):
    """The registry read in the background started before this process ingested a file; its older view must not
    remove the new document from the BM25 side or the registry cache."""
    a = fake_assistant
    a.ingest([corpus_copy])
    # another instance changes something, so this one's next check starts a background read
    Assistant(a.settings, embedder=FakeEmbedder()).remove("getty-article")
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(corpus_copy / "dsm-mini.md", extra / "dsm-copy.md")
    (extra / "dsm-copy.md").write_text((extra / "dsm-copy.md").read_text().replace("id: dsm-mini", "id: dsm-copy")
                                       + "\nStartups rely on mining text for commercial training.\n")
    spy = CountingDocuments(a.store, before=lambda: a.ingest([extra]))
    a.store.documents = spy
    a.retriever.lexical.refresh(max_age=0)
    assert _wait_for(lambda: spy.calls > 0 and not a.retriever.lexical.refreshing)  # the background read ran
    assert _visible(a, "dsm-copy")
    a.retriever.lexical.refresh(max_age=0, wait=True)  # the next check reads again and converges
    assert _visible(a, "dsm-copy") and "getty-article" not in a.retriever.docs
