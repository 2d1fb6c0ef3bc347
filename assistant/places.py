"""Places a question can limit itself to ('under Brazilian law', "Japan's Article 30-4", 'in Germany'), the names a
document may use for them instead, and the jurisdiction codes documents carry."""

from __future__ import annotations

import re

# A country's or city's adjective and the names a document may use instead ('the English High Court' is the High
# Court of England and Wales).
PLACE_OF = {
    "english": ("england",), "british": ("britain", "united kingdom", "uk"), "scottish": ("scotland",),
    "welsh": ("wales",), "irish": ("ireland",), "german": ("germany",), "french": ("france",),
    "dutch": ("netherlands", "holland"), "italian": ("italy",), "spanish": ("spain",), "danish": ("denmark",),
    "swedish": ("sweden",), "hungarian": ("hungary",), "polish": ("poland",), "czech": ("czech",),
    "austrian": ("austria",), "swiss": ("switzerland",), "belgian": ("belgium",), "chinese": ("china", "prc"),
    "japanese": ("japan",), "korean": ("korea",), "indian": ("india",), "canadian": ("canada",),
    "australian": ("australia",), "brazilian": ("brazil",), "american": ("united states", "u.s.", "us"),
    "european": ("european union", "eu"), "munich": ("münchen", "munchen"), "cologne": ("köln", "koln"),
    "israeli": ("israel",), "singaporean": ("singapore",), "mexican": ("mexico",), "argentine": ("argentina",),
    "russian": ("russia",), "turkish": ("turkey",), "norwegian": ("norway",), "finnish": ("finland",),
    "portuguese": ("portugal",), "greek": ("greece",), "taiwanese": ("taiwan",), "new zealand": ("new zealand",),
    "south african": ("south africa",), "nigerian": ("nigeria",), "kenyan": ("kenya",), "egyptian": ("egypt",),
    "indonesian": ("indonesia",), "thai": ("thailand",), "vietnamese": ("vietnam",), "philippine": ("philippines",),
    "chilean": ("chile",), "colombian": ("colombia",), "ukrainian": ("ukraine",), "saudi": ("saudi arabia",),
}
# Cities and regions a question may place a case in ('the Getty case in London'): places, not parties or names
CITIES = frozenset("""london delhi beijing shanghai hangzhou guangzhou shenzhen tokyo osaka paris berlin hamburg madrid
    rome milan amsterdam brussels luxembourg vienna dublin edinburgh toronto sydney california york delaware texas
    massachusetts washington virginia illinois florida europe asia seoul budapest munich cologne""".split())
# The jurisdiction each of those cities and regions is in (world knowledge: 'in London' is a question about English
# law, which a UK document answers without naming the city)
CITY_CODES = {**{c: "UK" for c in ("london", "edinburgh")}, "delhi": "IN",
              **{c: "CN" for c in ("beijing", "shanghai", "hangzhou", "guangzhou", "shenzhen")},
              "tokyo": "JP", "osaka": "JP", "paris": "FR", **{c: "DE" for c in ("berlin", "hamburg", "munich", "cologne")},
              "madrid": "ES", "rome": "IT", "milan": "IT", "amsterdam": "NL", "vienna": "AT", "dublin": "IE",
              "toronto": "CA", "sydney": "AU", "seoul": "KR", "budapest": "HU",
              **{c: "US" for c in ("california", "york", "delaware", "texas", "massachusetts", "washington", "virginia",
                                   "illinois", "florida")}}
# every word of a place's name or adjective
PLACE_WORDS = frozenset(PLACE_OF) | {w for names in PLACE_OF.values() for n in names for w in n.split()} | CITIES


def is_place(tokens) -> bool:
    """Whether a name's (lower-case) tokens are all of places ('London', 'New York', 'Germany')."""
    toks = [t.lower() for t in tokens]
    return bool(toks) and all(t in PLACE_WORDS or t == "new" for t in toks) and toks != ["new"]


# The jurisdiction codes a document's metadata may carry for a place
CODES = {"english": ("UK", "GB"), "british": ("UK", "GB"), "scottish": ("UK", "GB"), "welsh": ("UK", "GB"),
         "american": ("US",), "european": ("EU",), "german": ("DE",), "french": ("FR",), "japanese": ("JP",),
         "chinese": ("CN",), "indian": ("IN",), "brazilian": ("BR",), "canadian": ("CA",), "australian": ("AU",),
         "korean": ("KR",), "italian": ("IT",), "spanish": ("ES",), "dutch": ("NL",), "danish": ("DK",),
         "hungarian": ("HU",), "irish": ("IE",), "israeli": ("IL",), "singaporean": ("SG",)}
_BY_NAME = {**{n: adj for adj, names in PLACE_OF.items() for n in names if len(n) > 2},
            "uk": "british", "us": "american", "eu": "european"}

# 'under Brazilian law', 'Brazilian copyright law', "Brazil's copyright act", 'the law in Brazil'
_LAW = (r"(?:copyright\s+)?(?:law|laws|legislation|statutes?|act|rules|regime|code|exceptions?|exemptions?|"
        r"approach|framework|policy)")


def asked_place(question: str) -> str | None:
    """The place a question limits its answer to, as its adjective ('brazilian'), or None. Only a law or a legal
    regime limits it ('under Brazilian law'); a party's nationality does not ('the German collecting society')."""
    name = r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|UK|US|EU|U\.S\.|U\.K\."
    before = re.finditer(rf"\b({name})(?:['\u2019]s)?\s+(?:[a-z][a-z\-]*\s+){{0,4}}{_LAW}\b", question)
    after = re.finditer(rf"\b{_LAW}\s+(?:of|in)\s+(?:the\s+)?({name})(?!\w)", question)
    for m in [*before, *after]:
        words = m.group(1).lower()
        for word in (words, words.split()[-1]):  # 'Under Japanese' -> 'japanese'
            adj = _adjective(word.replace(".", "") if len(word) <= 4 else word)
            if adj:
                return adj
    return None


def _adjective(word: str) -> str | None:
    """A place's adjective from its adjective or its name ('japanese', 'japan' -> 'japanese'), or None."""
    return word if word in PLACE_OF else _BY_NAME.get(word)


def mentions_place(place: str, text: str, jurisdiction: str = "") -> bool:
    """Whether a passage (its title, section and text) or its document's jurisdiction is of the place."""
    if jurisdiction and jurisdiction.upper() in CODES.get(place, ()):
        return True
    words = (place, *PLACE_OF.get(place, ()))
    return any(re.search(rf"(?<![\w.]){re.escape(w)}(?![\w])", text, re.I if len(w) > 3 else 0)
               or (len(w) <= 3 and re.search(rf"(?<![\w.]){re.escape(w.upper())}(?![\w])", text)) for w in words)


def places_named(question: str) -> list[str]:
    """The places a question names, as their adjectives ('Has Australia brought in ...?' -> ['australian'], 'a company
    in Japan' -> ['japanese']): countries with a jurisdiction code, not cities ('the Munich court' is in a German
    document), and not the US or the EU, which most of an index's documents are about without naming."""
    out: list[str] = []
    for m in re.finditer(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b", question):
        for cand in (m.group(0), m.group(0).split()[-1]):
            adj = _adjective(cand.lower())
            if adj and adj in CODES and adj not in ("american", "european") and adj not in out:
                out.append(adj)
                break
    return out
