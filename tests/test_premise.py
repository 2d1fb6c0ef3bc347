"""False-premise checks (assistant/premise.py) on hand-written texts: fast, no model, no index."""

from __future__ import annotations

from assistant.premise import check
from assistant.query import read_question

GETTY = ("Getty Images sued Stability AI in the High Court of England and Wales. On 4 November 2025 the court "
         "dismissed the secondary infringement claim. Getty was refused permission to appeal in part.")
DMA = ("Article 30. In its non-compliance decision, the Commission may impose on a gatekeeper fines not exceeding "
       "10 % of its total worldwide turnover in the preceding financial year.")


def _missing(question: str, texts: dict[str, str], resolved: set[str] = frozenset()) -> list[str]:
    q = read_question(question)
    q.resolved = set(resolved)
    return check(q, texts).missing


def test_a_year_or_court_the_documents_never_name_is_missing():
    assert _missing("What did the Ninth Circuit hold in 2028 in Getty v. Stability?", {"g": GETTY}) == [
        "2028", "the Ninth Circuit"]


def test_a_court_named_by_its_country_adjective_is_found_under_the_country():
    assert _missing("Why did the claim fail in the English High Court?", {"g": GETTY}) == []
    assert _missing("Why did the claim fail in the German High Court?", {"g": GETTY}) == ["the German High Court"]


def test_a_possibility_or_a_yes_no_question_takes_nothing_for_granted():
    assert _missing("What output did the judge say a jury could find infringing?", {"g": GETTY}) == []
    assert _missing("Has there been a settlement between Getty and Stability?", {"g": GETTY}) == []
    assert _missing("When did Getty and Stability settle?", {"g": GETTY}) == ["a settlement"]


def test_the_party_an_event_happened_to_must_be_in_the_documents_even_when_it_names_another():
    assert _missing("How much did the Commission fine Apple under Article 30?", {"dma": DMA},
                    resolved={"Apple", "Commission"}) == ["Apple"]
    # an acronym the linker resolved ('DMA' for the Digital Markets Act) need not be spelt out in the text
    assert _missing("How much can the Commission fine a gatekeeper under the DMA?", {"dma": DMA},
                    resolved={"DMA", "Commission"}) == []


def test_a_premise_any_of_the_documents_records_is_supported():
    other = "In a separate case the Ninth Circuit affirmed a fair use ruling in 2024."
    assert _missing("What did the Ninth Circuit hold in 2024?", {"g": GETTY, "o": other}) == []
    assert _missing("What did the Ninth Circuit hold in 2024?", {}) == []  # nothing to judge against: no flag
