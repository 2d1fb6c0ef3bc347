"""The Disputes tab's table, timeline, filters and sort, and the coverage banner."""

from __future__ import annotations

import json
import re

from assistant.ui import disputes
from conftest import CORPUS


def _records():
    fm = json.dumps({"parties": ["Andrea Bartz", "Anthropic PBC"]})
    return [
        {"source_id": "bartz", "title": "Bartz v. Anthropic", "doc_type": "case", "jurisdiction": "US",
         "court": "N.D. Cal.", "docket": "3:24-cv-05417", "filed": "2024-08-19", "decided": "2025-06-23",
         "date": "2025-09-25", "status": "settled", "current_as_of": "2026-06-15", "fm": fm},
        {"source_id": "seedance", "title": "ByteDance Seedance <2.0>", "doc_type": "dispute", "jurisdiction": "US",
         "date": "2026-03", "status": "pending", "fm": "{}"},
        {"source_id": "gema", "title": "GEMA v. OpenAI", "doc_type": "case", "jurisdiction": "DE",
         "filed": "2024-11-13", "status": "decided", "fm": "not json"},
        {"source_id": "kadrey", "title": "Kadrey v. Meta", "doc_type": "case", "jurisdiction": "US",
         "decided": "2025-06-25", "date": "2026-01-10", "status": "pending"},
        {"source_id": "nodate", "title": "A dispute with no dates", "doc_type": "dispute", "jurisdiction": "UK"},
        {"source_id": "act", "title": "A statute", "doc_type": "statute", "jurisdiction": "EU", "date": "2024"},
    ]


def test_rows_filters_and_sort():
    entries = disputes.from_records(_records())
    assert [d.source_id for d in entries] == ["seedance", "kadrey", "bartz", "gema", "nodate"]  # latest first
    assert entries[2].parties == ["Andrea Bartz", "Anthropic PBC"] and entries[2].docket == "3:24-cv-05417"
    assert [d.source_id for d in disputes.shown(entries, "anthropic")] == ["bartz"]
    assert [d.source_id for d in disputes.shown(entries, "", "DE")] == ["gema"]
    assert [d.source_id for d in disputes.shown(entries, "", disputes.ALL, "pending")] == ["seedance", "kadrey"]
    assert [d.source_id for d in disputes.shown(entries, sort="Filed (newest first)")][:2] == ["gema", "bartz"]
    assert [d.source_id for d in disputes.shown(entries, sort="Title (A to Z)")][0] == "nodate"
    assert disputes.choices(entries) == (["All", "DE", "UK", "US"], ["All", "decided", "pending", "settled"])


def test_table_is_escaped_links_each_title_and_labels_each_cell():
    entries = disputes.from_records(_records())
    html = disputes.render_table(entries, len(entries))
    assert html.count("<tr data-id=") == 5 and "<caption>5 disputes</caption>" in html
    assert "href='#ddoc-bartz'" in html and "ByteDance Seedance &lt;2.0&gt;" in html
    assert "<td data-label='Court'>N.D. Cal.</td>" in html  # the label each cell shows as a card on a phone
    assert "<th scope='col'>Parties</th>" in html and "Andrea Bartz; Anthropic PBC" in html
    assert "<caption>1 of 5 disputes</caption>" in disputes.render_table(entries[:1], 5)


def test_an_empty_result_says_so():
    assert "No disputes match these filters" in disputes.render_table([], 5)
    assert "No cases or disputes are in the index" in disputes.render_table([], 0)
    assert "No dated disputes" in disputes.render_timeline([])


def test_timeline_rows_are_text_and_lines_need_a_filing_date():
    html = disputes.render_timeline(disputes.from_records(_records()))
    rows = re.findall(r"<li>(.*?)</li>", html)
    assert len(rows) == 5
    bartz = next(r for r in rows if "#ddoc-bartz" in r)
    assert "aic-tl-span" in bartz and "filed 2024-08-19 · decided 2025-06-23 · latest development 2025-09-25" in bartz
    kadrey = next(r for r in rows if "#ddoc-kadrey" in r)  # decided and dated, but no filing date: no line
    assert "aic-tl-span" not in kadrey and "filing date not recorded" in kadrey and kadrey.count("aic-tl-dot") == 2
    assert "no date recorded" in rows[-1] and "A dispute with no dates" in rows[-1]  # undated ones last
    assert "<span class='aic-tl-label'>ByteDance Seedance &lt;2.0&gt;</span>" in html  # the whole title, as text
    assert ">2024<" in html and ">2026<" in html


def test_banner_counts_documents_and_disputes():
    html = disputes.render_banner(_records())
    assert "6 documents, 5 disputes, current to 2026-06-15." in html and "not legal advice" in html
    assert "index is empty" in disputes.render_banner([])


def test_disputes_come_from_front_matter(fake_assistant):
    fake_assistant.ingest([str(CORPUS)])
    entries = disputes.from_records(fake_assistant.sources())
    assert [d.source_id for d in entries] == ["bartz-mini"]
    assert entries[0].court == "N.D. Cal." and entries[0].status == "settled" and "Andrea Bartz" in entries[0].parties
