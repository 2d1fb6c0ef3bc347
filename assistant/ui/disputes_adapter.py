"""TODO(merge corpus): a stand-in with the shape of `assistant.disputes` (branch `corpus`): Dispute,
from_records(records), filter_disputes(...) and coverage(records). When that module lands on main, ui/disputes.py
imports it instead and this file is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable

DISPUTE_TYPES = ("case", "dispute")


@dataclass
class Dispute:
    """A case or dispute document's register entry, from its registry record and front matter."""

    source_id: str
    title: str
    jurisdiction: str = ""
    court: str = ""
    docket: str = ""
    parties: list[str] = field(default_factory=list)
    filed: str = ""
    decided: str = ""
    date: str = ""
    status: str = ""
    current_as_of: str = ""
    doc_type: str = "case"


@dataclass
class Coverage:
    """What the index covers."""

    documents: int
    disputes: int
    current_to: str


def _front_matter(record: dict[str, Any]) -> dict[str, Any]:
    try:
        fm = json.loads(record.get("fm") or "{}")
    except ValueError:
        return {}
    return fm if isinstance(fm, dict) else {}


def from_records(records: Iterable[dict[str, Any]]) -> list[Dispute]:
    """One Dispute per case or dispute document, latest development first."""
    out = []
    for r in records:
        if r.get("doc_type") not in DISPUTE_TYPES:
            continue
        parties = _front_matter(r).get("parties")
        out.append(Dispute(
            source_id=str(r.get("source_id", "")), title=str(r.get("title", "")),
            jurisdiction=str(r.get("jurisdiction", "")), court=str(r.get("court", "")),
            docket=str(r.get("docket", "")),
            parties=[str(p) for p in parties] if isinstance(parties, list) else ([str(parties)] if parties else []),
            filed=str(r.get("filed", "")), decided=str(r.get("decided", "")), date=str(r.get("date", "")),
            status=str(r.get("status", "")), current_as_of=str(r.get("current_as_of", "")),
            doc_type=str(r.get("doc_type", "")),
        ))
    out.sort(key=lambda d: (d.date or d.decided or d.filed, d.title), reverse=True)
    return out


def filter_disputes(disputes: Iterable[Dispute], text: str = "", jurisdiction: str | None = None,
                    status: str | None = None) -> list[Dispute]:
    """Disputes whose title, parties, court, docket or id contain text, in the jurisdiction and status given."""
    needle = (text or "").strip().lower()
    out = []
    for d in disputes:
        if jurisdiction and d.jurisdiction != jurisdiction:
            continue
        if status and d.status != status:
            continue
        hay = " ".join([d.title, *d.parties, d.court, d.docket, d.source_id]).lower()
        if needle and needle not in hay:
            continue
        out.append(d)
    return out


def coverage(records: list[dict[str, Any]]) -> Coverage:
    """How many documents and disputes the index holds, and the latest date it is current to."""
    dates = [str(r.get("current_as_of") or r.get("date") or "") for r in records]
    return Coverage(documents=len(records), disputes=len(from_records(records)),
                    current_to=max((d for d in dates if d), default=""))
