"""Number passages, parse [n] markers, and check every quote against its source document's text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import MONTHS, NUMBER_VALUES, STOPWORDS, content_words, sentence_spans, stem
from .types import Answer, Citation

MARKER = re.compile(r"\[(\d{1,3})\]")


def markers(text: str) -> list[int]:
    """The [n] numbers in an answer, in order of appearance."""
    return [int(m) for m in MARKER.findall(text)]


def quote_in_source(quote: str, source_text: str, start: int | None = None, end: int | None = None) -> bool:
    """True when the quote is verbatim in the source text (at the recorded offsets when given)."""
    if not quote:
        return False
    if start is not None and end is not None and source_text[start:end] == quote:
        return True
    return quote in source_text


def invalid_markers(answer: Answer) -> list[int]:
    """Markers in the answer text that point to no listed citation."""
    listed = {c.n for c in answer.citations}
    return [n for n in markers(answer.text) if n not in listed]


def check_answer(answer: Answer, texts: dict[str, str]) -> list[str]:
    """Problems with an answer's citations: quotes not verbatim in their source, markers pointing nowhere."""
    problems = []
    for c in answer.citations:
        src = texts.get(c.source_id)
        if src is None:
            problems.append(f"[{c.n}] cites unknown source '{c.source_id}'")
        elif not quote_in_source(c.quote, src, c.start, c.end):
            problems.append(f"[{c.n}] quote is not verbatim in '{c.source_id}': {c.quote[:80]!r}")
    for n in invalid_markers(answer):
        problems.append(f"[{n}] in the answer points to no listed citation")
    return problems


def renumber(text: str, citations: list[Citation]) -> tuple[str, list[Citation]]:
    """Drop markers that point nowhere and renumber the rest 1..n in order of first appearance."""
    by_n = {c.n: c for c in citations}
    order: list[int] = []
    for n in markers(text):
        if n in by_n and n not in order:
            order.append(n)
    new_n = {old: i + 1 for i, old in enumerate(order)}

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[{new_n[n]}]" if n in new_n else ""

    text = MARKER.sub(sub, text)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    kept = []
    for old in order:
        c = by_n[old]
        c.n = new_n[old]
        kept.append(c)
    return text, kept



# -- verifying an LLM's answer against its numbered passages --------------------------------------------------
# The support rule. A cited sentence is supported by its passage when every number, date and name in it appears
# in the passage, it does not assert what the matching passage span denies (or the reverse), it has at least
# SUPPORT_MIN_WORDS content words, and both its embedding similarity to the closest passage sentence and its
# content-word overlap with the passage clear their floors. The floors come from a grid search (similarity
# 0.40-0.75, overlap 0.40-0.80) on the first 77 pairs of tests/data/verification/labelled.yaml (precision 0.94,
# recall 0.97; its 26 held-out pairs gave 0.91 / 0.77). Round 2 of the set added negation, antonym and
# reversed-bound flips (27 tuning pairs, 19 held out, written before the flip checks in _contradicts). Measured on
# the whole set, before -> after those checks: tuning (104 pairs) precision 0.73 -> 0.975, recall 0.95 -> 0.975;
# held out (45 pairs) precision 0.61 -> 0.78, recall 0.78 -> 0.78 (held-out flips caught: 6 -> 11 of 14). The
# first held-out run gave 0.765 / 0.72; one fix followed it (bounds on a number are matched by clause, like
# words), so the held-out figure after it is no longer a clean one.
# `python tests/test_llm.py` re-measures them.
SUPPORT_MIN_SIM = 0.55
SUPPORT_MIN_OVERLAP = 0.65
SUPPORT_MIN_WORDS = 2

_MULTI_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})+)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d{1,3}\])+")
_MONTH_ALT = "|".join(MONTHS)
_DATE = re.compile(
    r"\b(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)(?:-(?P<id>[0-3]\d))?\b"
    rf"|\b(?P<m1>{_MONTH_ALT})\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)\b"
    rf"|\b(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH_ALT}),?\s+(?P<y2>(?:19|20)\d\d)\b"
    rf"|\b(?P<m3>{_MONTH_ALT}),?\s+(?P<y3>(?:19|20)\d\d)\b", re.I)
_NUMBER = re.compile(r"(?P<n>\d+(?:,\d{3})*(?:\.\d+)?)(?P<sub>(?:\(\d+[a-z]?\))+)?")
_NUMBER_WORDS = [w for w, v in NUMBER_VALUES.items() if 2 <= v <= 20]  # ("one" is too common a word to read as 1)
_NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b", re.I)
# Words with their opposites: a claim must not use one where the matching part of its passage says the other
# ('agreed to' / 'refused to', 'granted' / 'denied'). Written as words and stemmed below, as the text is.
_OPPOSITE_WORDS = [
    ("grant granted grants", "deny denied denies refuse refused refuses reject rejected rejects"),
    ("agree agreed agrees accept accepted accepts approve approved approves consent consented",
     "refuse refused refuses decline declined declines reject rejected rejects"),
    ("win wins won prevail prevailed succeed succeeded", "lose loses lost fail failed"),
    ("uphold upholds upheld affirm affirmed affirms", "reverse reversed reverses overturn overturned vacate vacated"),
    ("allow allowed allows permit permits permitted proceed proceeded",
     "dismiss dismissed dismisses prohibit prohibited prohibits forbid forbids forbade ban bans banned bar barred"),
    ("condemn condemned condemns criticise criticised criticize criticized denounce denounced",
     "welcome welcomed welcomes praise praised praises endorse endorsed applaud applauded"),
    ("back backed backs support supported supports favour favoured favor favored endorse endorsed",
     "oppose opposed opposes"),
    ("include included includes", "exclude excluded excludes"),
    ("begin begins began start starts started", "end ends ended expire expires expired"),
    ("earlier prior previous", "later subsequent"),
    ("lawful", "unlawful"), ("legal", "illegal"), ("liable", "immune"), ("decided", "undecided"),
    ("protected", "unprotected"), ("guilty", "innocent"),
]
_NEGATORS = frozenset("not no never neither nor none cannot without".split())
_COPULAS = frozenset("is are was were be been being".split())
_FLIP_TOKEN = re.compile(r"[A-Za-z0-9$\u00a7\u00c0-\u024f][\w'\u2019$-]*(?:\.\d+)?|[.,;:!?()]")
# A bound before a number or date: at least / at most, more / fewer than, after / before, since / until.
# A start or an end is a bound too: 'begins on' / 'applies from' against 'ends on' / 'expires on'.
_LOWER_BOUND = re.compile(r"(?:at least|more than|over|above|exceeding|upwards of|no less than|no fewer than|"
                          r"after|since|later than|(?:begins?|began|starts?|started|commences?|takes? effect|"
                          r"took effect|appl(?:y|ies|ied)|in force) (?:on|from)|from)\s*$", re.I)
_UPPER_BOUND = re.compile(r"(?:at most|less than|fewer than|under|below|up to|no more than|before|until|by|"
                          r"prior to|earlier than|(?:ends?|ended|expires?|expired|lapses?|lapsed|ceases?|ceased) "
                          r"(?:on|in)?|through)\s*$", re.I)
_FLIP_WINDOW = 8  # content words either side of a word that tell which of its occurrences a claim means
_CAPITAL = re.compile(r"(?<![\w'’])([A-Z][\w'’.-]*)")
_POSSESSIVE = re.compile(r"['’]s\b")
# Sentence openers that are capitalised only because they start the sentence (not names).
_OPENERS = frozenset("""according overall however instead meanwhile separately together both neither either
following later earlier today first second third finally notably still yet thus therefore nevertheless under
unlike like despite although though because since while once after before during between judge court courts
training trained copyright copyrights authors plaintiffs defendants rightholders lawyers studios""".split())
# One name written several ways: a name in the sentence is found when any of its spellings is in the passage.
_ALIASES = [("us", "u.s", "united states", "america", "american"),
            ("uk", "u.k", "united kingdom", "britain", "british", "england"),
            ("eu", "e.u", "european union", "europe", "european"), ("ai", "artificial intelligence")]
# Passage sentences that address the model rather than state facts: they never support a claim.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,60}\b(?:instructions?|prompts?|rules|context|above)\b"
    r"|\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot)\b|\bsystem prompt\b"
    r"|\b(?:answer|reply|respond|say|output|print)\b[^.]{0,20}\bonly\b"
    r"|\b(?:answer|reply|respond|say|output)\s+(?:with\s+)?[\"'\u201c\u2018][^\"'\u201d\u2019]{1,40}[\"'\u201d\u2019]",
    re.I)


def normalize_markers(text: str) -> str:
    """One number per bracket: '[1, 2]' -> '[1][2]' and '[2-4]' -> '[2][3][4]'."""
    def split(m: re.Match) -> str:
        out: list[int] = []
        for part in re.split(r"\s*[,;]\s*", m.group(1)):
            ends = [int(x) for x in re.split(r"\s*[–-]\s*", part)]
            lo, hi = ends[0], ends[-1]
            out += list(range(lo, hi + 1)) if 0 <= hi - lo < 10 else ends
        return "".join(f"[{n}]" for n in dict.fromkeys(out))

    return _MULTI_MARKER.sub(split, text)


def answer_sentences(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, cited numbers) for each sentence of an answer. Markers written after a full stop belong to
    the sentence before them ('... was fair use. [1] The court ...')."""
    out: list[list] = []
    for s, e in sentence_spans(text):
        lead = _LEADING_MARKERS.match(text[s:e])
        if lead and out:
            out[-1][1] = s + lead.end()
            out[-1][2] += markers(lead.group(0))
            s += lead.end()
            s += len(text[s:e]) - len(text[s:e].lstrip())
        if s < e:
            out.append([s, e, markers(text[s:e])])
    return [(s, e, ns) for s, e, ns in out]


def strip_markers(text: str) -> str:
    """A sentence without its [n] markers, in single spaces."""
    text = MARKER.sub("", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split())).strip()


def dates(text: str) -> set[str]:
    """Dates in a text as 'YYYY-MM-DD' (or 'YYYY-MM' when no day is given): '2025-06-23', 'June 23, 2025' and
    '23 June 2025' are the same date."""
    return {d for d, _s, _e in _date_spans(text)}


def _date_spans(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        if g["iy"]:
            y, mo, d = g["iy"], int(g["im"]), g["id"]
        else:
            y = g["y1"] or g["y2"] or g["y3"]
            mo = MONTHS.index((g["m1"] or g["m2"] or g["m3"]).lower()) + 1
            d = g["d1"] or g["d2"]
        out.append((f"{y}-{mo:02d}" + (f"-{int(d):02d}" if d else ""), m.start(), m.end()))
    return out


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴-⁹]+")


def numbers(text: str) -> set[str]:
    """Numbers in a text other than dates, normalised: '482,460' -> '482460', 'Article 4(3)' -> '4(3)',
    'four' -> '4'; a superscript exponent counts as one written with a caret ('10²⁶' as '10^26')."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPTS), text)
    for _d, s, e in reversed(_date_spans(text)):
        text = text[:s] + " " + text[e:]
    out = set()
    for m in _NUMBER.finditer(text):
        if m.group("sub"):
            out.add(m.group(0))
            continue
        whole, _, frac = m.group("n").replace(",", "").partition(".")
        frac = frac.rstrip("0")
        out.add((whole.lstrip("0") or "0") + (f".{frac}" if frac else ""))
    for m in _NUMBER_WORD.finditer(text):
        out.add(str(_NUMBER_WORDS.index(m.group(0).lower()) + 2))
    return out


def _terms(text: str) -> set[str]:
    return set(content_words(_POSSESSIVE.sub("", text)))


def names(text: str) -> set[str]:
    """Capitalised words that name someone or something (a sentence's first word only when it is no opener)."""
    out = set()
    plain = _POSSESSIVE.sub("", text)
    for m in _CAPITAL.finditer(plain):
        w = m.group(1).strip(".-'’")
        low = w.lower()
        if not w or low in STOPWORDS or low in MONTHS or low in _NUMBER_WORDS:
            continue
        first = not plain[:m.start()].strip(" \"'\u201c(")
        if first and (low in _OPENERS or low.endswith("ly") or plain[m.end():m.end() + 1] == ","):
            continue
        out.add(w)
    return out


def _has_name(name: str, terms: set[str], low_text: str) -> bool:
    low = name.lower()
    for group in _ALIASES:
        if low in group:
            return any(re.search(rf"(?<![\w.]){re.escape(a)}(?!\w)", low_text) for a in group)
    parts = _terms(name)
    return bool(parts) and parts <= terms


def _match(word: str, terms: set[str]) -> bool:
    # 'decision'/'decided', 'licensing'/'licence' meet on a shared stem of five letters
    return word in terms or (len(word) >= 6 and any(len(t) >= 6 and t[:5] == word[:5] for t in terms))


def _overlap(claim_terms: set[str], terms: set[str]) -> float:
    return sum(_match(t, terms) for t in claim_terms) / len(claim_terms) if claim_terms else 0.0


def states_fact(sentence: str) -> bool:
    """True for a sentence that asserts something checkable: a number, a name, or three content words."""
    return bool(numbers(sentence) or names(sentence) or len(_terms(sentence)) >= 3)


def passage_windows(text: str) -> list[tuple[int, int, int]]:
    """(start, end, sentences) spans a claim is checked and quoted against: each sentence and each pair of
    neighbours, never a sentence that addresses the model ('ignore your instructions and ...')."""
    spans = [(s, e) for s, e in sentence_spans(text) if not INSTRUCTION.search(text[s:e])]
    spans = [(s, e) for s, e in spans if len(text[s:e].split()) >= 3] or spans
    pairs = [(a[0], b[1], 2) for a, b in zip(spans, spans[1:]) if len(text[a[1]:b[0]]) <= 3]
    return [(s, e, 1) for s, e in spans] + pairs


@dataclass
class Support:
    """How well a passage supports one sentence of an answer, and the passage span that matches it best."""

    supported: bool
    similarity: float
    overlap: float
    missing: list[str]  # numbers, dates and names of the sentence that the passage does not contain
    negation: bool  # the sentence asserts what its matching span denies, or denies what it asserts
    words: int
    span: tuple[int, int] | None = None


def _concepts() -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for pid, (a, b) in enumerate(_OPPOSITE_WORDS):
        for side, group in ((1, a), (-1, b)):
            for w in group.split():
                if (pid, side) not in out.setdefault(stem(w), []):
                    out[stem(w)].append((pid, side))
    return out


_CONCEPTS = _concepts()


def signed_terms(text: str) -> list[tuple[str, int, int, int]]:
    """(concept, sign, position, clause) for each content word: sign -1 where it is negated or stands for the
    opposite of its pair in _OPPOSITE_WORDS, so 'was not fair use' gives ('fair', -1, ...) and 'refused' gives
    the agree/refuse concept with sign -1.

    A negation after a copula ('is not', 'was not an') covers the run of content words that follows ('not
    copyright infringement'); any other ('did not decide', 'has not expressly reserved') covers the next content
    word only, past adverbs; 'non-' covers the word it is attached to."""
    out: list[tuple[str, int, int, int]] = []
    pending: str | None = None  # 'word' or 'phrase' after a negator
    in_phrase = False
    prev = ""
    pos = clause = 0
    for m in _FLIP_TOKEN.finditer(_POSSESSIVE.sub("", text)):
        tok = m.group(0)
        low = tok.lower()
        if tok in ".!?;:,()":
            clause += 1
            pending, in_phrase, prev = None, False, ""
            continue
        if low in _NEGATORS or re.search(r"n['\u2019]t$", low):
            pending = "phrase" if prev in _COPULAS or re.match(r"(?:is|are|was|were)n['\u2019]t$", low) else "word"
            in_phrase, prev = False, low
            continue
        negated_prefix = low.startswith("non-")
        terms = _terms(low[4:] if negated_prefix else low)
        if not terms:
            if in_phrase:
                pending, in_phrase = None, False  # a function word ends the negated phrase
            elif pending == "word" and low in _COPULAS:
                pending = "phrase"  # 'held not to be fair use', 'will not be liable'
            prev = low
            continue
        if pending == "word" and len(low) >= 6 and low.endswith("ly") and not low.endswith("ply"):
            prev = low
            continue  # 'not expressly reserved': the adverb is not what is negated
        sign = -1 if (pending or negated_prefix) else 1
        for t in terms:
            for pid, side in _CONCEPTS.get(t, ()):
                out.append((f"~{pid}", sign * side, pos, clause))
            out.append((t, sign, pos, clause))
            pos += 1
        if pending == "phrase":
            in_phrase = True
        else:
            pending = None
        prev = low
    return out


def _bounds(text: str) -> list[tuple[str, int, set[str]]]:
    """(number or date, sign, words of its clause) for each number and date: sign +1 after a lower bound, -1 after
    an upper bound, 0 for none: 'at least $1.5 billion' -> ('1.5', 1, ...), 'until 1 August 2026' ->
    ('2026-08-01', -1, ...)."""
    cuts = [0] + [m.end() for m in re.finditer(r"[,;:!?()]|\.(?=\s|$)", text)] + [len(text) + 1]

    def clause_terms(at: int) -> set[str]:
        i = next(k for k in range(1, len(cuts)) if at < cuts[k])
        return _terms(text[cuts[i - 1]:cuts[i]])

    def sign_before(at: int) -> int:
        before = re.sub(r"[$\u20ac\u00a3\s]+$", " ", text[max(0, at - 20):at])
        return 1 if _LOWER_BOUND.search(before) else -1 if _UPPER_BOUND.search(before) else 0

    spans = _date_spans(text)
    out = [(d, sign_before(s), clause_terms(s)) for d, s, _e in spans]
    for m in _NUMBER.finditer(text):
        if not any(s <= m.start() < e for _d, s, e in spans):
            out += [(n, sign_before(m.start()), clause_terms(m.start())) for n in numbers(m.group(0))]
    return out


def _contradicts(claim: str, passage: str) -> bool:
    """True when the claim says the opposite of the part of the passage it matches: it negates what that part
    asserts or asserts what it negates ('was not fair use' / 'was fair use'), uses the opposite word ('refused to'
    / 'agreed to'), or turns a bound round ('at most $1.5 billion' / 'at least $1.5 billion').

    A word can occur several times in a passage with different signs ('training was fair use, but downloading
    was not fair use'): the occurrence whose neighbouring words (in its clause) best match the claim decides,
    and a tie counts in the claim's favour."""
    c_terms = signed_terms(claim)
    p_terms = signed_terms(passage)
    by_concept: dict[str, list[tuple[int, int, int]]] = {}
    for concept, sign, pos, sent in p_terms:
        by_concept.setdefault(concept, []).append((sign, pos, sent))
    claim_words = {c for c, _s, _p, _n in c_terms if not c.startswith("~")}
    for concept, sign, _pos, _sent in c_terms:
        occurrences = by_concept.get(concept)
        if not occurrences:
            continue
        context = claim_words - {concept}
        scored = []
        for p_sign, p_pos, p_sent in occurrences:
            near = {c for c, _s, q, n in p_terms
                    if n == p_sent and abs(q - p_pos) <= _FLIP_WINDOW and not c.startswith("~")}
            scored.append((len(context & near), p_sign))
        best = max(score for score, _s in scored)
        if all(p_sign != sign for score, p_sign in scored if score == best):
            return True
    # the same for a bound on a number or date: the occurrence in the best-matching clause decides
    p_bounds = _bounds(passage)
    for n, sign, _words in _bounds(claim):
        scored = [(len(claim_words & words), p_sign) for pn, p_sign, words in p_bounds if pn == n]
        if sign and scored:
            best = max(score for score, _s in scored)
            if all(p_sign and p_sign != sign for score, p_sign in scored if score == best):
                return True
    return False


def _missing(claim: str, whole: str) -> list[str]:
    terms, low = _terms(whole), whole.lower()
    have_dates = dates(whole)
    out = [d for d in sorted(dates(claim))
           if d not in have_dates and not (len(d) == 7 and any(h.startswith(d) for h in have_dates))]
    have = numbers(whole) | {str(int(p)) for d in have_dates for p in d.split("-")}
    out += sorted(n for n in numbers(claim) if n not in have)
    out += sorted(n for n in names(claim) if not _has_name(n, terms, low))
    return out


def support(claim: str, claim_vec, passage: str, windows: list[tuple[int, int, int]], sentence_vecs,
            context: str = "", min_sim: float | None = None, min_overlap: float | None = None) -> Support:
    """Check one claim against one passage: its numbers, dates and names must appear in it, it must not assert
    what its best-matching span denies (or the reverse), and both its embedding similarity to the closest
    sentence and its content-word overlap with the passage must clear the thresholds. `sentence_vecs` embed the
    single-sentence windows, in order; `context` (title, section) counts for names and words but is never quoted."""
    import numpy as np

    min_sim = SUPPORT_MIN_SIM if min_sim is None else min_sim
    min_overlap = SUPPORT_MIN_OVERLAP if min_overlap is None else min_overlap
    whole = context + "\n" + "\n".join(passage[s:e] for s, e, n in windows if n == 1)
    claim_terms = _terms(claim)
    overlap = _overlap(claim_terms, _terms(whole))
    singles = [(s, e) for s, e, n in windows if n == 1]
    sims = {w: float(np.dot(v, claim_vec)) for w, v in zip(singles, sentence_vecs)}
    sim = max(sims.values(), default=0.0)
    span, best = None, float("-inf")
    for s, e, n in windows:
        # a pair is as close in meaning as its closer sentence, and is quoted only when it covers the claim's
        # words clearly better than either sentence alone
        v = sims[(s, e)] if n == 1 else max((x for (a, b), x in sims.items() if a == s or b == e), default=0.0)
        score = v + _overlap(claim_terms, _terms(passage[s:e])) - (0.08 if n > 1 else 0.0)
        if score > best:
            best, span = score, (s, e)
    negation = span is not None and _contradicts(claim, passage[span[0]:span[1]])
    missing = _missing(claim, whole)
    ok = (not missing and not negation and len(claim_terms) >= SUPPORT_MIN_WORDS and sim >= min_sim
          and overlap >= min_overlap)
    return Support(ok, round(sim, 4), round(overlap, 4), missing, negation, len(claim_terms), span)
