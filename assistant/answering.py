"""Hits -> Answer: an extractive, cited answer by default (an LLM when configured); the Assistant facade."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from . import composer, prompts
from . import llm as llm_mod
from .embedding import Embedder, default_embedder
from .errors import InvalidInputError, LLMError, NotFoundError
from .indexing import index_lock, interrupted_marker, record_origin
from .lexical import open_lexical
from .linking import (
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
from .store import Store
from .text import content_words, words
from .types import Answer, Hit

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


class Assistant:
    """The public facade: ingest documents, list them, and ask questions with cited answers."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store: Store | None = None
        self._retriever: Retriever | None = None
        self._texts: dict[tuple[str, str], str] = {}
        self._linker: tuple[str | None, Linker] | None = None
        self._views: tuple[str | None, dict[str, str], set[str]] | None = None
        self.weights = composer.WEIGHTS  # the composer's weights (evals/fit_composer.py tries others)
        # the web app opens the index on a warm-up thread while the first requests may arrive: one of each object
        self._lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        """The embedder the query path and ingest use (its weights load on first use)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = default_embedder(self.settings.embed_batch_size, self.settings.embedder,
                                                      self.settings.onnx_cache)
        return self._embedder

    @property
    def store(self) -> Store:
        """The Chroma store."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    e = self.embedder
                    self._store = Store(self.settings, e.model_id, e.dim)
        return self._store

    @property
    def retriever(self) -> Retriever:
        """The hybrid retriever."""
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = Retriever(self.store, self.embedder, self.settings,
                                                open_lexical(self.store, self.settings))
        return self._retriever

    # -- documents ----------------------------------------------------------------------------------------------
    def ingest(self, paths, *, origin: str = "cli", replace: bool = False, actor: str | None = None,
               follow_links: bool = False, **kw):
        """Add or update files, folders or URLs; see indexing.ingest for origin, replace, actor and follow_links."""
        from .indexing import ingest

        return ingest(self, paths, origin=origin, replace=replace, actor=actor, follow_links=follow_links, **kw)

    def sources(self) -> list[dict[str, Any]]:
        """Ready documents' records (no text), sorted by source id."""
        self.retriever.lexical.refresh(force=True)
        out = []
        for sid, d in sorted(self.retriever.docs.items()):
            if not d.get("hash"):
                continue
            out.append(d)
        return out

    def source(self, source_id: str) -> dict[str, Any]:
        """One document's record with its full text; NotFoundError when absent."""
        rec = self.store.document(source_id)
        if rec is None or not rec.get("hash"):
            raise NotFoundError(f"No document with id '{source_id}' in the index: see `assistant sources list`")
        return rec

    def remove(self, source_id: str) -> int:
        """Delete a document and its chunks; returns the number of chunks removed."""
        self.source(source_id)
        with index_lock(self.settings.index_dir):
            marker = interrupted_marker(self.settings.index_dir)
            marker.touch()  # a removal cut short leaves chunks that the next ingest sweeps
            n = self.store.remove_document(source_id)
            self.retriever.lexical.document_removed(source_id)
            self.retriever.lexical.save_cache()
            marker.unlink(missing_ok=True)
        return n

    def document_text(self, source_id: str) -> str:
        """The full text a document's citations are checked against (cached per version)."""
        doc = self.retriever.docs.get(source_id) or {}
        key = (source_id, doc.get("hash", ""))
        if key not in self._texts:
            rec = self.store.document(source_id)
            self._texts[key] = (rec or {}).get("text", "")
        return self._texts[key]

    # -- asking -------------------------------------------------------------------------------------------------
    def retrieval_query(self, question: str, history: list[dict] | None) -> str:
        """The text retrieval runs on: the question, plus the previous question when this one is a follow-up."""
        if history and is_follow_up(question):
            prev = [h.get("question", "") for h in history if h.get("question")]
            if prev:
                return f"{prev[-1]} {question}"
        return question

    @property
    def mode(self) -> str:
        """'extractive' or 'llm', from settings.llm."""
        return "extractive" if (self.settings.llm or "extractive") == "extractive" else "llm"

    def ask(self, question: str, history: list[dict] | None = None, filters: dict | None = None,
            k: int | None = None, retriever: str | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer a question from the index with verified, numbered citations (or refuse).

        With an LLM configured (settings.llm), follow-ups are condensed into a standalone question first, and the
        model's answer replaces the extractive one only after its citations are verified; any LLM failure falls
        back to the extractive answer with a notice. `on_token` receives streamed text (LLM mode only).
        """
        t_start = time.perf_counter()
        q = validate_question(question, self.settings.max_question_chars)
        history = validate_history(history, self.settings.max_question_chars)
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 50):
            raise InvalidInputError(f"k is {k!r}: use a whole number of passages from 1 to 50")
        if filters is not None and not isinstance(filters, dict):
            raise InvalidInputError(f"Filters are a {type(filters).__name__}, not a mapping of filter: value")
        self.retriever.lexical.refresh()  # a mismatched or unreadable index is refused before the model loads
        timings: dict[str, float] = {}
        use_llm = self.mode == "llm"
        query = self.retrieval_query(q, history)
        if use_llm and history:
            try:
                query = llm_mod.condense(self, q, history)
            except LLMError:
                pass  # keep the heuristic follow-up query
        asked, hits, ctx = self.prepare(q, query, history, filters, k, retriever, timings)
        t0 = time.perf_counter()
        answer = composer.compose(asked, hits, ctx)
        if not answer.refused:
            self._check_premise(asked, answer, ctx.linked, ctx.titles, hits)
        if use_llm and not answer.refused:  # nothing relevant found: refuse without calling the LLM
            try:
                # the model answers the standalone (condensed) question, so a follow-up keeps its context
                answer = llm_mod.generate(self, query, hits, on_token=on_token)
                answer.question = q
            except LLMError as e:
                answer.notice = prompts.LLM_FALLBACK_NOTICE.format(reason=str(e))
        for c in answer.citations:  # from the registry, so every answerer's citations show it
            c.origin = record_origin(self.retriever.docs.get(c.source_id), self.settings)
        timings["answer"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_start
        answer.timings = timings
        return answer

    def prepare(self, question: str, query: str, history: list[dict] | None = None, filters: dict | None = None,
                k: int | None = None, retriever: str | None = None, timings: dict[str, float] | None = None
                ) -> tuple[Question, list[Hit], composer.Context]:
        """What the composer reads for one question: the question read, the hits (the whole-index search, then
        the best passages of the documents the question names) and the context (also used by
        evals/fit_composer.py to fit the composer's weights)."""
        timings = {} if timings is None else timings
        hits, qv = self.retriever.search_with_vector(query, k=k or self.settings.k, filters=filters,
                                                     mode=retriever, timings=timings)
        asked = read_question(question)
        prev = self._previous_question(question, history)
        links = self._links(asked, prev)
        hits = hits + self._focus_hits(query, hits, qv, links, filters, retriever)
        hits = hits + self._lookup_hits(asked, hits, qv, links, filters)
        said = {" ".join(h.get("answer", "").split()) for h in history or [] if h.get("answer")}
        titles, primary = self._doc_views()
        ctx = composer.Context(
            stats=self.retriever.lexical, document_text=self.document_text, embed=self.embedder.embed,
            query_vector=qv, linked=links, titles=titles, primary=primary, history_question=prev,
            already_said=said, min_relevance=self.settings.min_relevance, empty_index=not self.retriever.docs,
            profile=PROFILE, weights=self.weights,
        )
        return asked, hits, ctx

    def _lookup_hits(self, asked: Question, hits: list[Hit], qv, links: dict[str, float],
                     filters: dict | None) -> list[Hit]:
        """Where a legal text itself answers: the definition of the term asked about ("'illegal content' means
        ...") and the provision the question names ('Article 34', '§ 512'), looked up in the documents the
        question names, since a search by meaning ranks the many passages that only use the term higher."""
        about = [sid for sid, v in sorted(links.items(), key=lambda x: -x[1]) if v >= 0.5][:3]
        if filters and filters.get("source_id"):
            about = [sid for sid in about if sid in filters["source_id"]]
        have = {h.chunk.id for h in hits}
        out: list[Hit] = []
        terms = composer.defined_terms(asked) if "define" in asked.intents else []
        provisions = [m.tokens[0] for m in asked.mentions if m.kind == "provision"]
        for sid in about:
            found: list[Hit] = []
            if terms:
                text = self.document_text(sid)
                for term in terms:
                    m = composer.definition_in(text, term)
                    h = self.retriever.hit_at(sid, m, qv) if m is not None else None
                    if h is not None:
                        found.append(h)
            for key in provisions:
                found += self.retriever.section_hits(sid, lambda sec, k=key: provision_key(sec) == k, qv, have, 2)
            for h in found:
                if h.chunk.id not in have:
                    have.add(h.chunk.id)
                    out.append(h)
        return out

    def _doc_views(self) -> tuple[dict[str, str], set[str]]:
        """Titles by source id, and the primary documents (orders, statutes): rebuilt when the registry changes."""
        sig = self.retriever.signature
        if self._views is None or self._views[0] != sig:
            docs = self.retriever.docs
            self._views = (sig, {sid: d.get("title", "") for sid, d in docs.items()},
                           # the shipped corpus was written by us from public reporting: a summary of a statute
                           # or ruling, never its text (a user's own copy of the text is the primary document)
                           {sid for sid, d in docs.items() if d.get("doc_type") in PROFILE.primary_types
                            and record_origin(d, self.settings) != "corpus"})
        return self._views[1], self._views[2]

    def _check_premise(self, asked: Question, answer: Answer, links: dict[str, float], titles: dict[str, str],
                       hits: list[Hit] = ()) -> None:
        """Say so first when the question takes for granted a year, court, amount or event that the documents it
        is about do not record."""
        # A question that names a document by its title or caption (a link of 0.95 or more) is judged against the
        # best-named documents alone: a related case the answer also cites may record what this one does not.
        # Otherwise the documents the question names and those the answer cites: a premise any of them records is
        # not taken as false (a name can link to the wrong document; a cited passage can show the premise is true);
        # with none named, also the documents the search found ('What happened in 2019?' is about the index).
        ranked = sorted(links.items(), key=lambda x: -x[1])
        if ranked and ranked[0][1] >= 0.95:
            about = [sid for sid, v in ranked if v >= ranked[0][1] - 0.05][:3]
        else:
            named = [sid for sid, v in ranked if v >= 0.8][:3]
            searched = [] if named else list(dict.fromkeys(h.chunk.source_id for h in hits))[:5]
            about = list(dict.fromkeys(named + [c.source_id for c in answer.citations][:3] + searched))
        found = premise_check(asked, {sid: self.document_text(sid) for sid in about}, titles)
        if not found.unsupported:
            return
        answer.premise, answer.premise_missing = "unsupported", found.missing
        names = [titles.get(sid) or sid for sid in about]
        docs = " and ".join(names[:2]) + (" and others" if len(names) > 2 else "")
        missing = _join(found.missing)
        answer.text = prompts.PREMISE_UNSUPPORTED.format(
            docs=docs, verb="make" if len(names) > 1 else "makes", missing=missing) + " " + answer.text

    def _previous_question(self, question: str, history: list[dict] | None) -> str:
        """The question a follow-up leans on, or ''."""
        if history and is_follow_up(question):
            prev = [h.get("question", "") for h in history if h.get("question")]
            return prev[-1] if prev else ""
        return ""

    @property
    def linker(self) -> Linker:
        """Links names in questions to documents; rebuilt when the registry changes."""
        sig = self.retriever.signature
        if self._linker is None or self._linker[0] != sig:
            lex = self.retriever.lexical
            docs = [with_headings(names_from_record({**d, "source_id": sid}), {sec for _c, sec in lex.sections(sid)})
                    for sid, d in self.retriever.docs.items() if d.get("hash")]
            self._linker = (sig, Linker(docs, lex))
        return self._linker[1]

    def _links(self, asked: Question, previous: str) -> dict[str, float]:
        """Documents the question names (for a follow-up without names, those the previous question named)."""
        linker = self.linker
        asked.mentions = asked.mentions + linker.lowercase_mentions(asked.text, asked.mentions)
        mentions = asked.mentions or (read_question(previous).mentions if previous else [])
        if not mentions:
            return {}
        links = linker.link(mentions)
        out = {l.source_id: l.score for l in links}
        per = linker.per_mention(mentions)
        for sid in each_mention_focus(per):
            out[sid] = max(out.get(sid, 0.0), 0.8)  # each named case counts, also when two are named
        asked.resolved = {m.text for m, ls in zip(mentions, per) if ls and ls[0].score >= 0.5}
        return out

    def _focus_hits(self, query: str, hits: list[Hit], qv, links: dict[str, float], filters: dict | None,
                    mode: str | None) -> list[Hit]:
        """The best passages of the documents the question names, searched within each of them: the answer may
        sit deep inside a long document that the whole-index search ranks below shorter ones."""
        ranked = sorted(links.items(), key=lambda x: -x[1])
        focus = focus_documents([Link(s, v, "") for s, v in ranked])
        focus += [s for s, v in ranked if v >= 0.8 and s not in focus][: max(0, 3 - len(focus))]
        have = {h.chunk.id for h in hits}
        extra: list[Hit] = []
        for sid in focus:
            f = dict(filters or {})
            if f.get("source_id") and sid not in f["source_id"]:
                continue
            f["source_id"] = [sid]
            for h in self.retriever.search(query, k=3, filters=f, mode=mode, query_vector=qv):
                if h.chunk.id not in have:
                    have.add(h.chunk.id)
                    extra.append(h)
        return extra

    def verify(self, answer: Answer) -> list[str]:
        """Problems with an answer's citations (empty when every quote is verbatim and every marker resolves)."""
        from .citations import check_answer

        texts = {c.source_id: self.document_text(c.source_id) for c in answer.citations}
        return check_answer(answer, texts)


def _join(items: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
