"""A keyword index over chunks on SQLite FTS5 (standard library), with the same shape of API as bm25.BM25Index.

The database lives in memory, one per process like the BM25 side; save() copies it to a file beside the index and
load() copies it back. The indexed text is our own tokens (text.content_words: lower-cased, stopwords dropped,
stemmed) joined by spaces, and FTS5's tokenizer is told to keep the characters our tokens may hold, so both indexes
see the same terms. Ranking is FTS5's bm25() (k1=1.2, b=0.75; its idf differs from ours for very common terms).
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Iterable

from .text import TOKENIZER_VERSION, content_words

FORMAT = 1
FILE = "chunks.sqlite"
# $ and § start words ('$150', '§107'); '.' and "'" join them ('u.s', "o'connor"): see text.words()
_TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '$§.''’'"
_SCHEMA = f"""
CREATE TABLE chunk(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, source TEXT NOT NULL, section TEXT NOT NULL);
CREATE INDEX chunk_source ON chunk(source);
CREATE VIRTUAL TABLE body USING fts5(terms, tokenize="{_TOKENIZE}", detail=column);
CREATE VIRTUAL TABLE vocab USING fts5vocab(body, 'row');
CREATE TABLE info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _connect(path: str = ":memory:", uri: bool = False) -> sqlite3.Connection:
    # every call is made under the owner's lock (lexical.Fts5Lexical), from whichever thread holds it
    return sqlite3.connect(path, check_same_thread=False, uri=uri)


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Fts5Index:
    """Chunks in an in-memory FTS5 table; writes are one transaction until freeze() commits them."""

    def __init__(self, db: sqlite3.Connection | None = None):
        self.db = db or _connect()
        if db is None:
            self.db.executescript(_SCHEMA)
        self.row: dict[str, int] = {cid: r for r, cid in self.db.execute("SELECT rowid, id FROM chunk")}

    def __len__(self) -> int:
        return len(self.row)

    # -- writing ------------------------------------------------------------------------------------------------
    def add(self, chunk_id: str, text: str, meta: dict) -> None:
        """Index one chunk (re-adding an id replaces it)."""
        if chunk_id in self.row:
            self.remove_ids([chunk_id])
        cur = self.db.execute("INSERT INTO chunk(id, source, section) VALUES (?, ?, ?)",
                              (chunk_id, str(meta.get("source_id", "")), str(meta.get("section", ""))))
        self.db.execute("INSERT INTO body(rowid, terms) VALUES (?, ?)", (cur.lastrowid, " ".join(content_words(text))))
        self.row[chunk_id] = cur.lastrowid

    def add_many(self, items: Iterable[tuple[str, str, dict]]) -> None:
        """Index many (id, text, metadata) triples, then commit."""
        for cid, text, meta in items:
            self.add(cid, text, meta)
        self.freeze()

    def remove_ids(self, chunk_ids: Iterable[str]) -> None:
        """Forget chunks."""
        rows = [(r,) for r in (self.row.pop(cid, None) for cid in chunk_ids) if r is not None]
        self.db.executemany("DELETE FROM body WHERE rowid = ?", rows)
        self.db.executemany("DELETE FROM chunk WHERE rowid = ?", rows)

    def remove_source(self, source_id: str) -> None:
        """Forget every chunk of a document."""
        self.remove_ids([cid for cid, in self.db.execute("SELECT id FROM chunk WHERE source = ?", (source_id,))])

    def freeze(self) -> None:
        """Commit the writes and merge FTS5's segments (searches read fewer b-trees)."""
        self.db.execute("INSERT INTO body(body) VALUES ('optimize')")
        self.db.commit()

    # -- reading ------------------------------------------------------------------------------------------------
    def search(self, query: str, n: int, sources: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Top n (chunk id, score) for the query, optionally only chunks of the given documents."""
        terms = list(dict.fromkeys(content_words(query)))
        if not terms or not self.row:
            return []
        match = " OR ".join(_phrase(t) for t in terms)
        if sources is None:
            got = self.db.execute("SELECT c.id, -bm25(body) FROM body JOIN chunk c ON c.rowid = body.rowid "
                                  "WHERE body MATCH ? ORDER BY rank LIMIT ?", (match, n))
        else:
            # a temporary table, not a long IN (...) list: filters can allow thousands of documents
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS allowed(source TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM allowed")
            self.db.executemany("INSERT OR IGNORE INTO allowed VALUES (?)", [(s,) for s in sources])
            got = self.db.execute("SELECT c.id, -bm25(body) FROM body JOIN chunk c ON c.rowid = body.rowid "
                                  "WHERE body MATCH ? AND c.source IN (SELECT source FROM allowed) "
                                  "ORDER BY rank LIMIT ?", (match, n))
        return [(cid, float(s)) for cid, s in got.fetchall() if s > 0]

    def sections(self, source_id: str) -> list[tuple[str, str]]:
        """(chunk id, section heading) of one document's chunks, in the order they were added."""
        return self.db.execute("SELECT id, section FROM chunk WHERE source = ? ORDER BY rowid",
                               (source_id,)).fetchall()

    def sources_with(self, terms: Iterable[str]) -> Counter:
        """For each document, how many of its chunks contain every one of the (stemmed) terms."""
        terms = list(dict.fromkeys(terms))
        if not terms:
            return Counter()
        got = self.db.execute("SELECT c.source, count(*) FROM body JOIN chunk c ON c.rowid = body.rowid "
                              "WHERE body MATCH ? GROUP BY c.source", (" AND ".join(_phrase(t) for t in terms),))
        return Counter(dict(got.fetchall()))

    def chunks_of(self, source_id: str) -> int:
        """How many chunks a document has."""
        return self.db.execute("SELECT count(*) FROM chunk WHERE source = ?", (source_id,)).fetchone()[0]

    def df(self, term: str) -> int:
        """How many chunks contain the (stemmed) term."""
        got = self.db.execute("SELECT doc FROM vocab WHERE term = ?", (term,)).fetchone()
        return int(got[0]) if got else 0

    def idf(self, term: str) -> float:
        """Inverse document frequency of a (stemmed) term, as bm25.BM25Index computes it."""
        df = self.df(term)
        return math.log(1 + (len(self.row) - df + 0.5) / (df + 0.5))

    # -- persistence --------------------------------------------------------------------------------------------
    def save(self, folder: Path, signature: str) -> None:
        """Copy the database (committed first) to a file in `folder`, atomically (a new file is renamed over)."""
        self.freeze()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (FILE + ".tmp")
        tmp.unlink(missing_ok=True)
        dst = _connect(str(tmp))
        try:
            self.db.backup(dst)
            dst.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)",
                            [("format", str(FORMAT)), ("tokenizer", str(TOKENIZER_VERSION)), ("signature", signature)])
            dst.commit()
        finally:
            dst.close()
        os.replace(tmp, folder / FILE)

    @classmethod
    def load(cls, folder: Path) -> tuple["Fts5Index", str] | None:
        """(index, signature) from a saved folder, or None when missing or unreadable."""
        path = Path(folder) / FILE
        if not path.exists():
            return None
        try:
            src = _connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error:
            return None
        try:
            info = dict(src.execute("SELECT key, value FROM info"))
            if info.get("format") != str(FORMAT) or info.get("tokenizer") != str(TOKENIZER_VERSION):
                return None
            db = _connect()
            src.backup(db)
            return cls(db), info["signature"]
        except (sqlite3.Error, KeyError):
            return None
        finally:
            src.close()
