"""The objects passed between stages: SourceDoc -> Chunk -> Hit -> Answer with Citations."""

from __future__ import annotations

import json
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


REGISTRY_FIELDS = ("court", "docket", "filed", "decided", "current_as_of")  # front-matter keys the registry copies
PROVENANCE_FIELDS = ("actor", "written_at", "replaced_origin", "replaced_by", "replaced_at")


@dataclass(frozen=True)
class DocumentRecord:
    """A document's registry record as the CLI, the web app and the register read it: typed, with its front
    matter parsed once (the registry stores it as JSON). `text` is filled only by Assistant.source()."""

    source_id: str
    title: str = ""
    doc_type: str = ""
    jurisdiction: str = ""
    date: str = ""
    url: str = ""
    path: str = ""
    hash: str = ""  # the ready version's content hash ('' while the document is only pending)
    n_chunks: int = 0
    origin: str = ""
    status: str = ""
    front_matter: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)  # REGISTRY_FIELDS that the front matter set
    provenance: dict[str, str] = field(default_factory=dict)  # who wrote it when, what it replaced
    text: str = ""

    @classmethod
    def from_registry(cls, meta: dict[str, Any], origin: str = "", text: str = "") -> DocumentRecord:
        """The record of a registry entry (the store's metadata for one document)."""
        return cls(
            source_id=str(meta.get("source_id") or ""), title=str(meta.get("title") or ""),
            doc_type=str(meta.get("doc_type") or ""), jurisdiction=str(meta.get("jurisdiction") or ""),
            date=str(meta.get("date") or ""), url=str(meta.get("url") or ""), path=str(meta.get("path") or ""),
            hash=str(meta.get("hash") or ""), n_chunks=int(meta.get("n_chunks") or 0),
            origin=origin or str(meta.get("origin") or ""), status=str(meta.get("status") or ""),
            front_matter=parse_front_matter(meta.get("fm")),
            fields={k: str(meta[k]) for k in REGISTRY_FIELDS if meta.get(k) not in (None, "")},
            provenance={k: str(meta[k]) for k in PROVENANCE_FIELDS if meta.get(k)},
            text=text or str(meta.get("text") or ""),
        )


def parse_front_matter(raw: Any) -> dict[str, Any]:
    """The registry's front-matter JSON as a dict ({} when missing or not an object)."""
    if isinstance(raw, dict):
        return raw
    try:
        fm = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return fm if isinstance(fm, dict) else {}
