"""SourceDoc -> [Chunk]: sections start chunks; long sections split at sentence ends; ids are deterministic."""

from __future__ import annotations

import hashlib
import re

from .profile import ACTIVE as PROFILE
from .query import provision_key
from .text import HEADING_MARK, heading_level, sentence_spans
from .types import Chunk, SourceDoc

CHUNKER_VERSION = "sections-v1"

_MD_HEADING = re.compile(rf"^({HEADING_MARK})(.+?)[ \t]*#*[ \t]*$", re.M)
# Statute and article sections in plain text and PDFs: "Article 53", "§ 107.", "Section 29A", "Art. 4 -".
_LEGAL_HEADING = re.compile(
    r"^[ \t]*((?:Article|Art\.|Section|Sec\.|§{1,2}|Chapter|Part|Rule|Recital)[ \t]*\d+[A-Za-z\-]*"
    r"(?:[ \t]*[.:\u2013\u2014-][ \t]*[^\n]{0,80})?)[ \t]*$",
    re.M,
)


def chunk_id(source_id: str, position: int, text: str, version: str = "") -> str:
    """Derived from source id, position, content and the document version (its content hash): the same file always
    gives the same ids, and two versions of a document never share one. (A shared id would be overwritten with the
    new version's stamp while it is written, so an interrupted update would serve the old version without it.)"""
    h = hashlib.sha1(f"{source_id}\x00{position}\x00{text}\x00{version}".encode("utf-8")).hexdigest()[:16]
    return f"{source_id}#{position}-{h}"


def sections(doc: SourceDoc) -> list[tuple[str, int, int]]:
    """(heading, start, end) of each section's body, in order; text before the first heading has heading ''."""
    text = doc.text
    is_md = doc.format == "markdown"
    marks: list[tuple[int, int, str]] = []  # (heading line start, body start, heading)
    if is_md:
        found = list(_MD_HEADING.finditer(text))
        i = 0
        while i < len(found):
            m = last = found[i]
            head = m.group(2).strip()
            nxt = found[i + 1] if i + 1 < len(found) else None
            # a provision's number over its title ('### Article 10' then '#### Limitations and Exceptions') is one
            # heading, 'Article 10 — Limitations and Exceptions', as the HTML reader names an EU act's articles
            if nxt and provision_key(head) and not text[m.end():nxt.start()].strip() \
                    and heading_level(nxt.group(0)) > heading_level(m.group(0)) \
                    and not provision_key(nxt.group(2).strip()):
                head = f"{' '.join(head.split())} \u2014 {nxt.group(2).strip()}"
                last = nxt
                i += 1
            marks.append((m.start(), min(last.end() + 1, len(text)), head))
            i += 1
    if not marks:
        for m in _LEGAL_HEADING.finditer(text):
            marks.append((m.start(), m.start(), m.group(1).strip()))
    out: list[tuple[str, int, int]] = []
    prev_body, prev_head = 0, ""
    for line_start, body_start, head in marks:
        out.append((prev_head, prev_body, line_start))
        prev_body, prev_head = body_start, head
    out.append((prev_head, prev_body, len(text)))
    return [(h, a, b) for h, a, b in out if text[a:b].strip()]


def _page_at(doc: SourceDoc, offset: int) -> int | None:
    for page, a, b in doc.pages:
        if a <= offset < b + 2:
            return page
    return None


def chunk_document(doc: SourceDoc, max_chars: int = 1000) -> list[Chunk]:
    """Split a document into passages that never cross a section (or a PDF page) boundary."""
    text = doc.text
    ranges: list[tuple[str, int, int]] = []
    for head, a, b in sections(doc):
        if doc.pages:
            for _page, pa, pb in doc.pages:
                lo, hi = max(a, pa), min(b, pb)
                if lo < hi:
                    ranges.append((head, lo, hi))
        else:
            ranges.append((head, a, b))
    chunks: list[Chunk] = []
    for head, a, b in ranges:
        for s, e in _pack(text, a, b, max_chars):
            piece = text[s:e]
            pos = len(chunks)
            chunks.append(Chunk(
                id=chunk_id(doc.source_id, pos, piece, doc.content_hash), source_id=doc.source_id, text=piece,
                start=s, end=e,
                title=doc.title, section=head, page=_page_at(doc, s), position=pos,
            ))
    return chunks


def _pack(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """Group consecutive sentences of text[a:b] into spans of at most max_chars (a longer sentence stands alone)."""
    spans = sentence_spans(text, a, b, PROFILE.skip_lines)
    if not spans:
        return []
    out: list[tuple[int, int]] = []
    cur_s, cur_e = spans[0]
    for s, e in spans[1:]:
        if e - cur_s <= max_chars:
            cur_e = e
        else:
            out.append((cur_s, cur_e))
            cur_s, cur_e = s, e
    out.append((cur_s, cur_e))
    # a single sentence longer than the limit is cut at whitespace so the embedder sees all of it
    final: list[tuple[int, int]] = []
    for s, e in out:
        while e - s > max_chars * 1.5:
            cut = text.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            final.append((s, cut))
            s = cut + 1
        final.append((s, e))
    return final
