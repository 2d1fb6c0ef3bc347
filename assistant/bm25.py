"""An in-memory BM25 index over chunks, updated on ingest and removal (never rebuilt per query)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Iterable

import numpy as np

from .text import content_words


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) with tombstones for removed chunks and lazily built posting arrays."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.ids: list[str] = []
        self.source_of: list[str] = []
        self.meta: list[dict] = []
        self.lengths: list[int] = []
        self.alive: list[bool] = []
        self.row: dict[str, int] = {}
        self.by_source: dict[str, list[int]] = defaultdict(list)
        self.postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._len_arr: np.ndarray | None = None
        self._alive_arr: np.ndarray | None = None
        self.n_alive = 0
        self.total_len = 0

    def __len__(self) -> int:
        return self.n_alive

    def add(self, chunk_id: str, text: str, meta: dict) -> None:
        """Index one chunk (re-adding an id replaces it)."""
        if chunk_id in self.row:
            self.remove_ids([chunk_id])
        toks = Counter(content_words(text))
        r = len(self.ids)
        self.ids.append(chunk_id)
        self.source_of.append(meta.get("source_id", ""))
        self.meta.append(meta)
        n = sum(toks.values())
        self.lengths.append(n)
        self.alive.append(True)
        self.row[chunk_id] = r
        self.by_source[self.source_of[r]].append(r)
        for term, tf in toks.items():
            rows, tfs = self.postings[term]
            rows.append(r)
            tfs.append(tf)
            self._arrays.pop(term, None)
        self.n_alive += 1
        self.total_len += n
        self._len_arr = self._alive_arr = None

    def add_many(self, items: Iterable[tuple[str, str, dict]]) -> None:
        """Index many (id, text, metadata) triples."""
        for cid, text, meta in items:
            self.add(cid, text, meta)

    def remove_ids(self, chunk_ids: Iterable[str]) -> None:
        """Forget chunks (tombstoned; compacted when many are dead)."""
        for cid in chunk_ids:
            r = self.row.pop(cid, None)
            if r is not None and self.alive[r]:
                self.alive[r] = False
                self.n_alive -= 1
                self.total_len -= self.lengths[r]
        self._alive_arr = None
        if len(self.ids) > 1000 and self.n_alive < len(self.ids) / 2:
            self._compact()

    def remove_source(self, source_id: str) -> None:
        """Forget every chunk of a document."""
        rows = self.by_source.pop(source_id, [])
        self.remove_ids([self.ids[r] for r in rows if self.alive[r]])

    def _compact(self) -> None:
        """Drop dead rows and renumber the live ones, filtering every posting list once."""
        alive = np.asarray(self.alive, dtype=bool)
        new_row = np.cumsum(alive) - 1
        keep = np.flatnonzero(alive)
        self.ids = [self.ids[r] for r in keep]
        self.source_of = [self.source_of[r] for r in keep]
        self.meta = [self.meta[r] for r in keep]
        self.lengths = [self.lengths[r] for r in keep]
        self.alive = [True] * len(keep)
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        self.by_source = defaultdict(list)
        for i, sid in enumerate(self.source_of):
            self.by_source[sid].append(i)
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for term, (rows, tfs) in self.postings.items():
            r = np.asarray(rows, dtype=np.int64)
            live = alive[r]
            if live.any():
                postings[term] = (new_row[r[live]].tolist(), np.asarray(tfs)[live].tolist())
        self.postings = postings
        self._arrays = {}
        self._len_arr = self._alive_arr = None

    def rows_of(self, source_id: str) -> list[int]:
        """Live rows of one document."""
        return [r for r in self.by_source.get(source_id, []) if self.alive[r]]

    def _posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        if term not in self.postings:
            return None
        arr = self._arrays.get(term)
        if arr is None:
            rows, tfs = self.postings[term]
            arr = (np.asarray(rows, dtype=np.int64), np.asarray(tfs, dtype=np.float32))
            self._arrays[term] = arr
        return arr

    def search(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top n (row, score) for the query; `allowed` is a boolean mask over rows (filters)."""
        terms = list(dict.fromkeys(content_words(query)))
        if not terms or self.n_alive == 0:
            return []
        if self._len_arr is None:
            self._len_arr = np.asarray(self.lengths, dtype=np.float32)
        if self._alive_arr is None:
            self._alive_arr = np.asarray(self.alive, dtype=bool)
        avg = max(self.total_len / max(self.n_alive, 1), 1.0)
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for t in terms:
            p = self._posting(t)
            if p is None:
                continue
            rows, tfs = p
            df = int(self._alive_arr[rows].sum())
            if df == 0:
                continue
            idf = math.log(1 + (self.n_alive - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1 - self.b + self.b * self._len_arr[rows] / avg)
            scores[rows] += idf * tfs * (self.k1 + 1) / (tfs + norm)
        mask = self._alive_arr if allowed is None else (self._alive_arr & allowed)
        scores[~mask] = 0.0
        k = min(n, int((scores > 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(r), float(scores[r])) for r in top]

    def df(self, term: str) -> int:
        """How many chunks contain the (stemmed) term (dead rows included until compaction)."""
        p = self.postings.get(term)
        return len(p[0]) if p else 0

    def idf(self, term: str) -> float:
        """Inverse document frequency of a (stemmed) term; unknown terms get the maximum."""
        p = self.postings.get(term)
        df = len(p[0]) if p else 0
        return math.log(1 + (self.n_alive - df + 0.5) / (df + 0.5))
