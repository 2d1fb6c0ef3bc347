"""The web chat: formatting and upload checks on their own, then the running app through gradio_client and a real
headless Chromium (the app serves a copy of the small real index on a free loopback port)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from assistant import ui
from assistant.errors import InvalidInputError, LoadError
from assistant.settings import Settings
from assistant.types import Answer, Citation
from conftest import CORPUS, ROOT, FakeEmbedder

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# gradio's queue trips pandas 3 deprecation warnings that say nothing about this code
pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
UPLOAD_FACT = ("# Zorblatt Tribunal fines Quuxcorp\n\nThe Zorblatt Tribunal fined Quuxcorp 42 million credits on "
               "3 March 2026 for training its Glimmer model on unlicensed lute recordings.\n")


def _citation(n=1, **kw) -> Citation:
    base = dict(n=n, source_id="bartz-mini", title="Bartz v. Anthropic (test copy)", date="2025-09-25",
                url="https://example.org/bartz", path="x.md", section="Summary",
                quote="Anthropic agreed to pay at least $1.5 billion.", score=0.8, type="case", jurisdiction="US",
                start=10, end=56)
    base.update(kw)
    return Citation(**base)


def _turn(text="Anthropic agreed to pay at least $1.5 billion [1]. It *settled* [2].", citations=None, **kw):
    ans = Answer(question="How much?", text=text,
                 citations=citations if citations is not None else [_citation(1), _citation(2, title="Other <b>")],
                 **kw)
    return ui.turn_record(ans, {"type": ["case"]})


# -- formatting ---------------------------------------------------------------------------------------------------
def test_answer_markers_become_links_and_text_is_escaped():
    out = ui.render_answer(3, _turn())
    assert "href='#cite-3-1'" in out and "href='#cite-3-2'" in out
    assert "&#91;1&#93;" in out
    assert r"\*settled\*" in out and r"\$1\.5" in out  # document wording never becomes Markdown
    assert "Other &lt;b&gt;" in out and "<b>" not in out
    assert "Sources:" in out


def test_marker_without_citation_stays_plain_text():
    out = ui.render_answer(0, _turn(text="Claim [1] and stray [7].", citations=[_citation(1)]))
    assert "#cite-0-1" in out and "#cite-0-7" not in out and r"\[7\]" in out


def test_refusal_offers_closest_documents_as_links():
    ans = Answer(question="q", text="The sources don't cover this question. The closest ...", refused=True,
                 closest=[{"source_id": "web/x y", "title": "X & Y", "score": 0.2}])
    turn = ui.turn_record(ans)
    chat = ui.render_answer(0, turn)
    assert "The sources don" in chat and "href='#doc-web%2Fx%20y'" in chat and "X &amp; Y" in chat
    panel = ui.render_sources({"turns": [turn], "selected": 0}, 0)
    assert ui.esc(ui.REFUSAL_HEAD) in panel and "#doc-web%2Fx%20y" in panel and "aic-card" not in panel


def test_sources_panel_shows_every_field_and_selects_a_card():
    conv = {"turns": [_turn(), _turn()], "selected": 1}
    html = ui.render_sources(conv, 0, 2)
    assert "answer 1 of 2" in html and "Filters: type case" in html
    for text in ("Bartz v. Anthropic (test copy)", "case", "2025-09-25", "US", "Summary", "bartz-mini",
                 "Anthropic agreed to pay at least &#36;1.5 billion.", "href='https://example.org/bartz'"):
        assert text in html
    assert "id='aic-card-0-2' data-n='2'" in html
    assert re.search(r"class='aic-card aic-selected' id='aic-card-0-2'", html)
    assert ui.render_sources(conv) == ui.render_sources(conv, 1)  # default: latest answer


def test_only_http_links_are_rendered():
    conv = {"turns": [_turn(citations=[_citation(1, url="javascript:alert(1)")], text="x [1]")], "selected": 0}
    assert "javascript:" not in ui.render_sources(conv)


def test_document_viewer_highlights_the_quote_and_escapes_everything():
    text = "<script>x</script> before. The ${quoted} passage. After {{x}}."
    q = "The ${quoted} passage."
    s = text.index(q)
    html = ui.render_document({"source_id": "d", "title": "T<i>", "text": text}, q, s, s + len(q))
    assert "<script>" not in html and "&lt;script&gt;" in html and "T&lt;i&gt;" in html
    assert "${" not in html and "{{" not in html
    mark = re.search(r"<mark class='aic-hl' id='aic-hl'>(.*?)</mark>", html).group(1)
    assert mark == "The &#36;&#123;quoted&#125; passage."


def test_locate_quote_falls_back_when_offsets_are_stale():
    text = "new intro. The quote. End."
    assert ui.locate_quote(text, "The quote.", 0, 10) == (11, 21)
    assert ui.locate_quote(text, "gone", 0, 4) is None
    html = ui.render_document({"source_id": "d", "title": "t", "text": text}, "gone", 0, 4)
    assert "no longer in this document" in html and "<mark" not in html


def test_stream_pieces_grow_to_the_full_answer():
    text = "One two three four five six seven [1]."
    pieces = ui.stream_pieces(text, 2)
    assert pieces[-1] == text and len(pieces) > 2
    assert all(text.startswith(p) for p in pieces)
    assert all(len(a) < len(b) for a, b in zip(pieces, pieces[1:]))


def test_conversation_from_the_browser_is_checked():
    assert ui.normalise_conversation(None) == ui.empty_conversation()
    assert ui.normalise_conversation({"turns": "x"}) == ui.empty_conversation()
    conv = ui.normalise_conversation({"turns": [_turn(), {"question": 1}, "junk"], "selected": 9})
    assert len(conv["turns"]) == 1 and conv["selected"] == 0
    assert ui.history_of(conv) == [{"question": "How much?", "answer": conv["turns"][0]["answer"]}]


def test_filters_from_controls():
    assert ui.make_filters([], None, "", " ") == {}
    assert ui.make_filters(["case"], ["US"], "2024-01-01", "2025") == {
        "type": ["case"], "jurisdiction": ["US"], "date_from": "2024-01-01", "date_to": "2025"}


def test_format_answer_text_for_the_api():
    ans = Answer(question="q", text="Paid [1].", citations=[_citation(1)])
    out = ui.format_answer_text(ans)
    assert out.startswith("Paid [1].\n\nSources:\n[1] Bartz v. Anthropic (test copy) (bartz-mini, 2025-09-25)")


def test_auth_setting():
    assert ui.parse_auth(None) is None
    assert ui.parse_auth("me:p:w") == ("me", "p:w")
    with pytest.raises(InvalidInputError, match="user:password"):
        ui.parse_auth("nopassword")


# -- uploads ------------------------------------------------------------------------------------------------------
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
        ui.check_upload(name, data, max_mb=2)


def test_good_uploads_get_a_safe_extension():
    assert ui.check_upload("Notes.MD", b"# Hi\n\ntext", 1) == ".md"
    assert ui.check_upload("page.htm", b"<html><body>hi</body></html>", 1) == ".html"
    assert ui.check_upload("a.pdf", b"%PDF-1.4\n...", 1) == ".pdf"


def test_stage_upload_uses_a_generated_name(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    evil = src / "evil.md"
    evil.write_text("# Title\n\nSome text about a case.\n")
    dst = ui.stage_upload(evil, "../../etc/passwd.md", tmp_path / "uploads", 1)
    assert dst.parent == tmp_path / "uploads" and dst.suffix == ".md"
    assert re.fullmatch(r"[0-9a-f-]{36}\.md", dst.name)
    # the same content gets the same name (re-uploading reports it unchanged), other content another one
    assert ui.stage_upload(evil, "again.md", tmp_path / "uploads", 1) == dst
    other = src / "other.md"
    other.write_text("# Title\n\nOther text.\n")
    assert ui.stage_upload(other, "other.md", tmp_path / "uploads", 1) != dst
    assert not list((tmp_path / "uploads").glob("*.part"))


def test_markdown_without_title_gets_the_upload_name(tmp_path):
    from assistant.loaders import load_path

    cases = {
        "plain notes.md": (b"no heading here, just text about fair use.\n", "plain notes"),
        "fm.md": (b"---\nid: my-doc\ntype: case\n---\nBody text about fair use.\n", "fm"),
        "titled.md": (b"---\ntitle: Kept\n---\nBody text.\n", "Kept"),
        "h1.md": (b"# Heading wins\n\nBody.\n", "Heading wins"),
    }
    for original, (data, title) in cases.items():
        f = tmp_path / "src.md"
        f.write_bytes(data)
        dst = ui.stage_upload(f, original, tmp_path / "up", 1)
        doc = load_path(dst)
        assert doc.title == title, original
        assert data.decode().split("---\n")[-1].strip() in doc.text  # the body is cited as uploaded
    assert load_path(ui.stage_upload(tmp_path / "src.md", "fm.md", tmp_path / "up", 1)).title == "Heading wins"


# -- disputes -----------------------------------------------------------------------------------------------------
def _records():
    fm = json.dumps({"parties": ["Andrea Bartz", "Anthropic PBC"]})
    return [
        {"source_id": "bartz", "title": "Bartz v. Anthropic", "doc_type": "case", "jurisdiction": "US",
         "court": "N.D. Cal.", "docket": "3:24-cv-05417", "filed": "2024-08-19", "decided": "2025-06-23",
         "date": "2025-09-25", "status": "settled", "current_as_of": "2026-06-15", "fm": fm},
        {"source_id": "seedance", "title": "Seedance <2.0>", "doc_type": "dispute", "jurisdiction": "US",
         "date": "2026-03", "status": "pending", "fm": "{}"},
        {"source_id": "gema", "title": "GEMA v. OpenAI", "doc_type": "case", "jurisdiction": "DE",
         "filed": "2024-11-13", "status": "decided", "fm": "not json"},
        {"source_id": "act", "title": "A statute", "doc_type": "statute", "jurisdiction": "EU", "date": "2024"},
    ]


def test_dispute_rows_and_filters():
    rows = ui.dispute_rows(_records())
    assert [r["ID"] for r in rows] == ["seedance", "bartz", "gema"]  # latest development first, no statutes
    bartz = rows[1]
    assert bartz["Parties"] == "Andrea Bartz; Anthropic PBC" and bartz["Docket"] == "3:24-cv-05417"
    assert [r["ID"] for r in ui.filter_disputes(rows, "anthropic")] == ["bartz"]
    assert [r["ID"] for r in ui.filter_disputes(rows, "", "DE")] == ["gema"]
    assert [r["ID"] for r in ui.filter_disputes(rows, "", ui.ALL, "pending")] == ["seedance"]
    assert ui.filter_disputes(rows, "nothing matches") == []
    frame = ui.disputes_frame(rows)
    assert list(frame.columns) == ui.DISPUTE_COLUMNS and len(frame) == 3


def test_timeline_svg_has_a_linked_row_per_dated_dispute():
    svg = ui.timeline_svg(ui.dispute_rows(_records()))
    assert svg.count("class='aic-tl-row'") == 3
    assert "href='#ddoc-bartz'" in svg and "Seedance &lt;2.0&gt;" in svg
    assert "filed 2024-08-19" in svg and "decided 2025-06-23" in svg
    assert ">2024<" in svg and ">2026<" in svg
    assert "No dated disputes" in ui.timeline_svg([])


def test_disputes_come_from_front_matter(fake_assistant):
    fake_assistant.ingest([str(CORPUS)])
    rows = ui.dispute_rows(fake_assistant.sources())
    assert [r["ID"] for r in rows] == ["bartz-mini"]
    assert rows[0]["Court"] == "N.D. Cal." and rows[0]["Status"] == "settled" and "Andrea Bartz" in rows[0]["Parties"]


# -- feedback -----------------------------------------------------------------------------------------------------
def test_feedback_appends_a_json_line(tmp_path):
    turn = _turn()
    conv = {"turns": [turn], "selected": 0}
    assert ui.turn_for_message(conv, 1) == 0
    assert ui.turn_for_message(conv, 0) is None and ui.turn_for_message(conv, 3) is None
    ui.record_feedback(tmp_path, turn, True)
    ui.record_feedback(tmp_path, turn, False)
    lines = [json.loads(x) for x in (tmp_path / "feedback.jsonl").read_text().splitlines()]
    assert [x["rating"] for x in lines] == ["up", "down"]
    first = lines[0]
    assert set(first) >= {"time", "rating", "question", "answer", "citations"}
    assert first["question"] == "How much?" and first["answer"] == turn["answer"]
    assert first["citations"][0]["source_id"] == "bartz-mini" and first["citations"][0]["quote"]


def test_api_page_lists_only_chat(settings):
    from assistant.answering import Assistant

    demo = ui.build_ui(Assistant(settings, embedder=FakeEmbedder()))
    assert list(demo.get_api_info()["named_endpoints"]) == ["/chat"]


# -- the running app ----------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app(real_index, tmp_path_factory):
    """The app serving a writable copy of the small real index on a free loopback port."""
    index = tmp_path_factory.mktemp("ui") / "index"
    shutil.copytree(real_index, index)
    port = _free_port()
    settings = Settings(index_dir=index, host="127.0.0.1", port=port, auth=None)
    demo = ui.serve(settings, prevent_thread_lock=True, quiet=True)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", index=index)
    finally:
        demo.close()


@pytest.mark.slow
def test_chat_api_returns_answer_and_numbered_sources(app):
    from gradio_client import Client

    client = Client(app.url, verbose=False)
    out = client.predict("How much did Anthropic agree to pay?", api_name="/chat")
    assert "[1]" in out and "Sources:" in out and "bartz-mini" in out
    assert "$1.5 billion" in out
    assert list(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == ["/chat"]
    with pytest.raises(Exception, match="The question is empty"):
        client.predict("  ", api_name="/chat")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, app):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(30_000)
    pg = ctx.new_page()
    pg.goto(app.url)
    pg.wait_for_selector("#aic-input textarea")
    yield pg
    ctx.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _flat(text: str) -> str:
    return " ".join(text.split())


# Records every distinct text of the chat's last bot message, to see the answer arrive in pieces.
_WATCH_STREAM = """() => {
  window.__aicSeen = [];
  const chat = document.querySelector('#aic-chat');
  new MutationObserver(() => {
    const bots = chat.querySelectorAll('[data-testid="bot"]');
    const t = bots.length ? bots[bots.length - 1].textContent : '';
    if (t && window.__aicSeen[window.__aicSeen.length - 1] !== t) window.__aicSeen.push(t);
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


def _ask(page, question: str, turn: int) -> None:
    page.locator("#aic-input textarea").fill(question)
    page.locator("#aic-input textarea").press("Enter")
    # the panel switches to this answer only when the stream has ended and its citations are attached
    page.wait_for_selector(f"#aic-sources .aic-panel[data-turn='{turn}']", timeout=90_000)


def _open_citation(page, turn: int, n: int) -> str:
    """Click [n] of an answer; returns the highlighted passage once the viewer shows it."""
    page.locator(f"#aic-chat a[href='#cite-{turn}-{n}']").first.click()
    page.wait_for_selector(f"#aic-sources .aic-panel[data-turn='{turn}'] #aic-card-{turn}-{n}.aic-selected")
    page.wait_for_selector("#aic-viewer mark.aic-hl")
    card_quote = _flat(page.locator(f"#aic-card-{turn}-{n} .aic-quote").inner_text())
    page.wait_for_function(
        "q => { const m = document.querySelector('#aic-viewer mark.aic-hl');"
        " return m && m.textContent.split(/\\s+/).join(' ').trim() === q; }", arg=card_quote)
    # scrolled into view inside the document box
    page.wait_for_function(
        "() => { const m = document.querySelector('#aic-viewer mark.aic-hl');"
        " const b = document.querySelector('#aic-viewer .aic-doc'); if (!m || !b) return false;"
        " const r = m.getBoundingClientRect(), o = b.getBoundingClientRect();"
        " return r.top >= o.top - 1 && r.top < o.bottom; }")
    return card_quote


@pytest.mark.browser
@pytest.mark.slow
def test_chat_in_a_real_browser(page, app, tmp_path):
    page.evaluate(_WATCH_STREAM)
    _ask(page, "What did the Motion Picture Association demand from ByteDance?", 0)
    bot = page.locator("#aic-chat [data-testid='bot']").last
    assert "[1]" in bot.inner_text()
    assert len(page.evaluate("window.__aicSeen")) >= 2, "the answer should arrive in several pieces"
    quote = _open_citation(page, 0, 1)
    assert "Motion Picture Association" in quote
    card = page.locator("#aic-card-0-1")
    assert "seedance-note" in card.inner_text()
    _shot(page, "ui-1-answer-and-citation")

    # a follow-up is answered from the conversation and cites the note about ByteDance's reply
    _ask(page, "And how did ByteDance respond?", 1)
    assert page.locator("#aic-card-1-1 .aic-meta code").inner_text() == "seedance-note"
    assert "replied" in page.locator("#aic-card-1-1 .aic-quote").inner_text()
    # the first answer's markers still work
    assert _open_citation(page, 0, 1) == quote
    _shot(page, "ui-2-follow-up")

    # a reload restores the conversation and every answer's citations
    page.reload()
    page.wait_for_selector("#aic-chat a[href='#cite-1-1']")
    assert _open_citation(page, 0, 1) == quote
    assert "replied" in _open_citation(page, 1, 1)
    _shot(page, "ui-3-after-reload")

    # thumbs up on the first answer is written to feedback.jsonl
    page.locator("#aic-chat button[aria-label='Like']").first.click()
    fb = app.index / "feedback.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (fb.exists() and fb.read_text().strip()):
        time.sleep(0.2)
    line = json.loads(fb.read_text().splitlines()[-1])
    assert line["rating"] == "up" and "Motion Picture" in line["question"]
    assert line["citations"][0]["source_id"] == "seedance-note"

    # upload a new document and a binary file posing as Markdown
    good = tmp_path / "zorblatt-note.md"
    good.write_text(UPLOAD_FACT)
    bad = tmp_path / "x.md"
    bad.write_bytes(bytes(range(256)) * 8)
    page.get_by_role("tab", name="Add documents").click()
    page.locator("#aic-upload input[type=file]").set_input_files([str(good), str(bad)])
    page.wait_for_selector("#aic-upload td.filename[aria-label='x.md']")
    page.wait_for_selector("#aic-upload td.filename[aria-label='zorblatt-note.md']")
    page.locator("#aic-add").click()
    page.wait_for_selector("#aic-upload-report li.aic-up-bad", timeout=90_000)
    report = page.locator("#aic-upload-report").inner_text()
    assert re.search(r"x\.md: rejected: x\.md looks like binary data", report), report
    assert "zorblatt-note.md: added as" in report
    new_id = page.locator("#aic-upload-report li.aic-up-ok code").inner_text()
    _shot(page, "ui-4-upload")
    assert new_id.startswith("upload/")  # uploads have their own id namespace
    assert (app.index / "uploads" / f"{new_id.removeprefix('upload/')}.md").exists()
    assert not (app.index / "uploads" / "zorblatt-note.md").exists()

    page.get_by_role("tab", name="Chat").click()
    _ask(page, "How much did the Zorblatt Tribunal fine Quuxcorp?", 2)
    assert page.locator("#aic-card-2-1 .aic-meta code").inner_text() == new_id
    assert "42 million credits" in page.locator("#aic-chat [data-testid='bot']").last.inner_text()
    _open_citation(page, 2, 1)
    _shot(page, "ui-5-uploaded-document-cited")


@pytest.mark.browser
@pytest.mark.slow
def test_refusal_examples_and_disputes_in_a_real_browser(page):
    # an example question is asked with one click
    page.locator("#aic-examples button", has_text="How much did Anthropic pay").first.click()
    page.wait_for_selector("#aic-sources .aic-panel[data-turn='0']", timeout=90_000)
    assert "bartz-mini" in page.locator("#aic-card-0-1").inner_text()

    # filters apply to the next questions: nothing dated after 2024 may be cited
    page.get_by_text("Filters (apply to every question").click()
    date_to = page.locator("#aic-f-to textarea, #aic-f-to input").first
    date_to.fill("2024-12-31")
    _ask(page, "How much did Anthropic agree to pay?", 1)
    panel = page.locator("#aic-sources")
    assert "Filters: date to 2024-12-31" in panel.inner_text()
    assert "bartz-mini" not in panel.inner_text()
    # a bad filter value is a warning that says what to fix, and the question stays in the box
    date_to.fill("soon")
    page.locator("#aic-input textarea").fill("How much did Anthropic agree to pay?")
    page.locator("#aic-ask").click()
    page.get_by_text("Filter date_to is 'soon', not a date").first.wait_for()
    assert page.locator("#aic-input textarea").input_value() == "How much did Anthropic agree to pay?"
    date_to.fill("")

    # a question the sources do not cover is refused, with the closest documents to open
    _ask(page, "What is the capital of Mongolia?", 2)
    panel = page.locator("#aic-sources")
    assert ui.REFUSAL_HEAD in panel.inner_text()
    assert "don't cover this" in page.locator("#aic-chat [data-testid='bot']").last.inner_text()
    page.locator("#aic-sources a.aic-doclink").first.click()
    page.wait_for_selector("#aic-viewer .aic-viewer-title")
    _shot(page, "ui-6-refusal")

    # disputes: filter, select a row, follow a timeline line
    page.get_by_role("tab", name="Disputes").click()
    cell = page.locator("#aic-disputes [role=gridcell]", has_text="Bartz v. Anthropic (test copy)").first
    cell.wait_for()
    assert page.locator("#aic-timeline a.aic-tl-row").count() >= 1
    cell.click()
    page.wait_for_selector("#aic-dviewer .aic-viewer-title:has-text('Bartz v. Anthropic')")
    page.locator("#aic-d-text textarea, #aic-d-text input").first.fill("no such party")
    page.wait_for_selector("#aic-timeline :text('No dated disputes')")
    page.locator("#aic-d-text textarea, #aic-d-text input").first.fill("bartz")
    page.wait_for_selector("#aic-timeline a.aic-tl-row")
    page.locator("#aic-timeline a.aic-tl-row").first.click()
    page.wait_for_selector("#aic-dviewer .aic-viewer-title:has-text('Bartz v. Anthropic')")
    _shot(page, "ui-7-disputes")


@pytest.mark.slow
def test_app_py_starts_quickly_with_settings_from_the_environment(real_index, tmp_path):
    """`python app.py` on a built index: serves within seconds, honours ASSISTANT_PORT and ASSISTANT_AUTH."""
    import httpx

    index = tmp_path / "index"
    shutil.copytree(real_index, index)
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": str(port),
           "ASSISTANT_AUTH": "reader:s3cret", "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if httpx.get(url + "/", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() - t0 < 60, "app.py did not start within 60 s"
            time.sleep(0.1)
        startup = time.monotonic() - t0
        print(f"app.py served its first page after {startup:.1f}s")
        assert httpx.get(url + "/config", timeout=5).status_code == 401  # auth is on
        with httpx.Client(base_url=url, timeout=10) as c:
            r = c.post("/login", data={"username": "reader", "password": "s3cret"})
            assert r.status_code == 200, r.text
            assert c.get("/config").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
