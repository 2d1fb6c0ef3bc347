"""Uploads: check a file by its content, stage it under a generated name, read it with the ordinary loaders, propose
its title, type, jurisdiction, date and a readable id, and apply what the user corrected before it is indexed.

No Gradio here: the upload tab (ui/blocks.py) calls these. Uploaded documents get ids under `upload/`, so an
upload can never take the id of a document from the corpus or a CLI ingest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AssistantError, LoadError
from ..loaders import check_date, decode_text, finish, load_path
from ..types import SourceDoc
from . import phrases
from .render import esc, ref_for_doc
from ..types import DocumentRecord

UPLOAD_TYPES = {".md": ".md", ".markdown": ".md", ".txt": ".txt", ".html": ".html", ".htm": ".html", ".pdf": ".pdf"}
FILE_TYPES = list(UPLOAD_TYPES)  # what the file picker offers and Gradio's upload preprocessing accepts
UPLOAD_TYPES_TEXT = ".md .txt .html .htm .pdf"
UPLOAD_PREFIX = "upload/"
DOC_TYPES = ["article", "case", "dispute", "order", "statute", "regulation", "policy", "report", "other"]
PENDING_MAX_AGE = 3600.0  # seconds a checked file may wait for "Add to index" before it is cleared away
_MAGIC = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP or Office file", b"\x89PNG": "a PNG image",
          b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x7fELF": "a program"}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_NO = {m.lower(): i for i, m in enumerate(_MONTHS.split("|"), start=1)}
_DATES = re.compile(rf"\b(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})\b|\b(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTHS})\s+(?P<y1>\d{{4}})\b"
                    rf"|\b(?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})\b", re.I)


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


def stage_upload(src: str | Path, original: str, folder: Path, max_mb: float) -> Path:
    """Validate an uploaded file and copy it into folder under a name derived from its content; LoadError when
    refused. The uploaded file name is only used in messages and proposals, never in a path."""
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
    uid = uuid.uuid5(uuid.NAMESPACE_URL, "upload:" + hashlib.sha256(data).hexdigest())
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / f"{uid}{ext}"
    tmp = dst.with_name(dst.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(dst)
    return dst


def clear_pending(folder: Path, max_age: float = PENDING_MAX_AGE) -> None:
    """Delete checked files that waited longer than max_age for "Add to index"."""
    cutoff = time.time() - max_age
    for p in folder.glob("*") if folder.is_dir() else []:
        try:
            if p.is_file() and p.stat().st_mtime < cutoff:
                p.unlink()
        except OSError:
            continue


def slugify(text: str) -> str:
    """A readable id part: lower-case letters, digits and single hyphens, at most 80 characters."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return s[:80].strip("-")


def find_date(text: str) -> str:
    """The first full date written in the text (2026-03-03, 3 March 2026, March 3, 2026) as YYYY-MM-DD, or ''."""
    for m in _DATES.finditer(text[:20000]):
        if m.group("iso"):
            value = m.group("iso")
        else:
            d, mon, y = (m.group("d1"), m.group("m1"), m.group("y1")) if m.group("d1") else (
                m.group("d2"), m.group("m2"), m.group("y2"))
            value = f"{int(y):04d}-{_MONTH_NO[mon.lower()]:02d}-{int(d):02d}"
        try:
            return check_date("date", value, "text")
        except LoadError:
            continue
    return ""


@dataclass
class Proposal:
    """A checked upload waiting to be indexed: where it is staged (server side only) and its proposed metadata."""

    original: str
    staged: str
    source_id: str
    title: str
    doc_type: str
    jurisdiction: str
    date: str
    existing_title: str = ""  # set when an uploaded document already has this id
    notes: list[str] = field(default_factory=list)

    def to_state(self) -> dict[str, Any]:
        """The form kept in the server-side session state."""
        return dataclasses.asdict(self)


def propose(staged: Path, original: str, max_mb: float) -> Proposal:
    """Read a staged upload with the ordinary loaders and propose its metadata; LoadError when it cannot be read.

    The title and date come from the document itself (front matter, its heading, the page's metadata or the first
    date written in it); the upload's file name is only the fallback title.
    """
    doc = load_path(staged, root=staged.parent, max_mb=max_mb)
    fm = doc.metadata if isinstance(doc.metadata, dict) else {}
    notes = []
    title = doc.title
    if not title or title == staged.stem:
        title = Path(original).stem.replace("_", " ").strip() or "Untitled upload"
        notes.append("no title in the file: its name is proposed")
    date = doc.date or find_date(doc.text)
    if date and not doc.date:
        notes.append("date found in the text")
    wanted = fm.get("id") if isinstance(fm.get("id"), str) else ""
    slug = slugify(str(wanted).removeprefix(UPLOAD_PREFIX)) or slugify(title) or slugify(Path(original).stem)
    doc_type = str(fm.get("type") or "article") if doc.format == "markdown" else "article"
    return Proposal(original=original, staged=str(staged), source_id=UPLOAD_PREFIX + (slug or "document"),
                    title=title, doc_type=doc_type, jurisdiction=doc.jurisdiction, date=date, notes=notes)


def upload_id(value: str) -> str:
    """The full id for what the user typed ('my-order' or 'upload/my-order'); LoadError when nothing is left."""
    slug = slugify(str(value or "").strip().removeprefix(UPLOAD_PREFIX))
    if not slug:
        raise LoadError(phrases.UPLOAD_BAD_ID.format(value=value))
    return UPLOAD_PREFIX + slug


def with_metadata(doc: SourceDoc, source_id: str, title: str, doc_type: str, jurisdiction: str, date: str
                  ) -> SourceDoc:
    """The loaded document with the metadata the user confirmed (kept in its front matter too, so the registry and
    the Disputes tab see it); LoadError naming the bad field."""
    for label, value, limit in (("title", title, 300), ("type", doc_type, 40), ("jurisdiction", jurisdiction, 40)):
        if len(value.strip()) > limit:
            raise LoadError(phrases.UPLOAD_TOO_LONG.format(field=label, n=len(value.strip()), limit=limit))
    date = (date or "").strip()
    if date:
        try:
            date = check_date("date", date, doc.path or "the upload")
        except LoadError:
            raise LoadError(phrases.UPLOAD_BAD_DATE.format(value=date)) from None
    meta = dict(doc.metadata or {})
    meta.update({"id": source_id, "title": title.strip() or doc.title, "type": doc_type.strip() or "article",
                 "jurisdiction": jurisdiction.strip(), "date": date})
    if meta["type"] in ("case", "dispute") and not meta.get("caption"):
        meta["caption"] = meta["title"]  # a register entry, so it is listed under Disputes
    out = dataclasses.replace(doc, source_id=source_id, title=meta["title"], doc_type=meta["type"],
                              jurisdiction=meta["jurisdiction"], date=date or doc.date, metadata=meta)
    return finish(out)


def report_line(original: str, status: str, detail: str) -> str:
    """One line of the upload report (detail is HTML, already escaped)."""
    cls = {"added": "ok", "updated": "ok", "replaced": "ok", "unchanged": "same"}.get(status, "bad")
    return (f"<li class='aic-up-{cls}'><b>{esc(original)}</b>: <span class='aic-up-status'>{esc(status)}</span>"
            f"{': ' if cls == 'bad' else ' '}{detail}</li>")


def report(lines: list[str], any_added: bool) -> str:
    """The upload report: one line per file, and what to do next only when something was added."""
    tail = phrases.UPLOAD_ASK_NOW if any_added else phrases.UPLOAD_NONE_ADDED
    return f"<div class='aic-upload-report'><ul>{''.join(lines)}</ul><p>{esc(tail)}</p></div>"


def is_upload(record: DocumentRecord) -> bool:
    """True for documents added through the web upload."""
    return record.origin == "upload" or record.source_id.startswith(UPLOAD_PREFIX)


def render_uploaded(records: list[DocumentRecord]) -> str:
    """The uploaded documents, with who uploaded them when auth was on."""
    ups = [r for r in records if is_upload(r)]
    if not ups:
        return f"<p class='aic-empty'>{esc(phrases.UPLOAD_LIST_EMPTY)}</p>"
    rows = []
    for r in ups:
        by = r.provenance.get("actor", "")
        rows.append(f"<tr><th scope='row'><a class='aic-doclink' href='{ref_for_doc(r.source_id)}'>"
                    f"{esc(r.title)}</a></th><td><code>{esc(r.source_id)}</code></td>"
                    f"<td>{esc(r.doc_type)}</td><td>{esc(r.jurisdiction)}</td><td>{esc(r.date)}"
                    f"</td><td>{esc(by)}</td></tr>")
    return ("<table class='aic-dtable aic-uploaded'><caption>Uploaded documents</caption><thead><tr>"
            "<th scope='col'>Title</th><th scope='col'>ID</th><th scope='col'>Type</th><th scope='col'>Jurisdiction"
            "</th><th scope='col'>Date</th><th scope='col'>Uploaded by</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def describe_error(e: AssistantError, staged: Path | None, original: str) -> str:
    """An error message with the staged file's generated name replaced by the name the user uploaded."""
    text = str(e)
    if staged is not None:
        text = text.replace(str(staged), original).replace(staged.name, original)
    return text
