"""The register of disputes read from registry records (the shape Assistant.sources() returns)."""

import json

import pytest

from assistant import disputes as reg
from assistant.errors import InvalidInputError
from assistant.types import DocumentRecord


def _rec(sid, doc_type="case", **fm):
    fm = {"id": sid, "type": doc_type, **fm}
    return DocumentRecord.from_registry({
        "source_id": sid, "title": fm.get("title", sid), "doc_type": doc_type,
        "jurisdiction": fm.get("jurisdiction", "US"), "status": fm.get("status", ""),
        "court": fm.get("court", ""), "docket": fm.get("docket", ""), "filed": fm.get("filed", ""),
        "current_as_of": fm.get("current_as_of", ""), "fm": json.dumps(fm)})


def _records():
    return [
        _rec("bartz", caption="Bartz v. Anthropic PBC", court="N.D. Cal.", docket="3:24-cv-05417",
             filed="2024-08-19", plaintiffs=["Andrea Bartz"], defendants=["Anthropic PBC"], claims=["training"],
             product="Claude", status="settled", last_event="Final approval", last_event_date="2026-07-20",
             as_of="2026-10-05", current_as_of="2026-10-05", sources=["https://www.courtlistener.com/docket/1/x/"],
             register="document"),
        _rec("register/round-hill", caption="Round Hill Music LP v. Suno, Inc.", court="N.D. Cal.",
             docket="5:26-cv-08507", filed="2026-08-17", plaintiffs=["Round Hill Music"],
             defendants=["Suno, Inc.", "Bright Data Ltd."], claims=["training", "DMCA §1202"], product="Suno",
             status="pending", last_event="Complaint filed", last_event_date="2026-08-17", as_of="2026-09-18",
             sources=["https://www.courtlistener.com/docket/2/y/"], unconfirmed=["docket"]),
        _rec("register/gema-suno", caption="GEMA v. Suno, Inc.", court="Landgericht München I", docket="42 O 763/25",
             filed="2025-01-21", plaintiffs=["GEMA"], defendants=["Suno, Inc."], claims=["training", "outputs"],
             product="Suno", status="decided", last_event="Judgment", last_event_date="2026-07-31",
             as_of="2026-10-05", sources=["https://example.org/a"], jurisdiction="DE"),
        _rec("register/isbell", caption="Isbell v. Suno", court="D. Mass.", plaintiffs=["Jason Isbell"],
             defendants=["Suno, Inc."], claims=["likeness or voice"], status="pending", as_of="2026-09-18",
             sources=["https://example.org/b"]),
        _rec("glossary", doc_type="glossary", current_as_of="2026-10-05"),  # not a register entry
    ]


def test_from_records_keeps_only_register_entries_latest_filing_first():
    ds = reg.from_records(_records())
    assert [d.source_id for d in ds] == ["register/round-hill", "register/gema-suno", "bartz", "register/isbell"]
    rh = ds[0]
    assert rh.claims == ("training", "dmca-1202") and rh.claim_labels == ("training copies", "DMCA §1202")
    assert rh.unconfirmed == ("docket",) and rh.confirmed is False
    assert ds[2].full_document and not rh.full_document
    assert ds[3].claims == ("likeness-voice",)


def test_missing_fields_and_json_shape():
    ds = {d.source_id: d for d in reg.from_records(_records())}
    assert ds["bartz"].missing() == []
    assert set(ds["register/isbell"].missing()) == {"docket", "filed", "product", "last_event", "last_event_date"}
    out = ds["bartz"].to_json()
    assert {"caption", "court", "docket", "filed", "status", "as_of", "defendants", "plaintiffs", "claims",
            "source_ids"} <= set(out)
    assert out["source_ids"] == ["bartz"] and isinstance(out["defendants"], list)
    json.dumps(out)


def test_filters_are_forgiving():
    ds = reg.from_records(_records())
    ids = lambda rows: [d.source_id for d in rows]  # noqa: E731
    assert ids(reg.filter_disputes(ds, court="n.d. cal")) == ["register/round-hill", "bartz"]
    assert ids(reg.filter_disputes(ds, court="münchen")) == ["register/gema-suno"]
    assert ids(reg.filter_disputes(ds, defendant="suno")) == ["register/round-hill", "register/gema-suno",
                                                              "register/isbell"]
    assert ids(reg.filter_disputes(ds, defendant="bright data", status="PENDING")) == ["register/round-hill"]
    assert ids(reg.filter_disputes(ds, claim="1202")) == ["register/round-hill"]
    assert ids(reg.filter_disputes(ds, claim="voice")) == ["register/isbell"]
    assert ids(reg.filter_disputes(ds, claim="Training copies", status="settled")) == ["bartz"]
    # known values that exclude each other give an empty list, not an error
    assert reg.filter_disputes(ds, court="München", status="settled") == []


@pytest.mark.parametrize("kw, says", [
    ({"status": "dismissed"}, "decided, pending, settled"),
    ({"court": "Ninth Circuit"}, "D. Mass., Landgericht München I, N.D. Cal."),
    ({"defendant": "Nvidia"}, "Anthropic PBC"),
    ({"claim": "patent"}, "dmca-1202 (DMCA §1202)"),
])
def test_unknown_filter_value_names_the_values_that_exist(kw, says):
    with pytest.raises(InvalidInputError) as e:
        reg.filter_disputes(reg.from_records(_records()), **kw)
    assert says in str(e.value)


def test_claim_code_vocabulary():
    assert reg.claim_code("DMCA § 1202") == "dmca-1202"
    assert reg.claim_code("training copies") == "training"
    assert reg.claim_code("Likeness") == "likeness-voice"
    assert reg.claim_code("output") == "outputs"
    assert reg.claim_code("trade") == "trademark"
    assert reg.claim_code("c") is None  # ambiguous
    assert reg.claim_code("patent") is None


def test_coverage_counts_documents_and_entries_and_latest_as_of():
    cov = reg.coverage(_records())
    assert cov == reg.Coverage(documents=5, disputes=4, current_to="2026-10-05")
    assert reg.coverage([]) == reg.Coverage(documents=0, disputes=0, current_to="")


def test_bad_front_matter_json_is_not_an_entry():
    recs = [DocumentRecord.from_registry(r) for r in ({"source_id": "x", "fm": "{not json"}, {"source_id": "y"},
                                                      {"source_id": "z", "fm": "[1, 2]"})]
    assert [r.front_matter for r in recs] == [{}, {}, {}] and reg.from_records(recs) == []
