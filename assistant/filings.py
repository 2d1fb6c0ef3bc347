"""Reading PDF text as a person reads the page: without the line-number gutter of pleading paper, the court's
"Case ... Document ... Filed ... Page N of M" stamps, running headers and footers and bare page numbers; and the
caption of a court filing read into a title, court, docket, date, parties and judge.

Works on the text pypdf extracts, page by page (the stamps and gutters come out in odd places: a stamp printed at
the top of a page is often extracted last, and a gutter comes out as 28 lines of bare numbers). Nothing here is
specific to one court: the patterns are those of U.S. federal e-filing (CM/ECF) and of pleading paper.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass, field

from .text import MONTHS

# CM/ECF and appellate stamps: "Case 8:16-cv-01261-DOC-KES   Document 40   Filed 08/05/16   Page 2 of 4   Page ID
# #:366", "Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 3 of 15", "USCA Case #24-5196 Document
# #2107390 Filed: 03/18/2025 Page 3 of 20", "Appellate Case: 23-1234 Document: 010110 Date Filed: 01/02/2024 Page: 3"
STAMPS = [
    re.compile(r"Case\s*:?\s*(?P<docket>[\w:.\-]+)\s+Document\s+(?P<doc>[\w\-]+)\s+Filed\s+(?P<filed>[\d/.\-]+)"
               r"\s+Page\s+\d+\s+of\s+\d+(?:\s+Page\s*ID\s*#?:?\s*\d+)?", re.I),
    re.compile(r"Case:\s*(?P<docket>[\w\-]+),\s*(?P<filed>[\d/]+),\s*ID:\s*\d+,\s*DktEntry:\s*(?P<doc>[\w.\-]+),"
               r"\s*Page\s+\d+\s+of\s+\d+", re.I),
    re.compile(r"USCA\d*\s+(?:Case\s*)?#?\s*(?P<docket>[\w\-]+)\s+Document\s*#?\s*(?P<doc>\w+)\s+Filed:?\s*"
               r"(?P<filed>[\d/]+)\s+Page\s+\d+\s+of\s+\d+", re.I),
    re.compile(r"Appellate Case:\s*(?P<docket>[\w\-]+)\s+Document:\s*(?P<doc>\w+)\s+Date Filed:\s*(?P<filed>[\d/]+)"
               r"\s+Page:\s*\d+", re.I),
    # First Circuit: "Case: 20-1507     Document: 00117684624     Page: 1      Date Filed: 12/22/2020      Entry ID: 6390573"
    re.compile(r"Case:\s*(?P<docket>[\w\-]+)\s+Document:\s*(?P<doc>\w+)\s+Page:\s*\d+\s+Date Filed:\s*"
               r"(?P<filed>[\d/]+)(?:\s+Entry ID:\s*\d+)?", re.I),
]
# Bracket glyphs of caption boxes that pypdf reads as letters ('üRITA WEINTRAUB', 'No. 08-2373ýv.')
_BRACKET_GLYPHS = re.compile(r"(?<![a-z])[üýþ]|[üýþ](?![a-z])")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-\u2013\u2014]\s*)?(?:Page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?(?:\s*[-\u2013\u2014])?\s*$",
                          re.I)
_PAGE_OF = re.compile(r"\bPage\s+\d+\s+of\s+\d+")  # 'CV-90 (04/18)  CIVIL MINUTES - GENERAL Page 1 of 15'
_GUTTER_LINE = re.compile(r"^\s*(\d{1,2})\s*$")
_NUMBERED_LINE = re.compile(r"^\s*(\d{1,2})(?:\s+(.*\S))?\s*$")


@dataclass
class Stamp:
    """What a court's e-filing stamp says."""

    docket: str
    document: str
    filed: str  # ISO date, or '' when it cannot be read


@dataclass
class Caption:
    """What the first page of a court filing says about it."""

    title: str = ""
    court: str = ""
    docket: str = ""
    date: str = ""
    parties: str = ""        # 'ConsumerInfo.com, Inc. v. Esteban Leon'
    document: str = ""       # 'Order Granting ... Preliminary Injunction'
    judge: str = ""
    kind: str = ""           # opinion | order | judgment | filing
    fields: dict[str, str] = field(default_factory=dict)


def _us_date(text: str) -> str:
    """'08/05/16' or '08/05/2016' or '2016-08-05' -> '2016-08-05' ('' when not a date)."""
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})", text.strip())
    if m:
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        y = y + (2000 if y < 70 else 1900) if y < 100 else y
    else:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
        if not m:
            return ""
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return ""


_LONG_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)


def long_date(text: str) -> str:
    """The first 'March 27, 1991' in a text as '1991-03-27' ('' when none)."""
    m = _LONG_DATE.search(text)
    if not m:
        return ""
    try:
        return _dt.date(int(m.group(3)), MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))).isoformat()
    except ValueError:
        return ""


def strip_stamps(page: str) -> tuple[str, list[Stamp]]:
    """The page without its e-filing stamps, and what they said."""
    found: list[Stamp] = []
    for rx in STAMPS:
        def keep(m: re.Match) -> str:
            found.append(Stamp(m.group("docket"), m.group("doc"), _us_date(m.group("filed"))))
            return ""

        page = rx.sub(keep, page)
    return page, found


def strip_gutter(lines: list[str]) -> list[str]:
    """Lines without pleading-paper line numbers: either a run of bare numbers 1, 2, 3 ... (one per line) or
    numbers at the start of consecutive lines. Only a run counting up from 1 for at least ten lines is taken
    for a gutter, so numbered paragraphs and list items stay."""
    # (a) bare numbers, one per line, counting up
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _GUTTER_LINE.match(lines[i])
        if m and int(m.group(1)) == 1:
            j, n = i, 1
            while j < len(lines):
                mj = _GUTTER_LINE.match(lines[j])
                if mj and int(mj.group(1)) == n:
                    n += 1
                    j += 1
                elif not lines[j].strip():
                    j += 1
                else:
                    break
            if n - 1 >= 10:
                i = j
                continue
        out.append(lines[i])
        i += 1
    # (b) numbers leading text lines, counting up 1, 2, 3 ... through the page
    seq: list[int] = []
    want = 1
    for idx, line in enumerate(out):
        m = _NUMBERED_LINE.match(line)
        if m and int(m.group(1)) == want:
            seq.append(idx)
            want += 1
    if len(seq) >= 10:
        for idx in seq:
            m = _NUMBERED_LINE.match(out[idx])
            out[idx] = m.group(2) or ""
    return out


def _norm(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def repeated_lines(pages: list[list[str]]) -> set[str]:
    """Short lines that recur on most pages (running headers and footers), digits ignored ('- 2 -', 'ORDER')."""
    if len(pages) < 3:
        return set()
    counts: Counter = Counter()
    for lines in pages:
        counts.update({_norm(l) for l in lines if l.strip() and len(l.strip()) <= 100})
    floor = max(3, int(0.35 * len(pages) + 0.5))  # running heads often alternate between odd and even pages
    return {k for k, n in counts.items() if n >= floor and k.strip(" #-.")}


def clean_pages(raw: list[str]) -> tuple[list[str], list[Stamp]]:
    """Each page's text as a reader sees it (no gutter, stamps, running headers or bare page numbers), and the
    stamps found. Blank runs collapse to one blank line; line breaks inside paragraphs stay."""
    stamps: list[Stamp] = []
    staged: list[list[str]] = []
    for page in raw:
        page, found = strip_stamps(_BRACKET_GLYPHS.sub(" ", page))
        stamps += found
        lines = [l.rstrip() for l in page.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        staged.append(strip_gutter(lines))
    repeated = repeated_lines(staged)
    out: list[str] = []
    for lines in staged:
        kept: list[str] = []
        for l in lines:
            if l.strip() and (_norm(l) in repeated or _PAGE_NUMBER.match(l)):
                continue
            if not l.strip():
                if kept and kept[-1] == "":
                    continue
                kept.append("")
                continue
            kept.append(l.strip() if len(l) - len(l.lstrip()) > 8 else l.rstrip())
        out.append(_dehyphenate("\n".join(kept).strip()))
    return out, stamps


def leading_header(first_page: str, cleaned_first: str) -> str:
    """The running header as it stands at the top of the first page (a minutes form's court, case number, date and
    title), which cleaning drops from every page: the lines above where the cleaned page begins, without page
    numbers or a line that holds 'Page 1 of 15' (a form's footer). Empty when the cleaned page begins at the top."""
    lines = [l.strip() for l in strip_gutter(strip_stamps(_BRACKET_GLYPHS.sub(" ", first_page))[0].split("\n"))]
    first = next((l.strip() for l in cleaned_first.split("\n") if l.strip()), "")
    if not first:
        return ""
    try:
        stop = next(i for i, l in enumerate(lines) if _norm(l) == _norm(first))
    except StopIteration:
        return ""
    kept = [l for l in lines[:stop] if l and not _PAGE_NUMBER.match(l) and not _PAGE_OF.search(l)]
    return "\n".join(kept)


# A footnote at a page's foot: a blank line, then its number and its text ('1 Although not subject to ...').
_FOOTNOTE_START = re.compile(r"\n\n(?=\d{1,3}\s+[A-Z\u201c\"(])")
_SENTENCE_END = re.compile(r"[.!?:;\"\u201d)\]]\s*$")


def move_split_footnotes(pages: list[str]) -> list[str]:
    """Pages whose body breaks off mid-sentence above a footnote ('... to the extent that any of these terms' /
    '1 Although not subject to ...' / next page: 'appear on the face of ...') with the footnote moved below the
    end of that sentence's paragraph on the next page, so the sentence reads whole. The footnote stays text."""
    out = list(pages)
    for i in range(len(out) - 1):
        page = out[i]
        cut = next((m.start() for m in _FOOTNOTE_START.finditer(page)
                    if not _SENTENCE_END.search(page[:m.start()]) and len(page[:m.start()].strip()) > 40), None)
        if cut is None or not out[i + 1]:
            continue
        body, notes = page[:cut].rstrip(), page[cut:].strip()
        nxt = out[i + 1]
        end = nxt.find("\n\n")
        end = len(nxt) if end < 0 else end
        out[i] = body
        out[i + 1] = f"{nxt[:end]}\n\n{notes}{nxt[end:]}"
    return out


_LINE_HYPHEN = re.compile(r"([a-z]{2,})\s?-[ \t]*\n[ \t]*([a-z]{2,})")


def _dehyphenate(text: str) -> str:
    """A word broken at a line end ('discrim-\ninating', 'wa -\nter') is one word again."""
    return _LINE_HYPHEN.sub(r"\1\2", text)


# -- the caption --------------------------------------------------------------------------------------------------
_COURT_LINE = re.compile(r"^\s*(?:IN THE\s+)?(?:UNITED STATES (?:DISTRICT|BANKRUPTCY) COURT|UNITED STATES COURT OF "
                         r"(?:APPEALS|FEDERAL CLAIMS|INTERNATIONAL TRADE)|SUPREME COURT OF THE UNITED STATES|"
                         r"SUPREME COURT OF [A-Z ]+|[A-Z][A-Z ]+ (?:SUPERIOR|DISTRICT|CIRCUIT|HIGH) COURT|"
                         r"COURT OF APPEALS? [A-Z ]*)\s*$", re.I)
_COURT_NEXT = re.compile(r"^\s*(?:FOR THE\s+)?(?:[A-Z]+ )*(?:DISTRICT|CIRCUIT|DIVISION)(?: OF [A-Z .]+)?\s*$|"
                         r"^\s*FOR THE [A-Z ]+CIRCUIT\s*$|^\s*(?:[A-Z]+ )+DIVISION\s*$", re.I)
_ROLE = re.compile(r"\b(?:(?:Plaintiffs?|Defendants?|Petitioners?|Respondents?)(?:-(?:Cross-)?(?:Appellees?|"
                   r"Appellants?|Petitioners?|Respondents?))?|Appellants?|Appellees?|Counter-?(?:claimants?|"
                   r"defendants?)|Intervenors?|Movants?|Debtors?)\b[.,]?", re.I)
_V_LINE = re.compile(r"^\s*(?:v\.?|vs\.?|versus)(?:\s+(.*))?$", re.I)
_V_END = re.compile(r"\s(?:v\.|vs\.)\s*$")
_DOCKET = re.compile(r"\b(?:Case|Civil Action|Civil|Criminal|Docket|Cause)?\s*No[s]?\.?:?\s*"
                     r"((?:MDL\s+|[A-Z]{1,2}\s?)?\d[\w:.\-\u2013]{2,}(?:\s?(?-i:[A-Z]{2,4})\b(?:\s*\([A-Za-z]+\))?)?)",
                     re.I)  # ('No. 1 TO' in 'MOTION IN LIMINE NO. 1 TO' is no docket)
_CASE_NO = re.compile(r"\b(?:case|civil action|docket)\s+nos?\b|\bno\.\s*\d", re.I)
_DOC_TITLE = re.compile(r"^\s*(?:(?:\[?PROPOSED\]?|REDACTED|AMENDED|CORRECTED|SEALED|PUBLIC|REVISED|SUPPLEMENTAL)\s+)*"
                        r"(?:ORDER|OPINION|MEMORANDUM|JUDGMENT|FINAL JUDGMENT|"
                        r"FINDINGS OF FACT|REPORT AND RECOMMENDATION|STIPULATED|STIPULATION|MOTION|"
                        r"NOTICE|COMPLAINT|AMENDED COMPLAINT|DECISION|RULING|SUGGESTION|CLASS ACTION COMPLAINT)\b")
_JUDGE_ROLE = re.compile(r"(?:United States|U\.S\.|Chief|Senior)?\s*(?:District|Circuit|Magistrate|Bankruptcy)"
                         r"\s+Judge\b|\bJUDGE\b\s*$", re.I)
# Where the right column of a two-column caption starts, when pypdf reads both columns into one line.
_RIGHT_COLUMN = re.compile(r"\s{3,}|\bNos?\.\s|\b(?:On )?Appeals? from\b|\bON (?:WRIT|APPEAL)\b|\bCase No\b|"
                           r"\bCivil Action\b|\bHon\.|\b(?:Northern|Southern|Eastern|Western|Central|Middle) District\b|"
                           r"\bDistrict Court\b|\bCOURT OF\b|\bCLASS ACTION\b|\bDEMAND FOR\b|\bJURY TRIAL\b", re.I)
_CAPS_RIGHT_COLUMN = re.compile(r"\b(?:OPINION|ORDER|MEMORANDUM|JUDGMENT|AMENDED OPINION)\b")
_NAMEISH = re.compile(r"^[A-Z][A-Za-z.'’\- ]{3,60}$")
_CORP = {"Inc", "Llc", "Ltd", "Co", "Corp", "Plc", "Lp", "Llp", "Pbc", "Gmbh", "Ag", "Sa", "Dba", "Et", "Al",
         "Ii", "Iii", "Iv", "Usa", "U.s", "Us"}


_KEEP_LOWER = {"of", "the", "and", "for", "in", "on", "to", "a", "an", "v.", "vs.", "dba", "et", "al.", "re", "re:",
               "by", "with", "at"}


# Short words that are words, not acronyms, when a caption is in capitals.
_SHORT_WORDS = {"inc", "co", "llc", "ltd", "dba", "al", "use", "not", "all", "any", "new", "act", "law", "art", "its",
                "one", "two", "six", "ten", "non", "set", "end", "out", "off", "per", "via", "pro", "sub", "fee", "tax",
                "has", "are", "was", "his", "her", "who", "but", "nor", "yet", "may", "due", "own", "see", "re"}


def _smart_title(text: str, person: bool = False) -> str:
    """All-caps words in title case, short acronyms kept: 'CONSUMERINFO.COM, INC. dba EXPERIAN' ->
    'Consumerinfo.com, Inc. dba Experian', 'IN RE: BARD IVC' -> 'In re: Bard IVC', "TESSERA'S" -> "Tessera's". A
    person's name keeps its initials: 'JAMES V. SELNA' -> 'James V. Selna', not the 'v.' of a caption."""
    words = []
    for w in text.split():
        letters = re.sub(r"[^A-Za-z]", "", w)
        if not letters or letters != letters.upper():
            words.append(w)
            continue
        low = w.lower()
        if person and re.fullmatch(r"[A-Z]\.", w):
            words.append(w)
        elif low in _KEEP_LOWER:
            words.append(low if words else low.capitalize())
        elif len(letters) <= 3 and low.strip(".,:;") not in _SHORT_WORDS:
            words.append(w)  # initials and short acronyms: 'C.', 'IVC', 'MDL', 'NOS'
        else:
            # ("O'CONNOR" -> "O'Connor", but a possessive's 's' stays small)
            words.append(re.sub(r"(^|[\-/(]|[\u2019'](?=[a-z]{2}))([a-z])", lambda m: m.group(1) + m.group(2).upper(),
                                low))
    return " ".join(words)


def _mostly_caps(s: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", s)
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _party(lines: list[str]) -> str:
    """The first party named in a block of caption lines, without roles, dockets and 'et al.'."""
    text = " ".join(l.strip() for l in lines if l.strip())
    text = _ROLE.sub(" ", text)
    text = _DOCKET.sub(" ", text)
    text = re.split(r";|\bet al\b\.?|,\s*(?:an?|the)\s+\w+|\band DOES\b|\bDOES \d|,\s*individually\b|"
                    r",?\s*in (?:his|her|its|their) (?:official |personal )?capacit\w*|,\s*as (?:representative|"
                    r"trustee|executor|guardian)\b", text, flags=re.I)[0]
    text = _CAPS_RIGHT_COLUMN.sub(" ", text)
    # the first of several parties: 'ANDREA BARTZ, CHARLES GRAEBER, and ...' -> 'ANDREA BARTZ', but a company keeps
    # its suffix ('FEIST PUBLICATIONS, INC.')
    parts = [p.strip() for p in text.split(",")]
    keep = [parts[0]]
    for p in parts[1:]:
        if re.fullmatch(r"(?:INC|LLC|L\.L\.C|LTD|LIMITED|CO|CORP|CORPORATION|INCORPORATED|N\.A|P\.C|PLC|LP|LLP|PBC|"
                        r"GMBH|AG|S\.A|B\.V|JR|SR|II|III|IV)\.?", p, re.I):
            keep.append(p)
        else:
            break
    text = ", ".join(keep)
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-\u2013")
    return _smart_title(text)[:120]


def read_caption(first_pages: str) -> Caption:
    """Title, court, docket, date, parties, judge and kind from the first pages of a filing (empty fields when
    the text does not look like one)."""
    lines = [l for l in first_pages.split("\n")]
    cap = Caption()
    head = lines[:80]
    court_at = next((i for i, l in enumerate(head) if _COURT_LINE.match(l.strip())), None)
    if court_at is not None:
        court = head[court_at].strip()
        if court_at + 1 < len(head) and _COURT_NEXT.match(head[court_at + 1].strip()):
            court += ", " + head[court_at + 1].strip()
        cap.court = _smart_title(re.sub(r"^IN THE\s+", "", court)).replace(", For the", ", for the")
    start = court_at + 1 if court_at is not None else 0
    v_at = next((i for i in range(start, min(len(head), start + 40)) if _V_LINE.match(head[i].strip())
                 or _V_END.search(head[i])), None)
    if v_at is not None and not _V_LINE.match(head[v_at].strip()):
        # 'No. 08-2373 v.': the caption's 'v.' at the end of a line
        head = head[:v_at] + [_V_END.split(head[v_at])[0], "v."] + head[v_at + 1:]
        v_at += 1
    if v_at is not None:
        before = []
        for l in reversed(head[start:v_at]):
            if _COURT_NEXT.match(l.strip()) or _COURT_LINE.match(l.strip()):
                break
            before.insert(0, l)
        after = []
        first_after = _V_LINE.match(head[v_at].strip()).group(1)
        if first_after:
            after.append(first_after)
        for l in head[v_at + 1:v_at + 8]:
            if not l.strip() and not after:
                continue  # ('v.' on a line of its own, then a blank line, then the party)
            if _ROLE.search(l) or not l.strip():
                if _ROLE.search(l):
                    after.append(_ROLE.split(l)[0])
                break
            after.append(l)
        # a caption is set in capitals: the run of capitalised lines just above the 'v.' is the first party, not
        # the prose before it (a slip opinion's syllabus note)
        if before and _mostly_caps(before[-1]):
            run = []
            for l in reversed(before):
                if not l.strip() or not _mostly_caps(l):
                    break
                run.insert(0, l)
            before = run
        # the caption's right column (case number, document title) is often read into the party lines
        before = [_RIGHT_COLUMN.split(l)[0] for l in before]
        after = [_RIGHT_COLUMN.split(l)[0] for l in after]
        p1, p2 = _party(before[-6:]), _party(after)
        if p1 and p2:
            cap.parties = f"{p1} v. {p2}"
    elif m := re.search(r"^\s*Title:?[^\S\n]+(\S.*(?:\n(?!\s*\n)(?!\s*\S+\s*\(\d).*){0,2})", "\n".join(head), re.M):
        # a minutes form ('CIVIL MINUTES - GENERAL ... Title  MANUFACTURING ... V. KRISTOPHER HUGHES, ET AL.')
        sides = re.split(r"\s+(?:v\.?|vs\.?)\s+", " ".join(m.group(1).split()), maxsplit=1, flags=re.I)
        if len(sides) == 2 and _party([sides[0]]) and _party([sides[1]]):
            cap.parties = f"{_party([sides[0]])} v. {_party([sides[1]])}"
    elif re.search(r"^\s*IN RE:?\s", "\n".join(head), re.I | re.M):
        m = re.search(r"^\s*(IN RE:?\s.*(?:\n(?!\s*No\.).*){0,2})", "\n".join(head), re.I | re.M)
        if m:
            text = re.split(r"\bNo\.|\n\s*\n", m.group(1))[0]
            cap.parties = _smart_title(" ".join(text.split()).strip(" ,."))[:150].replace("In Re:", "In re")
    # the document's own title: capitalised lines starting ORDER / OPINION / MEMORANDUM ...
    for i, l in enumerate(head):
        if _DOC_TITLE.match(l.strip()) and _mostly_caps(l) and not _DOCKET.search(l):
            parts = [l.strip()]
            for j in range(i + 1, min(len(head), i + 7)):
                s = head[j].strip()
                nxt = head[j + 1] if j + 1 < len(head) else ""
                if not s or not _mostly_caps(s) or len(s) > 90 or _DOCKET.fullmatch(s) or "@" in nxt:
                    break
                parts.append(s)
            doc = re.sub(r"\s*\[Re:?[^\]]*\]\s*$", "", " ".join(parts), flags=re.I)  # ('[Re: ECF 318, 378]')
            if len(doc) > 160:
                doc = doc[:160].rsplit(" ", 1)[0] + " ..."
            cap.document = _smart_title(doc)
            break
    if not cap.document:
        # a title set in ordinary case just under the case number ('Amended / Memorandum of Findings of Fact and
        # Conclusions of Law')
        at = next((i for i, l in reversed(list(enumerate(head[:40]))) if _CASE_NO.search(l)), None)
        for i in range(at + 1, min(len(head), at + 6)) if at is not None else ():
            s = head[i].strip()
            prefix = head[i - 1].strip() if re.fullmatch(r"(?i:amended|corrected|revised|redacted|supplemental)", head[i - 1].strip()) else ""
            if 10 <= len(s) <= 120 and re.match(_DOC_TITLE.pattern, s.upper()) and not _DOCKET.search(s):
                cap.document = _smart_title(f"{prefix} {s}".strip())
                break
    m = _DOCKET.search("\n".join(head))
    if m:
        cap.docket = m.group(1).strip()
    text = first_pages
    if re.search(r"delivered the opinion|^\s*OPINION\b", text, re.M | re.I) or "opinion" in cap.document.lower():
        cap.kind = "opinion"
    elif re.match(r"(?:(?:redacted|amended|corrected|sealed|public|revised|\[?proposed\]?)\s+)*order\b", cap.document,
                  re.I):
        cap.kind = "order"  # ('Order Granting ... Motion for Partial Summary Judgment' is an order)
    elif re.search(r"\bjudgment\b", cap.document, re.I):
        cap.kind = "judgment"
    elif re.search(r"\border\b", cap.document, re.I) or re.search(r"IT IS (?:SO |HEREBY )?ORDERED", text):
        cap.kind = "order"
    elif cap.court or cap.parties:
        cap.kind = "filing"
    for label in (r"Decided", r"Dated:?", r"Date:", r"(?<=\s)Date(?=[^\S\n]{2})", r"Filed:?", r"Entered:?", r"Signed:?"):
        m = re.search(rf"\b{label}:?\s+((?:{'|'.join(MONTHS)})\s+\d{{1,2}},?\s+\d{{4}})", text, re.I)
        if m:
            cap.date = long_date(m.group(1))
            break
    return _titled(cap)


def _titled(cap: Caption) -> Caption:
    cap.title = " \u2014 ".join(p for p in (cap.parties, cap.document) if p)
    return cap


_DAY_OF = re.compile(r"\bDated this (\d{1,2})(?:st|nd|rd|th)? day of (" + "|".join(MONTHS) + r"),?\s+((?:19|20)\d\d)",
                     re.I)


def signed_date(text: str) -> str:
    """The date a filing was signed ('Dated: June 23, 2025', 'Dated this 14th day of June, 2024'), or ''."""
    m = _DAY_OF.search(text)
    if m:
        try:
            return _dt.date(int(m.group(3)), MONTHS.index(m.group(2).lower()) + 1, int(m.group(1))).isoformat()
        except ValueError:
            return ""
    m = re.search(rf"\b(?:Dated|Date|Signed|Entered|Decided|Filed)\s*:?\s*((?:{'|'.join(MONTHS)})\s+\d{{1,2}},?\s+"
                  rf"\d{{4}})", text, re.I)
    return long_date(m.group(1)) if m else ""


def read_judge(last_pages: str, first_pages: str) -> str:
    """The judge who signed (a name above 'United States District Judge'), or the author of an opinion."""
    lines = [l.strip() for l in last_pages.split("\n")]
    for i, l in enumerate(lines):
        if _JUDGE_ROLE.search(l) and not re.search(r"\bdistrict court\b", l, re.I):
            for prev in reversed(lines[max(0, i - 3):i]):
                name = re.sub(r"^(?:/s/|s/|Hon\.|Honorable|HON\.)\s*", "", prev).strip(" _,")
                if _NAMEISH.match(name) and len(name.split()) >= 2:
                    return _smart_title(name, person=True)
            m = re.match(r"^(?:/s/\s*)?([A-Z][A-Za-z.'’\- ]{3,50}?),?\s+(?:United States|U\.S\.|Chief|Senior)?\s*"
                         r"(?:District|Circuit|Magistrate)\s+Judge", l)
            if m:
                return _smart_title(m.group(1).strip(), person=True)
    m = re.search(r"\b((?:Chief\s+)?Justice\s+[A-Z][\w'’]+)\s+delivered the opinion", first_pages)
    if m:
        return m.group(1)
    m = re.search(r"\bHon(?:\.|orable)\s+([A-Z][\w.'’\- ]{3,40})$", first_pages, re.M)
    return _smart_title(m.group(1).strip(), person=True) if m else ""
