"""Answers and documents as the page shows them: HTML for panels, Markdown for the chat, plain text for copying and
Markdown or HTML for export. Pure functions of answer records (see conversations.turn_record); no Gradio here.

Every `[n]` marker, source card and document link is an ordinary link whose href names what it opens
(`#cite-TURN-N`, `#doc-ID`, `#ddoc-ID`); the page's click bridge (assets/bridge.js) turns those clicks into events.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from typing import Any, Callable, Iterable
from urllib.parse import quote as _urlquote

from .. import prompts
from ..types import DocumentRecord
from . import phrases

_MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&])")


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
    return url if re.match(r"^https?://[^\s<>\"']+$", url, re.I) else ""


def ref_for_doc(source_id: str, target: str = "doc") -> str:
    """The link that opens a document in a viewer (target 'doc': chat tab, 'ddoc': disputes tab)."""
    return f"#{target}-{_urlquote(source_id, safe='')}"


def doc_link(source_id: str, title: str, target: str = "doc") -> str:
    """A link that opens a document in a viewer."""
    return f"<a class='aic-doclink' href='{ref_for_doc(source_id, target)}'>{esc(title or source_id)}</a>"


def placeholder(text: str) -> str:
    """A hint for an empty panel."""
    return f"<div class='aic-panel aic-empty'>{esc(text)}</div>"


def extra_notes(turn: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for answer fields this page has no special place for (newer Answer fields such as premise)."""
    out = []
    for key, value in (turn.get("extra") or {}).items():
        if isinstance(value, str) and value.strip():
            out.append((key.replace("_", " ").capitalize(), value.strip()))
    return out


# -- the chat ---------------------------------------------------------------------------------------------------
def render_answer(turn_index: int, turn: dict[str, Any]) -> str:
    """A finished answer for the chat: escaped text, [n] markers as links, a source line, copy and link actions."""
    if turn.get("refused"):
        if not turn["answer"].startswith(prompts.REFUSAL):
            out = md_escape(turn["answer"])  # e.g. the empty-index message
        else:
            out = f"**{md_escape(prompts.REFUSAL)}**"
            if turn.get("closest"):
                links = " · ".join(doc_link(c["source_id"], c.get("title", "")) for c in turn["closest"])
                out += f"\n\nClosest documents: {links}"
        return out + _actions(turn_index, turn)
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
    for label, text in extra_notes(turn):
        out += f"\n\n*{md_escape(label)}: {md_escape(text)}*"
    if turn.get("notice"):
        out += f"\n\n*{md_escape(turn['notice'])}*"
    return out + _actions(turn_index, turn)


def _actions(turn_index: int, turn: dict[str, Any]) -> str:
    acts = [f"<a class='aic-act' href='#copy-{turn_index}'>{esc(phrases.COPY_ANSWER)}</a>"]
    if turn.get("id"):
        acts.append(f"<a class='aic-act' href='?a={esc(turn['id'])}' target='_blank' rel='noopener'>"
                    f"{esc(phrases.LINK_ANSWER)}</a>")
    return "\n\n<span class='aic-actions'>" + " · ".join(acts) + "</span>"


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
    if c.get("origin") and c.get("origin") != "corpus":
        bits.append(f"{c['origin']} document")
    return " · ".join(esc(b) for b in bits if b)


def render_sources(conv: dict[str, Any], turn_index: int | None = None, selected: int | None = None) -> str:
    """The sources panel for one answer (default: the latest): a card per citation, or the refusal."""
    turns = conv["turns"]
    if not turns:
        return placeholder(phrases.SOURCES_EMPTY)
    if turn_index is None or not 0 <= turn_index < len(turns):
        turn_index = len(turns) - 1
    t = turns[turn_index]
    active = "; ".join(f"{k.replace('_', ' ')} {', '.join(v) if isinstance(v, list) else v}"
                       for k, v in (t.get("filters") or {}).items())
    head = (f"<div class='aic-sources-head'>Sources for answer {turn_index + 1} of {len(turns)}: "
            f"<i>{esc(t['question'])}</i>" + (f"<br>Filters: {esc(active)}" if active else "") + "</div>")
    if t.get("refused"):
        items = "".join(f"<li>{doc_link(c['source_id'], c.get('title', ''))} <code>{esc(c['source_id'])}</code></li>"
                        for c in t.get("closest") or [])
        body = (f"<div class='aic-refusal'><b>{esc(phrases.REFUSAL_HEAD)}.</b> Nothing in the index answers this "
                "question, so no passage is cited."
                + (f"<p>Closest documents (follow a link to open one):</p><ul>{items}</ul>" if items else "")
                + "</div>")
        return f"<div class='aic-panel' data-turn='{turn_index}'>{head}{body}</div>"
    cards = []
    for c in t["citations"]:
        n = c["n"]
        sel = " aic-selected" if n == selected else ""
        url = safe_url(c.get("url", ""))
        link = (f"<a class='aic-public' href='{esc(url)}' target='_blank' rel='noopener noreferrer'>"
                f"Public source ↗</a>" if url else f"<span class='aic-nolink'>{esc(phrases.NO_PUBLIC_ADDRESS)}</span>")
        cards.append(
            f"<div class='aic-card{sel}' id='aic-card-{turn_index}-{n}' data-n='{n}'>"
            f"<div class='aic-card-title'><span class='aic-n'>[{n}]</span> {esc(c.get('title'))}</div>"
            f"<div class='aic-meta'>{_meta_line(c)} · <code>{esc(c.get('source_id'))}</code></div>"
            f"<blockquote class='aic-quote'>{esc(c.get('quote'))}</blockquote>"
            f"<div class='aic-card-actions'><a class='aic-open' href='#cite-{turn_index}-{n}'>Show in document</a>"
            f" {link}</div></div>"
        )
    notes = "".join(f"<div class='aic-note'><b>{esc(label)}:</b> {esc(text)}</div>" for label, text in extra_notes(t))
    return f"<div class='aic-panel' data-turn='{turn_index}'>{head}{notes}{''.join(cards)}</div>"


# -- copy and export --------------------------------------------------------------------------------------------
def _source_lines(c: dict[str, Any]) -> list[str]:
    head = " — ".join(str(x) for x in (c.get("title"), c.get("section"), c.get("date") or "undated") if x)
    url = safe_url(c.get("url", ""))
    return [f"[{c['n']}] {head}", f"    \"{' '.join(str(c.get('quote', '')).split())}\"",
            f"    {url}" if url else f"    (document {c.get('source_id')}; {phrases.NO_PUBLIC_ADDRESS})"]


def plain_text(turn: dict[str, Any]) -> str:
    """An answer as plain text: its text with the [n] markers, then the numbered sources (title, section, date,
    quoted passage, link)."""
    lines = [turn["answer"].strip()]
    if turn.get("refused") and turn.get("closest"):
        lines += ["", "Closest documents:"] + [f"- {c.get('title') or c['source_id']} ({c['source_id']})"
                                               for c in turn["closest"]]
    if turn.get("citations"):
        lines += ["", "Sources:"]
        for c in turn["citations"]:
            lines += _source_lines(c)
    for label, text in extra_notes(turn):
        lines += ["", f"{label}: {text}"]
    if turn.get("notice"):
        lines += ["", turn["notice"]]
    return "\n".join(lines)


def conversation_title(conv: dict[str, Any]) -> str:
    """A conversation's title: its first question, shortened."""
    q = " ".join((conv["turns"][0]["question"] if conv.get("turns") else "").split())
    return (q[:77] + "…") if len(q) > 80 else (q or phrases.UNTITLED)


def _md_text(text: str) -> str:
    # raw HTML in a Markdown file would be rendered by its reader; everything else stays as written
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def export_markdown(conv: dict[str, Any], when: _dt.datetime | None = None) -> str:
    """A conversation as a Markdown file: each question, its answer with [n] markers and its numbered sources."""
    when = when or _dt.datetime.now(_dt.timezone.utc)
    out = [f"# {_md_text(conversation_title(conv))}", "",
           f"Exported from the {phrases.APP_TITLE} on {when:%Y-%m-%d %H:%M} UTC. {phrases.NOT_LEGAL_ADVICE}", ""]
    for i, t in enumerate(conv["turns"], start=1):
        out += [f"## {i}. {_md_text(t['question'])}", "", _md_text(t["answer"].strip()), ""]
        if t.get("refused") and t.get("closest"):
            out += ["Closest documents:", ""] + [f"- {_md_text(c.get('title') or c['source_id'])} "
                                                 f"(`{c['source_id']}`)" for c in t["closest"]] + [""]
        if t.get("citations"):
            out += ["**Sources**", ""]
            for c in t["citations"]:
                head = ", ".join(_md_text(x) for x in (c.get("section"), c.get("date") or "undated") if x)
                url = safe_url(c.get("url", ""))
                out.append(f"{c['n']}. **{_md_text(c.get('title', ''))}**, {head}. Document `{c['source_id']}`."
                           + (f" <{url}>" if url else ""))
                out.append(f"   > {_md_text(' '.join(str(c.get('quote', '')).split()))}")
            out.append("")
        for label, text in extra_notes(t):
            out += [f"*{label}: {_md_text(text)}*", ""]
        if t.get("notice"):
            out += [f"*{_md_text(t['notice'])}*", ""]
    return "\n".join(out).rstrip() + "\n"


def export_html(conv: dict[str, Any], when: _dt.datetime | None = None) -> str:
    """A conversation as a standalone HTML page; each [n] marker links to its source below the answer."""
    when = when or _dt.datetime.now(_dt.timezone.utc)
    e = html.escape
    body = []
    for i, t in enumerate(conv["turns"], start=1):
        known = {c["n"] for c in t.get("citations") or []}
        text = _MARKER.sub(lambda m: f"<a href='#s{i}-{m.group(1)}'>[{m.group(1)}]</a>"
                           if int(m.group(1)) in known else m.group(0), e(t["answer"].strip()))
        body.append(f"<section><h2>{i}. {e(t['question'])}</h2><p>{text}</p>")
        if t.get("citations"):
            body.append("<ol class='sources'>")
            for c in t["citations"]:
                url = safe_url(c.get("url", ""))
                meta = ", ".join(e(str(x)) for x in (c.get("section"), c.get("date") or "undated") if x)
                link = f" <a href='{e(url)}'>{e(url)}</a>" if url else ""
                body.append(f"<li id='s{i}-{c['n']}' value='{c['n']}'><b>{e(str(c.get('title', '')))}</b>, {meta}. "
                            f"Document <code>{e(c['source_id'])}</code>.{link}"
                            f"<blockquote>{e(' '.join(str(c.get('quote', '')).split()))}</blockquote></li>")
            body.append("</ol>")
        for label, note in extra_notes(t):
            body.append(f"<p><i>{e(label)}: {e(note)}</i></p>")
        if t.get("notice"):
            body.append(f"<p><i>{e(t['notice'])}</i></p>")
        body.append("</section>")
    title = e(conversation_title(conv))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;"
            "padding:0 1rem;color:#111}blockquote{margin:.3rem 0;padding-left:.7rem;border-left:3px solid #4338ca;"
            "font-style:italic}</style></head><body>"
            f"<h1>{title}</h1><p>Exported from the {e(phrases.APP_TITLE)} on {when:%Y-%m-%d %H:%M} UTC. "
            f"{e(phrases.NOT_LEGAL_ADVICE)}</p>{''.join(body)}</body></html>\n")


def render_exports(conv: dict[str, Any]) -> str:
    """Hidden copies of each answer's plain text and of the conversation's exports, read by the copy and export
    buttons in the browser (so copying needs no round trip and keeps the click's permission to write the clipboard)."""
    if not conv["turns"]:
        return "<div class='aic-exports' hidden></div>"
    copies = "".join(f"<pre hidden data-copy='{i}'>{esc(plain_text(t))}</pre>" for i, t in enumerate(conv["turns"]))
    return (f"<div class='aic-exports' hidden data-name='{esc(_file_stem(conv))}'>{copies}"
            f"<pre hidden data-export='md'>{esc(export_markdown(conv))}</pre>"
            f"<pre hidden data-export='html'>{esc(export_html(conv))}</pre></div>")


def _file_stem(conv: dict[str, Any]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", conversation_title(conv).lower()).strip("-")[:50]
    return f"conversation-{slug or 'export'}"


# -- the document viewer ----------------------------------------------------------------------------------------
def locate_quote(text: str, quote: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """Where the quote sits in the document: its recorded offsets when they still match, else its first occurrence."""
    if quote and start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if quote:
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote)
    return None


def is_markdown(rec: DocumentRecord) -> bool:
    """True when a document's text is Markdown (rendered), False for plain, PDF and HTML-extracted text."""
    return rec.path.lower().endswith((".md", ".markdown")) or bool(rec.front_matter)


def render_document(rec: DocumentRecord, quote: str = "", start: int | None = None, end: int | None = None,
                    page: int | None = None, label: str = "", known_ids: Iterable[str] = (),
                    target: str = "doc") -> str:
    """The document viewer: the whole text, rendered (Markdown) or as written (other formats), always escaped, with
    the quoted passage marked; `[source-id]` cross-references to known documents become links."""
    text = rec.text
    url = safe_url(rec.url)
    bits = [rec.doc_type, rec.date, rec.jurisdiction]
    if page:
        bits.append(f"page {page}")
    meta = " · ".join(esc(b) for b in bits if b)
    link = (f" · <a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>Public source ↗</a>" if url else "")
    head = (f"<div class='aic-viewer-head'><div class='aic-viewer-title'>{esc(label)}{esc(rec.title)}</div>"
            f"<div class='aic-meta'>{meta} · <code>{esc(rec.source_id)}</code>{link}</div></div>")
    span = locate_quote(text, quote, start, end) if quote else None
    note = f"<div class='aic-note'>{esc(phrases.QUOTE_GONE)}</div>" if quote and not span else ""
    ids = set(known_ids)
    xref = (lambda sid: ref_for_doc(sid, target) if sid in ids and sid != rec.source_id else None)
    if is_markdown(rec):
        body = f"<div class='aic-doc aic-md' tabindex='0'>{markdown_html(text, span, xref)}</div>"
    else:
        body = f"<div class='aic-doc aic-plain' tabindex='0'>{_Marked(text, span).html(0, len(text))}</div>"
    return f"<div class='aic-viewer'>{head}{note}{body}</div>"


class _Marked:
    """Escapes ranges of a text, wrapping the part inside the highlighted span in <mark> (first one gets the id)."""

    def __init__(self, text: str, span: tuple[int, int] | None):
        self.text, self.span, self.first = text, span, True

    def html(self, a: int, b: int) -> str:
        if a >= b:
            return ""
        if not self.span or self.span[1] <= a or self.span[0] >= b:
            return esc(self.text[a:b])
        s, e = max(a, self.span[0]), min(b, self.span[1])
        mark_id = " id='aic-hl'" if self.first else ""
        self.first = False
        return (esc(self.text[a:s]) + f"<mark class='aic-hl'{mark_id}>{esc(self.text[s:e])}</mark>"
                + esc(self.text[e:b]))


_LINE = re.compile(r"[^\n]*\n?")
_HEADING = re.compile(r"(#{1,6})[ \t]+")
_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_ORDERED = re.compile(r"[ \t]*\d")
_QUOTE = re.compile(r"[ \t]{0,3}>[ \t]?")
_CLOSING = re.compile(r"(?:[ \t]+#+)?[ \t]*$")  # an ATX heading's optional closing hashes
_RULE = re.compile(r"[ \t]*(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r"[ \t]*```")
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<link>\[(?P<ltext>[^\]\n]+)\]\((?P<lurl>https?://[^\s)]+)\))"
    r"|(?P<xref>\[(?P<xid>[A-Za-z0-9][A-Za-z0-9_./-]*)\](?!\())"
    r"|(?P<strong>\*\*(?=\S)(?P<stext>.+?)(?<=\S)\*\*(?!\*))"
    r"|(?P<em>(?<![\w*])\*(?=[^\s*])(?P<etext>[^*\n]+?)(?<=\S)\*(?![\w*]))")


def markdown_html(text: str, span: tuple[int, int] | None = None,
                  xref: Callable[[str], str | None] = lambda _sid: None) -> str:
    """A safe rendering of the Markdown a document uses (headings, lists, quotes, rules, code, emphasis, links),
    every piece of text escaped; `span` is marked, and `xref(id)` gives the href of a `[id]` cross-reference."""
    marked = _Marked(text, span)
    out: list[str] = []
    para: list[tuple[int, int]] = []
    lst: str | None = None
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.end() > m.start()]

    def close_para():
        if para:
            out.append(f"<p>{_inline(text, para[0][0], para[-1][1], marked, xref)}</p>")
            para.clear()

    def close_list():
        nonlocal lst
        if lst:
            out.append(f"</{lst}>")
            lst = None

    i = 0
    while i < len(lines):
        a, b = lines[i]
        line = text[a:b].rstrip("\n")
        end = a + len(line)
        i += 1
        if not line.strip():
            close_para()
            close_list()
            continue
        if _FENCE.match(line):
            close_para()
            close_list()
            body_start = b
            while i < len(lines) and not _FENCE.match(text[lines[i][0]:lines[i][1]]):
                i += 1
            body_end = lines[i][0] if i < len(lines) else len(text)
            out.append(f"<pre><code>{marked.html(body_start, body_end)}</code></pre>")
            i += 1
            continue
        if m := _HEADING.match(line):
            close_para()
            close_list()
            level = min(len(m.group(1)) + 2, 6)
            stop = a + len(_CLOSING.sub("", line))
            out.append(f"<h{level}>{_inline(text, a + m.end(), stop, marked, xref)}</h{level}>")
            continue
        if _RULE.match(line):
            close_para()
            close_list()
            out.append("<hr>")
            continue
        if m := _ITEM.match(line):
            close_para()
            kind = "ol" if _ORDERED.match(line) else "ul"
            if lst != kind:
                close_list()
                out.append(f"<{kind}>")
                lst = kind
            out.append(f"<li>{_inline(text, a + m.end(), end, marked, xref)}</li>")
            continue
        if m := _QUOTE.match(line):
            close_para()
            close_list()
            out.append(f"<blockquote>{_inline(text, a + m.end(), end, marked, xref)}</blockquote>")
            continue
        if lst and line[:1] in (" ", "\t"):
            out[-1] = out[-1][:-5] + " " + _inline(text, a, end, marked, xref) + "</li>"  # a wrapped list item
            continue
        close_list()
        para.append((a, end))
    close_para()
    close_list()
    return "".join(out)


def _inline(text: str, a: int, b: int, marked: _Marked, xref: Callable[[str], str | None]) -> str:
    out, pos = [], a
    for m in _INLINE.finditer(text, a, b):
        out.append(marked.html(pos, m.start()))
        if m.group("code"):
            out.append(f"<code>{marked.html(m.start() + 1, m.end() - 1)}</code>")
        elif m.group("link"):
            out.append(f"<a href='{esc(m.group('lurl'))}' target='_blank' rel='noopener noreferrer'>"
                       f"{_inline(text, m.start('ltext'), m.end('ltext'), marked, xref)}</a>")
        elif m.group("xref"):
            href = xref(m.group("xid"))
            inner = marked.html(m.start(), m.end())
            out.append(f"<a class='aic-xref' href='{href}'>{inner}</a>" if href else inner)
        elif m.group("strong"):
            out.append(f"<strong>{_inline(text, m.start('stext'), m.end('stext'), marked, xref)}</strong>")
        else:
            out.append(f"<em>{_inline(text, m.start('etext'), m.end('etext'), marked, xref)}</em>")
        pos = m.end()
    out.append(marked.html(pos, b))
    return "".join(out)
