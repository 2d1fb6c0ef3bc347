"""Sentence spans and word tokens shared by chunking, BM25 and answering (no dependencies)."""

from __future__ import annotations

import functools
import re

# the months, in order, lower case (for dates in prose: "20 July 2026", "July 20, 2026")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")

# Words before a period that do not end a sentence (legal citations are full of them).
ABBREV = {
    "v", "vs", "u.s", "inc", "co", "corp", "ltd", "no", "nos", "e.g", "i.e", "mr", "mrs", "ms", "dr", "jr", "sr",
    "st", "art", "arts", "s", "ss", "sec", "cal", "cir", "ct", "supp", "f", "ill", "del", "mass", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "para", "paras", "p", "pp", "ch",
    "cf", "etc", "al", "approx", "dept", "gov", "op", "fed", "reg", "stat", "pub", "l", "n.d", "s.d", "c.d",
    "e.d", "w.d", "d", "u.k", "e.u", "d.c", "n.y", "s.d.n.y", "n.d.cal", "ag", "gmbh", "bros", "mt", "govt",
}
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
# Numbers written as words, with their values ('thirty instruments', 'three different licenses')
NUMBER_VALUES = {**dict(zip("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                            "sixteen seventeen eighteen nineteen twenty".split(), range(1, 21))),
                 "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
                 "hundred": 100}
# What starts a Markdown heading: '## ' (or '##Title' with no space, as some converters write it; '#hashtag' is
# no heading).
HEADING_MARK = r"(?:#{1,6}[ \t]+|#{2,6}(?=[^\W_]))"
_HEADING = re.compile(rf"^[ \t]*{HEADING_MARK}")
_POINT = re.compile(r"\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,3}[a-z]?)\)", re.I)  # a point's label: (a), (iv), (2), (3a)
_END = re.compile(r"[.!?](?:[\"'\u201d\u2019)\]]*)(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9$\u00a7])")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff$§]+(?:[.'’][A-Za-z0-9]+)*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves tell say said says
    also there's what's whats did does know according much many whether ever yet""".split()
)


# A line or page ending in one of these has not ended its sentence ('International News Service v.' / 'Associated
# Press', 'Case No.' / '12-345'): legal text wraps inside citations.
OPEN_ENDING = re.compile(r"(?:^|[\s(\[\u201c\"])(?:v|vs|No|Nos|no|Mr|Mrs|Ms|Dr|Art|Arts|Sec|Cf|cf|pp?|para|ch|"
                         r"e\.g|i\.e)\.\s*$")


def heading_level(line: str) -> int:
    """How many '#' start a heading line ('### Article 10' -> 3)."""
    return len(line) - len(line.lstrip("#"))


def _blocks(text: str, start: int, end: int, skip: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Units that sentences never cross: list items, headings and paragraphs; lines wrapped mid-sentence
    (as in PDFs and hard-wrapped text) are joined back into one unit. Rules, table rows and lines starting
    with one of `skip` are left out."""
    units: list[list[int]] = []
    pos = start
    prev_body = ""
    for line in text[start:end].splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if not stripped or _HEADING.match(body) or stripped.startswith(("---", "|", "___") + skip):
            prev_body = ""
            continue
        open_end = bool(prev_body) and OPEN_ENDING.search(prev_body) is not None
        # (a line ending in a comma goes on, and so does one a parenthesis continues, but not a point's label
        # '(a)': text written a phrase per line, as slides and some course notes are, wraps short lines)
        continues = units and prev_body and not _BULLET.match(body) and (open_end or (
            not prev_body.rstrip().endswith((".", "!", "?", ":", ";", '"', "\u201d"))
            and (stripped[0].islower() or stripped[0].isdigit() or len(prev_body.strip()) >= 60
                 or prev_body.rstrip().endswith(",") or (stripped[0] == "(" and not _POINT.match(stripped)))))
        if continues:
            units[-1][1] = line_start + len(body)
        else:
            units.append([line_start, line_start + len(body)])
        prev_body = body
    return [(a, b) for a, b in units]


def sentence_spans(text: str, start: int = 0, end: int | None = None,
                   skip: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in text[start:end]; list items and headings are kept apart, and
    lines starting with one of `skip` are left out."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for ua, ub in _blocks(text, start, end, skip):
        body = text[ua:ub]
        b = _BULLET.match(body)
        off = b.end() if b else len(body) - len(body.lstrip())
        seg_start = off
        for m in _END.finditer(body, off):
            word = re.search(r"([A-Za-z.]+)$", body[seg_start:m.start()])
            if word and word.group(1).lower().strip(".") in ABBREV:
                continue
            if word and re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", word.group(1)):
                continue  # initials such as "J" in "J. Smith" or "U.S"
            if word and re.fullmatch(r"[a-z]", word.group(1)) and re.search(
                    r"(?:^|\n)[ \t]*$", body[seg_start:m.start() - 1]):
                continue  # a point's letter at the start of its line: 'a. Defendants own ...'
            _add(spans, body, ua, seg_start, m.end())
            seg_start = m.end()
        _add(spans, body, ua, seg_start, len(body))
    return spans


def _add(spans: list[tuple[int, int]], body: str, base: int, a: int, b: int) -> None:
    seg = body[a:b]
    lead = len(seg) - len(seg.lstrip())
    trail = len(seg) - len(seg.rstrip())
    if seg.strip():
        spans.append((base + a + lead, base + b - trail))


def http_url(url) -> str:
    """The address when it is an http(s) URL, else '': only these are ever shown or linked."""
    url = str(url or "").strip()
    if not re.match(r"^https?://[^\s<>\"'`]+$", url, re.I) or any(ord(ch) < 32 for ch in url):
        return ""
    return url


TOKENIZER_VERSION = 5  # bump when words()/stem() change: saved BM25 sides are then rebuilt


def words(text: str) -> list[str]:
    """Lower-cased word tokens (keeps $, §, digits and inner periods like 'u.s'); a typographic apostrophe is
    read as a plain one, so "O'Connor" and "O’Connor" are one word."""
    out = []
    for w in _WORD.findall(text):
        w = w.lower().strip(".").replace("\u2019", "'")
        out.append(w[:-2] if w.endswith("'s") and len(w) > 3 else w)  # "Rural's" is about Rural
    return out


def content_words(text: str) -> list[str]:
    """Word tokens without stopwords: what BM25 and overlap scoring look at."""
    if len(text) <= 600:
        return list(_content_words_cached(text))  # answering reads the same sentences for many questions
    return _content_words(text)


def _content_words(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1 or w.isdigit()]


@functools.lru_cache(maxsize=20000)  # sentences of at most 600 characters: about 12 MB at most
def _content_words_cached(text: str) -> tuple[str, ...]:
    return tuple(_content_words(text))


_SUFFIXES = (("ments", 4), ("ment", 4), ("ings", 3), ("ing", 3), ("ies", 3), ("ied", 3), ("edly", 4), ("ed", 3),
             ("es", 3), ("s", 3), ("ly", 4))


# British and American spellings of the same word meet ('defence'/'defense', 'licence'/'license').
_SPELLING = {"defence": "defense", "licence": "license", "licences": "licenses", "licenced": "licensed",
             "licencing": "licensing", "offence": "offense", "offences": "offenses", "judgement": "judgment",
             "judgements": "judgments", "favour": "favor", "favoured": "favored", "favourable": "favorable",
             "honour": "honor", "behaviour": "behavior", "labour": "labor", "colour": "color", "rumour": "rumor",
             "programme": "program", "programmes": "programs", "catalogue": "catalog", "centre": "center",
             "authorise": "authorize", "authorised": "authorized", "recognise": "recognize", "recognised":
             "recognized", "organisation": "organization", "organisations": "organizations", "summarise":
             "summarize", "criticise": "criticize", "criticised": "criticized", "emphasise": "emphasize",
             "characterise": "characterize", "memorise": "memorize", "memorised": "memorized", "memorisation":
             "memorization", "harmonise": "harmonize", "harmonised": "harmonized", "penalise": "penalize",
             "analyse": "analyze", "analysed": "analyzed", "minimise": "minimize", "utilise": "utilize",
             "prioritise": "prioritize", "standardise": "standardize", "finalise": "finalize", "finalised":
             "finalized", "apologise": "apologize", "legalise": "legalize", "authorisation": "authorization"}


def stem(w: str) -> str:
    """A light suffix stripper so 'rulings'/'ruled'/'rule' and 'settled'/'settlement' meet."""
    w = _SPELLING.get(w, w)
    if len(w) <= 3 or not w.isalpha():
        return w
    for suf, min_base in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= min_base and not (suf == "s" and w.endswith("ss")):
            base = w[: -len(suf)]
            if suf in ("ies", "ied"):
                return base + "y"
            if suf in ("es", "s") and base.endswith("s"):
                return base  # "cases" -> "cas", "passes" -> "pass"
            return base[:-1] if base.endswith("e") and len(base) > 3 else base
    # "require"/"requires"/"required" and "rule"/"ruled"/"ruling" meet at "requir"/"rul"
    return w[:-1] if w.endswith("e") and len(w) > 3 else w
