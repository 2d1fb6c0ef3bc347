"""The lexical side of retrieval: one object owns the keyword index, the registry view it reflects, its cache beside
the index, and keeping both in step with the store (on ingest and removal, and when another process wrote).

`LexicalIndex` is what retrieval, answering and ingest use. Two implementations, both complete and tested
(tests/test_lexical.py runs each through the Protocol), chosen by settings.lexical (ASSISTANT_LEXICAL):

- `BM25Lexical`, the default: our in-memory BM25 (bm25.BM25Index), cached under index/bm25.
- `Fts5Lexical`: SQLite FTS5 (fts5.Fts5Index, standard library), cached under index/fts5.

`assistant bench --only lexical` compares them. On 2026-12-02 (2 shared cores) FTS5 built as fast, held less memory
(27 against 44 MiB at 10k chunks) and ranked as well (lexical-only source hit@1 0.776 against 0.780, hybrid 0.737
against 0.714 on evals/core.yaml at 10k chunks), but searched far slower: top 30 in 28 ms p50 / 57 ms p95 against
0.2 / 0.4 ms for BM25 (3.5 ms p50 at the starter corpus's 775 chunks: it grows with the matching rows, which FTS5's
bm25() scores one by one). BM25 stays the default for that; FTS5 stays selectable since it is complete and tested.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Collection, Container, Iterable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .bm25 import BM25Index
from .errors import InvalidInputError
from .fts5 import Fts5Index
from .settings import Settings
from .store import Store, registry_signature
from .types import Chunk

FULL_READ_EVERY = 300.0  # seconds
log = logging.getLogger(__name__)


class LexicalIndex(Protocol):
    """The keyword side: chunks of the ready document versions, searchable by terms, with corpus statistics."""

    @property
    def docs(self) -> dict[str, dict[str, Any]]:
        """The registry view (source id -> record) the index reflects."""
        ...

    @property
    def signature(self) -> str | None:
        """A digest of the visible documents' versions; None before the first refresh."""
        ...

    @property
    def ready(self) -> Container[str]:
        """Ids of the chunks of the ready versions (dense search keeps only these)."""
        ...

    @property
    def refreshing(self) -> bool:
        """True while a background re-read of the registry runs."""
        ...

    def refresh(self, force: bool = False, max_age: float = 5.0, wait: bool = False) -> None:
        """Bring the registry view and the index in step with the store."""
        ...

    def document_written(self, source_id: str, chunks: list[Chunk], meta: dict) -> None:
        """A document was committed by this process: index its chunks in place of the old ones."""
        ...

    def document_removed(self, source_id: str) -> None:
        """A document was deleted by this process."""
        ...

    def save_cache(self) -> None:
        """Persist the index beside the store, with the registry it reflects."""
        ...

    def search(self, query: str, n: int, sources: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Top n (chunk id, score); `sources` limits it to chunks of those documents."""
        ...

    def sections(self, source_id: str) -> list[tuple[str, str]]:
        """(chunk id, section heading) of one document's chunks."""
        ...

    # statistics: composer.LexicalStats (idf, df, sources_with) and linking.Linker (also chunks_of)
    def idf(self, term: str) -> float:
        """Inverse document frequency of a (stemmed) term over chunks; unknown terms get the maximum."""
        ...

    def df(self, term: str) -> int:
        """How many chunks contain the (stemmed) term."""
        ...

    def sources_with(self, terms: Iterable[str]) -> Counter:
        """For each document, how many of its chunks contain every one of the (stemmed) terms."""
        ...

    def chunks_of(self, source_id: str) -> int:
        """How many chunks a document has."""
        ...


class _RegistrySync:
    """The registry view and the index kept in step with the store; subclasses say which index (ENGINE) and how
    it is searched. ENGINE has add(id, text, meta), remove_source(id), freeze(), save(folder, signature) and a
    classmethod load(folder) -> (index, signature) | None."""

    ENGINE: Any = None
    CACHE: str = ""  # the cache folder's name under index_dir

    def __init__(self, store: Store, cache_dir: Path):
        self.store = store
        self.cache_dir = Path(cache_dir)  # always local, also when Chroma is a server
        self.index = self.ENGINE()
        self._docs: dict[str, dict[str, Any]] = {}
        self._sig: str | None = None
        self._hashes: dict[str, str] = {}  # the document versions the index holds
        self._dirty = False
        self._checked = 0.0
        self._gen: str | None = None  # the registry generation the cached view reflects
        self._reloading: threading.Thread | None = None
        self._local_writes = 0  # documents written or removed by this process (see _reload)
        self._full_read_at = 0.0
        self._lock = threading.RLock()

    @property
    def docs(self) -> dict[str, dict[str, Any]]:
        """The registry view (source id -> record) the index reflects."""
        return self._docs

    @property
    def signature(self) -> str | None:
        """A digest of the visible documents' versions: it changes whenever a document is added, changed or
        removed (caches built from the registry compare it)."""
        return self._sig

    @property
    def refreshing(self) -> bool:
        """True while a background re-read of the registry runs."""
        t = self._reloading
        return t is not None and t.is_alive()

    def refresh(self, force: bool = False, max_age: float = 5.0, wait: bool = False) -> None:
        """Bring the registry cache and the index in step with the store (only documents that changed are re-read).

        At most every `max_age` seconds the registry's generation token is compared (one cheap lookup); the
        registry itself, which takes seconds to read at ~10k documents, is re-read only when the token changed.
        The first load, `force` and `wait` do that synchronously; otherwise it runs on a background thread while
        searches go on with the previous view (they only ever use chunks of the ready versions it names)."""
        with self._lock:
            now = time.monotonic()
            if not force and self._sig is not None and now - self._checked < max_age:
                return
            first = self._sig is None
            self._checked = now
            running = self._reloading if self._reloading is not None and self._reloading.is_alive() else None
        gen = self.store.generation()
        # a full re-read every FULL_READ_EVERY seconds whatever the token says: a safety net for a writer that
        # died between its commit and announcing it
        due = now - self._full_read_at > FULL_READ_EVERY
        if not force and not first and not due and gen == self._gen:
            return
        if force or first or wait:
            if running is not None and running is not threading.current_thread():
                running.join()  # else an older background read could land after this one
            self._reload(gen)
            return
        with self._lock:
            if self._reloading is not None and self._reloading.is_alive():
                return
            self._reloading = threading.Thread(target=self._reload_quietly, args=(gen,), daemon=True,
                                               name="registry-refresh")
            self._reloading.start()

    def _reload_quietly(self, gen: str | None) -> None:
        try:
            self._reload(gen)
        except Exception as e:  # the next refresh tries again; searches keep the previous view meanwhile
            log.warning("Background refresh of the index failed: %s", e)
            with self._lock:
                self._gen = None

    def _reload(self, gen: str | None) -> None:
        writes = self._local_writes
        docs = self.store.documents()  # outside the lock: searches go on while it is read
        sig = registry_signature(docs)
        with self._lock:
            self._checked = self._full_read_at = time.monotonic()
            if writes != self._local_writes:
                self._gen = None  # this process wrote meanwhile: what was read may be older; read again next time
                return
            if sig != self._sig:
                if self._sig is None:
                    loaded = self.ENGINE.load(self.cache_dir)
                    if loaded is not None:
                        self.index, self._hashes = loaded[0], _hashes_from(loaded[1])
                self._sync(docs)
            self._docs, self._sig, self._gen = docs, sig, gen

    def _sync(self, docs: dict[str, dict[str, Any]]) -> None:
        ready = {sid: d.get("hash") for sid, d in docs.items() if d.get("hash")}
        old = self._hashes
        changed = [sid for sid in set(old) | set(ready) if old.get(sid) != ready.get(sid)]
        if not changed:
            return
        ix = self.index
        if len(changed) > 0.5 * max(len(ready), 1) or not old:
            ix = self.ENGINE()  # most of the index changed: one pass over every chunk is cheaper
            items = self.store.iter_chunks()
            todo = set(ready)
        else:
            for sid in changed:
                ix.remove_source(sid)
            todo = {sid for sid in changed if sid in ready}
            ordered = sorted(todo)
            items = (x for i in range(0, len(ordered), 200)
                     for x in self.store.iter_chunks(where={"source_id": {"$in": ordered[i:i + 200]}}))
        for cid, text, meta in items:
            sid = meta.get("source_id")
            if sid in todo and ready.get(sid) == meta.get("doc_hash"):
                ix.add(cid, indexed_text(text, meta), meta)
        if ix is not self.index:
            ix.freeze()
        self.index = ix
        self._hashes = dict(ready)
        self._dirty = True

    def save_cache(self) -> None:
        """Persist the index with the registry it reflects (after ingest, so serving starts fast)."""
        with self._lock:
            if not self._dirty or self._sig is None:
                return
            try:
                self.index.save(self.cache_dir, json.dumps(self._hashes))
                self._dirty = False
            except OSError:
                pass  # a cache only: it is rebuilt from Chroma when missing

    def document_written(self, source_id: str, chunks: list[Chunk], meta: dict) -> None:
        """Called by ingest after a document is committed: update the index and the registry cache in place."""
        with self._lock:
            self._local_writes += 1
            self.index.remove_source(source_id)
            for c in chunks:
                m = {"section": c.section, "source_id": source_id, "title": meta.get("title", "")}
                self.index.add(c.id, indexed_text(c.text, m), m)
            self._docs[source_id] = meta
            self._hashes[source_id] = meta.get("hash", "")
            self._sig = registry_signature(self._docs)
            self._dirty = True

    def document_removed(self, source_id: str) -> None:
        """Called after `sources remove`."""
        with self._lock:
            self._local_writes += 1
            self.index.remove_source(source_id)
            self._docs.pop(source_id, None)
            self._hashes.pop(source_id, None)
            self._sig = registry_signature(self._docs)
            self._dirty = True


class BM25Lexical(_RegistrySync):
    """The default: our in-memory BM25 (bm25.BM25Index), saved under index/bm25."""

    ENGINE = BM25Index
    CACHE = "bm25"

    @property
    def ready(self) -> Container[str]:
        """Ids of the chunks of the ready versions (kept in step with the registry)."""
        return self.index.row

    def search(self, query: str, n: int, sources: Collection[str] | None = None) -> list[tuple[str, float]]:
        """BM25 top n as (chunk id, score)."""
        with self._lock:
            bm = self.index
            mask = None
            if sources is not None and len(sources) <= 50:  # a few documents: set their rows, not scan every row
                mask = np.zeros(len(bm.source_of), dtype=bool)
                for sid in sources:
                    mask[bm.rows_of(sid)] = True
            elif sources is not None:
                mask = np.fromiter((s in sources for s in bm.source_of), dtype=bool, count=len(bm.source_of))
            return [(bm.ids[r], score) for r, score in bm.search(query, n, mask)]

    def sections(self, source_id: str) -> list[tuple[str, str]]:
        """(chunk id, section heading) of one document's live chunks."""
        with self._lock:
            bm = self.index
            return [(bm.ids[r], bm.section_of[r]) for r in bm.rows_of(source_id)]

    # statistics read the current index without the lock (as the composer always has): each is one lookup
    def idf(self, term: str) -> float:
        """Inverse document frequency of a (stemmed) term; unknown terms get the maximum."""
        return self.index.idf(term)

    def df(self, term: str) -> int:
        """How many chunks contain the (stemmed) term."""
        return self.index.df(term)

    def sources_with(self, terms: Iterable[str]) -> Counter:
        """For each document, how many of its chunks contain every one of the (stemmed) terms."""
        return self.index.sources_with(terms)

    def chunks_of(self, source_id: str) -> int:
        """How many chunks a document has."""
        return self.index.chunks_of(source_id)


class Fts5Lexical(_RegistrySync):
    """SQLite FTS5 (fts5.Fts5Index) in memory, saved under index/fts5; every call on it holds the lock."""

    ENGINE = Fts5Index
    CACHE = "fts5"

    @property
    def ready(self) -> Container[str]:
        """Ids of the chunks of the ready versions (kept in step with the registry)."""
        return self.index.row

    def search(self, query: str, n: int, sources: Collection[str] | None = None) -> list[tuple[str, float]]:
        """FTS5 bm25() top n as (chunk id, score)."""
        with self._lock:
            return self.index.search(query, n, sources)

    def sections(self, source_id: str) -> list[tuple[str, str]]:
        """(chunk id, section heading) of one document's chunks."""
        with self._lock:
            return self.index.sections(source_id)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a (stemmed) term; unknown terms get the maximum."""
        with self._lock:
            return self.index.idf(term)

    def df(self, term: str) -> int:
        """How many chunks contain the (stemmed) term."""
        with self._lock:
            return self.index.df(term)

    def sources_with(self, terms: Iterable[str]) -> Counter:
        """For each document, how many of its chunks contain every one of the (stemmed) terms."""
        with self._lock:
            return self.index.sources_with(terms)

    def chunks_of(self, source_id: str) -> int:
        """How many chunks a document has."""
        with self._lock:
            return self.index.chunks_of(source_id)


KINDS: dict[str, type[_RegistrySync]] = {"bm25": BM25Lexical, "fts5": Fts5Lexical}


def open_lexical(store: Store, settings: Settings, kind: str | None = None) -> LexicalIndex:
    """The lexical index of a store (settings.lexical unless `kind` says), cached under settings.index_dir; nothing
    is read until the first refresh."""
    kind = kind or settings.lexical
    cls = KINDS.get(kind)
    if cls is None:
        raise InvalidInputError(f"Unknown lexical index '{kind}' (ASSISTANT_LEXICAL): use one of {', '.join(KINDS)}")
    return cls(store, Path(settings.index_dir) / cls.CACHE)


def indexed_text(text: str, meta: dict) -> str:
    """What the keyword index holds for a chunk: its title and section heading, then its text."""
    # The title and section are indexed with the passage so "Bartz settlement" finds the right section.
    return f"{meta.get('title', '')} {meta.get('section', '')} {text}"


def _hashes_from(signature: str) -> dict[str, str]:
    try:
        hashes = json.loads(signature)
        return {str(k): str(v) for k, v in hashes.items()} if isinstance(hashes, dict) else {}
    except ValueError:
        return {}
