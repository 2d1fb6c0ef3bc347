"""SourceDoc -> [Chunk]: sections start chunks; long sections split at sentence ends; ids are deterministic."""

from __future__ import annotations

import hashlib
import re

from .profile import ACTIVE as PROFILE
from .query import provision_key
from .text import HEADING_MARK, heading_level, sentence_spans
from .types import Chunk, SourceDoc

CHUNKER_VERSION = "sections-v2"  # v2: a PDF court paper's outline headings start sections

_MD_HEADING = re.compile(rf"^({HEADING_MARK})(.+?)[ \t]*#*[ \t]*$", re.M)
# Statute and article sections in plain text and PDFs: "Article 53", "§ 107.", "Section 29A", "Art. 4 -".
_LEGAL_HEADING = re.compile(
    r"^[ \t]*((?:Article|Art\.|Section|Sec\.|§{1,2}|Chapter|Part|Rule|Recital)[ \t]*\d+[A-Za-z\-]*"
    r"(?:[ \t]*[.:\u2013\u2014-][ \t]*[^\n]{0,80})?)[ \t]*$",
    re.M,
)


# A court paper's outline headings, each on a line of its own: '1. THE PURPOSE AND CHARACTER OF THE USE.', 'A. THE
# COPIES USED TO TRAIN SPECIFIC LLMS.', 'II. DISCUSSION', '(ii) The Pirated Library Copies.', 'JURISDICTION AND VENUE'.
_OUTLINE_MARK = re.compile(r"^[ \t]*(?:(?P<num>[IVX]{1,5}|[A-H]|\d{1,2})\.|\((?P<par>[ivx]{1,5}|[a-h]|\d{1,2})\))[ \t]+(?P<rest>\S.*?)[ \t]*$")
_CAPS_LINE = re.compile(r"^[ \t]*(?P<rest>[A-Z][A-Z0-9 ,;:'\u2019&()\-\u2013\u2014]{3,80}?)[ \t]*$")
_NOT_A_HEADING = re.compile(r"\b(?:COURT|DISTRICT|CASE|NO\.|V\.|VS\.|PLAINTIFFS?|DEFENDANTS?|PETITIONERS?|RESPONDENTS?|"
                            r"ET AL|CORP|INC|LLC|LTD|ORDERED|DATED|JUDGE|JUSTICE|SYLLABUS)\b")


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


_SMALL_WORDS = frozenset("a an the and or nor but of to in on at by for from with into onto upon over under than as "
                        "via per vs v".split())


def _title_case(text: str) -> bool:
    """'The Pirated Library Copies.': the words that are not short function words all capitalised."""
    words = [w for w in re.findall(r"[A-Za-z][\w'\u2019\-]*", text) if w.lower() not in _SMALL_WORDS]
    return bool(words) and all(w[0].isupper() for w in words) and len(text) <= 90


def outline_headings(text: str, skip: int = 0) -> list[tuple[int, int, str]]:
    """(line start, body start, heading) of a court paper's outline headings, each with its parents' ('4. THE
    EFFECT OF THE USE UPON THE MARKET ... \u2014 (ii) The Pirated Library Copies.'). A heading is a short line of
    its own, after a line that ends a sentence (or a blank one): a numbered or lettered line in capitals, a
    parenthesised one in title case, or a line all in capitals. A heading split over two lines ('... VALUE OF THE' /
    'COPYRIGHTED WORK.') is one. Levels follow the order in which each style first appears. Lines before `skip`
    (the caption) are not read."""
    out: list[tuple[int, int, str]] = []
    styles: list[str] = []
    stack: list[tuple[int, str]] = []  # (level, heading)
    lines = text.split("\n")
    pos, prev = 0, ""
    i = 0
    while i < len(lines):
        line, start = lines[i], pos
        pos += len(line) + 1
        i += 1
        stripped = line.strip()
        after_stop = not prev.strip() or prev.rstrip().endswith((".", ":", ";", "?", "!", "\u201d", '"'))
        prev = line
        if start < skip or not after_stop or not stripped or len(stripped) > 100:
            continue
        m = _OUTLINE_MARK.match(line)
        style, head = "", stripped
        if m and m.group("num") and _caps(m.group("rest")):
            n = m.group("num")
            style = "roman" if re.fullmatch(r"I{1,3}|IV|VI{0,3}|IX|XI{0,2}", n) else "upper" if n.isalpha() else "arabic"
        elif m and m.group("par") and _title_case(m.group("rest")) and not m.group("rest").endswith((",", ";")):
            style = "paren-roman" if re.fullmatch(r"[ivx]+", m.group("par")) else "paren"
        elif not m and _CAPS_LINE.match(line) and _caps(stripped) and not _NOT_A_HEADING.search(stripped) \
                and len(stripped.split()) <= 8:
            style = "caps"
        if not style:
            continue
        body = pos
        # a capitals heading that runs on ('COUNT IV' / 'ALTERATION OR REMOVAL OF COPYRIGHT MANAGEMENT' / 'INFORMATION
        # PURSUANT TO 17 U.S.C. §1202'): up to two more lines in capitals, while it ends in no stop
        runs = 0
        while style not in ("paren", "paren-roman") and runs < 2 and not head.endswith(".") and i < len(lines) \
                and _caps(lines[i]) and len(lines[i].strip()) <= 80 and not _OUTLINE_MARK.match(lines[i]):
            head = f"{head} {lines[i].strip()}"
            pos += len(lines[i]) + 1
            body = pos
            prev = lines[i]
            i += 1
            runs += 1
        if style == "caps" and _NOT_A_HEADING.search(head):
            continue  # (a party's name run on over two lines of the caption)
        if style not in styles:
            styles.append(style)
        level = styles.index(style)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, head))
        out.append((start, min(body, len(text)), " \u2014 ".join(h for _l, h in stack)))
    return out


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
    if doc.format == "pdf" and len(marks) < 3:
        # a court paper's own outline, after its caption (the first page's top half)
        first = doc.pages[0][2] if doc.pages else 0
        outline = outline_headings(text, skip=min(first // 2, 2500))
        if len(outline) >= 2:
            marks = outline
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
