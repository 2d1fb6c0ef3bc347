"""Gradio Blocks built around an Assistant: formats Answers; all retrieval and answering stay in the library.

The page has three tabs (Chat, Disputes, Add documents). Every `[n]` marker, source card, closest-document link and
timeline row is an ordinary link whose href names what it opens (`#cite-TURN-N`, `#doc-ID`, `#ddoc-ID`); one
click listener registered by the header turns such clicks into a server event, so citations work the same in the
chat, the sources panel and the disputes tab. The conversation (questions, answers and their citations, keyed by
answer index) lives in a BrowserState, so it survives follow-ups and page reloads within the session.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import re
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote as _urlquote
from urllib.parse import unquote as _urlunquote

import gradio as gr

from . import prompts
from .answering import Assistant
from .errors import AssistantError, InvalidInputError, LoadError
from .loaders import decode_text
from .settings import Settings
from .store import local_index_exists
from .types import Answer

# -- user-facing phrases and constants ----------------------------------------------------------------------------
APP_TITLE = "AI copyright disputes assistant"
EXAMPLES = [
    "What did the MPA demand from ByteDance over Seedance 2.0?",
    "How much did Anthropic pay to settle Bartz v. Anthropic?",
    "What does Japan's Article 30-4 allow?",
    "Was training Llama on books fair use in Kadrey v. Meta?",
]
SOURCES_EMPTY = "Sources for the latest answer appear here. Click a marker like [1] to open its passage."
VIEWER_EMPTY = "Click a citation to open its document here, with the quoted passage highlighted."
DISPUTES_VIEWER_EMPTY = "Select a dispute in the table or the timeline to read its document here."
REFUSAL_HEAD = "The sources don't cover this"
UPLOAD_TYPES = {".md": ".md", ".markdown": ".md", ".txt": ".txt", ".html": ".html", ".htm": ".html", ".pdf": ".pdf"}
UPLOAD_TYPES_TEXT = ".md .txt .html .htm .pdf"
DISPUTE_TYPES = ("case", "dispute")
DISPUTE_COLUMNS = ["Title", "Parties", "Court", "Docket", "Filed", "Decided", "Status", "Current as of",
                   "Jurisdiction", "ID"]
ALL = "All"
STREAM_WORDS = 3  # words added per streamed update
STREAM_DELAY = 0.025  # seconds between streamed updates: visible streaming without slowing answers down
_MAGIC = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP or Office file", b"\x89PNG": "a PNG image",
          b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x7fELF": "a program"}
_MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&])")
_FEEDBACK_LOCK = threading.Lock()


# -- escaping ---------------------------------------------------------------------------------------------------
def esc(text: Any) -> str:
    """HTML-escape text for gr.HTML, also neutralising the template syntax gr.HTML interprets (${...}, {{...}})."""
    s = html.escape(str(text if text is not None else ""), quote=True)
    return s.replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def md_escape(text: str) -> str:
    """Escape text for the Markdown chat so document wording never turns into markup (CommonMark backslashes)."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def safe_url(url: str) -> str:
    """Only http(s) addresses become links."""
    url = (url or "").strip()
    return url if re.match(r"^https?://", url, re.I) else ""


def ref_for_doc(source_id: str, target: str = "doc") -> str:
    """The link that opens a document in a viewer (target 'doc': chat tab, 'ddoc': disputes tab)."""
    return f"#{target}-{_urlquote(source_id, safe='')}"


# -- the conversation state -----------------------------------------------------------------------------------------
def empty_conversation() -> dict[str, Any]:
    """A new conversation: no turns, nothing selected."""
    return {"turns": [], "selected": None}


def normalise_conversation(conv: Any) -> dict[str, Any]:
    """The conversation from the browser, with anything malformed dropped (it comes from localStorage)."""
    if not isinstance(conv, dict) or not isinstance(conv.get("turns"), list):
        return empty_conversation()
    turns = []
    for t in conv["turns"]:
        if not isinstance(t, dict) or not isinstance(t.get("question"), str) or not isinstance(t.get("answer"), str):
            continue
        cites = [c for c in t.get("citations") or [] if isinstance(c, dict) and isinstance(c.get("n"), int)]
        closest = [c for c in t.get("closest") or [] if isinstance(c, dict) and c.get("source_id")]
        turns.append({**t, "citations": cites, "closest": closest, "refused": bool(t.get("refused"))})
    sel = conv.get("selected")
    sel = sel if isinstance(sel, int) and 0 <= sel < len(turns) else (len(turns) - 1 if turns else None)
    return {"turns": turns, "selected": sel}


def turn_record(answer: Answer, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """One answered question as JSON: what the chat, the sources panel and feedback need."""
    return {
        "question": answer.question, "answer": answer.text, "refused": answer.refused,
        "citations": [c.to_json() for c in answer.citations], "closest": list(answer.closest),
        "notice": answer.notice, "filters": dict(filters or {}),
    }


def history_of(conv: dict[str, Any]) -> list[dict[str, str]]:
    """The prior turns as assistant.ask expects them."""
    return [{"question": t["question"], "answer": t["answer"]} for t in conv["turns"]]


def make_filters(types: Iterable[str] | None, jurisdictions: Iterable[str] | None, date_from: str | None,
                 date_to: str | None) -> dict[str, Any]:
    """The filter dict for assistant.ask from the filter controls (empty controls add nothing)."""
    f: dict[str, Any] = {}
    if types:
        f["type"] = list(types)
    if jurisdictions:
        f["jurisdiction"] = list(jurisdictions)
    if date_from and str(date_from).strip():
        f["date_from"] = str(date_from).strip()
    if date_to and str(date_to).strip():
        f["date_to"] = str(date_to).strip()
    return f


# -- formatting answers ---------------------------------------------------------------------------------------------
def format_sources_text(answer: Answer) -> str:
    """The numbered source list in plain text (used by the /chat API)."""
    lines = []
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.title} ({c.source_id}, {c.date or 'undated'}) - {c.section}\n"
                     f"    \"{' '.join(c.quote.split())}\"" + (f"\n    {c.url}" if c.url else ""))
    return "\n".join(lines)


def format_answer_text(answer: Answer) -> str:
    """Answer text followed by its numbered sources, for API callers."""
    src = format_sources_text(answer)
    return f"{answer.text}\n\nSources:\n{src}" if src else answer.text


def stream_pieces(text: str, words_per_step: int = STREAM_WORDS) -> list[str]:
    """The growing prefixes of an answer, a few words at a time, ending with the whole text."""
    toks = re.findall(r"\S+\s*", text)
    out = ["".join(toks[:i]) for i in range(words_per_step, len(toks), words_per_step)]
    out.append(text)
    return out


def _doc_link(source_id: str, title: str, target: str = "doc") -> str:
    return f"<a class='aic-doclink' href='{ref_for_doc(source_id, target)}'>{esc(title or source_id)}</a>"


def render_answer(turn_index: int, turn: dict[str, Any]) -> str:
    """A finished answer for the chat: escaped text, [n] markers as links to the sources panel, a source line."""
    if turn.get("refused"):
        if not turn["answer"].startswith(prompts.REFUSAL):
            return md_escape(turn["answer"])  # e.g. the empty-index message
        out = f"**{md_escape(prompts.REFUSAL)}**"
        if turn.get("closest"):
            links = " · ".join(_doc_link(c["source_id"], c.get("title", "")) for c in turn["closest"])
            out += f"\n\nClosest documents: {links}"
        return out
    known = {c["n"]: c for c in turn["citations"]}
    parts, pos = [], 0
    for m in _MARKER.finditer(turn["answer"]):
        parts.append(md_escape(turn["answer"][pos:m.start()]))
        n = int(m.group(1))
        if n in known:
            parts.append(f"<a class='aic-cite' href='#cite-{turn_index}-{n}' title='{esc(known[n]['title'])}'>"
                         f"&#91;{n}&#93;</a>")
        else:
            parts.append(md_escape(m.group(0)))
        pos = m.end()
    parts.append(md_escape(turn["answer"][pos:]))
    out = "".join(parts)
    if turn["citations"]:
        by_doc: dict[str, list[dict[str, Any]]] = {}
        for c in turn["citations"]:
            by_doc.setdefault(c["source_id"], []).append(c)
        links = " · ".join(
            "".join(f"<a class='aic-srcref' href='#cite-{turn_index}-{c['n']}'>&#91;{c['n']}&#93;</a>" for c in cs)
            + f" {esc(cs[0]['title'])}" for cs in by_doc.values())
        out += f"\n\n<span class='aic-srcline'>Sources: {links}</span>"
    if turn.get("notice"):
        out += f"\n\n*{md_escape(turn['notice'])}*"
    return out


def render_messages(conv: dict[str, Any]) -> list[dict[str, str]]:
    """The chat messages for a conversation: strictly one user and one assistant message per turn."""
    msgs: list[dict[str, str]] = []
    for i, t in enumerate(conv["turns"]):
        msgs.append({"role": "user", "content": md_escape(t["question"])})
        msgs.append({"role": "assistant", "content": render_answer(i, t)})
    return msgs


def _meta_line(c: dict[str, Any]) -> str:
    bits = [c.get("type"), c.get("date"), c.get("jurisdiction")]
    if c.get("section"):
        bits.append(f"§ {c['section']}")
    if c.get("page"):
        bits.append(f"page {c['page']}")
    return " · ".join(esc(b) for b in bits if b)


def render_sources(conv: dict[str, Any], turn_index: int | None = None, selected: int | None = None) -> str:
    """The sources panel for one answer (default: the latest): a card per citation, or the refusal."""
    turns = conv["turns"]
    if not turns:
        return f"<div class='aic-panel aic-empty'>{esc(SOURCES_EMPTY)}</div>"
    if turn_index is None or not 0 <= turn_index < len(turns):
        turn_index = len(turns) - 1
    t = turns[turn_index]
    active = "; ".join(f"{k.replace('_', ' ')} {', '.join(v) if isinstance(v, list) else v}"
                       for k, v in (t.get("filters") or {}).items())
    head = (f"<div class='aic-sources-head'>Sources for answer {turn_index + 1} of {len(turns)}: "
            f"<i>{esc(t['question'])}</i>" + (f"<br>Filters: {esc(active)}" if active else "") + "</div>")
    if t.get("refused"):
        items = "".join(f"<li>{_doc_link(c['source_id'], c.get('title', ''))} <code>{esc(c['source_id'])}</code></li>"
                        for c in t.get("closest") or [])
        body = (f"<div class='aic-refusal'><b>{esc(REFUSAL_HEAD)}.</b> Nothing in the index answers this question, "
                "so no passage is cited."
                + (f"<p>Closest documents (click to open):</p><ul>{items}</ul>" if items else "") + "</div>")
        return f"<div class='aic-panel' data-turn='{turn_index}'>{head}{body}</div>"
    cards = []
    for c in t["citations"]:
        n = c["n"]
        sel = " aic-selected" if n == selected else ""
        url = safe_url(c.get("url", ""))
        link = (f"<a class='aic-public' href='{esc(url)}' target='_blank' rel='noopener noreferrer'>"
                f"Public source ↗</a>" if url else "<span class='aic-nolink'>no public address</span>")
        cards.append(
            f"<div class='aic-card{sel}' id='aic-card-{turn_index}-{n}' data-n='{n}'>"
            f"<div class='aic-card-title'><span class='aic-n'>[{n}]</span> {esc(c.get('title'))}</div>"
            f"<div class='aic-meta'>{_meta_line(c)} · <code>{esc(c.get('source_id'))}</code></div>"
            f"<blockquote class='aic-quote'>{esc(c.get('quote'))}</blockquote>"
            f"<div class='aic-actions'><a class='aic-open' href='#cite-{turn_index}-{n}'>Show in document</a>"
            f" {link}</div></div>"
        )
    return f"<div class='aic-panel' data-turn='{turn_index}'>{head}{''.join(cards)}</div>"


def locate_quote(text: str, quote: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """Where the quote sits in the document: its recorded offsets when they still match, else its first occurrence."""
    if quote and start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if quote:
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote)
    return None


def render_document(rec: dict[str, Any], quote: str = "", start: int | None = None, end: int | None = None,
                    page: int | None = None, label: str = "") -> str:
    """The document viewer: the whole text, escaped, with the quoted passage marked (and scrolled to by the page)."""
    text = rec.get("text", "") or ""
    url = safe_url(rec.get("url", ""))
    bits = [rec.get("doc_type"), rec.get("date"), rec.get("jurisdiction")]
    if page:
        bits.append(f"page {page}")
    meta = " · ".join(esc(b) for b in bits if b)
    link = (f" · <a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>Public source ↗</a>" if url else "")
    head = (f"<div class='aic-viewer-head'><div class='aic-viewer-title'>{esc(label)}{esc(rec.get('title'))}</div>"
            f"<div class='aic-meta'>{meta} · <code>{esc(rec.get('source_id'))}</code>{link}</div></div>")
    note = ""
    span = locate_quote(text, quote, start, end) if quote else None
    if span:
        s, e = span
        body = f"{esc(text[:s])}<mark class='aic-hl' id='aic-hl'>{esc(text[s:e])}</mark>{esc(text[e:])}"
    else:
        body = esc(text)
        if quote:
            note = ("<div class='aic-note'>The quoted passage is no longer in this document (it changed after the "
                    "answer was given); ask again for a fresh citation.</div>")
    return f"<div class='aic-viewer'>{head}{note}<div class='aic-doc'>{body}</div></div>"


def placeholder(text: str) -> str:
    """A grey hint for an empty panel."""
    return f"<div class='aic-panel aic-empty'>{esc(text)}</div>"


# -- disputes -------------------------------------------------------------------------------------------------------
def dispute_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """One row per case/dispute document, from its registry record and front matter."""
    rows = []
    for r in records:
        if r.get("doc_type") not in DISPUTE_TYPES:
            continue
        try:
            fm = json.loads(r.get("fm") or "{}")
        except ValueError:
            fm = {}
        parties = fm.get("parties") if isinstance(fm, dict) else None
        rows.append({
            "Title": str(r.get("title", "")),
            "Parties": "; ".join(str(p) for p in parties) if isinstance(parties, list) else str(parties or ""),
            "Court": str(r.get("court", "")), "Docket": str(r.get("docket", "")),
            "Filed": str(r.get("filed", "")), "Decided": str(r.get("decided", "")),
            "Status": str(r.get("status", "")), "Current as of": str(r.get("current_as_of", "")),
            "Jurisdiction": str(r.get("jurisdiction", "")), "ID": str(r.get("source_id", "")),
            "Date": str(r.get("date", "")),
        })
    rows.sort(key=lambda x: (x["Date"] or x["Decided"] or x["Filed"], x["Title"]), reverse=True)  # latest first
    return rows


def filter_disputes(rows: list[dict[str, str]], text: str = "", jurisdiction: str = ALL,
                    status: str = ALL) -> list[dict[str, str]]:
    """Rows matching a free-text filter (title, parties, court, docket, id) and the jurisdiction and status."""
    needle = (text or "").strip().lower()
    out = []
    for r in rows:
        if jurisdiction and jurisdiction != ALL and r["Jurisdiction"] != jurisdiction:
            continue
        if status and status != ALL and r["Status"] != status:
            continue
        hay = " ".join(r[k] for k in ("Title", "Parties", "Court", "Docket", "ID")).lower()
        if needle and needle not in hay:
            continue
        out.append(r)
    return out


def disputes_frame(rows: list[dict[str, str]]):
    """The disputes table as a DataFrame (the ID column lets a selected row open its document)."""
    import pandas as pd

    return pd.DataFrame([[r[c] for c in DISPUTE_COLUMNS] for r in rows], columns=DISPUTE_COLUMNS)


def _parse_date(s: str) -> _dt.date | None:
    s = (s or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return _dt.date.fromisoformat(s)
        if re.fullmatch(r"\d{4}-\d{2}", s):
            return _dt.date(int(s[:4]), int(s[5:7]), 1)
        if re.fullmatch(r"\d{4}", s):
            return _dt.date(int(s), 1, 1)
    except ValueError:
        return None
    return None


def timeline_svg(rows: list[dict[str, str]]) -> str:
    """An inline SVG timeline: one line per dispute from filing to its latest date, markers for key dates.

    Each row links to its document (opens in the disputes viewer).
    """
    kinds = (("Filed", "filed", "#2563eb"), ("Decided", "decided", "#dc2626"), ("Date", "latest development",
                                                                                  "#16a34a"))
    items = []
    for r in rows:
        pts = []
        for key, label, color in kinds:
            d = _parse_date(r.get(key, ""))
            if d and not any(p[0] == d for p in pts):
                pts.append((d, label, color))
        if pts:
            items.append((r, sorted(pts)))
    if not items:
        return placeholder("No dated disputes match the filters.")
    items.sort(key=lambda x: x[1][0][0])
    lo = min(p[0] for _r, ps in items for p in ps)
    hi = max(p[0] for _r, ps in items for p in ps)
    lo = _dt.date(lo.year, 1, 1)
    hi = _dt.date(hi.year + 1, 1, 1)
    left, right, top, row_h = 250, 16, 50, 24
    width = 760
    height = top + row_h * len(items) + 16
    span = (hi - lo).days or 1

    def x(d: _dt.date) -> float:
        return left + (width - left - right) * (d - lo).days / span

    out = [f"<svg class='aic-timeline' viewBox='0 0 {width} {height}' width='100%' role='img' "
           f"aria-label='Timeline of disputes' xmlns='http://www.w3.org/2000/svg'>"]
    for year in range(lo.year, hi.year + 1):
        xx = x(_dt.date(year, 1, 1))
        out.append(f"<line x1='{xx:.1f}' y1='{top - 8}' x2='{xx:.1f}' y2='{height - 8}' class='aic-grid'/>")
        if year < hi.year:
            out.append(f"<text x='{xx + 3:.1f}' y='{top - 12}' class='aic-axis'>{year}</text>")
    lx = 0
    for _key, label, color in kinds:
        out.append(f"<circle cx='{left + lx + 5}' cy='12' r='5' fill='{color}'/>"
                   f"<text x='{left + lx + 14}' y='16' class='aic-axis'>{esc(label)}</text>")
        lx += 26 + 7 * len(label)
    for i, (r, pts) in enumerate(items):
        y = top + row_h * i + row_h / 2
        title = r["Title"] if len(r["Title"]) <= 36 else r["Title"][:34] + "…"
        tip = "; ".join(f"{label} {d.isoformat()}" for d, label, _c in pts)
        out.append(f"<a href='{ref_for_doc(r['ID'], 'ddoc')}' class='aic-tl-row'>"
                   f"<title>{esc(r['Title'])}: {esc(tip)}</title>"
                   f"<rect x='0' y='{y - row_h / 2:.1f}' width='{width}' height='{row_h}' class='aic-tl-bg'/>"
                   f"<text x='{left - 8}' y='{y + 4:.1f}' text-anchor='end' class='aic-tl-label'>{esc(title)}</text>")
        if len(pts) > 1:
            out.append(f"<line x1='{x(pts[0][0]):.1f}' y1='{y:.1f}' x2='{x(pts[-1][0]):.1f}' y2='{y:.1f}' "
                       f"class='aic-tl-span'/>")
        for d, label, color in pts:
            out.append(f"<circle cx='{x(d):.1f}' cy='{y:.1f}' r='5' fill='{color}'>"
                       f"<title>{esc(r['Title'])}: {esc(label)} {d.isoformat()}</title></circle>")
        out.append("</a>")
    out.append("</svg>")
    return "<div class='aic-timeline-box'>" + "".join(out) + "</div>"


# -- uploads ----------------------------------------------------------------------------------------------------------
def check_upload(name: str, data: bytes, max_mb: float) -> str:
    """The safe extension for an upload, or LoadError saying why it is refused (type sniffed from the content)."""
    ext = Path(name).suffix.lower()
    if ext not in UPLOAD_TYPES:
        raise LoadError(f"Unsupported file type '{ext or '(none)'}' in {name}: supported are {UPLOAD_TYPES_TEXT}")
    if len(data) > max_mb * 1024 * 1024:
        raise LoadError(f"{name} is {len(data) / 1024 / 1024:.1f} MB, over the {max_mb:g} MB upload limit "
                        "(ASSISTANT_MAX_UPLOAD_MB)")
    if not data.strip():
        raise LoadError(f"{name} is empty: nothing to index")
    safe = UPLOAD_TYPES[ext]
    if safe == ".pdf":
        if not data.lstrip()[:4] == b"%PDF":
            raise LoadError(f"{name} is not a PDF (it does not start with %PDF): the file is corrupt or misnamed")
        return safe
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise LoadError(f"{name} has a {ext} name but is {kind}, not text: upload the right file")
    decode_text(data, name)  # refuses binary data and invalid UTF-16/UTF-8-with-BOM text
    return safe


def _title_fallback(data: bytes, original: str) -> bytes:
    """Markdown without a title or heading gets its upload name as title (the stored name is generated)."""
    import yaml

    text = data.decode("utf-8-sig", errors="replace")
    m = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", text, re.S)
    body = text[m.end():] if m else text
    if re.search(r"^#[ \t]+\S", body, re.M):
        return data
    title_line = f"title: {json.dumps(Path(original).stem, ensure_ascii=False)}\n"
    if not m:
        if text.startswith("---"):
            return data  # unterminated front matter: leave it for the loader to report
        return (f"---\n{title_line}---\n").encode("utf-8") + data
    try:
        fm = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return data  # the loader reports malformed front matter with its line number
    if isinstance(fm, dict) and fm.get("title"):
        return data
    if fm is not None and not isinstance(fm, dict):
        return data
    nl = text.index("\n") + 1
    return (text[:nl] + title_line + text[nl:]).encode("utf-8")


def stage_upload(src: str | Path, original: str, uploads_dir: Path, max_mb: float) -> Path:
    """Validate an uploaded file and copy it under uploads_dir with a generated name; LoadError when refused.

    The name is a UUID derived from the content, so uploading the same file twice reports it unchanged; the
    uploaded file name is only used for messages and as the title fallback.
    """
    src = Path(src)
    try:
        size = src.stat().st_size
        if size > max_mb * 1024 * 1024:
            raise LoadError(f"{original} is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB upload limit "
                            "(ASSISTANT_MAX_UPLOAD_MB)")
        data = src.read_bytes()
    except OSError as e:
        raise LoadError(f"Cannot read the upload {original}: {e.strerror or e}") from None
    ext = check_upload(original, data, max_mb)
    if ext == ".md":
        data = _title_fallback(data, original)
    uid = uuid.uuid5(uuid.NAMESPACE_URL, "upload:" + hashlib.sha256(data).hexdigest())
    uploads_dir.mkdir(parents=True, exist_ok=True)
    dst = uploads_dir / f"{uid}{ext}"
    tmp = dst.with_name(dst.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(dst)
    return dst


def _upload_line(original: str, status: str, detail: str) -> str:
    cls = {"added": "ok", "updated": "ok", "unchanged": "same", "rejected": "bad"}.get(status, "")
    return (f"<li class='aic-up-{cls}'><b>{esc(original)}</b>: <span class='aic-up-status'>{esc(status)}</span>"
            f"{': ' if status == 'rejected' else ' '}{detail}</li>")


# -- feedback -----------------------------------------------------------------------------------------------------
def record_feedback(index_dir: str | Path, turn: dict[str, Any], liked: Any) -> dict[str, Any]:
    """Append one rating with its question, answer and citations to <index_dir>/feedback.jsonl; returns the line."""
    rating = "up" if liked is True else "down" if liked is False else str(liked)
    line = {
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "rating": rating, "question": turn.get("question", ""), "answer": turn.get("answer", ""),
        "refused": bool(turn.get("refused")), "filters": turn.get("filters") or {},
        "citations": turn.get("citations") or [],
    }
    path = Path(index_dir) / "feedback.jsonl"
    with _FEEDBACK_LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return line


def turn_for_message(conv: dict[str, Any], message_index: Any) -> int | None:
    """The turn an assistant message belongs to (the chat holds one user and one assistant message per turn)."""
    if isinstance(message_index, (list, tuple)):
        message_index = message_index[0] if message_index else None
    if not isinstance(message_index, int) or message_index % 2 != 1:
        return None
    i = message_index // 2
    return i if 0 <= i < len(conv["turns"]) else None


# -- page assets --------------------------------------------------------------------------------------------------
# Registered once by the header: any click on a link whose href names a citation or document becomes a server
# event carrying that href; other links (public sources) behave normally.
BRIDGE_JS = """
window.__aicTrigger = (ref) => trigger('click', {ref: ref});
if (!window.__aicBridge) {
  window.__aicBridge = true;
  document.addEventListener('click', (e) => {
    const a = e.target && e.target.closest ? e.target.closest('a') : null;
    if (!a) return;
    const href = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    if (!/^#(cite|doc|ddoc)-/.test(href)) return;
    e.preventDefault();
    e.stopPropagation();
    window.__aicTrigger(href.slice(1));
  }, true);
}
"""
SOURCES_JS = """
watch('value', () => {
  const sel = element.querySelector('.aic-card.aic-selected');
  if (sel) sel.scrollIntoView({block: 'nearest'});
});
"""
VIEWER_JS = """
watch('value', () => {
  const box = element.querySelector('.aic-doc');
  if (!box) return;
  const m = box.querySelector('mark.aic-hl');
  box.scrollTop = m ? Math.max(0, m.offsetTop - box.clientHeight / 3) : 0;
  element.scrollIntoView({block: 'nearest'});
});
"""
CSS = """
.aic-header h1 {font-size: 1.5rem; margin: 0.2rem 0;}
.aic-header p {margin: 0; color: var(--body-text-color-subdued);}
a.aic-cite {font-weight: 600; text-decoration: none; padding: 0 1px; border-radius: 3px;
  color: var(--color-accent) !important; cursor: pointer;}
a.aic-cite:hover {background: var(--color-accent-soft);}
.aic-srcline {font-size: 0.85em; color: var(--body-text-color-subdued);}
.aic-srcline a {text-decoration: none;}
.aic-panel {font-size: 0.92rem;}
.aic-empty {color: var(--body-text-color-subdued); padding: 0.6rem;}
.aic-sources-head {font-size: 0.85rem; color: var(--body-text-color-subdued); margin-bottom: 0.4rem;}
#aic-sources .aic-panel {max-height: 40vh; overflow-y: auto; padding-right: 4px;}
.aic-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.5rem 0.7rem;
  margin-bottom: 0.5rem; background: var(--background-fill-secondary);}
.aic-card.aic-selected {border: 2px solid var(--color-accent); background: var(--color-accent-soft);}
.aic-card-title {font-weight: 600;}
.aic-n {color: var(--color-accent);}
.aic-meta {font-size: 0.8rem; color: var(--body-text-color-subdued); margin: 0.15rem 0;}
.aic-quote {margin: 0.35rem 0; padding-left: 0.6rem; border-left: 3px solid var(--color-accent);
  font-style: italic; white-space: pre-wrap;}
.aic-actions {font-size: 0.82rem;}
.aic-actions a {margin-right: 0.8rem;}
.aic-refusal {border: 1px solid #d97706; background: #fef3c7; color: #78350f; border-radius: 8px;
  padding: 0.6rem 0.8rem;}
.aic-viewer-head {border-bottom: 1px solid var(--border-color-primary); padding-bottom: 0.3rem;
  margin-bottom: 0.3rem;}
.aic-viewer-title {font-weight: 600;}
.aic-doc {position: relative; white-space: pre-wrap; max-height: 48vh; overflow-y: auto; font-size: 0.88rem;
  line-height: 1.45; padding: 0.4rem; background: var(--background-fill-secondary); border-radius: 6px;}
mark.aic-hl {background: #fde047; color: #111; padding: 1px 0; border-radius: 2px;
  box-shadow: 0 0 0 2px #facc15;}
.aic-note {color: #b45309; font-size: 0.85rem;}
.aic-upload-report ul {padding-left: 1.1rem;}
.aic-up-bad .aic-up-status {color: #b91c1c; font-weight: 600;}
.aic-up-ok .aic-up-status {color: #15803d; font-weight: 600;}
.aic-up-same .aic-up-status {color: #6b7280; font-weight: 600;}
.aic-timeline-box {overflow-x: auto;}
.aic-timeline .aic-axis {font-size: 12px; fill: var(--body-text-color-subdued);}
.aic-timeline .aic-grid {stroke: var(--border-color-primary); stroke-width: 1;}
.aic-timeline .aic-tl-label {font-size: 12px; fill: var(--body-text-color);}
.aic-timeline .aic-tl-span {stroke: #9ca3af; stroke-width: 2;}
.aic-timeline .aic-tl-bg {fill: transparent;}
.aic-timeline a.aic-tl-row:hover .aic-tl-bg {fill: var(--color-accent-soft);}
.aic-timeline a.aic-tl-row {cursor: pointer; text-decoration: none;}
"""
HEADER_HTML = (f"<div class='aic-header'><h1>{esc(APP_TITLE)}</h1><p>Answers about AI copyright suits and the laws "
               "they turn on. Every answer cites numbered passages checked against their source; click a marker "
               "like [1] to see the passage in its document.</p></div>")


# -- the app ------------------------------------------------------------------------------------------------------
def build_ui(assistant: Assistant) -> gr.Blocks:
    """The web chat: Chat (with sources panel and document viewer), Disputes, and Add documents tabs."""
    settings = assistant.settings
    index_dir = Path(settings.index_dir)
    storage_key = "aic-conversation-" + hashlib.sha1(str(index_dir.resolve()).encode()).hexdigest()[:10]

    def index_view() -> tuple[list[str], list[str], list[dict[str, str]]]:
        """Document types and jurisdictions for the filters, and the disputes rows (one registry read)."""
        recs = assistant.sources()
        return (sorted({r.get("doc_type", "") for r in recs} - {""}),
                sorted({r.get("jurisdiction", "") for r in recs} - {""}), dispute_rows(recs))

    def dispute_choices(rows: list[dict[str, str]]) -> tuple[list[str], list[str]]:
        return ([ALL] + sorted({r["Jurisdiction"] for r in rows} - {""}),
                [ALL] + sorted({r["Status"] for r in rows} - {""}))

    def open_document(source_id: str, quote: str = "", start=None, end=None, page=None, label: str = "") -> str:
        try:
            rec = assistant.source(source_id)
        except AssistantError as e:
            return placeholder(str(e))
        return render_document(rec, quote, start, end, page, label)

    # -- chat ---------------------------------------------------------------------------------------------------
    def respond(message, conv, types, jurisdictions, date_from, date_to):
        conv = normalise_conversation(conv)
        filters = make_filters(types, jurisdictions, date_from, date_to)
        try:
            answer = assistant.ask(message, history=history_of(conv), filters=filters)
        except InvalidInputError as e:
            gr.Warning(str(e))
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()  # keep the question in the box to fix and resend
            return
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None
        turn = turn_record(answer, filters)
        index = len(conv["turns"])
        shown = render_messages(conv) + [{"role": "user", "content": md_escape(turn["question"])},
                                         {"role": "assistant", "content": ""}]
        if not answer.refused:
            for piece in stream_pieces(answer.text)[:-1]:
                shown[-1] = {"role": "assistant", "content": md_escape(piece)}
                yield "", shown, gr.skip(), gr.skip()
                time.sleep(STREAM_DELAY)
        # the stream's last update carries the citations, so they can never be lost mid-stream
        conv["turns"].append(turn)
        conv["selected"] = index
        shown[-1] = {"role": "assistant", "content": render_answer(index, turn)}
        yield "", shown, conv, render_sources(conv, index)

    def chat(message: str) -> str:
        """Answer one question; returns the answer with its [n] markers and the numbered source list."""
        try:
            answer = assistant.ask(message)
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None
        return format_answer_text(answer)

    def open_ref(conv, evt: gr.EventData):
        """A click on a citation or document link (see BRIDGE_JS)."""
        ref = str((getattr(evt, "_data", None) or {}).get("ref", ""))
        conv = normalise_conversation(conv)
        m = re.fullmatch(r"cite-(\d+)-(\d+)", ref)
        if m:
            ti, n = int(m.group(1)), int(m.group(2))
            if ti >= len(conv["turns"]):
                return gr.skip(), gr.skip(), gr.skip()
            c = next((c for c in conv["turns"][ti]["citations"] if c["n"] == n), None)
            if c is None:
                return render_sources(conv, ti), gr.skip(), gr.skip()
            doc = open_document(c["source_id"], c.get("quote", ""), c.get("start"), c.get("end"), c.get("page"),
                                label=f"[{n}] ")
            return render_sources(conv, ti, n), doc, gr.skip()
        m = re.fullmatch(r"(d?doc)-(.+)", ref)
        if m:
            html_doc = open_document(_urlunquote(m.group(2)))
            return (gr.skip(), html_doc, gr.skip()) if m.group(1) == "doc" else (gr.skip(), gr.skip(), html_doc)
        return gr.skip(), gr.skip(), gr.skip()

    def on_like(conv, evt: gr.LikeData):
        conv = normalise_conversation(conv)
        ti = turn_for_message(conv, evt.index)
        if ti is None or evt.liked in (None, ""):
            return
        try:
            record_feedback(index_dir, conv["turns"][ti], evt.liked)
        except OSError as e:
            raise gr.Error(f"Could not save feedback to {index_dir / 'feedback.jsonl'}: {e.strerror or e}",
                           print_exception=False) from None
        gr.Info("Thanks: feedback saved.")

    def new_conversation():
        conv = empty_conversation()
        return conv, [], render_sources(conv), placeholder(VIEWER_EMPTY)

    def example_clicked(i):
        return EXAMPLES[i] if isinstance(i, int) and 0 <= i < len(EXAMPLES) else gr.skip()

    # -- disputes and uploads ------------------------------------------------------------------------------------
    def disputes_view(rows, text, jurisdiction, status):
        shown = filter_disputes(rows or [], text, jurisdiction, status)
        return disputes_frame(shown), timeline_svg(shown)

    def open_dispute(evt: gr.SelectData):
        row = evt.row_value or []
        return open_document(str(row[-1])) if row else gr.skip()

    def page_state():
        """Everything that depends on the index or the stored conversation, for page load and after uploads."""
        types, jurs, rows = index_view()
        djur, dstat = dispute_choices(rows)
        return (gr.Dropdown(choices=types), gr.Dropdown(choices=jurs), rows, disputes_frame(rows),
                timeline_svg(rows), gr.Dropdown(choices=djur, value=ALL), gr.Dropdown(choices=dstat, value=ALL))

    def on_load(conv):
        conv = normalise_conversation(conv)
        return (conv, render_messages(conv), render_sources(conv, conv["selected"]), *page_state())

    def add_documents(files, progress=gr.Progress()):
        files = [f for f in (files or []) if f]
        if not files:
            gr.Warning(f"Choose one or more files first ({UPLOAD_TYPES_TEXT}).")
            return (gr.skip(),) * 9
        lines = []
        total = len(files)
        for i, f in enumerate(files):
            src = Path(getattr(f, "name", f))
            original = src.name
            progress((i, total), desc=f"Checking and indexing {original}")
            try:
                staged = stage_upload(src, original, index_dir / "uploads", settings.max_upload_mb)
            except LoadError as e:
                lines.append(_upload_line(original, "rejected", esc(e)))
                continue
            try:
                report = assistant.ingest([str(staged)], progress=lambda n, t, _name: progress(
                    (i + n / max(t, 1), total), desc=f"Indexing {original}"))
            except AssistantError as e:
                lines.append(_upload_line(original, "rejected", esc(e)))
                continue
            if report.failed:
                staged.unlink(missing_ok=True)
                reason = report.failed[0][1].replace(str(staged), original).replace(staged.name, original)
                lines.append(_upload_line(original, "rejected", esc(reason)))
                continue
            for status, ids in (("added", report.added), ("updated", report.updated),
                                ("unchanged", report.unchanged)):
                for sid in ids:
                    try:
                        title = assistant.source(sid).get("title", "")
                    except AssistantError:
                        title = ""
                    what = "already in the index as" if status == "unchanged" else "as"
                    lines.append(_upload_line(original, status, f"{what} <code>{esc(sid)}</code> "
                                                                f"(“{esc(title)}”)"))
        progress((total, total), desc="Done")
        result = (f"<div class='aic-upload-report'><ul>{''.join(lines)}</ul>"
                  "<p>Added documents can be asked about right away in the Chat tab.</p></div>")
        return (result, None, *page_state())

    # -- layout ---------------------------------------------------------------------------------------------------
    # choices, table and timeline are filled by the page-load event (they must be fresh for every visitor anyway)
    types0, jurs0, rows0 = [], [], []
    djur0, dstat0 = dispute_choices(rows0)
    with gr.Blocks(title=APP_TITLE) as demo:
        conv_state = gr.BrowserState(empty_conversation(), storage_key=storage_key)
        rows_state = gr.State(rows0)
        header = gr.HTML(HEADER_HTML, js_on_load=BRIDGE_JS, elem_id="aic-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        chatbot = gr.Chatbot(
                            label="Chat", height=540, elem_id="aic-chat", latex_delimiters=[],
                            buttons=["copy", "copy_all"], placeholder="Ask about a case, a ruling or a law. "
                            "Every answer cites the passages it comes from.",
                        )
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask about a case, a ruling or a law…", show_label=False,
                                             scale=6, elem_id="aic-input", autofocus=True, max_lines=4)
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                                elem_id="aic-ask")
                        examples = gr.Dataset(components=[box], samples=[[q] for q in EXAMPLES], type="index",
                                              label="Example questions", elem_id="aic-examples")
                        with gr.Accordion("Filters (apply to every question in this conversation)", open=False):
                            with gr.Row():
                                f_type = gr.Dropdown(types0, multiselect=True, label="Document type",
                                                     elem_id="aic-f-type")
                                f_jur = gr.Dropdown(jurs0, multiselect=True, label="Jurisdiction",
                                                    elem_id="aic-f-jur")
                            with gr.Row():
                                f_from = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD",
                                                    elem_id="aic-f-from")
                                f_to = gr.Textbox(label="Dated to", placeholder="YYYY-MM-DD", elem_id="aic-f-to")
                        new_btn = gr.Button("New conversation", size="sm", variant="secondary")
                    with gr.Column(scale=4, min_width=320):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(render_sources(empty_conversation()), js_on_load=SOURCES_JS,
                                          elem_id="aic-sources")
                        gr.Markdown("### Document")
                        viewer = gr.HTML(placeholder(VIEWER_EMPTY), js_on_load=VIEWER_JS, elem_id="aic-viewer")
            with gr.Tab("Disputes", id="disputes"):
                gr.Markdown("Cases and disputes in the index, from their front matter. Sort with the ⋮ menu of a "
                            "column header; select a row (or a timeline line) to read the document.")
                with gr.Row():
                    d_text = gr.Textbox(label="Filter", placeholder="title, party, court or docket",
                                        elem_id="aic-d-text", scale=3)
                    d_jur = gr.Dropdown(djur0, value=ALL, label="Jurisdiction", elem_id="aic-d-jur", scale=1)
                    d_status = gr.Dropdown(dstat0, value=ALL, label="Status", elem_id="aic-d-status", scale=1)
                table = gr.Dataframe(disputes_frame(rows0), interactive=False, wrap=False, max_height=440,
                                     elem_id="aic-disputes", label="Disputes", show_search="none",
                                     column_widths=["20%", "15%", "8%", "10%", "104px", "104px", "80px", "104px",
                                                    "100px", "10%"])
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        gr.Markdown("#### Timeline (click a line to open the document)")
                        timeline = gr.HTML(timeline_svg(rows0), elem_id="aic-timeline")
                    with gr.Column(scale=2):
                        gr.Markdown("#### Document")
                        dviewer = gr.HTML(placeholder(DISPUTES_VIEWER_EMPTY), js_on_load=VIEWER_JS,
                                          elem_id="aic-dviewer")
            with gr.Tab("Add documents", id="upload"):
                gr.Markdown(f"Add {UPLOAD_TYPES_TEXT} files (up to {settings.max_upload_mb:g} MB each). Each file "
                            "is checked (type by content, size, readable text), indexed, and searchable at once. "
                            "Markdown front matter (id, title, type, jurisdiction, date) is kept.")
                uploads = gr.File(file_count="multiple", label="Documents", elem_id="aic-upload")
                add_btn = gr.Button("Add to index", variant="primary", elem_id="aic-add")
                upload_report = gr.HTML("", elem_id="aic-upload-report")

        # -- events ---------------------------------------------------------------------------------------------
        ask_inputs = [box, conv_state, f_type, f_jur, f_from, f_to]
        ask_outputs = [box, chatbot, conv_state, sources]
        # one event for Enter and the button: a second trigger while an answer streams is ignored, so two answers
        # never race to save the conversation
        gr.on([box.submit, ask_btn.click], respond, ask_inputs, ask_outputs, trigger_mode="once",
              api_visibility="private")
        examples.click(example_clicked, [examples], [box], api_visibility="private").then(
            respond, ask_inputs, ask_outputs, api_visibility="private")
        header.click(open_ref, [conv_state], [sources, viewer, dviewer], api_visibility="private")
        chatbot.like(on_like, [conv_state], None, api_visibility="private")
        new_btn.click(new_conversation, None, [conv_state, chatbot, sources, viewer], api_visibility="private")
        chatbot.clear(new_conversation, None, [conv_state, chatbot, sources, viewer], api_visibility="private")
        dispute_inputs = [rows_state, d_text, d_jur, d_status]
        gr.on([d_text.change, d_jur.change, d_status.change], disputes_view, dispute_inputs, [table, timeline],
              api_visibility="private")
        table.select(open_dispute, None, [dviewer], api_visibility="private")
        index_outputs = [f_type, f_jur, rows_state, table, timeline, d_jur, d_status]
        add_btn.click(add_documents, [uploads], [upload_report, uploads, *index_outputs],
                      api_visibility="private")
        demo.load(on_load, [conv_state], [conv_state, chatbot, sources, *index_outputs], api_visibility="private")
        gr.api(chat, api_name="chat")
    return demo


def ensure_index(assistant: Assistant) -> None:
    """Build the index from the sources folder when it is empty (first `make run`)."""
    if assistant.sources():
        return
    src = assistant.settings.sources_dir
    print(f"Index at {assistant.settings.index_dir} is empty: building it from {src}/ ...", file=sys.stderr)
    report = assistant.ingest([str(src)], show_bar=True)
    for path, err in report.failed:
        print(f"Skipped {path}: {err}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)


def parse_auth(value) -> tuple[str, str] | None:
    """'user:password' (a str or SecretStr) -> (user, password); InvalidInputError when malformed."""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if not value:
        return None
    user, sep, pw = value.partition(":")
    if not sep or not user or not pw:
        raise InvalidInputError("ASSISTANT_AUTH / --auth must be user:password (both non-empty)")
    return user, pw


def _warm_up(assistant: Assistant) -> None:
    """Open the index (building it from sources/ if it is empty) and load the embedding model; runs after the page
    is served, so the page does not wait for it and the first question does not either (about 1 s on 2 cores,
    most of it importing chromadb, while a user is still typing). Errors propagate to serve()."""
    ensure_index(assistant)
    load = getattr(assistant.embedder, "load", None)
    load() if load is not None else assistant.embedder.embed(["warm up"])


def serve(settings: Settings | None = None, share: bool = False, **launch: Any) -> gr.Blocks:
    """Start the web app (localhost by default, no share link unless asked); returns the running Blocks.

    A local index that does not exist yet is built before the page is served (first `make run`). Otherwise the
    page is served first and the index opens in the background; a stale or unreadable index then stops the server
    with the same one-line error, raised from here."""
    settings = settings or Settings()
    auth = parse_auth(settings.auth)
    assistant = Assistant(settings)
    if not local_index_exists(settings):
        ensure_index(assistant)
    demo = build_ui(assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    options: dict[str, Any] = dict(
        server_name=settings.host, server_port=settings.port, share=share, auth=auth,
        max_file_size=int(settings.max_upload_mb * 1024 * 1024), show_error=True, css=CSS,
        theme=gr.themes.Soft(primary_hue="indigo"), footer_links=["api"],
    )
    options.update(launch)
    block = not options.pop("prevent_thread_lock", False)
    demo.launch(prevent_thread_lock=True, **options)
    failed: list[AssistantError] = []
    stop = threading.Event()

    def warm_up() -> None:
        try:
            _warm_up(assistant)
        except AssistantError as e:
            failed.append(e)
            if not block:  # else serve() raises it and the caller prints it
                print(f"Error: {e}", file=sys.stderr)
            stop.set()
        except Exception as e:  # the first question reports any other problem as a user-facing error
            print(f"Warm-up failed: {type(e).__name__}: {e}", file=sys.stderr)

    threading.Thread(target=warm_up, daemon=True, name="warm-up").start()
    if block:  # as demo.block_thread(), and also until a failed warm-up stops the server
        try:
            while demo.is_running and not stop.wait(0.1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if demo.is_running:
                demo.close()
        if failed:
            raise failed[0]
    return demo
