"""path or URL -> SourceDoc: one reader per format (Markdown with front matter, text, HTML, PDF)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .errors import LoadError
from .filings import (
    _titled,
    clean_pages,
    leading_header,
    move_split_footnotes,
    read_caption,
    read_judge,
    signed_date,
    strip_gutter,
    strip_stamps,
)
from .html_reader import html_with_marked_scripts, read_structured
from .lexicon import is_word
from .text import HEADING_MARK, OPEN_ENDING, heading_level, http_url
from .types import SourceDoc

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t]*#*$", re.M)
_ANY_HEADING = re.compile(rf"^{HEADING_MARK}(.+?)[ \t]*#*$", re.M)
_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*\r?\n", re.S)  # Hugo's TOML front matter
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
# (a link's words may wrap onto the next line, as in hard-wrapped text: '[Circular 9, Works Made\nfor Hire](...)')
_MD_LINK = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[((?:[^\]\n]|\n(?![ \t]*\n))+)\]\((?:[a-z]+:|/|#|\.)[^)\s]*"
                      r"(?:\s+\"[^\"]*\")?\)")
# A reference-style link, '[17 USC §504(c)][504]': its words (a '[504]' left in would read as a citation marker).
# (not a pinpoint citation's '134.22[2][b]': the link starts a word of its own, and its words have a letter)
_MD_REF_LINK = re.compile(r"(?<![\w\]!])\[([^\]\n]*[A-Za-z][^\]\n]*)\]\[[^\]\n]*\]")
_HTML_TAG = re.compile(r"</?(?:p|a|div|span|br|img|strong|em|b|i|ul|ol|li|h[1-6]|blockquote|figure|figcaption|"
                       r"table|tr|td|th|tbody|thead|section|article|iframe|script|style|noscript)\b[^>]*>", re.I)
_ISO = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")  # a day, or a month or year when that is all that is known
MAX_FRONT_MATTER_KB = 64  # far more than any real front matter; bounds what YAML parsing can be made to do
MAX_FRONT_MATTER_DEPTH = 16  # nesting of lists and mappings


def supported_suffix(path: Path) -> bool:
    """True when the file's extension has a reader."""
    return path.suffix.lower() in SUPPORTED


def source_id_for(path: Path, root: Path | None) -> str:
    """The id of a file without a front-matter id: its path relative to the ingested folder, no extension."""
    try:
        rel = path.resolve().relative_to(root.resolve()) if root else Path(path.name)
    except ValueError:
        rel = Path(path.name)
    return rel.with_suffix("").as_posix()


def load_path(path: Path, root: Path | None = None, max_mb: float = 20.0, max_pages: int | None = None) -> SourceDoc:
    """Read one file into a SourceDoc; raises LoadError naming the file when it cannot (a PDF of more than
    max_pages pages is refused before its text is read)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(
            f"Unsupported file type '{suffix or '(none)'}' in {path}: supported are .md .txt .html .htm .pdf"
        )
    data = read_bounded(path, int(max_mb * 1024 * 1024), limit_hint=f"the {max_mb:g} MB limit "
                        "(raise it with ASSISTANT_MAX_FILE_MB)")
    if not data.strip():
        raise LoadError(f"{path} is empty: nothing to index")
    default_id = source_id_for(path, root)
    if suffix == ".pdf":
        if max_pages is not None:
            check_pdf_pages(data, str(path), max_pages)
        doc = parse_pdf(data, name=str(path), default_id=default_id)
    elif suffix in (".html", ".htm"):
        doc = parse_html(decode_text(data, str(path)), name=str(path), default_id=default_id)
    elif suffix == ".txt":
        doc = parse_text(decode_text(data, str(path)), name=str(path), default_id=default_id)
    else:
        doc = parse_markdown(decode_text(data, str(path)), name=str(path), default_id=default_id)
    doc.path = str(path)
    return finish(doc)


_KINDS = [(stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")]


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is ('a FIFO (named pipe)', 'a character device', ...)."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def read_bounded(path: Path, max_bytes: int, limit_hint: str = "") -> bytes:
    """The bytes of a regular file, read up to max_bytes whatever size it reports; LoadError naming the file for
    anything else (a FIFO, a device, a socket) or for a file over the limit. The file is opened without blocking
    and checked after opening, so a pipe never hangs the read and a swapped file is still checked."""
    limit = limit_hint or f"the {max_bytes / 1024 / 1024:g} MB limit"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise LoadError(f"Cannot read {path}: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LoadError(f"{path} is {special_kind(st.st_mode)}, not a regular file: only regular files are "
                            "ingested")
        if st.st_size > max_bytes:
            raise LoadError(f"{path} is {st.st_size / 1024 / 1024:.1f} MB, over {limit}")
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:  # it said it was smaller (a /proc file, or one still growing)
            raise LoadError(f"{path} is over {limit}")
        return b"".join(chunks)
    except OSError as e:
        raise LoadError(f"Cannot read {path}: {e.strerror or e}") from None
    finally:
        os.close(fd)


def check_pdf_pages(data: bytes, name: str, max_pages: int) -> None:
    """LoadError when a PDF has more than max_pages pages (counting them is cheap; reading their text is not)."""
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        n = len(PdfReader(io.BytesIO(data)).pages)
    except Exception:
        return  # broken or encrypted: parse_pdf says which
    if n > max_pages:
        raise LoadError(f"{name} has {n:,} pages, over the limit of {max_pages:,} per file "
                        "(ASSISTANT_MAX_PAGES_PER_FILE): split the document or raise the limit")


def finish(doc: SourceDoc) -> SourceDoc:
    """Fill derived fields (content hash) once a document is complete."""
    payload = json.dumps(
        {"t": doc.text, "m": doc.metadata, "title": doc.title, "url": doc.url, "p": doc.pages},
        sort_keys=True, default=str,
    )
    doc.content_hash = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return doc


def decode_text(data: bytes, name: str) -> str:
    """Bytes -> str: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1; binary data is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", name)
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.05:
        raise LoadError(f"{name} looks like binary data, not text: check the file (wrong extension?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy single-byte text (Latin-1 / Windows-1252) is common in old articles; keep it rather than fail.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _strict(data: bytes, enc: str, name: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        raise LoadError(f"{name} is not valid {enc.upper()} text ({e.reason} at byte {e.start})") from None


def _iso(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


# An ISO 8601 date-time as static-site generators write it: '2026-01-08T22:00:57+00:00', '2026-01-08 22:00',
# '2026-01-08T22:00:57.123Z'. Its day is the date; the full value is kept beside it.
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$", re.I)


def _check_date(key: str, value: Any, name: str) -> str:
    text = _iso(value)
    m = _ISO_DATETIME.match(text)
    if m:
        text = m.group(1)
    if not _ISO.match(text):
        raise LoadError(f"{name}: front matter '{key}' is {value!r}, not a date: write it as YYYY-MM-DD "
                        "(an ISO date-time such as 2026-01-08T22:00:57+00:00 is read too)")
    try:
        _dt.date.fromisoformat((text + "-01-01")[:10] if len(text) < 10 else text)
    except ValueError:
        raise LoadError(f"{name}: front matter '{key}' is {value!r}, not a real date (YYYY-MM-DD)") from None
    return text


DATE_KEYS = ("date", "filed", "decided", "current_as_of", "published", "as_of", "last_event_date", "lastmod", "updated",
             "modified")
LIST_KEYS = ("sources", "parties", "issues", "tags")


class _AliasFound(Exception):
    def __init__(self, anchor: str, mark):
        self.anchor, self.mark = anchor, mark


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: '*name' references are how a few hundred bytes of YAML expand into
    gigabytes ("billion laughs"), and front matter never needs them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.anchor, event.start_mark)
        return super().compose_node(parent, index)


_C_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml: parses front matter ~10x faster than pure Python
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _load_yaml(block: str) -> Any:
    """The YAML as Python values, refusing aliases and nesting deeper than MAX_FRONT_MATTER_DEPTH before anything
    is built. With libyaml the checks walk its event stream (the composer is in C and cannot be hooked); without
    it, _FrontMatterLoader checks while composing. Both build values with PyYAML's safe constructor."""
    if _C_LOADER is None:
        return yaml.load(block, Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader subclass
    try:
        depth = 0
        for event in yaml.parse(block, Loader=_C_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise _AliasFound(event.anchor, event.start_mark)
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_FRONT_MATTER_DEPTH + 1:
                    raise RecursionError
            elif isinstance(event, _CLOSE):
                depth -= 1
        return yaml.load(block, Loader=_C_LOADER)  # noqa: S506 - libyaml's safe loader
    except yaml.YAMLError:
        # libyaml words some errors differently (its own depth limit, escapes it refuses): the pure-Python
        # loader gives the message the user sees, or reads what libyaml would not
        return yaml.load(block, Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader subclass


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if d <= MAX_FRONT_MATTER_DEPTH:
                todo += [(x, d + 1) for x in (v.values() if isinstance(v, dict) else v)]
    return deepest


def parse_front_matter(block: str, name: str) -> dict[str, Any]:
    """The YAML between the '---' lines as a dict; LoadError naming the file when it is malformed, over
    MAX_FRONT_MATTER_KB, nested deeper than MAX_FRONT_MATTER_DEPTH, uses aliases, or holds text that is not valid
    Unicode (a lone surrogate written as an escape)."""
    size = len(block.encode("utf-8", "surrogatepass"))
    if size > MAX_FRONT_MATTER_KB * 1024:
        raise LoadError(f"{name}: front matter is {size / 1024:.0f} KB, over the {MAX_FRONT_MATTER_KB} KB limit: "
                        "keep metadata short and put the text after the closing '---'")
    try:
        loaded = _load_yaml(block)
    except _AliasFound as e:
        raise LoadError(f"{name}: front matter uses a YAML alias (*{e.anchor}, line {e.mark.line + 2}): aliases "
                        "are not allowed in front matter, write the value out") from None
    except RecursionError:
        raise LoadError(f"{name}: front matter is nested too deeply (the limit is {MAX_FRONT_MATTER_DEPTH} "
                        "levels)") from None
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f" (line {where.line + 2})" if where else ""
        raise LoadError(f"{name}: malformed YAML front matter{at}: {getattr(e, 'problem', e)}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise LoadError(f"{name}: front matter must be a YAML mapping of key: value lines")
    if _depth(loaded) > MAX_FRONT_MATTER_DEPTH:
        raise LoadError(f"{name}: front matter is nested too deeply (the limit is {MAX_FRONT_MATTER_DEPTH} levels)")
    try:
        json.dumps(loaded, default=str, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        bad = e.object[e.start:e.end].encode("unicode_escape").decode("ascii")
        raise LoadError(f"{name}: front matter holds a character that is not valid Unicode text ({bad}, a lone "
                        "surrogate): remove it") from None
    return {str(k): v for k, v in loaded.items()}


def parse_toml_front_matter(block: str, name: str) -> dict[str, Any]:
    """Hugo's TOML front matter between '+++' lines, under the same size and depth bounds as YAML's."""
    import tomllib

    size = len(block.encode("utf-8", "surrogatepass"))
    if size > MAX_FRONT_MATTER_KB * 1024:
        raise LoadError(f"{name}: front matter is {size / 1024:.0f} KB, over the {MAX_FRONT_MATTER_KB} KB limit")
    try:
        loaded = tomllib.loads(block)
    except tomllib.TOMLDecodeError as e:
        raise LoadError(f"{name}: malformed TOML front matter: {e}") from None
    if _depth(loaded) > MAX_FRONT_MATTER_DEPTH:
        raise LoadError(f"{name}: front matter is nested too deeply (the limit is {MAX_FRONT_MATTER_DEPTH} levels)")
    return {str(k): v for k, v in loaded.items()}


def parse_markdown(text: str, name: str = "<text>", default_id: str = "document") -> SourceDoc:
    """Markdown with optional YAML front matter; the cited text is the body after the front matter."""
    meta: dict[str, Any] = {}
    body = text
    toml_m = _TOML_FRONT.match(text)
    if toml_m:
        meta = parse_toml_front_matter(toml_m.group(1), name)
        body = text[toml_m.end():]
    m = None if toml_m else _FRONT.match(text)
    if text.startswith("---") and not m:
        raise LoadError(f"{name}: front matter starts with '---' but has no closing '---' line")
    if m:
        meta = parse_front_matter(m.group(1), name)
        body = text[m.end():]
    for key in DATE_KEYS:
        if meta.get(key) is not None:
            original = meta[key]
            meta[key] = _check_date(key, original, name)
            if isinstance(original, _dt.datetime) or (isinstance(original, str) and original.strip() != meta[key]):
                meta[f"{key}_original"] = original.isoformat() if isinstance(original, _dt.datetime) else original
    for key in ("tags", "categories", "keywords"):
        if isinstance(meta.get(key), str):  # 'tags: ai, copyright' means a list
            meta[key] = [t.strip() for t in meta[key].split(",") if t.strip()]
    for key in LIST_KEYS:
        if key in meta and meta[key] is not None and not isinstance(meta[key], list):
            raise LoadError(f"{name}: front matter '{key}' must be a list, e.g. {key}: [a, b]")
    meta = json.loads(json.dumps(meta, default=str))  # bounded: parse_front_matter refuses aliases and big input
    sid = str(meta.get("id") or default_id).strip()
    if not sid:
        raise LoadError(f"{name}: front matter 'id' is empty")
    body = plain_markdown(body)
    prose_only = _FENCE.sub(lambda f: "\n" * f.group(0).count("\n"), body)  # a '# comment' in code is no title
    h1 = _H1.search(prose_only)
    if not h1:  # no '# Title': the one heading of the top level there is ('##Verdrag ... (WCT) (1996)' over
        # '### Article 1' ...); where several share the top level ('### Requesting ...', '### United States ...'),
        # they head sections, and none names the document
        heads = list(_ANY_HEADING.finditer(prose_only))
        top = min((heading_level(m.group(0)) for m in heads), default=0)
        at_top = [m for m in heads if heading_level(m.group(0)) == top]
        h1 = at_top[0] if len(at_top) == 1 else None
    title = " ".join(str(meta.get("title") or (h1.group(1) if h1 else "") or Path(default_id).name).split())
    # only an http(s) address is ever shown or linked: a `javascript:` url is kept as metadata, never as the url
    url = http_url(meta.get("url"))
    if not url and isinstance(meta.get("sources"), list):
        url = next((u for u in map(http_url, meta["sources"]) if u), "")
    date = meta.get("date") or meta.get("decided") or meta.get("filed") or meta.get("current_as_of") or ""
    if not body.strip():
        raise LoadError(f"{name}: no text after the front matter")
    return SourceDoc(
        source_id=sid, title=title, text=body, url=str(url), doc_type=str(meta.get("type") or "article"),
        date=str(date), jurisdiction=str(meta.get("jurisdiction") or ""), metadata=meta,
    )


def plain_markdown(body: str) -> str:
    """The text a reader reads: links as their words ('[Article 4](https://...)' -> 'Article 4'), images dropped,
    and raw HTML in the body (as static-site posts often carry) read as text, so quotes carry no markup."""
    body = _MD_LINK.sub(lambda m: m.group(1) or "", body)
    body = _MD_REF_LINK.sub(r"\1", body)
    body = _unquote(body)
    if len(_HTML_TAG.findall(body)) >= 3:
        import html as _html

        body = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1>", "", body)
        body = re.sub(r"(?i)<br\s*/?>", "\n", body)
        body = re.sub(r"(?i)</(?:p|div|li|h[1-6]|blockquote|tr|table|figure|section|article)>", "\n\n", body)
        body = re.sub(r"(?i)<li\b[^>]*>", "- ", body)
        body = _HTML_TAG.sub("", body)
        body = _html.unescape(body).replace("\u00a0", " ")
        body = re.sub(r"[ \t]+\n", "\n", body)
        body = re.sub(r"\n{3,}", "\n\n", body)
    return body


_QUOTE_MARK = re.compile(r"^ {0,3}(?:> ?)+")


def _unquote(body: str) -> str:
    """Block quotes read as their words: the '> ' that starts each quoted line is Markdown's markup, not the
    quoted text (a quote of 'But with timely registration, > you get ...' would not read as the source does).
    Lines inside code fences are left as they are."""
    if ">" not in body:
        return body
    out, fence = [], ""
    for line in body.splitlines(keepends=True):
        opener = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if opener and (not fence or opener.group(1)[0] == fence[0]):
            fence = "" if fence else opener.group(1)
        out.append(line if fence or opener else _QUOTE_MARK.sub("", line))
    return "".join(out)


# An EU act's own heading ('REGULATION (EU) 2024/1689 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL'), which a text
# copied from the Official Journal puts after the journal's masthead, and its short title '(Artificial Intelligence Act)'.
_ACT_HEADING = re.compile(r"^(?:COMMISSION\s+|COUNCIL\s+)?(?:IMPLEMENTING\s+|DELEGATED\s+)?(?:REGULATION|DIRECTIVE|DECISION)"
                          r"\s+(?:\((?:EU|EC|EEC|Euratom)\)\s+)?(?:No\s+)?\d{2,4}/\d{1,4}\b.*$")
_SHORT_TITLE = re.compile(r"\(([A-Z][\w\s\-]{2,60}\b(?:Act|Regulation|Directive|Code))\)\s*$")


def act_heading(text: str) -> tuple[str, str] | None:
    """(title, jurisdiction) of an official act whose heading opens a text, or None."""
    lines = [ln.strip() for ln in text.splitlines()[:60]]
    for i, ln in enumerate(lines):
        if _ACT_HEADING.match(ln):
            short = next((m.group(1) for l in lines[i + 1:i + 10] if (m := _SHORT_TITLE.search(l))), "")
            eu = re.search(r"\((?:EU|EC|EEC|Euratom)\)|EUROPEAN", ln)
            return (f"{ln} ({short})" if short else ln)[:300], "EU" if eu else ""
    return None


def text_title(text: str) -> str:
    """A plain text's title: an official act's heading, a line underlined with === or ---, a 'Title:' line, else
    the first line that has words (not a page number, a rule or a date alone)."""
    act = act_heading(text)
    if act:
        return act[0]
    lines = [ln.strip() for ln in text.splitlines()[:60]]
    for i, ln in enumerate(lines[:-1]):
        if ln and re.fullmatch(r"[=\-~*]{3,}", lines[i + 1]) and re.search(r"[A-Za-z]{2,}", ln):
            return ln.strip("# ")[:200]
    for ln in lines:
        m = re.match(r"^(?:title|subject)\s*:\s*(.{3,})$", ln, re.I)
        if m:
            return m.group(1).strip()[:200]
    for ln in lines:
        if len(re.findall(r"[A-Za-z\u00c0-\u024f]{2,}", ln)) >= 2 or (ln and re.match(r"^§+\s*\d", ln)):
            return ln.strip("# ")[:200]
    return next((ln for ln in lines if ln), "")[:200]


def parse_text(text: str, name: str = "<text>", default_id: str = "document") -> SourceDoc:
    """Plain text: the title from a heading line (see text_title)."""
    if not text.strip():
        raise LoadError(f"{name} is empty: nothing to index")
    act = act_heading(text)
    return SourceDoc(source_id=default_id, title=text_title(text), text=text, doc_type="legislation" if act else "text",
                     jurisdiction=act[1] if act else "", format="text")


def parse_html(html: str, name: str = "<html>", default_id: str = "document", url: str = "") -> SourceDoc:
    """HTML: legal and official pages by their structure (html_reader), articles by their main text (trafilatura
    drops navigation, footers, scripts and related boxes); superscripts keep their meaning in both."""
    structured = read_structured(html, url=url)
    if structured is not None and len(structured.text.split()) >= 5:
        meta: dict[str, Any] = dict(structured.metadata)
        meta["title"] = structured.title or Path(default_id).name
        if structured.date:
            meta["date"] = structured.date
        if url:
            meta["url"] = url
        return SourceDoc(
            source_id=default_id, title=meta["title"], text=structured.text, url=url,
            doc_type=structured.doc_type or "official", date=structured.date,
            jurisdiction=structured.jurisdiction, metadata=meta, format="markdown",
        )
    import trafilatura

    marked = html_with_marked_scripts(html)
    text = trafilatura.extract(
        marked, url=url or None, include_comments=False, include_tables=True, favor_precision=True,
        output_format="txt", deduplicate=False,
    )
    if not text or len(text.split()) < 5:
        raise LoadError(f"{name}: no article text found in the HTML (only navigation or scripts?)")
    meta_obj = trafilatura.extract_metadata(html, default_url=url or None)
    meta = {}
    title = date = ""
    if meta_obj is not None:
        title = meta_obj.title or ""
        date = meta_obj.date or ""
        for key in ("author", "sitename", "description", "hostname"):
            val = getattr(meta_obj, key, None)
            if val:
                meta[key] = str(val)
    date = date[:10] if date and _ISO.match(date[:10]) else ""
    if not title:
        t = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
        title = re.sub(r"\s+", " ", t.group(1)).strip() if t else Path(default_id).name
    if url:
        meta["url"] = url
    if date:
        meta["date"] = date
    meta["title"] = title
    return SourceDoc(
        source_id=default_id, title=title, text=text, url=url, doc_type="article", date=date, metadata=meta,
        format="html",
    )


def parse_pdf(data: bytes, name: str = "<pdf>", default_id: str = "document") -> SourceDoc:
    """PDF: text per page; pages records each page's character range in the text."""
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not data.lstrip().startswith(b"%PDF"):
        raise LoadError(f"{name} is not a PDF (no %PDF header): the file is corrupt or misnamed")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise LoadError(f"{name} is an encrypted PDF: remove the password and ingest it again")
        texts = [(p.extract_text() or "") for p in reader.pages]
        if (rate := split_rate(texts)) >= SPLIT_WORDS_RATE:
            # pypdf's default reading splits words where a font spaces its letters out; its layout reading places
            # each glyph by position and splits far fewer (Snyder v. Phelps: 6.3% of words split, and none), but
            # moves words elsewhere for most files, so it is only taken where it splits fewer
            laid = [_single_spaced(p.extract_text(extraction_mode="layout") or "") for p in reader.pages]
            if split_rate(laid) < rate:
                texts = laid
        texts = rejoin_split_words(texts)
        info = reader.metadata or {}
    except LoadError:
        raise
    except (PdfReadError, Exception) as e:  # pypdf raises several types for broken files
        raise LoadError(f"{name} is a corrupt PDF that cannot be read ({type(e).__name__}: {e})") from None
    if len(" ".join(texts).split()) < 3:
        raise LoadError(f"{name}: PDF has no text layer, OCR not supported (scan it to text first)")
    return _pdf_document(texts, info, default_id)


# A word with the punctuation around it: '(t', 'Marylan', 'd,'.
_TOKEN = re.compile(r"^([(\[\u201c\u2018\"']*)([A-Za-z]+)([^A-Za-z]*)$")
SPLIT_WORDS_RATE = 0.0015  # share of a document's words: measured 2026-12-03 on 15 real court PDFs (see below)


def _fragment(part: str) -> bool:
    """A piece of a word, not a word: 'nce', 'ourt', 'g'; a capital letter alone is a label ('Option B')."""
    return not is_word(part) and not (len(part) == 1 and part.isupper())


def _rejoin_line(line: str) -> tuple[str, int]:
    """The line with split words joined, and how many joins were made."""
    parts = re.split(r"( )", line)  # words and the single spaces between them; other runs of space stay in words
    out: list[str] = []
    joins = 0
    for part in parts:
        if len(out) >= 2 and out[-1] == " " and part:
            prev, cur = _TOKEN.match(out[-2]), _TOKEN.match(part)
            if (prev and cur and not prev.group(3) and not cur.group(1) and cur.group(2).islower()
                    and is_word(prev.group(2) + cur.group(2)) and (_fragment(prev.group(2)) or _fragment(cur.group(2)))):
                out[-2:] = [out[-2] + part]
                joins += 1
                continue
        out.append(part)
    return "".join(out), joins


def split_rate(pages: list[str]) -> float:
    """The share of the pages' words that look split apart ('Ma tthew'): the joins rejoin_split_words would make."""
    words = sum(len(t.split()) for t in pages)
    joins = sum(_rejoin_line(line)[1] for t in pages for line in t.split("\n"))
    return joins / words if words else 0.0


def _single_spaced(page: str) -> str:
    """A page read in pypdf's layout mode, its runs of spaces (the glyphs' positions) made single spaces."""
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in page.split("\n"))


def rejoin_split_words(pages: list[str]) -> list[str]:
    """Pages whose words pypdf splits apart ('Marine La nce Corporal Ma tthew Snyder', as it reads the Supreme
    Court's slip opinions, whose fonts space letters out) with the pieces joined back where together they make a
    word and apart one of them is no word. Only a document that has many such pairs is changed: measured on 15
    real court PDFs, two slip opinions have 0.23% and 3.7% of their words split, and the 13 others at most 0.04%
    (pairs such as 'Option B are' or 'but t'), which are left as they are."""
    words = sum(len(t.split()) for t in pages)
    fixed = [[_rejoin_line(line) for line in t.split("\n")] for t in pages]
    if not words or sum(n for page in fixed for _, n in page) / words < SPLIT_WORDS_RATE:
        return pages
    return ["\n".join(line for line, _ in page) for page in fixed]


def _pdf_title(info: Any) -> str:
    """The PDF's own /Title, unless it is a word processor's file name ('Microsoft Word - 89-1909.docx')."""
    try:
        title = " ".join(str(info.get("/Title") or "").split())
    except Exception:
        return ""
    if not title or re.search(r"\.(?:docx?|wpd|pdf|rtf|odt|txt)\s*$|^Microsoft Word\b|^untitled", title, re.I):
        return ""
    return title if len(title.split()) >= 2 else ""


def _first_line_title(text: str, fallback: str) -> str:
    """The first line that reads like a title: some words, not a number, stamp or address."""
    for ln in text.splitlines():
        s = ln.strip()
        if len(re.findall(r"[A-Za-z]{2,}", s)) >= 3 and not re.match(r"^[\d\W]+$", s):
            return s[:200]
    return fallback


def _pdf_document(texts: list[str], info: Any, default_id: str) -> SourceDoc:
    """Cleaned pages (no gutter, stamps, running headers) joined into one text; a court filing's caption gives
    its title, court, docket, date and judge."""
    cleaned, stamps = clean_pages(texts)
    cleaned = move_split_footnotes(cleaned)
    head = "\n\n".join(cleaned[:2])
    cap = read_caption(head)
    if not (cap.parties and cap.date) and texts and cleaned:
        # the caption may sit in a running header, which cleaning drops from every page (a minutes form repeats
        # its case number, date and title on each page): read the first page as it came too, and keep that
        # header once, at the top of the text, so its date and title can be quoted
        raw = read_caption("\n".join(strip_gutter(strip_stamps(texts[0])[0].split("\n"))))
        header_caption = bool(raw.parties and not cap.parties)  # a header that names the parties dates it too
        for f in ("parties", "court", "docket", "date", "kind"):
            if getattr(raw, f) and (not getattr(cap, f) or (f == "date" and header_caption)):
                setattr(cap, f, getattr(raw, f))
        cap.title = ""
        cap = _titled(cap)
        if header_caption:
            header = leading_header(texts[0], cleaned[0])
            if header:
                cleaned[0] = f"{header}\n\n{cleaned[0]}"
    parts: list[str] = []
    pages: list[tuple[int, int, int]] = []
    offset = 0
    for i, t in enumerate(cleaned, start=1):
        if not t:
            continue
        if parts:
            # a sentence running onto the next page stays one sentence: join mid-sentence page breaks by one line
            ended = re.search(r"[.!?:;\"\u201d)\]]\s*$", parts[-1]) and not OPEN_ENDING.search(parts[-1][-40:])
            sep = "\n\n" if ended else "\n"
            parts.append(sep)
            offset += len(sep)
        pages.append((i, offset, offset + len(t)))
        parts.append(t)
        offset += len(t)
    text = "".join(parts)
    if len(text.split()) < 3:
        raise LoadError(f"{default_id}: PDF has no text layer, OCR not supported (scan it to text first)")
    meta: dict[str, Any] = {"n_pages": len(texts)}
    judge = read_judge("\n\n".join(cleaned[-2:]), head) if cap.kind else ""
    docket = stamps[0].docket if stamps else cap.docket
    # an order or opinion is dated by its signature ('Dated: May 22, 2020') over the day the clerk's stamp says it
    # was filed (a redacted copy may be filed weeks later); the filed day is kept as 'filed'
    signed = signed_date(text[-3000:]) if cap.kind else ""
    by_signature = signed if cap.kind in ("order", "opinion", "judgment") else ""
    date = cap.date or by_signature or (stamps[0].filed if stamps else "") or signed
    for key, value in (("court", cap.court), ("docket", docket), ("judge", judge), ("parties_caption", cap.parties),
                       ("document", cap.document), ("filed", stamps[0].filed if stamps else "")):
        if value:
            meta[key] = value
    if cap.parties:
        meta["parties"] = [p.strip() for p in cap.parties.split(" v. ")]
    title = cap.title or _pdf_title(info) or _first_line_title(text, Path(default_id).name)
    if date:
        meta["date"] = date
    return SourceDoc(source_id=default_id, title=title[:300], text=text, doc_type=cap.kind or "pdf", pages=pages,
                     format="pdf", date=date, jurisdiction="US" if cap.court and "United States" in cap.court else "",
                     metadata=meta)


def url_source_id(url: str) -> str:
    """A stable id for a fetched web page: web/host/path-slug."""
    u = urlparse(url)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", (u.path + ("-" + u.query if u.query else "")).strip("/")).strip("-")
    return f"web/{u.hostname or 'page'}/{slug or 'index'}"[:200]


def load_url(url: str, timeout: float = 30.0, max_mb: float = 20.0) -> SourceDoc:
    """Fetch a web article (HTML or PDF) and read it, keeping the address as its url."""
    import time

    import httpx

    limit = int(max_mb * 1024 * 1024)
    deadline = time.monotonic() + 4 * timeout  # the whole download, however the server paces it
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": "assistant/0.1"}) as c:
            with c.stream("GET", url) as r:
                if r.status_code >= 400:
                    raise LoadError(f"Cannot fetch {url}: HTTP {r.status_code}")
                chunks, total = [], 0
                for chunk in r.iter_bytes():  # a byte bound on what is read, however long the body runs
                    total += len(chunk)
                    if total > limit:
                        raise LoadError(f"{url} is over the {max_mb:g} MB limit (raise it with ASSISTANT_MAX_FILE_MB)")
                    if time.monotonic() > deadline:
                        raise LoadError(f"Cannot fetch {url}: the download took over {4 * timeout:g}s")
                    chunks.append(chunk)
                content, encoding = b"".join(chunks), r.encoding or "utf-8"
                ctype = r.headers.get("content-type", "").lower()
    except httpx.HTTPError as e:
        raise LoadError(f"Cannot fetch {url}: {type(e).__name__}: {e}") from None
    try:
        text = content.decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        text = content.decode("utf-8", errors="replace")
    sid = url_source_id(url)
    if "pdf" in ctype or content[:5] == b"%PDF-":
        doc = parse_pdf(content, name=url, default_id=sid)
    elif "html" in ctype or b"<html" in content[:2000].lower():
        doc = parse_html(text, name=url, default_id=sid, url=url)
    else:
        doc = parse_text(text, name=url, default_id=sid)
    doc.url = url
    doc.metadata["url"] = url
    doc.path = url
    return finish(doc)


def check_date(key: str, value: Any, name: str) -> str:
    """A front-matter style date (YYYY-MM-DD, YYYY-MM or YYYY) as text; LoadError naming the key and file if not."""
    return _check_date(key, value, name)
