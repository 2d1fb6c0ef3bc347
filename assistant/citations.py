"""Number passages, parse [n] markers, and check every quote against its source document's text."""

from __future__ import annotations

import re

from .types import Answer, Citation

MARKER = re.compile(r"\[(\d{1,3})\]")


def markers(text: str) -> list[int]:
    """The [n] numbers in an answer, in order of appearance."""
    return [int(m) for m in MARKER.findall(text)]


def quote_in_source(quote: str, source_text: str, start: int | None = None, end: int | None = None) -> bool:
    """True when the quote is verbatim in the source text (at the recorded offsets when given)."""
    if not quote:
        return False
    if start is not None and end is not None and source_text[start:end] == quote:
        return True
    return quote in source_text


def invalid_markers(answer: Answer) -> list[int]:
    """Markers in the answer text that point to no listed citation."""
    listed = {c.n for c in answer.citations}
    return [n for n in markers(answer.text) if n not in listed]


def check_answer(answer: Answer, texts: dict[str, str]) -> list[str]:
    """Problems with an answer's citations: quotes not verbatim in their source, markers pointing nowhere."""
    problems = []
    for c in answer.citations:
        src = texts.get(c.source_id)
        if src is None:
            problems.append(f"[{c.n}] cites unknown source '{c.source_id}'")
        elif not quote_in_source(c.quote, src, c.start, c.end):
            problems.append(f"[{c.n}] quote is not verbatim in '{c.source_id}': {c.quote[:80]!r}")
    for n in invalid_markers(answer):
        problems.append(f"[{n}] in the answer points to no listed citation")
    return problems


def renumber(text: str, citations: list[Citation]) -> tuple[str, list[Citation]]:
    """Drop markers that point nowhere and renumber the rest 1..n in order of first appearance."""
    by_n = {c.n: c for c in citations}
    order: list[int] = []
    for n in markers(text):
        if n in by_n and n not in order:
            order.append(n)
    new_n = {old: i + 1 for i, old in enumerate(order)}

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[{new_n[n]}]" if n in new_n else ""

    text = MARKER.sub(sub, text)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    kept = []
    for old in order:
        c = by_n[old]
        c.n = new_n[old]
        kept.append(c)
    return text, kept
