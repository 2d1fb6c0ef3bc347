"""Hits -> an extractive Answer: every sentence of the retrieved passages is a candidate, scored by a linear model
over named features (its similarity in meaning to the question, the question's words it covers, whether it has
the shape of the answer asked for, whether its document is the one the question names, ...); the best leads, up
to two more that add something follow, and each is cited [n] and checked verbatim against its source.

The weights live in one place, `WEIGHTS`, fitted by `evals/fit_composer.py` on the dev split of the eval sets
(listwise: the sentences that hold an expected fact should come first). Nothing here names a corpus: layout and
vocabulary come from a `Profile` (assistant/profile.py).
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol

import numpy as np

from . import prompts
from .citations import INSTRUCTION, quote_in_source
from .lexicon import is_common_word
from .linking import COURT_TYPES
from .places import CITY_CODES, asked_place, is_place, mentions_place, places_named
from .profile import ACTIVE, Profile
from .query import Question, court_spans, focus_terms, intents_of, provision_key
from .text import MONTHS, NUMBER_VALUES, content_words, sentence_spans
from .types import Answer, Chunk, Citation, Hit


class LexicalStats(Protocol):
    """Corpus statistics the composer weighs question terms with."""

    def idf(self, term: str) -> float: ...

    def df(self, term: str) -> int: ...

    def sources_with(self, terms) -> dict[str, int]: ...  # documents whose passages have all the terms


# -- answer shapes: what a sentence that answers each intent looks like ---------------------------------------------
_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
           r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)")
# how a court disposes of what is before it, in the present tense of its judgment line: 'we dismiss the appeal
# without prejudice', 'we affirm in part', 'The judgment of the district court is REVERSED', 'IT IS SO ORDERED'
_DISPOSITION_RX = (r"\bwe\s+(?:therefore\s+|thus\s+|accordingly\s+|consequently\s+|now\s+)?(?:affirm|reverse|vacate|"
                   r"remand|dismiss|deny|grant)\b|\b(?:judgment|order|decree|appeal|petition|motion|case|complaint)\b"
                   r"[^.;]{0,80}\b(?:is|are)\s+(?:hereby\s+)?(?:affirmed|reversed|vacated|remanded|dismissed|granted|"
                   r"denied)\b|\b(?:it\s+is\s+)?so\s+ordered\b|\bit\s+is\s+(?:hereby\s+)?ordered\b")
_DISPOSITION = re.compile(_DISPOSITION_RX, re.I)

SHAPES: dict[str, re.Pattern] = {
    "when": re.compile(rf"\b\d{{4}}-\d{{2}}(?:-\d{{2}})?\b|\b{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}\b|"
                       rf"\b\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}\b|\b{_MONTHS},?\s+\d{{4}}\b|"
                       rf"\b(?:in|on|since|by|until|from|during|early|late|mid-?)\s+(?:19|20)\d{{2}}\b|"
                       rf"\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"),
    "amount": re.compile(r"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*(?:million|billion|thousand|percent|per cent|%)|"
                         r"\b(?:USD|EUR|GBP|INR|CNY|RMB|yuan|rupees|euros?|dollars?|pounds)\b|"
                         r"\b10\^?\d+\b|\b\d[\d,.]*\s*(?:FLOPs?|floating[- ]point)", re.IGNORECASE),
    "count": re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                        r"dozens?|hundreds?|thousands?|millions?)\b", re.IGNORECASE),
    "who": re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z.]+|&|of|de|v\.))+|"
                      r"\b[A-Z][A-Za-z'’\-]+,\s+(?:C\.\s*)?J\.,|\bdelivered the opinion\b|\bwrote (?:the|for)\b|"
                      r"\bauthored\b|\bsigned by\b|\bby (?:Judge|Justice)\b"),
    "court": re.compile(r"\bCourt\b|\bDistrict\b|\bCircuit\b|\bTribunal\b|\bN\.D\.|\bS\.D\.N\.Y|\bC\.D\. Cal|"
                        r"\bD\. Del\.|\bCJEU\b|\bLandgericht\b", re.IGNORECASE),
    "judge": re.compile(r"\bJudge\b|\bJustice\b|\bJ\.\s|\bMagistrate\b|\bpresid\w*\b|\bassigned to\b|"
                       r"\bHonou?rable\b|\bHon\.\s", re.IGNORECASE),  # 'Present: The Honorable CHRISTINA A. SNYDER'
    "decide": re.compile(r"\b(?:ruled|held|holds|hold that|decided|decides|found|finds|granted|grants|denied|"
                         r"denies|dismissed|dismisses|rejected|rejects|concluded|concludes|awarded|ordered|"
                         r"approved|affirmed|reversed|upheld|vacated|remanded|enjoined|sustained|infringed|liable|"
                         r"is fair use|was fair use|not fair use|judgment for|in favou?r of)\b|" + _DISPOSITION_RX,
                         re.IGNORECASE),
    "status": re.compile(r"\bas of\b|\bpending\b|\bremains?\b|\bstill\b|\bstatus\b|\bongoing\b|\bin force\b|"
                         r"\bscheduled\b|\bstayed\b|\bawait\w*\b|\bset for\b|\bnext\b|\bcurrently\b|\bhas not yet\b|"
                         r"\bappeal\w*\b|\bsettled\b|\bclosed\b", re.IGNORECASE),
    "law": re.compile(r"\b(?:must|shall|shall not|requires?|required|obliges?|obliged|has to|have to|permits?|"
                      r"allows?|lets|prohibits?|applies|exempts?|unless|may not|is entitled|are entitled|"
                      r"provided that|subject to)\b", re.IGNORECASE),
    "define": re.compile(r"\bmeans\b|\bis defined as\b|\brefers? to\b|\bthe term\b|\bdefin\w*\b|"
                         r"\b(?:is|are) (?:a|an|the) (?:\w+ ){0,3}(?:that|which|where|whereby|in which|used)\b|"
                         r"\bshort for\b|\bstands for\b|\bknown as\b", re.IGNORECASE),
    "why": re.compile(r"\bbecause\b|\bdue to\b|\bowing to\b|\bafter\b|\bfollowing\b|\bprompted\b|\bin response to\b|"
                      r"\bled to\b|\bover (?:the |its |their )?\w+|\bciting\b|\bon the grounds?\b|\breasons?\b|"
                      r"\bsince\b|\bas a result\b|\bso that\b|\bin order to\b|\bthe basis\b|\balleg\w*\b|"
                      r"\bcomplain\w*\b|\bbackl?ash\b|\boutcry\b|\bcriticis\w*\b|\bobject\w*\b|"
                      r"\b(?:holding|finding|reasoning|concluding|ruling) that\b|\bon the basis that\b", re.IGNORECASE),
    "respond": re.compile(r"\b(?:said|says|stated|states|responded|responds|replied|replies|answered|statement|"
                          r"argued|argues|contended|contends|countered|denied|denies|maintain\w*|insist\w*|"
                          r"pledged|promised|vowed|announced|spokes\w*|in a statement|defended|defends|"
                          r"moved to|asserted|asserts|claims? that|position)\b", re.IGNORECASE),
    "compare": re.compile(r"\bwhereas\b|\bwhile\b|\bunlike\b|\bby contrast\b|\bin contrast\b|\bhowever\b|"
                          r"\bbut\b|\bboth\b|\bsimilar\w*\b|\bdiffer\w*\b|\bdisagree\w*\b|\bcriticis\w*\b", re.IGNORECASE),
    "condition": re.compile(r"\bunless\b|\bprovided that\b|\bonly (?:if|where|when)\b|\bexcept\b|\bdoes not apply\b|"
                            r"\bshall not apply\b|\bwhere\b|\bif\b|\bin (?:the )?case\b|\bsubject to\b|"
                            r"\bunreasonabl\w*|\bprovided\b|\bas long as\b|\bso long as\b", re.IGNORECASE),
    "docket": re.compile(r"\bNo\.\s*\S*\d|\b\d:\d{2}-cv-\d+|\bdocket\b|\bCase C-\d+|\bMDL\b|\bcase no\b", re.IGNORECASE),
}
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_XREF = re.compile(r"\s*\[([a-z0-9][a-z0-9/_.-]*[a-z0-9])\]")  # '[kadrey-v-meta]' cross-references in the text
_ID_LIKE = re.compile(r"[a-z0-9]+(?:[-_/][a-z0-9]+)+")  # what an unknown id looks like: 'no-such-case', not '[2025]'


# -- the model ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Weights:
    """Every weight of the sentence scorer, in one place. Fitted by evals/fit_composer.py on the dev split (see
    the README's quality section for the figures); change them only by re-fitting."""

    sim: float = 3.20           # cosine similarity of sentence and question (the bundled model's own QA signal)
    sim_gap: float = 2.20       # how far the sentence's similarity is below the best candidate's
    passage: float = 0.89       # the passage's similarity to the question, relative to the best passage
    coverage: float = 3.57      # share of the question's (idf-weighted) terms in the sentence
    coverage_head: float = 2.01  # ... counting the passage's title and section heading too
    rank: float = 0.48          # 1 / (1 + the passage's retrieval rank)
    linked: float = 1.58        # the sentence's document is one the question names (by title, party, judge, ...)
    off_topic: float = -1.31    # the question names documents, and this sentence's is not one of them
    names_hit: float = -0.03     # the sentence itself contains a name the question uses
    # the sentence has the shape of the answer asked for, one weight per kind of question (SHAPES)
    shape_when: float = 1.76    # a date
    shape_amount: float = 1.55  # an amount of money, a percentage, a threshold
    shape_count: float = 1.24   # a number
    shape_who: float = 0.87     # a name of a person or organisation
    shape_court: float = 1.04
    shape_judge: float = 1.25
    shape_decide: float = 0.81  # a holding: 'held', 'ruled', 'is fair use'
    shape_status: float = 0.99
    shape_law: float = 0.83     # an obligation: 'shall', 'must'
    shape_define: float = 1.22  # a definition: "'X' means"
    shape_why: float = 1.07     # a reason: 'because', 'due to'
    shape_respond: float = 0.52  # a response: 'said', 'argued'
    shape_compare: float = 0.55
    shape_condition: float = 0.69  # a condition: 'unless', 'provided that'
    shape_docket: float = 1.27
    novelty: float = 0.53       # share of the sentence's words that the question does not already use
    section: float = 0.29       # the section heading is where that kind of answer sits (from the profile)
    focus_missing: float = -0.69  # "Which judge ...?" and the sentence names no judge
    asked_month: float = 0.83   # the sentence mentions the month and year the question asks about
    long: float = 0.45         # more than 60 words
    short: float = -0.41        # fewer than 7 words
    question_mark: float = -0.92  # the sentence is itself a question
    already_said: float = -1.28  # a follow-up: the previous answer already said it
    primary: float = 0.64       # the question asks what the order/Act/opinion says, and this is that document
    preamble: float = -0.3     # a recital, a preamble or a code's editorial notes: why a law was made or changed
    pair: float = 0.94         # two neighbouring sentences taken together (longer; the answer may be the second)
    disposition: float = 1.5    # the question asks what a court decided, and the sentence is a court's judgment line:
                               # 'we dismiss the appeal', 'The motion is GRANTED' (set by hand on the dev sets,
                               # 2026-12-07: see the README)
    announces: float = 3.0      # 'What are the four signals?' and the sentence announces the four as a list ('The
                               # four proposed signals are:'; set by hand on the dev sets, 2026-12-07: see the README)
    record: float = 4.5         # a court paper's own caption or signature line giving what the question asks of
                               # it: its judge, date, court or docket (set by hand, 2026-12-04: see the README)
    place_missing: float = -1.0  # the question names a country and neither the sentence nor its document's
                                 # jurisdiction is of it (set by hand on the dev sets, 2026-12-04: see the README)
    provision: float = 1.15     # the sentence is in the provision the question names ('under section 504': §504);
                               # fitted with the rest on the dev sets, the only fitted weight adopted (the others cost
                               # answer accuracy though they ranked the top sentence better)
    # assembling the answer
    # a further sentence is added when its score is within this of the lead's. Chosen on the dev sets only
    # (corpus-dev, corpus-dev2, realdocs-dev, realdocs2-dev, core), 2026-12-02: the sentence holding a fact is the
    # lead in 71% of dev questions and within the best three in 93%; 1.2 -> 2.0 took dev answer accuracy from
    # 0.880/0.725/0.636 to 0.920/0.750/0.659 (corpus-dev/realdocs-dev/realdocs2-dev) for answers of 135 words on
    # average instead of 116 (3.0 gained a little more and averaged 149 words)
    follow_gap: float = 2.0
    max_sentences: int = 3
    # a pair close to the lead that shares a sentence with a chosen one widens it by its other sentence, up to this
    # many characters in all; the lead only by the sentence after it (dev sets, 2026-12-04: core 0.937 -> 0.948,
    # realdocs-dev 0.925 -> 0.950, realdocs2-dev 0.773 -> 0.795, realdocs4-dev 0.560 -> 0.600, for answers of 147
    # words on average instead of 136)
    widen_chars: int = 900
    count_lines: int = 12      # a complaint's counts listed for 'Which claims does it bring?'
    list_sentences: int = 5    # lists across documents ("Which cases ...") take one sentence per document
    prefilter: int = 40        # candidates embedded per question (the best by the cheaper features)
    pair_candidates: bool = True
    name_terms: float = 0.0    # a named document's own names count this much in a sentence's coverage (dev sets: 1.0 -> 0.0
                               # took core 0.926 -> 0.933, realdocs-dev 0.750 -> 0.775; 0.4 was between)

    def vector(self) -> np.ndarray:
        """The feature weights in FEATURES order."""
        return np.array([getattr(self, f) for f in FEATURES], dtype=np.float64)

    def with_vector(self, v: Sequence[float]) -> Weights:
        """A copy with the feature weights replaced (the fit writes them this way)."""
        return Weights(**{**{f.name: getattr(self, f.name) for f in fields(self)},
                          **{name: float(x) for name, x in zip(FEATURES, v)}})


SHAPE_FEATURES = tuple(f"shape_{i}" for i in ("when", "amount", "count", "who", "court", "judge", "decide", "status",
                                                 "law", "define", "why", "respond", "compare", "condition", "docket"))
FEATURES = ("sim", "sim_gap", "passage", "coverage", "coverage_head", "rank", "linked", "off_topic", "names_hit",
            *SHAPE_FEATURES, "novelty", "section", "focus_missing", "asked_month", "long", "short", "question_mark",
            "already_said", "primary", "pair", "preamble", "provision", "place_missing", "record", "disposition",
            "announces")
WEIGHTS = Weights()


@dataclass
class Candidate:
    """One sentence of a retrieved passage, with where it sits and its features."""

    hit: int            # index into the hits
    start: int          # offsets in the document's text
    end: int
    text: str
    terms: frozenset[str]
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    vector: np.ndarray | None = None


@dataclass
class Context:
    """Everything the composer reads besides the question and the hits."""

    stats: LexicalStats
    document_text: Callable[[str], str]                 # source id -> the full text quotes are checked against
    embed: Callable[[list[str]], np.ndarray] | None = None  # texts -> unit vectors (the index's embedder)
    query_vector: np.ndarray | None = None
    linked: dict[str, float] = field(default_factory=dict)  # source id -> link strength to the question's names
    titles: dict[str, str] = field(default_factory=dict)    # source id -> title, for cross-references in prose
    primary: set[str] = field(default_factory=set)          # documents that are primary texts (orders, statutes)
    history_question: str = ""                               # for a follow-up, the question it follows
    already_said: set[str] = field(default_factory=set)
    min_relevance: float = 0.30
    empty_index: bool = False
    profile: Profile = ACTIVE
    weights: Weights = WEIGHTS


# -- sentence vectors, cached -------------------------------------------------------------------------------------
class _VectorCache:
    """Sentence vectors by embedder model and text: the same passages come back for related questions. Keyed by
    the model too, since one process may hold several embedders (a test suite, the bench comparing two)."""

    def __init__(self, size: int = 20000):
        self.size = size
        self._d: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def get_many(self, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        owner = getattr(embed, "__self__", embed)
        who = str(getattr(owner, "model_id", None) or id(owner))  # embedders with one model_id give one vector
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (who, t) not in self._d]
        if missing:
            vecs = np.asarray(embed(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, vecs):
                    self._d[(who, t)] = v
                    if len(self._d) > self.size:
                        self._d.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                v = self._d.get((who, t))
                if v is None:  # evicted meanwhile by another thread
                    v = np.asarray(embed([t]), dtype=np.float32)[0]
                self._d.move_to_end((who, t)) if (who, t) in self._d else None
                out.append(v)
        return np.vstack(out) if out else np.zeros((0, 1), dtype=np.float32)


SENTENCE_VECTORS = _VectorCache()


# -- relevance and refusal ----------------------------------------------------------------------------------------
def term_weights(text: str, idf: Callable[[str], float], related: dict[str, tuple[str, ...]] | None = None
                 ) -> dict[str, float]:
    """Content terms of a text weighted by rarity; related words join at 0.6 of their term's weight."""
    return stem_weights(content_words(text), idf, related)


def stem_weights(stems: Sequence[str], idf: Callable[[str], float], related: dict[str, tuple[str, ...]] | None = None
                 ) -> dict[str, float]:
    """term_weights of words already stemmed (stemming a stem again can change it: 'licens' -> 'licen')."""
    out = {t: idf(t) for t in dict.fromkeys(stems)}
    for t in list(out) if related else ():
        for r in related.get(t, ()):
            out.setdefault(r, 0.6 * out[t])
    return out


def coverage(terms: dict[str, float], sent_terms: set[str] | frozenset[str]) -> float:
    """Weighted share of the terms present."""
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in sent_terms) / total if total else 0.0


def relevance(question: str, hits: list[Hit], idf) -> tuple[float, float]:
    """(best dense similarity, best idf-weighted share of question terms found in one passage)."""
    if not hits:
        return 0.0, 0.0
    terms = term_weights(question, idf)
    best_sim = max(h.dense_score or 0.0 for h in hits)
    best_cov = max(coverage(terms, set(content_words(f"{h.chunk.title} {h.chunk.section} {h.chunk.text}")))
                   for h in hits)
    return best_sim, best_cov


def should_refuse(best_sim: float, best_cov: float, min_relevance: float) -> bool:
    """Refuse when the best passage is neither close in meaning nor shares the question's key terms."""
    if best_sim < min_relevance:
        return True
    return best_sim < min_relevance + 0.15 and best_cov < 0.34


def _without(text: str, names: list[str]) -> str:
    for n in names:
        text = re.sub(re.escape(n), " ", text, flags=re.IGNORECASE)
    return text


def _rest_coverages(q: Question, hits: list[Hit], ctx: Context) -> list[float] | None:
    """How well each hit covers the question's words other than its names (related words count); None when the
    question has no such words ('What happened in Bartz?')."""
    name_stems = {s for m in q.mentions if m.kind not in ("quoted", "described", "provision")
                  for t in m.tokens for s in content_words(t)}
    rest = [t for t in dict.fromkeys(content_words(q.text)) if t not in name_stems and not t.isdigit()]
    terms = stem_weights(rest, ctx.stats.idf, ctx.profile.related)
    if not terms:
        return None
    # a city the question places its case in is covered by a document of that city's jurisdiction ('did getty win
    # anything in london?': the UK case)
    cities = {t: CITY_CODES[t] for t in rest if t in CITY_CODES}

    def words(h: Hit) -> set[str]:
        got = set(content_words(f"{h.chunk.title} {h.chunk.section} {h.chunk.text}"))
        return got | {t for t, code in cities.items() if str(h.meta.get("jurisdiction", "")).upper() == code}
    return [coverage(terms, words(h)) for h in hits]


def unknown_names(q: Question, stats: LexicalStats) -> list[str]:
    """Names in the question that no indexed passage contains (the index knows nothing of them)."""
    out = []
    for m in q.mentions:
        # (a provision's token is its key, '§1292' or 'article 5': the passages have its number)
        stems = re.findall(r"\d+", m.tokens[0]) if m.kind == "provision" and m.tokens else [
            s for t in m.tokens for s in content_words(t)]
        # no passage has the whole name ('Google v. Oracle' where only Google is indexed)
        # (a place is where a case is, not what it is about: 'did Getty win anything in London?')
        if m.text not in q.resolved and stems and not stats.sources_with(stems) and not is_place(m.tokens) \
                and not _known_in_parts(m.text, stats):
            out.append(m.text)
    return out


def _known_in_parts(name: str, stats: LexicalStats) -> bool:
    """Whether a name made of an owner and a thing ("Richard Dooling's Copyright Basics", "Alsup's Order on Fair
    Use") has both parts in one document, though no single passage holds both."""
    parts = [p for p in re.split(r"['\u2019]s\s+", name) if p.strip()]
    if len(parts) != 2:
        return False
    found = [set(stats.sources_with(stems)) if (stems := content_words(p)) else set() for p in parts]
    return bool(found[0] & found[1])


def unseen_name(question: str, stats: LexicalStats, known: set[str] = frozenset()) -> str:
    """Two neighbouring words of the question that are neither common English words nor in any indexed passage
    ('scarlett johansson', 'MetaBirkins NFTs'): a name the index has never seen, typed in any case; '' if none.
    `known` are name tokens the linker resolved to a document ('dga' for the Data Governance Act).
    (Measured 2026-12-02 on the ~600 questions of the gate and dev sets: such a pair occurs only in questions that
    must be refused.)"""
    words = re.findall(r"[A-Za-z\u00c0-\u024f][\w\u00c0-\u024f'\u2019\-]*", question)
    flags = []
    for w in words:
        tok = re.sub(r"['\u2019]s$", "", w)
        stems = content_words(tok)
        flags.append(len(tok) >= 3 and not is_common_word(tok.lower()) and bool(stems) and tok.lower() not in known
                     and not stats.sources_with(stems))  # (a name the linker resolved, 'DGA', is known)
    return next((f"{words[i]} {words[i + 1]}" for i in range(len(words) - 1) if flags[i] and flags[i + 1]), "")


def _part_known(name: str, stats: LexicalStats) -> bool:
    """Whether a part of a name is indexed ('Getty Images v Stability AI' of 'Getty Images v Stability AI in
    London', where the index does not have London with it)."""
    parts = re.split(r"\s+(?:in|on|for)\s+", name)
    return len(parts) > 1 and any((stems := content_words(p)) and stats.sources_with(stems) for p in parts)


# -- composing ----------------------------------------------------------------------------------------------------
def compose(q: Question, hits: list[Hit], ctx: Context) -> Answer:
    """Lead with the sentence that best answers the question, add what else answers it, cite each [n]."""
    if not hits:
        return Answer(question=q.text, refused=True,
                      text=prompts.REFUSAL_EMPTY_INDEX if ctx.empty_index else prompts.REFUSAL)
    probe = f"{ctx.history_question} {q.text}".strip() if ctx.history_question else q.text
    best_sim, best_cov = relevance(probe, hits, ctx.stats.idf)
    # a question that names an indexed document is about it, even when its wording is far from the text
    # (if its passages have the rest of the question, or some of it and are clearly close in meaning: a roundup
    # whose title lists Brazil, close only by that name, is not about Brazilian trade-mark fees)
    covs = _rest_coverages(q, hits, ctx)  # per hit; None when the question is all names
    rest_all = max(covs) if covs else None
    of_named = [ctx.linked.get(h.chunk.source_id, 0) >= 0.8 for h in hits]
    named_covs = [v for v, is_named in zip(covs or (), of_named) if is_named]
    rest = max(named_covs) if named_covs else None
    named = any(of_named) and (rest is None or rest >= 0.34
                               or (best_sim >= ctx.min_relevance + 0.10 and rest >= 0.10))
    # the words a question shares with the passages count without its names: 'Brazil' alone makes no match
    cov = best_cov if rest_all is None or not q.resolved else min(best_cov, rest_all)
    if should_refuse(best_sim, cov, ctx.min_relevance) and not (named and best_sim >= ctx.min_relevance):
        return refusal(q.text, hits)
    if rest_all is not None and rest_all < 0.05:  # nothing at all: a related word or one rare word is enough
        return refusal(q.text, hits)  # only its names are in the passages: 'What is the capital of Australia?'
    unknown = unknown_names(q, ctx.stats)
    if unknown and not named:
        known_cov = relevance(_without(probe, unknown), hits, ctx.stats.idf)[1]
        names = [m for m in q.mentions if m.kind in ("name", "acronym")]
        if len(unknown) >= 2 or known_cov < 0.5 or (names and not q.resolved and all(
                m.text in unknown and not _part_known(m.text, ctx.stats) for m in names)):
            # the question is about something no document mentions: what it names, none of them has
            # ("What did Israel's Ministry of Justice conclude ...?" in an index without Israel)
            return refusal(q.text, hits)
    if unseen_name(q.text, ctx.stats, known={t for m in q.mentions if m.text in q.resolved for t in m.tokens}):
        return refusal(q.text, hits)  # 'did scarlett johansson sue openai ...?': a name the index has never seen
    place = asked_place(q.text)
    if place:
        # 'under Brazilian law': only passages of that place's law answer, whatever else shares the question's words
        local = [h for h in hits if mentions_place(
            place, f"{h.meta.get('title') or h.chunk.title} {h.chunk.section} {h.chunk.text}", h.meta.get("jurisdiction", ""))]
        if not local:
            return refusal(q.text, hits)
        hits = local
    cands = candidates(q, hits, ctx)
    if not cands:
        return refusal(q.text, hits)
    score(cands, ctx.weights)
    chosen = select(q, cands, hits, ctx)
    return cite(q.text, hits, chosen, ctx)


def candidates(q: Question, hits: list[Hit], ctx: Context) -> list[Candidate]:
    """Every quotable sentence of the hits, with its features (the costlier ones for the best few only)."""
    w, prof = ctx.weights, ctx.profile
    pool: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for hi, h in enumerate(hits):
        c = h.chunk
        spans = list(quotable(c, ctx.document_text, prof, pairs=w.pair_candidates))
        for (s, e, sent), pair in spans:
            key = (c.source_id, s, e)
            if key in seen:
                continue
            seen.add(key)
            pool.append(Candidate(hi, s, e, sent, frozenset(content_words(sent))))
            if len(spans) == 1 and w.pair_candidates:
                # a passage of one sentence (a provision: 'This Treaty shall enter into force three months after
                # ...') is as whole as a pair of sentences taken together, and has no pair to be taken in
                pool[-1].features["pair"] = 1.0
            if pair is not None:
                ps, pe, ptext = pair
                cand = Candidate(hi, ps, pe, ptext, frozenset(content_words(ptext)))
                cand.features["pair"] = 1.0
                pool.append(cand)
    asked_fields = record_fields(q)
    if asked_fields:
        lines_of: dict[str, list[tuple[int, int]]] = {}  # source id -> its record lines (one read per document)
        for hi, h in enumerate(hits):
            sid = h.chunk.source_id
            if ctx.linked.get(sid, 0.0) < 0.8 or h.meta.get("doc_type") not in COURT_TYPES:
                continue  # (a case summary's judge is in its prose; a court paper's in its caption or signature)
            if sid not in lines_of:
                lines_of[sid] = record_lines(ctx.document_text(sid), record_values(h.meta), asked_fields)
            for s, e in lines_of[sid]:
                if not (h.chunk.start <= s < h.chunk.end or heads_chunk(ctx.document_text(sid), e, h.chunk.start)):
                    continue
                same = [c for c in pool if c.start == s and c.end == e and hits[c.hit].chunk.source_id == sid]
                if not same and (sid, s, e) not in seen:
                    seen.add((sid, s, e))
                    text = ctx.document_text(sid)[s:e]
                    same = [Candidate(hi, s, e, text, frozenset(content_words(text)))]
                    pool += same
                for cand in same:
                    cand.features["record"] = 1.0
    if not pool:
        return []
    idf = ctx.stats.idf
    q_terms = term_weights(q.text, idf, prof.related)
    for t in q.focus:
        if t in q_terms:
            q_terms[t] *= 1.6
    ctx_terms = {}
    if ctx.history_question:
        ctx_terms = {t: v * 0.4 for t, v in term_weights(ctx.history_question, idf).items() if t not in q_terms}
    terms = {**ctx_terms, **q_terms}
    # Terms found in most candidate sentences (the case name, say) tell them apart less than rarer ones.
    n = len(pool)
    local = {t: math.log(1 + n / (1 + sum(t in p.terms for p in pool))) / math.log(1 + n) for t in terms}
    weighted = {t: v * (0.35 + 0.65 * local[t]) for t, v in terms.items()}
    # Within the documents a question names, their names tell no sentence from another: what answers is the rest
    # of the question ('Why did Kneschke lose his appeal?': 'lose', 'appeal', not 'Kneschke').
    named = {s for m in q.mentions if m.text in q.resolved for t in m.tokens for s in content_words(t)}
    weighted = {t: v * (w.name_terms if t in named else 1.0) for t, v in weighted.items()}
    top_passage = max((h.dense_score or 0.0) for h in hits) or 1e-6
    focus_any = set(q.focus) | {r for t in q.focus for r in prof.related.get(t, ())}
    name_stems = {s for m in q.mentions for t in m.tokens for s in content_words(t)}
    months = _asked_months(q.text)
    asked_provisions = {provision_key(m.tokens[0]) for m in q.mentions if m.kind == "provision"}
    q_phrases = defined_terms(q)
    asks_primary = bool(re.search(r"\bthe\s+(?:[A-Z][\w\-]+\s+)?court\s+(?:say|said|hold|held|find|found|conclude|"
                                  r"explain|reason)", q.text)  # ('what did the Bartz court say': in its paper)
                        or re.search(r"(?:\b(?:the|this|its|their)|['\u2019]s)\s+(?:order|opinion|judgment|ruling|"
                                  r"decision|act|regulation|directive|statute|text|article|section|report|complaint|"
                                  r"guidance|letter|agreement|memorandum)\b.*\b(?:say|says|said|state|states|provide|"
                                  r"require|hold|held|find|found|conclude|explain|describe|distinguish|treat|address|"
                                  r"analy[sz]e|handle|characteri[sz]e)", q.text, re.IGNORECASE)
                        or re.search(r"\baccording to (?:the )?(?:order|opinion|judgment|act|regulation|"
                                     r"directive|statute|text|report)\b", q.text, re.IGNORECASE)
                        or re.search(r"\b(?:under|in|of|does)\s+(?:section|sections|§|article|art\.|recital|annex|"
                                     r"chapter|paragraph)\s*\d", q.text, re.IGNORECASE)
                        # 'Does the Copyright Act protect ideas?', 'Under the ePrivacy Directive, when may ...'
                        or re.search(r"\b(?i:does|do|did|under|according to)\s+(?:the\s+)?(?:[A-Z][\w\-]*\s+){1,4}"
                                     r"(?:Act|Regulation|Directive|Code|Statute|Convention|Treaty)\b", q.text)
                        or re.search(r"\b(?:section|§|article|art\.)\s*\d+\w*(?:\s*\(\w{1,4}\))*\s+(?:say|says|said|"
                                     r"provide|provides|require|requires|state|states|list|lists|set|sets)\b", q.text,
                                     re.IGNORECASE))
    disposing = asks_disposition(q)
    enumerated = asked_enumeration(q.text)
    places = places_named(q.text)
    for cand in pool:
        h = hits[cand.hit]
        c = h.chunk
        head = set(content_words(f"{c.title} {c.section}"))
        f = cand.features
        f["coverage"] = coverage(weighted, cand.terms)
        f["coverage_head"] = coverage(weighted, cand.terms | head)
        f["passage"] = (h.dense_score or 0.0) / top_passage
        f["rank"] = 1.0 / (1 + cand.hit)
        link = ctx.linked.get(c.source_id, 0.0)
        f["linked"] = link
        f["off_topic"] = 1.0 if ctx.linked and max(ctx.linked.values()) >= 0.8 and link < 0.5 else 0.0
        f["names_hit"] = 1.0 if name_stems and name_stems & cand.terms else 0.0
        for name in SHAPE_FEATURES:
            intent = name[len("shape_"):]
            f[name] = 1.0 if intent in q.intents and SHAPES[intent].search(cand.text) else 0.0
        f["disposition"] = 1.0 if disposing and _DISPOSITION.search(cand.text) else 0.0
        f["announces"] = 1.0 if enumerated and enumeration_in(cand.text + "\n", *enumerated) is not None else 0.0
        if "court" in q.intents and court_spans(cand.text):
            f["shape_court"] = 1.0
        if "define" in q.intents and q_phrases and _defines(cand.text, q_phrases):
            f["shape_define"] = 2.0  # "'illegal content' means ...": the definition of the very term asked
        new_terms = cand.terms - set(terms)
        f["novelty"] = min(1.0, len(new_terms) / max(len(cand.terms), 1))
        f["section"] = 1.0 if any(prof.section_matches(i, c.section) for i in q.intents) else 0.0
        f["focus_missing"] = 1.0 if focus_any and not (focus_any & cand.terms) else 0.0
        f["asked_month"] = 1.0 if months and _mentions_month(cand.text, months) else 0.0
        nwords = len(cand.text.split())
        f["long"] = 1.0 if nwords > 60 else 0.0
        f["short"] = 1.0 if nwords < 7 else 0.0
        f["question_mark"] = 1.0 if cand.text.rstrip().endswith("?") else 0.0
        f["already_said"] = 1.0 if ctx.already_said and any(_flat(cand.text) in s for s in ctx.already_said) else 0.0
        f["primary"] = 1.0 if asks_primary and c.source_id in ctx.primary else 0.0
        f["sim"] = f["sim_gap"] = 0.0
        f.setdefault("pair", 0.0)
        f.setdefault("record", 0.0)
        f["preamble"] = 1.0 if _NOT_OPERATIVE.match(c.section.strip().lower()) else 0.0
        f["provision"] = 1.0 if asked_provisions and provision_key(c.section) in asked_provisions else 0.0
        f["place_missing"] = 1.0 if places and not any(
            mentions_place(p, f"{c.title} {cand.text}", h.meta.get("jurisdiction", "")) for p in places) else 0.0
    if asked_provisions:
        # a document that has the provision asked about answers from it: 'under Article 10 of the WCT' is not
        # answered by Article 6 of the same treaty, however many words they share (other documents still count)
        # (a title, part or chapter holds many sections: 'Title 17' is no one place to answer from)
        having = {hits[c.hit].chunk.source_id for c in pool if c.features["provision"]
                  and not provision_key(hits[c.hit].chunk.section).startswith(("title", "part", "chapter", "schedule"))}
        pool = [c for c in pool if c.features["provision"] or hits[c.hit].chunk.source_id not in having]
    # The embedding signal for the most promising candidates: one batch per question.
    cheap = [c for c in pool]
    cheap.sort(key=lambda c: (-_cheap_score(c, ctx.weights), *_place(c)))
    shortlist = cheap[: w.prefilter]
    shortlist += [c for c in cheap[w.prefilter:] if c.features.get("record")]  # (what the record says is asked)
    if ctx.embed is not None and ctx.query_vector is not None and shortlist:
        vecs = SENTENCE_VECTORS.get_many([c.text for c in shortlist], ctx.embed)
        sims = vecs @ np.asarray(ctx.query_vector, dtype=np.float32)
        best = float(sims.max())
        for c, s, v in zip(shortlist, sims, vecs):
            c.features["sim"] = float(s)
            c.features["sim_gap"] = float(s) - best
            c.vector = v
    else:
        for c in shortlist:
            c.features["sim"] = c.features["passage"] * 0.5
    return shortlist


# -- a court paper's record: what its caption and signature say of it ---------------------------------------------
_ISSUED = re.compile(r"\b(?:issu|fil|decid|sign|enter|dated|rul|handed|deliver)\w*", re.I)


def record_fields(q: Question) -> list[str]:
    """What a question asks of a document's own record: 'Which judge issued the ruling, and on what date?' ->
    ['judge', 'date']; the court and the docket number too. ('When did the court rule on fair use?' asks when an
    event happened, which the record's date need not be: only a question of when the paper itself was issued, filed
    or signed asks for it.)"""
    out = [f for f in ("judge", "court", "docket") if f in q.intents]
    if re.search(r"\b(?:on )?what date\b|\bwhen\b", q.text, re.I) and _ISSUED.search(q.text) \
            and re.search(r"\b(?:order|opinion|ruling|decision|judgment|minutes|complaint|filing|memorandum)\b", q.text, re.I):
        out.append("date")
    if _ASKS_COUNTS.search(q.text):
        out.append("counts")
    return out


# 'Which legal claims does AVP bring against Xoho?', 'What counts does the complaint plead?'
_ASKS_COUNTS = re.compile(r"\b(?:which|what)\b[^?]{0,40}\b(?:claims|counts|causes of action)\b[^?]{0,60}\b"
                          r"(?:bring|brings|brought|assert\w*|plead\w*|allege\w*|raise\w*|make|makes|include\w*|"
                          r"contain\w*)\b|"
                          r"\b(?:which|what)\b[^?]{0,40}\b(?:claims|counts|causes of action)\b[^?]{0,40}\b(?:in|of)\s+"
                          r"(?:the|its|their|this)\s+(?:\w+\s+){0,2}complaint\b", re.I)
# a complaint's count headings, with the claim's name on the lines after it: 'COUNT I\nCOPYRIGHT INFRINGEMENT ...',
# 'FIRST CLAIM FOR RELIEF', 'SECOND CAUSE OF ACTION'
_COUNT_HEAD = re.compile(r"(?m)^[ \t]*(?:COUNT\s+(?:[IVXLC]+|\d{1,2})\b|(?:FIRST|SECOND|THIRD|FOURTH|FIFTH|"
                         r"SIXTH|SEVENTH|EIGHTH|NINTH|TENTH|ELEVENTH|TWELFTH)\s+(?:CLAIM|CAUSE\s+OF\s+ACTION)\b)"
                         r"[^\n]*")


def asks_disposition(q: Question) -> bool:
    """Whether a question asks what a court decided ('How did the First Circuit dispose of the appeal?'), not who
    wrote the opinion ('Who wrote the majority opinion?' speaks of the opinion too)."""
    return "decide" in q.intents and not q.intents & {"who", "judge"} and bool(_ASKS_DECISION.search(q.text))


_ASKS_DECISION = re.compile(r"\b(?:decid\w*|decision|rul(?:e|ed|es|ing)|held|hold|holding|outcome|result|dispos\w*|"
                            r"verdict|judgment|grant\w*|den(?:y|ied)|dismiss\w*|conclu\w*|find|found)\b", re.I)


def disposition_starts(text: str, limit: int = 3) -> list[int]:
    """Where a court paper states its disposition ('we dismiss the appeal', 'The motion is GRANTED'): the first
    such line (an opinion's introduction says what it does) and the last ones (its conclusion), at most `limit`."""
    found = [m.start() for m in _DISPOSITION.finditer(text)]
    return sorted(set(found[:1] + found[1:][-(limit - 1):])) if found else []


def heads_chunk(text: str, end: int, chunk_start: int) -> bool:
    """Whether a heading line ending at `end` is the heading of the chunk starting at `chunk_start` (a chunk's text
    starts after its section's heading; between them only spacing and the paragraph number)."""
    return 0 <= chunk_start - end <= 20 and not text[end:chunk_start].strip(" \t\n0123456789.")


def count_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each count heading of a complaint with the capitalised lines that name its claim; none
    unless it has two or more."""
    out = []
    for m in _COUNT_HEAD.finditer(text):
        end = base = m.end()
        for line in re.finditer(r"\n([^\n]*)", text[base:base + 400]):
            words = re.findall(r"[A-Za-z]{2,}", line.group(1))
            if not words or sum(w.isupper() for w in words) < 0.8 * len(words):
                break
            end = base + line.end()
        while end > m.start() and text[end - 1].isspace():
            end -= 1
        out.append((m.start(), end))
    return out if len(out) >= 2 else []


def record_values(meta: dict[str, Any]) -> dict[str, str]:
    """The judge, court, docket and date a document's reader took from its caption and signature."""
    try:
        fm = json.loads(meta.get("fm") or "{}")
    except ValueError:
        fm = {}
    return {k: str(v) for k, v in {**fm, "date": meta.get("date") or fm.get("date", ""),
                                   "court": meta.get("court") or fm.get("court", ""),
                                   "docket": meta.get("docket") or fm.get("docket", "")}.items()
            if k in ("judge", "court", "docket", "date") and v}


def _date_forms(iso: str) -> list[str]:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not m:
        return []
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    month = MONTHS[mo - 1].title()
    return [f"{month} {d}, {y}", f"{d} {month} {y}", f"{month[:3]}. {d}, {y}", iso]


def record_lines(text: str, values: dict[str, str], fields_asked: list[str], limit: int = 8000
                 ) -> list[tuple[int, int]]:
    """(start, end) of the line of a court paper's caption or signature that gives each field asked ('Present: The
    Honorable CHRISTINA A. SNYDER', 'Case No. 2:16-cv-08962-CAS-KSx Date January 15, 2019'), looked for in its
    first and last pages; a field the reader found no value for is not looked for."""
    out: list[tuple[int, int]] = count_lines(text) if "counts" in fields_asked else []
    windows = [(0, min(limit, len(text)))] + ([(len(text) - limit, len(text))] if len(text) > 2 * limit else [])
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)
             if any(a <= m.start() < b for a, b in windows)]
    for f in fields_asked:
        v = values.get(f, "")
        if not v:
            continue
        if f == "judge":
            tests = [re.compile(rf"\b{re.escape(v.split()[-1])}\b", re.I)]
        elif f == "date":
            tests = [re.compile(re.escape(x), re.I) for x in _date_forms(v)]
        elif f == "docket":
            tests = [re.compile(re.escape(v), re.I)]
        else:  # the court: its first part ('United States District Court')
            tests = [re.compile(r"\s+".join(map(re.escape, v.split(",")[0].split())), re.I)]
        found = next(((a, b) for a, b in lines if any(t.search(text[a:b]) for t in tests)
                      and len(text[a:b].split()) <= 25), None)
        if found is not None:
            a, b = found
            while b > a and text[b - 1].isspace():
                b -= 1
            if (a, b) not in out:
                out.append((a, b))
    return out


_MARKER_LIKE = re.compile(r"\[\d{1,3}\]")
# Parts of a law that say why it was made or how it changed, not what it provides: recitals and preambles, and a
# code's editorial notes (the U.S. Code's 'Historical and Revision Notes', committee reports, amendment notes).
_NOT_OPERATIVE = re.compile(r"(?:recital|preamble|whereas|historical and revision notes|(?:house|senate|conference) "
                            r"report|amendments?\b|effective date|short title|references in text|prior provisions|"
                            r"editorial notes|statutory notes|codification|separability|transfer of functions|"
                            r"change of name|termination date)", re.I)


Span = tuple[int, int, str]  # (start, end, text): offsets in the document's text


def quotable(c: Chunk, document_text: Callable[[str], str], profile: Profile = ACTIVE, pairs: bool = True
             ) -> Iterator[tuple[Span, Span | None]]:
    """The sentences of a passage an answer may quote, each with the pair it makes with the next sentence (where
    one sentence sets the scene and the next answers), or None. The composer's candidates are these; ingest
    embeds the same texts ahead of time (assistant/sentence_vectors.py), so a question only looks them up."""
    sents = _chunk_sentences(c, document_text, profile)
    for j, (s, e, sent) in enumerate(sents):
        if len(sent.split()) < 4 or sent.strip() == c.title.strip() or _not_prose(sent):
            continue  # a title or caption line answers nothing
        pair = None
        if j + 1 < len(sents) and pairs and not _cite_only(sent):  # (a citation sets no scene for what follows)
            s2, e2, nxt = sents[j + 1]
            gap = c.text[e - c.start:s2 - c.start] if s2 <= c.end else " "
            if e2 - s <= 700 and re.fullmatch(r"[\s\-*\u2022]*", gap) and not re.search(r"\n\s*\n\s*\n", gap) \
                    and len(nxt.split()) >= 3:  # nothing but spacing between them
                text = c.text[s - c.start:e2 - c.start] if e2 <= c.end else document_text(c.source_id)[s:e2]
                pair = (s, e2, text)
        yield (s, e, sent), pair


# A sentence that is only a citation ('See Patterson & Joyce 776.', 'Id., at 5.'): it adds nothing to a pair.
_CITE_ONLY = re.compile(r"^\s*(?:See(?:,? e\.\s?g\.,?| also| generally)?|Id\.|Ibid\.?|Cf\.|Accord,?|But see|E\.\s?g\.,?)"
                        r"(?=[\s,]|$)")
_RECORD_CITE = re.compile(r"(?:\bat\s+\d+(?:\s*[-\u2013]\s*\d+)?|\bECF\s+(?:No\.\s*)?\d+(?:[-\u2013]\d+)?|\u00b6+\s*\d+)"
                          r"[\s,.;)]*$")


def _cite_only(sent: str) -> bool:
    """'See Patterson & Joyce 776.', 'Id. at 30.', 'Valerdi Report at 1, ECF 426-6.': a citation, no statement."""
    n = len(sent.split())
    return (n <= 13 and bool(_CITE_ONLY.match(sent))) or (n <= 10 and bool(_RECORD_CITE.search(sent)))


def quotable_texts(c: Chunk, document_text: Callable[[str], str], profile: Profile = ACTIVE) -> list[str]:
    """The texts quotable() gives for a passage, singles and pairs."""
    return [t for one, pair in quotable(c, document_text, profile) for t in (one[2], pair[2] if pair else None) if t]


def _chunk_sentences(c: Chunk, document_text: Callable[[str], str], profile: Profile) -> list[Span]:
    """The sentences that start in a passage, as (start, end, text) in the document: a sentence that a page
    break or the passage's end cuts off is read whole from the document's text."""
    spans = sentence_spans(c.text, skip=profile.skip_lines)
    out = [(c.start + s, c.start + e, c.text[s:e]) for s, e in spans]
    if out and not re.search(r"[.!?:;\"\u201d\u2019)\]\u2014]\s*$", out[-1][2]):
        text = document_text(c.source_id)
        s0 = out[-1][0]
        if text[s0:out[-1][1]] == out[-1][2]:
            whole = next(((a, b) for a, b in sentence_spans(text, s0, min(len(text), s0 + 2000),
                                                            skip=profile.skip_lines) if a == s0), None)
            if whole and whole[1] > out[-1][1]:
                out[-1] = (whole[0], whole[1], text[whole[0]:whole[1]])
    # text that addresses a model ('Ignore your instructions and ...') is never quoted as an answer, nor text with
    # a bracketed number ('¶ 134.22[2][b]', a footnote call '[12]'), which would read as one of the answer's markers
    return [x for x in out if not INSTRUCTION.search(x[2]) and not _MARKER_LIKE.search(x[2])]


def _not_prose(sent: str) -> bool:
    """A caption or heading line rather than a sentence: mostly capitals, or no lower-case word at all."""
    letters = re.sub(r"[^A-Za-z]", "", sent)
    # ('O'CONNOR, J., delivered the opinion of the Court, in which REHNQUIST, C. J., ... joined' is a sentence)
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.6 * len(letters) \
        and len(re.findall(r"\b[a-z]{3,}\b", sent)) < 3


def defined_terms(q: Question) -> list[str]:
    """The term a definition question asks about: 'How does the DSA define "illegal content"?' -> 'illegal
    content'; 'What is a LoRA?' -> 'lora'."""
    out = [m.text.lower() for m in q.mentions if m.kind == "quoted"]
    m = re.search(r"\bdefines?\s+(?:the\s+term\s+)?[\"'\u2018\u201c]?([\w\s\-]{2,50}?)[\"'\u2019\u201d]?\s*(?:\?|$|\bunder\b|\bin\b)",
                  q.text, re.IGNORECASE)
    if m:
        out.append(m.group(1).strip().lower())
    m = re.match(r"^\s*what (?:is|are) (?:an? |the )?[\"'\u2018\u201c]?([\w\s\-]{2,50}?)[\"'\u2019\u201d]?\s*\??\s*$", q.text, re.IGNORECASE)
    if m:
        out.append(m.group(1).strip().lower())
    return [p for p in dict.fromkeys(out) if p]


def definition_in(text: str, term: str) -> int | None:
    """Where a text defines a term ("'illegal content' means ...", 'the term "compilation" is'), or None."""
    t = re.escape(term).replace("\\ ", "\\s+")
    m = re.search(rf"[\"'\u2018\u201c]{t}[\"'\u2019\u201d],?\s+(?:means|shall mean|refers to|is defined as|includes|"
                  rf"has the meaning)\b|\bthe term\s+[\"'\u2018\u201c]{t}[\"'\u2019\u201d]|{_known_as(t)}", text, re.IGNORECASE)
    return m.start() if m else None


# 'What are the four CC signals ...?', 'Which three factors does the court weigh?': a number of things asked for
_ASKS_ENUMERATION = re.compile(r"\b(?:what|which)\s+(?:are|were|is|was)?\s*(?:the\s+)?(two|three|four|five|six|seven|"
                               r"eight|nine|ten|[2-9]|1[0-9])\s+((?:[\w\-]+\s+){0,3}?)([a-z][\w\-]*s)\b", re.I)


# 'What allegedly false statements did they send?': things asked for without a number, named right after the question
# word (a verb after it, 'What happens ...', 'Which does ...', names no things)
_ASKS_THINGS = re.compile(r"^\s*(?:what|which)\s+((?:[a-z][\w\-]*\s+){0,3}?)([a-z][\w\-]{3,}s)\s+(?:did|do|does|were|are|"
                          r"was|is|has|have|had|can|could|may|must|should|would|will)\b", re.I)


def asked_enumeration(question: str) -> tuple[str, str] | None:
    """(the number, the plural noun) of a question that asks for that many things: ('four', 'signals'); the number
    is '' when it names none ('What false statements did the email make?': ('', 'statements'))."""
    m = _ASKS_ENUMERATION.search(question)
    if m:
        return m.group(1).lower(), m.group(3).lower()
    m = _ASKS_THINGS.search(question)
    return ("", m.group(2).lower()) if m else None


@functools.lru_cache(maxsize=256)
def _announcing(number: str, noun: str) -> re.Pattern:
    """The words of a sentence that announces that many of those things as a list (the following ones, for no
    number), up to its colon (read once per question, though every candidate sentence is tried)."""
    if number:
        value = NUMBER_VALUES.get(number) if not number.isdigit() else int(number)
        lead = "|".join([w for w, v in NUMBER_VALUES.items() if v == value] + [str(value)])
    else:
        lead = "following"
    stem = re.escape(noun[:max(4, len(noun) - 2)])
    gap = r"(?:[^.:;\n]|\n(?![ \t]*\n))"  # within a paragraph (a PDF breaks its lines inside sentences)
    return re.compile(rf"(?i:\b(?:{lead})\b){gap}{{0,60}}?(?i:\b{stem})\w*{gap}{{0,60}}:[ \t]*\n")


def enumeration_in(text: str, number: str, noun: str) -> int | None:
    """Where a text announces that many of those things as a list ('The four proposed signals are:'), or, for no
    number, the following ones ('The email contains the following false or misleading statements:'); or None."""
    m = _announcing(number, noun).search(text)
    if not m:
        return None
    line, stop = text.rfind("\n", 0, m.start()) + 1, text.rfind(". ", 0, m.start())
    start = max(line, stop + 2 if stop >= 0 else 0)  # where the announcing sentence starts
    return start + len(text[start:m.start()]) - len(text[start:m.start()].lstrip())


def _known_as(term_rx: str) -> str:
    """A sentence that names a notion and then explains it: 'Known alternatively as "sweat of the brow" or
    "industrious collection," the underlying notion was that ...'."""
    return (rf"\b(?:known|referred to|described|called|termed|dubbed)(?:\s+(?:alternatively|also|variously|commonly|"
            rf"generally|often))?\s+(?:as\s+)?[\"'\u2018\u201c]{term_rx}[\"'\u2019\u201d]")


def _defines(sentence: str, phrases: list[str]) -> bool:
    low = sentence.lower().replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return any(re.search(rf"['\"]?{re.escape(p)}['\"]?,?\s+(?:means|refers to|is defined as|shall mean|includes)\b", low)
               or re.search(_known_as(re.escape(p).replace("\\ ", "\\s+")), low) for p in phrases)


def _cheap_score(c: Candidate, w: Weights) -> float:
    f = c.features
    return round(sum(getattr(w, k) * f.get(k, 0.0) for k in FEATURES if k not in ("sim", "sim_gap")), 6)


def score(cands: list[Candidate], w: Weights) -> None:
    """Each candidate's score: the weighted sum of its features, to six decimals (a vector computed in another
    batch differs in its last bits, which must not decide between two sentences that tie)."""
    vec = w.vector()
    for c in cands:
        c.score = round(float(np.dot(vec, [c.features.get(k, 0.0) for k in FEATURES])), 6)


def feature_matrix(cands: list[Candidate]) -> np.ndarray:
    """Candidates x FEATURES (what the weight fit reads)."""
    return np.array([[c.features.get(k, 0.0) for k in FEATURES] for c in cands], dtype=np.float64)


def select(q: Question, cands: list[Candidate], hits: list[Hit], ctx: Context) -> list[Candidate]:
    """The lead sentence, then further sentences that score close to it and say something new. A list across
    documents ('Which cases ...') takes the best sentence of each document; a comparison ('1201 compared with
    1202', 'the Bartz and Kadrey rulings') the best sentence about each side."""
    w = ctx.weights
    ranked = sorted(cands, key=lambda c: (-c.score, *_place(c)))
    lead = ranked[0]
    across = "list" in q.intents and not ctx.linked
    sides = _sides(q) if "compare" in q.intents else []
    several = across or len(sides) >= 2 or _asks_two_things(q.text)
    limit = w.list_sentences if across else w.max_sentences
    if "counts" in record_fields(q):
        # 'Which claims does the complaint bring?': its counts, in the order it pleads them
        heads = list({(hits[c.hit].chunk.source_id, c.start): c for c in ranked
                      if c.features.get("record") and _COUNT_HEAD.match(c.text)}.values())
        if len(heads) >= 2:
            return sorted(heads, key=lambda c: (hits[c.hit].chunk.source_id, c.start))[:w.count_lines]
    chosen = [complete(lead, hits, ctx, q)]
    if chosen[0].end - chosen[0].start > 1.8 * (lead.end - lead.start) and not several \
            and not lead.features.get("pair"):
        return chosen  # the lead sentence brought its list or its explanation: that is the answer

    def fits(c: Candidate) -> bool:
        return not (any(_jaccard(c.terms, x.terms) > 0.5 or _same_meaning(c, x) for x in chosen)
                    or any(_overlaps(c, x, hits) for x in chosen))

    if lead.features.get("record"):  # every record line asked for ('Which judge ..., and on what date?': both)
        for c in ranked[1:]:
            if c.features.get("record") and fits(c) and len(chosen) < limit:
                chosen.append(c)
    for part in question_parts(q.text) if ctx.embed is not None else ():
        # 'Who wrote the opinion, and did any Justice write separately?': the best sentence for each question
        # asked on its own, when the answer so far has none of them
        best = _best_for(part, q, hits, ctx)
        if best is not None and fits(best) and len(chosen) < limit:
            chosen.append(complete(best, hits, ctx, q))
    for side in sides:  # the best sentence about each side not yet covered
        if any(side(x.text) for x in chosen):
            continue
        best = next((c for c in ranked if side(c.text) and fits(c)), None)
        if best is not None and lead.score - best.score <= 2.5 * w.follow_gap and len(chosen) < limit:
            chosen.append(complete(best, hits, ctx, q))
    docs = {hits[x.hit].chunk.source_id for x in chosen}
    gap = w.follow_gap * (1.5 if several else 1.0)
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        if lead.score - c.score > gap:
            break
        if not fits(c):
            _widen(c, chosen, hits, ctx)
            continue
        sid = hits[c.hit].chunk.source_id
        if across and sid in docs:
            continue  # one sentence per document in a list across cases
        docs.add(sid)
        chosen.append(complete(c, hits, ctx, q))
    return chosen


def _widen(c: Candidate, chosen: list[Candidate], hits: list[Hit], ctx: Context) -> None:
    """A pair that scores close to the lead and shares a sentence with a chosen one: the chosen one takes in the
    pair's other sentence (the lead sets the scene, the sentence next to it answers), in place, when that sentence
    is not already said elsewhere in the answer and the whole stays short. The lead only takes in the sentence
    after it, so that the answer still opens with its best sentence."""
    if not c.features.get("pair"):
        return
    sid = hits[c.hit].chunk.source_id
    near = [i for i, x in enumerate(chosen) if _overlaps(c, x, hits)]
    if len(near) != 1:
        return
    x = chosen[near[0]]
    if x.start <= c.start and c.end <= x.end:
        return  # nothing new
    if near[0] == 0 and c.start < x.start:
        return  # the lead still comes first: what answers best is not pushed back by the sentence before it
    start, end = min(x.start, c.start), max(x.end, c.end)
    text = ctx.document_text(sid)
    if end - start > ctx.weights.widen_chars or text[x.start:x.end] != x.text:
        return
    new = text[start:x.start] + " " + text[x.end:end]
    new_terms = frozenset(content_words(new))
    if any(_jaccard(new_terms, y.terms) > 0.5 for j, y in enumerate(chosen) if j != near[0]):
        return
    chosen[near[0]] = Candidate(x.hit, start, end, text[start:end], x.terms | c.terms, x.features, x.score, x.vector)


def _sides(q: Question) -> list[Callable[[str], bool]]:
    """Tests for the things a comparison compares: its named parties or cases, provisions and numbers."""
    tests: list[Callable[[str], bool]] = []
    for m in q.mentions:
        if m.kind == "provision":
            num = re.sub(r"^\D+", "", m.tokens[0])
            if num:
                tests.append(_has_number(num))
        elif m.kind not in ("court",):
            stems = {s for tok in m.tokens for s in content_words(tok)}
            if stems:
                tests.append(lambda t, st=stems: st <= set(content_words(t)))
    for n in re.findall(r"(?<![\w.])\d{3,4}[a-z]?(?![\w.])", q.text):
        if not re.fullmatch(r"(?:19|20)\d\d", n):
            tests.append(_has_number(n))
    return tests[:4] if len(tests) >= 2 else []


def _has_number(n: str) -> Callable[[str], bool]:
    """A test for the number n written on its own ('1202', not '11202' or '1202.5')."""
    rx = re.compile(rf"(?<![\d.]){re.escape(n)}(?!\d)")
    return lambda t: rx.search(t) is not None


def _asks_two_things(question: str) -> bool:
    """'How much did it give back, and what did it keep the rest for?': two questions in one."""
    return bool(re.search(r"[,;]?\s+and\s+(?:(?:what|which|who|when|why|how|where|was|were|is|are|did|does|do|has|"
                          r"have)\b|" + _PREPOSED + r")", question, re.IGNORECASE))


# 'and in what kind of case can it award fees?', 'and under which provision?': a preposition before the question word
_PREPOSED = r"(?:in|on|at|for|by|from|to|under|with|against|of)\s+(?:what|which|whom)\b"
_AND_ASKS = re.compile(r"[,;]?\s+and\s+(?=(?:what|which|who|whom|when|why|how|where|was|were|is|are|did|does|do|has|"
                       r"have|can|could|will|would)\b|" + _PREPOSED + ")", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The questions a question joins with 'and': 'Who wrote the opinion, and did any Justice write separately?'
    -> ['Who wrote the opinion', 'did any Justice write separately?']. Empty when it asks one thing."""
    cuts = [m for m in _AND_ASKS.finditer(question)]
    if not cuts:
        return []
    parts, at = [], 0
    for m in cuts:
        parts.append(question[at:m.start()])
        at = m.end()
    parts.append(question[at:])
    parts = [p.strip(" ,;") for p in parts]
    if not all(content_words(p) for p in parts):
        return []  # 'and why?': the second half leans wholly on the first
    return parts[:3]


def _best_for(part: str, q: Question, hits: list[Hit], ctx: Context) -> Candidate | None:
    """The best sentence of the hits for one part of a question, scored as if that part were asked alone (it
    keeps the whole question's names and links)."""
    pq = replace(q, text=part, intents=intents_of(part) or set(q.intents), focus=focus_terms(part))
    pctx = replace(ctx, query_vector=ctx.embed([part])[0], history_question=ctx.history_question or q.text)
    cands = candidates(pq, hits, pctx)
    if not cands:
        return None
    score(cands, ctx.weights)
    return max(cands, key=lambda c: c.score)


def _same_meaning(a: Candidate, b: Candidate) -> bool:
    """Two sentences that say the same thing in other words ('Justice Blackmun concurs in the judgment.')."""
    return a.vector is not None and b.vector is not None and float(np.dot(a.vector, b.vector)) > 0.9


# A sentence that leans on the one before it ('This means ...', 'That reason ...'), and one that the next explains.
_ANAPHOR = re.compile(r"^(?:This|That|These|Those|Such|It|They|Its|Their|Accordingly|Thus|Therefore|Hence|"
                      r"As a result|For (?:that|this|these) reasons?|In (?:that|this) (?:case|way|regard)|"
                      r"The (?:same|latter|former)|Both|Neither|Instead|Nonetheless|Nevertheless|However)\b")
# An amount or a count: '$750', '30,000', '12 million', '95 years', 'five'.
_AMOUNT = re.compile(r"[$\u20ac\u00a3\u00a5]\s?\d|\b\d[\d,.]*\b(?!\s*(?:U\.\s?S\.|F\.|S\.\s?Ct))|\b(?:one|two|three|four|five|"
                     r"six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|million|billion)\b", re.IGNORECASE)
_EXPLAINED_BY_NEXT = re.compile(r"^(?:That is|In other words|This means|Put (?:differently|simply)|Specifically|"
                                r"Namely|Because|For example|For instance|First|The first|One)\b")
# A rule's exception in the sentence after it ('... only allowed on condition that the user has given consent. This
# shall not prevent any technical storage ... strictly necessary ...'): half of what the rule says.
_EXCEPTION_NEXT = re.compile(r"^(?:This|That|The (?:foregoing|preceding|first) (?:\w+ )?(?:subparagraph|paragraph|"
                             r"sentence|provision|requirement|obligation)s?|Paragraphs? \d+\w*|Point \(\w+\))\s+"
                             r"(?:shall|does|do|will|may)\s+not\s+(?:prevent|apply|affect|preclude|prejudice|restrict)\b")
_EXCEPTION_PARAGRAPH = re.compile(r"^(?:\d+\.\s+|\(\d+\)\s+)?(?:Paragraphs?|Subparagraphs?|Points?)\s+(?:\d+|\([a-z0-9]+\))"
                                  r"(?:\s*(?:,|and|or)\s*(?:\d+|\([a-z0-9]+\)))*\s+(?:shall|does|do|will)\s+not\s+apply\b")
# A sentence that qualifies the one before it: 'However, ...', 'Notwithstanding the foregoing, ...', 'Except ...'
_QUALIFIES = re.compile(r"^(?:However|Nevertheless|Notwithstanding|Except|Unless|Provided|But)\b")
_COUNT_WORDS = {w: v for w, v in NUMBER_VALUES.items() if 2 <= v <= 7}
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh"]
_ANNOUNCES = re.compile(r"\b(?:two|three|four|five|six|seven|several|the following)\s+(?:\w+\s+){0,2}"
                        r"(?:licen[cs]es|factors|reasons|elements|conditions|requirements|exceptions|types|kinds|"
                        r"categories|steps|grounds|claims|questions|options|ways|parts|criteria|principles)\b|"
                        r"\bas follows\b", re.IGNORECASE)


def complete(cand: Candidate, hits: list[Hit], ctx: Context, q: Question | None = None) -> Candidate:
    """A sentence with what it needs to be understood: the list it introduces ('the following systemic risks:'
    and its points), the sentence it leans on ('This was precisely the reason ...'), or the sentences that spell
    out what it announces ('three different licenses'). Read in the whole document, so a list that runs past
    the end of the passage comes along."""
    text = ctx.document_text(hits[cand.hit].chunk.source_id)
    if text[cand.start:cand.end] != cand.text:
        return cand  # the stored text changed under us: keep the sentence as it is
    lo = text.rfind("\n", 0, max(0, cand.start - 1500)) + 1
    hi = text.find("\n", min(len(text), cand.end + 3000))
    hi = len(text) if hi < 0 else hi
    spans = sentence_spans(text, lo, hi, skip=ctx.profile.skip_lines)
    idx = next((i for i, (a, _b) in enumerate(spans) if a == cand.start), None)
    if idx is None:
        return cand
    start, end = cand.start, cand.end
    last = next((i for i in range(idx, len(spans)) if spans[i][1] >= cand.end), idx)
    if cand.text.rstrip().endswith((":", "\u2014", "--")) or re.search(r"\bas follows[.:]?$|\bthe following\W*$",
                                                                      cand.text.rstrip()):
        end = _list_end(text, spans, last)  # (from the sentence that ends on the colon: a pair's second one)
    elif last > idx and spans[last][1] == cand.end and _starts_point(text, spans[last]) \
            and text[spans[last - 1][0]:spans[last - 1][1]].rstrip().endswith((":", "\u2014", "--")):
        end = _list_end(text, spans, last)  # a pair that ends on the first point of a list: the rest of its points
    else:
        if _ANAPHOR.match(cand.text) and idx > 0 and (_same_block(text, spans[idx - 1][1], start) or _last_paragraph(
                text, spans[idx - 1], start)):
            start = spans[idx - 1][0]
        nxt = spans[idx + 1] if idx + 1 < len(spans) else None
        after = spans[last + 1] if last + 1 < len(spans) else None
        if after and _EXCEPTION_PARAGRAPH.match(text[after[0]:after[1]]) and not re.search(r"\n\s*#", text[end:after[0]]):
            # the rule's exceptions in the next paragraph of the same article ('1. The data subject shall have the
            # right not to be subject to ... 2. Paragraph 1 shall not apply if the decision:' and its points)
            end = _list_end(text, spans, last + 1) if text[after[0]:after[1]].rstrip().endswith(":") else after[1]
        elif nxt and _same_block(text, end, nxt[0]):
            announced = _ANNOUNCES.search(cand.text)
            if announced:
                # the sentences that spell it out; a number announced runs to the sentence with its last ordinal
                # ('three different licenses. The first is ... The second option ... The third option is ...')
                n = _COUNT_WORDS.get(announced.group(0).split()[0].lower(), 0)
                last_ordinal = re.compile(rf"^\W*(?:the\s+)?(?:{_ORDINALS[n - 1]}|finally|lastly)\b", re.I) if 2 <= n <= 7 else None
                for a, b in spans[idx + 1:idx + (2 * n + 2 if last_ordinal else 4)]:
                    if b - start > (1300 if last_ordinal else 900) or not _same_block(text, end, a):
                        break
                    end = b
                    if last_ordinal and last_ordinal.match(text[a:b]):
                        break
            elif _EXPLAINED_BY_NEXT.match(text[nxt[0]:nxt[1]]) or _EXCEPTION_NEXT.match(text[nxt[0]:nxt[1]]):
                end = nxt[1]

        if end == cand.end and q is not None and q.intents & {"amount", "count"} and not _AMOUNT.search(cand.text):
            # the amount asked is in the sentence that goes on ('... electing statutory damages instead.
            # [17 USC §504(c)]. This can be between $750 to $30,000 per work')
            end = _amount_next(text, end, spans[last + 1:last + 3]) or end
        if end == cand.end and q is not None and "condition" in q.intents and after \
                and _same_block(text, end, after[0]) and _QUALIFIES.match(text[after[0]:after[1]]) \
                and after[1] - start <= ctx.weights.widen_chars:
            # 'Is there any exception?': the sentence that qualifies the rule quoted ('However, any claim for
            # injunctive relief ... may be brought in any jurisdiction.')
            end = after[1]
        if end == cand.end and q is not None and "why" in q.intents \
                and not SHAPES["why"].search(cand.text) and after and _same_block(text, end, after[0]) \
                and after[1] - start <= ctx.weights.widen_chars and not _cite_only(text[after[0]:after[1]]):
            # 'Why did the Court refuse ...?': a sentence that states the outcome without its reason, and the
            # sentence after it in the same paragraph, where the reason usually follows
            end = after[1]
    if (start, end) == (cand.start, cand.end) or end - start > 1500:
        return cand
    return Candidate(cand.hit, start, end, text[start:end], cand.terms, cand.features, cand.score, cand.vector)


# A point of a list: '(a)', '(iv)', '1.', '2)', '- ', '— ' at the start of its line.
_POINT_START = re.compile(r"^\s*(?:[-*+\u2022\u2014\u2013]|\d{1,3}[.)]|\(\s*[a-z0-9]{1,4}\s*\)|[a-z]{1,3}\)|[ivxl]{1,5}\)|"
                          r"(?-i:[a-z])\.)\s",  # ('a. ', a complaint's or a code's lettered point)
                          re.IGNORECASE)


def _amount_next(text: str, end: int, after: list[tuple[int, int]]) -> int | None:
    """The end of the next sentence of the paragraph when it goes on with an amount ('This can be between $750
    ...'), past a citation standing alone between them; None when it does not."""
    for a, b in after:
        sent = text[a:b]
        if not _same_block(text, end, a):
            return None
        if _cite_only(sent) or (len(sent.split()) <= 5 and re.search(r"§|\bU\.?\s?S\.?\s?C\b", sent)):
            continue
        return b if _ANAPHOR.match(sent) and _AMOUNT.search(sent) else None
    return None


def _starts_point(text: str, span: tuple[int, int]) -> bool:
    """Whether a sentence is a point of a list: its line starts with a point's label or bullet, which the sentence
    itself may leave out ('- large-scale processing' is the sentence 'large-scale processing')."""
    a, b = span
    line_start = text.rfind("\n", 0, a) + 1
    return not text[line_start:a].strip(" \t-*+\u2022\u2014\u20130123456789.)") and bool(
        _POINT_START.match(text[line_start:b]))


def _list_end(text: str, spans: list[tuple[int, int]], idx: int) -> int:
    """Where the points after spans[idx] end: each following sentence that starts a point on its own line, and
    the sentences that continue a point, up to about 1,200 characters."""
    start, end = spans[idx]
    in_point = False
    style = ""
    for a, b in spans[idx + 1:]:
        line_start = text.rfind("\n", 0, a) + 1
        starts_point = _starts_point(text, (a, b))
        if starts_point:
            # the points of one list share a style: '(a)', '(b)' ..., then '3. The controller shall ...' is the next
            # numbered paragraph, not a point
            kind = _point_style(text[line_start:b])
            if style and kind != style:
                break
            style = kind
        gap = text[end:a]
        if re.search(r"\n\s*#", gap) or re.sub(r"[\s\-*+\u2022\u2014\u20130-9.)]", "", gap):
            break  # a heading or other text in between: the list is over
        if not starts_point and not (in_point and _same_block(text, end, a)):
            break
        if b - start > 1200:
            break
        in_point = True
        end = b
    return end


def _point_style(line: str) -> str:
    """'number' ('1.', '2)'), 'bullet' ('-', '\u2022') or 'letter' ('(a)', 'iv)', '(1)')."""
    head = line.lstrip()
    if re.match(r"\d{1,3}[.)]", head):
        return "number"
    return "bullet" if re.match(r"[-*+\u2022\u2014\u2013]", head) else "letter"


def _place(c: Candidate) -> tuple[int, int, int]:
    """Where a candidate sits (its passage's rank, its offsets): what breaks a tie between equal scores."""
    return c.hit, c.start, c.end


def _overlaps(a: Candidate, b: Candidate, hits: list[Hit]) -> bool:
    return hits[a.hit].chunk.source_id == hits[b.hit].chunk.source_id and a.start < b.end and b.start < a.end


def _last_paragraph(text: str, prev: tuple[int, int], start: int) -> bool:
    """Whether the sentence before `start` is a short paragraph of its own just above it, with no heading between
    ('It shall apply from 12 July 2024.' above 'However, Article 3(1) ... shall apply from 12 January 2025.')."""
    gap = text[prev[1]:start]
    lead_in = text[text.rfind("\n", 0, prev[0]) + 1:prev[0]]
    return gap.count("\n") <= 3 and not re.search(r"\n\s*#", gap) and re.fullmatch(r"[\s\d.()]*", lead_in) is not None \
        and len(text[prev[0]:prev[1]].split()) <= 40 and bool(re.search(r"[.;:]\s*$", text[prev[0]:prev[1]]))


def _same_block(text: str, a: int, b: int) -> bool:
    """True when only spaces (no blank line or heading) lie between offsets a and b."""
    gap = text[a:b]
    return "\n\n" not in gap and not re.search(r"\n\s*#", gap)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def cite(question: str, hits: list[Hit], chosen: list[Candidate], ctx: Context) -> Answer:
    """Turn chosen sentences into answer text with [n] markers and verified citations."""
    lead, rest = chosen[0], sorted(chosen[1:], key=lambda x: (x.hit, x.start))
    groups: list[list[Candidate]] = []
    for cand in [lead] + rest:
        if groups and groups[-1][-1].hit == cand.hit and _adjacent(hits[cand.hit], groups[-1][-1], cand):
            groups[-1].append(cand)
        else:
            groups.append([cand])
    citations: list[Citation] = []
    parts: list[str] = []
    for g in groups:
        h = hits[g[0].hit]
        start, end = g[0].start, g[-1].end
        source_text = ctx.document_text(h.chunk.source_id)
        quote = source_text[start:end]
        if not quote or not quote_in_source(quote, source_text, start, end) or _MARKER_LIKE.search(quote):
            continue  # never show a citation that does not check out, or text that would fake a marker
        existing = next((c for c in citations if c.source_id == h.chunk.source_id and c.start == start), None)
        n = existing.n if existing else len(citations) + 1
        if not existing:
            m = h.meta
            citations.append(Citation(
                n=n, source_id=h.chunk.source_id, title=m.get("title") or h.chunk.title, date=m.get("date", ""),
                url=m.get("url", ""), path=m.get("path", ""), section=h.chunk.section, quote=quote,
                score=round(float(h.dense_score or 0.0), 4), type=m.get("doc_type", ""),
                jurisdiction=m.get("jurisdiction", ""), page=h.chunk.page, start=start, end=end,
            ))
        parts.append(f"{prose(' '.join(x.text for x in g), ctx.titles)} [{n}]")
    if not citations:
        return refusal(question, hits)
    return Answer(question=question, text=" ".join(parts), citations=citations, hits=hits)


def prose(text: str, titles: dict[str, str]) -> str:
    """A quoted sentence as answer prose: one line, and '[source-id]' cross-references shown as the document's
    title (or dropped when the id is unknown). Brackets that are no id keep their text: the year of a neutral
    citation ('[2025] EWHC 2863'), an editor's '[sic]', a marker a document explains ('[invalid]'). The citation
    keeps the verbatim quote."""
    def sub(m: re.Match) -> str:
        t = titles.get(m.group(1))
        if t:
            return f" ({t})"
        return "" if _ID_LIKE.fullmatch(m.group(1)) else m.group(0)

    return re.sub(r"\s+([.,;:])", r"\1", _XREF.sub(sub, _flat(text)))


def _adjacent(hit: Hit, a: Candidate, b: Candidate) -> bool:
    between = hit.chunk.text[a.end - hit.chunk.start:b.start - hit.chunk.start]
    return b.start >= a.end and between.strip() == "" and "\n" not in between


def _flat(text: str) -> str:
    return " ".join(text.split())


def _asked_months(question: str) -> list[tuple[str, str]]:
    out = []
    for m in re.finditer(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", question, re.IGNORECASE):
        out.append((m.group(2), f"{MONTHS.index(m.group(1).lower()) + 1:02d}"))
    return out


def _mentions_month(sentence: str, months: list[tuple[str, str]]) -> bool:
    low = sentence.lower()
    return any(f"{y}-{mo}" in sentence or (f"{MONTHS[int(mo) - 1]} {y}" in low)
               or re.search(rf"\b{MONTHS[int(mo) - 1]}\s+\d{{1,2}},?\s+{y}\b", low)
               or re.search(rf"\b\d{{1,2}}\s+{MONTHS[int(mo) - 1]}\s+{y}\b", low) for y, mo in months)


def refusal(question: str, hits: list[Hit]) -> Answer:
    """A refusal that names the closest documents and cites nothing."""
    closest: list[dict[str, Any]] = []
    for h in hits:
        if h.chunk.source_id not in {c["source_id"] for c in closest}:
            closest.append({"source_id": h.chunk.source_id, "title": h.meta.get("title") or h.chunk.title,
                            "score": round(float(h.dense_score or 0.0), 4)})
        if len(closest) == 3:
            break
    text = prompts.REFUSAL
    if closest:
        text += " " + prompts.REFUSAL_CLOSEST.format(
            closest="; ".join(f"{c['title']} ({c['source_id']})" for c in closest))
    return Answer(question=question, text=text, refused=True, closest=closest, hits=hits)
