"""Store on real Chroma in a tmp dir: the four-step write, what readers see as ready, removal, sweep, the reads,
the generation token, the index stamp, and which failures become an IndexAccessError."""

from __future__ import annotations

import sqlite3

import chromadb.errors
import numpy as np
import pytest

from assistant.chunking import chunk_id
from assistant.errors import IndexAccessError, IndexMismatchError, NotFoundError
from assistant.store import REBUILD_HINT, Store, date_int, registry_signature
from assistant.types import Chunk, SourceDoc
from conftest import FakeEmbedder

EMB = FakeEmbedder()


@pytest.fixture
def store(settings) -> Store:
    return Store(settings, FakeEmbedder.model_id, FakeEmbedder.dim)


def make_doc(sid: str, sentences: list[str], version: str = "v1", **kw) -> SourceDoc:
    kw.setdefault("date", "2025-06-23")
    return SourceDoc(source_id=sid, title=f"Title of {sid}", text=". ".join(sentences) + ".", path=f"sources/{sid}.md",
                     content_hash=f"{sid}-{version}", **kw)


def make_chunks(doc: SourceDoc) -> list[Chunk]:
    """One chunk per sentence, with the chunker's deterministic ids (source id, position, text, version)."""
    out, start = [], 0
    for pos, sentence in enumerate(doc.text.split(". ")):
        piece = sentence if sentence.endswith(".") else sentence + "."
        start = doc.text.index(piece, start)
        out.append(Chunk(id=chunk_id(doc.source_id, pos, piece, doc.content_hash), source_id=doc.source_id, text=piece, start=start,
                         end=start + len(piece), title=doc.title, section=f"Part {pos}", position=pos))
        start += len(piece)
    return out


def write(store: Store, doc: SourceDoc, commit: bool = True) -> list[Chunk]:
    """Steps 1-2 of the write protocol, and 3-4 when commit is set."""
    chunks = make_chunks(doc)
    store.mark_pending([(doc, store.documents().get(doc.source_id))])
    store.put_chunks([(doc, chunks)], EMB.embed([c.text for c in chunks]))
    if commit:
        store.commit_documents([(doc, len(chunks))])
    return chunks


def ready_ids(store: Store) -> set[str]:
    """The chunks a reader serves: those stamped with their document's ready hash (retrieval.py's rule)."""
    docs = store.documents()
    return {cid for cid, _t, m in store.iter_chunks(text=False)
            if docs.get(m["source_id"], {}).get("hash") == m["doc_hash"]}


def all_chunk_meta(store: Store) -> dict[str, dict]:
    return {cid: m for cid, _t, m in store.iter_chunks(text=False)}


BARTZ_V1 = ["Judge Alsup ruled that training was fair use", "Pirated copies were not fair use",
            "The case went to a settlement"]
BARTZ_V2 = ["Judge Alsup held that training on purchased books was fair use", "Keeping pirated copies was not",
            "Anthropic agreed to pay at least 1.5 billion dollars"]
DSM = ["Article 4 allows text and data mining", "Rightholders may reserve their rights"]


# -- an index that was never written ---------------------------------------------------------------------------
def test_reads_of_a_missing_index_are_empty_and_create_nothing(store):
    assert store.documents() == {} and store.document("bartz") is None
    assert store.generation() is None and store.chunk_count() == 0
    assert store.nearest(EMB.embed(["fair use"])[0], 5, None) == []
    assert store.vectors(["x"]) == {} and store.chunks_by_id(["x"], np.zeros(EMB.dim)) == []
    assert list(store.iter_chunks()) == [] and store.sweep() == 0 and store.remove_document("bartz") == 0
    assert not store.exists()


# -- the four-step write ---------------------------------------------------------------------------------------
def test_a_new_document_is_pending_and_unserved_until_committed(store):
    doc = make_doc("bartz", BARTZ_V1)
    chunks = make_chunks(doc)
    store.mark_pending([(doc, None)])
    rec = store.documents()["bartz"]
    assert (rec["hash"], rec["pending"], rec["n_chunks"]) == ("", "bartz-v1", 0)
    assert store.document("bartz")["text"] == ""
    store.put_chunks([(doc, chunks)], EMB.embed([c.text for c in chunks]))
    assert store.chunk_count() == 3 and ready_ids(store) == set()

    store.commit_documents([(doc, 3)])
    rec = store.document("bartz")
    assert (rec["hash"], rec["pending"], rec["n_chunks"], rec["text"]) == ("bartz-v1", "", 3, doc.text)
    assert (rec["title"], rec["path"], rec["date"], rec["date_int"]) == (
        "Title of bartz", "sources/bartz.md", "2025-06-23", 20250623)
    assert ready_ids(store) == {c.id for c in chunks}


def test_a_new_version_is_not_served_until_committed_then_the_old_chunks_go(store):
    v1 = write(store, make_doc("bartz", BARTZ_V1))
    dsm = write(store, make_doc("dsm", DSM))
    doc2 = make_doc("bartz", BARTZ_V2, version="v2")
    v2 = write(store, doc2, commit=False)
    assert not {c.id for c in v1} & {c.id for c in v2}  # every sentence changed: no shared chunk id

    rec = store.documents()["bartz"]
    assert (rec["hash"], rec["pending"]) == ("bartz-v1", "bartz-v2")
    assert store.document("bartz")["text"] == make_doc("bartz", BARTZ_V1).text
    assert ready_ids(store) == {c.id for c in v1 + dsm}
    assert store.chunk_count() == 8  # both versions are stored while the write is under way

    store.commit_documents([(doc2, len(v2))])
    assert store.document("bartz")["text"] == doc2.text and store.documents()["bartz"]["pending"] == ""
    assert ready_ids(store) == {c.id for c in v2 + dsm}
    meta = all_chunk_meta(store)
    assert set(meta) == {c.id for c in v2 + dsm}  # v1's chunks are deleted, dsm's are untouched
    assert {m["doc_hash"] for m in meta.values()} == {"bartz-v2", "dsm-v1"}


def test_the_ready_version_keeps_all_its_chunks_while_a_new_one_is_written(store):
    v1 = write(store, make_doc("bartz", BARTZ_V1))
    # an appended sentence: the first three chunks have the same text, but the new version's own ids
    write(store, make_doc("bartz", BARTZ_V1 + ["The settlement was approved"], version="v2"), commit=False)
    assert ready_ids(store) == {c.id for c in v1}


def test_several_documents_commit_in_one_batch(store):
    a, b = make_doc("bartz", BARTZ_V1), make_doc("dsm", DSM)
    ca, cb = make_chunks(a), make_chunks(b)
    store.mark_pending([(a, None), (b, None)])
    store.put_chunks([(a, ca), (b, cb)], EMB.embed([c.text for c in ca + cb]))
    store.commit_documents([(a, len(ca)), (b, len(cb))])
    assert {k: v["n_chunks"] for k, v in store.documents().items()} == {"bartz": 3, "dsm": 2}
    assert ready_ids(store) == {c.id for c in ca + cb}


def test_chunk_metadata_carries_the_document_fields_for_citing_and_filtering(store):
    doc = make_doc("bartz", BARTZ_V1, doc_type="ruling", jurisdiction="US", date="2025-06")
    chunks = write(store, doc)
    m = all_chunk_meta(store)[chunks[1].id]
    assert {k: m[k] for k in ("source_id", "title", "doc_type", "jurisdiction", "date", "date_int", "doc_hash",
                              "section", "start", "end", "page", "position")} == {
        "source_id": "bartz", "title": "Title of bartz", "doc_type": "ruling", "jurisdiction": "US",
        "date": "2025-06", "date_int": 20250601, "doc_hash": "bartz-v1", "section": "Part 1",
        "start": chunks[1].start, "end": chunks[1].end, "page": -1, "position": 1}
    assert doc.text[m["start"]:m["end"]] == chunks[1].text


# -- removal, sweep, moves ---------------------------------------------------------------------------------------
def test_remove_document_drops_its_record_and_chunks_only(store):
    write(store, make_doc("bartz", BARTZ_V1))
    dsm = write(store, make_doc("dsm", DSM))
    g = store.generation()
    assert store.remove_document("bartz") == 3
    assert store.generation() != g
    assert store.document("bartz") is None and set(store.documents()) == {"dsm"}
    assert set(all_chunk_meta(store)) == {c.id for c in dsm}
    assert store.remove_document("bartz") == 0  # already gone


def test_sweep_drops_chunks_no_document_version_owns_and_keeps_pending_ones(store):
    v1 = write(store, make_doc("bartz", BARTZ_V1))
    pending = write(store, make_doc("bartz", BARTZ_V2, version="v2"), commit=False)
    dsm = write(store, make_doc("dsm", DSM))
    # left behind by interrupted writes: chunks of a version no record names, and of a document with no record
    orphans = [make_doc("dsm", ["An abandoned version of it"], version="v0"),
               make_doc("ghost", ["A removed document", "Its second chunk"])]
    for d in orphans:
        cs = make_chunks(d)
        store.put_chunks([(d, cs)], EMB.embed([c.text for c in cs]))
    assert store.chunk_count() == 11
    g = store.generation()

    assert store.sweep() == 3
    assert set(all_chunk_meta(store)) == {c.id for c in v1 + pending + dsm}
    assert store.generation() != g  # readers look again
    g = store.generation()
    assert store.sweep() == 0 and store.generation() == g  # nothing stale: no new generation


def test_update_path_records_the_move_and_keeps_the_chunks(store):
    chunks = write(store, make_doc("bartz", BARTZ_V1))
    old = store.documents()["bartz"]
    g = store.generation()
    store.update_path("bartz", "sources/moved/bartz.md", old)
    rec = store.document("bartz")
    assert rec["path"] == "sources/moved/bartz.md"
    assert {k: v for k, v in rec.items() if k not in ("path", "text")} == {k: v for k, v in old.items() if k != "path"}
    assert ready_ids(store) == {c.id for c in chunks}
    assert store.generation() != g


# -- reads ---------------------------------------------------------------------------------------------------------
def test_nearest_ranks_by_cosine_similarity_within_the_where_filter(store):
    bartz = write(store, make_doc("bartz", BARTZ_V1, doc_type="ruling"))
    dsm = write(store, make_doc("dsm", DSM, doc_type="statute", date="2019-04-17"))
    q = EMB.embed([BARTZ_V1[1] + "."])[0]
    got = store.nearest(q, 10, None)
    assert len(got) == 5 and got[0][0] == bartz[1].id and got[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [s for _i, s in got] == sorted((s for _i, s in got), reverse=True)
    assert [i for i, _s in store.nearest(q, 2, None)] == [i for i, _s in got[:2]]

    only_dsm = store.nearest(q, 10, {"source_id": "dsm"})
    assert {i for i, _s in only_dsm} == {c.id for c in dsm}
    by_date = store.nearest(q, 10, {"date_int": {"$lt": 20200101}})
    assert {i for i, _s in by_date} == {c.id for c in dsm}
    assert store.nearest(q, 10, {"doc_type": "ruling"})[0][0] == bartz[1].id
    assert store.nearest(q, 10, {"source_id": "nothing"}) == []


def test_vectors_are_returned_as_stored(store):
    chunks = write(store, make_doc("bartz", BARTZ_V1))
    ids = [chunks[2].id, chunks[0].id, "no-such-chunk"]
    got = store.vectors(ids)
    assert set(got) == {chunks[0].id, chunks[2].id}
    for c in (chunks[0], chunks[2]):
        assert got[c.id].dtype == np.float32
        np.testing.assert_allclose(got[c.id], EMB.embed([c.text])[0], atol=1e-6)
    assert store.vectors([]) == {}


def test_chunks_by_id_gives_text_metadata_and_similarity_to_the_query(store):
    chunks = write(store, make_doc("bartz", BARTZ_V1))
    # hand-made unit query: similarity is the dot product with each stored vector
    vecs = EMB.embed([c.text for c in chunks])
    q = (vecs[0] + vecs[2]) / np.linalg.norm(vecs[0] + vecs[2])
    got = {cid: (sim, text, meta) for cid, sim, text, meta in store.chunks_by_id([c.id for c in chunks] + ["nope"], q)}
    assert set(got) == {c.id for c in chunks}
    for c, v in zip(chunks, vecs):
        sim, text, meta = got[c.id]
        assert sim == pytest.approx(float(np.dot(v, q)), abs=1e-5)
        assert text == c.text and meta["source_id"] == "bartz" and meta["position"] == c.position
    assert got[chunks[0].id][0] > got[chunks[1].id][0]
    assert store.chunks_by_id([], q) == []


def test_iter_chunks_pages_filters_and_can_leave_out_the_text(store):
    bartz = write(store, make_doc("bartz", BARTZ_V1))
    dsm = write(store, make_doc("dsm", DSM))
    rows = list(store.iter_chunks(page=2))
    assert len(rows) == 5 and {i for i, _t, _m in rows} == {c.id for c in bartz + dsm}
    assert {i: t for i, t, _m in rows} == {c.id: c.text for c in bartz + dsm}
    assert {i for i, _t, _m in store.iter_chunks(where={"source_id": "dsm"}, page=1)} == {c.id for c in dsm}
    bare = list(store.iter_chunks(text=False))
    assert len(bare) == 5 and all(t == "" and m["source_id"] for _i, t, m in bare)


def test_generation_changes_on_every_commit_and_removal_only(store, settings):
    doc = make_doc("bartz", BARTZ_V1)
    store.mark_pending([(doc, None)])
    g0 = store.generation()
    store.put_chunks([(doc, make_chunks(doc))], EMB.embed([c.text for c in make_chunks(doc)]))
    assert store.generation() == g0  # steps 1 and 2 announce nothing
    store.commit_documents([(doc, 3)])
    g1 = store.generation()
    assert g1 and g1 != g0
    store.documents(), store.nearest(EMB.embed(["fair"])[0], 3, None), store.chunk_count()
    assert store.generation() == g1  # reads leave it alone
    other = Store(settings, FakeEmbedder.model_id, FakeEmbedder.dim)  # another reader of the same index
    assert other.generation() == g1
    write(store, make_doc("bartz", BARTZ_V2, version="v2"))
    g2 = store.generation()
    write(store, make_doc("dsm", DSM))
    g3 = store.generation()
    store.remove_document("dsm")
    seen = [g0, g1, g2, g3, store.generation()]
    assert len(set(seen)) == 5
    assert other.generation() == seen[-1]  # read fresh, not from the collection object it opened


def test_chunk_count_counts_every_stored_version(store):
    write(store, make_doc("bartz", BARTZ_V1))
    assert store.chunk_count() == 3
    write(store, make_doc("bartz", BARTZ_V2, version="v2"), commit=False)
    assert store.chunk_count() == 6
    write(store, make_doc("dsm", DSM))
    assert store.chunk_count() == 8


def test_exists_and_reset(store, settings):
    assert not store.exists()
    write(store, make_doc("bartz", BARTZ_V1))
    assert store.exists()
    assert Store(settings, "another/model", 8).exists()  # a file-level question: no stamp check
    store.reset()
    assert not store.exists()
    assert store.documents() == {} and store.chunk_count() == 0 and store.generation() is None
    chunks = write(store, make_doc("dsm", DSM))  # the store is usable again after a reset
    assert ready_ids(store) == {c.id for c in chunks} and set(store.documents()) == {"dsm"}


def test_reset_lets_another_embedder_rebuild_the_index(store, settings):
    write(store, make_doc("bartz", BARTZ_V1))
    other = Store(settings, "other/model", 32)
    with pytest.raises(IndexMismatchError):
        other.documents()
    other.reset()
    doc = make_doc("dsm", DSM)
    other.mark_pending([(doc, None)])
    other.put_chunks([(doc, make_chunks(doc))], np.eye(32, dtype=np.float32)[:2])
    other.commit_documents([(doc, 2)])
    assert set(other.documents()) == {"dsm"} and other.chunk_count() == 2


# -- the index stamp -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("embedder_id, dim, named", [
    ("other/model", FakeEmbedder.dim, "embedder 'fake/hashed-words' (this version uses 'other/model')"),
    (FakeEmbedder.model_id, 32, "dim 64 (this version uses 32)"),
])
def test_an_index_built_with_another_embedder_is_refused_with_the_rebuild_command(store, settings, embedder_id,
                                                                                 dim, named):
    write(store, make_doc("bartz", BARTZ_V1))
    other = Store(settings, embedder_id, dim)
    for read in (other.documents, other.chunk_count, lambda: other.collections(create=True)):
        with pytest.raises(IndexMismatchError) as e:
            read()
        msg = str(e.value)
        assert named in msg and str(settings.index_dir) in msg and f"Rebuild it with: {REBUILD_HINT}" in msg
    # refused before touching anything: the index still opens for the embedder that built it
    again = Store(settings, FakeEmbedder.model_id, FakeEmbedder.dim)
    assert again.documents()["bartz"]["hash"] == "bartz-v1" and again.chunk_count() == 3


def test_the_stamp_records_embedder_dim_and_chunker(store):
    from assistant.chunking import CHUNKER_VERSION

    write(store, make_doc("bartz", BARTZ_V1))
    chunks_col, _docs = store.collections()
    assert {k: chunks_col.metadata[k] for k in ("embedder", "dim", "chunker")} == {
        "embedder": FakeEmbedder.model_id, "dim": FakeEmbedder.dim, "chunker": CHUNKER_VERSION}


# -- _readable: storage failures become IndexAccessError, bugs stay bugs ------------------------------------------
READS = {  # read -> (collection it uses: 0 chunks / 1 docs, the collection method that fails)
    "documents": (lambda s: s.documents(), 1, "get"),
    "document": (lambda s: s.document("bartz"), 1, "get"),
    "nearest": (lambda s: s.nearest(EMB.embed(["fair use"])[0], 3, {"source_id": "bartz"}), 0, "query"),
    "vectors": (lambda s: s.vectors(["a"]), 0, "get"),
    "chunks_by_id": (lambda s: s.chunks_by_id(["a"], np.zeros(EMB.dim)), 0, "get"),
    "chunk_count": (lambda s: s.chunk_count(), 0, "count"),
}
STORAGE_FAILURES = [OSError(28, "No space left on device"), sqlite3.OperationalError("database is locked"),
                    chromadb.errors.InternalError("compaction failed")]


def _break(store, monkeypatch, which, method, exc):
    col = store.collections(create=True)[which]

    def fail(*_a, **_k):
        raise exc

    monkeypatch.setattr(col, method, fail)


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("exc", STORAGE_FAILURES, ids=lambda e: type(e).__name__)
def test_a_storage_failure_in_a_read_becomes_one_index_error_line(store, monkeypatch, read, exc):
    call, which, method = READS[read]
    _break(store, monkeypatch, which, method, exc)
    with pytest.raises(IndexAccessError) as e:
        call(store)
    msg = str(e.value)
    assert msg.startswith(f"Cannot read the index at {store.location}: {type(exc).__name__}: ")
    assert str(exc)[:20] in msg and "free some space" in msg and "\n" not in msg
    assert e.value.__cause__ is None and e.value.__suppress_context__


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("exc", [TypeError("unhashable type: 'list'"), KeyError("ids"),
                                 NotFoundError("No document 'bartz'")], ids=lambda e: type(e).__name__)
def test_a_bug_or_an_assistant_error_in_a_read_propagates_unchanged(store, monkeypatch, read, exc):
    call, which, method = READS[read]
    _break(store, monkeypatch, which, method, exc)
    with pytest.raises(type(exc)) as e:
        call(store)
    assert e.value is exc


def test_a_storage_failure_reading_the_generation_is_an_index_error(store, monkeypatch):
    write(store, make_doc("bartz", BARTZ_V1))

    def fail(*_a, **_k):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store.client(), "get_collection", fail)
    with pytest.raises(IndexAccessError, match="Cannot read the index at .*OSError: .*Input/output error"):
        store.generation()


def test_a_long_storage_message_is_cut_to_one_short_line(store, monkeypatch):
    _break(store, monkeypatch, 1, "get", OSError("x" * 1000))
    with pytest.raises(IndexAccessError) as e:
        store.documents()
    assert "x" * 200 in str(e.value) and "x" * 201 not in str(e.value)


def test_a_storage_failure_while_iterating_chunks_is_an_index_error(store, monkeypatch):
    _break(store, monkeypatch, 0, "get", OSError(28, "No space left on device"))
    with pytest.raises(IndexAccessError, match="Cannot read the index at .*OSError: .*No space left"):
        list(store.iter_chunks())


def test_a_bug_while_iterating_chunks_propagates_unchanged(store, monkeypatch):
    exc = TypeError("unhashable type: 'list'")
    _break(store, monkeypatch, 0, "get", exc)
    with pytest.raises(TypeError) as e:
        list(store.iter_chunks())
    assert e.value is exc


# -- pure helpers ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("date, expected", [
    ("2025-06-23", 20250623), ("2025-06", 20250601), ("2025", 20250101), ("2026-01-08T22:00:57+00:00", 20260108),
    ("", 0), (None, 0), ("June 2025", 0), ("unknown", 0), ("2025-6", 20250601), ("2025-13", 0),
])
def test_date_int(date, expected):
    assert date_int(date) == expected


def test_date_int_of_an_unpadded_date_is_the_date_or_unknown():
    assert date_int("2025-6-3") in (20250603, 0)


def test_registry_signature_changes_with_the_visible_index_only():
    docs = {"bartz": {"hash": "h1", "path": "a.md", "pending": ""}, "dsm": {"hash": "h2"}}
    sig = registry_signature(docs)
    assert len(sig) == 24 and sig == registry_signature(dict(reversed(list(docs.items()))))
    same = {"bartz": {"hash": "h1", "path": "moved.md", "pending": "h9", "n_chunks": 3}, "dsm": {"hash": "h2"}}
    assert registry_signature(same) == sig  # a move or a pending write changes nothing a reader sees
    assert registry_signature({**docs, "bartz": {"hash": "h1b"}}) != sig
    assert registry_signature({"dsm": {"hash": "h2"}}) != sig
    assert registry_signature({**docs, "new": {"hash": ""}}) != sig
    # the separator keeps ids and hashes apart: ('ab', 'c') is not ('a', 'bc')
    assert registry_signature({"ab": {"hash": "c"}}) != registry_signature({"a": {"hash": "bc"}})


def test_registry_signature_follows_a_commit_in_the_store(store):
    write(store, make_doc("bartz", BARTZ_V1))
    sig = registry_signature(store.documents())
    write(store, make_doc("bartz", BARTZ_V2, version="v2"), commit=False)
    assert registry_signature(store.documents()) == sig  # pending only
    store.commit_documents([(make_doc("bartz", BARTZ_V2, version="v2"), 3)])
    assert registry_signature(store.documents()) != sig
