"""question (+ filters) -> ranked Hits: dense (Chroma) and BM25, fused by reciprocal rank."""

from __future__ import annotations

import datetime as _dt
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .bm25 import BM25Index
from .embedding import Embedder, embed_query
from .errors import InvalidInputError
from .settings import Settings
from .store import Store, date_int, registry_signature
from .types import Chunk, Hit

FILTER_KEYS = ("type", "jurisdiction", "date_from", "date_to", "source_id", "status")
MODES = ("dense", "bm25", "hybrid")
RRF_K = 60
FULL_READ_EVERY = 300.0  # seconds
log = logging.getLogger(__name__)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if str(v)]
    return [s.strip() for s in str(value).split(",") if s.strip()]


def chunk_from(cid: str, text: str, meta: dict) -> Chunk:
    """Rebuild a Chunk from what the store keeps."""
    page = meta.get("page", -1)
    return Chunk(
        id=cid, source_id=meta.get("source_id", ""), text=text, start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)), title=meta.get("title", ""), section=meta.get("section", ""),
        page=None if page is None or page < 0 else int(page), position=int(meta.get("position", 0)),
    )


class Retriever:
    """Keeps a registry cache and the BM25 side in step with Chroma; answers search()."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.docs: dict[str, dict[str, Any]] = {}
        self.bm25 = BM25Index()
        self._sig: str | None = None
        self._bm_hashes: dict[str, str] = {}  # the document versions the BM25 side holds
        self._dirty = False
        self._checked = 0.0
        self._gen: str | None = None  # the registry generation the cached view reflects
        self._reloading: threading.Thread | None = None
        self._local_writes = 0  # documents written or removed by this process (see _reload)
        self._full_read_at = 0.0
        self._lock = threading.RLock()

    # -- keeping in step ----------------------------------------------------------------------------------------
    @property
    def signature(self) -> str | None:
        """A digest of the visible documents' versions: it changes whenever a document is added, changed or
        removed (caches built from the registry compare it)."""
        return self._sig

    @property
    def cache_dir(self) -> Path:
        """Where the BM25 side is saved (always local, also when Chroma is a server)."""
        return Path(self.settings.index_dir) / "bm25"

    def refresh(self, force: bool = False, max_age: float = 5.0, wait: bool = False) -> None:
        """Bring the registry cache and BM25 in step with the index (only documents that changed are re-read).

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
                    loaded = BM25Index.load(self.cache_dir)
                    if loaded is not None:
                        self.bm25, self._bm_hashes = loaded[0], _hashes_from(loaded[1])
                self._sync(docs)
            self.docs, self._sig, self._gen = docs, sig, gen

    def _sync(self, docs: dict[str, dict[str, Any]]) -> None:
        ready = {sid: d.get("hash") for sid, d in docs.items() if d.get("hash")}
        old = self._bm_hashes
        changed = [sid for sid in set(old) | set(ready) if old.get(sid) != ready.get(sid)]
        if not changed:
            return
        bm = self.bm25
        if len(changed) > 0.5 * max(len(ready), 1) or not old:
            bm = BM25Index()  # most of the index changed: one pass over every chunk is cheaper
            items = self.store.iter_chunks()
            todo = set(ready)
        else:
            for sid in changed:
                bm.remove_source(sid)
            todo = {sid for sid in changed if sid in ready}
            ordered = sorted(todo)
            items = (x for i in range(0, len(ordered), 200)
                     for x in self.store.iter_chunks(where={"source_id": {"$in": ordered[i:i + 200]}}))
        for cid, text, meta in items:
            sid = meta.get("source_id")
            if sid in todo and ready.get(sid) == meta.get("doc_hash"):
                bm.add(cid, _bm25_text(text, meta), meta)
        if bm is not self.bm25:
            bm.freeze()
        self.bm25 = bm
        self._bm_hashes = dict(ready)
        self._dirty = True

    def save_cache(self) -> None:
        """Persist the BM25 side with the registry it reflects (after ingest, so serving starts fast)."""
        with self._lock:
            if not self._dirty or self._sig is None:
                return
            try:
                self.bm25.save(self.cache_dir, json.dumps(self._bm_hashes))
                self._dirty = False
            except OSError:
                pass  # a cache only: it is rebuilt from Chroma when missing

    def document_written(self, source_id: str, chunks: list[Chunk], meta: dict) -> None:
        """Called by ingest after a document is committed: update BM25 and the registry cache in place."""
        with self._lock:
            self._local_writes += 1
            self.bm25.remove_source(source_id)
            for c in chunks:
                m = {"section": c.section, "source_id": source_id, "title": meta.get("title", "")}
                self.bm25.add(c.id, _bm25_text(c.text, m), m)
            self.docs[source_id] = meta
            self._bm_hashes[source_id] = meta.get("hash", "")
            self._sig = registry_signature(self.docs)
            self._dirty = True

    def document_removed(self, source_id: str) -> None:
        """Called after `sources remove`."""
        with self._lock:
            self._local_writes += 1
            self.bm25.remove_source(source_id)
            self.docs.pop(source_id, None)
            self._bm_hashes.pop(source_id, None)
            self._sig = registry_signature(self.docs)
            self._dirty = True

    # -- filters ------------------------------------------------------------------------------------------------
    def normalise_filters(self, filters: dict[str, Any] | None) -> dict[str, Any]:
        """Check filter keys and values against the index; raise InvalidInputError naming a bad one."""
        out: dict[str, Any] = {}
        for key, value in (filters or {}).items():
            key = {"doc_type": "type"}.get(key, key)
            if key not in FILTER_KEYS:
                raise InvalidInputError(f"Unknown filter '{key}': use one of {', '.join(FILTER_KEYS)}")
            if key in ("date_from", "date_to"):
                if value in (None, ""):
                    continue
                text = value.isoformat() if isinstance(value, (_dt.date, _dt.datetime)) else str(value).strip()
                try:
                    _dt.date.fromisoformat(text[:10] if len(text) >= 10 else f"{text[:4]}-01-01")
                except ValueError:
                    raise InvalidInputError(f"Filter {key} is '{value}', not a date: use YYYY-MM-DD") from None
                out[key] = date_int(text[:10])
                continue
            values = _as_list(value)
            if not values:
                continue
            field = {"type": "doc_type"}.get(key, key)
            known = {str(d.get(field, "")) for d in self.docs.values()}
            unknown = [v for v in values if v not in known]
            if unknown and self.docs:
                shown = ", ".join(sorted(k for k in known if k)[:30])
                raise InvalidInputError(f"Unknown {key} '{unknown[0]}' in filters: the index has {shown}")
            out[key] = values
        if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"]:
            raise InvalidInputError("Filter date_from is after date_to: swap them")
        return out

    def _where(self, f: dict[str, Any]) -> dict | None:
        parts: list[dict] = []
        for key, field in (("type", "doc_type"), ("jurisdiction", "jurisdiction"), ("source_id", "source_id")):
            if f.get(key):
                parts.append({field: {"$in": f[key]}})
        if f.get("date_from"):
            parts.append({"date_int": {"$gte": f["date_from"]}})
        if f.get("date_to"):
            parts.append({"date_int": {"$lte": f["date_to"]}})
        if f.get("status"):
            allowed = [s for s, d in self.docs.items() if d.get("status") in f["status"]]
            parts.append({"source_id": {"$in": allowed or ["\x00none"]}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def _allowed_sources(self, f: dict[str, Any]) -> set[str] | None:
        if not f:
            return None
        out = set()
        for sid, d in self.docs.items():
            if f.get("type") and d.get("doc_type") not in f["type"]:
                continue
            if f.get("jurisdiction") and d.get("jurisdiction") not in f["jurisdiction"]:
                continue
            if f.get("source_id") and sid not in f["source_id"]:
                continue
            if f.get("status") and d.get("status") not in f["status"]:
                continue
            di = int(d.get("date_int") or 0)
            if f.get("date_from") and di < f["date_from"]:
                continue
            if f.get("date_to") and di > f["date_to"]:
                continue
            out.add(sid)
        return out

    # -- search -------------------------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: dict[str, Any] | None = None,
               mode: str | None = None, timings: dict[str, float] | None = None,
               query_vector: np.ndarray | None = None) -> list[Hit]:
        """Top-k hits for the query; only chunks of ready document versions are returned."""
        return self.search_with_vector(query, k, filters, mode, timings, query_vector)[0]

    def search_with_vector(self, query: str, k: int | None = None, filters: dict[str, Any] | None = None,
                           mode: str | None = None, timings: dict[str, float] | None = None,
                           query_vector: np.ndarray | None = None) -> tuple[list[Hit], np.ndarray]:
        """search(), also returning the query's vector. When the vector has to be computed, the BM25 side is
        searched on a worker thread meanwhile (the model's forward pass releases the GIL)."""
        mode = mode or self.settings.retriever
        if mode not in MODES:
            raise InvalidInputError(f"Unknown retriever '{mode}': use one of {', '.join(MODES)}")
        k = k or self.settings.k
        timings = timings if timings is not None else {}
        self.refresh()
        f = self.normalise_filters(filters)
        n = max(self.settings.candidates, k)
        lexical: list[tuple[str, float]] = []
        pending = None
        if mode in ("bm25", "hybrid"):
            if query_vector is None:
                pending = _pool().submit(self._lexical, query, n, f)
            else:
                lexical, timings["bm25"] = self._lexical(query, n, f)
        if query_vector is None:
            t0 = time.perf_counter()
            query_vector = embed_query(self.embedder, query)
            timings["embed_query"] = time.perf_counter() - t0
        qv = query_vector

        dense: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            t0 = time.perf_counter()
            ready = self.bm25.row  # ids of the ready versions' chunks, kept in step with the registry
            dense = [(cid, sim) for cid, sim in self.store.nearest(qv, n + 10, self._where(f)) if cid in ready][:n]
            timings["dense"] = time.perf_counter() - t0
        if pending is not None:
            lexical, timings["bm25"] = pending.result()

        t0 = time.perf_counter()
        fused: dict[str, float] = {}
        for ranked in (dense, lexical):
            for rank, (cid, _score) in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        ranked = sorted(fused, key=lambda c: -fused[c])
        bm_by = dict(lexical)
        hits: list[Hit] = []
        # Fetch the fused top k (text, metadata and vector, so BM25-only hits get a dense similarity too); chunks
        # another process re-wrote since the last refresh are dropped, and the next candidates fill their place.
        start = 0
        while len(hits) < k and start < len(ranked):
            batch = ranked[start:start + k - len(hits)]
            start += len(batch)
            got = {cid: (sim, text, meta) for cid, sim, text, meta in self.store.chunks_by_id(batch, qv)}
            for cid in batch:
                if cid not in got:
                    continue
                sim, text, meta = got[cid]
                doc = self.docs.get(meta.get("source_id"), {})
                if doc.get("hash") != meta.get("doc_hash"):
                    continue
                hits.append(Hit(chunk=chunk_from(cid, text, meta), score=fused[cid], dense_score=sim,
                                bm25_score=bm_by.get(cid), meta=doc))
        timings["fusion"] = time.perf_counter() - t0
        return hits, qv

    def section_hits(self, source_id: str, match: Callable[[str], bool], query_vector, exclude: set[str],
                     limit: int = 3) -> list[Hit]:
        """The first chunks of one document whose section heading `match`es ('Article 34 — ...'), as hits."""
        with self._lock:
            bm = self.bm25
            ids = [bm.ids[r] for r in bm.rows_of(source_id) if bm.ids[r] not in exclude and match(bm.section_of[r])]
        return self._hits_of(ids, query_vector, order_by_position=True)[:limit]

    def hit_at(self, source_id: str, offset: int, query_vector) -> Hit | None:
        """The chunk of a document's ready version that holds the character at `offset`, as a hit."""
        ready = self.docs.get(source_id, {}).get("hash")
        if not ready:
            return None
        for cid, _t, meta in self.store.iter_chunks(where={"source_id": source_id}, text=False):
            if meta.get("doc_hash") == ready and int(meta.get("start", -1)) <= offset < int(meta.get("end", -1)):
                got = self._hits_of([cid], query_vector)
                return got[0] if got else None
        return None

    def _hits_of(self, ids: list[str], query_vector, order_by_position: bool = False) -> list[Hit]:
        hits = [Hit(chunk=chunk_from(cid, text, meta), score=0.0, dense_score=sim,
                    meta=self.docs.get(meta.get("source_id"), {}))
                for cid, sim, text, meta in self.store.chunks_by_id(ids, query_vector)
                if self.docs.get(meta.get("source_id"), {}).get("hash") == meta.get("doc_hash")]
        return sorted(hits, key=lambda h: h.chunk.position) if order_by_position else hits

    def _lexical(self, query: str, n: int, f: dict[str, Any]) -> tuple[list[tuple[str, float]], float]:
        """BM25 top n as (chunk id, score), and the seconds it took."""
        t0 = time.perf_counter()
        with self._lock:
            bm = self.bm25
            allowed = self._allowed_sources(f)
            mask = None
            if allowed is not None:
                mask = np.fromiter((s in allowed for s in bm.source_of), dtype=bool, count=len(bm.source_of))
            out = [(bm.ids[r], score) for r, score in bm.search(query, n, mask)]
        return out, time.perf_counter() - t0


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bm25")
        return _POOL


def _hashes_from(signature: str) -> dict[str, str]:
    try:
        hashes = json.loads(signature)
        return {str(k): str(v) for k, v in hashes.items()} if isinstance(hashes, dict) else {}
    except ValueError:
        return {}


def _bm25_text(text: str, meta: dict) -> str:
    # The title and section are indexed with the passage so "Bartz settlement" finds the right section.
    return f"{meta.get('title', '')} {meta.get('section', '')} {text}"
