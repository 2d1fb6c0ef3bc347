"""False premises: a question that presupposes a year, court, amount or event that the documents it is about do
not record ('What did the Ninth Circuit hold in its 2028 ruling in Andersen v. Stability?'). The answer then says
the sources record no such thing, before what they do record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .query import Question, court_key

# Events a question can take for granted; each with the word stems a document would use for it.
# (what the question takes for granted, how a question says it, how a document would record it)
EVENTS = [
    ("a verdict", r"\bverdicts?\b", r"\bverdicts?\b|\bjury (?:found|awarded|returned)"),
    ("a jury", r"\bjury\b|\bjurors?\b", r"\bjury\b|\bjurors?\b"),
    ("a fine", r"(?<!-)\bfined?\b(?!-)|\bfines\b|\bpenalt(?:y|ies)\b", r"\bfined?\b|\bfines\b|\bpenalt(?:y|ies)\b"),
    ("a settlement", r"\bsettle(?:d|ment|ments)?\b", r"\bsettl\w*"),
    ("an injunction", r"\binjunctions?\b|\benjoin(?:ed)?\b", r"\binjunct\w*|\benjoin\w*"),
    ("damages", r"\bdamages\b", r"\bdamages\b"),
    ("a payment", r"\b(?:have|had|has|ordered|made|forced|required) to pay\b|\bpaid (?:to|out)\b",
     r"\bpa(?:y|id|ys|ying|yment)\b|\bdamages\b|\bsettl\w*|\baward\w*"),
    ("a reversal", r"\brevers(?:ed|al|e)\b|\boverturn\w*", r"\brevers\w*|\boverturn\w*|\bvacat\w*"),
    ("an affirmance", r"\baffirm(?:ed|ance|s)?\b|\bupheld\b", r"\baffirm\w*|\bupheld\b|\buphold\w*"),
    ("a conviction", r"\bconvict(?:ed|ion)\b|\bguilty\b", r"\bconvict\w*|\bguilty\b"),
    ("a disbarment", r"\bdisbar\w*", r"\bdisbar\w*"),
    ("a final rule", r"\bfinal rules?\b", r"\bfinal rules?\b"),
    ("a split decision", r"\bsplit\b", r"\bdissent\w*|\bsplit\b"),
    ("a ruling", r"\b(?:did|has|have) the (?:judge|court|tribunal|jury|panel) (?:rule|decide|hold|find|order)\b|"
     r"\bwhat (?:was|is) the (?:ruling|judgment|verdict|holding|decision)\b",
     r"\b(?:ruled|rules|held|holds|decided|found|granted|denied|dismissed|ruling|judgment|ordered|affirm\w*|"
     r"revers\w*|vacated|opinion)\b"),
    ("an order to pay", r"\border(?:ed|s)?\s+(?:\w+\s+){1,4}to\s+(?:pay|refund|return|reimburse)\b",
     r"\border(?:ed|s)?\b[^.]{0,120}\b(?:pay|refund|return|reimburse)\b"),
]
_CURRENCIES = [("pounds", r"£|\bpounds?\b|\bGBP\b"), ("euros", r"€|\beuros?\b|\bEUR\b"),
               ("dollars", r"\$|\bdollars?\b|\bUSD\b"), ("yen", r"¥|\byen\b|\bJPY\b"),
               ("rupees", r"₹|\brupees?\b|\bINR\b")]


def _subdivisions(question: str) -> list[str]:
    """Lettered or numbered subdivisions a question names: 'subsection (o)' -> '(o)', 'point (e)' -> '(e)'."""
    out = []
    for m in re.finditer(r"\b(?:subsection|paragraph|point|clause|subparagraph)\s*(\([a-z0-9]{1,4}\))", question, re.I):
        out.append(m.group(1))
    return out
# Courts a question describes rather than names, and what a document says when one of them ruled.
GENERIC_COURTS = [
    (r"^(?:the )?(?:appeals? court|appellate court|court of appeals?|circuit court)$",
     r"\bappeal\w*|\bcircuit\b|\bappellate\b|\bcir\."),
    (r"^(?:the )?(?:district court|trial court|lower court)$", r"\bdistrict\b|\btrial\b|\blower court\b|\bD\. ?[A-Z]"),
]


@dataclass
class Premise:
    """What the question takes for granted that its documents do not record."""

    missing: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # source ids the premise was checked against

    @property
    def unsupported(self) -> bool:
        return bool(self.missing)


def _has_year(year: str, text: str) -> bool:
    return re.search(rf"(?<!\d){year}(?!\d)", text) is not None


# A country's or city's adjective and the names a document may use instead ('the English High Court' is the High
# Court of England and Wales).
_PLACE_OF = {
    "english": ("england",), "british": ("britain", "united kingdom", "uk"), "scottish": ("scotland",),
    "welsh": ("wales",), "irish": ("ireland",), "german": ("germany",), "french": ("france",),
    "dutch": ("netherlands", "holland"), "italian": ("italy",), "spanish": ("spain",), "danish": ("denmark",),
    "swedish": ("sweden",), "hungarian": ("hungary",), "polish": ("poland",), "czech": ("czech",),
    "austrian": ("austria",), "swiss": ("switzerland",), "belgian": ("belgium",), "chinese": ("china", "prc"),
    "japanese": ("japan",), "korean": ("korea",), "indian": ("india",), "canadian": ("canada",),
    "australian": ("australia",), "brazilian": ("brazil",), "american": ("united states", "u.s.", "us"),
    "european": ("european union", "eu"), "munich": ("münchen", "munchen"), "cologne": ("köln", "koln"),
}


def _court_in(court: str, text: str, low: str) -> bool:
    key = court_key(court)
    if key == "scotus":
        key = "supreme court"
    if key.startswith("circuit:"):
        n = int(key.split(":")[1])
        words = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
                 8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh", 0: "federal", -1: "d\\.?c\\.?"}
        nums = {1: "1st", 2: "2(?:n?d)", 3: "3(?:r?d)", 4: "4th", 5: "5th", 6: "6th", 7: "7th", 8: "8th", 9: "9th",
                10: "10th", 11: "11th", 0: "fed\\.", -1: "d\\.c\\."}
        return re.search(rf"\b(?:{words.get(n, '')}|{nums.get(n, '')})\s+cir(?:cuit|\.)", low) is not None
    if key == "jury":
        return "jury" in low
    first = court.split()[0]
    if re.fullmatch(r"[A-Z][a-z]+", first) and first.lower() not in ("supreme", "district", "high", "court", "federal",
                                                                       "regional", "higher", "appeals", "circuit"):
        # 'Munich court': the document must name Munich; 'the English High Court': England (or English)
        return any(re.search(rf"\b{re.escape(w)}", low) for w in (first.lower(), *_PLACE_OF.get(first.lower(), ())))
    return key in " ".join(low.split())


def _amount_in(amount: str, text: str) -> bool:
    m = re.search(r"(\d[\d,.]*)\s*(million|billion|thousand|bn|m|k)?", amount, re.I)
    if not m:
        return True
    num = m.group(1).replace(",", "").rstrip(".")
    scale = (m.group(2) or "").lower()
    scale = {"bn": "billion", "m": "million", "k": "thousand"}.get(scale, scale)
    if scale:
        return re.search(rf"(?<![\d.]){re.escape(num)}\s*(?:{scale}|{scale[0]}n?\b)", text, re.I) is not None
    digits = re.sub(r"\D", "", num)
    return digits in re.sub(r"(?<=\d)[,.](?=\d{3})", "", text)


def check(q: Question, texts: dict[str, str], titles: dict[str, str] | None = None) -> Premise:
    """The question's years, courts, amounts and events that none of the given documents' texts records.

    `texts` are the documents the question is about (source id -> full text). With no document to check
    against, nothing is flagged: a premise is only judged against the documents it is about."""
    out = Premise(checked=list(texts))
    if not texts:
        return out
    whole = "\n".join(texts.values()) + "\n" + "\n".join((titles or {}).get(s, "") for s in texts)
    low = whole.lower()
    for y in dict.fromkeys(q.years):
        if not _has_year(y, whole):
            out.missing.append(y)
    for c in dict.fromkeys(q.courts):
        if _hypothetical(q.text, c):
            continue  # 'a jury could find': a possibility, not something that happened
        generic = next((rx for pat, rx in GENERIC_COURTS if re.match(pat, c.lower())), None)
        if generic is not None:
            if not re.search(generic, whole, re.I):
                out.missing.append(f"the {c.lower().removeprefix('the ')}")
            continue
        if not _court_in(c, whole, low):
            out.missing.append(c if c.lower() == "jury" else f"the {c}" if not c.lower().startswith("the ") else c)
    for word, rx in _CURRENCIES:
        if re.search(rf"\b{word}\b", q.text, re.I) and not re.search(rx, whole, re.I):
            out.missing.append(f"an amount in {word}")
    for m in re.finditer(r"\b([1-9])\s*[-\u2013]\s*([0-9])\b(?!\d)(?=[^.?]*\b(?:split|vote|decision|ruling|majority|"
                         r"court|justices|judges|panel)\b)|\b(?:split|voted|ruled)\s+([1-9])\s*[-\u2013]\s*([0-9])\b", q.text, re.I):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if not re.search(rf"\b{a}\s*(?:[-\u2013]|to)\s*{b}\b", whole):
            out.missing.append(f"a {a}-{b} vote")
    # a party an event is said to have happened to, that the documents never name ('fine Apple')
    if any(re.search(cue, q.text, re.I) for _w, cue, _r in EVENTS) or re.search(
            r"\b(?:fine[ds]?|sued|sanction\w*|order\w*|award\w*|enjoin\w*)\s+(?:[A-Z]\w+)", q.text):
        for m in q.mentions:
            # (a name is checked even when it names another document: 'fine Apple' under the DMA; an acronym the
            # linker resolved, such as 'DMA', need not be spelt out in the text)
            if (m.kind == "name" or (m.kind == "acronym" and m.text not in q.resolved)) and not all(
                    re.search(rf"(?<![\w]){re.escape(t)}(?![\w])", low) for t in m.tokens):
                out.missing.append(m.text)
    for label in _subdivisions(q.text):
        if not re.search(rf"(?:^|\n)\s*(?:[-*]\s*)?{re.escape(label)}\s", whole):
            out.missing.append(label)
    for a in dict.fromkeys(q.amounts):
        if not _amount_in(a, whole):
            out.missing.append(a)
    for what, cue, recorded in EVENTS:
        if re.search(cue, q.text, re.I) and not _presupposes_not(q.text, cue) and not _hypothetical(q.text, cue) \
                and not re.search(recorded, whole, re.I):
            out.missing.append(what)
    # a jury and its verdict are one thing missing, not two
    if "a jury" in out.missing and "a verdict" in out.missing:
        out.missing.remove("a jury")
    return out


def _hypothetical(question: str, what: str) -> bool:
    """'a jury could find', 'an injunction would stop': every mention of it is followed by a modal verb."""
    pattern = what if any(ch in what for ch in "\\[(|") else rf"\b{re.escape(what)}\b"
    found = list(re.finditer(pattern, question, re.I))
    return bool(found) and all(re.match(r"\W+(?:\w+\W+)?(?:could|would|might|may|can)\b", question[m.end():], re.I)
                               for m in found)


def _presupposes_not(question: str, rx: str) -> bool:
    """'Has there been a settlement?' asks whether; it takes nothing for granted."""
    return bool(re.match(r"^\s*(?:has|have|is|are|was|were|did|does|do|will|would|could|can)\b.*?(?:any|a|an|yet|"
                         r"ever)\b", question, re.I)) and bool(re.search(rx, question, re.I))
