"""Names in a question -> the documents about them ('NYT' -> The New York Times v. Microsoft, 'Alsup's order' ->
Bartz v. Anthropic). Built from each document's title and its named fields (parties, judge, aliases), plus how
often a name runs through a document's text. Knows no document by name: it reads what the registry holds."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .lexicon import is_common_word
from .query import PROVISION, Mention, name_tokens, provision_key
from .text import STOPWORDS, content_words
from .types import DocumentRecord

# Front-matter fields that name a document's subject (people and organisations a user may call it by).
NAME_FIELDS = ("parties", "plaintiffs", "defendants", "judge", "judges", "aliases", "short_title", "caption",
               "also_known_as", "author", "authors", "issuer", "publisher", "docket", "case_number", "court",
               "source_name", "sitename")


class LexicalStats(Protocol):
    """What linking reads from the lexical index."""

    def sources_with(self, terms: Iterable[str]) -> dict[str, int]: ...

    def chunks_of(self, source_id: str) -> int: ...

    def df(self, term: str) -> int: ...


@dataclass
class DocNames:
    """The names a document answers to."""

    source_id: str
    title: str
    title_tokens: frozenset[str]
    names: list[tuple[str, ...]] = field(default_factory=list)  # parties, judge, aliases, as name tokens
    acronyms: frozenset[str] = frozenset()
    lead_acronyms: frozenset[str] = frozenset()  # of the first-named party in a 'X v. Y' title
    proper: frozenset[str] = frozenset()  # capitalised words of its caption and named fields ('Bartz', 'Alsup')
    provisions: frozenset[str] = frozenset()  # provisions in its title ('§512', 'article 53')
    headed: frozenset[str] = frozenset()      # provisions its section headings name ('article 34')
    title_stems: frozenset[str] = frozenset()
    kind_stems: frozenset[str] = frozenset()  # its title's and its type's words: what kind of document it is
    doc_type: str = ""


# The owner in a name 'Owner's Thing' ('Richard Dooling's Copyright Basics').
_OWNER = re.compile(r"^(.+?)['\u2019]s\s+[A-Z]")


def _field_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v]
    if isinstance(value, dict):
        return [str(v) for v in value.values() if v]
    return [str(value)]


def _acronyms(texts: Iterable[str]) -> set[str]:
    """Initials of the capitalised runs in names: 'The New York Times Co.' -> 'nyt', 'nytc'."""
    out: set[str] = set()
    for t in texts:
        # (a run may hold 'and', 'of', 'for', 'the' or '&', and end in a comma: 'Manufacturing Automation and
        # Software Systems, Inc' -> 'mass')
        glue = r"(?:(?:and|of|for|the|&)\s+)?"
        for run in re.findall(rf"(?:{glue}[A-Z][\w'’\-]*[.,]?(?:\s+|$)){{2,}}", t + " "):
            toks = [w for w in name_tokens(run)]
            words = [w.lower() for w in re.findall(r"[A-Z][\w'’\-]*", run)]
            for seq in (toks, words):
                # the whole run and its leading words: 'Thomson Reuters Enterprise Centre' -> 'trec', 'tr'
                for n in range(2, len(seq) + 1):
                    out.add("".join(w[0] for w in seq[:n]))
    return {a for a in out if len(a) >= 2}


def names_from_record(record: DocumentRecord) -> DocNames:
    """A registry record (title and front matter) as the names its document answers to."""
    fm = record.front_matter
    title = record.title or str(fm.get("title") or "")
    names: list[tuple[str, ...]] = []
    raw_names: list[str] = []
    caption = re.split(r"\s+(?:v\.?|vs\.?)\s+", title, maxsplit=1)
    lead = caption[0] if len(caption) == 2 else ""
    for key in NAME_FIELDS:
        for v in _field_values(fm.get(key)):
            if re.match(r"^\s*/|://", v):
                continue  # static-site 'aliases' are URL paths, not names
            # 'William Alsup (until 2025-12-31), then Araceli Martínez-Olguín' holds two names
            for part in re.split(r"[;,]|\bthen\b|\band\b|\(.*?\)", v):
                toks = name_tokens(part)
                if toks:
                    names.append(toks)
                    raw_names.append(part)
    if not fm.get("title") and "-" in record.source_id:
        # a file's name is a name its user calls it by ('wipo-copyright-treaty-1996.md', whose own heading is the
        # Dutch title); a document whose front matter names it keeps that name alone
        toks = name_tokens(record.source_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " "))
        if len(toks) >= 2:
            names.append(toks)
    return DocNames(source_id=record.source_id, title=title,
                    provisions=frozenset(_provisions(title)), title_stems=frozenset(content_words(title)),
                    kind_stems=frozenset(content_words(f"{title} {record.doc_type}")), doc_type=record.doc_type,
                    title_tokens=frozenset(name_tokens(title)), names=names,
                    acronyms=frozenset(_acronyms([title] + raw_names)),
                    lead_acronyms=frozenset(_acronyms([lead]) if lead else ()),
                    proper=frozenset(t for part in raw_names + ([title] if lead else [])
                                     for w in re.findall(r"\b[A-Z][\w'’\-]+", part) for t in name_tokens(w)))


def _provisions(text: str) -> set[str]:
    return {k for m in PROVISION.finditer(text) for k in [provision_key(m.group(0))] if k}


def with_headings(d: DocNames, headings: Iterable[str]) -> DocNames:
    """The document's names with the provisions its section headings name ('Article 34 — Risk assessment')."""
    headed = set()
    for h in headings:
        headed |= _provisions(h[:80])
    d.headed = frozenset(headed)
    return d


@dataclass
class Link:
    """How strongly a question's names point at one document, and why."""

    source_id: str
    score: float
    via: str  # title | name | acronym | text


# How much each kind of mention says about which document a question is about: a quoted title or an act's number
# says most, a court's city least.
_KIND_WEIGHT = {"quoted": 2.0, "id": 1.5, "name": 1.0, "acronym": 1.0, "provision": 1.0, "described": 1.0,
                "lower": 0.8, "court": 0.5}


class Linker:
    """Links question mentions to documents. Rebuilt when the registry changes (cheap: names only)."""

    def __init__(self, docs: Iterable[DocNames], stats: LexicalStats):
        self.docs = list(docs)
        self._ids = {d.source_id: d for d in self.docs}
        self.stats = stats
        self._weights: dict[str, float] = {}
        # name token -> documents whose caption ('X v. Y' title) or named fields (parties, judge) hold it
        self.vocab: dict[str, set[str]] = {}
        for d in self.docs:
            for t in d.proper:
                self.vocab.setdefault(t, set()).add(d.source_id)
        # what a mention can match a document by -> the documents (by position): a mention is matched only against
        # documents sharing one of its keys (every other document scores 0 in _match), so linking does not scan
        # the whole registry per mention (1,500 documents: ~6,000 _match calls per question before)
        self._by_key: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            keys = {f"t:{t}" for t in d.title_tokens} | {f"t:{t}" for name in d.names for t in name}
            keys |= {f"s:{x}" for x in d.title_stems} | {f"a:{a}" for a in d.acronyms | d.lead_acronyms}
            keys |= {f"p:{x}" for x in d.provisions | d.headed}
            for k in keys:
                self._by_key.setdefault(k, []).append(i)

    def _candidates(self, m: Mention) -> list[DocNames]:
        """The documents _match can score above 0 for a mention, in registry order."""
        if not m.tokens:
            return []
        if m.kind == "provision":
            keys = [f"p:{m.tokens[0]}"]
        elif m.kind == "described":
            keys = [f"s:{x}" for t in m.tokens for x in content_words(t)]
        else:
            keys = [f"t:{t}" for t in m.tokens]
            if m.kind == "acronym":
                keys.append("a:" + m.text.lower().replace(".", "").rstrip("s"))
        found = sorted({i for k in keys for i in self._by_key.get(k, ())})
        return [self.docs[i] for i in found]

    def lowercase_mentions(self, question: str, known: list[Mention]) -> list[Mention]:
        """Names typed in lower case ('what did alsup rule in the anthropic books case'): words of the question
        that are rare names of a few documents, not words many documents use (at most a fifth of them: 'infringement'
        names two cases but is written in half the corpus)."""
        have = {t for m in known for t in m.tokens}
        n_docs = max(len(self.docs), 1)
        out: list[Mention] = []
        # 'gema v openai': a caption typed in lower case names one case, even when one side is a common name
        for m in re.finditer(r"\b([a-z][\w'’\-]+)\s+(?:v|vs)\.?\s+([a-z][\w'’\-]+)\b", question):
            toks = tuple(t for g in m.groups() for t in name_tokens(g))
            if len(toks) == 2 and any(t in self.vocab for t in toks) and not set(toks) <= have:
                out.append(Mention(m.group(0), toks, "lower"))
                have |= set(toks)
        for w in re.findall(r"[\w\u00c0-\u024f'’.\-]+", question):
            tok = re.sub(r"['’]s$", "", w.lower()).strip(".'’-")
            if (tok and tok not in have and w == w.lower() and len(tok) >= 3 and tok in self.vocab
                    and len(self.vocab[tok]) <= 3 and not tok.isdigit() and tok not in STOPWORDS
                    and not is_common_word(tok)
                    and len(self.stats.sources_with(content_words(tok))) <= max(3, 0.2 * n_docs)):
                out.append(Mention(tok, (tok,), "lower"))
                have.add(tok)
        return out

    def _weight(self, token: str) -> float:
        w = self._weights.get(token)
        if w is None:
            stems = content_words(token)
            df = max((self.stats.df(s) for s in stems), default=0)
            w = self._weights[token] = 1.0 / math.log(2 + df)
        return w

    def _match(self, m: Mention, d: DocNames) -> tuple[float, str]:
        toks = set(m.tokens)
        if not toks:
            return 0.0, ""
        if m.kind == "provision":
            key = m.tokens[0]
            if key in d.provisions:
                return 1.0, "title"
            return (0.5, "heading") if key in d.headed else (0.0, "")
        if m.kind == "described":
            stems = {s for t in toks for s in content_words(t)}
            share = len(stems & d.title_stems) / len(stems) if stems else 0.0
            return (0.85 * share, "title") if share >= 0.5 else (0.0, "")
        w = {t: self._weight(t) for t in toks}
        total = sum(w.values())
        # a caption written with a party's initials ('MASS v. Hughes'): the initials stand for that party's name
        initials = {t for t in toks if t not in d.title_tokens and t in d.lead_acronyms | d.acronyms
                    and re.search(rf"\b{re.escape(t.upper())}\b", m.text)}
        in_title = sum(w[t] for t in toks if t in d.title_tokens or t in initials) / total
        best, via = 0.0, ""
        if in_title >= 0.999:
            # the name as written ('Artificial Intelligence and Copyright') beats the same words in another order
            exact = len(toks) < 2 or " ".join(m.tokens) in " ".join(name_tokens(d.title))
            best, via = (1.0 if exact else 0.95), "title"
        elif in_title >= 0.5 and len(toks) >= 2:
            best, via = 0.6 * in_title, "title"
        for name in d.names:
            share = sum(w[t] for t in toks if t in name) / total
            if share >= 0.999 and best < 0.9:
                best, via = 0.9, "name"
            elif share >= 0.5 and len(toks) >= 2 and best < 0.5 * share:
                best, via = 0.5 * share, "name"
        owner = _OWNER.match(m.text)  # "Richard Dooling's Copyright Basics": a work of whoever the document names
        if owner and best < 0.85:
            owner_toks = set(name_tokens(owner.group(1)))
            if owner_toks and any(owner_toks <= set(name) for name in d.names):
                best, via = 0.85, "name"
        if m.kind == "acronym":
            a = m.text.lower().replace(".", "").rstrip("s")
            if a in d.lead_acronyms and best < 1.0:
                best, via = 1.0, "acronym"  # the first-named party of 'X v. Y': the case is named after it
            elif a in d.acronyms and best < 0.8:
                best, via = 0.8, "acronym"
        return best, via

    def link(self, mentions: list[Mention], question: str = "") -> list[Link]:
        """Documents the mentions point at, strongest first. A document's score is the mean over the question's
        mentions of how well it matches each, so 'Getty ... Stability' prefers the Getty documents to another
        Stability case; a mention that fits many documents equally ('OpenAI') counts for less."""
        pairs = [(m, links) for m, links in zip(mentions, self.per_mention(mentions, question)) if links]
        if not pairs:
            return []
        per = [links for _m, links in pairs]
        weights = [_KIND_WEIGHT.get(m.kind, 1.0) for m, _links in pairs]
        norm = sum(weights) or 1.0
        total: dict[str, float] = {}
        via: dict[str, str] = {}
        for links, w in zip(per, weights):
            for l in links:
                total[l.source_id] = total.get(l.source_id, 0.0) + l.score * w / norm
                if l.source_id not in via or l.via != "text":
                    via[l.source_id] = l.via
        return sorted((Link(sid, round(v, 4), via[sid]) for sid, v in total.items()),
                      key=lambda x: (-x.score, x.source_id))

    def per_mention(self, mentions: list[Mention], question: str = "") -> list[list[Link]]:
        """For each mention, the documents it matches, strongest first (an empty list when none). A name the
        question gives as a document's author or publisher ('the Hugging Face guide', 'the GitHub policy') points
        at the documents of that kind that speak of it, over the cases it is a party to."""
        out = []
        for m in mentions:
            scored: dict[str, Link] = {}
            full_name_in: dict[str, int] | None = None
            for d in self._candidates(m):
                s, via = self._match(m, d)
                if s < 0.8 and m.kind == "name" and _PERSON.fullmatch(m.text) and m.tokens[-1] in d.title_tokens \
                        and _CAPTION.search(d.title):
                    # 'Albert Snyder' in 'Snyder v. Phelps': a party is named in full in the case's own text and by
                    # surname in its caption
                    if full_name_in is None:
                        full_name_in = self.stats.sources_with([x for t in m.tokens for x in content_words(t)])
                    if full_name_in.get(d.source_id):
                        s, via = 0.8, "party"
                if s > 0:
                    scored[d.source_id] = Link(d.source_id, s, via)
            for sid, s in self._text_links(m).items():
                if sid not in scored or scored[sid].score < s:
                    scored[sid] = Link(sid, s, "text")
            kind = _kind_after(question, m) if question and m.kind in ("name", "acronym", "lower") else ""
            of_kind = {sid for sid in scored if kind in self._ids[sid].kind_stems} if kind else set()
            if not kind and question and (m.kind in ("name", "acronym", "lower") and (
                    _court_paper_after(question, m) or _asks_judges_reasoning(question, m))
                    # 'what did the Bartz court say': a case's court speaks in its own papers
                    or m.kind == "court" and _court_paper_after(question, m)):
                # 'Alsup's order', 'the Snyder opinion': the court's own paper, when the index holds one the name
                # points at (a summary of the case is no order; with no such paper, the case's documents answer)
                of_kind = {sid for sid in scored if self._ids[sid].doc_type in COURT_TYPES}
            if of_kind:
                scored = {sid: Link(sid, max(l.score, 0.95), "kind") if sid in of_kind
                          else Link(sid, round(l.score * 0.5, 4), l.via) for sid, l in scored.items()}
            if not scored:
                out.append([])
                continue
            top = max(l.score for l in scored.values())
            tied = sum(l.score >= 0.85 * top for l in scored.values())
            spread = 1.0 if tied <= 3 else 0.6
            out.append(sorted((Link(l.source_id, round(l.score * spread, 4), l.via) for l in scored.values()),
                              key=lambda x: (-x.score, x.source_id)))
        return out

    def _text_links(self, m: Mention) -> dict[str, float]:
        """Documents whose text keeps coming back to the name: a share of their chunks mention it."""
        stems = [s for t in m.tokens for s in content_words(t)]
        if not stems:
            return {}
        counts = self.stats.sources_with(stems)
        out = {}
        for sid, n in counts.items():
            share = n / max(self.stats.chunks_of(sid), 1)
            if n >= 2:
                out[sid] = round(0.5 * min(1.0, 2 * share), 4)
        return out


# a case's caption in a title ('Snyder v. Phelps', 'Bartz vs Anthropic')
_CAPTION = re.compile(r"\w\s+(?:v|vs)\.?\s+\w", re.I)
# a person's name as a question writes it: a first name, perhaps an initial, a surname ('Albert Snyder',
# 'Andrea M. Bartz'); not a caption ('ANI v. OpenAI') or an acronym
_PERSON = re.compile(r"[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+(?:[-'\u2019][A-Z]?[a-z]+)?")


# Kinds of document a question can call one by, after the name of who wrote or published it ('the Hugging Face
# guide'). Not court papers: 'the Alsup order' names the case's document, whatever its title says.
_KINDS = re.compile(r"(guide|guidance|policy|policies|post|blog|article|explainer|report|paper|faq|handbook|primer|"
                    r"study|newsletter|press release|statement|letter|notice|terms|manual)s?\b", re.I)


_COURT_PAPER = re.compile(r"(?:order|opinion|ruling|judgment|judgement|decision|complaint|memorandum)s?\b|"
                          r"court\s+(?:say|said|hold|held|find|found|conclude|explain|reason)", re.I)
# how a question asks what a judge reasoned, which the judge's own order or opinion says ('How did Judge Alsup treat
# the market-harm factor?', 'Why did Justice Alito dissent?'), not what a judge did ('When did Judge Alsup certify
# the class?')
_REASONED = re.compile(r"^(?:['\u2019]s?\s+)?\s*(?:treat|reason|analy[sz]e|explain|distinguish|hold|find|conclude|"
                       r"address|describe|weigh|view|handle|assess|characteri[sz]e|interpret|define|justify|"
                       r"dissent|concur|say|write)\w*\b", re.I)


def _asks_judges_reasoning(question: str, m: Mention) -> bool:
    """Whether the mention is a judge the question asks the reasoning of ('How did Judge Alsup treat ...')."""
    if not re.match(r"(?:Judge|Justice|Chief Justice|Magistrate Judge)\s", m.text):
        return False
    rest = _words_after(question, m)
    return rest is not None and bool(_REASONED.match(rest)) and bool(
        re.search(r"\b(?:how|why|what|on what basis|on what grounds)\b", question[:question.find(m.text)], re.I))
# the kinds of document a court writes or a party files in it
COURT_TYPES = frozenset({"order", "opinion", "judgment", "decision", "filing", "complaint"})


def _words_after(question: str, m: Mention) -> str | None:
    """What the question says right after a mention and its possessive ('Alsup's order ...' -> 'order ...'), or
    None when the mention is not followed by a space."""
    at = question.find(m.text)
    if at < 0:
        return None
    k = re.match(r"['\u2019]s?\s+|\s+", question[at + len(m.text):])
    return question[at + len(m.text) + k.end():] if k else None


def _court_paper_after(question: str, m: Mention) -> bool:
    """Whether the question names a court paper right after a mention ('Alsup's order', 'the Bartz opinion')."""
    rest = _words_after(question, m)
    return rest is not None and bool(_COURT_PAPER.match(rest))


def _kind_after(question: str, m: Mention) -> str:
    """The stem of the kind of document a question names right after a mention ('the GitHub policy' -> 'polici'),
    or ''."""
    rest = _words_after(question, m)
    got = _KINDS.match(rest) if rest is not None else None
    if not got or re.match(r"\s*\d", rest[got.end():]):
        return ""  # ('the AI Act article 53' is a provision)
    stems = content_words(got.group(1))
    return stems[0] if stems else ""


def focus_documents(links: list[Link], floor: float = 0.5, ratio: float = 0.8, limit: int = 3) -> list[str]:
    """The documents a question is about: the strongest links, when they are strong."""
    if not links or links[0].score < floor:
        return []
    top = links[0].score
    return [l.source_id for l in links if l.score >= max(floor, ratio * top)][:limit]


def each_mention_focus(per_mention: list[list[Link]], floor: float = 0.8) -> list[str]:
    """The best document of each mention ('the Bartz and Kadrey rulings' -> one document for each)."""
    out: list[str] = []
    for links in per_mention:
        if links and links[0].score >= floor and links[0].source_id not in out:
            out.append(links[0].source_id)
    return out
