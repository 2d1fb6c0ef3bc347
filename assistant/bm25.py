"""An in-memory BM25 index over chunks, updated on ingest and removal (never rebuilt per query).

Postings live in two parts: a compact frozen part (CSR arrays: one slice of rows/term-frequencies per term) and a
small delta of lists for chunks added since the last freeze. Removed chunks are tombstoned and dropped at the next
freeze. The index can be saved to and loaded from a folder, so serving does not re-read every chunk at start-up.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np

from .text import TOKENIZER_VERSION, content_words

FORMAT = 1


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) with tombstones, a frozen CSR part and a delta part."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.ids: list[str] = []
        self.source_of: list[str] = []
        self.section_of: list[str] = []
        self.lengths: list[int] = []
        self.alive: list[bool] = []
        self.row: dict[str, int] = {}
        self.by_source: dict[str, list[int]] = defaultdict(list)
        # frozen part
        self.vocab: dict[str, int] = {}
        self.indptr = np.zeros(1, dtype=np.int64)
        self.f_rows = np.zeros(0, dtype=np.int32)
        self.f_tfs = np.zeros(0, dtype=np.float32)
        # delta part
        self.delta: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        self.n_alive = 0
        self.total_len = 0
        self._len_arr: np.ndarray | None = None
        self._alive_arr: np.ndarray | None = None
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return self.n_alive

    # -- writing ------------------------------------------------------------------------------------------------
    def add(self, chunk_id: str, text: str, meta: dict) -> None:
        """Index one chunk (re-adding an id replaces it)."""
        if chunk_id in self.row:
            self.remove_ids([chunk_id])
        toks = Counter(content_words(text))
        r = len(self.ids)
        self.ids.append(chunk_id)
        self.source_of.append(str(meta.get("source_id", "")))
        self.section_of.append(str(meta.get("section", "")))
        n = sum(toks.values())
        self.lengths.append(n)
        self.alive.append(True)
        self.row[chunk_id] = r
        self.by_source[self.source_of[r]].append(r)
        for term, tf in toks.items():
            rows, tfs = self.delta[term]
            rows.append(r)
            tfs.append(tf)
            self._cache.pop(term, None)
        self.n_alive += 1
        self.total_len += n
        self._len_arr = self._alive_arr = None

    def add_many(self, items: Iterable[tuple[str, str, dict]]) -> None:
        """Index many (id, text, metadata) triples, then freeze them into the compact part."""
        for cid, text, meta in items:
            self.add(cid, text, meta)
        self.freeze()

    def remove_ids(self, chunk_ids: Iterable[str]) -> None:
        """Forget chunks (tombstoned; dropped at the next freeze, which happens when many are dead)."""
        for cid in chunk_ids:
            r = self.row.pop(cid, None)
            if r is not None and self.alive[r]:
                self.alive[r] = False
                self.n_alive -= 1
                self.total_len -= self.lengths[r]
        self._alive_arr = None
        if len(self.ids) > 1000 and self.n_alive < len(self.ids) / 2:
            self.freeze()

    def remove_source(self, source_id: str) -> None:
        """Forget every chunk of a document."""
        rows = self.by_source.pop(source_id, [])
        self.remove_ids([self.ids[r] for r in rows if self.alive[r]])

    def freeze(self) -> None:
        """Merge the delta into the frozen part and drop dead rows, renumbering the live ones."""
        alive = np.asarray(self.alive, dtype=bool)
        new_row = (np.cumsum(alive) - 1).astype(np.int64)
        keep = np.flatnonzero(alive)
        terms = sorted(set(self.vocab) | set(self.delta))
        parts_rows, parts_tfs, indptr = [], [], [0]
        vocab: dict[str, int] = {}
        for term in terms:
            r, t = self._raw_posting(term)
            if len(r):
                live = alive[r]
                r, t = new_row[r[live]], t[live]
            if len(r) == 0:
                continue
            vocab[term] = len(vocab)
            parts_rows.append(r.astype(np.int32))
            parts_tfs.append(t.astype(np.float32))
            indptr.append(indptr[-1] + len(r))
        self.vocab = vocab
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.f_rows = np.concatenate(parts_rows) if parts_rows else np.zeros(0, dtype=np.int32)
        self.f_tfs = np.concatenate(parts_tfs) if parts_tfs else np.zeros(0, dtype=np.float32)
        self.delta = defaultdict(lambda: ([], []))
        self.ids = [self.ids[r] for r in keep]
        self.source_of = [self.source_of[r] for r in keep]
        self.section_of = [self.section_of[r] for r in keep]
        self.lengths = [self.lengths[r] for r in keep]
        self.alive = [True] * len(keep)
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        self.by_source = defaultdict(list)
        for i, sid in enumerate(self.source_of):
            self.by_source[sid].append(i)
        self._cache = {}
        self._len_arr = self._alive_arr = None

    # -- reading ------------------------------------------------------------------------------------------------
    def _raw_posting(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        tid = self.vocab.get(term)
        if tid is not None:
            a, b = self.indptr[tid], self.indptr[tid + 1]
            fr, ft = self.f_rows[a:b].astype(np.int64), self.f_tfs[a:b]
        else:
            fr, ft = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        d = self.delta.get(term)
        if d and d[0]:
            fr = np.concatenate([fr, np.asarray(d[0], dtype=np.int64)])
            ft = np.concatenate([ft, np.asarray(d[1], dtype=np.float32)])
        return fr, ft

    def _posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        if term not in self.vocab and term not in self.delta:
            return None
        arr = self._cache.get(term)
        if arr is None:
            arr = self._raw_posting(term)
            self._cache[term] = arr
        return arr

    def rows_of(self, source_id: str) -> list[int]:
        """Live rows of one document."""
        return [r for r in self.by_source.get(source_id, []) if self.alive[r]]

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
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top]

    def sources_with(self, terms: Iterable[str]) -> Counter:
        """For each document, how many of its live chunks contain every one of the (stemmed) terms."""
        rows: set[int] | None = None
        for t in dict.fromkeys(terms):
            p = self._posting(t)
            got = set(p[0].tolist()) if p is not None else set()
            rows = got if rows is None else rows & got
            if not rows:
                return Counter()
        return Counter(self.source_of[r] for r in rows or () if self.alive[r])

    def chunks_of(self, source_id: str) -> int:
        """How many live chunks a document has."""
        return len(self.rows_of(source_id))

    def df(self, term: str) -> int:
        """How many chunks contain the (stemmed) term (dead rows included until the next freeze)."""
        tid = self.vocab.get(term)
        n = int(self.indptr[tid + 1] - self.indptr[tid]) if tid is not None else 0
        d = self.delta.get(term)
        return n + (len(d[0]) if d else 0)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a (stemmed) term; unknown terms get the maximum."""
        df = self.df(term)
        return math.log(1 + (self.n_alive - df + 0.5) / (df + 0.5))

    # -- persistence --------------------------------------------------------------------------------------------
    def save(self, folder: Path, signature: str) -> None:
        """Write the index (frozen first) atomically: a new folder is renamed over the old one."""
        self.freeze()
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        np.savez(tmp / "arrays.npz", indptr=self.indptr, rows=self.f_rows, tfs=self.f_tfs,
                 lengths=np.asarray(self.lengths, dtype=np.int32))
        meta = {"format": FORMAT, "tokenizer": TOKENIZER_VERSION, "signature": signature, "k1": self.k1, "b": self.b, "terms": list(self.vocab),
                "ids": self.ids, "source_of": self.source_of, "section_of": self.section_of}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            os.replace(folder, old) if not old.exists() else (_rmtree(old), os.replace(folder, old))
        os.replace(tmp, folder)
        if old.exists():
            _rmtree(old)

    @classmethod
    def load(cls, folder: Path) -> tuple["BM25Index", str] | None:
        """(index, signature) from a saved folder, or None when missing or unreadable."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("tokenizer") != TOKENIZER_VERSION:
                return None
            arrays = np.load(folder / "arrays.npz")
            bm = cls(meta["k1"], meta["b"])
            bm.indptr, bm.f_rows, bm.f_tfs = arrays["indptr"], arrays["rows"], arrays["tfs"]
            bm.lengths = arrays["lengths"].tolist()
            bm.vocab = {t: i for i, t in enumerate(meta["terms"])}
            bm.ids, bm.source_of, bm.section_of = meta["ids"], meta["source_of"], meta["section_of"]
            bm.alive = [True] * len(bm.ids)
            bm.row = {cid: i for i, cid in enumerate(bm.ids)}
            for i, sid in enumerate(bm.source_of):
                bm.by_source[sid].append(i)
            bm.n_alive, bm.total_len = len(bm.ids), int(sum(bm.lengths))
            return bm, meta["signature"]
        except (OSError, ValueError, KeyError):
            return None


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
