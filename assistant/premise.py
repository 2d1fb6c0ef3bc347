"""False premises: a question that presupposes a year, court, amount or event that the documents it is about do
not record ('What did the Ninth Circuit hold in its 2028 ruling in Andersen v. Stability?'). The answer then says
the sources record no such thing, before what they do record."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .places import PLACE_OF as _PLACE_OF
from .places import PLACE_WORDS
from .query import Mention, Question, court_key, court_spans, district_forms
from .text import MONTHS, NUMBER_VALUES, content_words, sentence_spans

# Events a question can take for granted; each with the word stems a document would use for it.
# (what the question takes for granted, how a question says it, how a document would record it)
EVENTS = [
    ("a verdict", r"\bverdicts?\b", r"\bverdicts?\b|\bjury (?:found|awarded|returned)"),
    ("a jury", r"\bjury\b|\bjurors?\b", r"\bjury\b|\bjurors?\b"),
    ("a fine", r"(?<!-)\bfined?\b(?!-)|\bfines\b|\bpenalt(?:y|ies)\b", r"\bfined?\b|\bfines\b|\bpenalt(?:y|ies)\b"),
    ("a settlement", r"\bsettle(?:d|ment|ments)?\b", r"\bsettl\w*"),
    ("an injunction", r"\binjunctions?\b|\benjoin(?:ed)?\b", r"\binjunct\w*|\benjoin\w*"),
    ("damages", r"\bdamages\b", r"\bdamages\b"),
    # damages a court or jury is said to have awarded: a mention of damages (a claim, an expert, 'no damages will
    # flow') is no award; the award, a verdict or an amount 'in damages' is
    ("an award of damages", r"\baward\w*\b[^?]{0,40}\bdamages\b|\bdamages\b[^?]{0,40}\baward\w*",
     r"\baward\w*\b[^.;]{0,60}\bdamages\b|\bdamages\b[^.;]{0,60}\baward\w*|\bverdicts?\b|\bjury (?:found|returned)\b|"
     r"\$[\d,.]+\s*(?:million|billion)?\s+(?:in|of)\s+(?:\w+\s+)?damages\b"),
    ("a payment", r"\b(?:have|had|has|ordered|made|forced|required) to pay\b|\bpaid (?:to|out)\b",
     r"\bpa(?:y|id|ys|ying|yment)\b|\bdamages\b|\bsettl\w*|\baward\w*"),
    ("a reversal", r"\brevers(?:ed|al|e)\b|\boverturn\w*", r"\brevers\w*|\boverturn\w*|\bvacat\w*"),
    ("an affirmance", r"\baffirm(?:ed|ance|s)?\b|\bupheld\b", r"\baffirm\w*|\bupheld\b|\buphold\w*"),
    ("a conviction", r"\bconvict(?:ed|ion)\b|\bguilty\b", r"\bconvict\w*|\bguilty\b"),
    ("criminal charges", r"\bcriminal(?:ly)?\s+(?:charges?|charged|prosecut\w*|case|proceedings)\b|\bindict(?:ed|ment)\b|"
     r"\bprosecut(?:ed|ion)\b|\barrest(?:ed|s)?\b", r"\bcriminal\w*|\bindict\w*|\bprosecut\w*|\barrest\w*"),
    ("a disbarment", r"\bdisbar\w*", r"\bdisbar\w*"),
    ("sanctions", r"\bsanction(?:s|ed)\b", r"\bsanction\w*"),
    ("a final rule", r"\bfinal rules?\b", r"\bfinal rules?\b"),
    ("a split decision", r"\bsplit\b", r"\bdissent\w*|\bsplit\b"),
    ("a ruling", r"\b(?:did|has|have) the (?:judge|court|tribunal|jury|panel) (?:rule|decide|hold|find|order)\b|"
     r"\bwhat (?:was|is) the (?:ruling|judgment|verdict|holding|decision)\b",
     r"\b(?:ruled|rules|held|holds|decided|found|granted|denied|dismissed|ruling|judgment|ordered|affirm\w*|"
     r"revers\w*|vacated|opinion)\b"),
    ("a lawsuit", r"\bsu(?:e|ed|es|ing)\b|\blawsuits?\b",
     r"\bsu(?:e|ed|es|ing)\b|\b(?:law)?suits?\b|\bcomplaints?\b|\bfiled\b|\bclaims? against\b|\bv\.?\s"),
    ("a licence", r"\blicen[cs](?:ed|es|ing|e)\b",
     r"\blicen[cs]\w*|\bdeals?\b|\bagreements?\b|\bpartnerships?\b"),
    ("an order to pay", r"\border(?:ed|s)?\s+(?:\w+\s+){1,4}to\s+(?:pay|refund|return|reimburse)\b",
     r"\border(?:ed|s)?\b[^.]{0,120}\b(?:pay|refund|return|reimburse)\b"),
]
# (events that are only checked for who they were between: every document mentions suits and licences, and the
# names around them are the parties, not the ones something happened to)
_PARTY_EVENTS = ("a lawsuit", "a licence")
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


def _names_a_judge(text: str) -> bool:
    """Whether a text names any judge: 'Judge Ann Poe', 'Justice Holmes', 'ALITO, J.', 'WILLIAM ALSUP / UNITED
    STATES DISTRICT JUDGE'."""
    return bool(re.search(r"\b(?:Judge|Justice|JUSTICE)\s+[A-Z]|\b[A-Z][A-Za-z'\-]+,\s*(?:C\.\s*)?J\.|"
                          r"\b(?:District|Circuit|Magistrate)\s+Judge\b|\bDISTRICT\s+JUDGE\b", text))


# an article's heading in a law's text ('Article 17', '## Article 15a')
_ARTICLE_HEAD = re.compile(r"(?m)^\s*(?:#+\s*)?Article\s+(\d{1,3}[a-z]?)\b")


def _article_absent(question: str, texts: dict[str, str]) -> str:
    """'Article 101' when the question names an article of a law whose full text is among the documents (one that
    heads five or more of its articles, 'Article 1' among them) and that text heads no such article; '' otherwise."""
    for m in re.finditer(r"\bArticle\s+(\d{1,3})[a-z]?\b", question):
        n = m.group(1)
        for text in texts.values():
            heads = {re.match(r"\d+", h).group() for h in _ARTICLE_HEAD.findall(text)}
            if len(heads) >= 5 and "1" in heads and n not in heads and int(n) > max(int(h) for h in heads):
                return f"Article {n}"
    return ""


@functools.lru_cache(maxsize=8)
def _articles(text: str) -> tuple[dict[str, tuple[frozenset[str], Counter]], Counter]:
    """A law's articles (number -> the stems of its text, and its pairs of neighbouring stems) and the pairs of the
    whole text; no articles for a text that is not a law's full text with one heading per article."""
    heads = list(_ARTICLE_HEAD.finditer(text))
    numbers = [h.group(1) for h in heads]
    if len(set(numbers)) < 5 or "1" not in numbers:
        return {}, Counter()
    seq_all: list[str] = []
    out: dict[str, tuple[frozenset[str], Counter]] = {}
    for i, h in enumerate(heads):
        body = text[h.start():heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        seq = content_words(body)
        seq_all += seq
        if numbers.count(h.group(1)) == 1:
            out[h.group(1)] = (frozenset(seq), Counter(zip(seq, seq[1:])))
    seq_all = content_words(text[:heads[0].start()]) + seq_all
    return out, Counter(zip(seq_all, seq_all[1:]))


def _article_topic_elsewhere(question: str, texts: dict[str, str]) -> str:
    """'protection officer in Article 17' when the question asks what an article of a law (whose full text is
    among the documents) says of a term of that law, and the term is the law's own (two words that stand together
    elsewhere in its text) but that article's text has not both its words: the question has the article wrong. ''
    otherwise, and always for a term of one word, which an article may well say in other words."""
    asked = [m.group(1) for m in re.finditer(r"\bArticle\s+(\d{1,3}[a-z]?)\b", question)]
    if len(set(asked)) != 1:
        return ""  # (two articles named: which one a term belongs to is not said)
    n = asked[0]
    # the question's words in order, without the article and the law it names
    rest = re.sub(r"\bArticle\s+\d{1,3}[a-z]?(?:\s*\([^)]*\))*(?:\s+of\s+(?:the\s+)?(?:[A-Z][\w\-]*\s*)+)?", " ",
                  question)
    words = re.findall(r"[\w\-]+", rest)
    stems = [content_words(w) for w in words]
    at = [(i, st[0]) for i, st in enumerate(stems) if len(st) == 1 and not st[0].isdigit()]
    pairs = [(i, j, a, b) for (i, a), (j, b) in zip(at, at[1:]) if a != b]
    missing = ""
    for text in texts.values():  # (several laws with an article of that number: the term must be in none of them)
        articles, together = _articles(text)
        if n not in articles:
            continue
        own, own_pairs = articles[n]
        if any(own_pairs[(a, b)] for _i, _j, a, b in pairs):
            return ""  # the article has a term of the question ('the prohibited AI practices of Article 5'): the
            # rest (the fine for them) may be said of it elsewhere
        found = [(-((a not in own) + (b not in own)), i, j) for i, j, a, b in pairs
                 if together[(a, b)] > own_pairs[(a, b)] and not (a in own and b in own)]
        if not found:
            return ""
        _k, i, j = min(found)
        # the term, with a word either side that stands with it in the law ('data protection officer')
        ends = {(x, y): (a, b) for x, y, a, b in pairs}
        starts = {y: x for x, y, _a, _b in pairs}
        if i in starts and together[ends[(starts[i], i)]]:  # (one word each way: a term, not a clause)
            i = starts[i]
        nxt = {x: y for x, y, _a, _b in pairs}
        if j in nxt and together[ends[(j, nxt[j])]]:
            j = nxt[j]
        missing = missing or f"{' '.join(words[i:j + 1])} in Article {n}"
    return missing


def _judges_named(question: str) -> list[str]:
    """Surnames of the judges a question names ('Judge Vince Chhabria' -> 'Chhabria', 'Justice Louis Brandeis')."""
    return list(dict.fromkeys(m.group(1).split()[-1] for m in re.finditer(
        r"\b(?:Judge|Justice)\s+((?:[A-Z][\w\-]*(?:['\u2019][A-Za-z][\w\-]+)?\.?\s+){0,3}[A-Z][\w\-]*"
        r"(?:['\u2019](?!s\b)[A-Za-z][\w\-]+)?)", question)))  # ('Justice Breyer's': Breyer; 'Judge O'Connor')


_NUMBER_WORDS = list(NUMBER_VALUES)
_NUMBER_VALUES = NUMBER_VALUES
_COUNTED = re.compile(r"(?<![\w$\u20ac\u00a3.,\-\u2013])(\d{1,4}|(?:" + "|".join(_NUMBER_WORDS) + r"))\s+(?:more\s+)?"
                      r"([a-z]{3,})\b", re.I)
# what a count can be of, when a document writes it next to the number: a time or things counted
_UNITS = frozenset(content_words("days weeks months years hours minutes instruments states countries members justices "
                                  "judges counts claims articles sections pages copies works books songs photographs "
                                  "images headnotes plaintiffs defendants exhibits patents tracks videos"))


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else _NUMBER_VALUES.get(word.lower())


_YES_NO = re.compile(r"\s*(?:does|do|did|is|are|was|were|can|could|must|may|might|will|would|should|shall|has|have|"
                     r"had)\b", re.I)


def _count_missing(question: str, whole: str) -> str:
    """'30 days' when the question gives a number of days (or instruments, states, copies ...) that the documents
    never give, while they give another number of them ('10-14 days'); '' otherwise. A question asking how many
    takes no number for granted; nor does a year ('in 2025'), nor a bound a yes-or-no question asks about ('Does it
    last at least 70 years?'; but 'Why must it last at least 70 years?' takes the 70 for granted)."""
    if re.search(r"\bhow\s+(?:many|long|much)\b|\bwhether\b", question, re.I):
        return ""
    if re.search(r"\bat\s+(?:least|most)\b|\bup\s+to\b", question, re.I) and _YES_NO.match(question):
        return ""
    for m in _COUNTED.finditer(question):
        n, unit = _number(m.group(1)), (content_words(m.group(2)) or [""])[0]
        if n is None or unit not in _UNITS or (m.group(1).isdigit() and len(m.group(1)) == 4):
            continue
        seen: set[int] = set()
        for d in re.finditer(r"(?<![\w$\u20ac\u00a3.,])(\d{1,4}(?:\s*[\-\u2013]\s*\d{1,4})?|(?:" + "|".join(_NUMBER_WORDS)
                             + r")(?:[\-\u2013\s](?:" + "|".join(_NUMBER_WORDS) + r"))?)\s+(?:\(\d+\)\s+)?(?:[\w\-]+\s+){0,2}?"
                             + re.escape(m.group(2)[:max(3, len(unit))]) + r"\w*", whole, re.I):
            for part in re.split(r"[\-\u2013\s]+", d.group(1)):
                v = _number(part)
                if v is not None:
                    seen.add(v)
        if seen and n not in seen:
            return f"{m.group(1)} {m.group(2)}"
    return ""


_COUNT_HEADING = re.compile(r"^\s*(?:COUNT\s+(?:[IVXLC]+|\d+|[A-Z]+)|(?:FIRST|SECOND|THIRD|FOURTH|FIFTH|SIXTH|SEVENTH|"
                            r"EIGHTH|NINTH|TENTH)\s+(?:CLAIM|CAUSE\s+OF\s+ACTION)(?:\s+FOR\s+RELIEF)?)\b[^\n]*\n?([^\n]*)\n?([^\n]*)",
                            re.M)


def _count_not_pleaded(question: str, whole: str) -> str:
    """'a defamation count' when the question speaks of a complaint's count or claim for relief of some kind and
    the complaint's counts ('COUNT IV' / 'ALTERATION OR REMOVAL OF COPYRIGHT MANAGEMENT INFORMATION') have none of
    that kind; '' otherwise, and when the documents head no counts."""
    m = re.search(r"\b(?:the|its|a|an)\s+((?:[\w\-]+\s+){1,3}?)(?:count|claim for relief|cause of action)\b", question, re.I)
    if not m:
        return ""
    kind = [w for w in content_words(m.group(1)) if w not in ("first", "second", "third", "fourth", "fifth")]
    heads = [" ".join(x.groups()) + " " + x.group(0) for x in _COUNT_HEADING.finditer(whole)]
    if not kind or len(heads) < 2:
        return ""
    if any(all(k in set(content_words(h)) for k in kind) for h in heads):
        return ""
    return f"a {m.group(1).strip()} count"


# What an amount can be said to be, and how a document would record it with the amount.
_AMOUNT_EVENTS = {"settlement": r"\bsettl\w*", "fine": r"\bfine[ds]?\b|\bpenalt\w*", "verdict": r"\bverdicts?\b|\bjury\b",
                  "award": r"\baward\w*", "judgment": r"\bjudg(?:e)?ments?\b", "payment": r"\bpa(?:y|id|ys|yment)\b"}


def _amount_event(question: str, amount: str) -> tuple[str, str] | None:
    """(what, how a document records it) when a question says what an amount was: 'the $3 billion settlement', 'a
    fine of €5 million'; else None."""
    nouns = "|".join(_AMOUNT_EVENTS)
    a = re.escape(amount)
    m = re.search(rf"{a}\s+(?:[\w-]+\s+){{0,1}}({nouns})s?\b", question, re.I) or \
        re.search(rf"\b({nouns})s?\s+(?:of|worth|totalling|totaling|for)\s+(?:about\s+|some\s+|over\s+)?{a}", question, re.I)
    if not m:
        return None
    noun = m.group(1).lower()
    return noun, _AMOUNT_EVENTS[noun]


def _sentences(text: str):
    """The sentences of a text, each read within its paragraph or list item (a bullet starts a new one)."""
    for para in re.split(r"\n\s*\n|\n(?=\s*[-*] )", text):
        for a, b in sentence_spans(para):
            yield para[a:b]


def _amount_with(amount: str, recorded: str, text: str) -> bool:
    """Whether a text gives the amount in the same sentence as the event."""
    return any(re.search(recorded, sent, re.I) and _amount_in(amount, sent) for sent in _sentences(text))


def _has_year(year: str, text: str) -> bool:
    return re.search(rf"(?<!\d){year}(?!\d)", text) is not None






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
    if key.startswith("district:"):
        return district_forms(key).search(text) is not None
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


def check(q: Question, texts: dict[str, str], titles: dict[str, str] | None = None,
          today: dt.date | None = None) -> Premise:
    """The question's years, courts, amounts and events that none of the given documents' texts records.

    `texts` are the documents the question is about (source id -> full text). With no document to check
    against, nothing is flagged: a premise is only judged against the documents it is about."""
    out = Premise(checked=list(texts))
    if not texts:
        return out
    whole = "\n".join(texts.values()) + "\n" + "\n".join((titles or {}).get(s, "") for s in texts)
    low = whole.lower()
    about = _about_the_names(q, texts)
    happened = _asks_what_happened(q.text)  # the question speaks of its events as past, not possible
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
        elif (outcome := _asks_court_acted(q.text, c)) and happened \
                and not any(_court_acted(c, t, outcome) for t in _case_texts(q, c, texts).values()):
            # the court is named, but only as where an appeal may go ('allowed a further appeal to the Federal
            # Court of Justice') or a trial yet to come ('a jury trial is set for'), or it ruled otherwise than the
            # question says (it affirmed; 'why did it reverse?')
            out.missing.append("a jury verdict" if c.lower() == "jury"
                               else f"{_OUTCOMES[outcome][0]} by the {c.removeprefix('the ')}")
    for word, rx in _CURRENCIES:
        if re.search(rf"\b{word}\b", q.text, re.I) and not re.search(rx, whole, re.I):
            out.missing.append(f"an amount in {word}")
    for m in re.finditer(r"\b([1-9])\s*[-\u2013]\s*([0-9])\b(?!\d)(?=[^.?]*\b(?:split|vote|decision|ruling|majority|"
                         r"court|justices|judges|panel)\b)|\b(?:split|voted|ruled)\s+([1-9])\s*[-\u2013]\s*([0-9])\b", q.text, re.I):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if not re.search(rf"\b{a}\s*(?:[-\u2013]|to)\s*{b}\b", whole):
            out.missing.append(f"a {a}-{b} vote")
    # a party an event is said to have happened to, that the documents never name ('fine Apple')
    if any(re.search(cue, q.text, re.I) for w, cue, _r in EVENTS if w not in _PARTY_EVENTS) or re.search(
            r"\b(?:fine[ds]?|sued|sanction\w*|order\w*|award\w*|enjoin\w*)\s+(?:[A-Z]\w+)", q.text):
        for m in q.mentions:
            # (a name is checked even when it names another document: 'fine Apple' under the DMA; an acronym the
            # linker resolved, such as 'DMA', need not be spelt out in the text)
            if (m.kind == "name" or (m.kind == "acronym" and m.text not in q.resolved)) and not all(
                    re.search(rf"(?<![\w]){re.escape(t)}(?![\w])", low) for t in m.tokens) \
                    and not (m.kind == "acronym" and _spelt_out(m.text, whole)):
                out.missing.append(m.text)
    # 'Why did Judge Chhabria conclude in the Bartz order ...?': a judge none of its documents names, though they
    # name the judges they speak of (a text that names none, 'the court restricted ...', says nothing either way)
    if (happened or _PAST_CLAUSE.search(q.text) or re.search(r"\bdid\s+(?:\w+\s+)?(?:Judge|Justice)\b", q.text)):
        for judge in _judges_named(q.text) if _names_a_judge(whole) else ():
            if not re.search(rf"\b{re.escape(judge)}\b", whole, re.I):
                out.missing.append(f"Judge {judge}" if not re.search(rf"Justice\s+(?:\S+\s+){{0,2}}{re.escape(judge)}",
                                                                     q.text) else f"Justice {judge}")
    counted = _count_missing(q.text, whole)  # '50 instruments of ratification': the treaty says 30
    if counted:
        out.missing.append(counted)
    pleaded = _count_not_pleaded(q.text, whole)  # 'the defamation count of the complaint': it pleads none
    if pleaded:
        out.missing.append(pleaded)
    absent = _article_absent(q.text, texts)  # 'Article 101 of the GDPR': it ends at Article 99
    if absent:
        out.missing.append(absent)
    elsewhere = _article_topic_elsewhere(q.text, texts)  # 'Article 17 of the GDPR on data protection officers'
    if elsewhere:
        out.missing.append(elsewhere)
    for label in _subdivisions(q.text):
        if not re.search(rf"(?:^|\n)\s*(?:[-*]\s*)?{re.escape(label)}\s", whole):
            out.missing.append(label)
    for a in dict.fromkeys(q.amounts):
        if not _amount_in(a, whole):
            out.missing.append(a)
        elif (bound := _amount_event(q.text, a)) and (happened or re.search(rf"\bthe\s+{re.escape(a)}", q.text)) \
                and not _ASKS_POSSIBLE.search(q.text) and not _amount_with(a, bound[1], whole):
            # 'the $3 billion settlement of Concord II': $3 billion is the damages claimed, and there is no settlement
            out.missing.append(f"a {bound[0]} of {a}")
    acted = _asked_action(q.text)
    if acted and happened:
        verb, forms = acted
        if not records(forms, _about_the_names(q, texts, sentences=True)):
            out.missing.append(f"a decision to {verb}")
    # ('Why did the court turn down ANI's request last month?' dates the decision; what else the question says
    # happened is read as before, since the request's own events need not have happened)
    decision = happened or _asks_what_happened(q.text, decided=True)
    period = relative_period(q.text, today or dt.date.today()) if decision else None
    requested = decision and not happened  # its events are what was asked for, not what happened
    if period and (requested or not any(re.search(cue, q.text, re.I) for _w, cue, _r in EVENTS)) \
            and re.search(rf"\b(?:{_ACTED}|{_RULING_VERBS})\b", q.text, re.I) \
            and not _records_in(rf"\b(?:{_ACTED}|{_RULING_VERBS}|{_RULING_NOUNS})\b", period[1], about):
        # 'Why did the Supreme Court hold last year ...?': no decision the documents date in 2025
        out.missing.append(f"a decision in {period[0]}")
    judge = _asked_judge(q.text) if happened else ""
    for what, cue, recorded in EVENTS:
        if not re.search(cue, q.text, re.I) or _presupposes_not(q.text, cue):
            continue
        on_record = happened and records(recorded, about)
        if period and on_record and not _records_in(recorded, period[1], about):
            # 'The Third Circuit affirmed last spring, right?': it did, but in September
            out.missing.append(f"{what} in {period[0]}")
            continue
        if judge and on_record and not any(_records_by(recorded, judge, t) for t in texts.values()):
            # 'What sanctions did Judge Snyder impose?': the order records sanctions, but the magistrate judge's
            out.missing.append(f"{what} by Judge {judge}")
            continue
        between = _between(q, cue) if happened else None
        if between and not any(_records_between(recorded, between, t, whole) for t in texts.values()) \
                and not (what == "a lawsuit" and _captioned(between, [(titles or {}).get(sid, "") for sid in texts],
                                                            whole)):
            # 'What did UMG get when it settled with Suno?': the documents record UMG settling with Udio, and Warner
            # with Suno, but no settlement between these two
            out.missing.append(f"{what} between {between[0].text} and {between[1].text}")
            continue
        if what == "a licence" and happened and not between:
            # 'Which of Oracle's licences did Google sign?': a licence must be recorded with each party the question
            # names ('it did not grant Google a license' and 'the possibility of Google taking a license' are none)
            # (only the party the question says took it: 'did Google sign', not 'the 1999 license' or 'requiring
            # licences')
            took = re.search(r"\b(?:did|has|have|had)\s+(.{2,60}?)\s+(?:sign|take|obtain|accept|get|buy|acquire|"
                             r"secure)\b", q.text)
            lacking = next((p for p in _parties(q) if took and p.text in took.group(1) and not any(
                _records_with(recorded, p, t, whole) for t in texts.values())), None)
            if lacking is not None:
                out.missing.append(f"{what} with {lacking.text}")
                continue
        if not _hypothetical(q.text, cue) and not (on_record if happened else re.search(recorded, whole, re.I)):
            # (a question about a possibility, a request, a negation or what a law provides - 'How much can the
            # Commission fine ...', 'What damages does Getty seek?' - needs only a mention, not a record)
            out.missing.append(what)
    if happened and not out.missing:
        act = _separate_opinion_missing(q.text, texts)  # 'Why did Justice Breyer dissent?': he concurred
        if act:
            out.missing.append(act)
    if (happened or re.match(r"\s*(?:When|After|Once|Since|Now that|Given that)\b", q.text)) and not out.missing:
        act = _party_act_missing(q, texts, whole)  # 'Why did Meta sign only the safety chapter?': xAI did
        if act:
            out.missing.append(act)
    if decision and not out.missing:
        dated = _dated_act_missing(q.text, texts)  # 'When the Supreme Court denied ... in March 2025': in 2026
        if dated:
            out.missing.append(dated)
    # ('Why did Judge X deny the motion to dismiss?': a request the question says was decided is a decision)
    if decision and not any(" by Judge " in m for m in out.missing):
        act = _judge_act_missing(q, texts, whole)  # 'Why did Judge Kronstadt restrict ...?': another judge did
        if act:
            out.missing.append(act)
    if decision and not out.missing:
        act = _court_polarity_missing(q.text, texts)  # 'Why did the court grant the motion to strike?': denied
        if act:
            out.missing.append(act)
    if not out.missing:
        held = _holding_missing(q, texts)  # 'Why did the court hold that the orders violated ...?': a party said so
        if held:
            out.missing.append(held)
    if not out.missing:
        act = _act_year_missing(q.text, whole)  # 'the Data (Use and Access) Act 2023': the act is of 2025
        if act:
            out.missing.append(act)
    # a jury and its verdict are one thing missing, not two; nor are 'an affirmance' and 'an affirmance by the ...'
    if "a jury" in out.missing and "a jury verdict" in out.missing:
        out.missing.remove("a jury")
    if "a jury" in out.missing and "a verdict" in out.missing:
        out.missing.remove("a jury")
    if "damages" in out.missing and "an award of damages" in out.missing:
        out.missing.remove("an award of damages")  # damages never mentioned at all say it more plainly
    out.missing = [m for m in out.missing if not any(o != m and o.startswith((m + " by ", m + " of "))
                                                     for o in out.missing)]
    # ('Judge Failla' is said by 'a ruling by Judge Failla')
    out.missing = [m for m in out.missing if not any(o != m and f" by {m}" in o for o in out.missing)]
    return out


# What, in the clause before a mention of an event, makes it no record that the event happened: a negation ('no
# settlement has been reached', 'has not been fined'), a possibility ('could face fines', 'would be liable for
# damages'), a request ('seeks damages', 'moved for an injunction').
# asking for something: no record that it happened, unless the question says it was decided
_REQUEST_WORDS = (r"seek(?:s|ing)?|sought|request\w*|demand\w*|ask(?:s|ed|ing)?|motions? (?:for|to)|"
                  r"mov(?:e|es|ed|ing) (?:for|to)|prayer for|pray(?:s|ed)? for|call(?:s|ed)? for")
_NOT_A_RECORD_BEFORE = re.compile(  # (a word's own, not the end of a compound: 'consumer-facing' is no 'facing')
    r"(?<![\w\-])(?:no|not|never|nor|neither|without|yet to|unless|if|whether|would|could|(?-i:may)|might|can|cannot|should|"
    r"potential(?:ly)?|possib(?:le|ly|ility|ilities)|" + _REQUEST_WORDS + r"|threat\w*|risk(?:s|ed|ing)?|"
    r"fac(?:e|es|ing)|avoid\w*|want\w*|hop(?:e|es|ed|ing))\b|n['\u2019]t\b", re.I)
_NOT_A_RECORD_AFTER = re.compile(r"^\s*(?:talks|negotiations|discussions|conference)\b", re.I)
# A question that asks what could happen or what a law provides ('the maximum statutory damages available', 'What
# are the penalties for violating AB 2013?') rather than what did: its events need only be mentioned.
_ASKS_POSSIBLE = re.compile(r"\b(?:maximum|minimum|available|permitted|allowed|at most|up to|potential\w*|possible|"
                            r"exposure|liable to|risk\w*)\b", re.I)
_PAST = re.compile(r"\b(?:did|was|were|had|has|have|got|gotten)\b", re.I)
_PAST_VERB = re.compile(r"\b[a-z]{3,}ed\b|\b(?:paid|won|lost|made|brought|struck|reached|upheld|overturned|agreed|"
                        r"imposed)\b", re.I)
_PRESENT = re.compile(r"\b(?:is|are|am|do|does)\b", re.I)  # 'How are fines capped?' is no past event
# a clause that says what already happened, whatever the tense of the question ('Why is Warner still suing Suno after
# Universal settled ...?', 'When the Supreme Court denied ..., which holding ...?')
_PAST_CLAUSE = re.compile(r"\b(?:after|since|once|now that|following|given that|when(?!\s+(?:did|was|were|is|are|does|do|"
                          r"has|have|had|will|can|could|would|should|might|must|may)\b))\s+[^?,;]*?"
                          # (not a present passive: 'when a user is notified')
                          r"(?<!\bis\s)(?<!\bare\s)(?<!\bbe\s)(?<!\bgets\s)(?<!\bget\s)\b(?-i:[a-z]{3,}ed|"
                          r"paid|won|lost|struck|upheld|held|found|made|gave|brought|took|sent|sold|bought)\b", re.I)


def _asks_what_happened(question: str, decided: bool = False) -> bool:
    """Whether a question speaks of its events as having happened (past or perfect, nothing modal or negated). With
    `decided`, a request the question says was decided ('turn down ANI's request', 'deny the motion to dismiss')
    counts as the decision that happened, not as a request."""
    past = bool(_PAST.search(question)) or (bool(_PAST_VERB.search(question)) and not _PRESENT.search(question)) \
        or bool(_PAST_CLAUSE.search(question))
    # (what a finding or holding says is no negation of it: 'its finding that Option B was not FRAND')
    said = re.search(r"\b(?:find|finding|findings|found|hold|holding|held|conclu\w+|ruled?|ruling|decided?|decision)\s+that\b",
                     question, re.I)
    back = [m for m in _NOT_A_RECORD_BEFORE.finditer(question) if not (
        decided and _REQUEST.fullmatch(m.group(0)) and _DECIDED.search(question[max(0, m.start() - 60):m.start()]))
        and not (said and m.start() > said.end())]
    return past and not back and not _ASKS_POSSIBLE.search(question)


_REQUEST = re.compile(rf"(?:{_REQUEST_WORDS})", re.I)
_DECIDED = re.compile(r"\b(?:grant\w*|den(?:y|ied|ies)|refus\w*|reject\w*|turn(?:ed|s)?\s+down|dismiss\w*|approv\w*|"
                      r"allow\w*|accept\w*|decline\w*|rul(?:e[sd]?|ing) on)\b[^?.]*$", re.I)


def records(recorded: str, text: str) -> bool:
    """Whether a text records that an event happened: a mention of it that no negation, possibility or request in
    the same clause takes back ('the jury found' does; 'no settlement has been reached', 'seeks damages' and
    'may face fines' do not)."""
    for m in re.finditer(recorded, text, re.I):
        lo = max(0, m.start() - 60)
        before = text[lo:m.start()]
        # the clause starts after the last stop or blank line (a single line break is a PDF's line, not a clause)
        cut = max([before.rfind(ch) for ch in ".;!?"] + [before.rfind("\n\n") + 1 if "\n\n" in before else -1])
        before = before[cut + 1:] if cut >= 0 else before
        if _taken_back(before) or _NOT_A_RECORD_AFTER.search(text[m.end():m.end() + 30]):
            continue
        return True
    return False


def _taken_back(before: str) -> bool:
    """Whether a negation, possibility or request in the clause before a mention takes it back, unless the
    request was granted or approved ('the court granted the motion for an injunction' records the injunction)."""
    back = _NOT_A_RECORD_BEFORE.search(before)
    if back and re.search(r"\b(?:grant\w*|approv\w*)\b", before[:back.start()], re.I) \
            and not re.search(r"\b(?:no|not|never)\b|n['\u2019]t\b", before, re.I):
        return False
    return back is not None


_RULING_VERBS = (r"hold|holds|held|returned|rule|rules|ruled|decide|decides|decided|find|finds|found|say|said|conclude|"
                 r"concluded|order|ordered|reverse|reversed|affirm|affirmed|uphold|upheld|side|sided|reject|rejected|"
                 r"dismiss|dismissed|grant|granted|deny|denied|award|awarded|vacate|vacated|remand|remanded|"
                 r"overturn|overturned|strike|struck|agree|agreed|issue|issued|hand down|handed down")
_RULING_NOUNS = r"ruling|judgment|judgement|decision|opinion|holding|order|verdict|affirmance|reversal"
# what comes before a court that an appeal or a petition is going to, not one that has ruled
_DESTINATION = re.compile(r"\b(?:appeal\w*|petition\w*|ask\w*|refer\w*|seek\w*|sought|transfer\w*|lodged|filed|"
                          r"brought|certif\w*|allow\w*|leave|permission|pending|before|review by|go|goes|went|"
                          r"take|taken|took|escalat\w*|heading|headed)\b[^.;]{0,40}$", re.I)


_WE_RULE = re.compile(r"\b(?:we|this court|[Tt]he (?-i:Court))\s+(?:therefore\s+|now\s+|also\s+)?(?:hold|holds|conclude|"
                      r"concludes|reverse|reverses|affirm|affirms|vacate|vacates|remand|remands|find|finds|agree|decide|"
                      r"rejects?|grants?|den(?:y|ies)|orders?|dismiss(?:es)?)\b", re.I)  # (a trial court's order)


# What a question can say a court did, and the verbs a document would record it with.
_OUTCOMES = {"any": ("a ruling", _RULING_VERBS),
             "reversal": ("a reversal", r"revers\w*|overturn\w*|vacat\w*|set aside"),
             "affirmance": ("an affirmance", r"affirm\w*|upheld|uphold\w*")}


def _asks_court_acted(question: str, court: str) -> str:
    """What a question takes for granted that a court it names did: 'any' ruling ('What did the Ninth Circuit
    hold', 'the Federal Court of Justice's December judgment', 'the ruling of the Supreme Court'), a 'reversal'
    ('why did the Third Circuit side with ROSS and reverse ...') or an 'affirmance'; '' when it takes nothing for
    granted ('Did the Ninth Circuit reverse ...?' asks whether)."""
    c = re.escape(court)
    at = re.search(c, question, re.I)
    fronted = re.match(r"\s*(?:after|once|since|following|now that|given that|when)\b[^,?]*", question, re.I)
    if not at or not (re.search(r"\b(?:what|why|how|when|which|where|who|whom)\b", question[:at.start()], re.I)
                      or (fronted and at.end() <= fronted.end() and _PAST_CLAUSE.match(question))):
        return ""  # 'In Feist, did the Supreme Court hold ...?' asks whether ('After the jury found ..., how much
        # ...?' takes the verdict for granted)
    if not (re.search(rf"{c}\W+(?:\w+\W+){{0,6}}?(?:{_RULING_VERBS}|finding|findings)\b", question, re.I)
            # 'Why did the Ninth Circuit revive ...?': whatever the court is said to have done, it ruled
            or re.search(rf"\bdid\s+(?:the\s+)?(?:[\w.']+\s+){{0,2}}{c}\s+(?!not\b|ever\b|never\b)(?-i:[a-z]{{3,}})\b",
                         question, re.I)
            or re.search(rf"{c}['\u2019]s\s+(?:\w+\s+){{0,3}}(?:{_RULING_NOUNS})\b", question, re.I)
            or re.search(rf"\b(?:{_RULING_NOUNS})\s+(?:of|by|from)\s+(?:the\s+)?(?:\w+\s+){{0,1}}{c}", question, re.I)):
        return ""
    said = question[at.end():at.end() + 80].split("?")[0]
    for outcome in ("reversal", "affirmance"):
        if re.search(rf"\b(?:{_OUTCOMES[outcome][1]})\b", said, re.I):
            return outcome
    return "any"


def _case_texts(q: Question, court: str, texts: dict[str, str]) -> dict[str, str]:
    """The documents a court's act is to be found in: not those only the court's own name points at ('Why did the
    U.S. Supreme Court refuse to hear ROSS's appeal?' is about the ROSS case, not about a Supreme Court case the
    court's name links to), and of a case named by its caption, its own documents; all of them if none is left."""
    def is_court(m: Mention) -> bool:
        return bool(court_spans(m.text)) or court_key(m.text) == court_key(court)

    by_court = {sid for m in q.mentions if is_court(m) for sid in q.owners.get(m.text, ())}
    by_other = {sid for m in q.mentions if not is_court(m) for sid in q.owners.get(m.text, ())}
    kept = {sid: t for sid, t in texts.items() if sid not in by_court or sid in by_other}
    # a case named by its caption is where its courts acted ('in Andersen v. Stability AI ... section 1202': not the
    # provision's other cases)
    captioned = {sid for m in q.mentions if re.search(r"\s(?:v|vs)\.?\s", m.text)
                 for sid in q.owners.get(m.text, ())}
    return {sid: t for sid, t in kept.items() if sid in captioned} or kept or texts


def _court_acted(court: str, text: str, outcome: str = "any") -> bool:
    """Whether a text records the court ruling (with that outcome): a mention of it followed in the same clause by
    a ruling verb or preceded by 'the judgment of', and not as the court an appeal goes to."""
    spans = court_spans(text)
    verbs = _OUTCOMES[outcome][1]
    # a U.S. Supreme Court slip opinion is captioned by the writ of certiorari, not by the court's name
    slip = court_key(court) == "supreme court" and re.search(r"\bON WRIT OF CERTIORARI\b|\bCERTIORARI TO THE\b|"
                                                             r"\bSUPREME COURT OF THE UNITED STATES\b", text[:5000])
    if (slip or any(a < 3000 and _court_in(court, text[max(0, a - 40):b], text[max(0, a - 40):b].lower()) for a, b, _ in spans[:4])) \
            and (_WE_RULE if outcome == "any" else re.compile(rf"\b(?:we|[Tt]he (?-i:Court))\s+(?:\w+\s+)?(?:{verbs})\b",
                                                              re.I)).search(text):
        return True  # the court's own opinion: its caption names it first, and it says 'we hold'
    for a, b, span in spans:
        window = text[max(0, a - 40):b]
        if not _court_in(court, window, window.lower()):
            continue
        before, after = text[max(0, a - 80):a], text[b:b + 120]
        of = re.search(rf"\b(?:{_RULING_NOUNS})\s+(?:of|by|from)\s+(?:the\s+)?[^.;]{{0,30}}$", before, re.I)
        if of and outcome == "any":
            if re.search(r"\b(?:no|not|never|without|awaiting|await\w*|pending)\s+(?:\w+\s+){0,2}$",
                         before[:of.start()], re.I):
                continue  # 'No decision of the Federal Court of Justice had been found'
            return True  # 'the judgment of the Court of Appeal'
        if _DESTINATION.search(re.sub(r"(?i)court\s+of\s+appeals?|appeals?\s+court|appellate", " ", before)):
            continue
        nouns = _RULING_NOUNS if outcome == "any" else verbs
        m = re.match(rf"(?:['\u2019]s\s+(?:\w+\s+){{0,3}}(?:{nouns})\b|[^.;?]{{0,80}}?\b(?:{verbs})\b)", after, re.I)
        if m and not re.search(r"\b(?:not|never|yet to|no|could|would|might|may|can|will|shall|should|must)\b|"
                               r"n['\u2019]t\b", after[:m.end()], re.I):  # ('a jury could find': none has)
            return True
    return False


def _about_the_names(q: Question, texts: dict[str, str], sentences: bool = False) -> str:
    """The parts of the documents where an event the question names would be recorded: the whole of a document
    that every name in the question names, else only its paragraphs (or sentences, with the one before each) that
    mention the names it does not ('What fine did the AI Office impose on Meta?' is not answered by the AI Act's
    fines for providers in general; 'Why did the court exclude Dr. Goodrich?' not by the exclusion of another
    expert on the same page)."""
    names = _named(q)
    parts = []
    for sid, text in texts.items():
        foreign = [m for m in names if sid not in q.owners.get(m.text, ())]
        if not foreign or not q.owners:  # (unlinked: every document the question was checked against counts)
            parts.append(text)
            continue
        tests = [re.compile(r"\b" + r"\W+(?:\w+\W+){0,2}".join(map(re.escape, m.tokens)) + r"\b", re.I)
                 for m in foreign]
        if sentences:  # each sentence with the one before it in its paragraph (text.sentence_spans knows 'Dr.')
            for para in re.split(r"\n\s*\n", text):
                units = [para[a:b] for a, b in sentence_spans(para)]
                parts += [u for i, u in enumerate(units)
                          if all(t.search(u) or (i and t.search(units[i - 1])) for t in tests)]
        else:
            parts += [p for p in re.split(r"\n\s*\n", text) if all(t.search(p) for t in tests)]
    return "\n\n".join(parts)


# What a court or authority can be said to have done to something ('Why did the court exclude the expert?').
_ACTIONS = ("exclude", "dismiss", "strike", "reject", "enjoin", "sanction", "approve", "certify", "stay", "remand",
            "vacate", "block", "ban", "suspend", "revoke", "invalidate", "annul", "disqualify", "bar")


# what an authority can be said to have done, in the forms a question or a document uses
_ACTED = (r"(?:cancel|revok|annul|invalidat|refus|turn(?:ed|s)? down|register|approv|certif|exclud|enjoin|block|"
          r"ban|suspend|disqualif|bar|fin|sanction|stay|remand)\w*")


def _asked_action(question: str) -> tuple[str, str] | None:
    """(verb, the forms a document would record it with) for 'Why did the court exclude ...', or None."""
    m = re.search(r"\b(?:why|how|when|what|on what basis|on what grounds)\b[^?]*?\bdid\s+(?:the\s+)?(?:\w+\s+){0,2}?"
                  r"(?:court|judge|jury|tribunal|panel|commission|authority|regulator|office)"
                  r"(?:\s+(?-i:[A-Z])[\w'\u2019\-]+){0,3}\s+(\w+)\b", question, re.I)  # ('did Judge Freeman bar')
    if not m or m.group(1).lower() not in _ACTIONS:
        return None
    verb = m.group(1).lower()
    base = verb[:-1] if verb.endswith("e") else verb
    return verb, rf"{_verb_forms(verb)}|\b{re.escape(base)}(?:al|ion)\b"  # ('barred', 'dismissal', 'exclusion')


_SEASONS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11), "fall": (9, 10, 11),
            "winter": (12, 1, 2)}


def relative_period(question: str, today: dt.date) -> tuple[str, set[tuple[int, int]]] | None:
    """A time the question gives relative to today, as a label and its (year, month)s: 'last spring' asked on
    2 December 2026 -> ('spring 2026', {(2026, 3), (2026, 4), (2026, 5)}); 'last year' -> 2025; 'last month',
    'this year', 'this summer'. None when it gives none."""
    m = re.search(r"\b(last|this|past|previous)\s+(spring|summer|autumn|fall|winter|year|month)\b", question, re.I)
    if not m:
        return None
    which, unit = m.group(1).lower(), m.group(2).lower()
    back = which != "this"
    if unit == "year":
        y = today.year - back
        return str(y), {(y, mo) for mo in range(1, 13)}
    if unit == "month":
        y, mo = (today.year, today.month - back) if today.month - back >= 1 else (today.year - 1, 12)
        return f"{MONTHS[mo - 1].title()} {y}", {(y, mo)}
    months = _SEASONS[unit]
    if unit == "winter":  # December of one year to February of the next, named by its end
        end = today.year + (today.month == 12)
        if back and (today.month in (12, 1, 2)):
            end -= 1  # 'last winter' asked in winter is the one before
        return f"the winter of {end - 1}\u2013{str(end)[2:]}", {(end - 1, 12), (end, 1), (end, 2)}
    y = today.year
    if back and today.month <= months[-1]:
        y -= 1  # that season has not yet ended this year: the last one was a year ago
    return f"{unit} {y}", {(y, mo) for mo in months}


def _dates_in(text: str) -> list[tuple[int, int, set[tuple[int, int]]]]:
    """Where a text gives a month or a season, with its (year, month)s: 'on 29 September 2026', 'September 29,
    2026', '2026-09-29', 'spring 2026'."""
    out: list[tuple[int, int, set[tuple[int, int]]]] = []
    for m in re.finditer(r"\b(\d{4})-(\d{2})(?:-\d{2})?\b", text):
        if 1 <= int(m.group(2)) <= 12:
            out.append((m.start(), m.end(), {(int(m.group(1)), int(m.group(2)))}))
    months = "|".join(MONTHS) + "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    for m in re.finditer(rf"\b({months})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?\s+(\d{{4}})\b", text, re.I):
        name = m.group(1).lower()[:3]
        out.append((m.start(), m.end(), {(int(m.group(2)), next(i for i, x in enumerate(MONTHS, 1)
                                                                  if x.startswith(name)))}))
    for m in re.finditer(r"\b(spring|summer|autumn|fall|winter)\s+(?:of\s+)?(\d{4})\b", text, re.I):
        out.append((m.start(), m.end(), {(int(m.group(2)), mo) for mo in _SEASONS[m.group(1).lower()]}))
    return out


def _records_in(recorded: str, period: set[tuple[int, int]], text: str) -> bool:
    """Whether a text records the event with the date nearest to its mention, in the same sentence (or line),
    within the period ('Argued November 4, 2025 - Decided January 20, 2026' dates the decision in 2026)."""
    for sent in _sentences(text):
        dates = _dates_in(sent)
        if not dates:
            continue
        for m in re.finditer(recorded, sent, re.I):
            if re.match(r"\s*\d", sent[m.end():]):
                continue  # 'Rule 60', 'Order No. 5': a name, not the act
            # the nearest date, the one after the word on a tie ('Argued November 4, 2025-Decided January 20')
            near = min(dates, key=lambda d: (max(d[0] - m.end(), m.start() - d[1], 0), d[0] < m.start()))
            if near[2] & period and records(recorded, sent[:m.end()]):
                return True
    return False


def _dated_act_missing(question: str, texts: dict[str, str]) -> str:
    """The act a question dates ('When the Supreme Court denied Thaler's petition in March 2025, ...') when the
    documents record that act, with its words, only at other times (the denial is dated March 2026); '' when they
    record it in that month, or do not date it at all (an undated record is no evidence either way)."""
    for qa, qb, period in _dates_in(question):
        if not re.search(r"\b(?:in|on|during|since)\s+(?:early\s+|late\s+|mid-)?(?:\d{1,2}(?:st|nd|rd|th)?\s+)?$",
                         question[:qa], re.I):
            continue  # ('refuse to let Ericsson add its March 2016 offer': the date is the offer's)
        clause_start = max([m.end() for m in re.finditer(r"[,;:?]|\b(?:and|but|when|after|before|which|that)\b",
                                                         question[:qa])] or [0])
        clause = question[clause_start:qa]
        # the act: the verb after 'did' and its subject ('Why did Judge Failla hold'), else the first past form
        act = re.search(r"\bdid\s+(?:the\s+)?(?:[A-Z][\w.'\u2019\-]*\s+){0,5}([a-z]{3,})\b", clause) or re.search(
            r"\b(?:[a-z]{3,}(?:ed|ied)|paid|won|lost|struck|upheld|held|found|made|gave|brought|took|sent|threw|sold|"
            r"bought|fired|let|set)\b", clause)
        if act is None:
            continue
        act_at, act_end, act_word = act.start(act.lastindex or 0), act.end(), act.group(act.lastindex or 0)
        verb = content_words(act_word)
        near = [w for w in dict.fromkeys(content_words(clause[:act_at] + " " + clause[act_end:]))
                if not w.isdigit() and w not in MONTHS and w not in ("did", "in", "on")]
        if not verb or len(near) < 2:
            continue
        need = min(2, len(near))
        dated_elsewhere = False
        for text in texts.values():
            for sent in _sentences(text):
                words = set(content_words(sent))
                if verb[0] not in words or sum(w in words for w in near) < need:
                    continue
                dates = _dates_in(sent)
                if not dates:
                    continue
                if any(d[2] & period for d in dates):
                    return ""
                dated_elsewhere = True
        if dated_elsewhere:
            label = question[qa:qb]
            what = re.sub(r"\s+(?:in|on|of|during|by|from)$", "", f"{act_word} {clause[act_end:].strip()}".strip())
            return f"\u201c{what}\u201d in {label}"
    return ""


def _asked_judge(question: str) -> str:
    """The judge a question says imposed, awarded or approved something: 'What sanctions did Judge Snyder impose?'
    -> 'Snyder' ('What damages trial had Judge Alsup set?' names no such act)."""
    m = re.search(r"\b(?:Judge|Justice)\s+((?:[A-Z][\w'\u2019\-]+\s+){0,2}[A-Z][\w'\u2019\-]+)\s+(?:impose|order|award|"
                  r"grant|approve|enter|issue|fine|sanction|enjoin|levy|assess)\w*\b", question)
    return m.group(1).split()[-1] if m else ""


def _own_order(name: str, text: str) -> bool:
    """Whether a text is the order or opinion of the judge whose (escaped) surname is `name`: the name in its
    'Honorable' caption, its 'District Judge' signature or an 'X, J.' line."""
    return bool(re.search(rf"\bHonorable\s+(?:[\w.]+\s+){{0,3}}{name}\b|\b{name}\s*,?\s+(?:United States\s+)?"
                          rf"(?:District|Magistrate|Circuit|Chief)\s+Judge\b|\b{name},\s+(?:C\.\s*)?J\.", text, re.I))


def _records_by(recorded: str, judge: str, text: str) -> bool:
    """Whether a text records the event as the judge's doing: the judge (or, in the judge's own order or opinion,
    with the name in its caption or signature, 'the Court') as the one who imposed, awarded, granted or approved it
    ('the Magistrate Judge awarded defendants monetary sanctions' is no sanction by Judge Snyder, though her order
    goes on about it)."""
    name = re.escape(judge)
    own = _own_order(name, text)
    agent = rf"(?:\b(?:Judge|Justice)\s+(?:\w+\s+){{0,2}}{name}\b" + (
        r"|\b(?:[Tt]he|[Tt]his)\s+(?-i:Court)\b" if own else "") + ")"
    did = (r"(?:impos|award|order|grant|enter|issu|approv|levi|assess|sanction|fin|enjoin|certif|affirm|revers|"
           r"uph|vacat|den|dismiss|reject)\w*")
    for rx in (rf"{agent}\W+(?:\w+\W+){{0,3}}?(?:{did}\W+(?:[\w\u2019'-]+\W+){{0,5}}?)?(?:{recorded})",
               rf"(?:{recorded})\W+(?:\w+\W+){{0,4}}?(?:{did})\s+by\s+(?:the\s+)?{agent}"):
        for m in re.finditer(rx, text, re.I):
            # ('the Court GRANTS the motion for a preliminary injunction' records the injunction)
            if not _taken_back(m.group(0)) and not _CLAUSE_BREAK.search(m.group(0)):
                return True
    return False


def _named(q: Question) -> list[Mention]:
    """The question's names and acronyms, less courts and places (a place is not a party: 'in India', 'in
    London')."""
    return [m for m in q.mentions if m.kind in ("name", "acronym") and m.tokens and not court_spans(m.text)
            and not set(m.tokens) <= PLACE_WORDS]


def _parties(q: Question) -> list[Mention]:
    """The question's names that can be a party: not a court, a place or a judge."""
    return [m for m in _named(q) if not re.search(rf"\b(?:Judge|Justice|Magistrate)\s+{re.escape(m.text)}", q.text)]


def _between(q: Question, cue: str) -> tuple[Mention, Mention] | None:
    """The two parties of an event the question says happened between them: 'UMG ... settled its lawsuit with
    Suno' -> (UMG, Suno). None unless the question names the other side right after the event ('with', 'against')
    and a party before it."""
    parties = _parties(q)
    for ev in re.finditer(cue, q.text, re.I):
        # ('settled its lawsuit with Suno', 'licensed its characters to Google', or straight after it: 'sued OpenAI')
        direct = r"|\s+(?:the\s+)?(?=[A-Z])" if re.match(r"su", ev.group(0), re.I) else ""
        after = re.match(rf"(?:\W+\w+){{0,3}}?\W+(?:with|against|to)\s+(?:the\s+)?{direct}", q.text[ev.end():], re.I)
        if not after:
            continue
        rest = q.text[ev.end() + after.end():]
        other = next((m for m in parties if rest.startswith(m.text)), None)
        first = next((m for m in reversed(parties) if m is not other and m.text in q.text[:ev.start()]), None)
        if other is not None and first is not None:
            return first, other
    return None


def _alias_tests(m: Mention, whole: str) -> list[re.Pattern]:
    """Ways a text may write a party: its name, an acronym it is given ('Warner Music Group (WMG)'), or for an
    acronym its long form."""
    forms = [r"\W+".join(map(re.escape, m.tokens))]
    if m.kind == "acronym":
        forms += [r"\W+".join(map(re.escape, d.split())) for d in re.findall(
            rf"((?:[A-Z][\w&.-]*\s+){{1,5}})\(\s*{re.escape(m.text.upper())}\s*\)", whole)]
    else:
        name = r"\W+".join(map(re.escape, m.tokens))
        forms += [re.escape(a) for a in re.findall(
            rf"\b(?i:{name})(?:\s+[A-Z][\w&.-]*){{0,4}}\s+\(([A-Z][A-Z0-9&]{{1,7}})\)", whole)]
    return [re.compile(rf"(?<!\w)(?:{f})(?!\w)", re.I) for f in forms]


# where a clause ends: a stop, a blank line, or a comma before a word that starts another clause ('..., so Suno has
# settled only with Warner')
_CLAUSE_BREAK = re.compile(r"(?<!\b(?-i:[A-Z]))(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bNo)(?<!\bCo)(?<!\bInc)(?<!\bLtd)"
                           r"(?<!\bCorp)(?<!\bJr)(?<!\bSt)(?<!\bv)(?<!\bvs)[.;:!?](?=\s)|\n\s*\n|,\s+(?:and|but|so|while|whereas|after|before|when|although|though|"
                           r"which|who|whom|as|since|because|then)\b|\s[\u2013\u2014]\s", re.I)



def _records_between(recorded: str, parties: tuple[Mention, Mention], text: str, whole: str) -> bool:
    """Whether a text records the event with both parties close to it (within its clause, a few words either
    side): 'WMG settled with Suno' is no settlement between UMG and Suno, though the sentence goes on about UMG."""
    tests = [_alias_tests(p, whole) for p in parties]
    for m in re.finditer(recorded, text, re.I):
        window, _at = _clause_at(text, m.start(), m.end(), 70, 70)
        if all(_present(ts, other, window) for ts, other in ((tests[0], tests[1]), (tests[1], tests[0]))) \
                and records(recorded, window):
            return True
    return False


def _records_with(recorded: str, party: Mention, text: str, whole: str) -> bool:
    """Whether a text records the event with the party in its clause, a mention no negation, possibility or
    request takes back."""
    tests = _alias_tests(party, whole)
    for m in re.finditer(recorded, text, re.I):
        window, at = _clause_at(text, m.start(), m.end(), 90, 90)
        if any(t.search(window) for t in tests) and not _taken_back(window[:at]):
            return True
    return False


def _captioned(parties: tuple[Mention, Mention], captions: list[str], whole: str) -> bool:
    """Whether a document's caption names the two parties on either side of its 'v.' ('Warner Bros. Discovery v.
    Midjourney' is a suit between them)."""
    tests = [_alias_tests(p, whole) for p in parties]
    for cap in captions:
        sides = re.split(r"\s+(?:v\.?|vs\.?)\s+", cap, maxsplit=1)
        if len(sides) == 2 and any(all(any(t.search(side) for t in ts) for ts, side in zip(tests, order))
                                   for order in (sides, sides[::-1])):
            return True
    return False


def _present(tests: list[re.Pattern], other: list[re.Pattern], window: str) -> bool:
    """Whether a party is in the window on its own or paired with the other party: in 'the UMG\u2013Udio and
    WMG\u2013Suno settlements' UMG is paired with Udio, so it is not there as Suno's counter-party."""
    for t in tests:
        for m in t.finditer(window):
            pair = re.match(r"[\u2013\u2014/-](\w[\w.&]*)", window[m.end():]) or \
                re.search(r"(\w[\w.&]*)[\u2013\u2014/-]$", window[:m.start()])
            if pair is None or any(o.fullmatch(pair.group(1)) for o in other):
                return True
    return False


def _spelt_out(acronym: str, text: str) -> bool:
    """Whether a text writes an acronym out in full: 'CMI' as 'copyright management information' (its words'
    initials, with 'of', 'and', 'the' or 'for' between them allowed)."""
    letters = [c for c in acronym if c.isalpha()]
    if not 2 <= len(letters) <= 6:
        return False
    glue = r"(?:\s+(?:of|and|the|for|on|in|to|&))*\s+"
    rx = r"\b" + glue.join(rf"{re.escape(c)}[\w\-]*" for c in letters) + r"\b"
    return re.search(rx, text, re.I) is not None


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


# -- an act a question says a named judge did ----------------------------------------------------------------------
# Verbs whose past form is not stem + 'ed' (the forms a document records the act with).
_IRREGULAR = {"send": "sent", "let": "let", "give": "gave|given", "hold": "held", "find": "found", "throw": "threw|thrown",
              "bar": "barred", "set": "set", "put": "put", "tell": "told", "make": "made", "take": "took|taken",
              "strike": "struck|stricken", "keep": "kept", "leave": "left", "bring": "brought", "stay": "stayed"}
# A question's 'let' or 'allow' is contradicted by a record that the judge refused it, and the other way round.
_PERMITS = {"let", "allow", "permit", "grant", "approve", "accept"}
_REFUSED = r"(?:refus|den(?:y|ied|ies)|reject|declin|turn(?:ed|s)?\s+down|disallow)\w*"
# a judge's name as a question writes it, its surname captured: 'Judge Chhabria', 'Judge Gregory B. Williams'
_JUDGE_NAME = r"(?:[A-Z][\w'\u2019\-]*\.?\s+){0,3}?([A-Z][\w\-]*(?:['\u2019](?!s\b)[A-Za-z][\w\-]+)?)"  # (not "'s")


def _asked_judge_act(question: str) -> tuple[str, str, str] | None:
    """(judge's surname, verb, the words after it) for 'Why did Judge Kronstadt restrict Midjourney's discovery
    ...?', or None."""
    m = re.search(rf"\b(?:did|had|has)\s+(?:Magistrate\s+|District\s+|Chief\s+)?(?:Judge|Justice)\s+{_JUDGE_NAME}\s+"
                  r"([a-z]{2,})\b(.*)$", question)
    if not m or m.group(2) in ("not", "never", "ever", "also", "first", "finally", "then", "just") \
            or re.search(r"['\u2019]s$", m.group(1)) \
            or re.fullmatch(r"(?:say|think|write|explain)s?", m.group(2)):
        return None  # (what every judge does to a question: no act of its own)
    return m.group(1), m.group(2), m.group(3)


# Verbs of ruling: a document records a holding with any of them ('Why did Judge X hold that ...?': 'Judge Y ruled
# that ...', 'holding that ...').
_RULING_FAMILY = frozenset({"rule", "hold", "find", "decide", "conclude"})


_GRANTED = r"(?:grant|allow|approv|accept|permit|sustain|uph[eo]ld)\w*"


def _court_polarity_missing(question: str, texts: dict[str, str]) -> str:
    """'a decision to grant' when the question says the court granted (or allowed, approved ...) something that
    the documents record it denied (or refused, rejected ...), and 'a decision to deny' the other way round: the
    clauses with the act's object words that record the opposite, and none that record the act ('Why did the court
    grant the motion to strike the expert report?': 'the Court DENIES ... motion to strike the expert report')."""
    m = re.search(r"\bdid\s+the\s+(?:\w+\s+)?(?:court|tribunal|panel|judge)\s+(grant|allow|approve|accept|permit|sustain|"
                  r"uphold|deny|refuse|reject|decline|dismiss|overrule)\b(.*)$", question, re.I)
    if not m:
        return ""
    verb, obj = m.group(1).lower(), _object_words(m.group(2))
    if len(obj) < 2:
        return ""
    positive = verb in ("grant", "allow", "approve", "accept", "permit", "sustain", "uphold")
    same, opposite = (_GRANTED, _REFUSED) if positive else (_REFUSED + r"|overrul\w*|dismiss\w*", _GRANTED)
    found = {"same": 0, "opposite": 0}
    for text in texts.values():
        for kind, rx in (("same", same), ("opposite", opposite)):
            for v in re.finditer(rf"\b(?:{rx})\b", text, re.I):
                clause, at = _clause_at(text, v.start(), v.end())
                n = sum(w in set(content_words(clause[at:])) for w in obj)
                # (the opposite needs most of the object's words; the act itself, any two of them)
                if n >= (min(4, len(obj)) if kind == "opposite" else 2) and not _taken_back(clause[:at]):
                    found[kind] += 1
    if found["opposite"] and not found["same"]:
        return f"a decision to {verb}"
    return ""


# 'Why did the First Circuit hold that the orders violated the church's rights?': what a court is said to have held
_HELD_THAT = re.compile(r"\b(?:why|how|on what basis|on what grounds?)\s+(?:did|does|do|had|has|have)\s+(?:the\s+)?"
                        r"(?:[\w.'\u2019\-]+\s+){0,4}?(?:hold|find|rule|conclude|decide|determine|declare)\s+that\s+"
                        r"([^?]+)", re.I)
# a sentence that gives the words of a holding as a party's claim, a question left open, or the opposite
_SAID_BY_A_PARTY = re.compile(r"\b(?:contend\w*|argu\w*|alleg\w*|claim(?:s|ed|ing)?\s+that|claimed|assert\w*|"
                              r"urg(?:e|es|ed|ing)|insist\w*|complain\w*|asks?|asked|seek\w*|sought|whether)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|no|never|neither|nor|cannot|declin\w*|reject\w*|disagree\w*|without reaching)\b|"
                      r"n['\u2019]t\b", re.I)


# the court taking a party's claim as its own, in the sentences after it
_ADOPTED = re.compile(r"\b(?:(?:the\s+)?court\s+(?:agrees|is\s+persuaded|concurs)|we\s+agree|is\s+well[- ]taken|"
                      r"is\s+(?:correct|persuasive)\b)", re.I)


# the court saying it in its own voice, before the holding's words
_COURT_SAYS = re.compile(r"\b(?:(?:the|this)\s+court\s+(?:agrees|finds|holds|concludes|determines|grants|is\s+persuaded)|"
                         r"we\s+(?:agree|hold|conclude|find))\b", re.I)


def _holding_missing(q: Question, texts: dict[str, str]) -> str:
    """'a holding that X' when the question says a court held (found, ruled, concluded) that X, and the documents
    give X's words only as what a party contended or asked, as a question left open, or negated, never as said
    outright; '' otherwise, and when no sentence has most of X's words at all (a holding in other words)."""
    m = _HELD_THAT.search(q.text)
    if not m:
        return ""
    clause = m.group(1).strip(" ,;.")
    names = {w for mm in q.mentions for w in content_words(" ".join(mm.tokens))}
    words = {w for w in content_words(clause) if w not in names and not w.isdigit()}
    if len(words) < 3:
        return ""
    need = max(3, math.ceil(0.5 * len(words)))
    denied = not _NEGATED.search(clause)  # the question's own 'not' is no negation of it
    told = backed = 0
    for text in texts.values():
        sents = list(_sentences(text))
        for i, sent in enumerate(sents):
            if len(words & set(content_words(sent))) < need:
                continue
            if any(_ADOPTED.search(nxt) for nxt in sents[i + 1:i + 3]):
                backed += 1  # 'Cisco argues that ... The Court agrees.': the court made the claim its own
                continue
            # (a claim or a negation governs the words after it: the sentence is read up to where it has given
            # enough of the holding's words, so 'free exercise rights, not its speech rights' negates no holding)
            seen: set[str] = set()
            for tok in re.finditer(r"[\w'\u2019\-]+", sent):
                seen |= set(content_words(tok.group(0))) & words
                if len(seen) >= need:
                    break
            head = sent[:tok.end()]
            if _COURT_SAYS.search(head):
                backed += 1  # 'Having offered no other foundation ..., the Court agrees with Cisco that ...'
            elif _SAID_BY_A_PARTY.search(head) or (denied and _NEGATED.search(head)):
                told += 1
            else:
                backed += 1
    return f"a holding that {clause}" if told and not backed else ""


def _act_year_missing(question: str, whole: str) -> str:
    """'the Data (Use and Access) Act 2023' when the documents name that act only with another year ('Data (Use
    and Access) Act 2025'); '' otherwise."""
    for m in re.finditer(r"\b((?:[A-Z][\w\-]*|\((?:[A-Z][\w\-]*|and|of|the|for)(?:\s+(?:[A-Z][\w\-]*|and|of|the|for))*\)|"
                         r"of|and|the|for)(?:\s+(?:[A-Z][\w\-]*|\([^)]{1,40}\)|of|and|the|for)){0,7}\s+Act)\s+((?:19|20)\d\d)\b",
                         question):
        name, year = m.group(1), m.group(2)
        name = re.sub(r"^(?:(?:the|of|and|for)\s+)+", "", name, flags=re.I)
        rx = r"\s+".join(re.escape(w) for w in name.split())
        years = {y for y in re.findall(rf"{rx}\s*(?:of\s+)?((?:19|20)\d\d)\b", whole, re.I)}
        if years and year not in years:
            return f"the {name} {year}"
    return ""


def _verb_forms(verb: str) -> str:
    if verb in _RULING_FAMILY:
        return r"\b(?:rul(?:e|es|ed|ing)|h[eo]ld(?:s|ing)?|find(?:s|ing)?|found|decid(?:e|es|ed|ing)|conclud(?:e|es|ed|ing))\b"
    base = verb[:-1] if verb.endswith("e") else verb
    forms = [rf"{re.escape(base)}(?:e|es|ed|ing|s)?"]
    if re.search(r"[^aeiou]y$", verb):
        forms.append(rf"{re.escape(verb[:-1])}(?:ied|ies)")  # 'deny' -> 'denied
    if verb in _IRREGULAR:
        forms.append(_IRREGULAR[verb])
    if re.search(r"[^aeiou][aeiou][bdgmnprt]$", verb):
        forms.append(rf"{re.escape(verb + verb[-1])}(?:ed|ing)")  # 'bar' -> 'barred'
    return rf"\b(?:{'|'.join(forms)})\b"


def _clause_at(text: str, start: int, end: int, back: int = 220, ahead: int = 260) -> tuple[str, int]:
    """The clause around text[start:end] (looking at most `back` characters before it and `ahead` after), and
    where the match sits in it."""
    before = text[max(0, start - back):start]
    cuts = [x.end() for x in _CLAUSE_BREAK.finditer(before)]
    before = before[cuts[-1]:] if cuts else before
    after = text[end:end + ahead]
    stop = next((x.start() for x in _CLAUSE_BREAK.finditer(after)), len(after))
    return f"{before}{text[start:end]}{after[:stop]}", len(before)


def _object_words(rest: str) -> list[str]:
    """The words an act's object is known by: the first five content words after the verb, less numbers and
    months (a date says when, not what)."""
    return [w for w in dict.fromkeys(content_words(rest)) if not w.isdigit() and w not in MONTHS][:5]


def _judge_act_missing(q: Question, texts: dict[str, str], whole: str) -> str:
    """'a decision by Judge X to <verb>' when the documents record the act the question says Judge X did, but as
    another judge's ('Magistrate Judge Richlin restricted ...' for 'Why did Judge Kronstadt restrict ...?'), or
    record the judge refusing what the question says was allowed ('Judge Hellerstein refused Sony's bid to add
    ...' for 'Why did Judge Hellerstein let Sony add ...?'); '' otherwise. The record is the clause with the verb
    that has most of the words that follow it in the question; a clause that names no one is nobody else's act."""
    asked = _asked_judge_act(q.text)
    if asked is None:
        return ""
    judge, verb, rest = asked
    obj = _object_words(rest)
    if len(obj) < 2:
        return ""
    forms = _verb_forms(verb)
    patterns = [(forms, False)] + ([(rf"\b{_REFUSED}\b", True)] if verb in _PERMITS else [])
    name = re.escape(judge)
    magistrate = re.search(rf"\bMagistrate\s+Judge\s+(?:[\w.]+\s+){{0,3}}{name}\b", whole) is not None
    found: list[tuple[int, bool, str]] = []  # (object words in the clause, refused, agent: 'x', 'other' or '')
    for text in texts.values():
        own = _own_order(name, text)
        signer = _signer(text)
        other_signer = signer if signer and signer != judge.lower() else ""
        for rx, refused in patterns:
            for m in re.finditer(rx, text, re.I):
                clause, at = _clause_at(text, m.start(), m.end())
                words = set(content_words(clause[at + m.end() - m.start():]))
                n = sum(w in words for w in obj)
                if n < 2:
                    continue
                agent = _agent(clause[:at], clause[at:], name, own, magistrate, other_signer)
                if not refused and _taken_back(clause[:at]):
                    continue
                found.append((n, refused, agent))
    if not found:
        return ""
    best = max(n for n, _r, _a in found)
    top = [(r, a) for n, r, a in found if n == best]
    what = f"a ruling by Judge {judge}" if verb in _RULING_FAMILY else f"a decision by Judge {judge} to {verb}"
    if any(r for r, _a in top) and not any(not r for r, _a in top):
        return what  # the record says the judge refused it
    if all(a == "other" for _r, a in top):
        return what
    return ""


def _separate_opinion_missing(question: str, texts: dict[str, str]) -> str:
    """'a dissent by Justice X' when the question says X dissented (or concurred) and the opinion names who did,
    without X ('BREYER, J., filed a concurring opinion. ALITO, J., filed a dissenting opinion.'); '' otherwise."""
    m = re.search(rf"\b(?:Judge|Justice)\s+{_JUDGE_NAME}(?:['\u2019]s)?\s+(?:\w+\s+){{0,4}}?(dissent|concurr?)\w*", question)
    if m:  # 'Justice Breyer ... dissent'
        name, kind = m.group(1), m.group(2)
    else:  # 'the dissent by Justice Breyer'
        m = re.search(rf"\b(dissent|concurr?)\w*\s+(?:by|of|from)\s+(?:Judge|Justice)\s+{_JUDGE_NAME}", question)
        if not m:
            return ""
        kind, name = m.group(1), m.group(2)
    kind = "dissent" if kind.startswith("dissent") else "concurr"
    said: set[str] = set()
    for text in texts.values():
        for rx in (r"\b([A-Z][A-Za-z'\u2019\-]+),\s*(?:C\.\s*)?J\.,\s*(?:filed\s+an?\s+)?(dissent|concurr)",
                   r"\bJUSTICE\s+([A-Z][A-Z'\u2019\-]+),?\s+(?:with\s+whom[^.]{0,80}?,\s*)?(dissent|concurr)",
                   r"\b(?:Judge|Justice)\s+(?:[A-Z][\w.'\u2019\-]*\s+){0,2}?([A-Z][\w'\u2019\-]+)\s+(?:\w+\s+){0,2}?"
                   r"(dissent|concurr)"):
            said |= {who.lower() for who, k in re.findall(rx, text) if k == kind}
    if said and name.lower() not in said:
        title = "Judge" if "Judge" in m.group(0) else "Justice"
        return f"a {'dissent' if kind == 'dissent' else 'concurrence'} by {title} {name}"
    return ""


def _asked_party_act(q: Question) -> tuple[Mention, str, str] | None:
    """(party, verb, the words after it) for 'Why did Meta sign only the safety chapter ...?', or None: a party the
    question names, and says did something."""
    m = re.search(r"\b(?:did|had|has)\s+(?!the\b)((?:[A-Z][\w.&'\u2019\-]*\s+){1,4}?)(?!not\b|ever\b|never\b|also\b|"
                  r"first\b|just\b|then\b)([a-z]{3,})\b(.*)$", q.text)
    verb = m.group(2) if m else ""
    if not m:
        # a clause that takes the act for granted: 'When the Information Commissioner's Office published its survey
        # in December 2023, what ...?', 'Now that GitHub accepts pull requests, how ...?'
        m = re.match(r"\s*(?:When|After|Once|Since|Now that|Given that)\s+(?:the\s+)?((?:[A-Z][\w.&'\u2019\-]*\s+){1,5}?)"
                     r"([a-z]{3,}(?:ed|es|s))\b([^,?]*)", q.text)
        if not m:
            return None
        verb = _base_form(m.group(2))
    if re.match(r"(?:Magistrate|Judge|Justice|District|Chief)\b", m.group(1)):
        return None
    name = m.group(1).strip()
    party = next((p for p in _parties(q) if p.text == name or p.text.removeprefix("the ") == name), None)
    return (party, verb, m.group(3)) if party is not None else None


def _base_form(verb: str) -> str:
    """'published' -> 'publish', 'accepts' -> 'accept', 'settled' -> 'settle', 'denied' -> 'deny' (near enough for
    _verb_forms, which also matches the base with an 'e')."""
    for end, put in (("ied", "y"), ("ies", "y"), ("ed", ""), ("es", ""), ("s", "")):
        if verb.endswith(end) and len(verb) - len(end) >= 3:
            return verb[: -len(end)] + put
    return verb


# who a clause says acted: the last name before its verb ('xAI signed', 'Warner Music Group (WMG) settled')
_SUBJECT = re.compile(r"((?:[A-Z][\w.&'\u2019\-]*|[a-z]+[A-Z][\w.&'\u2019\-]*)(?:\s+(?:[A-Z][\w.&'\u2019\-]*|\([A-Z][\w&]*\)))*)\s+(?:\w+\s+){0,2}$")


def _same_initials(party: Mention, who: str) -> bool:
    """Whether a name may be the party by its initials: 'UMG' for 'Universal Music', 'Universal Music Group' for
    'UMG'."""
    initials = "".join(t[0] for t in party.tokens if t)
    theirs = "".join(w[0] for w in re.findall(r"[A-Za-z][\w&.'\u2019\-]*", who)).lower()
    caps = [w.lower() for w in re.findall(r"\b[A-Z]{2,6}\b", who)]
    asked = party.text.replace(".", "").lower()
    return any(c.startswith(initials) or initials.startswith(c) for c in caps if len(initials) >= 2) \
        or (party.kind == "acronym" and (theirs.startswith(asked) or asked.startswith(theirs)))


def _party_act_missing(q: Question, texts: dict[str, str], whole: str) -> str:
    """'a decision by X to <verb>' when the documents record the act the question says party X did, with its words,
    only as another party's ('xAI signed only the Safety and Security chapter' for 'Why did Meta sign only the
    Safety and Security chapter?'), or only as not done ('we do not accept Pull Requests'); '' otherwise, and when a
    clause with X doing it has nearly as many of the act's words as the best."""
    asked = _asked_party_act(q)
    if asked is None:
        return ""
    party, verb, rest = asked
    obj = _object_words(rest)
    if len(obj) < 2:
        return ""
    tests = _alias_tests(party, whole)
    found: list[tuple[int, str]] = []
    negated: list[int] = []
    for text in texts.values():
        for m in re.finditer(_verb_forms(verb), text, re.I):
            clause, at = _clause_at(text, m.start(), m.end())
            # its object runs to the clause's end or the verb's next use ('Meta refused to sign and xAI signed ...')
            after = clause[at + m.end() - m.start():]
            again = re.search(_verb_forms(verb), after, re.I)
            n = sum(w in set(content_words(after[:again.start()] if again else after)) for w in obj)
            if n < 1:
                continue
            if _taken_back(clause[:at]) or re.search(rf"\b(?:{_REFUSED}|fail\w*)\s+to\s+$", clause[:at], re.I):
                negated.append(n)  # ('Meta refused to sign', 'we do not accept Pull Requests': not done)
                continue
            # (the subject's part of the clause: 'Meta refused to sign and xAI signed only ...' is xAI's act)
            pre = re.split(r"\b(?:and|but|while|whereas|or)\b", clause[:at])[-1]
            if any(t.search(pre) or t.search(clause[at:]) for t in tests):
                found.append((n, "x"))
                continue
            subj = _SUBJECT.search(pre)
            who = re.sub(r"^The\s+", "", subj.group(1)) if subj else ""
            if who and set(content_words(party.text)) <= set(content_words(who)):
                found.append((n, "x"))  # ('The Information Commissioner\u2019s Office has published ...')
            elif not who or re.fullmatch(r"(?:The|This|That|It|On|In|By|Under|A|An)\b.*", who) \
                    or who.split()[0] in [mo.title() for mo in MONTHS] or _same_initials(party, who):
                found.append((n, ""))
            else:
                found.append((n, "other"))
    # (a clause with the party doing it, and any of the act's words, is a record: 'UMG settled with Udio' for 'When
    # did Universal Music settle its lawsuit with Udio?', though 'Warner settled its lawsuit against Udio' has more)
    if not found and negated and max(negated) >= 2:
        return f"a decision by {party.text} to {verb}"  # every record of the act says it was not done
    best = max((n for n, _a in found), default=0)
    # (a clause with the party doing it, with nearly as many of the act's words, is a record)
    if not found or any(a == "x" and n >= best - 1 for n, a in found):
        return ""
    if best >= 2 and all(a == "other" for n, a in found if n == best):
        return f"a decision by {party.text} to {verb}"
    return ""


def _signer(text: str) -> str:
    """The surname of the judge who signed a court paper ('BETH LABSON FREEMAN / United States District Judge'),
    or ''."""
    m = re.search(r"(?m)^\s*((?:[A-Z][A-Za-z.'\-]*\s+){0,3}[A-Z][A-Za-z'\-]+)\s*,?\s*\n?\s*(?:United\s+States\s+)?(?:District|"
                  r"Magistrate|Circuit|Chief)\s+Judge\b", text[-4000:])
    return m.group(1).split()[-1].lower() if m else ""


def _agent(before: str, after: str, name: str, own: bool, magistrate: bool, signer: str = "") -> str:
    """Who did the act of a clause: 'x' (the asked judge, or 'the Court' in that judge's own order), 'other' (a
    judge by another name, 'the Court' in another judge's signed order, or an unnamed magistrate judge when the
    asked judge is none), or '' (nobody named)."""
    full = r"(?:[A-Z][\w'\u2019\-]*\.?\s+){0,3}([A-Z][\w'\u2019\-]+)"  # the whole name: 'Judge Ann Poe', not 'Judge Ann'
    agents = list(re.finditer(rf"\b(?:Magistrate\s+)?(?:Judge|Justice)\s+{full}(?=\W)|\b[Tt]he\s+magistrate\s+"
                              r"judge\b|\b(?:[Tt]he|[Tt]his)\s+(?-i:Court)\b", before))
    passive = re.search(rf"\bby\s+(?:the\s+)?(?:(?:Magistrate\s+)?(?:Judge|Justice)\s+{full}(?=\W)|magistrate\s+"
                        r"judge\b)", after)
    m = agents[-1] if agents else passive
    if m is None:
        return ""
    said = m.group(0)
    if re.search(rf"\b{name}\b", said, re.I):
        return "x"
    if re.search(r"\bCourt\b", said):
        return "x" if own else ("other" if signer else "")
    if re.search(r"\bmagistrate\s+judge\b", said, re.I) and not m.groups()[0]:
        return "" if magistrate else "other"
    return "other"
