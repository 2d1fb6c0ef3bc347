"""Rendering answers, sources, documents, copy text and exports: pure functions of answer records."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.types import Answer, Citation, DocumentRecord
from assistant.ui import render
from assistant.ui.conversations import turn_record
from assistant.ui.phrases import QUOTE_GONE, REFUSAL_HEAD


def _citation(n=1, **kw) -> Citation:
    base = dict(n=n, source_id="bartz-mini", title="Bartz v. Anthropic (test copy)", date="2025-09-25",
                url="https://example.org/bartz", path="/srv/index/uploads/x.md", section="Summary",
                quote="Anthropic agreed to pay at least $1.5 billion.", score=0.8, type="case", jurisdiction="US",
                start=10, end=56)
    base.update(kw)
    return Citation(**base)


def _turn(text="Anthropic agreed to pay at least $1.5 billion [1]. It *settled* [2].", citations=None, **kw):
    ans = Answer(question="How much?", text=text,
                 citations=citations if citations is not None else [_citation(1), _citation(2, title="Other <b>")],
                 **kw)
    return {**turn_record(ans, {"type": ["case"]}), "id": "A" * 22}


def test_answer_markers_become_links_and_text_is_escaped():
    out = render.render_answer(3, _turn())
    assert "href='#cite-3-1'" in out and "href='#cite-3-2'" in out
    assert "&#91;1&#93;" in out
    assert r"\*settled\*" in out and r"\$1\.5" in out  # document wording never becomes Markdown
    assert "Other &lt;b&gt;" in out and "<b>" not in out
    assert "Sources:" in out
    assert "href='#copy-3'" in out and f"href='?a={'A' * 22}'" in out  # copy and link actions


def test_marker_without_citation_stays_plain_text():
    out = render.render_answer(0, _turn(text="Claim [1] and stray [7].", citations=[_citation(1)]))
    assert "#cite-0-1" in out and "#cite-0-7" not in out and r"\[7\]" in out


def test_refusal_offers_closest_documents_as_links():
    ans = Answer(question="q", text="The sources don't cover this question. The closest ...", refused=True,
                 closest=[{"source_id": "web/x y", "title": "X & Y", "score": 0.2}])
    turn = turn_record(ans)
    chat = render.render_answer(0, turn)
    assert "The sources don" in chat and "href='#doc-web%2Fx%20y'" in chat and "X &amp; Y" in chat
    panel = render.render_sources({"turns": [turn]}, 0)
    assert render.esc(REFUSAL_HEAD) in panel and "#doc-web%2Fx%20y" in panel and "aic-card" not in panel


def test_sources_panel_shows_every_field_and_selects_a_card():
    conv = {"turns": [_turn(), _turn()]}
    html = render.render_sources(conv, 0, 2)
    assert "answer 1 of 2" in html and "Filters: type case" in html
    for text in ("Bartz v. Anthropic (test copy)", "case", "2025-09-25", "US", "Summary", "bartz-mini",
                 "Anthropic agreed to pay at least &#36;1.5 billion.", "href='https://example.org/bartz'"):
        assert text in html
    assert re.search(r"class='aic-card aic-selected' id='aic-card-0-2'", html)
    assert render.render_sources(conv) == render.render_sources(conv, 1)  # default: latest answer


def test_only_http_links_are_rendered():
    conv = {"turns": [_turn(citations=[_citation(1, url="javascript:alert(1)")], text="x [1]")]}
    assert "javascript:" not in render.render_sources(conv)
    assert "javascript:" not in render.plain_text(conv["turns"][0]) + render.export_markdown(conv)
    assert "javascript:" not in render.export_html(conv)


def test_answer_records_carry_no_server_path():
    turn = _turn()
    assert "/srv/index" not in repr(turn) and all("path" not in c for c in turn["citations"])


def test_unknown_answer_fields_are_shown_as_notes():
    @dataclass
    class NewerAnswer(Answer):
        caveat: str = ""
        confidence: float = 0.0
        internal: object = None

    ans = NewerAnswer(question="q", text="Paid [1].", citations=[_citation(1)], caveat="The ruling is on appeal.",
                      confidence=0.5, internal=object(), premise="unsupported", premise_missing=["2028"])
    turn = turn_record(ans)
    assert turn["extra"] == {"caveat": "The ruling is on appeal.", "confidence": 0.5}
    assert turn["premise"] == "unsupported" and turn["premise_missing"] == ["2028"]  # kept, said by the text
    assert "Caveat: The ruling is on appeal\\." in render.render_answer(0, turn)
    assert "Caveat:</b> The ruling is on appeal." in render.render_sources({"turns": [turn]})
    assert "Caveat: The ruling is on appeal." in render.plain_text(turn)
    assert "Premise" not in render.render_answer(0, turn_record(Answer(question="q", text="Paid.")))


def test_plain_text_copy_has_markers_then_numbered_sources():
    text = render.plain_text(_turn(citations=[_citation(1), _citation(2, url="", section="")]))
    assert text.startswith("Anthropic agreed to pay at least $1.5 billion [1]. It *settled* [2].\n\nSources:\n")
    assert "[1] Bartz v. Anthropic (test copy) — Summary — 2025-09-25\n" in text
    assert '    "Anthropic agreed to pay at least $1.5 billion."\n    https://example.org/bartz' in text
    assert "[2] Bartz v. Anthropic (test copy) — 2025-09-25" in text and "(document bartz-mini; no public" in text
    assert "<" not in text and "\\$" not in text and "&#" not in text  # no HTML, no Markdown escapes


def test_exports_carry_every_answer_and_its_citations():
    conv = {"turns": [_turn(), _turn(text="Second <script>answer</script> [1].", citations=[_citation(1)])]}
    md = render.export_markdown(conv)
    assert md.startswith("# How much?\n") and "## 1. How much?" in md and "## 2. How much?" in md
    assert "1. **Bartz v. Anthropic (test copy)**, Summary, 2025-09-25. Document `bartz-mini`. " \
           "<https://example.org/bartz>" in md
    assert "   > Anthropic agreed to pay at least $1.5 billion." in md
    assert "<script>" not in md and "&lt;script>" in md and "not legal advice" in md
    page = render.export_html(conv)
    assert page.startswith("<!doctype html>") and "<script>" not in page
    assert "<a href='#s1-1'>[1]</a>" in page and "id='s1-1'" in page and "id='s2-1'" in page
    hidden = render.render_exports(conv)
    assert hidden.count("data-copy=") == 2 and "data-export='md'" in hidden and "data-export='html'" in hidden
    assert "${" not in hidden and "<script>" not in hidden


def test_document_viewer_highlights_the_quote_and_escapes_everything():
    text = "<script>x</script> before. The ${quoted} passage. After {{x}}."
    q = "The ${quoted} passage."
    s = text.index(q)
    html = render.render_document(DocumentRecord.from_registry({"source_id": "d", "title": "T<i>", "text": text}), q, s, s + len(q))
    assert "<script>" not in html and "&lt;script&gt;" in html and "T&lt;i&gt;" in html
    assert "${" not in html and "{{" not in html
    mark = re.search(r"<mark class='aic-hl' id='aic-hl'>(.*?)</mark>", html).group(1)
    assert mark == "The &#36;&#123;quoted&#125; passage."


def test_locate_quote_falls_back_when_offsets_are_stale():
    text = "new intro. The quote. End."
    assert render.locate_quote(text, "The quote.", 0, 10) == (11, 21)
    assert render.locate_quote(text, "gone", 0, 4) is None
    html = render.render_document(DocumentRecord.from_registry({"source_id": "d", "title": "t", "text": text}), "gone", 0, 4)
    assert render.esc(QUOTE_GONE) in html and "<mark" not in html


MD = """# Bartz v. Anthropic

## Summary

The court ruled on **fair use** and *piracy* in 2025. See [kadrey-v-meta] and [unknown-doc].

- first item with `code`
- second item, [a link](https://example.org/x) and [bad](javascript:alert(1))

> a quoted <b>line</b>

---
Last paragraph.
"""


def test_markdown_documents_are_rendered_safely_with_cross_references():
    rec = DocumentRecord.from_registry({"source_id": "bartz", "title": "Bartz", "text": MD, "path": "sources/bartz.md"})
    html = render.render_document(rec, known_ids={"bartz", "kadrey-v-meta"}, target="ddoc")
    for fragment in ("<h3>Bartz v. Anthropic</h3>", "<h4>Summary</h4>", "<strong>fair use</strong>",
                     "<em>piracy</em>", "<ul><li>first item with <code>code</code></li>",
                     "<a href='https://example.org/x' target='_blank' rel='noopener noreferrer'>a link</a>",
                     "<blockquote>a quoted &lt;b&gt;line&lt;/b&gt;</blockquote>", "<hr>", "<p>Last paragraph.</p>",
                     "<a class='aic-xref' href='#ddoc-kadrey-v-meta'>[kadrey-v-meta]</a>"):
        assert fragment in html, fragment
    assert "[unknown-doc]" in html and "href='#ddoc-unknown-doc'" not in html  # only documents in the index
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert "##" not in html and "<b>" not in html


def test_quote_is_marked_inside_rendered_markdown():
    quote = "The court ruled on **fair use** and *piracy* in 2025."
    s = MD.index(quote)
    html = render.render_document(DocumentRecord.from_registry({"source_id": "b", "title": "B", "text": MD, "path": "b.md"}), quote, s,
                                  s + len(quote))
    marks = re.findall(r"<mark class='aic-hl'[^>]*>(.*?)</mark>", html)
    assert "".join(marks) == "The court ruled on fair use and piracy in 2025."
    assert html.count("id='aic-hl'") == 1  # the page scrolls to the first piece
    assert "<strong><mark class='aic-hl'>fair use</mark></strong>" in html  # marks never straddle tags


def test_plain_text_documents_are_not_treated_as_markdown():
    rec = DocumentRecord.from_registry({"source_id": "p", "title": "P", "text": "# not a heading\n* not a list",
                                        "path": "/x/scan.pdf", "fm": "{}"})
    html = render.render_document(rec)
    assert "aic-plain" in html and "<h3>" not in html and "# not a heading" in html
