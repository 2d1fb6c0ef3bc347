"""The linker (assistant/linking.py) on hand-built registry records: fast, no model, no index."""

from __future__ import annotations

from assistant.linking import Linker, names_from_record
from assistant.query import read_question
from assistant.types import DocumentRecord


class Stats:
    """Lexical statistics for a tiny index: every term is rare."""

    def idf(self, term: str) -> float:
        return 3.0

    def df(self, term: str) -> int:
        return 1

    def sources_with(self, terms) -> dict[str, int]:
        return {}


RECORDS = [DocumentRecord("mass-order", "Manufacturing Automation and Software Systems, Inc v. Kristopher Hughes"),
           DocumentRecord("other-order", "Hughes Aircraft Co. v. United States"),
           DocumentRecord("nyt", "The New York Times Co. v. Microsoft Corp.")]


def _top(question: str) -> tuple[str, float]:
    linker = Linker([names_from_record(r) for r in RECORDS], Stats())
    links = linker.link(read_question(question).mentions)
    return (links[0].source_id, links[0].score) if links else ("", 0.0)


def test_a_caption_written_with_a_partys_initials_names_that_case():
    # 'MASS' is the initials of 'Manufacturing Automation and Software Systems', with the 'and' skipped
    assert _top("Which judge issued the MASS v. Hughes ruling?") == ("mass-order", 0.95)
    assert _top("What did the NYT v. Microsoft court decide?")[0] == "nyt"
    # initials that are no party's leave only the other name, which two captions share
    assert _top("What did the XYZ v. Hughes court decide?")[1] < 0.95
