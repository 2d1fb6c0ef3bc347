"""What the answerer knows about a document collection's layout and vocabulary, apart from the generic code.

GENERIC holds plain legal-English knowledge that fits any collection: the headings under which each kind of answer
tends to sit ('Holding', 'Background', 'Procedural history'), and words a question uses for what a document says
another way ('respond' / 'replied'). CORPUS adds what is specific to the shipped corpus in sources/: its fixed
section names and its closing 'Information current to ...' line. The composer only ever reads a Profile, so a
collection with another layout gets its own profile and the generic code does not change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import stem


@dataclass(frozen=True)
class Profile:
    """Section headings per intent, related words, and lines that are never quoted."""

    name: str
    # intent -> regular expression over a lower-cased section heading
    section_intents: dict[str, str] = field(default_factory=dict)
    # stem -> related stems ('respond' -> 'repli', 'said', 'statement')
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # lines (or their openings) that carry no answer: never quoted
    skip_lines: tuple[str, ...] = ()
    # document types that are the primary text (an order, a statute) rather than a summary of one
    primary_types: frozenset[str] = frozenset()

    def section_matches(self, intent: str, section: str) -> bool:
        """True when a section heading is where this kind of answer usually sits."""
        rx = self.section_intents.get(intent)
        return bool(rx and section and re.search(rx, section.lower()))

    def extend(self, name: str, section_intents: dict[str, str] | None = None,
               related: dict[str, list[str]] | None = None, skip_lines: tuple[str, ...] = ()) -> "Profile":
        """A profile with more headings, words and skipped lines on top of this one."""
        secs = dict(self.section_intents)
        for k, v in (section_intents or {}).items():
            secs[k] = f"{secs[k]}|{v}" if k in secs else v
        rel = {k: tuple(v) for k, v in self.related.items()}
        for k, vs in _stemmed(related or {}).items():
            rel[k] = tuple(dict.fromkeys(rel.get(k, ()) + vs))
        return Profile(name, secs, rel, self.skip_lines + skip_lines, self.primary_types)


def _stemmed(words: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    # keys and values go through the same stemmer as the text they are matched against
    return {stem(k): tuple(stem(v) for v in vs) for k, vs in words.items()}


GENERIC = Profile(
    name="generic",
    section_intents={
        "when": r"\bdates?\b|timeline|chronolog|history|procedural",
        "decide": r"holding|ruling|decision|outcome|conclusion|disposition|judgment|order\b|verdict|findings",
        "status": r"status|current|latest|next steps|pending|procedural posture",
        "court": r"parties|court|caption|jurisdiction",
        "who": r"parties|court|caption|background",
        "judge": r"parties|court|caption",
        "law": r"\btext\b|provision|article|section|§|operative|definitions?",
        "define": r"definitions?|glossary|terms|meaning",
        "why": r"background|reasons|discussion|analysis|why|rationale|allegations?|recital",
        "respond": r"response|reaction|defen[cs]e|arguments?|statements?",
    },
    related=_stemmed({
        "respond": ["repli", "reply", "respons", "said", "statement", "answer", "react"],
        "react": ["respond", "respons", "said", "statement"],
        "repli": ["respond", "respons", "said"], "reply": ["respond", "respons", "said"],
        "pay": ["paid", "settle", "settlement", "damag", "award"], "paid": ["pay", "settle"],
        "cost": ["pay", "paid", "damag", "fine"], "fine": ["fined", "penalty", "damag"],
        "rule": ["ruled", "held", "decid", "found", "judgment"], "decid": ["ruled", "held", "found", "judgment"],
        "decision": ["ruled", "held", "found", "judgment"],
        "sue": ["sued", "filed", "complaint", "lawsuit", "suit"], "sued": ["filed", "complaint", "lawsuit"],
        "filed": ["sued", "complaint", "brought", "lodged"],
        "brought": ["sued", "filed", "complaint", "plaintiff", "lawsuit"],
        "bring": ["sue", "sued", "filed", "complaint", "plaintiff"], "lawsuit": ["sued", "suit", "complaint", "case"],
        "happen": ["ruled", "settle", "filed", "decid"], "outcome": ["ruled", "held", "settle", "decid", "judgment"],
        "judge": ["justice", "court", "honorable", "honourable"], "law": ["act", "statute", "article", "section"],
        "allow": ["permit", "exception", "lawful"], "require": ["must", "oblig", "duty", "requirement", "shall"],
        "ban": ["prohibit", "forbid", "unlawful"], "win": ["won", "ruled", "favour", "favor"],
        "lose": ["lost", "dismiss", "reject"], "start": ["launch", "began", "filed"], "launch": ["releas", "rolled"],
        "stop": ["paus", "halt", "cease", "suspend"], "demand": ["ask", "request", "call", "urg"],
        "caus": ["because", "after", "follow", "prompt", "trigger", "led", "over"],
        "why": ["because", "reason", "after", "follow", "prompt", "due"],
        "pushback": ["object", "critic", "protest", "condemn", "complain", "backlash", "opposit"],
        "defense": ["argu", "contend", "fair", "defend"], "defend": ["argu", "contend", "defense"],
        "mean": ["defin", "refer", "mean"], "defin": ["mean", "refer"],
        # a judge who writes separately concurs or dissents; one who writes for the court delivers its opinion
        "separately": ["concurring", "dissenting", "concurrence", "dissent"],
        "concur": ["separately", "concurring", "concurrence"], "dissent": ["dissenting", "separately"],
        "wrote": ["delivered", "authored", "opinion"], "write": ["delivered", "authored", "filed"],
        "tri": ["trial"], "try": ["trial"],  # ('what would still be tried': 'a trial on the pirated copies')
    }),
    primary_types=frozenset({"order", "opinion", "judgment", "filing", "legislation", "statute", "regulation",
                             "official", "guidance", "decision"}),
)

# The shipped corpus (sources/): seven fixed sections and a closing currency line.
CORPUS = GENERIC.extend(
    "corpus",
    section_intents={
        "when": r"^key dates$", "decide": r"^rulings and outcome$", "status": r"^status$",
        "court": r"^parties and court$", "who": r"^parties and court$|^summary$", "judge": r"^parties and court$",
        "law": r"^what the text says$", "why": r"^what was alleged$|^why it matters$",
        "respond": r"^what was alleged$|^rulings and outcome$",
    },
    skip_lines=("*Information current",),
)

ACTIVE = CORPUS
