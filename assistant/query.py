"""A question, read: what it asks for (its intents) and what it names (mentions of cases, people, courts, laws,
dates and amounts). Plain English rules that hold for any document collection; nothing here knows our corpus."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import STOPWORDS, content_words

# -- intents ------------------------------------------------------------------------------------------------------
# Each intent is a kind of answer the question asks for. A question can have several ("When and why ...").
INTENTS: dict[str, re.Pattern] = {
    "when": re.compile(r"\bwhen\b|\bwhat (?:date|day|year|month)\b|\bwhich (?:date|day|year|month)\b|"
                       r"\bhow long (?:ago|after|before)\b|\bwhat time\b", re.I),
    # 'When does Article 30-4 not apply?' asks for a condition, not a date
    "condition": re.compile(r"\bwhen (?:does|doesn't|does not|do|don't|do not|is|isn't|is not|are|aren't|can|can't|"
                            r"cannot|may|must|would|will)\b.*\b(?:apply|applies|allowed|permitted|exempt\w*|required|"
                            r"covered|infring\w*|lawful|legal|liable|protected|count|qualif\w*)\b|\bunder what "
                            r"(?:conditions|circumstances)\b|\bin what (?:cases|circumstances)\b|\bexcept\w*\b|"
                            r"\bexempt\w*\b", re.I),
    "amount": re.compile(r"\bhow much\b|\bwhat (?:amount|sum|fine|penalty|price|fee)s?\b|\bhow large\b|"
                         r"\bdamages\b|\bper work\b|\bworth\b|\bthreshold\b", re.I),
    "count": re.compile(r"\bhow many\b|\bnumber of\b", re.I),
    "who": re.compile(r"^\s*(?:and\s+|so\s+|but\s+)?who(?:m|se)?\b|\bwho (?:is|are|was|were|did|filed|brought|sued|"
                      r"signed|wrote|represents?|presid\w*|decided)\b|\bwhich (?:judge|justice|company|companies|"
                      r"firm|firms|parties|party|plaintiffs?|defendants?|studios?|labels?|publishers?|authors?|"
                      r"artists?|organi[sz]ations?|agency|person|people)\b|\bname the\b", re.I),
    "court": re.compile(r"\b(?:which|what) (?:court|tribunal)\b|\bwhere (?:was|is|were|are|has|have)\b.*\b(?:filed|"
                        r"heard|decided|brought|pending|sued)\b|\bin which court\b", re.I),
    "judge": re.compile(r"\b(?:which|what) judge\b|\bwho (?:is|was) the judge\b|\bjudge (?:is|was) (?:assigned|"
                        r"presiding)\b|\bpresid\w*\b", re.I),
    "decide": re.compile(r"\b(?:decid\w*|decision|rul(?:e|ed|es|ing|ings)|held|hold(?:s|ing)?|outcome|verdict|"
                         r"judg(?:e?ment)s?|conclu\w*|find|found|findings?|grant\w*|dismiss\w*|den(?:y|ied)|"
                         r"award\w*|order(?:ed)?|opinion|result|dispos(?:e|ed|ition))\b", re.I),
    "status": re.compile(r"\bstatus\b|\bstill\b|\bnow\b|\bcurrently\b|\bcurrent\b|\bpending\b|\bwhere (?:does|do|is|"
                         r"are) .* stand\b|\blatest\b|\bso far\b|\byet\b|\bnext\b|\bongoing\b|\bwhat happened\b|"
                         r"\bany (?:news|update)\b|\bupdate\b", re.I),
    "law": re.compile(r"\b(?:requires?|required|say|says|said|provides?|provision|allows?|permits?|oblig\w*|"
                      r"prohibit\w*|exceptions?|appl(?:y|ies)|covers?|mandat\w*|must|shall|under (?:article|"
                      r"section|§)|article \d|section \d|§\s*\d)\b", re.I),
    "define": re.compile(r"^\s*what (?:is|are) (?:an? |the )?[\"'\u201c]?(?!(?:status|difference|outcome|"
                         r"result|holding|position|deadline|date|amount|reason|latest|point|basis)\b)"
                         r"(?:(?!\b(?:of|in|for|with|about|between|on|to|by|from|after|before)\b)[\w\-'’.]+\s*){1,4}"
                         r"[\"'\u201d]?\s*\??\s*$|\bdefin\w*\b|\bmeaning of\b|\bwhat (?:does|do) .{2,60} mean\b|"
                         r"\bwhat is meant by\b|\bstand for\b|"
                         # 'What is the "sweat of the brow" doctrine the Court rejected?'
                         r"\bwhat (?:is|are|was|were) (?:an? |the )?[\"'\u201c\u2018][^\"'\u201d\u2019]{2,50}[\"'\u201d\u2019]\s+"
                         r"(?:doctrine|test|rule|principle|standard|theory|exception|defen[cs]e|approach|requirement)s?\b",
                         re.I),
    "why": re.compile(r"\bwhy\b|\bwhat (?:caused|prompted|triggered|led to|drove|motivated)\b|\breasons?\b|"
                      r"\bcauses?\b|\bon what (?:basis|grounds)\b|\bwhat (?:basis|grounds)\b|\bhow come\b|"
                      r"\bbecause\b|\bjustif\w*\b|\brationale\b", re.I),
    "respond": re.compile(r"\brespon\w*\b|\brepl\w*\b|\breact\w*\b|\banswer(?:ed)?\b|\bdefen[cs]e\b|\bdefend\w*\b|"
                          r"\bargu\w*\b|\bcounter\w*\b|\bsay in (?:response|reply)\b|\bposition\b|\bclaims?\b",
                          re.I),
    "compare": re.compile(r"\bdiffer\w*\b|\bcompar\w*\b|\bcontrast\b|\bversus\b|\bvs\.?\b(?!.*\bv\.)|"
                          r"\bsimilar\w*\b|\bsame as\b|\bboth\b|\bdistinguish\w*\b", re.I),
    "list": re.compile(r"^\s*(?:which|what) (?:cases|suits|lawsuits|disputes|companies|courts|countries|laws|"
                       r"rulings|decisions|factors|exceptions|rights|obligations|requirements|works|claims|"
                       r"defendants|plaintiffs|parties)\b|\blist\b|\bname (?:all|the)\b|\bwhat are the\b|"
                       r"\bwhich (?:\w+ )?(?:cases|suits|lawsuits|disputes)\b", re.I),
    "docket": re.compile(r"\bdocket\b|\bcase (?:number|no\.?)\b|\bcivil action\b|\bfile number\b", re.I),
    "yesno": re.compile(r"^\s*(?:and\s+|so\s+|but\s+)?(?:is|are|was|were|did|does|do|has|have|had|can|could|will|"
                        r"would|should|may|might|must)\b", re.I),
}

# An intent whose cue is weaker than another present cue gives way (a "which judge" question is not a "who" list).
_DOMINATES = {"judge": ("who", "decide"), "define": ("law",), "docket": ("court",), "count": ("amount",),
              "condition": ("who",)}  # 'who is exempt?' asks for an exception, not a name


_STARTS_TO_APPLY = re.compile(r"\b(?:start|starts|begin|begins|come|comes)\s+(?:to\s+)?(?:apply|into (?:force|effect))\b|"
                              r"\bapply from\b|\b(?:enter|enters)\s+into\s+(?:force|application)\b|\btakes?\s+effect\b|"
                              r"\bapplicable from\b", re.I)


# a clause that sets the scene before the question proper ('When the church appealed the refusal, how did ...')
_FRONTED_WHEN = re.compile(r"\s*when\s+(?!(?:does|did|do|is|are|was|were|will|would|can|could|has|have|had|should|"
                           r"must|may|might|shall)\b)[^?,]{3,200},\s*"
                           r"(?=(?:and\s+)?(?:how|what|which|who|whom|whose|why|where|did|does|do|is|are|was|were|can|"
                           r"could|would|has|have|had)\b)", re.I)


def intents_of(question: str) -> set[str]:
    """The kinds of answer a question asks for, e.g. {'when'} for 'When was the suit filed?'."""
    found = {name for name, rx in INTENTS.items() if rx.search(question)}
    fronted = _FRONTED_WHEN.match(question)
    if fronted and "when" in found and not INTENTS["when"].search(question[fronted.end():]):
        found.discard("when")  # 'When the church appealed ..., how did the court dispose of it?' asks how
    for strong, weak in _DOMINATES.items():
        if strong in found:
            found -= set(weak)
    if "condition" in found and _STARTS_TO_APPLY.search(question):
        found.discard("condition")  # 'When does the Regulation start to apply?' asks for a date
    if "condition" in found:
        found.discard("when")
    if "why" in found:
        found.discard("decide")  # "why did the court rule ..." asks for the reason, not the ruling
    if "respond" in found and re.search(r"\bclaims?\b", question, re.I) and not re.search(
            r"\brespon|\brepl|\breact|\bdefen|\bargu|\bcounter", question, re.I):
        found.discard("respond")  # "what claims were dismissed" is not about a response
    return found


# -- mentions -------------------------------------------------------------------------------------------------------
_QUESTION_OPENERS = frozenset("""what which who whom whose when where why how is are was were did does do has have
had can could will would should may might must tell give list name and but so then also please explain describe
summarise summarize compare according in on under for if""".split())
_CONNECT = {"v", "v.", "vs", "vs.", "of", "&", "de", "du", "der", "la", "le", "for", "the", "on", "in"}
_QUOTE_OR_STOP = re.compile(r"[\"\u201c\u201d\u2018()\[\]]|['\u2019](?!s\b)(?=\s)")
_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f][\w\u00c0-\u024f&'’.\-]*|[&§]")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "federal": 0, "d.c.": -1}
# The U.S. states (and D.C., Puerto Rico) with their Bluebook abbreviations, for the federal district courts:
# 'the District of Delaware' is 'D. Del.', 'the Northern District of California' is 'N.D. Cal.'
US_STATES = {
    "Alabama": "Ala.", "Alaska": "Alaska", "Arizona": "Ariz.", "Arkansas": "Ark.", "California": "Cal.",
    "Colorado": "Colo.", "Connecticut": "Conn.", "Delaware": "Del.", "Florida": "Fla.", "Georgia": "Ga.",
    "Hawaii": "Haw.", "Idaho": "Idaho", "Illinois": "Ill.", "Indiana": "Ind.", "Iowa": "Iowa", "Kansas": "Kan.",
    "Kentucky": "Ky.", "Louisiana": "La.", "Maine": "Me.", "Maryland": "Md.", "Massachusetts": "Mass.",
    "Michigan": "Mich.", "Minnesota": "Minn.", "Mississippi": "Miss.", "Missouri": "Mo.", "Montana": "Mont.",
    "Nebraska": "Neb.", "Nevada": "Nev.", "New Hampshire": "N.H.", "New Jersey": "N.J.", "New Mexico": "N.M.",
    "New York": "N.Y.", "North Carolina": "N.C.", "North Dakota": "N.D.", "Ohio": "Ohio", "Oklahoma": "Okla.",
    "Oregon": "Or.", "Pennsylvania": "Pa.", "Rhode Island": "R.I.", "South Carolina": "S.C.",
    "South Dakota": "S.D.", "Tennessee": "Tenn.", "Texas": "Tex.", "Utah": "Utah", "Vermont": "Vt.",
    "Virginia": "Va.", "Washington": "Wash.", "West Virginia": "W. Va.", "Wisconsin": "Wis.", "Wyoming": "Wyo.",
    "Columbia": "D.C.", "Puerto Rico": "P.R.",
}
_REGIONS = {"Northern": "N.", "Southern": "S.", "Eastern": "E.", "Western": "W.", "Central": "C.", "Middle": "M."}


def _abbr_rx(abbr: str) -> str:
    return r"\s?".join(re.escape(part) for part in abbr.split())  # ('W. Va.', 'N.Y.' with or without spaces)


_STATE_NAMES = "|".join(sorted(US_STATES, key=len, reverse=True))
_STATE_ABBRS = "|".join(_abbr_rx(a).replace(r"\.", r"\.\s?")
                        for a in sorted(set(US_STATES.values()), key=len, reverse=True))
DISTRICT = re.compile(rf"(?i:\b(?:(?:{'|'.join(_REGIONS)})\s+)?District\s+of\s+(?:the\s+)?(?:{_STATE_NAMES})\b)|"
                      rf"(?-i:(?<![\w.])(?:[NSEWCM]\.\s?)?D\.\s?(?:{_STATE_ABBRS})(?![\w]))")
COURT = re.compile(
    rf"{DISTRICT.pattern}|"
    r"\b(?:(?:First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Eleventh|Federal|D\.C\.|"
    r"1st|2nd|2d|3rd|3d|4th|5th|6th|7th|8th|9th|10th|11th)\s+Cir(?:cuit|\.)|Supreme Court|Court of Appeals?|"
    r"Court of Justice|CJEU|High Court|Court of Session|Bundesgerichtshof|BGH|Federal Court|Regional Court|"
    r"Higher Regional Court|Landgericht|Oberlandesgericht|district court|circuit court|appeals court|SCOTUS|"
    r"appellate court|[A-Z][a-z]+ (?:Internet|Intermediate|District|Regional|High) (?:People's )?Court|"
    r"jury)\b", re.I)
NAMED_COURT = re.compile(r"\b[A-Z][a-z]+ (?:[Cc]ourt|[Tt]ribunal)\b")  # 'Munich court', 'Delhi Court'


def court_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of the courts a text names, e.g. 'Ninth Circuit', 'Munich court', 'jury'."""
    spans = [(m.start(), m.end(), m.group(0)) for m in COURT.finditer(text)]
    for m in NAMED_COURT.finditer(text):
        if not any(a <= m.start() < b for a, b, _t in spans) and m.group(0).split()[0].lower() not in _QUESTION_OPENERS:
            spans.append((m.start(), m.end(), m.group(0)))
    return sorted(spans)
YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
AMOUNT = re.compile(r"(?:[$€£¥₹]|\b(?:USD|EUR|GBP|INR|US\$))\s?\d[\d,.]*(?:\s*(?:million|billion|thousand|bn|m|k)\b)?|"
                    r"\b\d[\d,.]*\s*(?:million|billion)\s*(?:dollars|euros|pounds|yen|rupees)?\b", re.I)
PROVISION = re.compile(r"\b(?:Article|Art\.|Section|Sec\.|Recital|Annex|Rule|Chapter|Title)\s*(?:\d+[A-Za-z]?|[IVXL]+\b)"
                       r"(?:\s*\(\s*\w{1,3}\s*\))*|§+\s*\d+[A-Za-z]?(?:\(\w{1,3}\))*|"
                       r"\b\d{1,2}\s*U\.?\s?S\.?\s?C\.?\s*(?:§+\s*)?\d+[A-Za-z]?(?:\(\w{1,3}\))*", re.I)
# Numbers that name one thing: an act (2022/868, 2019/790), a CJEU case (C-250/25), a docket (3:24-cv-05417).
IDENTIFIER = re.compile(r"\b(?:C-\d{1,4}/\d{2}|\d{4}/\d{1,4}|\d:\d{2}-[a-z]{2}-\d{3,6}(?:-[A-Z]{2,4})*|No\.\s*\d[\d-]{4,})\b")
QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{3,80})[\"\u201d]|(?<!\w)['\u2018]([^'\u2019]{3,80})['\u2019](?!\w)")


@dataclass
class Mention:
    """A name in the question: 'Thomson Reuters v. Ross', 'NYT', 'Alsup', with its content tokens."""

    text: str
    tokens: tuple[str, ...]
    kind: str = "name"  # name | acronym | quoted


@dataclass
class Question:
    """What a question asks for and what it names."""

    text: str
    intents: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    courts: list[str] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)
    provisions: list[str] = field(default_factory=list)
    focus: set[str] = field(default_factory=set)  # the thing asked for: 'judge' in 'Which judge ...'
    resolved: set[str] = field(default_factory=set)  # mentions that name an indexed document (set by linking)
    owners: dict[str, set[str]] = field(default_factory=dict)  # mention -> the documents it names (linking)

    @property
    def names_something(self) -> bool:
        """True when the question names a case, party, person or law (not only generic words)."""
        return bool(self.mentions)


def name_tokens(text: str) -> tuple[str, ...]:
    """Normalised tokens of a name, for matching names to documents: lower-case, possessives and corporate
    suffixes dropped ('Meta Platforms, Inc.' -> ('meta', 'platforms'))."""
    out = []
    for w in re.findall(r"[\w\u00c0-\u024f]+(?:[.'’][\w]+)*", text):
        w = re.sub(r"'s$", "", w.lower().replace("\u2019", "'")).strip(".'")
        if not w or w in _SUFFIXES or w in STOPWORDS or w in ("v", "vs", "al", "et", "ors"):
            continue
        out.append(w)
    return tuple(out)


_SUFFIXES = frozenset("inc llc ltd pbc corp co plc gmbh ag sa sas bv nv ev e.v pvt lp llp opco limited "
                      "corporation company".split())
# Capitalised words that open or pad questions without naming anything.
_NOT_NAMES = frozenset("""i ai us u.s uk eu judge court courts justice act law laws article section recital the a an
copyright copyrights fair use case cases suit lawsuit lawsuits dispute ruling order opinion plaintiffs defendants
district circuit supreme federal state states code codes""".split()) | frozenset(
    """january february march april june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday""".split())  # dates, not names ('in March 2025')
# Words that say what kind of court it is, not where: 'the Regional Court', 'the High Court'.
_COURT_WORDS = frozenset("""regional high higher district supreme federal circuit appeals appellate intermediate
internet people's peoples constitutional administrative commercial county superior national""".split())


def mentions_of(question: str) -> list[Mention]:
    """Names in a question: runs of capitalised words (with 'v.', 'of', '&' inside), acronyms, quoted phrases."""
    toks = [(m.group(0), m.start()) for m in _TOKEN.finditer(question)]
    out: list[Mention] = []
    i = 0
    while i < len(toks):
        w, pos = toks[i]
        bare = w.strip(".'’,;:?!")
        first = i == 0 or question[:pos].rstrip().endswith((".", "?", "!", ":", '"', "\u201c"))
        if _is_cap(bare) and not (first and bare.lower() in _QUESTION_OPENERS):
            j = i + 1
            while j < len(toks):
                if _QUOTE_OR_STOP.search(question[toks[j - 1][1] + len(toks[j - 1][0]) - 1:toks[j][1]]):
                    break  # a quotation mark or bracket ends a name
                nxt = toks[j][0].strip(",;:?!")
                if toks[j - 1][0].endswith(".") and nxt.lower() in _QUESTION_OPENERS:
                    break  # a sentence ends: 'Thomson Reuters v. Ross. How did ...'
                if _is_cap(nxt.strip(".'’")):
                    j += 1
                elif nxt.lower() in _CONNECT and j + 1 < len(toks) and _is_cap(toks[j + 1][0].strip(".'’,;:?!")):
                    j += 2
                else:
                    break
                if toks[j - 1][0].endswith((",", ";", ":", "?", "!")):
                    break
            span = question[pos:toks[j - 1][1] + len(toks[j - 1][0])].strip(".,;:?!'’ ")
            span = re.sub(r"['’]s$", "", span)
            every = name_tokens(span)
            tokens = tuple(t for t in every if t not in _NOT_NAMES) or (every if len(every) > 1 else ())
            in_court = any(a <= pos < b for a, b, _t in court_spans(question))
            compound = re.fullmatch(r"[A-Z][\w.]*-[a-z][\w-]*", span)  # 'AI-generated' names nothing
            if tokens and not in_court and not compound:
                kind = "acronym" if re.fullmatch(r"[A-Z][A-Z0-9&.]{1,7}s?", span) else "name"
                out.append(Mention(span, tokens, kind))
            i = j
            continue
        i += 1
    for m in NAMED_COURT.finditer(question):
        city = m.group(0).split()[0]
        if city.lower() in _COURT_WORDS:  # 'Munich Regional Court', 'English High Court': the word before
            before = re.search(r"([A-Z][a-z]+)\s+$", question[:m.start()])
            city = before.group(1) if before else ""
        if city and city.lower() not in _QUESTION_OPENERS and city.lower() not in _NOT_NAMES \
                and city.lower() not in _COURT_WORDS:
            out.append(Mention(city, name_tokens(city), "court"))  # 'the Munich court': its cases
    for m in PROVISION.finditer(question):
        key = provision_key(m.group(0))
        if key:
            out.append(Mention(m.group(0), (key,), "provision"))
    for m in DESCRIBED.finditer(question):
        words = [w for w in re.findall(r"[\w\-'’]+", m.group(1)) if w.lower() not in STOPWORDS]
        tokens = tuple(t for w in words for t in name_tokens(w.replace("-", " ")))
        if tokens and not (len(tokens) == 1 and tokens[0] in _NOT_NAMES):
            out.append(Mention(m.group(0), tokens, "described"))
    for m in IDENTIFIER.finditer(question):
        tokens = name_tokens(m.group(0))
        if tokens:
            out.append(Mention(m.group(0), tokens, "id"))
    for m in QUOTED.finditer(question):
        phrase = m.group(1) or m.group(2)
        tokens = name_tokens(phrase)
        if tokens:
            out.append(Mention(phrase, tokens, "quoted"))
    # one mention per token set
    seen: set[tuple[str, ...]] = set()
    uniq = []
    for m in out:
        if m.tokens not in seen:
            seen.add(m.tokens)
            uniq.append(m)
    return uniq


def _is_cap(w: str) -> bool:
    return bool(w) and (w[0].isupper() or (w[0].isdigit() and any(c.isupper() for c in w))) and w.lower() != "i"


_FOCUS = re.compile(r"^\s*(?:and\s+)?(?:which|what|how many|how much)\s+(?!(?:is|are|was|were|did|does|do|has|have|"
                    r"had|can|could|will|would|should|happened|happens)\b)([A-Za-z-]+)(?:\s+([A-Za-z-]+))?", re.I)
_FOCUS_SKIP = frozenset("is are was were did does do has have had the a an happened happen kind sort type".split())


def focus_terms(question: str) -> set[str]:
    """The thing asked for: 'judge' in 'Which judge ...', 'songs' in 'How many songs ...' (as stems)."""
    m = _FOCUS.search(question)
    if not m:
        return set()
    return {t for g in m.groups() if g and g.lower() not in _FOCUS_SKIP for t in content_words(g)}


def provision_key(text: str) -> str:
    """A canonical form of a provision, so 'section 512(c)(3)', '§ 512' and '§512.' compare equal ('§512'), and
    'Art. 34' and 'Article 34' do ('article 34')."""
    t = " ".join(text.lower().replace("\u00a7", "§").split())
    t = re.sub(r"^\d{1,2}\s*u\.?\s?s\.?\s?c\.?\s*", "§", t)  # '17 U.S.C. 512' is '§512'
    m = re.match(r"^(?:§+|sec\.|section|sections)\s*(\d+[a-z]?(?:-\d+)?)", t)
    if m:
        return f"§{m.group(1)}"
    m = re.match(r"^(article|art\.|recital|annex|chapter|title|part|schedule|rule)\s*([0-9ivxlcm]+[a-z]?(?:-\d+)?)", t)
    if m:
        kind = "article" if m.group(1).startswith("art") else m.group(1)
        return f"{kind} {m.group(2)}"
    return ""


# 'the fine-tuning explainer', 'the Experian order': a document described by what it is about and what it is.
DESCRIBED = re.compile(r"\b(?:the|this|that)\s+((?:[\w\-'’]+\s+){1,3}?)(?:explainer|article|post|blog(?: post)?|"
                       r"report|paper|page|piece|story|order|opinion|ruling|judgment|judgement|decision|notice|"
                       r"guidance|essay|study|filing|complaint|memo(?:randum)?|letter|brief|motion|press release|"
                       r"statement|regulation|directive|act)\b", re.I)


def read_question(question: str) -> Question:
    """Intents, mentions, years, courts, amounts and provisions of a question."""
    return Question(
        text=question, intents=intents_of(question), mentions=mentions_of(question),
        years=YEAR.findall(question), courts=[t for _a, _b, t in court_spans(question)],
        amounts=[m.group(0) for m in AMOUNT.finditer(question)],
        provisions=[m.group(0) for m in PROVISION.finditer(question)], focus=focus_terms(question),
    )


def district_key(name: str) -> str | None:
    """'district:N:California' for 'Northern District of California' or 'N.D. Cal.', else None."""
    m = re.fullmatch(rf"(?:({'|'.join(_REGIONS)})\s+)?District\s+of\s+(?:the\s+)?({_STATE_NAMES})", name.strip(), re.I)
    if m:
        region = next((r for r in _REGIONS if r.lower() == (m.group(1) or "").lower()), "")
        state = next(st for st in US_STATES if st.lower() == " ".join(m.group(2).lower().split()))
        return f"district:{_REGIONS.get(region, '')[:1]}:{state}"
    compact = re.sub(r"\s+", "", name.strip()).rstrip(".") + "."
    m = re.fullmatch(r"(?:([NSEWCM])\.)?D\.(.+)", compact)
    if m:
        for state, abbr in US_STATES.items():
            if abbr.replace(" ", "") == m.group(2):
                return f"district:{m.group(1) or ''}:{state}"
    return None


def district_forms(key: str) -> re.Pattern:
    """A district court's name written out or abbreviated, for a key from district_key()."""
    _d, region, state = key.split(":")
    if region:
        full = next(r for r, a in _REGIONS.items() if a[0] == region) + r"\s+"
        abbr = region + r"\.\s?"
    else:  # 'the District of Delaware': not the 'Eastern District of ...', nor 'E.D. ...'
        full = "(?<!ern )(?<!ral )(?<!dle )"
        abbr = r"(?<![A-Z]\.)(?<![A-Z]\.\s)"
    written = full + r"District\s+of\s+(?:the\s+)?" + state + r"\b"
    short = r"(?<![\w.])" + abbr + r"D\.\s?" + _abbr_rx(US_STATES[state]) + r"(?!\w)"
    return re.compile(r"(?i:\b" + written + r")|(?-i:" + short + ")")


def court_key(name: str) -> str:
    """A canonical form of a court's name, so 'Ninth Circuit', '9th Cir.' and 'ninth circuit' compare equal."""
    district = district_key(name)
    if district:
        return district
    low = " ".join(name.lower().replace(".", " ").split())
    m = re.match(r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|federal|d c|"
                 r"1st|2nd|2d|3rd|3d|4th|5th|6th|7th|8th|9th|10th|11th)\s+cir", low)
    if m:
        word = m.group(1)
        num = _ORDINALS.get(word)
        if num is None:
            num = int(re.match(r"\d+", word).group(0)) if word[0].isdigit() else -1
        return f"circuit:{num}"
    return low
