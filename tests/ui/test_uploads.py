"""Upload checks and proposals: content sniffing, generated names, metadata read by the ordinary loaders."""

from __future__ import annotations

import re

import pytest

from assistant.errors import LoadError
from assistant.ui import uploads
from assistant.types import DocumentRecord


@pytest.mark.parametrize("name,data,message", [
    ("x.md", bytes(range(256)) * 4, "binary data"),
    ("x.docx", b"PK\x03\x04 something", "Unsupported file type '.docx'"),
    ("noext", b"text", "Unsupported file type '(none)'"),
    ("x.pdf", b"hello, not a pdf", "does not start with %PDF"),
    ("x.txt", b"%PDF-1.7 binary", "is a PDF, not text"),
    ("x.html", b"\x89PNG\r\n\x1a\n....", "is a PNG image"),
    ("x.txt", b"   \n\n", "empty"),
    ("big.md", b"a" * (2 * 1024 * 1024 + 1), "over the 2 MB upload limit (ASSISTANT_MAX_UPLOAD_MB)"),
])
def test_uploads_are_checked_by_content(name, data, message):
    with pytest.raises(LoadError, match=re.escape(message)):
        uploads.check_upload(name, data, max_mb=2)


def test_good_uploads_get_a_safe_extension():
    assert uploads.check_upload("Notes.MD", b"# Hi\n\ntext", 1) == ".md"
    assert uploads.check_upload("page.htm", b"<html><body>hi</body></html>", 1) == ".html"
    assert uploads.check_upload("a.pdf", b"%PDF-1.4\n...", 1) == ".pdf"
    assert set(uploads.FILE_TYPES) == {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}


def test_stage_upload_uses_a_generated_name(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    evil = src / "evil.md"
    evil.write_text("# Title\n\nSome text about a case.\n")
    dst = uploads.stage_upload(evil, "../../etc/passwd.md", tmp_path / "uploads", 1)
    assert dst.parent == tmp_path / "uploads" and re.fullmatch(r"[0-9a-f-]{36}\.md", dst.name)
    assert uploads.stage_upload(evil, "again.md", tmp_path / "uploads", 1) == dst  # same content, same name
    other = src / "other.md"
    other.write_text("# Title\n\nOther text.\n")
    assert uploads.stage_upload(other, "other.md", tmp_path / "uploads", 1) != dst
    assert not list((tmp_path / "uploads").glob("*.part"))
    assert evil.read_bytes() == dst.read_bytes()  # stored as uploaded: nothing rewritten


def _propose(tmp_path, original: str, data: bytes):
    f = tmp_path / "src"
    f.write_bytes(data)
    staged = uploads.stage_upload(f, original, tmp_path / "pending", 1)
    return uploads.propose(staged, original, 20)


def test_title_date_and_id_are_proposed_from_the_content(tmp_path):
    p = _propose(tmp_path, "order.md", b"---\nid: bartz-v-anthropic\ntype: case\njurisdiction: US\n---\n"
                                       b"# Order granting approval\n\nSigned on 3 March 2026 by the court.\n")
    assert (p.source_id, p.title, p.doc_type, p.jurisdiction, p.date) == (
        "upload/bartz-v-anthropic", "Order granting approval", "case", "US", "2026-03-03")
    assert "date found in the text" in p.notes
    p = _propose(tmp_path, "plain notes.txt", b"Zorblatt Tribunal ruling\n\nOn March 5, 2026 the tribunal ruled.\n")
    assert (p.source_id, p.title, p.doc_type, p.date) == (
        "upload/zorblatt-tribunal-ruling", "Zorblatt Tribunal ruling", "article", "2026-03-05")
    p = _propose(tmp_path, "my_notes.md", b"no heading here, just text about fair use, 2025-13-45.\n")
    assert (p.title, p.source_id, p.date) == ("my notes", "upload/my-notes", "")
    assert "no title in the file: its name is proposed" in p.notes


def test_front_matter_errors_come_from_the_loader(tmp_path):
    with pytest.raises(LoadError, match="malformed YAML front matter"):
        _propose(tmp_path, "bad.md", b"---\ntitle: [oops\n---\nbody\n")
    with pytest.raises(LoadError, match="not a date"):
        _propose(tmp_path, "bad.md", b"---\ndate: soon\n---\nbody\n")


def test_corrected_metadata_is_applied_and_checked(tmp_path):
    from assistant.loaders import load_path

    p = _propose(tmp_path, "notes.txt", b"Zorblatt ruling\n\nThe tribunal fined Quuxcorp.\n")
    doc = load_path(p.staged)
    out = uploads.with_metadata(doc, uploads.upload_id("Zorblatt Fine!"), "The Zorblatt fine", "case", "ZB",
                                "2026-03")
    assert (out.source_id, out.title, out.doc_type, out.jurisdiction, out.date) == (
        "upload/zorblatt-fine", "The Zorblatt fine", "case", "ZB", "2026-03")
    assert out.metadata["type"] == "case" and out.metadata["caption"] == "The Zorblatt fine"  # a register entry
    assert out.content_hash and out.content_hash != doc.content_hash and out.text == doc.text
    assert uploads.upload_id("upload/my-order") == "upload/my-order"
    with pytest.raises(LoadError, match="no letters or digits"):
        uploads.upload_id("  ---  ")
    with pytest.raises(LoadError, match="not a date"):
        uploads.with_metadata(doc, "upload/x", "t", "case", "", "tomorrow")
    with pytest.raises(LoadError, match="title is 5,000 characters long; at most 300"):
        uploads.with_metadata(doc, "upload/x", "t" * 5000, "case", "", "")


def test_report_tells_the_truth_file_by_file():
    bad = uploads.report([uploads.report_line("x.md", "rejected", "binary")], any_added=False)
    assert "No document was added." in bad and "right away" not in bad
    good = uploads.report([uploads.report_line("a.md", "added", "as <code>upload/a</code>"),
                           uploads.report_line("x.md", "rejected", "binary")], any_added=True)
    assert "right away" in good and "aic-up-ok" in good and "aic-up-bad" in good


def test_uploaded_documents_are_listed():
    recs = [DocumentRecord.from_registry(r) for r in (
        {"source_id": "upload/a", "title": "A <b>", "doc_type": "case", "origin": "upload", "actor": "reader"},
        {"source_id": "bartz", "title": "Bartz", "doc_type": "case"})]
    html = uploads.render_uploaded(recs)
    assert "upload/a" in html and "A &lt;b&gt;" in html and "reader" in html and "Bartz" not in html
    assert "No documents have been uploaded" in uploads.render_uploaded(recs[1:])
