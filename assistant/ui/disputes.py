"""The Disputes tab and the coverage banner as HTML: a table that becomes cards on a phone, a timeline whose labels
are text (never clipped), and the filter and sort choices. The entries come from the disputes register."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Iterable

from . import phrases
from .disputes_adapter import Dispute, coverage, filter_disputes, from_records
from .render import esc, placeholder, ref_for_doc

__all__ = ["ALL", "SORTS", "Dispute", "from_records", "filter_disputes", "coverage", "choices", "shown",
           "render_table", "render_timeline", "render_banner"]

ALL = "All"
SORTS = {"Latest development": "latest", "Filed (newest first)": "filed", "Decided (newest first)": "decided",
         "Title (A to Z)": "title"}
COLUMNS = [("Title", "title"), ("Parties", "parties"), ("Court", "court"), ("Docket", "docket"), ("Filed", "filed"),
           ("Decided", "decided"), ("Status", "status"), ("Current as of", "current_as_of"),
           ("Jurisdiction", "jurisdiction")]
_KINDS = (("filed", "filed", "aic-k-filed"), ("decided", "decided", "aic-k-decided"),
          ("date", "latest development", "aic-k-latest"))


def choices(disputes: Iterable[Dispute]) -> tuple[list[str], list[str]]:
    """The jurisdiction and status choices of the filters (All first)."""
    ds = list(disputes)
    return ([ALL] + sorted({d.jurisdiction for d in ds} - {""}), [ALL] + sorted({d.status for d in ds} - {""}))


def shown(disputes: list[Dispute], text: str = "", jurisdiction: str | None = ALL, status: str | None = ALL,
          sort: str | None = None) -> list[Dispute]:
    """The disputes the filters match, in the chosen order."""
    out = filter_disputes(disputes, text or "", None if jurisdiction in (None, "", ALL) else jurisdiction,
                          None if status in (None, "", ALL) else status)
    key = SORTS.get(sort or "", "latest")
    if key == "title":
        return sorted(out, key=lambda d: d.title.lower())
    if key in ("filed", "decided"):
        dated = sorted((d for d in out if getattr(d, key)), key=lambda d: getattr(d, key), reverse=True)
        return dated + [d for d in out if not getattr(d, key)]  # undated last, whatever the order
    return out


def render_table(disputes: list[Dispute], total: int) -> str:
    """The disputes table: one row per dispute, its title a link to the document; cards on narrow screens."""
    if not disputes:
        return placeholder(phrases.DISPUTES_NONE if total else phrases.DISPUTES_EMPTY_INDEX)
    head = "".join(f"<th scope='col'>{esc(label)}</th>" for label, _a in COLUMNS)
    rows = []
    for d in disputes:
        cells = []
        for label, attr in COLUMNS:
            value = "; ".join(d.parties) if attr == "parties" else getattr(d, attr, "")
            if attr == "title":
                inner = f"<a class='aic-doclink' href='{ref_for_doc(d.source_id, 'ddoc')}'>{esc(value)}</a>"
                cells.append(f"<th scope='row' data-label='{esc(label)}'>{inner}</th>")
            else:
                cells.append(f"<td data-label='{esc(label)}'>{esc(value) or '<span class=aic-dim>—</span>'}</td>")
        rows.append(f"<tr data-id='{esc(d.source_id)}'>{''.join(cells)}</tr>")
    count = f"{len(disputes)} of {total} disputes" if len(disputes) != total else f"{total} disputes"
    return (f"<div class='aic-dtable-box' tabindex='0' role='region' aria-label='Disputes table'><table class='aic-dtable'><caption>{esc(count)}</caption>"
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
    """A timeline with one row per dispute: its title as text above a track with a dot per key date.

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
    for d, pts in sorted(rows, key=lambda x: (not x[1], x[1][0][0] if x[1] else _dt.date.max, x[0].title)):
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
                     f"<span class='aic-tl-label'>{esc(d.title)}</span>"
                     f"<span class='aic-tl-track' aria-hidden='true'>{track}</span>"
                     f"<span class='aic-tl-dates'>{esc(dates)}</span></a></li>")
    return (f"<div class='aic-timeline'><div class='aic-tl-legend'>{legend}</div>"
            f"<div class='aic-tl-axis' aria-hidden='true'>{ticks}</div>"
            f"<ol class='aic-tl-rows' aria-label='Timeline of disputes'>{''.join(items)}</ol></div>")


def render_banner(records: list[dict[str, Any]]) -> str:
    """What the index covers, and that answers are not legal advice."""
    cov = coverage(records)
    if not cov.documents:
        text = phrases.COVERAGE_EMPTY
    else:
        text = phrases.COVERAGE.format(documents=cov.documents, disputes=cov.disputes,
                                       current_to=cov.current_to or "an unknown date")
    return f"<p class='aic-banner' role='note'>{esc(text)}</p>"
