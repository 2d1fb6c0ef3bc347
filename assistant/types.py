"""The objects passed between stages: SourceDoc -> Chunk -> Hit -> Answer with Citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .text import http_url


@dataclass
class SourceDoc:
    """A loaded document: its full text (as cited) and metadata from front matter or the page."""

    source_id: str
    title: str
    text: str
    path: str = ""
    url: str = ""
    doc_type: str = ""
    date: str = ""
    jurisdiction: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    # (page number, start offset, end offset) for PDFs; empty otherwise
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    content_hash: str = ""
    format: str = "markdown"  # markdown | text | html | pdf: decides how sections are found
    # where it came from (corpus | cli | upload | url) and registry-only facts about this write (actor, times);
    # neither is part of content_hash
    origin: str = ""
    provenance: dict[str, str] = field(default_factory=dict)


@dataclass
class Chunk:
    """A passage: an exact slice text == doc.text[start:end], with where it sits in the document."""

    id: str
    source_id: str
    text: str
    start: int
    end: int
    title: str = ""
    section: str = ""
    page: int | None = None
    position: int = 0

    def embed_text(self) -> str:
        """What is embedded: the passage with its title and section, so short passages keep their context."""
        head = " - ".join(p for p in (self.title, self.section) if p)
        return f"{head}\n{self.text}" if head else self.text


@dataclass
class Hit:
    """A retrieved chunk with its scores; `meta` holds the document fields needed for citing."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Citation:
    """A numbered source for part of an answer; quote is verbatim in the source document's text."""

    n: int
    source_id: str
    title: str
    date: str
    url: str
    path: str
    section: str
    quote: str
    score: float
    type: str = ""
    jurisdiction: str = ""
    page: int | None = None
    start: int | None = None
    end: int | None = None
    verified: bool = True
    origin: str = ""  # corpus | cli | upload | url: how the cited document entered the index

    def __post_init__(self) -> None:
        self.url = http_url(self.url)  # a citation never carries a javascript: or file: address

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (see README: ask --json schema)."""
        return asdict(self)


@dataclass
class Answer:
    """An answer text with [n] markers and the citations they point to."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    closest: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "extractive"
    notice: str = ""
    hits: list[Hit] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    premise: str = "ok"  # "unsupported": the question takes for granted what its documents do not record
    premise_missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form of `ask --json`."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "mode": self.mode,
            "premise": self.premise,
        }
        if self.premise_missing:
            out["premise_missing"] = self.premise_missing
        if self.refused:
            out["closest"] = self.closest
        if self.notice:
            out["notice"] = self.notice
        return out
