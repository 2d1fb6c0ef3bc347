"""The shipped corpus: front matter and sections every document must have (issue: starter corpus)."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from assistant.loaders import load_path

SOURCES = Path(__file__).parent.parent / "sources"
FILES = sorted(SOURCES.glob("*.md"))
TYPES = {"case", "statute", "regulation", "report", "bill", "policy", "dispute", "overview", "glossary", "timeline"}
JURISDICTIONS = {"US", "EU", "UK", "DE", "JP", "CN", "IN", "DK", "international"}
STATUSES = {"pending", "settled", "decided", "appeal", "closed", "enacted", "proposed", "in force"}
SECTIONS = ["Summary", "Parties and court", "Key dates", None, "Rulings and outcome", "Status", "Why it matters"]
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    return yaml.safe_load(fm), body


def test_at_least_fifty_documents_with_unique_ids():
    ids = [front(p)[0]["id"] for p in FILES]
    assert len(FILES) >= 50
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_front_matter_and_sections(path):
    fm, body = front(path)
    assert KEBAB.match(fm["id"]) and path.stem == fm["id"]
    assert fm["title"] and fm["type"] in TYPES and fm["jurisdiction"] in JURISDICTIONS
    assert isinstance(fm["current_as_of"], dt.date)
    for key in ("filed", "decided"):
        if key in fm:
            assert isinstance(fm[key], dt.date), f"{key} must be an ISO date"
    # `date` is a day, or a month/year where only that is known (written YYYY-MM or YYYY)
    assert isinstance(fm["date"], (dt.date, int)) or re.match(r"^\d{4}(-\d{2})?$", str(fm["date"]))
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
    doc = load_path(path, root=SOURCES)  # the real loader accepts it
    assert doc.source_id == fm["id"]


def test_cross_references_name_real_ids():
    ids = {front(p)[0]["id"] for p in FILES}
    overview = (SOURCES / "overview.md").read_text()
    refs = set(re.findall(r"\[([a-z0-9-]+)\]", overview))
    assert refs and refs <= ids, refs - ids
    timeline = (SOURCES / "timeline.md").read_text()
    lines = [ln for ln in timeline.splitlines() if ln.startswith("- ")]
    tids = {m for ln in lines for m in re.findall(r"\(([a-z0-9-]+)\)", ln) if m in ids}
    assert len(tids) >= 40
