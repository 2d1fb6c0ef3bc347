"""The Disputes tab and the coverage banner as HTML: a table that becomes cards on a phone, a timeline whose labels
are text (never clipped), and the filter and sort choices. The entries come from the disputes register."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterable

from ..disputes import Dispute, coverage, filter_disputes, from_records
from ..errors import InvalidInputError
from . import phrases
from .render import esc, placeholder, ref_for_doc
from ..types import DocumentRecord

__all__ = ["ALL", "SORTS", "Dispute", "from_records", "filter_disputes", "coverage", "choices", "shown",
           "render_table", "render_timeline", "render_banner"]

ALL = "All"
SORTS = {"Filed (newest first)": "filed", "Last event (newest first)": "last_event_date",
         "Caption (A to Z)": "caption"}
COLUMNS = [("Caption", "caption"), ("Court", "court"), ("Docket", "docket"), ("Filed", "filed"),
           ("Plaintiffs", "plaintiffs"), ("Defendants", "defendants"), ("Claims", "claim_labels"),
           ("Status", "status"), ("Last event", "last_event"), ("As of", "as_of"), ("Jurisdiction", "jurisdiction")]
_KINDS = (("filed", "filed", "aic-k-filed"), ("last_event_date", "last event", "aic-k-latest"))


def plural(n: int, noun: str) -> str:
    """'1 dispute', '2 disputes'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def choices(entries: Iterable[Dispute]) -> tuple[list[str], list[str]]:
    """The jurisdiction and status choices of the filters (All first)."""
    ds = list(entries)
    return ([ALL] + sorted({d.jurisdiction for d in ds} - {""}), [ALL] + sorted({d.status for d in ds} - {""}))


def shown(entries: list[Dispute], text: str = "", jurisdiction: str | None = ALL, status: str | None = ALL,
          sort: str | None = None) -> list[Dispute]:
    """The entries the filters match (free text over caption, parties, court, docket, product and id), in the
    chosen order; entries without the sort date come last."""
    try:
        rows = filter_disputes(entries, status=None if status in (None, "", ALL) else status)
    except InvalidInputError:
        rows = []  # a status no entry has (the choices come from the entries, so only a stale page sends one)
    if jurisdiction not in (None, "", ALL):
        rows = [d for d in rows if d.jurisdiction == jurisdiction]
    needle = (text or "").strip().lower()
    if needle:
        rows = [d for d in rows if needle in " ".join([d.caption, *d.plaintiffs, *d.defendants, d.court, d.docket,
                                                       d.product, d.source_id]).lower()]
    key = SORTS.get(sort or "", "filed")
    if key == "caption":
        return sorted(rows, key=lambda d: d.caption.lower())
    dated = sorted((d for d in rows if getattr(d, key)), key=lambda d: getattr(d, key), reverse=True)
    return dated + [d for d in rows if not getattr(d, key)]


def _cell(d: Dispute, attr: str) -> str:
    value = getattr(d, attr, "")
    if isinstance(value, tuple):
        return "; ".join(value)
    if attr == "last_event" and d.last_event_date:
        return f"{d.last_event_date}: {value}" if value else d.last_event_date
    return str(value or "")


def render_table(entries: list[Dispute], total: int) -> str:
    """The disputes table: one row per entry, its caption a link to the document; cards on narrow screens."""
    if not entries:
        return placeholder(phrases.DISPUTES_NONE if total else phrases.DISPUTES_EMPTY_INDEX)
    head = "".join(f"<th scope='col'>{esc(label)}</th>" for label, _a in COLUMNS)
    rows = []
    for d in entries:
        cells = []
        for label, attr in COLUMNS:
            value = _cell(d, attr)
            if attr == "caption":
                inner = f"<a class='aic-doclink' href='{ref_for_doc(d.source_id, 'ddoc')}'>{esc(value)}</a>"
                cells.append(f"<th scope='row' data-label='{esc(label)}'>{inner}</th>")
            else:
                cells.append(f"<td data-label='{esc(label)}'>{esc(value) or '<span class=aic-dim>—</span>'}</td>")
        rows.append(f"<tr data-id='{esc(d.source_id)}'>{''.join(cells)}</tr>")
    count = f"{len(entries)} of {plural(total, 'dispute')}" if len(entries) != total else plural(total, "dispute")
    return (f"<div class='aic-dtable-box' tabindex='0' role='region' aria-label='Disputes table'>"
            f"<table class='aic-dtable'><caption>{esc(count)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _parse_date(s: str) -> _dt.date | None:
    s = (s or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return _dt.date.fromisoformat(s)
        if re.fullmatch(r"\d{4}-\d{2}", s):
            return _dt.date(int(s[:4]), int(s[5:7]), 1)
        if re.fullmatch(r"\d{4}", s):
            return _dt.date(int(s), 1, 1)
    except ValueError:
        return None
    return None


def render_timeline(disputes: list[Dispute]) -> str:
    """A timeline with one row per dispute: its caption as text above a track with a dot per key date.

    The line from filing to the latest date is drawn only when the filing date is known; rows without any date
    are listed as such, and every date is also written out, so nothing depends on reading the dots.
    """
    rows = []
    for d in disputes:
        pts = []
        for attr, label, cls in _KINDS:
            day = _parse_date(getattr(d, attr, ""))
            if day and not any(p[0] == day for p in pts):
                pts.append((day, label, cls))
        rows.append((d, sorted(pts)))
    if not rows:
        return placeholder(phrases.TIMELINE_NONE)
    days = [p[0] for _d, ps in rows for p in ps] or [_dt.date.today()]
    lo, hi = _dt.date(min(days).year, 1, 1), _dt.date(max(days).year + 1, 1, 1)
    span = (hi - lo).days

    def pct(day: _dt.date) -> str:
        return f"{100 * (day - lo).days / span:.2f}%"

    years = range(lo.year, hi.year)
    ticks = "".join(f"<span class='aic-tl-year' style='left:{pct(_dt.date(y, 1, 1))}'>{y}</span>" for y in years)
    legend = "".join(f"<span class='aic-tl-key'><span class='aic-tl-dot {cls}'></span>{esc(label)}</span>"
                     for _a, label, cls in _KINDS)
    items = []
    for d, pts in sorted(rows, key=lambda x: (not x[1], x[1][0][0] if x[1] else _dt.date.max, x[0].caption)):
        if pts:
            filed = next((p for p in pts if p[1] == "filed"), None)
            track = ""
            if filed and len(pts) > 1:
                left, right = pct(pts[0][0]), f"{100 * (pts[-1][0] - pts[0][0]).days / span:.2f}%"
                track += f"<span class='aic-tl-span' style='left:{left};width:{right}'></span>"
            track += "".join(f"<span class='aic-tl-dot {cls}' style='left:{pct(day)}'></span>" for day, _l, cls in pts)
            dates = " · ".join(f"{label} {day.isoformat()}" for day, label, _c in pts)
            if not filed:
                dates += f" · {phrases.TIMELINE_NO_FILING}"
        else:
            track, dates = "", phrases.TIMELINE_UNDATED
        items.append(f"<li><a class='aic-tl-row' href='{ref_for_doc(d.source_id, 'ddoc')}'>"
                     f"<span class='aic-tl-label'>{esc(d.caption)}</span>"
                     f"<span class='aic-tl-track' aria-hidden='true'>{track}</span>"
                     f"<span class='aic-tl-dates'>{esc(dates)}</span></a></li>")
    return (f"<div class='aic-timeline'><div class='aic-tl-legend'>{legend}</div>"
            f"<div class='aic-tl-axis' aria-hidden='true'>{ticks}</div>"
            f"<ol class='aic-tl-rows' aria-label='Timeline of disputes'>{''.join(items)}</ol></div>")


def render_banner(records: list[DocumentRecord]) -> str:
    """What the index covers, and that answers are not legal advice."""
    cov = coverage(records)
    if not cov.documents:
        text = phrases.COVERAGE_EMPTY
    else:
        text = phrases.COVERAGE.format(documents=plural(cov.documents, "document"),
                                       disputes=plural(cov.disputes, "dispute"),
                                       current_to=cov.current_to or "an unknown date")
    return f"<p class='aic-banner' role='note'>{esc(text)}</p>"
