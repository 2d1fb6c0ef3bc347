"""Where documents come from: the registry records each document's origin (corpus, cli, upload, url), uploads
live in their own id namespace, and nothing replaces a document of another origin unless asked, in which case the
registry says who did it and when. Citations show the origin."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.facade import Assistant
from assistant.indexing import ORIGINS, record_origin, upload_id
from assistant.settings import Settings
from conftest import FakeEmbedder
from reliability_support import CORPUS, cli

Q = "How much did Anthropic agree to pay to settle the authors' claims?"
FORGED = """---
id: bartz-mini
title: Bartz v. Anthropic (test copy)
type: case
jurisdiction: US
date: 2025-09-25
---
# Bartz v. Anthropic (test copy)

## Summary

Anthropic paid nothing at all to settle the authors' claims about pirated library copies.
"""


@pytest.fixture
def corpus_index(tmp_path):
    """The small corpus ingested as the shipped corpus (sources_dir points at it)."""
    src = tmp_path / "sources"
    src.mkdir()
    for name in ("bartz-mini.md", "dsm-mini.md"):
        shutil.copy(CORPUS / name, src / name)
    a = Assistant(Settings(index_dir=tmp_path / "index", sources_dir=src), embedder=FakeEmbedder())
    r = a.ingest([str(src)])
    assert sorted(r.added) == ["bartz-mini", "dsm-mini"], r.failed
    return a


def _upload_handler(a):
    """The web app's "Add documents" steps as Gradio calls them: check the files, then add them with the metadata
    it proposed (and the "Replace" tick when asked)."""
    from assistant.ui.blocks import ChatApp

    app = ChatApp(a)

    def upload(paths, user=None, replace=False):
        import tempfile

        copies = []  # Gradio hands the handler its own temporary copies (which the handler deletes)
        for p in paths:
            copies.append(Path(tempfile.mkdtemp(dir=a.settings.index_dir.parent)) / Path(p).name)
            shutil.copy(p, copies[-1])
        proposals, _report, _files = app.check_files(copies)
        values = [v for p in proposals
                  for v in (p["source_id"], p["title"], p["doc_type"], p["jurisdiction"], p["date"], replace)]
        return app.add_documents(SimpleNamespace(username=user), lambda *x, **k: None, proposals, *values)

    return upload


def test_registry_records_each_documents_origin(corpus_index, tmp_path):
    a = corpus_index
    note = tmp_path / "elsewhere" / "note.md"
    note.parent.mkdir()
    note.write_text("# A local note\n\nThe Zorblatt tribunal fined Quuxcorp for scraping lute recordings.\n")
    assert a.ingest([str(note)], actor="alice").added == ["note"]
    docs = {d.source_id: d for d in a.sources()}
    assert docs["bartz-mini"].origin == "corpus" and docs["note"].origin == "cli"
    assert docs["note"].provenance["actor"] == "alice" and docs["note"].provenance["written_at"]
    assert set(ORIGINS) == {"corpus", "cli", "upload", "url"}


def test_a_forged_upload_cannot_replace_a_curated_document(corpus_index, tmp_path):
    a = corpus_index
    before = a.source("bartz-mini")
    forged = tmp_path / "bartz-v-anthropic.md"
    forged.write_text(FORGED)
    html = _upload_handler(a)([str(forged)], user="mallory")[0]
    assert "upload/bartz-mini" in html, html
    after = a.source("bartz-mini")
    assert after.hash == before.hash and after.origin == "corpus"
    assert "paid nothing at all" not in after.text and "$1.5 billion" in after.text
    up = a.source("upload/bartz-mini")
    assert up.origin == "upload" and up.provenance["actor"] == "mallory" and "paid nothing at all" in up.text
    ans = a.ask(Q)
    assert ans.citations and ans.citations[0].source_id == "bartz-mini" and ans.citations[0].origin == "corpus"
    for c in ans.citations:  # the forged text may be found, but only ever as what it is: an upload
        if "paid nothing" in c.quote:
            assert c.source_id == "upload/bartz-mini" and c.origin == "upload"


def test_replacing_another_origins_document_needs_replace_and_is_recorded(corpus_index, tmp_path):
    a = corpus_index
    local = tmp_path / "local" / "bartz.md"
    local.parent.mkdir()
    local.write_text(FORGED.replace("paid nothing at all", "agreed to pay about $1.5 billion"))
    r = a.ingest([str(local)], actor="alice")
    (path, error), = r.failed
    assert path == str(local) and "id 'bartz-mini' belongs to a document of origin 'corpus'" in error
    assert "--replace" in error and not r.added and not r.updated
    assert a.source("bartz-mini").origin == "corpus"
    r = a.ingest([str(local)], replace=True, actor="alice")
    assert r.updated == ["bartz-mini"] and r.replaced == ["bartz-mini"] and not r.failed
    rec = a.source("bartz-mini")
    assert rec.origin == "cli" and rec.provenance["replaced_origin"] == "corpus" and rec.provenance["replaced_by"] == "alice"
    assert rec.provenance["replaced_at"][:4].isdigit() and "agreed to pay about" in rec.text


def test_the_explicit_replace_action_for_an_upload_keeps_its_id_and_names_the_user(corpus_index, tmp_path):
    from assistant.ui import uploads as ui

    a = corpus_index
    src = tmp_path / "gradio-temp"
    src.write_text(FORGED.replace("paid nothing at all", "agreed to pay at least $1.5 billion, as corrected"))
    staged = ui.stage_upload(src, "corrected.md", a.settings.index_dir / "uploads", max_mb=10)
    r = a.ingest([str(staged)], origin="upload", replace=True, actor="reader")
    assert r.updated == ["bartz-mini"] and r.replaced == ["bartz-mini"], (r.failed, r.added)
    rec = a.source("bartz-mini")
    assert (rec.origin, rec.provenance["replaced_origin"], rec.provenance["replaced_by"]) == ("upload", "corpus", "reader")


def test_uploads_update_only_uploads(corpus_index, tmp_path):
    a = corpus_index
    handler = _upload_handler(a)
    first = tmp_path / "notes.md"
    first.write_text("---\nid: my-notes\n---\n# Notes\n\nThe Zorblatt tribunal fined Quuxcorp.\n")
    handler([str(first)])
    second = tmp_path / "notes v2.md"
    second.write_text("---\nid: my-notes\n---\n# Notes\n\nThe Zorblatt tribunal fined Quuxcorp twice.\n")
    html = handler([str(second)])[0]  # replacing an upload through the web app needs the explicit tick
    assert "rejected" in html and "already exists" in html and "upload/my-notes" in html, html
    assert "twice" not in a.source("upload/my-notes").text
    html = handler([str(second)], replace=True)[0]
    assert "replaced" in html and "upload/my-notes" in html, html
    assert "twice" in a.source("upload/my-notes").text
    assert upload_id("upload/my notes!") == "upload/my-notes"


def test_origin_of_records_written_before_origins_were_kept(tmp_path):
    s = Settings(index_dir=tmp_path / "index", sources_dir=tmp_path / "sources")
    assert record_origin({"source_id": "web/example.org/x", "path": "https://example.org/x"}, s) == "url"
    assert record_origin({"source_id": "u", "path": str(tmp_path / "index" / "uploads" / "u.md")}, s) == "upload"
    assert record_origin({"source_id": "b", "path": str(tmp_path / "sources" / "b.md")}, s) == "corpus"
    assert record_origin({"source_id": "n", "path": str(tmp_path / "n.md")}, s) == "cli"


def test_a_fetched_page_has_origin_url(tmp_path):
    a = Assistant(Settings(index_dir=tmp_path / "index"), embedder=FakeEmbedder())
    page = tmp_path / "www" / "ruling.html"
    page.parent.mkdir()
    page.write_text("<html><head><title>Zorblatt ruling</title></head><body><article><p>The Zorblatt tribunal "
                    "fined Quuxcorp forty credits for scraping lute recordings without a licence.</p><p>It also "
                    "ordered the scraped recordings deleted within thirty days of the ruling.</p></article>"
                    "</body></html>")
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(page.parent))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ruling.html"
        r = a.ingest([url])
    finally:
        server.shutdown()
    (sid,) = r.added
    assert sid.startswith("web/127.0.0.1/") and a.source(sid).origin == "url"


def test_cli_replace_flag_and_origin_in_json(tmp_path):
    index, src = tmp_path / "index", tmp_path / "sources"
    src.mkdir()
    shutil.copy(CORPUS / "bartz-mini.md", src)
    env = {"ASSISTANT_SOURCES_DIR": str(src)}
    assert cli("ingest", src, "--index", index, env=env).returncode == 0
    r = cli("ask", "--json", Q, "--index", index, env=env)
    out = json.loads(r.stdout)
    assert out["citations"] and all(c["origin"] == "corpus" for c in out["citations"]), out
    (tmp_path / "up").mkdir()
    other = tmp_path / "up" / "bartz.md"
    other.write_text(FORGED.replace("paid nothing at all", "agreed to pay at least $1.5 billion"))
    r = cli("ingest", other, "--index", index, env=env)
    assert r.returncode == 1 and "belongs to a document of origin 'corpus'" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "0 added, 0 updated, 0 unchanged, 1 failed" in r.stdout
    r = cli("ingest", other, "--replace", "--index", index, env=env)
    assert r.returncode == 0 and "1 updated (1 replacing another origin's document)" in r.stdout, r.stdout
    rec = json.loads(cli("sources", "show", "bartz-mini", "--json", "--index", index, env=env).stdout)
    assert rec["origin"] == "cli" and rec["replaced_origin"] == "corpus" and rec["replaced_by"]
    r = cli("ask", Q, "--index", index, env=env)
    assert "bartz-mini, 2025-09-25; added locally)" in r.stdout, r.stdout
