"""Official and legal HTML (EUR-Lex's official journal, legislation.gov.uk, the U.S. Code, court sites) read as its
structure: the document's own heading for a title; recitals, articles, annexes, sections and points as sections
with their numbers; layout tables as paragraphs; superscripts and subscripts that keep their meaning (10^25, not
1025). Ordinary web articles are left to trafilatura (see loaders.parse_html), which is better at dropping a news
site's navigation; `mark_scripts` gives both readers the same treatment of <sup> and <sub>.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from .text import MONTHS

# A block that is only a structural label: 'Article 51', 'CHAPTER V', 'ANNEX XIII', '§ 1202.', 'Section 29A'
_LABEL = re.compile(r"^(?:Article|Art\.|Section|Sec\.|§{1,2}|Recital|Annex|Chapter|Title|Part|Schedule|Rule|"
                    r"Regulation|Paragraph)\s*[\dIVXLCM]+[A-Za-z]{0,2}(?:-\d+)?\.?$", re.I)
# ... or a label with its heading on the same line: '§ 1202. Integrity of copyright management information'
_LABEL_WITH_TITLE = re.compile(r"^(?:Article|Section|§{1,2}|Annex|Chapter|Title|Part|Schedule)\s*[\dIVXLCM]+[A-Za-z]{0,2}"
                               r"(?:-\d+)?\s*[.:\u2013\u2014-]\s+\S.{0,150}$", re.I)
_POINT = re.compile(r"^(?:\(?[a-z]{1,3}\)|\(?\d{1,3}[a-z]?\)|\d{1,3}\.|[ivxlc]{1,6}\)|\u2014|\u2013|-|\u2022|\u25cf)$",
                    re.I)
_DROP = ("script", "style", "noscript", "nav", "form", "button", "iframe", "svg", "select", "input", "template")
_DROP_CLASS = re.compile(r"\b(?:nav|navbar|menu|breadcrumbs?|cookie|skip|sidebar|footer|toolbar|share|social|"
                         r"print-?only|visually-?hidden|sr-only|modref)\b", re.I)
# EUR-Lex consolidated texts mark amendments with '▼M2', '►M2 ... ◄' and '▼B': not part of the law's text
_AMENDMENT_MARKS = re.compile(r"[\u25ba\u25bc]\s?[A-Z]\d{0,3}\b|\u25c4")
_BLOCK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd", "dt", "blockquote", "pre",
          "section", "article", "header", "main", "table", "tr", "ul", "ol", "dl", "body", "figure", "figcaption",
          "caption", "center", "address", "aside"}
_ORDINAL = re.compile(r"^(?:st|nd|rd|th|er|e|re|ème|o|a)$", re.I)


@dataclass
class HtmlDoc:
    """What the structural reader found."""

    title: str
    text: str
    date: str = ""
    jurisdiction: str = ""
    doc_type: str = ""
    aliases: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


def _parse(html: str):
    import lxml.html

    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml refuses str input with an encoding declaration
    try:
        return lxml.html.document_fromstring(html)
    except Exception:
        return None


def mark_scripts(root) -> None:
    """Superscripts and subscripts as text that keeps their meaning: 10<sup>25</sup> -> 10^25, a note call
    (<sup>3</sup> inside a link to the notes) -> 3, an ordinal 1<sup>st</sup> -> 1st; subscripts join their
    base (CO<sub>2</sub> -> CO2)."""
    for el in list(root.iter("sup", "sub", "span")):
        tag = el.tag if isinstance(el.tag, str) else ""
        cls = el.get("class") or ""
        if tag == "span":
            if "super" in cls:
                tag = "sup"
            elif re.search(r"\bsub(?:script)?\b", cls):
                tag = "sub"
            else:
                continue
        text = el.text_content()
        prev = _text_before(el)
        in_note = "note" in cls or any(a.tag == "a" for a in el.iterancestors())
        if tag == "sup" and not in_note and text.strip() and prev[-1:].isdigit() and re.fullmatch(r"[-\u2212]?\d+", text.strip()):
            new = "^" + text.strip().replace("\u2212", "-")
        elif tag == "sup" and prev[-1:].isdigit() and _ORDINAL.match(text.strip()):
            new = text.strip()
        else:
            new = text
        tail = el.tail or ""
        parent = el.getparent()
        if parent is None:
            continue
        prev_el = el.getprevious()
        if prev_el is not None:
            prev_el.tail = (prev_el.tail or "") + new + tail
        else:
            parent.text = (parent.text or "") + new + tail
        parent.remove(el)


def _text_before(el) -> str:
    prev = el.getprevious()
    if prev is not None:
        return (prev.tail or "") or prev.text_content()[-3:]
    parent = el.getparent()
    return (parent.text or "") if parent is not None else ""


def _clean(root) -> None:
    for el in list(root.iter(*_DROP)):
        el.drop_tree()
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.get("aria-hidden") == "true" or el.get("hidden") is not None or el.get("role") == "navigation" \
                or _DROP_CLASS.search((el.get("class") or "") + " " + (el.get("id") or "")):
            if el.tag not in ("body", "html"):
                el.drop_tree()


def _norm(s: str) -> str:
    return " ".join(_AMENDMENT_MARKS.sub(" ", s.replace("\u00a0", " ")).split())


def looks_structured(root) -> bool:
    """True for legal or official documents whose structure is worth keeping (articles, sections, recitals)."""
    classes = " ".join((el.get("class") or "") for el in root.iter() if isinstance(el.tag, str))
    if re.search(r"\boj-|\beli-|\bLeg[A-Z]|\busc-|\bsection-head|\bstatute", classes):
        return True
    labels = 0
    for el in root.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "span", "strong", "b"):
        t = _norm(el.text_content())
        if len(t) < 160 and (_LABEL.match(t) or _LABEL_WITH_TITLE.match(t)):
            labels += 1
            if labels >= 3:
                return True
    return False


def _blocks(root) -> list[tuple[str, str, object]]:
    """(kind, text, element) in document order: kind is 'h1'..'h6', 'p', 'li' or 'row' (a table row read as a
    paragraph). Layout tables whose first cell is a label ('(a)', '1.', '(12)') become 'label text' paragraphs."""
    out: list[tuple[str, str, object]] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            own = [tr for tr in el.iter("tr") if next(tr.iterancestors("table"), None) is el]
            for tr in own:
                cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
                if any(c.find(".//table") is not None for c in cells):
                    # a point with points inside ('(e)' ... '(i)', '(ii)'): its own text, then the inner points
                    label = _norm(cells[0].text_content()) if len(cells) >= 2 else ""
                    body = cells[-1]
                    first = next((p for p in body if isinstance(p.tag, str) and p.tag != "table"), None)
                    lead = _norm(first.text_content()) if first is not None else ""
                    if lead:
                        out.append(("p", f"{label} {lead}".strip() if _POINT.match(label) else lead, tr))
                    for child in body:
                        if isinstance(child.tag, str) and child is not first:
                            walk(child)
                    continue
                texts = [_norm(c.text_content()) for c in cells]
                texts = [t for t in texts if t]
                if not texts:
                    continue
                if len(texts) >= 2 and _POINT.match(texts[0]):
                    out.append(("p", f"{texts[0]} {' '.join(texts[1:])}", tr))
                elif len(texts) == 1:
                    # a one-cell row may hold several paragraphs: keep them apart
                    inner = [_norm(p.text_content()) for p in cells[0].iter("p")] if cells else []
                    for t in ([x for x in inner if x] or texts):
                        out.append(("p", t, tr))
                else:
                    out.append(("row", "; ".join(texts), tr))
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            t = _norm(el.text_content())
            if t:
                out.append((tag, t, el))
            return
        children = [c for c in el if isinstance(c.tag, str)]
        has_block_child = any(c.tag in _BLOCK for c in children)
        if tag in ("p", "li", "dd", "dt", "blockquote", "pre", "figcaption", "caption", "address") or (
                tag in _BLOCK and not has_block_child):
            t = _norm(el.text_content())
            if t:
                out.append(("li" if tag == "li" else "p", t, el))
            return
        # inline text between block children ('<span>1. </span><div>This Directive ...</div>'): a short label
        # joins the paragraph after it, other text is a paragraph of its own
        label = ""

        def inline(text: str) -> None:
            nonlocal label
            t = _norm(text)
            if not t:
                return
            if _POINT.match(t) and len(t) <= 8:
                label = f"{label} {t}".strip()
            else:
                out.append(("p", f"{label} {t}".strip() if label else t, el))
                label = ""

        if has_block_child:
            inline(el.text or "")
        for c in children:
            if has_block_child and c.tag not in _BLOCK:
                inline(c.text_content())
            else:
                n = len(out)
                walk(c)
                if label and len(out) > n:
                    kind, text, src = out[n]
                    out[n] = (kind, f"{label} {text}", src)
                    label = ""
            if has_block_child:
                inline(c.tail or "")
        if label:
            out.append(("p", label, el))

    body = root.find("body")
    walk(body if body is not None else root)
    return out


def _act_date(title: str) -> str:
    m = re.search(r"\bof (\d{1,2}) (" + "|".join(MONTHS) + r") ((?:19|20)\d\d)\b", title, re.I)
    if not m:
        return ""
    try:
        return _dt.date(int(m.group(3)), MONTHS.index(m.group(2).lower()) + 1, int(m.group(1))).isoformat()
    except ValueError:
        return ""


def _doc_title(root, blocks) -> tuple[str, list[str], list[str]]:
    """The document's own heading, short titles in it (as aliases), and the heading lines it was made of."""
    parts = [_norm(p.text_content()) for p in root.iter("p")
             if re.search(r"\b(?:oj-)?doc-ti\b|\btitle-doc-(?:first|last)\b", p.get("class") or "")]
    parts = [p for p in parts if p and not re.match(r"^\(Text with EEA relevance\)$", p, re.I)]
    aliases: list[str] = []
    if parts:
        # the act's heading: 'REGULATION (EU) 2022/868 ...', 'of 30 May 2022', 'on ... (Data Governance Act)'
        head = []
        for p in parts:
            if head and re.match(r"^(?:REGULATION|DIRECTIVE|DECISION|ANNEX|CORRIGENDUM)\b", p):
                break
            head.append(p)
        full = " ".join(head)
        short = re.findall(r"\(([A-Z][A-Za-z\- ]{3,60}(?:Act|Regulation|Directive|communications))\)", full)
        aliases += short
        number = re.match(r"^((?:REGULATION|DIRECTIVE|DECISION)\s*(?:\((?:EU|EC|EEC|Euratom)\)\s*(?:No\s*)?\d+/\d+|"
                          r"\d+/\d+/(?:EC|EU|EEC)))", full, re.I)
        if short and number:
            num = re.sub(r"\((Eu|Ec|Eec)\)|/(Ec|Eu|Eec)\b", lambda m: m.group(0).upper(), number.group(1).title())
            return f"{short[-1]} ({num})", aliases, head
        return full[:300], aliases, head
    for kind, text, _el in blocks:
        if kind == "h1":
            return text[:300], aliases, [text]
    for kind, text, _el in blocks[:40]:
        if kind in ("h2", "h3", "h4") and (_LABEL_WITH_TITLE.match(text) or re.match(r"^(?:CHAPTER|TITLE|PART)\b", text)):
            return text[:300], aliases, []
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in ("og:title", "dc.title", "dcterms.title"):
            t = _norm(meta.get("content") or "")
            if t:
                return t[:300], aliases, []
    t = root.find(".//title")
    if t is not None:
        title = _norm(t.text_content())
        if title and not _is_file_name(title):
            return title[:300], aliases, []
    for kind, text, _el in blocks:
        if kind.startswith("h") or _LABEL_WITH_TITLE.match(text):
            return text[:300], aliases, [text]
    return "", aliases, []


def _is_file_name(title: str) -> bool:
    """'L_202401689EN.000101.fmx.xml' is a file name, not a title."""
    return bool(re.search(r"\.(?:xml|html?|xhtml|pdf|docx?)$", title, re.I)) or (" " not in title and len(title) > 12
                                                                                and bool(re.search(r"[_\d]", title)))


def read_structured(html: str, url: str = "") -> HtmlDoc | None:
    """The structural reading of a legal or official page, or None when it is an ordinary article."""
    root = _parse(html)
    if root is None:
        return None
    _clean(root)
    if not looks_structured(root):
        return None
    mark_scripts(root)
    blocks = _blocks(root)
    title, aliases, skip_title_parts = _doc_title(root, blocks)
    lines: list[str] = [f"# {title}", ""] if title else []
    heading = " ".join(skip_title_parts)
    if title and heading and heading != title:
        # the act's own heading, whole, is part of its text ('REGULATION (EU) 2022/868 OF THE EUROPEAN PARLIAMENT
        # AND OF THE COUNCIL of 30 May 2022 on European data governance ...'): a question about its full title or
        # its date is answered from it; and so is the journal's reference ('L 152/1', '3.6.2022')
        journal = [text for kind, text, el in blocks[:12] if re.search(r"\boj-hd-(?:date|oj|ti)\b", _classes(el))]
        lines += [heading, ""] + ([" ".join(journal), ""] if journal else [])
    pending_label = ""
    in_notes = False
    title_done = False
    for i, (kind, text, el) in enumerate(blocks):
        cls = _classes(el)
        if not title_done and (text in skip_title_parts and kind in ("p", "h1")
                               or re.fullmatch(r"\(Text with EEA relevance\)", text, re.I)):
            continue
        if re.search(r"\boj-hd-|oj-separator", cls):
            continue  # the official journal's running header
        if re.search(r"oj-normal|\bp\b", cls) or kind == "li":
            title_done = True
        sub_heading = bool(re.search(r"oj-ti-section-2|oj-sti-|oj-doc-ti", cls)) and not _LABEL.match(text)
        if pending_label and sub_heading and len(text) <= 250:
            lines += [f"## {pending_label} \u2014 {text}", ""]
            pending_label = ""
            continue
        if kind.startswith("h") or (kind == "p" and (_LABEL.match(text) or re.search(r"oj-ti-(?:art|section)", cls))):
            label = text.rstrip(".")
            if pending_label:
                lines += [f"## {pending_label}", ""]
            pending_label = label
            continue
        if pending_label:
            # a label's own heading follows it: 'Article 51' + 'Classification of ...'
            if kind == "p" and len(text) <= 200 and not text.endswith((".", ";", ":")) and not _POINT.match(
                    text.split(" ", 1)[0]) and (re.search(r"sti-|title|heading|doc-ti", cls) or len(text) <= 120):
                lines += [f"## {pending_label} \u2014 {text}", ""]
                pending_label = ""
                continue
            lines += [f"## {pending_label}", ""]
            pending_label = ""
        if "oj-note" in cls and not in_notes:
            lines += ["## Notes", ""]
            in_notes = True
        recital = re.match(r"^\((\d{1,3})\)\s", text)
        parent_id = _subdivision_id(el)
        if recital and parent_id.startswith("rct_"):
            lines += [f"## Recital {recital.group(1)}", ""]
        if _LABEL_WITH_TITLE.match(text) and len(text) <= 160 and not text.endswith("."):
            lines += [f"## {text}", ""]
            continue
        prefix = "- " if kind == "li" else ""
        lines += [prefix + text, ""]
    if pending_label:
        lines += [f"## {pending_label}", ""]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    date = _act_date(title) or _act_date(" ".join(skip_title_parts))
    classes = " ".join((el.get("class") or "") for el in root.iter() if isinstance(el.tag, str))
    low_url = url.lower()
    jurisdiction, doc_type = "", "article"
    if re.search(r"\boj-|\beli-", classes) or "eur-lex" in low_url or re.search(r"\((?:EU|EC)\)\s*\d", title):
        jurisdiction, doc_type = "EU", "legislation"
    elif re.search(r"\bLeg[A-Z]", classes) or "legislation.gov.uk" in low_url:
        jurisdiction, doc_type = "UK", "legislation"
    elif re.search(r"\busc-|\bstatutory-body", classes) or re.search(r"uscode|govinfo|law\.cornell", low_url) or \
            re.search(r"\bU\.S\.C\.|United States Code", title):
        jurisdiction, doc_type = "US", "statute"
    elif re.search(r"\.gov(?:\.[a-z]{2})?/|\.europa\.eu/|\.gouv\.|\.go\.jp/|\.gov\.uk/", low_url + "/"):
        doc_type = "official"
    if doc_type == "article":
        date = date or _page_date(html)  # an article's date is its page's; an act's is in its own heading
    meta = {"aliases": aliases} if aliases else {}
    return HtmlDoc(title=title, text=text, date=date, jurisdiction=jurisdiction, doc_type=doc_type, aliases=aliases,
                   metadata=meta)


def _classes(el) -> str:
    """The class names of an element and of the elements inside it (a table row's cells, say)."""
    if not hasattr(el, "iter"):
        return ""
    return " ".join((e.get("class") or "") for e in el.iter() if isinstance(e.tag, str))[:500]


def _page_date(html: str) -> str:
    """The page's publication date from its metadata (trafilatura reads the usual meta tags), or ''."""
    try:
        import trafilatura

        meta = trafilatura.extract_metadata(html)
    except Exception:
        return ""
    date = getattr(meta, "date", "") or "" if meta is not None else ""
    return date[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", date) else ""


def _subdivision_id(el) -> str:
    for a in [el] + list(el.iterancestors()):
        i = a.get("id") if hasattr(a, "get") else None
        if i and re.match(r"^(?:rct|art|anx|cpt|tis|cit|pbl|fnp)_", i):
            return i
    return ""


def html_with_marked_scripts(html: str) -> str:
    """The page with <sup>/<sub> rewritten as mark_scripts does (for trafilatura's reading of articles)."""
    root = _parse(html)
    if root is None:
        return html
    mark_scripts(root)
    import lxml.html

    return lxml.html.tostring(root, encoding="unicode")
