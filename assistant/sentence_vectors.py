"""Vectors of the sentences an answer may quote, made at ingest and kept beside the index.

The composer weighs each candidate sentence by its similarity in meaning to the question. Embedding the ~30
candidates of one question took ~250 ms of a ~260 ms warm ask on 2 cores; ingest embeds them instead (the texts
`composer.quotable` gives for each passage, in the same batches as the passages), so a question only looks them up.

The table is content-addressed: a row is (embedder model, digest of the text, document) -> vector. A row can never
be stale, since a changed sentence has another digest; a missing one (an index built before this existed, a
sentence a profile change makes quotable) is embedded when a question needs it, exactly as before, so the answer
is the same either way. Rows are kept per document only so that removing or rewriting a document drops its rows.
SQLite (standard library) gives transactions; a server reading while a CLI ingest writes waits at most for a
commit. (Its rollback journal, not WAL: a WAL file grows to ~4 MB before it is checkpointed and is never shrunk,
which on a nearly full disk is the difference between an ingest that completes and one that does not.)
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

FILE = "sentences.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vec (model TEXT NOT NULL, digest BLOB NOT NULL, source TEXT NOT NULL, v BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS vec_key ON vec (model, digest, source);
CREATE INDEX IF NOT EXISTS vec_source ON vec (source);
"""
_MAX_VARS = 900  # SQLite's default limit on bound parameters is 999


def digest(text: str) -> bytes:
    """The key of a text: 16 bytes of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class SentenceVectors:
    """Unit vectors of quotable sentences, by text, for one embedder model. Thread-safe; one SQLite connection."""

    def __init__(self, folder: Path, model_id: str, embed: Callable[[list[str]], np.ndarray]):
        self.path = Path(folder) / FILE
        self.model_id = model_id  # the composer's in-memory cache keys vectors by this
        self._embed = embed
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.looked_up = 0  # texts asked for at question time, and how many had to be embedded then
        self.embedded_late = 0

    def _db(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is None:
            if not create and not self.path.exists():
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- reading ----------------------------------------------------------------------------------------------------
    def found(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those texts that have one."""
        by_key = {digest(t): t for t in dict.fromkeys(texts)}
        out: dict[str, np.ndarray] = {}
        if not by_key:
            return out
        with self._lock:
            db = self._db(create=False)
            if db is None:
                return out
            keys = list(by_key)
            for i in range(0, len(keys), _MAX_VARS):
                part = keys[i:i + _MAX_VARS]
                rows = db.execute(f"SELECT digest, v FROM vec WHERE model = ? AND digest IN ({','.join('?' * len(part))})",
                                  [self.model_id, *part]).fetchall()
                for key, blob in rows:
                    out[by_key[bytes(key)]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for the texts, in order: stored ones looked up, the rest embedded now (not stored: the question
        path only reads)."""
        have, late = self.vectors_for(texts)
        self.looked_up += len(texts)
        self.embedded_late += late
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([have[t] for t in texts])

    def count(self) -> int:
        with self._lock:
            db = self._db(create=False)
            return 0 if db is None else db.execute("SELECT COUNT(*) FROM vec").fetchone()[0]

    # -- writing (ingest) -----------------------------------------------------------------------------------------
    def vectors_for(self, texts: list[str], embed: Callable[[list[str]], np.ndarray] | None = None
                    ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors for the texts: stored ones read, the rest embedded with `embed` (the ingest path's batch
        embedder); and how many were embedded."""
        wanted = list(dict.fromkeys(texts))
        have = self.found(wanted)
        new = [t for t in wanted if t not in have]
        if new:
            have.update(zip(new, np.asarray((embed or self._embed)(new), dtype=np.float32)))
        return have, len(new)

    def write(self, items: list[tuple[str, list[str]]], embed: Callable[[list[str]], np.ndarray] | None = None,
              vectors: dict[str, np.ndarray] | None = None) -> int:
        """Replace the rows of each (source id, its quotable texts) in one transaction. `vectors` are ones already
        made (ingest makes them batch by batch, to report progress); texts any document already has are copied
        and the rest embedded with `embed`. Returns the texts embedded here."""
        wanted = [t for _sid, texts in items for t in texts]
        have = dict(vectors or {})
        missing = [t for t in dict.fromkeys(wanted) if t not in have]
        more, n_new = self.vectors_for(missing, embed) if missing else ({}, 0)
        have.update(more)
        with self._lock:
            db = self._db(create=True)
            db.execute("BEGIN IMMEDIATE")
            try:
                for sid, texts in items:
                    db.execute("DELETE FROM vec WHERE source = ?", (sid,))
                    db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?, ?)",
                                   [(self.model_id, digest(t), sid, np.ascontiguousarray(have[t], np.float32).tobytes())
                                    for t in dict.fromkeys(texts)])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return n_new

    def remove(self, source_id: str) -> None:
        """Drop a removed document's rows."""
        with self._lock:
            db = self._db(create=False)
            if db is not None:
                db.execute("DELETE FROM vec WHERE source = ?", (source_id,))

    def reset(self) -> None:
        """Drop every row (a rebuild)."""
        with self._lock:
            db = self._db(create=False)
            if db is not None:
                db.execute("DELETE FROM vec")
