"""The shipped corpus: front matter and sections every document must have, the register of disputes, currency and
sources (issues: starter corpus; 14, corpus current to October 2026)."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
import yaml

from assistant.chunking import chunk_document
from assistant.disputes import CLAIMS, is_primary_source
from assistant.loaders import load_path

SOURCES = Path(__file__).parent.parent / "sources"
# The fact sheets sit beside the checkout (../shared/research, or ../../shared/research from a worktree under wt/);
# CORPUS_RESEARCH_DIR points elsewhere.
_CHECKOUT = Path(__file__).resolve().parent.parent
RESEARCH = Path(os.environ.get("CORPUS_RESEARCH_DIR") or next(
    (d for d in (_CHECKOUT.parent / "shared" / "research", _CHECKOUT.parent.parent / "shared" / "research") if d.is_dir()),
    _CHECKOUT.parent / "shared" / "research"))
FILES = sorted(SOURCES.glob("*.md"))
REGISTER = sorted((SOURCES / "register").glob("*.md"))
ALL = FILES + REGISTER
TYPES = {"case", "statute", "regulation", "report", "bill", "policy", "dispute", "overview", "glossary", "timeline",
         "roundup"}
JURISDICTIONS = {"US", "EU", "UK", "DE", "JP", "CN", "IN", "DK", "CA", "KR", "BR", "FR", "IT", "NL", "international"}
STATUSES = {"pending", "settled", "decided", "appeal", "closed", "enacted", "proposed", "in force"}
SECTIONS = ["Summary", "Parties and court", "Key dates", None, "Rulings and outcome", "Status", "Why it matters"]
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")  # a month or year where only that is known
CURRENT_TO = dt.date(2026, 10, 5)  # the corpus is current to October 2026: the newest material is of this date
# Placeholder dockets seen in the tracker's test data: never to be presented as real.
PLACEHOLDER = re.compile(r"X{3,}|99999|-cv-0{5}")
PLACEHOLDER_LINKS = re.compile(r"courtlistener\.com/docket/7099900[1-3]\b")
REGISTER_FIELDS = ("caption", "court", "plaintiffs", "defendants", "claims", "product", "status", "last_event", "as_of",
                   "sources")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    return yaml.safe_load(fm), body


def _is_date_or_partial(v) -> bool:
    return isinstance(v, dt.date) or bool(PARTIAL_DATE.match(str(v)))


def _start(v) -> dt.date:
    """The first day a date or partial date (YYYY, YYYY-MM) can mean."""
    if isinstance(v, dt.date):
        return v
    s = str(v)
    return dt.date.fromisoformat((s + "-01-01")[:10] if len(s) < 10 else s)


def _said(d: dt.date) -> str:
    """A date as the text may state it: 2026-10-05 or 5 October 2026."""
    return rf"(?:{d.isoformat()}|{d.day} {MONTHS[d.month - 1]} {d.year})"


ENTRIES = [p for p in ALL if front(p)[0].get("caption")]


def test_at_least_fifty_documents_with_unique_ids():
    ids = [front(p)[0]["id"] for p in ALL]
    assert len(FILES) >= 50
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_front_matter_and_sections(path):
    fm, body = front(path)
    assert KEBAB.match(fm["id"]) and path.stem == fm["id"]
    assert fm["title"] and fm["type"] in TYPES and fm["jurisdiction"] in JURISDICTIONS
    assert isinstance(fm["current_as_of"], dt.date)
    assert isinstance(fm.get("decided", dt.date.min), dt.date), "decided must be an ISO date"
    if "filed" in fm:
        assert _is_date_or_partial(fm["filed"]), "filed is YYYY-MM-DD, or YYYY-MM / YYYY when only that is known"
    # `date` is a day, or a month/year where only that is known (written YYYY-MM or YYYY)
    assert isinstance(fm["date"], (dt.date, int)) or PARTIAL_DATE.match(str(fm["date"]))
    if "status" in fm:
        assert fm["status"] in STATUSES
    assert isinstance(fm["sources"], list) and fm["sources"]
    assert all(str(u).startswith(("http://", "https://")) for u in fm["sources"])
    for key in ("parties", "issues"):
        if key in fm:
            assert isinstance(fm[key], list)
    assert re.search(rf"[Cc]urrent (?:to|as of) {fm['current_as_of'].isoformat()}", body), "states its currency date"
    if fm["type"] not in ("overview", "glossary", "timeline"):
        heads = re.findall(r"^## (.+?)\s*$", body, re.M)
        assert len(heads) == 7, heads
        for want, got in zip(SECTIONS, heads):
            assert want is None and got in ("What was alleged", "What the text says") or want == got
        status = body[body.index("## Status"):body.index("## Why it matters")]
        assert re.search(rf"\b[Aa]s of {_said(fm['current_as_of'])}", status), "the status carries its as-of date"
    doc = load_path(path, root=SOURCES)  # the real loader accepts it
    assert doc.source_id == fm["id"]


def test_every_document_is_brought_up_to_date_and_the_corpus_says_so():
    stale = [p.stem for p in ALL if (front(p)[0].get("current_as_of") or front(p)[0]["as_of"]) < dt.date(2026, 9, 1)
             and front(p)[0].get("register") != "record"]
    assert not stale, stale
    dates = [front(p)[0].get("current_as_of") or front(p)[0].get("as_of") for p in ALL]
    assert max(dates) == CURRENT_TO
    overview = (SOURCES / "overview.md").read_text(encoding="utf-8")
    assert re.search(r"current to October 2026", overview)
    readme = (SOURCES.parent / "README.md").read_text(encoding="utf-8")
    assert re.search(r"current to October 2026", readme, re.I)


def test_cross_references_name_real_ids():
    ids = {front(p)[0]["id"] for p in ALL}
    overview = (SOURCES / "overview.md").read_text()
    refs = set(re.findall(r"\[([a-z][a-z0-9-]+)\]", overview))
    assert refs and refs <= ids, refs - ids
    timeline = (SOURCES / "timeline.md").read_text()
    lines = [ln for ln in timeline.splitlines() if ln.startswith("- ")]
    named = {m for ln in lines for m in re.findall(r"\(([a-z0-9-]+)\)", ln)}
    tids = named & ids
    assert len(tids) >= 40
    assert not {n for n in named if "-v-" in n} - ids, "timeline names a dispute id that does not exist"
    for p in ALL:
        fm, body = front(p)
        for ref in [fm.get("part_of"), *(fm.get("related") or [])]:
            assert not ref or ref in ids, (p.stem, ref)
        bracketed = set(re.findall(r"\[([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\]", body))
        assert bracketed <= ids, (p.stem, bracketed - ids)


# -- the register of disputes ----------------------------------------------------------------------------------
def test_register_has_at_least_150_entries_with_unique_captions():
    assert len(ENTRIES) >= 150
    captions = [front(p)[0]["caption"] for p in ENTRIES]
    assert len(captions) == len(set(captions))
    kinds = {front(p)[0].get("register") for p in ENTRIES}
    assert kinds == {"document", "record"}


@pytest.mark.parametrize("path", ENTRIES, ids=[p.stem for p in ENTRIES])
def test_register_entry_fields(path):
    fm, body = front(path)
    for key in REGISTER_FIELDS:
        assert key in fm and fm[key] not in (None, ""), f"register entry lacks {key}"
    assert isinstance(fm["plaintiffs"], list) and isinstance(fm["defendants"], list)
    assert isinstance(fm["claims"], list) and set(fm["claims"]) <= set(CLAIMS), fm["claims"]
    if not fm["claims"]:
        assert fm.get("claims_note"), "an entry whose claims fall outside the vocabulary says what they are"
    assert fm["status"] in STATUSES
    assert isinstance(fm["as_of"], dt.date) and fm["as_of"] <= CURRENT_TO
    for key in ("filed", "last_event_date"):
        if key in fm:
            assert _is_date_or_partial(fm[key]), f"{key} is a date, a month or a year"
            assert _start(fm[key]) <= fm["as_of"], f"{key} is after the as-of date"
    docket = str(fm.get("docket", ""))
    assert not PLACEHOLDER.search(docket), f"placeholder docket {docket!r}"
    assert all(str(u).startswith(("http://", "https://")) for u in fm["sources"])
    assert not any(PLACEHOLDER_LINKS.search(str(u)) for u in fm["sources"]), "tracker test-data link"
    if fm.get("confirmed") is False or fm.get("unconfirmed"):
        assert re.search(r"[Uu]nconfirmed|single source|one tracker|rests on", body), "says what is unconfirmed"
    assert isinstance(fm.get("unconfirmed", []), list)
    doc = load_path(path, root=SOURCES)
    assert doc.source_id == fm["id"] and path.stem == fm["id"] and KEBAB.match(fm["id"])


@pytest.mark.parametrize("path", REGISTER, ids=[p.stem for p in REGISTER])
def test_register_records_are_short_and_state_their_as_of_date(path):
    fm, body = front(path)
    assert fm["register"] == "record" and fm["type"] in ("case", "dispute")
    assert fm["jurisdiction"] in JURISDICTIONS
    assert body.lstrip().startswith("# "), "a record starts with its caption as the title"
    assert re.search(rf"\b[Aa]s of {_said(fm['as_of'])}", body)
    doc = load_path(path, root=SOURCES)
    assert len(chunk_document(doc)) == 1, "a register record is one passage (CI ingest time)"


def test_a_placeholder_docket_fails_the_register_check(tmp_path):
    """The register checks can fail: a record with the tracker's test-data docket is caught."""
    src = REGISTER[0].read_text(encoding="utf-8")
    bad = re.sub(r'^docket: .*$', 'docket: "1:26-cv-99999"', src, count=1, flags=re.M)
    if "docket:" not in src:
        bad = src.replace("\ncourt:", '\ndocket: "1:26-cv-99999"\ncourt:', 1)
    p = tmp_path / REGISTER[0].name
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(AssertionError, match="placeholder docket"):
        test_register_entry_fields(p)


# -- sources a lawyer can check ----------------------------------------------------------------------------------
# Docket and official links the fact sheets give, per document (facts.md and facts-2026H2.md entry in the comment).
OFFICIAL_LINKS = {
    "disney-universal-v-midjourney": "courtlistener.com/docket/70513159",  # A2/A3
    "in-re-openai-copyright-mdl": "courtlistener.com/docket/69879510",  # B1-B3
    "concord-v-anthropic-ii": "courtlistener.com/docket/72199828",  # B8
    "round-hill-v-anthropic": "courtlistener.com/docket/74658311",  # B8
    "reddit-v-anthropic": "courtlistener.com/docket/70704683",  # B10
    "in-re-google-generative-ai": "courtlistener.com/docket/67599029",  # B13
    "sullivan-v-openai": "courtlistener.com/docket/74652896",  # B1-B3
    "round-hill-v-suno": "courtlistener.com/docket/74658569",  # D4
    "amazon-v-perplexity": "law.justia.com/cases/federal/appellate-courts/ca9/26-1444",  # B9
    "thaler-v-perlmutter": "law.justia.com/cases/federal/appellate-courts/cadc/23-5233",  # F1
    "getty-v-stability-us": "docs.justia.com/cases/federal/district-courts/delaware/dedce/1:2023cv00135",  # C2
    "doe-v-github": "doe-vs-github-ninth-circuit.pdf",  # B12 (the opinion)
    "gema-v-suno": "justiz.bayern.de",  # D3 (court press release)
    "us-no-fakes-act": "congress.gov/bill/119th-congress/senate-bill/4591",  # I10
    "uk-cdpa-s29a-tdm": "gov.uk/government/publications/report-and-impact-assessment-on-copyright",  # I9
    "japan-ai-ip-measures-2026": "cas.go.jp",  # E10
    "eu-gpai-code-of-practice-copyright": "digital-strategy.ec.europa.eu",  # I5/I6
    "usco-report-part-1-digital-replicas": "blogs.loc.gov",  # H1
    "denmark-likeness-bill": "europarl.europa.eu",  # E11
}


@pytest.mark.parametrize("doc_id, link", sorted(OFFICIAL_LINKS.items()))
def test_case_documents_lead_with_the_docket_or_official_link_the_fact_sheets_give(doc_id, link):
    path = SOURCES / f"{doc_id}.md"
    path = path if path.exists() else SOURCES / "register" / f"{doc_id}.md"
    sources = [str(u) for u in front(path)[0]["sources"]]
    assert any(link in u for u in sources), f"{doc_id} lacks {link}"
    assert is_primary_source(sources[0]), f"{doc_id} leads with {sources[0]}"


@pytest.mark.skipif(not RESEARCH.is_dir(), reason="the fact sheets (../shared/research) are not beside this checkout")
def test_every_courtlistener_docket_in_the_fact_sheets_is_cited_by_a_document():
    text = "".join(p.read_text(encoding="utf-8") for p in RESEARCH.glob("facts*.md"))
    given = set(re.findall(r"courtlistener\.com/docket/(\d+)/", text))
    assert given
    cited = {m for p in ALL for u in front(p)[0]["sources"] for m in re.findall(r"courtlistener\.com/docket/(\d+)/", u)}
    assert given <= cited, given - cited


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_primary_sources_come_first_and_junk_domains_are_gone(path):
    sources = [str(u) for u in front(path)[0]["sources"]]
    assert not [u for u in sources if re.search(r"kucoin\.com|playverseo\.com|najib\.digital|recordofrecord\.com", u)]
    if any(is_primary_source(u) for u in sources):
        first_other = next((i for i, u in enumerate(sources) if not is_primary_source(u)), len(sources))
        assert all(not is_primary_source(u) for u in sources[first_other:]), "a primary source after a secondary one"
