"""Chroma adapter: chunks and a document registry, persistent under the index dir or on a Chroma server.

Write protocol (so an interrupted ingest never leaves a half-written document visible):
  1. the document's registry record gets `pending=<new hash>`;
  2. its chunks are upserted, each stamped with doc_hash=<new hash>;
  3. the record gets `hash=<new hash>, pending=""`;
  4. chunks of that document with another doc_hash are deleted.
Readers only use chunks whose doc_hash equals their document's ready `hash`, so steps 1-4 can be cut anywhere
and re-run; a record with `pending` set is redone by the next ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import CHUNKER_VERSION
from .errors import AssistantError, IndexAccessError, IndexMismatchError
from .settings import Settings
from .types import REGISTRY_FIELDS, Chunk, SourceDoc

SCHEMA = 1
REBUILD_HINT = "assistant ingest --rebuild sources/"


@contextlib.contextmanager
def _without_override_checks():
    """Import chromadb and create its client without the `overrides` package's class-definition checks.

    chromadb marks 439 methods with @override/@overrides. For each one, when its class is defined, that package
    finds the base classes by disassembling the bytecode of the whole defining module, then compares signatures:
    0.2-0.3 of the ~1.3 CPU seconds of `import chromadb` on 2 cores, on every cold `assistant ask`. The checks
    guard chromadb's own development (its test suite runs them). Here the decorators only set the `__override__`
    marker that chromadb's EnforceOverrides classes look for; the real ones are put back afterwards, so anything
    else imported later in the process is checked as usual."""
    import overrides

    saved = overrides.override, overrides.overrides

    def mark(method=None, **_options):
        def apply(m):
            m.__override__ = True
            return m

        return apply(method) if method is not None else apply

    overrides.override = overrides.overrides = mark
    try:
        yield
    finally:
        overrides.override, overrides.overrides = saved


def local_index_exists(settings: Settings) -> bool:
    """True when settings name a local index that Chroma has created (a file check: chromadb is not imported)."""
    return not settings.chroma_host and (Path(settings.index_dir) / "chroma.sqlite3").is_file()


def date_int(date: str) -> int:
    """'2025-06-23' -> 20250623 (0 when unknown), so Chroma can filter date ranges numerically."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", (date or "").strip()[:10])
    if not m:
        return 0
    y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    return y * 10000 + mo * 100 + d if 1 <= mo <= 12 and 1 <= d <= 31 else 0


def _storage_error(e: BaseException) -> bool:
    """True for a failure of the storage itself (the disk, SQLite, Chroma and its Rust core), not of our code."""
    import sqlite3

    if isinstance(e, (OSError, sqlite3.Error)):
        return True
    return any((cls.__module__ or "").split(".")[0] in ("chromadb", "chromadb_rust_bindings", "httpx", "httpcore")
               for cls in type(e).__mro__)


def _readable(fn):
    """Chroma failures while reading become one IndexAccessError line (a full disk breaks reads too)."""
    import functools

    @functools.wraps(fn)
    def wrapper(self, *a, **kw):
        try:
            return fn(self, *a, **kw)
        except AssistantError:
            raise
        except Exception as e:
            if not _storage_error(e):
                raise  # a bug is a bug: it is not disguised as an unreadable index
            raise IndexAccessError(
                f"Cannot read the index at {self.location}: {type(e).__name__}: {str(e)[:200]}. "
                "If the disk is full, free some space and run the command again"
            ) from None

    return wrapper


class Store:
    """The chunk collection plus a registry collection of documents (their hash, text and front matter)."""

    def __init__(self, settings: Settings, embedder_id: str, dim: int):
        self.settings = settings
        self.embedder_id = embedder_id
        self.dim = dim
        self._client = None
        self._chunks = None
        self._docs = None
        # the web app opens the index on a warm-up thread while a first request may come in: Chroma's client must
        # be created once (two at once in one process break each other) and the collections checked once
        self._open_lock = threading.RLock()

    # -- connection -------------------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """Where the index lives, for messages."""
        s = self.settings
        return f"Chroma server {s.chroma_host}:{s.chroma_port}" if s.chroma_host else str(s.index_dir)

    def client(self):
        """The Chroma client (persistent under index_dir, or HTTP when ASSISTANT_CHROMA_HOST is set)."""
        if self._client is None:
            with self._open_lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def _connect(self):
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        with _without_override_checks():
            return self._new_client()

    def _new_client(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        cs = ChromaSettings(anonymized_telemetry=False)
        s = self.settings
        try:
            if s.chroma_host:
                return chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port, settings=cs)
            path = Path(s.index_dir)
            path.mkdir(parents=True, exist_ok=True)
            if not os.access(path, os.W_OK):
                raise IndexAccessError(
                    f"Index directory {path} is not writable: fix its permissions or pass --index DIR"
                )
            return chromadb.PersistentClient(path=str(path), settings=cs)
        except IndexAccessError:
            raise
        except Exception as e:
            raise IndexAccessError(f"Cannot open the index at {self.location}: {type(e).__name__}: {e}") from None

    def _stamp(self) -> dict[str, Any]:
        return {"embedder": self.embedder_id, "dim": self.dim, "chunker": CHUNKER_VERSION, "schema": SCHEMA}

    def exists(self) -> bool:
        """True when the chunk collection has been created."""
        try:
            names = [getattr(c, "name", c) for c in self.client().list_collections()]
        except Exception as e:
            raise IndexAccessError(f"Cannot read the index at {self.location}: {e}") from None
        return self.settings.collection in names

    def collections(self, create: bool = False):
        """(chunks, docs) collections; checks the build stamp and refuses a mismatched index."""
        if self._chunks is None:
            with self._open_lock:
                if self._chunks is None:
                    return self._open_collections(create)
        return self._chunks, self._docs

    def _open_collections(self, create: bool):
        c = self.client()
        name = self.settings.collection
        try:
            if not create and not self.exists():
                return None, None
            chunks = c.get_or_create_collection(
                name, embedding_function=None, metadata=self._stamp(),
                configuration={"hnsw": {"space": "cosine", "ef_search": 100}},
            )
            docs = c.get_or_create_collection(
                f"{name}_docs", embedding_function=None, metadata={"schema": SCHEMA},
                configuration={"hnsw": {"space": "l2"}},
            )
        except Exception as e:
            raise IndexAccessError(f"Cannot open the index at {self.location}: {type(e).__name__}: {e}") from None
        stamp = chunks.metadata or {}
        want = self._stamp()
        diffs = [f"{k} {stamp.get(k)!r} (this version uses {want[k]!r})" for k in want if stamp.get(k) != want[k]]
        if diffs:
            raise IndexMismatchError(
                f"The index at {self.location} was built differently: {'; '.join(diffs)}. "
                f"Rebuild it with: {REBUILD_HINT}"
            )
        self._chunks, self._docs = chunks, docs
        return self._chunks, self._docs

    def reset(self) -> None:
        """Delete both collections (used by --rebuild)."""
        c = self.client()
        for name in (self.settings.collection, f"{self.settings.collection}_docs"):
            try:
                c.delete_collection(name)
            except Exception:
                pass
        self._chunks = self._docs = None

    # -- documents ----------------------------------------------------------------------------------------------
    @_readable
    def documents(self) -> dict[str, dict[str, Any]]:
        """Every registry record's metadata, by source id."""
        _, docs = self.collections()
        if docs is None:
            return {}
        out: dict[str, dict[str, Any]] = {}
        offset, page = 0, 5000
        while True:
            got = docs.get(include=["metadatas"], limit=page, offset=offset)
            for i, m in zip(got["ids"], got["metadatas"] or []):
                out[i] = dict(m or {})
            if len(got["ids"]) < page:
                return out
            offset += page

    @_readable
    def document(self, source_id: str) -> dict[str, Any] | None:
        """One registry record with its full text under 'text', or None."""
        _, docs = self.collections()
        if docs is None:
            return None
        got = docs.get(ids=[source_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        rec = dict(got["metadatas"][0] or {})
        rec["text"] = got["documents"][0] or ""
        return rec

    def mark_pending(self, docs_old: list[tuple[SourceDoc, dict[str, Any] | None]]) -> None:
        """Step 1: record that these documents are being (re)written."""
        _, docs = self.collections(create=True)
        old = [(d, o) for d, o in docs_old if o]
        new = [d for d, o in docs_old if not o]
        if old:
            docs.update(ids=[d.source_id for d, _o in old],
                        metadatas=[{**o, "pending": d.content_hash} for d, o in old])
        if new:
            docs.add(ids=[d.source_id for d in new], embeddings=[[0.0]] * len(new), documents=[""] * len(new),
                     metadatas=[{**self.doc_meta(d, 0, ready_hash=""), "pending": d.content_hash} for d in new])

    def put_chunks(self, items: list[tuple[SourceDoc, list[Chunk]]], vectors: np.ndarray) -> None:
        """Step 2: upsert chunks with their vectors, each stamped with its document's new hash."""
        chunks_col, _ = self.collections(create=True)
        ids, texts, metas = [], [], []
        for doc, chunks in items:
            base = {
                "source_id": doc.source_id, "title": doc.title[:500], "doc_type": doc.doc_type,
                "jurisdiction": doc.jurisdiction, "date": doc.date, "date_int": date_int(doc.date),
                "doc_hash": doc.content_hash,
            }
            for c in chunks:
                ids.append(c.id)
                texts.append(c.text)
                metas.append({**base, "section": c.section[:300], "start": c.start, "end": c.end,
                              "page": c.page if c.page is not None else -1, "position": c.position})
        step = 2000
        for i in range(0, len(ids), step):
            chunks_col.upsert(ids=ids[i:i + step], embeddings=vectors[i:i + step], documents=texts[i:i + step],
                              metadatas=metas[i:i + step])

    def commit_documents(self, items: list[tuple[SourceDoc, int]]) -> None:
        """Steps 3 and 4: make the new versions the ready ones, then drop chunks of other versions."""
        chunks_col, docs = self.collections(create=True)
        docs.upsert(ids=[d.source_id for d, _n in items], embeddings=[[0.0]] * len(items),
                    documents=[d.text for d, _n in items],
                    metadatas=[self.doc_meta(d, n, ready_hash=d.content_hash) for d, n in items])
        self._bump(docs)
        chunks_col.delete(where={"$and": [{"source_id": {"$in": [d.source_id for d, _n in items]}},
                                          {"doc_hash": {"$nin": [d.content_hash for d, _n in items]}}]})

    def remove_document(self, source_id: str) -> int:
        """Delete a document's record and chunks; returns how many chunks went."""
        chunks_col, docs = self.collections()
        if docs is None:
            return 0
        got = chunks_col.get(where={"source_id": source_id}, include=[])
        docs.delete(ids=[source_id])  # record first: leftover chunks are invisible and swept later
        self._bump(docs)
        if got["ids"]:
            chunks_col.delete(where={"source_id": source_id})
        return len(got["ids"])

    def doc_meta(self, doc: SourceDoc, n_chunks: int, ready_hash: str) -> dict[str, Any]:
        """The registry record a document version gets (its chunk count and hash; front matter as JSON)."""
        fm = doc.metadata
        meta: dict[str, Any] = {
            "source_id": doc.source_id, "title": doc.title[:500], "doc_type": doc.doc_type,
            "jurisdiction": doc.jurisdiction, "date": doc.date, "date_int": date_int(doc.date), "url": doc.url,
            "path": doc.path, "hash": ready_hash, "pending": "", "n_chunks": n_chunks,
            "fm": json.dumps(fm, default=str, ensure_ascii=False)[:20000], "origin": doc.origin or "",
        }
        meta.update({k: str(v)[:300] for k, v in doc.provenance.items() if v is not None})
        for key in ("status", *REGISTRY_FIELDS):  # the front-matter keys the registry copies (types.DocumentRecord)
            if fm.get(key) is not None:
                meta[key] = str(fm[key])
        return meta

    # -- chunks ---------------------------------------------------------------------------------------------------
    @_readable
    def nearest(self, vector: np.ndarray, n: int, where: dict | None) -> list[tuple[str, float]]:
        """Nearest chunk ids with their cosine similarity. Ids and distances only: the cheapest query Chroma
        answers (text and metadata are fetched afterwards for the few fused hits, by chunks_by_id)."""
        chunks_col, _ = self.collections()
        if chunks_col is None:
            return []
        res = chunks_col.query(query_embeddings=np.asarray([vector], dtype=np.float32), n_results=max(1, n),
                               where=where or None, include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    @_readable
    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors for the given chunk ids."""
        chunks_col, _ = self.collections()
        if chunks_col is None or not ids:
            return {}
        got = chunks_col.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}

    @_readable
    def chunks_by_id(self, ids: list[str], query_vector: np.ndarray) -> list[tuple[str, float, str, dict]]:
        """The given chunks as (id, cosine similarity to query_vector, text, metadata), in Chroma's order."""
        chunks_col, _ = self.collections()
        if chunks_col is None or not ids:
            return []
        got = chunks_col.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        qv = np.asarray(query_vector, dtype=np.float32)
        return [(cid, float(np.dot(np.asarray(vec, dtype=np.float32), qv)), text, dict(meta or {}))
                for cid, text, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])]

    def iter_chunks(self, where: dict | None = None, page: int = 5000,
                    text: bool = True) -> Iterator[tuple[str, str, dict]]:
        """Every chunk (id, text or '', metadata), in pages."""
        chunks_col, _ = self.collections()
        if chunks_col is None:
            return
        offset = 0
        include = ["documents", "metadatas"] if text else ["metadatas"]
        while True:
            try:
                got = chunks_col.get(where=where, include=include, limit=page, offset=offset)
            except Exception as e:
                if not _storage_error(e):
                    raise  # a bug, not an unreadable index
                raise IndexAccessError(f"Cannot read the index at {self.location}: {type(e).__name__}: "
                                       f"{str(e)[:200]}") from None
            docs = got["documents"] if text else [""] * len(got["ids"])
            for i, t, m in zip(got["ids"], docs, got["metadatas"]):
                yield i, t, dict(m or {})
            if len(got["ids"]) < page:
                return
            offset += page

    def sweep(self) -> int:
        """Delete chunks no ready or pending document version owns (left by an interrupted write or removal)."""
        chunks_col, docs = self.collections()
        if chunks_col is None:
            return 0
        registry = self.documents()
        stale = [cid for cid, _t, m in self.iter_chunks(text=False)
                 if m.get("doc_hash") not in {registry.get(m.get("source_id"), {}).get("hash"),
                                               registry.get(m.get("source_id"), {}).get("pending")} - {None, ""}]
        for i in range(0, len(stale), 2000):
            chunks_col.delete(ids=stale[i:i + 2000])
        if stale:
            self._bump(docs)  # an interrupted commit may not have announced itself: readers look again
        return len(stale)

    def update_path(self, source_id: str, path: str, old: dict[str, Any]) -> None:
        """Record a new location for an unchanged document (a moved file keeps its chunks)."""
        _, docs = self.collections()
        docs.update(ids=[source_id], metadatas=[{**old, "path": path}])
        self._bump(docs)

    def _bump(self, docs) -> None:
        """A new registry generation: readers compare it (one cheap lookup) before re-reading the registry."""
        docs.modify(metadata={"schema": SCHEMA, "generation": uuid.uuid4().hex})

    @_readable
    def generation(self) -> str | None:
        """The registry's generation token: it changes on every commit, removal or move. Reading it costs one
        collection lookup (~1 ms), where reading the registry itself takes seconds at ~10k documents."""
        _, docs = self.collections()
        if docs is None:
            return None
        fresh = self.client().get_collection(f"{self.settings.collection}_docs", embedding_function=None)
        return str((fresh.metadata or {}).get("generation", ""))

    @_readable
    def chunk_count(self) -> int:
        """Number of chunks stored (all versions)."""
        chunks_col, _ = self.collections()
        return chunks_col.count() if chunks_col is not None else 0


def registry_signature(docs: dict[str, dict[str, Any]]) -> str:
    """A digest of (source id, ready hash) pairs: equal signatures mean the same visible index."""
    h = hashlib.sha256()
    for sid in sorted(docs):
        h.update(f"{sid}\x00{docs[sid].get('hash', '')}\n".encode())
    return h.hexdigest()[:24]
