"""Ingest, re-ingest, modify, remove and mismatch against real Chroma, with the fake embedder."""

import threading

import pytest

from assistant.facade import Assistant
from assistant.errors import IndexLockedError, IndexMismatchError
from assistant.indexing import index_lock
from assistant.settings import Settings
from conftest import FakeEmbedder


def _chunk_ids(a):
    return sorted(i for i, _t, _m in a.store.iter_chunks())


def test_ingest_then_reingest_changes_nothing(fake_assistant, corpus_copy):
    r1 = fake_assistant.ingest([corpus_copy])
    assert sorted(r1.added) == ["bartz-mini", "dsm-mini", "getty-article", "japan-30-4", "seedance-note"]
    assert not r1.failed
    ids = _chunk_ids(fake_assistant)
    calls = fake_assistant.embedder.texts_embedded
    r2 = fake_assistant.ingest([corpus_copy])
    assert len(r2.unchanged) == 5 and not r2.added and not r2.updated
    assert fake_assistant.embedder.texts_embedded == calls  # nothing re-embedded
    assert _chunk_ids(fake_assistant) == ids


def test_modified_file_replaces_its_chunks_without_leftovers(fake_assistant, corpus_copy):
    fake_assistant.ingest([corpus_copy])
    f = corpus_copy / "bartz-mini.md"
    f.write_text(f.read_text().replace("roughly 482,460 books", "roughly 500,000 books"))
    r = fake_assistant.ingest([corpus_copy])
    assert r.updated == ["bartz-mini"] and len(r.unchanged) == 4
    texts = [t for _i, t, m in fake_assistant.store.iter_chunks() if m["source_id"] == "bartz-mini"]
    assert any("500,000" in t for t in texts) and not any("482,460" in t for t in texts)
    assert len(texts) == fake_assistant.store.document("bartz-mini")["n_chunks"]
    # a fresh index built from the modified files has exactly the same chunks
    fresh = Assistant(Settings(index_dir=corpus_copy.parent / "fresh"), embedder=FakeEmbedder())
    fresh.ingest([corpus_copy])
    assert _chunk_ids(fresh) == _chunk_ids(fake_assistant)


def test_remove_deletes_chunks_and_bm25_entries(fake_assistant, corpus_copy):
    fake_assistant.ingest([corpus_copy])
    n = fake_assistant.remove("dsm-mini")
    assert n >= 1
    assert all(m["source_id"] != "dsm-mini" for _i, _t, m in fake_assistant.store.iter_chunks())
    lex = fake_assistant.retriever.lexical
    assert not lex.sections("dsm-mini") and not any(c.startswith("dsm-mini#") for c in lex.ready)
    hits = fake_assistant.retriever.search("text and data mining opt out machine-readable", k=5)
    assert all(h.chunk.source_id != "dsm-mini" for h in hits)


def test_bad_file_is_reported_and_rest_indexed(fake_assistant, corpus_copy):
    (corpus_copy / "broken.md").write_text("---\ntitle: [oops\n---\nbody\n")
    (corpus_copy / "garbage.pdf").write_bytes(b"not a pdf at all")
    r = fake_assistant.ingest([corpus_copy])
    assert len(r.added) == 5
    failed = dict(r.failed)
    assert any("broken.md" in p and "malformed YAML" in e for p, e in failed.items())
    assert any("garbage.pdf" in p and "not a PDF" in e for p, e in failed.items())


def test_duplicate_ids_in_one_batch_are_refused(fake_assistant, corpus_copy):
    (corpus_copy / "copy.md").write_text((corpus_copy / "bartz-mini.md").read_text())
    r = fake_assistant.ingest([corpus_copy])
    assert any("already used by" in e and "bartz-mini" in e for _p, e in r.failed)


def test_index_built_with_another_embedder_is_refused(settings, corpus_copy):
    Assistant(settings, embedder=FakeEmbedder()).ingest([corpus_copy])

    class Other(FakeEmbedder):
        model_id = "other/model"

    with pytest.raises(IndexMismatchError, match="assistant ingest --rebuild"):
        Assistant(settings, embedder=Other()).sources()
    r = Assistant(settings, embedder=Other()).ingest([corpus_copy], rebuild=True)
    assert len(r.added) == 5


def test_interrupted_write_is_invisible_and_redone(fake_assistant, corpus_copy, monkeypatch):
    fake_assistant.ingest([corpus_copy])
    f = corpus_copy / "seedance-note.txt"
    f.write_text(f.read_text() + "\nByteDance paused the global rollout in March 2026.\n")
    store = fake_assistant.store

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "commit_documents", crash)
    with pytest.raises(KeyboardInterrupt):
        fake_assistant.ingest([corpus_copy])
    monkeypatch.undo()
    # the half-written version is not served: a new assistant sees only the old, ready chunks
    other = Assistant(fake_assistant.settings, embedder=FakeEmbedder())
    hits = other.retriever.search("ByteDance paused the global rollout", k=10)
    assert all("paused" not in h.chunk.text for h in hits)
    r = fake_assistant.ingest([corpus_copy])
    assert r.updated == ["seedance-note"]
    texts = [t for _i, t, m in store.iter_chunks() if m["source_id"] == "seedance-note"]
    assert len(texts) == store.document("seedance-note")["n_chunks"] and any("paused" in t for t in texts)


def test_second_ingest_waits_for_the_lock(tmp_path):
    got = []
    with index_lock(tmp_path):
        t = threading.Thread(target=lambda: got.append(_try_lock(tmp_path)))
        t.start()
        t.join()
    assert got == ["locked"]


def _try_lock(path):
    try:
        with index_lock(path, wait=0.3):
            return "acquired"
    except IndexLockedError as e:
        assert "Another ingest" in str(e)
        return "locked"


def test_bm25_side_is_saved_and_kept_in_step_across_processes(fake_assistant, corpus_copy):
    """A second assistant (another process, say) loads the saved BM25 side and catches up on changes."""
    fake_assistant.ingest([corpus_copy])
    assert (fake_assistant.settings.index_dir / "bm25" / "meta.json").exists()
    other = Assistant(fake_assistant.settings, embedder=FakeEmbedder())
    other.retriever.lexical.refresh(force=True)
    ready = sorted(i for i, _t, m in other.store.iter_chunks())
    assert sorted(other.retriever.lexical.ready) == ready
    # the first assistant changes one document; the other catches up incrementally on its next refresh
    f = corpus_copy / "dsm-mini.md"
    f.write_text(f.read_text() + "\nArticle 4 also covers commercial text and data mining by startups.\n")
    fake_assistant.ingest([corpus_copy])
    fake_assistant.remove("seedance-note")
    other.retriever.lexical.refresh(force=True)
    lex = other.retriever.lexical
    assert sorted(lex.ready) == sorted(i for i, _t, _m in other.store.iter_chunks())
    assert not lex.sections("seedance-note")
    top = lex.search("startups commercial mining", 1)[0][0]
    assert top.startswith("dsm-mini#")


def test_progress_is_counted_in_chunks_embedded(fake_assistant, corpus_copy):
    seen = []
    report = fake_assistant.ingest([str(corpus_copy)], progress=lambda done, total, name: seen.append((done, total)))
    done = [d for d, _t in seen]
    assert done == sorted(done) and all(d <= t for d, t in seen)
    assert seen[-1] == (report.chunks, report.chunks)
    # one long document: the figure moves while it is embedded, not only when it is done
    long_doc = corpus_copy / "long.md"
    long_doc.write_text("# Long\n\n" + "\n\n".join(f"## Part {i}\n\n" + f"Sentence {i} about fair use. " * 40
                                                   for i in range(300)))
    seen.clear()
    report = fake_assistant.ingest([str(long_doc)], progress=lambda done, total, name: seen.append((done, total)))
    assert report.chunks >= 300 and len({d for d, _t in seen}) >= 3
    assert all(t == report.chunks for _d, t in seen[1:])  # one file: the total is known once it is read
