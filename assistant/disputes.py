"""The register of disputes: index records (front matter in `fm`) -> Dispute rows, filters and coverage.

Pure functions over the registry records that `Assistant.sources()` returns, so the CLI (`assistant disputes`)
and the web UI read the same data the same way. A record is a register entry when its front matter has a
`caption`; full case documents and the short records under sources/register/ carry the same fields:

    caption, court, docket, filed, plaintiffs, defendants, claims, product, status,
    last_event, last_event_date, as_of, sources  (+ optional confirmed, unconfirmed, part_of, related)

Stable API (the UI builds on it): CLAIMS, Dispute, Coverage, from_records, filter_disputes, known_values,
coverage, claim_code, is_primary_source.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from .errors import InvalidInputError
from .types import DocumentRecord

# The fixed claim vocabulary: code -> label shown to users.
CLAIMS: dict[str, str] = {
    "training": "training copies",
    "outputs": "outputs",
    "dmca-1202": "DMCA §1202",
    "trademark": "trademark",
    "likeness-voice": "likeness or voice",
    "contract": "contract",
}

# Fields every register entry should fill; `Dispute.missing()` reports the empty ones.
REQUIRED = ("caption", "court", "docket", "filed", "plaintiffs", "defendants", "claims", "product", "status",
            "last_event", "last_event_date", "as_of", "sources")


# Court dockets and documents, official journals and government sites: what a lawyer can check at the source.
_PRIMARY_HOSTS = re.compile(
    r"^https?://(?:[a-z0-9-]+\.)*(?:courtlistener\.com|justia\.com|judiciary\.uk|gov\.uk|europa\.eu|govinfo\.gov|"
    r"congress\.gov|copyright\.gov|loc\.gov|uscourts\.gov|supremecourt\.gov|go\.jp|justiz\.bayern\.de|"
    r"gesetze-bayern\.de|bundesgerichtshof\.de|nic\.in|ca\.gov)(?:[:/]|$)", re.I)
# Copies of a judgment or order itself, hosted elsewhere (the decision text is the primary source).
_DECISION_COPIES = (
    "courthousenews.com/wp-content/uploads/2026/09/doe-vs-github-ninth-circuit.pdf",
    "copyrightalliance.org/wp-content/uploads/2025/06/Bartz-v.-Anthropic-Order.pdf",
    "aifray.com/wp-content/uploads/2025/11/42-O-14139-24-Endurteil.pdf",
    "archive.org/3/items/scla-v-ai-company-guangzhou-internet-court",
)


def is_primary_source(url: str) -> bool:
    """True for a court docket or decision, an official journal or a government page (not news or blogs)."""
    u = str(url or "").strip()
    return bool(_PRIMARY_HOSTS.match(u)) or any(x in u for x in _DECISION_COPIES)


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
    part_of: str = ""
    source_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    confirmed: bool = True
    full_document: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def claim_labels(self) -> tuple[str, ...]:
        """The claims in words ("training copies", "DMCA §1202", ...)."""
        return tuple(CLAIMS.get(c, c) for c in self.claims)

    def missing(self) -> list[str]:
        """Names of required fields this entry leaves empty."""
        return [f for f in REQUIRED if not getattr(self, f)]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (lists, not tuples); the shape `assistant disputes --json` prints."""
        d = asdict(self)
        d.pop("extra")
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = list(v)
        d["claim_labels"] = list(self.claim_labels)
        return d


@dataclass(frozen=True)
class Coverage:
    """What the index holds: documents, register entries, and the latest as-of date among them."""

    documents: int
    disputes: int
    current_to: str


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _list(v: Any) -> tuple[str, ...]:
    if v is None or v == "":
        return ()
    if isinstance(v, (list, tuple)):
        return tuple(_text(x) for x in v if _text(x))
    return (_text(v),)


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s.lower())


def claim_code(value: str) -> str | None:
    """The vocabulary code a claim name means ("DMCA 1202" -> "dmca-1202", "voice" -> "likeness-voice")."""
    v = _norm(value)
    if not v:
        return None
    for code, label in CLAIMS.items():
        if v in (_norm(code), _norm(label)):
            return code
    hits = [code for code, label in CLAIMS.items() if v in _norm(code) or v in _norm(label) or _norm(label) in v]
    return hits[0] if len(hits) == 1 else None


def from_record(record: DocumentRecord) -> Dispute | None:
    """A registry record as a Dispute, or None when its front matter has no `caption` (not a register entry)."""
    fm, reg = record.front_matter, record.fields
    caption = _text(fm.get("caption"))
    if not caption:
        return None
    sid = _text(record.source_id or fm.get("id"))
    claims = []
    for c in _list(fm.get("claims")):
        code = claim_code(c)
        claims.append(code or c)
    part_of = _text(fm.get("part_of"))
    related = [x for x in (part_of, *_list(fm.get("related"))) if x and x != sid]
    unconfirmed = _list(fm.get("unconfirmed"))
    confirmed = fm.get("confirmed")
    return Dispute(
        source_id=sid, caption=caption, court=_text(fm.get("court") or reg.get("court")),
        docket=_text(fm.get("docket") or reg.get("docket")), filed=_text(fm.get("filed") or reg.get("filed")),
        plaintiffs=_list(fm.get("plaintiffs")), defendants=_list(fm.get("defendants")), claims=tuple(claims),
        product=_text(fm.get("product")), status=_text(fm.get("status") or record.status),
        last_event=_text(fm.get("last_event")), last_event_date=_text(fm.get("last_event_date")),
        as_of=_text(fm.get("as_of") or fm.get("current_as_of")), jurisdiction=_text(record.jurisdiction
                                                                                      or fm.get("jurisdiction")),
        doc_type=_text(record.doc_type or fm.get("type")), title=_text(record.title or fm.get("title")),
        part_of=part_of, source_ids=tuple(dict.fromkeys([sid, *related])), sources=_list(fm.get("sources")),
        unconfirmed=unconfirmed, confirmed=bool(confirmed) if confirmed is not None else not unconfirmed,
        full_document=bool(fm.get("register") == "document"), extra={"fm": fm},
    )


def from_records(records: Iterable[DocumentRecord]) -> list[Dispute]:
    """Every register entry among the records, latest filing first (undated last), then by caption."""
    out = [d for d in (from_record(r) for r in records) if d is not None]
    out.sort(key=lambda d: d.caption.lower())
    out.sort(key=lambda d: d.filed or "", reverse=True)
    return out


def known_values(disputes: Iterable[Dispute], name: str) -> list[str]:
    """The distinct values a field takes across the register (for dropdowns and error messages)."""
    vals: set[str] = set()
    for d in disputes:
        v = getattr(d, name)
        vals.update(v if isinstance(v, tuple) else (v,))
    vals.discard("")
    return sorted(vals, key=str.lower)


def _unknown(what: str, value: str, known: list[str]) -> InvalidInputError:
    shown = ", ".join(known[:40]) + (f" (and {len(known) - 40} more)" if len(known) > 40 else "")
    return InvalidInputError(f"No dispute has {what} matching '{value}': the register has {shown or 'none'}")


def filter_disputes(disputes: Iterable[Dispute], status: str | None = None, court: str | None = None,
                    defendant: str | None = None, claim: str | None = None) -> list[Dispute]:
    """Entries matching every given filter, case-insensitively: status exactly, court and defendant as
    substrings, claim by code or label ("1202", "voice"). A value that matches no entry of the whole register
    raises InvalidInputError naming the values that exist."""
    everything = list(disputes)
    rows = everything
    if status and status.strip():
        want = status.strip().lower()
        if not any(d.status.lower() == want for d in everything):
            raise _unknown("status", status, known_values(everything, "status"))
        rows = [d for d in rows if d.status.lower() == want]
    if court and _norm(court):
        want = _norm(court)
        if not any(want in _norm(d.court) for d in everything):
            raise _unknown("a court", court, known_values(everything, "court"))
        rows = [d for d in rows if want in _norm(d.court)]
    if defendant and _norm(defendant):
        want = _norm(defendant)
        if not any(want in _norm(x) for d in everything for x in d.defendants):
            raise _unknown("a defendant", defendant, known_values(everything, "defendants"))
        rows = [d for d in rows if any(want in _norm(x) for x in d.defendants)]
    if claim and claim.strip():
        code = claim_code(claim)
        if code is None:
            raise InvalidInputError(f"Unknown claim '{claim}': use one of "
                                    + ", ".join(f"{c} ({label})" for c, label in CLAIMS.items()))
        rows = [d for d in rows if code in d.claims]
    return rows


def coverage(records: Iterable[DocumentRecord]) -> Coverage:
    """How many documents and register entries the records hold, and the latest as-of date among them."""
    recs = list(records)
    dates = []
    for r in recs:
        fm = r.front_matter
        for key in ("current_as_of", "as_of"):
            v = _text(fm.get(key) or (r.fields.get(key) if key == "current_as_of" else ""))
            if re.match(r"^\d{4}-\d{2}-\d{2}$", v):
                dates.append(v)
    return Coverage(documents=len(recs), disputes=len(from_records(recs)), current_to=max(dates, default=""))
