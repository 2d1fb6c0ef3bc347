"""TODO(merge corpus): a stand-in for `assistant.disputes` (branch `corpus`) with the part of its shape the UI
uses: Dispute, from_records(records), filter_disputes(disputes, status, court, defendant, claim) and
coverage(records). A record is a register entry when its front matter has a `caption`. When that module lands on
main, ui/disputes.py imports it instead and this file is deleted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import InvalidInputError

CLAIMS = {"training": "training copies", "outputs": "outputs", "dmca-1202": "DMCA §1202", "trademark": "trademark",
          "likeness-voice": "likeness or voice", "contract": "contract"}


@dataclass(frozen=True)
class Dispute:
    """One suit or dispute in the register, as the index holds it."""

    source_id: str
    caption: str
    court: str = ""
    docket: str = ""
    filed: str = ""
    plaintiffs: tuple[str, ...] = ()
    defendants: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    product: str = ""
    status: str = ""
    last_event: str = ""
    last_event_date: str = ""
    as_of: str = ""
    jurisdiction: str = ""
    doc_type: str = ""
    title: str = ""

    @property
    def claim_labels(self) -> tuple[str, ...]:
        """The claims in words."""
        return tuple(CLAIMS.get(c, c) for c in self.claims)


@dataclass(frozen=True)
class Coverage:
    """What the index holds: documents, register entries, and the latest as-of date among them."""

    documents: int
    disputes: int
    current_to: str


def _fm(record: dict[str, Any]) -> dict[str, Any]:
    try:
        fm = json.loads(record.get("fm") or "{}")
    except (TypeError, ValueError):
        return {}
    return fm if isinstance(fm, dict) else {}


def _list(v: Any) -> tuple[str, ...]:
    if v in (None, ""):
        return ()
    return tuple(str(x).strip() for x in v if str(x).strip()) if isinstance(v, list) else (str(v).strip(),)


def from_records(records: Iterable[dict[str, Any]]) -> list[Dispute]:
    """Every register entry among the records, latest filing first (undated last), then by caption."""
    out = []
    for r in records:
        fm = _fm(r)
        if not str(fm.get("caption") or "").strip():
            continue
        text = {k: str(fm.get(k) or r.get(k) or "").strip() for k in
                ("court", "docket", "filed", "product", "status", "last_event", "last_event_date")}
        out.append(Dispute(source_id=str(r.get("source_id", "")), caption=str(fm["caption"]).strip(),
                           plaintiffs=_list(fm.get("plaintiffs")), defendants=_list(fm.get("defendants")),
                           claims=_list(fm.get("claims")), as_of=str(fm.get("as_of") or fm.get("current_as_of") or ""),
                           jurisdiction=str(r.get("jurisdiction") or fm.get("jurisdiction") or ""),
                           doc_type=str(r.get("doc_type", "")), title=str(r.get("title", "")), **text))
    out.sort(key=lambda d: d.caption.lower())
    out.sort(key=lambda d: d.filed or "", reverse=True)
    return out


def filter_disputes(disputes: Iterable[Dispute], status: str | None = None, court: str | None = None,
                    defendant: str | None = None, claim: str | None = None) -> list[Dispute]:
    """Entries with the given status (exactly, any case); InvalidInputError when no entry has it."""
    rows = list(disputes)
    if status and status.strip():
        want = status.strip().lower()
        if not any(d.status.lower() == want for d in rows):
            raise InvalidInputError(f"No dispute has status matching '{status}'")
        rows = [d for d in rows if d.status.lower() == want]
    if court or defendant or claim:
        raise NotImplementedError("the stand-in filters by status only")
    return rows


def coverage(records: Iterable[dict[str, Any]]) -> Coverage:
    """How many documents and register entries the records hold, and the latest as-of date among them."""
    recs = list(records)
    dates = [v for r in recs for v in (str(_fm(r).get("as_of") or ""), str(_fm(r).get("current_as_of") or ""))
             if re.match(r"^\d{4}-\d{2}-\d{2}$", v)]
    return Coverage(documents=len(recs), disputes=len(from_records(recs)), current_to=max(dates, default=""))
