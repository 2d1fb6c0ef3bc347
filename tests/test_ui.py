"""The web chat running: gradio_client against the /chat API and a real headless Chromium against the page (the app
serves a copy of the small real index on a free loopback port). The pure parts are tested in tests/ui/."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.errors import InvalidInputError
from assistant.settings import Settings
from assistant.types import Answer, Citation
from assistant.ui import blocks, server
from conftest import DATA, ROOT, FakeEmbedder

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# gradio's queue trips pandas 3 deprecation warnings that say nothing about this code
pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
UPLOAD_FACT = ("# Zorblatt Tribunal fines Quuxcorp\n\nThe Zorblatt Tribunal fined Quuxcorp 42 million credits on "
               "3 March 2026 for training its Glimmer model on unlicensed lute recordings.\n")


# -- the small parts ----------------------------------------------------------------------------------------------
def test_stream_pieces_grow_to_the_full_answer():
    text = "One two three four five six seven [1]."
    pieces = blocks.stream_pieces(text, 2)
    assert pieces[-1] == text and len(pieces) > 2
    assert all(text.startswith(p) for p in pieces)
    assert all(len(a) < len(b) for a, b in zip(pieces, pieces[1:]))


def test_filters_from_controls():
    assert blocks.make_filters([], None, "", " ") == {}
    assert blocks.make_filters(["case"], ["US"], "2024-01-01", "2025") == {
        "type": ["case"], "jurisdiction": ["US"], "date_from": "2024-01-01", "date_to": "2025"}


def test_format_answer_text_for_the_api():
    c = Citation(n=1, source_id="bartz-mini", title="Bartz v. Anthropic (test copy)", date="2025-09-25",
                 url="https://example.org/bartz", path="x.md", section="Summary", quote="Paid.", score=0.8)
    out = blocks.format_answer_text(Answer(question="q", text="Paid [1].", citations=[c]))
    assert out.startswith("Paid [1].\n\nSources:\n[1] Bartz v. Anthropic (test copy) (bartz-mini, 2025-09-25)")


def test_auth_setting():
    assert server.parse_auth(None) is None
    assert server.parse_auth("me:p:w") == ("me", "p:w")
    with pytest.raises(InvalidInputError, match="user:password"):
        server.parse_auth("nopassword")


def test_api_page_lists_only_chat(settings):
    from assistant.facade import Assistant

    demo = blocks.build_ui(Assistant(settings, embedder=FakeEmbedder()))
    assert list(demo.get_api_info()["named_endpoints"]) == ["/chat"]


def test_no_function_of_the_web_ui_is_longer_than_one_screen():
    for path in sorted((ROOT / "assistant" / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 120, f"{path.name}: {node.name} is {length} lines"
    build = next(n for n in ast.walk(ast.parse((ROOT / "assistant/ui/blocks.py").read_text()))
                 if isinstance(n, ast.FunctionDef) and n.name == "build_ui")
    assert build.end_lineno - build.lineno < 70


def test_assets_are_files_the_package_ships():
    import tomllib

    assets = {p.name for p in (ROOT / "assistant/ui/assets").iterdir()}
    assert {"style.css", "bridge.js", "sources.js", "viewer.js", "address.js"} <= assets
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert {"assistant.ui", "assistant.ui.assets"} <= set(data["packages"]) and data["package-data"]["assistant.ui.assets"]


# -- the running app ----------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(index: Path, **kw):
    port = _free_port()
    settings = Settings(index_dir=index, host="127.0.0.1", port=port, auth=None, **kw)
    demo = server.serve(settings, prevent_thread_lock=True, quiet=True)
    return demo, f"http://127.0.0.1:{port}/"


REGISTER = DATA / "ui" / "zeta-v-quux.md"  # a register entry, so the Disputes tab has a row


@pytest.fixture(scope="module")
def app(real_index, tmp_path_factory):
    """The app serving a writable copy of the small real index, plus one register entry, on a loopback port."""
    from assistant.facade import Assistant

    index = tmp_path_factory.mktemp("ui") / "index"
    shutil.copytree(real_index, index)
    assert Assistant(Settings(index_dir=index)).ingest([str(REGISTER)]).added == ["register/zeta-v-quux"]
    demo, url = _serve(index)
    try:
        yield SimpleNamespace(url=url, index=index)
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


def _context(browser, width: int = 1400, height: int = 1000):
    ctx = browser.new_context(viewport={"width": width, "height": height},
                              permissions=["clipboard-read", "clipboard-write"])
    ctx.set_default_timeout(30_000)
    return ctx


def _open(ctx, url: str):
    pg = ctx.new_page()
    pg.goto(url)
    pg.wait_for_selector("#aic-input textarea")
    pg.wait_for_selector("#aic-banner .aic-banner")  # the page-load event has run
    return pg


@pytest.fixture
def page(browser, app):
    ctx = _context(browser)
    yield _open(ctx, app.url)
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


_MARKED = ("() => Array.from(document.querySelectorAll('#aic-viewer mark.aic-hl')).map(m => m.textContent)"
           ".join('').replace(/\\s+/g, '')")  # the marked text, spacing aside (a quote may span paragraphs)


def _open_citation(page, turn: int, n: int) -> str:
    """Click [n] of an answer; returns the highlighted passage once the viewer shows it."""
    page.locator(f"#aic-chat a[href='#cite-{turn}-{n}']").first.click()
    page.wait_for_selector(f"#aic-sources .aic-panel[data-turn='{turn}'] #aic-card-{turn}-{n}.aic-selected")
    page.wait_for_selector("#aic-viewer mark.aic-hl")
    card_quote = _flat(page.locator(f"#aic-card-{turn}-{n} .aic-quote").inner_text())
    page.wait_for_function(f"q => ({_MARKED})() === q", arg=re.sub(r"\s+", "", card_quote))
    # scrolled into view inside the document box
    page.wait_for_function(
        "() => { const m = document.querySelector('#aic-viewer mark.aic-hl');"
        " const b = document.querySelector('#aic-viewer .aic-doc'); if (!m || !b) return false;"
        " const r = m.getBoundingClientRect(), o = b.getBoundingClientRect();"
        " return r.top >= o.top - 1 && r.top < o.bottom; }")
    return card_quote


def _wait_for(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.browser
@pytest.mark.slow
def test_chat_in_a_real_browser(page, app):
    page.evaluate(_WATCH_STREAM)
    _ask(page, "What did the Motion Picture Association demand from ByteDance?", 0)
    bot = page.locator("#aic-chat [data-testid='bot']").last
    assert "[1]" in bot.inner_text()
    assert len(page.evaluate("window.__aicSeen")) >= 2, "the answer should arrive in several pieces"
    quote = _open_citation(page, 0, 1)
    assert "Motion Picture Association" in quote
    assert "seedance-note" in page.locator("#aic-card-0-1").inner_text()
    assert re.search(r"\?c=[A-Za-z0-9_-]{22}$", page.url), page.url  # the address names the conversation
    _shot(page, "ui-1-answer-and-citation")

    # a follow-up is answered from the conversation and cites the note about ByteDance's reply
    _ask(page, "And how did ByteDance respond?", 1)
    assert page.locator("#aic-card-1-1 .aic-meta code").inner_text() == "seedance-note"
    assert "replied" in page.locator("#aic-card-1-1 .aic-quote").inner_text()
    assert _open_citation(page, 0, 1) == quote  # the first answer's markers still work
    _shot(page, "ui-2-follow-up")

    # a reload restores the conversation and every answer's citations
    page.reload()
    page.wait_for_selector("#aic-chat a[href='#cite-1-1']")
    assert _open_citation(page, 0, 1) == quote
    assert "replied" in _open_citation(page, 1, 1)
    _shot(page, "ui-3-after-reload")

    # thumbs up on the first answer is written to feedback.jsonl, with the answer's id
    page.locator("#aic-chat button[aria-label='Like']").first.click()
    fb = app.index / "feedback.jsonl"
    _wait_for(lambda: fb.exists() and fb.read_text().strip(), "feedback.jsonl")
    line = json.loads(fb.read_text().splitlines()[-1])
    assert line["rating"] == "up" and "Motion Picture" in line["question"]
    assert line["citations"][0]["source_id"] == "seedance-note" and re.fullmatch(r"[\w-]{22}", line["answer_id"])

    # a new conversation keeps the old one in the list, and switching back restores it
    page.locator("#aic-new").click()
    page.wait_for_function("() => !document.querySelector('#aic-chat [data-testid=\"bot\"]')")
    assert "?c=" not in page.url
    _ask(page, "What does Article 4 of the DSM Directive allow?", 0)
    page.locator("#aic-conversations input").click()
    page.get_by_role("option", name=re.compile("Motion Picture Association")).click()
    page.wait_for_selector("#aic-chat a[href='#cite-1-1']")
    assert "ByteDance" in page.locator("#aic-chat").inner_text()
    assert _open_citation(page, 0, 1) == quote


@pytest.mark.browser
@pytest.mark.slow
def test_copy_gives_plain_text_and_export_gives_a_file(page, tmp_path):
    _ask(page, "How much did Anthropic agree to pay?", 0)
    page.locator("#aic-chat a[href='#copy-0']").click()
    page.wait_for_function("() => document.querySelector('#aic-live').textContent.includes('copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.match(r"Anthropic agreed to pay at least \$1\.5 billion[^\n]*\[1\]", copied), copied
    assert "\n\nSources:\n[1] Bartz v. Anthropic (test copy) — Summary — 2025-09-25\n" in copied
    assert '"Anthropic agreed to pay at least $1.5 billion' in copied and "https://example.org/bartz" in copied
    assert "<" not in copied and "\\$" not in copied and "&#" not in copied

    with page.expect_download() as got:
        page.locator("#aic-export-md").click()
    md = Path(got.value.path()).read_text(encoding="utf-8")
    assert got.value.suggested_filename == "conversation-how-much-did-anthropic-agree-to-pay.md"
    assert md.startswith("# How much did Anthropic agree to pay?") and "## 1. How much did Anthropic" in md
    assert "[1]" in md and "**Bartz v. Anthropic (test copy)**" in md and "> Anthropic agreed to pay" in md
    with page.expect_download() as got:
        page.locator("#aic-export-html").click()
    html_file = tmp_path / got.value.suggested_filename
    got.value.save_as(html_file)
    assert html_file.suffix == ".html"
    export = page.context.new_page()  # the exported page opens on its own, its markers link to its sources
    export.goto(html_file.as_uri())
    assert export.locator("h1").inner_text() == "How much did Anthropic agree to pay?"
    export.locator("a[href='#s1-1']").first.click()
    assert "Bartz v. Anthropic (test copy)" in export.locator("li#s1-1").inner_text()


@pytest.mark.browser
@pytest.mark.slow
def test_a_link_reopens_an_answer_and_a_conversation_after_a_restart(browser, real_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(real_index, index)
    demo, url = _serve(index)
    ctx = _context(browser)
    try:
        pg = _open(ctx, url)
        _ask(pg, "How much did Anthropic agree to pay?", 0)
        _ask(pg, "What does Article 4 of the DSM Directive allow?", 1)
        conversation = pg.url.split("?", 1)[1]
        answer_link = pg.locator("#aic-chat a", has_text="Link to this answer").first.get_attribute("href")
        assert re.fullmatch(r"\?a=[\w-]{22}", answer_link), answer_link
        quote = _open_citation(pg, 0, 1)
    finally:
        ctx.close()
        demo.close()
    demo, url = _serve(index)  # a restart: a new server process state, the same index
    ctx = _context(browser)
    try:
        pg = _open(ctx, url + answer_link)  # a fresh browser context: nothing in its storage
        pg.wait_for_selector("#aic-chat a[href='#cite-0-1']")
        assert len(pg.locator("#aic-chat [data-testid='bot']").all()) == 1
        assert "1.5 billion" in pg.locator("#aic-chat").inner_text() and "DSM" not in pg.locator("#aic-chat").inner_text()
        assert _open_citation(pg, 0, 1) == quote
        _ask(pg, "And when was the complaint filed?", 1)  # a question continues from the linked answer
        assert "2024" in pg.locator("#aic-chat [data-testid='bot']").last.inner_text()
        pg2 = _open(ctx, url + "?" + conversation)
        pg2.wait_for_selector("#aic-chat a[href='#cite-1-1']")
        assert "Article 4" in pg2.locator("#aic-chat").inner_text()
        assert _open_citation(pg2, 0, 1) == quote
        bad = _open(ctx, url + "?c=" + "x" * 22)
        bad.get_by_text("This conversation is not available").first.wait_for()
        assert not bad.locator("#aic-chat [data-testid='bot']").count()
    finally:
        ctx.close()
        demo.close()


def _axe(page, where: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    found = [f"{where}: {v['impact']} {v['id']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
             for v in result.response["violations"]]
    print("\n".join(found) or f"{where}: no axe violations")
    return [f for f in found if " serious " in f or " critical " in f]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violations(browser, app, width):
    ctx = _context(browser, width, 900 if width > 500 else 844)
    try:
        pg = _open(ctx, app.url)
        _ask(pg, "How much did Anthropic agree to pay?", 0)
        _open_citation(pg, 0, 1)
        problems = _axe(pg, f"chat at {width}px")
        if width < 500:  # on a phone the question box is on screen without scrolling, below the chat
            box = pg.locator("#aic-input textarea").bounding_box()
            assert box and box["y"] + box["height"] <= 844, box
        pg.get_by_role("tab", name="Disputes").click()
        pg.wait_for_selector("#aic-disputes table")
        pg.locator("#aic-disputes a.aic-doclink").first.click()
        pg.wait_for_selector("#aic-dviewer .aic-viewer-title")
        problems += _axe(pg, f"disputes at {width}px")
        _shot(pg, f"ui-disputes-{width}")
        if width < 500:  # cards, not a squeezed table: each cell is as wide as the card
            cell = pg.locator("#aic-disputes td[data-label='Court']").first.bounding_box()
            assert cell["width"] > 250, cell
            label = pg.locator("#aic-timeline .aic-tl-label").first.bounding_box()
            assert label["width"] > 250, label
        assert not problems, problems
    finally:
        ctx.close()


@pytest.mark.browser
@pytest.mark.slow
def test_every_control_has_a_label_and_the_keyboard_reaches_everything(page):
    for tab in ("Disputes", "Add documents", "Chat"):  # every tab's visible controls
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        unlabeled = page.evaluate("""() => Array.from(document.querySelectorAll(
            'input:not([type=hidden]), textarea, select, button')).filter(e => e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') &&
                         !e.getAttribute('aria-labelledby') && !e.textContent.trim() && !e.title)
            .map(e => e.outerHTML.slice(0, 120))""")
        assert not unlabeled, (tab, unlabeled)
    assert page.get_by_role("textbox", name="Your question").count() == 1  # not "Textbox"

    def tab_to(selector: str, text: str = "", key: str = "Tab", limit: int = 120) -> None:
        for _ in range(limit):
            page.keyboard.press(key)
            if page.evaluate("([sel, text]) => { const e = document.activeElement; return !!e && e.matches(sel) &&"
                             " (!text || e.textContent.trim() === text); }", [selector, text]):
                return
        raise AssertionError(f"{key} never reached {selector} {text}")

    page.locator("body").click(position={"x": 5, "y": 5})
    tab_to("#aic-input textarea")
    page.keyboard.type("How much did Anthropic agree to pay?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#aic-sources .aic-panel[data-turn='0']", timeout=90_000)
    tab_to("#aic-chat a[href='#cite-0-1']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#aic-viewer mark.aic-hl")
    tab_to("#aic-viewer .aic-doc")  # the document box scrolls from the keyboard too
    tab_to("[role=tab]", "Disputes", key="Shift+Tab")
    page.keyboard.press("Enter")
    tab_to("#aic-disputes a.aic-doclink")
    page.keyboard.press("Enter")
    page.wait_for_selector("#aic-dviewer .aic-viewer-title")


def _choose_files(page, *paths: Path) -> None:
    page.get_by_role("tab", name="Add documents").click()
    page.locator("#aic-upload input[type=file]").set_input_files([str(p) for p in paths])
    for p in paths:
        page.wait_for_selector(f"#aic-upload td.filename[aria-label='{p.name}']")
    page.locator("#aic-check").click()


def _in_gradio_cache(name: str, data: bytes) -> list[str]:
    """Copies of an upload (by name and content) in Gradio's temporary folder, which other apps may share."""
    import tempfile

    root = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    return [str(p) for p in root.glob(f"*/{name}") if p.is_file() and p.read_bytes() == data] if root.exists() else []


@pytest.mark.browser
@pytest.mark.slow
def test_upload_with_edited_metadata(page, app, tmp_path):
    doc = tmp_path / "zorblatt_note.md"
    doc.write_text(UPLOAD_FACT + f"\nFiled under reference {os.urandom(6).hex()}.\n")  # its own content (see below)
    _choose_files(page, doc)
    title = page.get_by_label("Title of zorblatt_note.md")
    title.wait_for()
    assert title.input_value() == "Zorblatt Tribunal fines Quuxcorp"  # from the content
    assert page.get_by_label("Date of zorblatt_note.md").input_value() == "2026-03-03"
    assert page.get_by_label("ID of zorblatt_note.md").input_value() == "upload/zorblatt-tribunal-fines-quuxcorp"
    assert not _in_gradio_cache("zorblatt_note.md", doc.read_bytes())  # Gradio's copy is gone
    page.get_by_label("ID of zorblatt_note.md").fill("zorblatt-v-quuxcorp")
    title.fill("Zorblatt Tribunal v. Quuxcorp")
    page.get_by_label("Type of zorblatt_note.md").fill("case")
    page.get_by_label("Type of zorblatt_note.md").press("Enter")
    page.get_by_label("Jurisdiction of zorblatt_note.md").fill("ZB")
    page.get_by_label("Jurisdiction of zorblatt_note.md").press("Enter")
    page.get_by_label("Date of zorblatt_note.md").fill("2026-03-04")
    page.locator("#aic-add").click()
    page.wait_for_selector("#aic-upload-report li", timeout=90_000)
    report = _flat(page.locator("#aic-upload-report").inner_text())
    assert "zorblatt_note.md: added as upload/zorblatt-v-quuxcorp (“Zorblatt Tribunal v. Quuxcorp”)" in report
    assert "can be asked about right away" in report
    assert "upload/zorblatt-v-quuxcorp" in page.locator("#aic-uploaded").inner_text()
    _shot(page, "ui-4-upload")

    # a case upload is a dispute like any other, with the metadata as corrected
    page.get_by_role("tab", name="Disputes").click()
    row = page.locator("#aic-disputes tr[data-id='upload/zorblatt-v-quuxcorp']")
    row.wait_for()
    assert "ZB" in row.inner_text() and "Zorblatt Tribunal v. Quuxcorp" in row.inner_text()

    page.get_by_role("tab", name="Chat").click()
    _ask(page, "How much did the Zorblatt Tribunal fine Quuxcorp?", 0)
    assert page.locator("#aic-card-0-1 .aic-meta code").inner_text() == "upload/zorblatt-v-quuxcorp"
    assert "2026-03-04" in page.locator("#aic-card-0-1 .aic-meta").inner_text()
    assert "42 million credits" in page.locator("#aic-chat [data-testid='bot']").last.inner_text()
    _open_citation(page, 0, 1)

    # the same id again needs the explicit replace action
    doc.write_text(UPLOAD_FACT.replace("42 million", "43 million"))
    doc.write_text(doc.read_text().replace("# Zorblatt Tribunal fines Quuxcorp", "# Zorblatt v. Quuxcorp"))
    _choose_files(page, doc)  # the proposed id is taken: the form says so before anything is indexed
    page.get_by_text("an uploaded document already has this id").wait_for()
    page.get_by_label("ID of zorblatt_note.md").fill("zorblatt-v-quuxcorp")
    page.locator("#aic-add").click()
    page.wait_for_selector("#aic-upload-report li.aic-up-bad", timeout=90_000)
    assert "already exists" in page.locator("#aic-upload-report").inner_text()
    _choose_files(page, doc)
    page.get_by_label("ID of zorblatt_note.md").fill("zorblatt-v-quuxcorp")
    page.get_by_label("Replace the existing document with zorblatt_note.md").check()
    page.locator("#aic-add").click()
    page.wait_for_selector("#aic-upload-report li.aic-up-ok", timeout=90_000)
    assert "replaced upload/zorblatt-v-quuxcorp" in _flat(page.locator("#aic-upload-report").inner_text())

    # and it can be removed
    page.locator("#aic-remove-choice input").click()
    page.get_by_role("option", name=re.compile("zorblatt-v-quuxcorp")).click()
    page.locator("#aic-remove").click()
    page.get_by_text("Removed upload/zorblatt-v-quuxcorp").wait_for()
    assert "No documents have been uploaded" in page.locator("#aic-uploaded").inner_text()
    assert not list((app.index / "uploads").glob("*.md"))


@pytest.mark.browser
@pytest.mark.slow
def test_a_rejected_upload_says_why_and_claims_nothing(page, tmp_path):
    bad = tmp_path / "x.md"
    bad.write_bytes(bytes(range(256)) * 8 + os.urandom(16))  # its own content: other apps share Gradio's folder
    _choose_files(page, bad)
    page.wait_for_selector("#aic-upload-report li.aic-up-bad", timeout=90_000)
    report = page.locator("#aic-upload-report").inner_text()
    assert re.search(r"x\.md: rejected: x\.md looks like binary data", report), report
    assert "No document was added." in report and "right away" not in report
    assert not _in_gradio_cache("x.md", bad.read_bytes())  # Gradio's temporary copy is deleted
    accept = page.locator("#aic-upload input[type=file]").get_attribute("accept")
    assert {t.strip() for t in accept.split(",")} == {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}


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
    assert "The sources don't cover this" in page.locator("#aic-sources").inner_text()
    assert "don't cover this" in page.locator("#aic-chat [data-testid='bot']").last.inner_text()
    page.locator("#aic-sources a.aic-doclink").first.click()
    page.wait_for_selector("#aic-viewer .aic-viewer-title")
    _shot(page, "ui-6-refusal")

    # disputes: the banner, filter, a row's link, an empty result, a timeline row
    assert re.search(r"6 documents, 1 dispute, current to 2026-09-30\. Answers are not legal advice",
                     page.locator("#aic-banner").inner_text())
    page.get_by_role("tab", name="Disputes").click()
    page.locator("#aic-disputes a.aic-doclink", has_text="Zeta Records Ltd v. Quux AI").click()
    page.wait_for_selector("#aic-dviewer .aic-viewer-title:has-text('Zeta Records')")
    assert page.locator("#aic-dviewer h3", has_text="Zeta Records Ltd").count() == 1  # Markdown is rendered
    page.locator("#aic-dviewer a.aic-xref", has_text="[bartz-mini]").click()  # a cross-reference opens its document
    page.wait_for_selector("#aic-dviewer .aic-viewer-title:has-text('Bartz v. Anthropic')")
    page.locator("#aic-d-text textarea, #aic-d-text input").first.fill("no such party")
    page.wait_for_selector("#aic-disputes :text('No disputes match these filters')")
    page.wait_for_selector("#aic-timeline :text('No dated disputes')")
    page.locator("#aic-d-text textarea, #aic-d-text input").first.fill("quux")
    page.wait_for_selector("#aic-timeline a.aic-tl-row")
    page.locator("#aic-timeline a.aic-tl-row").first.click()
    page.wait_for_selector("#aic-dviewer .aic-viewer-title:has-text('Zeta Records')")
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
