"""Both lexical indexes through the LexicalIndex Protocol: writes, search, statistics, the cache and refresh.

A fake store stands in for Chroma's registry and chunks (it really filters by source id, and counts chunk reads);
one test per index runs against real Chroma.
"""

from __future__ import annotations

import math
import time

import pytest

from assistant.facade import Assistant
from assistant.lexical import KINDS, LexicalIndex, indexed_text, open_lexical
from assistant.settings import Settings
from assistant.store import registry_signature
from assistant.types import Chunk
from conftest import FakeEmbedder

DOCS = {
    "bartz": ("Bartz v. Anthropic", [("Rulings", "Judge Alsup ruled that training on lawfully bought books was fair "
                                                "use."),
                                     ("Settlement", "Anthropic agreed to a settlement of one point five billion "
                                                    "dollars.")]),
    "dsm": ("DSM Directive", [("Article 4", "Text and data mining is allowed unless the rightholder opts out."),
                              ("Article 3", "Research organisations may mine text and data for science.")]),
    "weather": ("Weather note", [("Summary", "The weather in London was nice and sunny all week.")]),
}


def _chunks(sid: str, version: str = "v1") -> list[Chunk]:
    title, parts = DOCS[sid]
    return [Chunk(id=f"{sid}#{version}-{i}", source_id=sid, text=text, start=0, end=len(text), title=title,
                  section=section, position=i) for i, (section, text) in enumerate(parts)]


class FakeStore:
    """A registry and its chunks in memory, shaped like store.Store's reads."""

    def __init__(self):
        self.registry: dict[str, dict] = {}
        self.chunks: dict[str, tuple[str, dict]] = {}
        self.gen = 0
        self.chunk_reads = 0

    def write(self, sid: str, version: str = "v1") -> tuple[list[Chunk], dict]:
        self.remove(sid)
        cs = _chunks(sid, version)
        meta = {"hash": f"{sid}-{version}", "title": DOCS[sid][0], "source_id": sid}
        for c in cs:
            self.chunks[c.id] = (c.text, {"source_id": sid, "doc_hash": meta["hash"], "title": c.title,
                                          "section": c.section})
        self.registry[sid] = meta
        self.gen += 1
        return cs, meta

    def remove(self, sid: str) -> None:
        self.registry.pop(sid, None)
        self.chunks = {cid: v for cid, v in self.chunks.items() if v[1]["source_id"] != sid}
        self.gen += 1

    def generation(self) -> str:
        return str(self.gen)

    def documents(self) -> dict[str, dict]:
        return {sid: dict(m) for sid, m in self.registry.items()}

    def iter_chunks(self, where: dict | None = None, text: bool = True):
        allowed = set(where["source_id"]["$in"]) if where else None
        for cid, (t, meta) in list(self.chunks.items()):
            if allowed is None or meta["source_id"] in allowed:
                self.chunk_reads += 1
                yield cid, t if text else "", dict(meta)


@pytest.fixture(params=sorted(KINDS))
def kind(request) -> str:
    return request.param


def _written(kind: str, tmp_path, *sids: str) -> tuple[LexicalIndex, FakeStore]:
    store = FakeStore()
    lex = KINDS[kind](store, tmp_path / kind)
    for sid in sids:
        cs, meta = store.write(sid)
        lex.document_written(sid, cs, meta)
    return lex, store


def test_written_documents_are_searchable_in_score_order(kind, tmp_path):
    lex, _store = _written(kind, tmp_path, "bartz", "dsm", "weather")
    top = lex.search("fair use ruling on books", 3)
    assert top[0][0] == "bartz#v1-0"
    assert [s for _c, s in top] == sorted((s for _c, s in top), reverse=True) and all(s > 0 for _c, s in top)
    # the title and section heading are indexed with the passage
    assert lex.search("Bartz settlement", 1)[0][0] == "bartz#v1-1"
    assert lex.search("Article 3", 1)[0][0] == "dsm#v1-1"
    assert lex.search("zorblatt", 5) == [] and lex.search("the of and", 5) == []
    assert set(lex.ready) == {c.id for sid in ("bartz", "dsm", "weather") for c in _chunks(sid)}
    assert lex.docs.keys() == {"bartz", "dsm", "weather"} and lex.signature == registry_signature(lex.docs)


def test_search_keeps_to_the_allowed_sources(kind, tmp_path):
    lex, _store = _written(kind, tmp_path, "bartz", "dsm", "weather")
    assert {c for c, _s in lex.search("text data mining books", 10, {"dsm"})} == {"dsm#v1-0", "dsm#v1-1"}
    assert lex.search("text data mining books", 10, set()) == []


def test_rewrite_and_removal_replace_the_old_chunks(kind, tmp_path):
    lex, store = _written(kind, tmp_path, "bartz", "dsm")
    sig = lex.signature
    cs, meta = store.write("bartz", "v2")
    lex.document_written("bartz", cs, meta)
    assert lex.signature != sig
    assert {c for c, _s in lex.search("fair use books", 10)} == {"bartz#v2-0"}
    lex.document_removed("dsm")
    assert lex.search("text data mining", 10) == [] and "dsm" not in lex.docs
    assert sorted(lex.ready) == ["bartz#v2-0", "bartz#v2-1"]
    assert lex.sections("dsm") == [] and lex.chunks_of("dsm") == 0


def test_statistics_for_the_composer_and_linker(kind, tmp_path):
    lex, _store = _written(kind, tmp_path, "bartz", "dsm", "weather")
    n = 5  # chunks
    assert lex.df("text") == 2 and lex.df("zorblatt") == 0
    assert math.isclose(lex.idf("text"), math.log(1 + (n - 2 + 0.5) / 2.5), rel_tol=1e-9)
    assert lex.idf("zorblatt") > lex.idf("text")  # unknown terms get the maximum
    assert lex.sources_with(["text", "data"]) == {"dsm": 2}
    assert lex.sources_with(["text", "book"]) == {}
    assert lex.chunks_of("bartz") == 2 and lex.chunks_of("nobody") == 0
    assert sorted(lex.sections("dsm")) == [("dsm#v1-0", "Article 4"), ("dsm#v1-1", "Article 3")]


def test_cache_round_trip_serves_without_reading_chunks(kind, tmp_path):
    lex, store = _written(kind, tmp_path, "bartz", "dsm", "weather")
    lex.refresh(force=True)  # the registry view now matches the store
    before = lex.search("fair use text mining", 5)
    lex.save_cache()
    again = KINDS[kind](store, tmp_path / kind)
    store.chunk_reads = 0
    again.refresh()
    assert store.chunk_reads == 0  # loaded from the cache: nothing re-read from the store
    assert [(c, round(s, 5)) for c, s in again.search("fair use text mining", 5)] == \
           [(c, round(s, 5)) for c, s in before]
    assert sorted(again.ready) == sorted(lex.ready) and again.signature == lex.signature
    assert again.sources_with(["text", "data"]) == {"dsm": 2}


def test_refresh_catches_up_with_another_writer_incrementally(kind, tmp_path):
    store = FakeStore()
    for sid in DOCS:
        store.write(sid)
    lex = KINDS[kind](store, tmp_path / kind)
    lex.refresh()
    assert len(lex.ready) == 5 and store.chunk_reads == 5
    store.chunk_reads = 0
    store.write("bartz", "v2")  # another process re-writes one document, then removes another
    lex.refresh(force=True)
    assert store.chunk_reads == 2  # only the re-written document's chunks are read
    store.remove("weather")
    lex.refresh(force=True)
    assert store.chunk_reads == 2
    assert sorted(lex.ready) == ["bartz#v2-0", "bartz#v2-1", "dsm#v1-0", "dsm#v1-1"]
    assert lex.search("weather London", 5) == [] and lex.search("fair use books", 1)[0][0] == "bartz#v2-0"
    assert "weather" not in lex.docs


def test_background_refresh_leaves_the_previous_view_until_done(kind, tmp_path):
    store = FakeStore()
    store.write("bartz")
    lex = KINDS[kind](store, tmp_path / kind)
    lex.refresh()
    store.write("dsm")
    lex.refresh(max_age=0)  # the token changed: re-read on a background thread
    deadline = time.monotonic() + 10
    while lex.refreshing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "dsm" in lex.docs and lex.search("text data mining", 1)[0][0].startswith("dsm#")


def test_open_lexical_names_the_known_kinds(settings):
    with pytest.raises(Exception, match="use one of bm25, fts5"):
        open_lexical(FakeStore(), settings, "whoosh")


def test_indexed_text_holds_title_and_section():
    assert indexed_text("Body.", {"title": "T", "section": "S"}) == "T S Body."


def test_the_setting_chooses_the_index_end_to_end(kind, tmp_path, corpus_copy):
    """ASSISTANT_LEXICAL picks the index: ingest saves its cache, a second instance serves from it."""
    s = Settings(index_dir=tmp_path / "index", lexical=kind)
    a = Assistant(s, embedder=FakeEmbedder())
    a.ingest([corpus_copy])
    assert isinstance(a.retriever.lexical, KINDS[kind]) and (s.index_dir / KINDS[kind].CACHE).is_dir()
    other = Assistant(s, embedder=FakeEmbedder())
    real, reads = other.store.iter_chunks, []
    other.store.iter_chunks = lambda *args, **kw: (reads.append(kw), real(*args, **kw))[1]
    other.retriever.lexical.refresh()
    assert reads == []  # opened from the cache, not rebuilt from Chroma
    other.store.iter_chunks = real
    answer = other.ask("What does Article 4 of the DSM Directive allow?")
    assert any(c.source_id == "dsm-mini" for c in answer.citations)
    assert sorted(other.retriever.lexical.ready) == sorted(a.retriever.lexical.ready)


def test_against_real_chroma(kind, fake_assistant, corpus_copy):
    """Built from a real index (fake embedder), the index holds exactly the ready chunks Chroma has."""
    fake_assistant.ingest([corpus_copy])
    lex = open_lexical(fake_assistant.store, fake_assistant.settings, kind)
    lex.refresh()
    assert sorted(lex.ready) == sorted(cid for cid, _t, _m in fake_assistant.store.iter_chunks())
    assert lex.search("text and data mining opt out", 1)[0][0].startswith("dsm-mini#")
