"""Question + hits -> Answer: reading the question, linking the documents it names, the focused and provision
searches, the extractive composer and the premise check. Each function takes what it uses; the Assistant facade
(assistant/facade.py) wires them to the index."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import composer, prompts
from .citations import check_answer
from .errors import InvalidInputError
from .indexing import record_origin
from .lexical import LexicalIndex
from .linking import (
    COURT_TYPES,
    Link,
    Linker,
    each_mention_focus,
    focus_documents,
    names_from_record,
    with_headings,
)
from .premise import check as premise_check
from .profile import ACTIVE as PROFILE
from .query import Question, provision_key, read_question
from .retrieval import Retriever
from .settings import Settings
from .text import content_words, words
from .types import Answer, DocumentRecord, Hit

_FOLLOW_START = re.compile(r"^\s*(?:and|but|so|then|also|what about|how about|what else|anything else|"
                           r"and what|what did (?:he|she|they|it)|did (?:he|she|they|it))\b", re.IGNORECASE)
_PRONOUNS = {"it", "its", "they", "them", "their", "he", "she", "his", "her", "this", "that", "these", "those",
             "there", "the case", "the suit", "the lawsuit", "the company", "the court", "the judge", "the law"}


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation ("And how did ByteDance respond?", "When was it filed?")."""
    if _FOLLOW_START.search(question):
        return True
    toks = words(question)
    low = " " + " ".join(toks) + " "
    has_pronoun = any(f" {p} " in low for p in _PRONOUNS)
    return has_pronoun and len(content_words(question)) <= 5


def validate_question(question: Any, max_chars: int, what: str = "The question") -> str:
    """A usable question, or InvalidInputError saying what is wrong with it."""
    if not isinstance(question, str) or not question.strip():
        raise InvalidInputError(f"{what} is empty: type a question about AI copyright disputes")
    q = " ".join(question.split())
    if len(q) > max_chars:
        raise InvalidInputError(
            f"{what} is {len(q):,} characters long; the limit is {max_chars:,} (ASSISTANT_MAX_QUESTION_CHARS)"
        )
    _check_text(q, what)
    if not re.search(r"\w", q):
        raise InvalidInputError(f"{what} has no words, only punctuation: type a question")
    return q


MAX_HISTORY_TURNS = 100  # earlier turns a request may carry (only the last few are used)
MAX_HISTORY_ANSWER_CHARS = 20_000  # an earlier answer's length (answers are a few sentences)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = text[e.start:e.end].encode("unicode_escape", "backslashreplace").decode("ascii")
        raise InvalidInputError(f"{what} holds a character that is not valid text ({bad} at position "
                                f"{e.start + 1}, a lone surrogate): type it again without it") from None


def validate_history(history: Any, max_chars: int) -> list[dict[str, str]]:
    """The earlier turns of a conversation as [{question, answer}], or InvalidInputError naming the first turn
    that is not usable (a wrong type, an earlier question over the question limit, an over-long answer, text that
    is not valid Unicode, more than MAX_HISTORY_TURNS turns)."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise InvalidInputError(f"The conversation history is a {type(history).__name__}, not a list of "
                                "{question, answer} turns: start a new conversation")
    if len(history) > MAX_HISTORY_TURNS:
        raise InvalidInputError(f"The conversation has {len(history):,} earlier turns; the limit is "
                                f"{MAX_HISTORY_TURNS}: start a new conversation")
    out = []
    for i, turn in enumerate(history, start=1):
        if not isinstance(turn, dict):
            raise InvalidInputError(f"Turn {i} of the conversation history is a {type(turn).__name__}, not a "
                                    "{question, answer} mapping: start a new conversation")
        q, a = turn.get("question"), turn.get("answer")
        if q is not None and not isinstance(q, str) or a is not None and not isinstance(a, str):
            raise InvalidInputError(f"Turn {i} of the conversation history has a question or answer that is not "
                                    "text: start a new conversation")
        q = validate_question(q, max_chars, what=f"Earlier question {i} of the conversation") if q else ""
        a = a or ""
        if len(a) > MAX_HISTORY_ANSWER_CHARS:
            raise InvalidInputError(f"Earlier answer {i} of the conversation is {len(a):,} characters long; the "
                                    f"limit is {MAX_HISTORY_ANSWER_CHARS:,}: start a new conversation")
        _check_text(a, f"Earlier answer {i} of the conversation")
        out.append({"question": q, "answer": a})
    return out


def retrieval_query(question: str, history: list[dict] | None) -> str:
    """The text retrieval runs on: the question, plus the previous question when this one is a follow-up."""
    prev = previous_question(question, history)
    return f"{prev} {question}" if prev else question


def previous_question(question: str, history: list[dict] | None) -> str:
    """The question a follow-up leans on, or ''."""
    if history and is_follow_up(question):
        prev = [h.get("question", "") for h in history if h.get("question")]
        return prev[-1] if prev else ""
    return ""


def build_linker(docs: dict[str, dict[str, Any]], lexical: LexicalIndex) -> Linker:
    """The linker over the ready documents' names, captions and section headings (`lexical` gives the headings
    and the term statistics)."""
    named = [with_headings(names_from_record(DocumentRecord.from_registry({**d, "source_id": sid})),
                           {sec for _c, sec in lexical.sections(sid)})
             for sid, d in docs.items() if d.get("hash")]
    return Linker(named, lexical)


def doc_views(docs: dict[str, dict[str, Any]], settings: Settings) -> tuple[dict[str, str], set[str]]:
    """Titles by source id, and the primary documents (orders, statutes)."""
    titles = {sid: d.get("title", "") for sid, d in docs.items()}
    # the shipped corpus was written by us from public reporting: a summary of a statute or ruling, never its
    # text (a user's own copy of the text is the primary document)
    primary = {sid for sid, d in docs.items() if d.get("doc_type") in PROFILE.primary_types
               and record_origin(d, settings) != "corpus"}
    return titles, primary


def links_for(asked: Question, previous: str, linker: Linker) -> dict[str, float]:
    """Documents the question names (for a follow-up without names, those the previous question named)."""
    asked.mentions = asked.mentions + linker.lowercase_mentions(asked.text, asked.mentions)
    mentions = asked.mentions or (read_question(previous).mentions if previous else [])
    if not mentions:
        return {}
    links = linker.link(mentions, asked.text)
    out = {l.source_id: l.score for l in links}
    per = linker.per_mention(mentions, asked.text)
    for sid in each_mention_focus(per):
        out[sid] = max(out.get(sid, 0.0), 0.8)  # each named case counts, also when two are named
    asked.resolved = {m.text for m, ls in zip(mentions, per) if ls and ls[0].score >= 0.5}
    asked.owners = {m.text: {l.source_id for l in ls if l.score >= 0.5} for m, ls in zip(mentions, per)}
    return out


def focus_hits(retriever: Retriever, query: str, hits: list[Hit], qv, links: dict[str, float],
               filters: dict | None, mode: str | None, names: list[str] = ()) -> list[Hit]:
    """The best passages of the documents the question names, searched within each of them: the answer may
    sit deep inside a long document that the whole-index search ranks below shorter ones. Within a document the
    names that point at it tell no passage from another, so its words are also searched without them ('Under the
    1996 WIPO Copyright Treaty, what does copyright protection not reach?' is 'copyright protection not reach'
    inside the treaty, not every article that says 'Treaty')."""
    bare = query
    for n in names:
        bare = re.sub(rf"(?<!\w){re.escape(n)}(?!\w)", " ", bare, flags=re.IGNORECASE)
    queries = [query] + ([bare] if bare != query and content_words(bare) else [])
    ranked = sorted(links.items(), key=lambda x: (-x[1], x[0]))
    focus = focus_documents([Link(s, v, "") for s, v in ranked])
    focus += [s for s, v in ranked if v >= 0.8 and s not in focus][: max(0, 3 - len(focus))]
    have = {h.chunk.id for h in hits}
    extra: list[Hit] = []
    for sid in focus:
        f = dict(filters or {})
        if f.get("source_id") and sid not in f["source_id"]:
            continue
        f["source_id"] = [sid]
        for text in queries:
            for h in retriever.search(text, k=3, filters=f, mode=mode, query_vector=qv):
                if h.chunk.id not in have:
                    have.add(h.chunk.id)
                    extra.append(h)
    return extra


def lookup_hits(retriever: Retriever, document_text: Callable[[str], str], asked: Question, hits: list[Hit], qv,
                links: dict[str, float], filters: dict | None, primary: set[str] = frozenset(),
                titles: dict[str, str] | None = None) -> list[Hit]:
    """Where a legal text itself answers: the definition of the term asked about ("'illegal content' means
    ...") and the provision the question names ('Article 34', '§ 512'), looked up in the documents the
    question names, since a search by meaning ranks the many passages that only use the term higher. A primary
    text found to have the provision is added to `links` (in place) as named as strongly as the best link."""
    about = [sid for sid, v in sorted(links.items(), key=lambda x: (-x[1], x[0])) if v >= 0.5][:3]
    if filters and filters.get("source_id"):
        about = [sid for sid in about if sid in filters["source_id"]]
    have = {h.chunk.id for h in hits}
    out: list[Hit] = []
    terms = composer.defined_terms(asked) if "define" in asked.intents else []
    provisions = [m.tokens[0] for m in asked.mentions if m.kind == "provision"]
    if provisions or terms:
        # 'under section 504' without naming the code, or naming a summary of it: the provision is also looked up
        # in the documents the search found (a code's notes on a section rank above the section itself); so is
        # the definition of a term ('What is the "sweat of the brow" doctrine?', in the opinion that explains it)
        found_docs = [s for s in dict.fromkeys(h.chunk.source_id for h in hits) if s not in about][:3]
        if filters and filters.get("source_id"):
            found_docs = [sid for sid in found_docs if sid in filters["source_id"]]
        about = about + found_docs
    if provisions:
        # and in the texts themselves a user added (a code, an act, an order) that have that provision: 'What
        # does 17 U.S.C. section 107 say?' is answered from Title 17's own section 107 over a summary of it
        texts = _texts_with(retriever, asked, provisions, [s for s in sorted(primary) if not filters
                                                           or not filters.get("source_id")
                                                           or s in filters["source_id"]], titles or {})
        # the text of the provision is as much what the question names as a summary the linker found by title
        top = max(links.values(), default=0.0)
        for sid in texts:
            links[sid] = max(links.get(sid, 0.0), top)
        about += [sid for sid in texts if sid not in about]

    def keep(h: Hit | None) -> None:
        if h is not None and h.chunk.id not in have:
            have.add(h.chunk.id)
            out.append(h)

    # of the two documents the question names most strongly, the court papers
    named_papers = [s for s in [s for s, v in sorted(links.items(), key=lambda x: (-x[1], x[0])) if v >= 0.8][:2]
                    if retriever.docs.get(s, {}).get("doc_type") in COURT_TYPES]
    asked_fields = composer.record_fields(asked)
    if asked_fields:
        # the caption or signature line of a named court paper that gives its judge, date, court or docket
        for sid in named_papers:
            text = document_text(sid)
            for a, b in composer.record_lines(text, composer.record_values(retriever.docs[sid]), asked_fields):
                # (a heading is in no chunk's text: the chunk it heads)
                keep(retriever.hit_at(sid, a, qv) or retriever.hit_at(sid, _PARAGRAPH_NUMBER.match(text, b).end(), qv))
    if "condition" in asked.intents:
        # an exception follows the rule it limits ('This Section does not apply to ...'): the passage after each of the
        # two best, when it goes on in the same section (of the same document, so within the filters the hits met)
        for h in hits[:2]:
            nxt = retriever.hit_after(h.chunk.source_id, h.chunk.end, qv)
            if nxt is not None and nxt.chunk.section == h.chunk.section:
                keep(nxt)
    if composer.asks_disposition(asked):
        # the judgment line of a named court paper ('we dismiss the appeal without prejudice'): a search by meaning
        # finds the passages that tell the story of the case, which share more words with the question
        for sid in named_papers:
            for a in composer.disposition_starts(document_text(sid)):
                keep(retriever.hit_at(sid, a, qv))
    enumerated = composer.asked_enumeration(asked.text)
    for sid in about:
        found: list[Hit] = []
        if enumerated:
            # 'What are the four CC signals?': the sentence that announces the four as a list
            at = composer.enumeration_in(document_text(sid), *enumerated)
            h = retriever.hit_at(sid, at, qv) if at is not None else None
            if h is not None:
                found.append(h)
        if terms:
            text = document_text(sid)
            for term in terms:
                m = composer.definition_in(text, term)
                h = retriever.hit_at(sid, m, qv) if m is not None else None
                if h is not None:
                    found.append(h)
        for key in provisions:
            found += retriever.section_hits(sid, lambda sec, k=key: provision_key(sec) == k, qv, have, 2)
        for h in found:
            keep(h)
    return out


# what stands between a heading and its chunk's text: spacing and the first paragraph's number ('42. ')
_PARAGRAPH_NUMBER = re.compile(r"[\s\d.]*")


def _texts_with(retriever: Retriever, asked: Question, provisions: list[str], docs: list[str],
                titles: dict[str, str], limit: int = 2) -> list[str]:
    """The primary documents that have a section for one of the provisions, those whose titles share most with
    the question first ('17 U.S.C.' and 'TITLE 17-COPYRIGHTS'), at most `limit`."""
    def words_and_numbers(text: str) -> set[str]:
        return set(content_words(text)) | set(re.findall(r"\b\d+(?:/\d+)?\b", text))

    keys = set(provisions)
    asked_words = words_and_numbers(asked.text)
    having = [sid for sid in docs if any(provision_key(sec) in keys for _cid, sec in retriever.lexical.sections(sid))]

    def share(sid: str) -> int:
        return len(asked_words & words_and_numbers(titles.get(sid, "")))
    if len(having) > 1:  # several codes have an 'Article 5': only those the question's words point to
        having = [sid for sid in having if share(sid)]
    return sorted(having, key=lambda sid: (-share(sid), sid))[:limit]


@dataclass
class Sources:
    """What answering reads besides the question: the retrieval stage, the linker, the documents' texts and
    views, and the quotable sentences' vectors."""

    retriever: Retriever
    linker: Linker
    document_text: Callable[[str], str]
    titles: dict[str, str]
    primary: set[str]
    sentence_vectors: Callable[[list[str]], np.ndarray]
    settings: Settings
    weights: composer.Weights = composer.WEIGHTS


def prepare(src: Sources, question: str, query: str, history: list[dict] | None = None,
            filters: dict | None = None, k: int | None = None, mode: str | None = None,
            timings: dict[str, float] | None = None) -> tuple[Question, list[Hit], composer.Context]:
    """What the composer reads for one question: the question read, the hits (the whole-index search, then the
    best passages of the documents the question names) and the context (also used by evals/fit_composer.py)."""
    timings = {} if timings is None else timings
    hits, qv = src.retriever.search_with_vector(query, k=k or src.settings.k, filters=filters, mode=mode,
                                                timings=timings)
    asked = read_question(question)
    prev = previous_question(question, history)
    links = links_for(asked, prev, src.linker)
    names = [m.text for m in asked.mentions if m.text in asked.resolved and m.kind not in ("provision", "quoted")]
    hits = hits + focus_hits(src.retriever, query, hits, qv, links, filters, mode, names)
    hits = hits + lookup_hits(src.retriever, src.document_text, asked, hits, qv, links, filters, src.primary,
                              src.titles)
    said = {" ".join(h.get("answer", "").split()) for h in history or [] if h.get("answer")}
    ctx = composer.Context(
        stats=src.retriever.lexical, document_text=src.document_text, embed=src.sentence_vectors,
        query_vector=qv, linked=links, titles=src.titles, primary=src.primary, history_question=prev,
        already_said=said, min_relevance=src.settings.min_relevance, empty_index=not src.retriever.docs,
        profile=PROFILE, weights=src.weights,
    )
    return asked, hits, ctx


def check_premise(asked: Question, answer: Answer, links: dict[str, float], titles: dict[str, str],
                  hits: list[Hit], document_text: Callable[[str], str],
                  recompose: Callable[[list[Hit]], Answer] | None = None) -> Answer:
    """Say so first when the question takes for granted a year, court, amount or event that the documents it
    is about do not record. What they do record is then answered from those documents' passages alone, when the
    search found any (`recompose`): another case's line that shares the premise's words is not what they record."""
    # A question that names a document by its title or caption (a link of 0.95 or more) is judged against the
    # best-named documents alone: a related case the answer also cites may record what this one does not.
    # Otherwise the documents the question names and those the answer cites: a premise any of them records is
    # not taken as false (a name can link to the wrong document; a cited passage can show the premise is true);
    # with none named, also the documents the search found ('What happened in 2019?' is about the index).
    ranked = sorted(links.items(), key=lambda x: (-x[1], x[0]))
    if ranked and ranked[0][1] >= 0.95:
        about = [sid for sid, v in ranked if v >= ranked[0][1] - 0.05][:3]
    else:
        named = [sid for sid, v in ranked if v >= 0.8][:3]
        searched = [] if named else list(dict.fromkeys(h.chunk.source_id for h in hits))[:5]
        about = list(dict.fromkeys(named + [c.source_id for c in answer.citations][:3] + searched))
    found = premise_check(asked, {sid: document_text(sid) for sid in about}, titles)
    if not found.unsupported:
        return answer
    own = [h for h in hits if h.chunk.source_id in about]
    if recompose is not None and own and len(own) < len(hits) \
            and any(c.source_id not in about for c in answer.citations):
        again = recompose(own)
        if not again.refused and again.citations:
            answer = again
    answer.premise, answer.premise_missing = "unsupported", found.missing
    names = [titles.get(sid) or sid for sid in about]
    docs = " and ".join(names[:2]) + (" and others" if len(names) > 2 else "")
    answer.text = prompts.PREMISE_UNSUPPORTED.format(
        docs=docs, verb="make" if len(names) > 1 else "makes", missing=_join(found.missing)) + " " + answer.text
    return answer


def answer(asked: Question, hits: list[Hit], ctx: composer.Context) -> Answer:
    """The extractive answer (or refusal) to a prepared question, with its premise checked."""
    out = composer.compose(asked, hits, ctx)
    if not out.refused:
        out = check_premise(asked, out, ctx.linked, ctx.titles, hits, ctx.document_text,
                            lambda own: composer.compose(asked, own, ctx))
    return out


def verify(answer: Answer, document_text: Callable[[str], str]) -> list[str]:
    """Problems with an answer's citations (empty when every quote is verbatim and every marker resolves)."""
    return check_answer(answer, {c.source_id: document_text(c.source_id) for c in answer.citations})


def _join(items: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
