"""The Disputes tab's table, timeline, filters and sort, and the coverage banner, from register entries."""

from __future__ import annotations

import json
import re

from assistant.ui import disputes
from assistant.types import DocumentRecord


def _rec(sid, doc_type="case", **fm):
    fm = {"id": sid, "type": doc_type, **fm}
    return DocumentRecord.from_registry({
        "source_id": sid, "title": fm.get("title", sid), "doc_type": doc_type, "jurisdiction": fm.get("jurisdiction", "US"), "fm": json.dumps(fm)})


def _records():
    return [
        _rec("bartz", caption="Bartz v. Anthropic PBC", court="N.D. Cal.", docket="3:24-cv-05417",
             filed="2024-08-19", plaintiffs=["Andrea Bartz"], defendants=["Anthropic PBC"], claims=["training"],
             product="Claude", status="settled", last_event="Final approval", last_event_date="2026-07-20",
             as_of="2026-10-05", current_as_of="2026-10-05"),
        _rec("register/seedance", doc_type="dispute", caption="Studios v. ByteDance <Seedance 2.0>",
             defendants=["ByteDance"], status="pending", last_event="Cease-and-desist letters",
             last_event_date="2026-03-01", as_of="2026-09-18"),
        _rec("register/gema", caption="GEMA v. OpenAI", court="LG München I", filed="2024-11-13", status="decided",
             defendants=["OpenAI"], as_of="2026-09-30", jurisdiction="DE"),
        _rec("register/nodate", caption="A dispute with no dates", status="pending", jurisdiction="UK"),
        _rec("statute", doc_type="statute", current_as_of="2026-10-06"),  # no caption: not a register entry
    ]


def test_rows_filters_and_sort():
    entries = disputes.from_records(_records())
    assert [d.source_id for d in entries][:2] == ["register/gema", "bartz"]  # latest filing first
    assert [d.source_id for d in disputes.shown(entries, "anthropic")] == ["bartz"]
    assert [d.source_id for d in disputes.shown(entries, "bytedance")] == ["register/seedance"]
    assert [d.source_id for d in disputes.shown(entries, "", "DE")] == ["register/gema"]
    assert [d.source_id for d in disputes.shown(entries, "", disputes.ALL, "pending")] == [
        "register/nodate", "register/seedance"]  # neither filed: by caption
    assert disputes.shown(entries, "", disputes.ALL, "no such status") == []
    by_event = [d.source_id for d in disputes.shown(entries, sort="Last event (newest first)")]
    assert by_event[:2] == ["bartz", "register/seedance"] and by_event[-1] in ("register/gema", "register/nodate")
    assert disputes.shown(entries, sort="Caption (A to Z)")[0].source_id == "register/nodate"
    assert disputes.choices(entries) == (["All", "DE", "UK", "US"], ["All", "decided", "pending", "settled"])


def test_table_is_escaped_links_each_caption_and_labels_each_cell():
    entries = disputes.from_records(_records())
    html = disputes.render_table(entries, len(entries))
    assert html.count("<tr data-id=") == 4 and "<caption>4 disputes</caption>" in html
    assert "href='#ddoc-bartz'" in html and "Studios v. ByteDance &lt;Seedance 2.0&gt;" in html
    assert "<td data-label='Court'>N.D. Cal.</td>" in html  # the label each cell shows as a card on a phone
    assert "<td data-label='Claims'>training copies</td>" in html
    assert "<td data-label='Last event'>2026-07-20: Final approval</td>" in html
    assert "<caption>1 of 4 disputes</caption>" in disputes.render_table(entries[:1], 4)
    assert "<caption>1 dispute</caption>" in disputes.render_table(entries[:1], 1)


def test_an_empty_result_says_so():
    assert "No disputes match these filters" in disputes.render_table([], 5)
    assert "No cases or disputes are in the index" in disputes.render_table([], 0)
    assert "No dated disputes" in disputes.render_timeline([])


def test_timeline_rows_are_text_and_lines_need_a_filing_date():
    html = disputes.render_timeline(disputes.from_records(_records()))
    rows = re.findall(r"<li>(.*?)</li>", html)
    assert len(rows) == 4
    bartz = next(r for r in rows if "#ddoc-bartz" in r)
    assert "aic-tl-span" in bartz and "filed 2024-08-19 · last event 2026-07-20" in bartz
    seedance = next(r for r in rows if "seedance" in r)  # a last event but no filing date: no line from nowhere
    assert "aic-tl-span" not in seedance and "filing date not recorded" in seedance
    assert "no date recorded" in rows[-1] and "A dispute with no dates" in rows[-1]  # undated ones last
    assert "<span class='aic-tl-label'>Studios v. ByteDance &lt;Seedance 2.0&gt;</span>" in html  # all of it, as text
    assert ">2024<" in html and ">2026<" in html


def test_banner_counts_documents_and_disputes():
    html = disputes.render_banner(_records())
    assert "5 documents, 4 disputes, current to 2026-10-06." in html and "not legal advice" in html
    assert "index is empty" in disputes.render_banner([])
