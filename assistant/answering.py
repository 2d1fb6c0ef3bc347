"""Hits -> Answer: an extractive, cited answer by default (an LLM when configured); the Assistant facade."""

from __future__ import annotations

import math
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from . import prompts
from .citations import quote_in_source
from .embedding import Embedder, default_embedder
from .errors import InvalidInputError, NotFoundError
from .retrieval import Retriever
from .settings import Settings
from .store import Store
from .text import content_words, sentence_spans, stem, words
from .types import Answer, Citation, Hit

_Q_WHEN = re.compile(r"\bwhen\b|what (?:date|day|year|month)|which (?:date|day|year|month)|how long ago", re.I)
_Q_AMOUNT = re.compile(r"\bhow (?:much|many)\b|\bwhat (?:amount|sum|fine)\b|\bper work\b|\bdamages\b", re.I)
_Q_WHO = re.compile(r"^\s*(?:and\s+)?who\b|\bwhom\b|\bwhich (?:judge|company|companies|parties|party|studios?|"
                    r"labels?|publishers?|authors?|artists?|firms?|organi[sz]ations?)\b", re.I)
_Q_COURT = re.compile(r"\b(?:which|what) court\b|\bwhere (?:was|is|were|are) .*(?:filed|heard|decided)", re.I)
_Q_DECIDE = re.compile(r"\b(?:decid\w*|rul\w*|held|hold|outcome|verdict|judg\w*|found|find|grant\w*|dismiss\w*|"
                       r"conclu\w*|result)\b", re.I)
_Q_STATUS = re.compile(r"\bstatus\b|\bstill\b|\bnow\b|\bcurrently\b|\bpending\b|\bwhere does .* stand\b", re.I)
_Q_LAW = re.compile(r"\b(?:require\w*|say|says|provide\w*|allow\w*|permit\w*|oblig\w*|mean\w*|cover\w*|"
                    r"exception|apply|applies)\b", re.I)
_Q_DOCKET = re.compile(r"\bdocket\b|\bcase number\b|\bcase no\b", re.I)

_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_S_DATE = re.compile(rf"\b\d{{4}}-\d{{2}}(?:-\d{{2}})?\b|\b{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}\b|"
                     rf"\b{_MONTHS}\s+\d{{4}}\b|\b(?:in|on|since|by|until)\s+(?:19|20)\d{{2}}\b")
_S_AMOUNT = re.compile(r"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*(?:million|billion|thousand|percent|per cent|%)|"
                       r"\b(?:USD|EUR|GBP|INR|CNY|RMB|yuan|rupees|euros?|dollars?)\b", re.I)
_S_COURT = re.compile(r"\bCourt\b|\bDistrict\b|\bCircuit\b|\bTribunal\b|\bN\.D\.|\bS\.D\.N\.Y|\bC\.D\. Cal", re.I)
_S_DECIDE = re.compile(r"\b(?:ruled|rules|held|holds|decided|found|granted|denied|dismissed|rejected|"
                       r"concluded|awarded|ordered|approved|affirmed|reversed|upheld|settled|agreed)\b", re.I)
_S_STATUS = re.compile(r"\bAs of\b|\bpending\b|\bremains\b|\bstill\b|\bstatus\b|\bongoing\b|\bin force\b", re.I)
_S_LAW = re.compile(r"\b(?:must|shall|requires?|obliges?|has to|have to|permits?|allows?|lets|prohibits?|"
                    r"applies|exempts?|unless)\b", re.I)
_S_DOCKET = re.compile(r"\bNo\.\s*\S*\d|\b\d:\d{2}-cv-\d+|\bdocket\b|\bCase C-\d+|\bMDL\b", re.I)
_NAMEISH = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z.]+)+")

_FOLLOW_START = re.compile(r"^\s*(?:and|but|so|then|also|what about|how about|what else|anything else|"
                           r"and what|what did (?:he|she|they|it)|did (?:he|she|they|it))\b", re.I)
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


def validate_question(question: Any, max_chars: int) -> str:
    """A usable question, or InvalidInputError saying what is wrong with it."""
    if not isinstance(question, str) or not question.strip():
        raise InvalidInputError("The question is empty: type a question about AI copyright disputes")
    q = " ".join(question.split())
    if len(q) > max_chars:
        raise InvalidInputError(
            f"The question is {len(q):,} characters long; the limit is {max_chars:,} (ASSISTANT_MAX_QUESTION_CHARS)"
        )
    if not re.search(r"\w", q):
        raise InvalidInputError("The question has no words, only punctuation: type a question")
    return q


class Assistant:
    """The public facade: ingest documents, list them, and ask questions with cited answers."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store: Store | None = None
        self._retriever: Retriever | None = None
        self._texts: dict[tuple[str, str], str] = {}
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
                    self._retriever = Retriever(self.store, self.embedder, self.settings)
        return self._retriever

    # -- documents ----------------------------------------------------------------------------------------------
    def ingest(self, paths, **kw):
        """Add or update files, folders or URLs; see indexing.ingest."""
        from .indexing import ingest

        return ingest(self, paths, **kw)

    def sources(self) -> list[dict[str, Any]]:
        """Ready documents' records (no text), sorted by source id."""
        self.retriever.refresh(force=True)
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
        from .indexing import index_lock, interrupted_marker

        self.source(source_id)
        with index_lock(self.settings.index_dir):
            marker = interrupted_marker(self.settings.index_dir)
            marker.touch()  # a removal cut short leaves chunks that the next ingest sweeps
            n = self.store.remove_document(source_id)
            self.retriever.document_removed(source_id)
            self.retriever.save_cache()
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
        self.retriever.refresh()  # a mismatched or unreadable index is refused before the model loads
        timings: dict[str, float] = {}
        use_llm = self.mode == "llm"
        query = self.retrieval_query(q, history)
        if use_llm and history:
            from . import llm as llm_mod
            from .errors import LLMError

            try:
                query = llm_mod.condense(self, q, history)
            except LLMError:
                pass  # keep the heuristic follow-up query
        # the query vector is also used for the section candidates below
        hits, qv = self.retriever.search_with_vector(query, k=k or self.settings.k, filters=filters,
                                                     mode=retriever, timings=timings)
        t0 = time.perf_counter()
        hits = hits + self._section_candidates(q, hits, qv)
        context = query if query != q else ""
        seen = {" ".join(h.get("answer", "").split()) for h in history or [] if h.get("answer")}
        answer = compose_extractive(q, hits, self, context=context, already_said=seen)
        if use_llm and not answer.refused:  # nothing relevant found: refuse without calling the LLM
            from . import llm as llm_mod
            from .errors import LLMError

            try:
                # the model answers the standalone (condensed) question, so a follow-up keeps its context
                answer = llm_mod.generate(self, query, hits, on_token=on_token)
                answer.question = q
            except LLMError as e:
                answer.notice = prompts.LLM_FALLBACK_NOTICE.format(reason=str(e))
        timings["answer"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_start
        answer.timings = timings
        return answer

    def _section_candidates(self, question: str, hits: list[Hit], qv) -> list[Hit]:
        """Passages from the section where this kind of question is answered, in the top two documents."""
        from .retrieval import section_hits

        wanted = tuple(dict.fromkeys(n for rx, names in _SECTION_FOR if rx.search(question) for n in names))
        if not wanted or not hits:
            return []
        top = list(dict.fromkeys(h.chunk.source_id for h in hits))[:2]
        return section_hits(self.retriever, top, wanted, qv, {h.chunk.id for h in hits})

    def verify(self, answer: Answer) -> list[str]:
        """Problems with an answer's citations (empty when every quote is verbatim and every marker resolves)."""
        from .citations import check_answer

        texts = {c.source_id: self.document_text(c.source_id) for c in answer.citations}
        return check_answer(answer, texts)


# -- the extractive answerer ----------------------------------------------------------------------------------
# Sections of the corpus's fixed layout where each kind of question is usually answered.
_SECTION_FOR = [
    (_Q_WHEN, ("key dates",)), (_Q_DECIDE, ("rulings and outcome",)), (_Q_STATUS, ("status",)),
    (_Q_COURT, ("parties and court",)), (_Q_WHO, ("parties and court", "summary")),
    (_Q_LAW, ("what the text says",)),
]


def _section_bonus(question: str, section: str) -> float:
    sec = section.lower()
    return 0.08 if any(rx.search(question) and sec in names for rx, names in _SECTION_FOR) else 0.0


# (kind of question, kind of sentence that answers it, bonus)
_ANSWER_SHAPES = [
    (_Q_LAW, _S_LAW, 0.1), (_Q_WHEN, _S_DATE, 0.25), (_Q_AMOUNT, _S_AMOUNT, 0.25), (_Q_WHO, _NAMEISH, 0.1),
    (_Q_COURT, _S_COURT, 0.2), (_Q_DECIDE, _S_DECIDE, 0.12), (_Q_STATUS, _S_STATUS, 0.15),
    (_Q_DOCKET, _S_DOCKET, 0.25),
]


def _qtype_bonus(question: str, sentence: str) -> float:
    return sum(w for q_rx, s_rx, w in _ANSWER_SHAPES if q_rx.search(question) and s_rx.search(sentence))


# Words a question uses for what a document says another way ("respond" / "replied"); stems on both sides.
_RELATED = {
    "respond": ["repli", "reply", "respons", "said", "statement", "answer"],
    "repli": ["respond", "respons", "said"], "reply": ["respond", "respons", "said"],
    "pay": ["paid", "settle", "settlement", "damag", "award"], "paid": ["pay", "settle"],
    "cost": ["pay", "paid", "damag", "fine"], "fine": ["fined", "penalty", "damag"],
    "rule": ["ruled", "held", "decid", "found", "judgment"], "decid": ["ruled", "held", "found", "judgment"],
    "sue": ["sued", "filed", "complaint", "lawsuit", "suit"], "sued": ["filed", "complaint", "lawsuit"],
    "filed": ["sued", "complaint", "brought", "lodged"], "lawsuit": ["sued", "suit", "complaint", "case"],
    "happen": ["ruled", "settle", "filed", "decid"], "outcome": ["ruled", "held", "settle", "decid", "judgment"],
    "judge": ["justice", "court"], "law": ["act", "statute", "article", "section"],
    "allow": ["permit", "exception", "lawful"], "require": ["must", "oblig", "duty", "requirement"],
    "ban": ["prohibit", "forbid", "unlawful"], "win": ["won", "ruled", "favour", "favor"],
    "lose": ["lost", "dismiss", "reject"], "start": ["launch", "began", "filed"], "launch": ["releas", "rolled"],
    "stop": ["paus", "halt", "cease"], "demand": ["ask", "request", "call"],
}


# keys and values go through the same stemmer as the text they are matched against
_RELATED = {stem(k): [stem(v) for v in vs] for k, vs in _RELATED.items()}


def _weights(text: str, idf, related: bool = False) -> dict[str, float]:
    out = {t: idf(t) for t in dict.fromkeys(content_words(text))}
    if related:
        for t in list(out):
            for r in _RELATED.get(t, ()):
                out.setdefault(r, 0.6 * out[t])
    return out


def _coverage(terms: dict[str, float], sent_terms: set[str]) -> float:
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in sent_terms) / total if total else 0.0


def relevance(question: str, hits: list[Hit], idf) -> tuple[float, float]:
    """(best dense similarity, best idf-weighted share of question terms found in one passage)."""
    if not hits:
        return 0.0, 0.0
    terms = _weights(question, idf)
    best_sim = max(h.dense_score or 0.0 for h in hits)
    best_cov = max(_coverage(terms, set(content_words(f"{h.chunk.title} {h.chunk.section} {h.chunk.text}")))
                   for h in hits)
    return best_sim, best_cov


def should_refuse(best_sim: float, best_cov: float, min_relevance: float) -> bool:
    """Refuse when the best passage is neither close in meaning nor shares the question's key terms."""
    if best_sim < min_relevance:
        return True
    return best_sim < min_relevance + 0.15 and best_cov < 0.34


_FOCUS = re.compile(r"^\s*(?:and\s+)?(?:which|what|who|how many|how much)\s+(?:is|are|was|were|did|does|do)?\s*"
                    r"(?:the\s+)?([A-Za-z-]+)(?:\s+([A-Za-z-]+))?", re.I)
_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december"]
_NUMBER_WORDS = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundreds?|"
                           r"thousands?)\b|\b\d+\b", re.I)
_CAP_WORD = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][A-Za-z]{2,}|[A-Z]{2,})\b")


def focus_terms(question: str) -> set[str]:
    """The thing asked for: 'judge' in 'Which judge ...', 'songs' in 'How many songs ...'."""
    m = _FOCUS.search(question)
    if not m:
        return set()
    return {t for g in m.groups() if g for t in content_words(g)}


def asked_months(question: str) -> list[tuple[str, str]]:
    """(year, month number) pairs named in the question, e.g. 'February 2026' -> ('2026', '02')."""
    out = []
    for m in re.finditer(r"\b(" + "|".join(_MONTH_NAMES) + r")\s+(\d{4})\b", question, re.I):
        out.append((m.group(2), f"{_MONTH_NAMES.index(m.group(1).lower()) + 1:02d}"))
    return out


def _mentions_month(sentence: str, months: list[tuple[str, str]]) -> bool:
    low = sentence.lower()
    return any(f"{y}-{mo}" in sentence or (f"{_MONTH_NAMES[int(mo) - 1]} {y}" in low)
               or re.search(rf"\b{_MONTH_NAMES[int(mo) - 1]}\s+\d{{1,2}},?\s+{y}\b", low)
               or re.search(rf"\b\d{{1,2}}\s+{_MONTH_NAMES[int(mo) - 1]}\s+{y}\b", low) for y, mo in months)


def unknown_names(question: str, bm25) -> list[str]:
    """Capitalised names in the question that no indexed passage contains (the index knows nothing of them)."""
    out = []
    for m in _CAP_WORD.finditer(question):
        w = m.group(1)
        terms = content_words(w)
        if terms and all(bm25.df(t) == 0 for t in terms):
            out.append(w)
    return out


def compose_extractive(question: str, hits: list[Hit], assistant: Assistant, context: str = "",
                       max_sentences: int = 3, already_said: set[str] | None = None) -> Answer:
    """Lead with the sentence that best answers the question, add up to two more, cite each [n]."""
    bm25 = assistant.retriever.bm25
    idf = bm25.idf
    if not hits:
        empty = not assistant.retriever.docs
        return Answer(question=question, refused=True,
                      text=prompts.REFUSAL_EMPTY_INDEX if empty else prompts.REFUSAL)
    best_sim, best_cov = relevance(context or question, hits, idf)
    if should_refuse(best_sim, best_cov, assistant.settings.min_relevance):
        return refusal(question, hits)
    unknown = unknown_names(question, bm25)
    if len(unknown) >= 2 or (unknown and best_cov < 0.5):
        return refusal(question, hits)  # the question is about something no document mentions

    q_terms = _weights(question, idf, related=True)
    focus = focus_terms(question)
    for t in focus:
        if t in q_terms:
            q_terms[t] *= 1.6
    focus_any = focus | {r for t in focus for r in _RELATED.get(t, ())}
    ctx_terms = {t: w * 0.4 for t, w in _weights(context, idf).items() if t not in q_terms} if context else {}
    terms = {**ctx_terms, **q_terms}
    months = asked_months(question)
    top_sim = max(h.dense_score or 0.0 for h in hits)
    # (hit index, start in chunk, end in chunk, sentence, its terms)
    pool: list[tuple[int, int, int, str, set[str]]] = []
    for hi, h in enumerate(hits):
        for s, e in sentence_spans(h.chunk.text):
            sent = h.chunk.text[s:e]
            if len(sent.split()) >= 4 and sent.strip() != h.chunk.title.strip():  # a title line answers nothing
                pool.append((hi, s, e, sent, set(content_words(sent))))
    if not pool:
        return refusal(question, hits)
    # Terms found in most candidate sentences (the case name, say) tell them apart less than rarer ones.
    n = len(pool)
    local = {t: math.log(1 + n / (1 + sum(t in p[4] for p in pool))) / math.log(1 + n) for t in terms}
    weighted = {t: w * (0.35 + 0.65 * local[t]) for t, w in terms.items()}
    how_many = bool(re.search(r"\bhow many\b", question, re.I))
    cands: list[tuple[float, int, int, int, str]] = []  # (score, hit index, start, end, text)
    for hi, s, e, sent, st in pool:
        h = hits[hi]
        c = h.chunk
        head_terms = set(content_words(f"{c.title} {c.section}"))
        cov = _coverage(weighted, st)
        cov_head = _coverage(weighted, st | head_terms)
        score = (0.45 * cov + 0.15 * cov_head + 0.25 * ((h.dense_score or 0.0) / max(top_sim, 1e-6))
                 + 0.15 / (1 + hi) + _qtype_bonus(question, sent) + _section_bonus(question, c.section))
        if focus_any and not (focus_any & st):
            score -= 0.1  # "Which judge ...?" is answered by a sentence that names a judge
        if how_many and _NUMBER_WORDS.search(sent):
            score += 0.15
        if months and _mentions_month(sent, months):
            score += 0.25
        if len(sent.split()) > 60:
            score -= 0.1
        if already_said and any(_flat(sent) in said for said in already_said):
            score -= 0.3  # a follow-up wants something the previous answers did not say
        cands.append((score, hi, c.start + s, c.start + e, sent))
    cands.sort(key=lambda x: -x[0])
    chosen: list[tuple[float, int, int, int, str]] = []
    for cand in cands:
        if len(chosen) >= max_sentences:
            break
        if chosen and cand[0] < 0.72 * chosen[0][0]:
            break
        cw = set(content_words(cand[4]))
        if any(_jaccard(cw, set(content_words(x[4]))) > 0.5 for x in chosen):
            continue
        if not chosen:
            lead = _with_list(cand, hits)
            chosen.append(lead)
            if lead is not cand:
                break  # the lead sentence brought its list: that is the answer
            continue
        chosen.append(cand)
    return _cite(question, hits, chosen, assistant)


def _with_list(cand: tuple[float, int, int, int, str], hits: list[Hit]) -> tuple[float, int, int, int, str]:
    """A lead sentence that introduces a list ('these four factors:') brings the list items with it."""
    score, hi, start, end, sent = cand
    if not sent.rstrip().endswith(":"):
        return cand
    c = hits[hi].chunk
    rel_start, rel_end = start - c.start, end - c.start
    last = rel_end
    for s, e in sentence_spans(c.text, rel_end):
        prefix = c.text[c.text.rfind("\n", 0, s) + 1:s]
        if c.text[last:s].strip(" \t\n-*+0123456789.)") or not re.fullmatch(r"\s*(?:[-*+]|\d{1,2}[.)])\s*", prefix):
            break
        last = e
        if last - rel_end > 900:
            break
    if last == rel_end:
        return cand
    return (score, hi, start, c.start + last, c.text[rel_start:last])


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _cite(question: str, hits: list[Hit], chosen: list[tuple[float, int, int, int, str]],
          assistant: Assistant) -> Answer:
    """Turn chosen sentences into answer text with [n] markers and verified citations."""
    # keep the lead sentence first; later sentences from the same passage follow in document order
    lead, rest = chosen[0], sorted(chosen[1:], key=lambda x: (x[1], x[2]))
    ordered = [lead] + rest
    groups: list[list[tuple[float, int, int, int, str]]] = []
    for cand in ordered:
        if groups and groups[-1][-1][1] == cand[1] and _adjacent(hits[cand[1]], groups[-1][-1], cand):
            groups[-1].append(cand)
        else:
            groups.append([cand])
    citations: list[Citation] = []
    parts: list[str] = []
    for g in groups:
        h = hits[g[0][1]]
        start, end = g[0][2], g[-1][3]
        source_text = assistant.document_text(h.chunk.source_id)
        quote = source_text[start:end]
        sentence_text = " ".join(x[4] for x in g)
        if not quote or not quote_in_source(quote, source_text, start, end):
            continue  # never show a citation that does not check out
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
        parts.append(f"{_flat(sentence_text)} [{n}]")
    if not citations:
        return refusal(question, hits)
    return Answer(question=question, text=" ".join(parts), citations=citations, hits=hits)


def _adjacent(hit: Hit, a: tuple, b: tuple) -> bool:
    between = hit.chunk.text[a[3] - hit.chunk.start:b[2] - hit.chunk.start]
    return b[2] >= a[3] and between.strip() == "" and "\n" not in between


def _flat(text: str) -> str:
    return " ".join(text.split())


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
