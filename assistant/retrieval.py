"""question (+ filters) -> ranked Hits: dense (Chroma) and the lexical index (lexical.py), fused by reciprocal rank."""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .embedding import Embedder, embed_query
from .errors import InvalidInputError
from .lexical import LexicalIndex
from .settings import Settings, choices
from .store import Store, date_int
from .types import Chunk, Hit

FILTER_KEYS = ("type", "jurisdiction", "date_from", "date_to", "source_id", "status")
MODES = choices("retriever")  # the Literal in settings.Settings
RRF_K = 60


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
    """Embeds the question, queries Chroma and the lexical index, and fuses the two rankings."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings, lexical: LexicalIndex):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = lexical  # owns the registry view and keeps it in step (refresh, document_written, ...)
        self._known: dict[tuple[str | None, str], set[str]] = {}
        self._doc_vectors: dict[tuple[str, str], tuple[list[str], np.ndarray]] = {}  # (source id, version)
        self._vec_lock = threading.Lock()
        # every ready chunk's vector, for the exact dense search: (registry signature, chunk ids, the matrix,
        # source id -> (version, first row, end row))
        self._all: tuple | None = None

    @property
    def docs(self) -> dict[str, dict[str, Any]]:
        """The registry view searches filter by (the lexical index's)."""
        return self.lexical.docs

    @property
    def signature(self) -> str | None:
        """A digest of the visible documents' versions (the lexical index's; see LexicalIndex.signature)."""
        return self.lexical.signature

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
            known = self.docs if field == "source_id" else self._known_values(field)  # a dict lookup per id
            unknown = [v for v in values if v not in known]
            if unknown and self.docs:
                shown = ", ".join(sorted(str(k) for k in known if k)[:30])
                raise InvalidInputError(f"Unknown {key} '{unknown[0]}' in filters: the index has {shown}")
            out[key] = values
        if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"]:
            raise InvalidInputError("Filter date_from is after date_to: swap them")
        return out

    def _known_values(self, field: str) -> set[str]:
        """The values a registry field takes, cached per registry version (14k documents take ~10 ms to scan)."""
        key = (self.signature, field)
        got = self._known.get(key)
        if got is None:
            got = {str(d.get(field, "")) for d in list(self.docs.values())}
            self._known = {k: v for k, v in self._known.items() if k[0] == self.signature}
            self._known[key] = got
        return got

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
        if set(f) == {"source_id"}:  # a search within named documents: no scan of the registry
            return {sid for sid in f["source_id"] if sid in self.docs}
        out = set()
        for sid, d in list(self.docs.items()):  # a copy: ingest may add to the view meanwhile
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
        self.lexical.refresh()
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
            if set(f) == {"source_id"} and len(f["source_id"]) <= 3:
                dense = self._dense_within(f["source_id"], qv, n)
            elif len(self.lexical.ready) <= self.settings.exact_dense_max \
                    and (exact := self._dense_all(qv, n, self._allowed_sources(f))) is not None:
                dense = exact
            else:
                ready = self.lexical.ready  # ids of the ready versions' chunks, kept in step with the registry
                dense = [(cid, sim) for cid, sim in self.store.nearest(qv, n + 10, self._where(f))
                         if cid in ready][:n]
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

    def _doc_block(self, sid: str, dim: int) -> tuple[list[str], np.ndarray] | None:
        """A document's ready chunk ids and their vectors, cached per document version (None: not ready)."""
        version = self.docs.get(sid, {}).get("hash")
        if not version:
            return None
        key = (sid, version)
        got = self._doc_vectors.get(key)
        if got is None:
            ids = [cid for cid, _section in self.lexical.sections(sid)]
            vecs = self.store.vectors(ids)
            got = _stacked(ids, vecs, dim)
            with self._vec_lock:
                self._doc_vectors[key] = got
                while len(self._doc_vectors) > 256:
                    self._doc_vectors.pop(next(iter(self._doc_vectors)))
        return got

    def _dense_all(self, qv: np.ndarray, n: int, allowed: set[str] | None) -> list[tuple[str, float]] | None:
        """The exact dense search over every ready chunk (of the allowed documents): all their vectors, held in
        memory per registry version, times the query. Chroma's HNSW search is approximate, and an index under its
        sync threshold is rebuilt at random on every start, so the best passage could be missing from one process
        and found by the next. None when the vectors cannot be read (the caller falls back to Chroma)."""
        sig = self.signature
        got = self._all
        if got is None or got[0] != sig:
            try:
                got = self._build_all(sig, len(qv))
            except Exception:  # noqa: BLE001 - a store that cannot give its vectors: Chroma's own search answers
                return None
        _sig, ids, mat, spans = got
        if not ids:
            return []
        sims = mat @ np.asarray(qv, dtype=np.float32)
        if allowed is not None:
            keep = np.zeros(len(ids), dtype=bool)
            for sid in allowed:
                if sid in spans:
                    keep[spans[sid][1]:spans[sid][2]] = True
            sims = np.where(keep, sims, -np.inf)
        k = min(n + 50, int(np.isfinite(sims).sum()))  # (a few more: some may not be in a ready version)
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]  # best first; equal scores in row order
        ready = self.lexical.ready
        return [(ids[i], float(sims[i])) for i in top if ids[i] in ready][:n]

    def _build_all(self, sig: str | None, dim: int):
        """Every ready document's vectors stacked into one matrix, for one registry version: the rows of
        documents whose version is unchanged are taken from the previous matrix, the others read from the store
        in one go."""
        docs = sorted(sid for sid, d in list(self.docs.items()) if d.get("hash"))
        old = self._all
        old_spans = old[3] if old is not None else {}
        keep = {sid for sid in docs if old_spans.get(sid, ("",))[0] == self.docs[sid]["hash"]}
        fresh = [sid for sid in docs if sid not in keep]
        ids_of = {sid: [cid for cid, _s in self.lexical.sections(sid)] for sid in fresh}
        flat = [cid for sid in fresh for cid in ids_of[sid]]
        vecs: dict[str, np.ndarray] = {}
        for i in range(0, len(flat), 5000):
            vecs.update(self.store.vectors(flat[i:i + 5000]))
        ids: list[str] = []
        mats: list[np.ndarray] = []
        spans: dict[str, tuple[str, int, int]] = {}
        for sid in docs:
            if sid in keep:
                _v, a, b = old_spans[sid]
                block_ids, block = old[1][a:b], old[2][a:b]
            else:
                block_ids, block = _stacked(ids_of[sid], vecs, dim)
            if not block_ids:
                continue
            spans[sid] = (self.docs[sid]["hash"], len(ids), len(ids) + len(block_ids))
            ids += block_ids
            mats.append(block)
        got = (sig, ids, np.vstack(mats) if mats else np.zeros((0, dim), np.float32), spans)
        with self._vec_lock:
            self._all = got
        return got

    def _dense_within(self, sources: list[str], qv: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Dense search within a few documents (the focus search of a question that names them): their ready
        chunks' vectors times the query, exactly what Chroma's filtered search computes, without its metadata
        filter (~50 ms per call at 100k chunks). The vectors are cached per document version."""
        scored: list[tuple[str, float]] = []
        for sid in sources:
            got = self._doc_block(sid, len(qv))
            if got is None:
                continue
            ids, mat = got
            if ids:
                sims = mat @ np.asarray(qv, dtype=np.float32)
                scored += [(cid, float(v)) for cid, v in zip(ids, sims)]
        scored.sort(key=lambda x: -x[1])
        return scored[:n]

    def section_hits(self, source_id: str, match: Callable[[str], bool], query_vector, exclude: set[str],
                     limit: int = 3) -> list[Hit]:
        """The first chunks of one document whose section heading `match`es ('Article 34 — ...'), as hits."""
        ids = [cid for cid, section in self.lexical.sections(source_id) if cid not in exclude and match(section)]
        return self._hits_of(ids, query_vector, order_by_position=True)[:limit]

    def _ready_chunks(self, source_id: str) -> Iterator[tuple[str, int, int]]:
        """(chunk id, start, end) of each chunk of a document's ready version, in the store's order."""
        ready = self.docs.get(source_id, {}).get("hash")
        if not ready:
            return
        for cid, _t, meta in self.store.iter_chunks(where={"source_id": source_id}, text=False):
            if meta.get("doc_hash") == ready:
                yield cid, int(meta.get("start", -1)), int(meta.get("end", -1))

    def _hit(self, cid: str | None, query_vector) -> Hit | None:
        got = self._hits_of([cid], query_vector) if cid is not None else []
        return got[0] if got else None

    def hit_at(self, source_id: str, offset: int, query_vector) -> Hit | None:
        """The chunk of a document's ready version that holds the character at `offset`, as a hit."""
        return self._hit(next((cid for cid, a, b in self._ready_chunks(source_id) if a <= offset < b), None),
                         query_vector)

    def hit_after(self, source_id: str, offset: int, query_vector) -> Hit | None:
        """The first chunk of a document's ready version that starts at or after `offset`, as a hit."""
        after = [(a, cid) for cid, a, _b in self._ready_chunks(source_id) if a >= offset]
        return self._hit(min(after, key=lambda x: x[0])[1] if after else None, query_vector)

    def _hits_of(self, ids: list[str], query_vector, order_by_position: bool = False) -> list[Hit]:
        hits = [Hit(chunk=chunk_from(cid, text, meta), score=0.0, dense_score=sim,
                    meta=self.docs.get(meta.get("source_id"), {}))
                for cid, sim, text, meta in self.store.chunks_by_id(ids, query_vector)
                if self.docs.get(meta.get("source_id"), {}).get("hash") == meta.get("doc_hash")]
        return sorted(hits, key=lambda h: h.chunk.position) if order_by_position else hits

    def _lexical(self, query: str, n: int, f: dict[str, Any]) -> tuple[list[tuple[str, float]], float]:
        """The lexical index's top n as (chunk id, score), and the seconds it took."""
        t0 = time.perf_counter()
        out = self.lexical.search(query, n, self._allowed_sources(f))
        return out, time.perf_counter() - t0


def _stacked(ids: list[str], vecs: dict[str, np.ndarray], dim: int) -> tuple[list[str], np.ndarray]:
    """The ids that have a vector, and their vectors as one matrix (rows in the ids' order)."""
    ids = [cid for cid in ids if cid in vecs]
    return ids, np.vstack([vecs[c] for c in ids]) if ids else np.zeros((0, dim), np.float32)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bm25")
        return _POOL
