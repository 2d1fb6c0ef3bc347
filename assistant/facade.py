"""The Assistant facade: opens the index's parts once and wires the stages together. No stage imports it.

    document -> chunks -> vectors -> store      indexing.ingest(paths, store, embedder, lexical, sentences, ...)
    question -> hits -> answer                  answering.prepare(Sources(...), question, ...), answering.answer
    answer -> LLM answer, verified (optional)   llm.condense / llm.generate(settings, embedder, document_text, ...)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import answering, composer, prompts
from . import llm as llm_mod
from .embedding import Embedder, default_embedder
from .errors import InvalidInputError, LLMError, NotFoundError
from .indexing import IngestReport, index_lock, ingest, interrupted_marker, record_origin
from .lexical import open_lexical
from .linking import Linker
from .retrieval import Retriever
from .sentence_vectors import SentenceVectors
from .settings import Settings
from .store import Store
from .types import Answer, DocumentRecord, Hit


class Assistant:
    """The public facade: ingest documents, list them, and ask questions with cited answers."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store: Store | None = None
        self._retriever: Retriever | None = None
        self._sentences: SentenceVectors | None = None
        self._texts: dict[tuple[str, str], str] = {}
        self._linker: tuple[str | None, Linker] | None = None
        self._views: tuple[str | None, dict[str, str], set[str]] | None = None
        self.weights = composer.WEIGHTS  # the composer's weights (evals/fit_composer.py tries others)
        # the web app opens the index on a warm-up thread while the first requests may arrive: one of each object
        self._lock = threading.RLock()

    # -- the parts, each opened once ----------------------------------------------------------------------------
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

    @property
    def sentences(self) -> SentenceVectors:
        """The quotable sentences' vectors, made at ingest (assistant/sentence_vectors.py)."""
        if self._sentences is None:
            with self._lock:
                if self._sentences is None:
                    e = self.embedder
                    self._sentences = SentenceVectors(Path(self.settings.index_dir), e.model_id, e.embed)
        return self._sentences

    def load_embedder(self) -> None:
        """Load the query path's model now (~0.4 s), e.g. on a thread while the index opens."""
        load = getattr(self.embedder, "load", None)
        load() if load is not None else self.embedder.embed(["warm up"])

    @property
    def linker(self) -> Linker:
        """Links names in questions to documents; rebuilt when the registry changes."""
        sig = self.retriever.signature
        if self._linker is None or self._linker[0] != sig:
            self._linker = (sig, answering.build_linker(self.retriever.docs, self.retriever.lexical))
        return self._linker[1]

    def _doc_views(self) -> tuple[dict[str, str], set[str]]:
        """Titles by source id and the primary documents: rebuilt when the registry changes."""
        sig = self.retriever.signature
        if self._views is None or self._views[0] != sig:
            self._views = (sig, *answering.doc_views(self.retriever.docs, self.settings))
        return self._views[1], self._views[2]

    # -- documents ----------------------------------------------------------------------------------------------
    def ingest(self, paths, *, origin: str = "cli", replace: bool = False, actor: str | None = None,
               follow_links: bool = False, **kw) -> IngestReport:
        """Add or update files, folders or URLs; see indexing.ingest for origin, replace, actor and follow_links."""
        return ingest(paths, store=self.store, embedder=self.embedder, lexical=self.retriever.lexical,
                      sentences=self.sentences, settings=self.settings, origin=origin, replace=replace,
                      actor=actor, follow_links=follow_links, **kw)

    def sources(self) -> list[DocumentRecord]:
        """Ready documents' records (no text), sorted by source id."""
        self.retriever.lexical.refresh(force=True)
        return [self._record(d) for _sid, d in sorted(self.retriever.docs.items()) if d.get("hash")]

    def source(self, source_id: str) -> DocumentRecord:
        """One document's record with its full text; NotFoundError when absent."""
        rec = self.store.document(source_id)
        if rec is None or not rec.get("hash"):
            raise NotFoundError(f"No document with id '{source_id}' in the index: see `assistant sources list`")
        return self._record(rec)

    def _record(self, meta: dict[str, Any]) -> DocumentRecord:
        return DocumentRecord.from_registry(meta, origin=record_origin(meta, self.settings))

    def remove(self, source_id: str) -> int:
        """Delete a document and its chunks; returns the number of chunks removed."""
        self.source(source_id)
        with index_lock(self.settings.index_dir):
            marker = interrupted_marker(self.settings.index_dir)
            marker.touch()  # a removal cut short leaves chunks that the next ingest sweeps
            n = self.store.remove_document(source_id)
            self.retriever.lexical.document_removed(source_id)
            self.retriever.lexical.save_cache()
            self.sentences.remove(source_id)
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
    @property
    def mode(self) -> str:
        """'extractive' or 'llm', from settings.llm."""
        return "extractive" if self.settings.llm == "extractive" else "llm"

    def answering_sources(self) -> answering.Sources:
        """What the answering stage reads, as of now."""
        titles, primary = self._doc_views()
        return answering.Sources(retriever=self.retriever, linker=self.linker, document_text=self.document_text,
                                 titles=titles, primary=primary, sentence_vectors=self.sentences.embed,
                                 settings=self.settings, weights=self.weights)

    def retrieval_query(self, question: str, history: list[dict] | None) -> str:
        """The text retrieval runs on (see answering.retrieval_query)."""
        return answering.retrieval_query(question, history)

    def ask(self, question: str, history: list[dict] | None = None, filters: dict | None = None,
            k: int | None = None, retriever: str | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer a question from the index with verified, numbered citations (or refuse).

        With an LLM configured (settings.llm), follow-ups are condensed into a standalone question first, and the
        model's answer replaces the extractive one only after its citations are verified; any LLM failure falls
        back to the extractive answer with a notice. `on_token` receives streamed text (LLM mode only).
        """
        t_start = time.perf_counter()
        q = answering.validate_question(question, self.settings.max_question_chars)
        history = answering.validate_history(history, self.settings.max_question_chars)
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 50):
            raise InvalidInputError(f"k is {k!r}: use a whole number of passages from 1 to 50")
        if filters is not None and not isinstance(filters, dict):
            raise InvalidInputError(f"Filters are a {type(filters).__name__}, not a mapping of filter: value")
        self.retriever.lexical.refresh()  # a mismatched or unreadable index is refused before the model loads
        timings: dict[str, float] = {}
        use_llm = self.mode == "llm"
        query = answering.retrieval_query(q, history)
        if use_llm and history:
            try:
                query = llm_mod.condense(self.settings, q, history)
            except LLMError:
                pass  # keep the heuristic follow-up query
        asked, hits, ctx = answering.prepare(self.answering_sources(), q, query, history, filters, k, retriever,
                                             timings)
        t0 = time.perf_counter()
        answer = answering.answer(asked, hits, ctx)
        if use_llm and not answer.refused:  # nothing relevant found: refuse without calling the LLM
            try:
                # the model answers the standalone (condensed) question, so a follow-up keeps its context
                answer = llm_mod.generate(self.settings, self.embedder, self.document_text, query, hits,
                                          on_token=on_token)
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
                ) -> tuple[answering.Question, list[Hit], composer.Context]:
        """What the composer reads for one question (evals/fit_composer.py fits the weights on it)."""
        self.retriever.lexical.refresh()  # as ask() does: the linker and the views are built on the loaded index
        return answering.prepare(self.answering_sources(), question, query, history, filters, k, retriever, timings)

    def verify(self, answer: Answer) -> list[str]:
        """Problems with an answer's citations (empty when every quote is verbatim and every marker resolves)."""
        return answering.verify(answer, self.document_text)

