"""Hostile files: YAML alias bombs and oversized front matter, FIFOs, devices, sockets and links that leave the
ingested folder, paths longer than the system allows, files that make too many chunks, and a reader that fails in
an unexpected way. Each is named with a clear reason, the rest of the batch is indexed, and nothing hangs."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from reliability_support import CORPUS, cli, opened, snapshot, assert_served_consistently

GOOD = CORPUS / "bartz-mini.md"

# 357 bytes of nested aliases ("billion laughs"): nine levels of nine references expand to 9^9 strings
BOMB = """---
id: bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
# Bomb

The Zorblatt tribunal ruled on the scraping case.
"""


def ingest_with_good(a, *paths):
    report = a.ingest([*map(str, paths), str(GOOD)])
    assert "bartz-mini" in report.added, (report.failed, report.skipped)
    return report


def one_failure(report, path: Path, *needles: str) -> str:
    failed = dict(report.failed)
    assert str(path) in failed, report.failed
    msg = failed[str(path)]
    assert path.name in msg and "\n" not in msg, msg
    for n in needles:
        assert n in msg, (n, msg)
    return msg


# -- item 2: YAML ---------------------------------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_yaml_alias_bomb_is_refused_in_one_line(fake_assistant, tmp_path):
    bomb = tmp_path / "bomb.md"
    bomb.write_text(BOMB)
    assert len(BOMB.split("---")[1].encode()) < 400
    report = ingest_with_good(fake_assistant, bomb)
    one_failure(report, bomb, "YAML alias (*a, line 4)", "aliases are not allowed in front matter")
    assert {d.source_id for d in fake_assistant.sources()} == {"bartz-mini"}


@pytest.mark.timeout(120)
def test_yaml_alias_bomb_through_the_cli_is_one_line_not_a_memory_error(tmp_path):
    bomb = tmp_path / "bomb.md"
    bomb.write_text(BOMB)
    r = cli("ingest", bomb, "--index", tmp_path / "index")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "MemoryError" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"Skipped {bomb}: {bomb}: front matter uses a YAML alias (*a, line 4): aliases are not "
                     "allowed in front matter, write the value out"], lines


@pytest.mark.parametrize("front, needles", [
    ("title: big\nnotes: '" + "x" * 70_000 + "'\n", ["front matter is 68 KB, over the 64 KB limit"]),
    ("title: deep\nx: " + "[" * 5000 + "]" * 5000 + "\n", ["front matter is nested too deeply"]),
    ("title: deep\nx: " + "[" * 20 + "]" * 20 + "\n", ["front matter is nested too deeply (the limit is 16"]),
    ('title: "Odd \\udcff title"\n', ["not valid Unicode text (\\udcff, a lone surrogate)"]),
    ("base: &base {type: case}\nother:\n  <<: *base\n", ["YAML alias (*base, line 4)"]),
], ids=["70-kb", "5000-deep", "20-deep", "lone-surrogate", "merge-key"])
def test_front_matter_limits(fake_assistant, tmp_path, front, needles):
    f = tmp_path / "odd.md"
    f.write_text(f"---\n{front}---\n# Odd\n\nThe Zorblatt tribunal ruled on the scraping case.\n")
    report = ingest_with_good(fake_assistant, f)
    one_failure(report, f, *needles)


def test_anchors_without_aliases_and_ordinary_front_matter_still_load(fake_assistant, tmp_path):
    f = tmp_path / "fine.md"
    f.write_text("---\nid: fine\ntitle: &t Fine note\ntags: [a, b]\n---\n# Fine\n\nThe Zorblatt tribunal ruled.\n")
    report = ingest_with_good(fake_assistant, f)
    assert "fine" in report.added and not report.failed, report.failed


@pytest.mark.timeout(60)
@pytest.mark.parametrize("front", [BOMB.split("---\n")[1], "x: " + "[" * 5000 + "]" * 5000 + "\n"],
                         ids=["alias-bomb", "5000-deep"])
def test_an_uploaded_bomb_is_staged_then_refused_by_name(fake_assistant, tmp_path, front):
    from assistant.ui import uploads as ui

    src = tmp_path / "gradio-temp"
    src.write_text(f"---\n{front}---\nThe Zorblatt tribunal ruled on the scraping case.\n")
    staged = ui.stage_upload(src, "evil notes.md", tmp_path / "index" / "uploads", max_mb=10)
    report = fake_assistant.ingest([str(staged)], origin="upload")
    (path, error), = report.failed
    assert path == str(staged) and "front matter" in error and "\n" not in error, error


# -- items 6 and 9: special files and links ------------------------------------------------------------------------
def _folder_with_special_files(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_text("# A\n\nThe first note about the Zorblatt tribunal.\n")
    (root / "sub").mkdir()
    (root / "sub" / "b.md").write_text("# B\n\nThe second note about the Quuxcorp appeal.\n")
    os.mkfifo(root / "pipe.md")
    os.symlink("/dev/zero", root / "zero.md")
    os.symlink("/etc/passwd", root / "passwd.txt")
    os.symlink("a.md", root / "again.md")  # a link inside the folder: the same file, read once
    os.symlink("sub", root / "linked-sub")  # a link to a folder
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.md"))
    sock.close()
    (root / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    return root


@pytest.mark.timeout(120)
def test_special_files_and_outside_links_are_named_and_skipped(fake_assistant, tmp_path):
    root = _folder_with_special_files(tmp_path)
    report = ingest_with_good(fake_assistant, root)
    assert sorted(report.added) == ["a", "bartz-mini", "sub/b"] and not report.failed, report.failed
    skipped = dict(report.skipped)
    assert "is a FIFO (named pipe), not a regular file" in skipped[str(root / "pipe.md")]
    assert "is a character device, not a regular file" in skipped[str(root / "zero.md")]
    assert "is a socket, not a regular file" in skipped[str(root / "sock.md")]
    assert "is a link to /etc/passwd, outside" in skipped[str(root / "passwd.txt")]
    assert "--follow-links" in skipped[str(root / "passwd.txt")]
    assert "is a link to a folder: not followed" in skipped[str(root / "linked-sub")]
    assert "unsupported file type '.png'" in skipped[str(root / "picture.png")]
    assert len(report.skipped) == 6 and "6 skipped" in report.summary(), report.summary()
    assert "root:x:0" not in " ".join(fake_assistant.document_text(s) for s in report.added)


@pytest.mark.timeout(120)
def test_follow_links_reads_outside_links_but_never_special_files(fake_assistant, tmp_path):
    root = _folder_with_special_files(tmp_path)
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n\nA note kept elsewhere about the Zorblatt appeal.\n")
    os.symlink(outside, root / "outside-link.md")
    report = fake_assistant.ingest([str(root)], follow_links=True)
    assert "outside-link" in report.added and not report.failed, report.failed
    assert sorted(report.added) == ["a", "outside-link", "passwd", "sub/b"]  # sub/b once, through either path
    skipped = dict(report.skipped)
    assert set(skipped) == {str(root / n) for n in ("pipe.md", "zero.md", "sock.md", "picture.png")}


@pytest.mark.timeout(120)
def test_a_fifo_does_not_hold_the_index_lock(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    os.mkfifo(root / "pipe.md")
    (root / "a.md").write_text("# A\n\nThe first note about the Zorblatt tribunal.\n")
    index = tmp_path / "index"
    r = cli("ingest", root, "--index", index, timeout=100)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert f"Skipped {root / 'pipe.md'}: {root / 'pipe.md'} is a FIFO (named pipe)" in r.stderr
    assert "1 added, 0 updated, 0 unchanged, 0 failed, 1 skipped" in r.stdout
    r = cli("ingest", GOOD, "--index", index, timeout=100)  # the lock was released
    assert r.returncode == 0, r.stderr


def test_a_fifo_or_device_named_directly_is_skipped(fake_assistant, tmp_path):
    os.mkfifo(tmp_path / "pipe.md")
    report = ingest_with_good(fake_assistant, tmp_path / "pipe.md", Path("/dev/zero"))
    assert {p for p, _r in report.skipped} == {str(tmp_path / "pipe.md"), "/dev/zero"}, report.skipped


def test_reads_are_bounded_by_bytes_not_the_reported_size(tmp_path):
    from assistant.errors import LoadError
    from assistant.loaders import read_bounded

    with pytest.raises(LoadError, match="is a character device, not a regular file"):
        read_bounded(Path("/dev/zero"), 1024)
    f = tmp_path / "f.md"
    f.write_bytes(b"x" * 5000)
    with pytest.raises(LoadError, match="is 0.0 MB, over the"):
        read_bounded(f, 4096)
    assert read_bounded(f, 5000) == b"x" * 5000
    environ = Path("/proc/self/environ")  # a regular file that reports size 0
    if environ.exists() and environ.stat().st_size == 0 and len(environ.read_bytes()) > 16:
        with pytest.raises(LoadError, match="is over"):
            read_bounded(environ, 16)


def _deep_folder(base: Path, total: int) -> Path:
    """Nested folders whose full path is longer than `total` bytes, made with relative paths (as a user can)."""
    fd = os.open(base, os.O_RDONLY)
    depth, name = 0, "d" * 200
    try:
        while len(str(base)) + depth * 201 <= total:
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
            depth += 1
        with open(os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
            fh.write("# Deep\n\nA note about the Zorblatt tribunal, far down.\n")
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    return base


def test_a_path_longer_than_the_system_allows_is_reported(fake_assistant, tmp_path):
    limit = os.pathconf("/", "PC_PATH_MAX")
    root = tmp_path / "deep"
    root.mkdir()
    _deep_folder(root, limit + 300)
    report = ingest_with_good(fake_assistant, root)
    assert report.failed, "the deep folder was skipped silently"
    path, error = report.failed[0]
    assert path.startswith(str(root)) and len(os.fsencode(path)) > limit - 256, len(path)
    assert f"over the system's {limit:,}-byte limit" in error and "\n" not in error, error
    assert "1 failed" in report.summary()


# -- item 10: chunks and pages per file ------------------------------------------------------------------------
def test_a_file_with_too_many_chunks_is_refused_naming_the_setting(tmp_path, monkeypatch):
    from assistant.facade import Assistant
    from assistant.settings import Settings
    from conftest import FakeEmbedder

    monkeypatch.setenv("ASSISTANT_MAX_CHUNKS_PER_FILE", "50")
    a = Assistant(Settings(index_dir=tmp_path / "index"), embedder=FakeEmbedder())
    assert a.settings.max_chunks_per_file == 50
    big = tmp_path / "many.md"
    big.write_text("# Many\n\n" + "".join(f"## Part {i}\n\nThe tribunal ruled on item {i} of the scraping case.\n\n"
                                          for i in range(60)))
    report = ingest_with_good(a, big)
    one_failure(report, big, "makes 60 chunks, over the limit of 50 per file (ASSISTANT_MAX_CHUNKS_PER_FILE)")
    assert {d.source_id for d in a.sources()} == {"bartz-mini"}


def test_a_pdf_with_too_many_pages_is_refused_before_its_text_is_read(tmp_path, monkeypatch):
    from fpdf import FPDF

    from assistant.facade import Assistant
    from assistant.settings import Settings
    from conftest import FakeEmbedder

    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for i in range(30):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {i}: the tribunal considered the training data at length.")
    f = tmp_path / "long.pdf"
    f.write_bytes(bytes(pdf.output()))
    monkeypatch.setenv("ASSISTANT_MAX_PAGES_PER_FILE", "20")
    a = Assistant(Settings(index_dir=tmp_path / "index"), embedder=FakeEmbedder())
    import pypdf

    read = []
    monkeypatch.setattr(pypdf.PageObject, "extract_text", lambda self, *x, **k: read.append(1) or "text")
    report = ingest_with_good(a, f)
    one_failure(report, f, "has 30 pages, over the limit of 20 per file (ASSISTANT_MAX_PAGES_PER_FILE)")
    assert not read, "page text was extracted before the limit was checked"


# -- item 15: a reader failing in an unexpected way --------------------------------------------------------------
def test_lxml_html_clean_is_declared_directly():
    import re
    import tomllib

    from reliability_support import ROOT

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower().replace("-", "_") for d in deps}
    assert "lxml_html_clean" in names, names
    import lxml_html_clean  # noqa: F401 - installed by `pip install .`


def test_an_unexpected_error_in_one_file_is_reported_and_the_batch_goes_on(fake_assistant, monkeypatch):
    import trafilatura

    def broken(*_a, **_k):
        raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")

    monkeypatch.setattr(trafilatura, "extract", broken)
    html = CORPUS / "getty-article.html"
    report = ingest_with_good(fake_assistant, html, CORPUS / "dsm-mini.md")
    msg = one_failure(report, html, "unexpected error while reading it (ImportError: lxml.html.clean module")
    assert "Traceback" not in msg
    assert sorted(report.added) == ["bartz-mini", "dsm-mini"]
    with opened(fake_assistant.settings.index_dir) as fresh:
        assert_served_consistently(snapshot(fresh))


@pytest.mark.timeout(120)
def test_an_endless_web_page_is_cut_at_the_size_limit(tmp_path):
    import http.server
    import threading

    from assistant.facade import Assistant
    from assistant.settings import Settings
    from conftest import FakeEmbedder

    sent = []

    class Endless(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")  # no length: the body ends when the server stops, never
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"<p>The Zorblatt tribunal ruled. </p>" * 1000)
                    sent.append(1)
            except OSError:
                pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    a = Assistant(Settings(index_dir=tmp_path / "index", max_file_mb=1), embedder=FakeEmbedder())
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/endless.html"
        report = a.ingest([url, str(GOOD)])
    finally:
        server.shutdown()
    assert report.added == ["bartz-mini"], report.failed
    (path, error), = report.failed
    assert path == url and "over the 1 MB limit" in error, error
    assert len(sent) < 1000, "the client kept reading long past the limit"  # 37 MB, socket buffers included
