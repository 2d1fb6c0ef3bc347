"""Retriever: dense (real Chroma in tmp_path, the fake embedder) and the lexical index, fused by reciprocal rank."""

from __future__ import annotations

import pytest

from assistant.facade import Assistant
from assistant.embedding import embed_query
from assistant.errors import InvalidInputError
from assistant.lexical import KINDS, open_lexical
from assistant.retrieval import RRF_K, Retriever
from conftest import FakeEmbedder

QUERY = "text and data mining opt out"


@pytest.fixture
def indexed(fake_assistant, corpus_copy) -> Assistant:
    fake_assistant.ingest([corpus_copy])
    return fake_assistant


class WithoutSource:
    """A lexical index that hides one document's chunks from `ready` (as if its new version were not ready)."""

    def __init__(self, lexical, source_id: str):
        self.lexical, self.source_id = lexical, source_id

    def __getattr__(self, name):
        return getattr(self.lexical, name)

    @property
    def ready(self):
        return {c for c in self.lexical.ready if not c.startswith(self.source_id + "#")}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_hybrid_scores_are_the_reciprocal_rank_sum_of_both_sides(indexed, kind):
    a = indexed
    r = Retriever(a.store, a.embedder, a.settings, open_lexical(a.store, a.settings, kind))
    n = a.settings.candidates
    hits = r.search(QUERY, k=5)
    r.lexical.refresh()
    lexical = [c for c, _s in r.lexical.search(QUERY, n)]
    dense = [c for c, _s in r.store.nearest(embed_query(a.embedder, QUERY), n + 10, None) if c in r.lexical.ready][:n]
    assert hits and hits[0].chunk.source_id == "dsm-mini"
    for h in hits:
        want = sum(1.0 / (RRF_K + ranked.index(h.chunk.id) + 1) for ranked in (dense, lexical)
                   if h.chunk.id in ranked)
        assert h.score == pytest.approx(want)
        assert (h.bm25_score is not None) == (h.chunk.id in lexical) and h.dense_score is not None
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_modes_use_one_side_each(indexed):
    r = indexed.retriever
    timings: dict[str, float] = {}
    dense = r.search(QUERY, k=5, mode="dense", timings=timings)
    assert dense and all(h.bm25_score is None for h in dense) and "bm25" not in timings
    lexical = r.search(QUERY, k=5, mode="bm25")
    assert [h.chunk.id for h in lexical] == [c for c, _s in r.lexical.search(QUERY, 5)]
    with pytest.raises(InvalidInputError, match="Unknown retriever 'sparse'"):
        r.search(QUERY, mode="sparse")


def test_filters_apply_to_both_sides(indexed):
    r = indexed.retriever
    q = "books training fair use text and data mining"  # words of both documents, so both sides find some
    for mode in ("dense", "bm25", "hybrid"):
        hits = r.search(q, k=5, mode=mode, filters={"source_id": "bartz-mini"})
        assert hits and {h.chunk.source_id for h in hits} == {"bartz-mini"}
        hits = r.search(q, k=5, mode=mode, filters={"type": "case", "date_from": "2025-01-01"})
        assert hits and all(h.meta.get("doc_type") == "case" for h in hits)
        assert r.search(q, k=5, mode=mode, filters={"jurisdiction": "EU", "date_to": "2000-01-01"}) == []


def test_bad_filters_say_what_is_wrong(indexed):
    r = indexed.retriever
    with pytest.raises(InvalidInputError, match="Unknown filter 'court'"):
        r.search(QUERY, filters={"court": "x"})
    with pytest.raises(InvalidInputError, match="Unknown jurisdiction 'Mars'"):
        r.search(QUERY, filters={"jurisdiction": "Mars"})
    with pytest.raises(InvalidInputError, match="swap them"):
        r.search(QUERY, filters={"date_from": "2025-01-01", "date_to": "2020-01-01"})


def test_dense_search_keeps_to_the_lexical_indexs_ready_chunks(indexed):
    a = indexed
    a.retriever.lexical.refresh()
    r = Retriever(a.store, a.embedder, a.settings, WithoutSource(a.retriever.lexical, "dsm-mini"))
    assert all(h.chunk.source_id != "dsm-mini" for h in r.search(QUERY, k=10, mode="dense"))
    assert any(h.chunk.source_id == "dsm-mini" for h in a.retriever.search(QUERY, k=10, mode="dense"))


def test_section_hits_come_from_the_lexical_index(indexed):
    r = indexed.retriever
    qv = embed_query(indexed.embedder, QUERY)
    sections = [s for _c, s in r.lexical.sections("dsm-mini")]
    want = next(s for s in sections if s)
    hits = r.section_hits("dsm-mini", lambda s: s == want, qv, exclude=set())
    assert hits and all(h.chunk.section == want and h.chunk.source_id == "dsm-mini" for h in hits)


def test_the_passage_after_a_hit_is_the_next_chunk_of_its_document(indexed):
    r = indexed.retriever
    qv = embed_query(indexed.embedder, QUERY)
    by_doc: dict[str, list[tuple[int, int, str]]] = {}
    for cid, _t, m in indexed.store.iter_chunks(text=False):
        by_doc.setdefault(m["source_id"], []).append((int(m["start"]), int(m["end"]), cid))
    sid, chunks = next((s, sorted(cs)) for s, cs in sorted(by_doc.items()) if len(cs) >= 3)
    (_s0, e0, _c0), (_s1, _e1, c1) = chunks[0], chunks[1]
    nxt = r.hit_after(sid, e0, qv)
    assert nxt is not None and nxt.chunk.id == c1 and nxt.chunk.source_id == sid
    assert r.hit_after(sid, chunks[-1][1] + 1, qv) is None  # nothing after the last
    assert r.hit_after("no-such-document", 0, qv) is None


def test_a_second_instance_sees_the_same_hits(indexed):
    other = Assistant(indexed.settings, embedder=FakeEmbedder())
    mine = [h.chunk.id for h in indexed.retriever.search(QUERY, k=5)]
    assert [h.chunk.id for h in other.retriever.search(QUERY, k=5)] == mine


def test_a_named_provision_is_answered_from_a_users_copy_of_the_code_over_a_summary(fake_assistant, tmp_path):
    """'What does section 107 say?' where the index has a summary titled by the section and the user's own copy of
    the code: the code's section 107 is looked up and counts as named as much as the summary."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "summary.md").write_text(
        "---\nid: usc-107-summary\ntitle: 17 U.S.C. section 107 (fair use)\ntype: article\n---\n\n# 17 U.S.C. section "
        "107 (fair use)\n\n## Summary\n\nSection 107 is the fair-use provision. Courts weigh factors under section "
        "107 when they decide fair use, and many cases turn on it.\n", encoding="utf-8")
    code = ["---\nid: title-17\ntitle: Title 17 - Copyrights\ntype: statute\n---\n\n# Title 17 - Copyrights\n"]
    for n in range(101, 112):
        code.append(f"\n## §{n}. Provision number {n}\n\nThe text of provision {n} sets out rules on works and "
                    f"owners of copyright, with exceptions that apply in particular cases.\n")
    code[7] = ("\n## §107. Limitations on exclusive rights: Fair use\n\nThe fair use of a work is not an infringement. "
               "The factors to be considered shall include—\n\n(1) the purpose and character of the use;\n\n(2) the "
               "nature of the copyrighted work;\n\n(3) the amount and substantiality of the portion used; and\n\n(4) "
               "the effect of the use upon the potential market.\n")
    (docs / "title-17.md").write_text("".join(code), encoding="utf-8")
    fake_assistant.ingest([docs])
    q = "What factors does section 107 say courts consider?"
    asked, hits, ctx = fake_assistant.prepare(q, fake_assistant.retrieval_query(q, []))
    assert any(h.chunk.source_id == "title-17" and h.chunk.section.startswith("§107.") for h in hits)
    assert ctx.linked.get("title-17", 0) >= max(ctx.linked.values()) > 0
    # not in a code that lacks the provision, nor where the question names no provision
    q = "What factors do courts consider for fair use?"
    asked, hits, ctx = fake_assistant.prepare(q, fake_assistant.retrieval_query(q, []))
    assert ctx.linked.get("title-17", 0) < max(ctx.linked.values(), default=1)


def test_a_term_asked_about_is_looked_up_where_a_document_explains_it(fake_assistant, tmp_path):
    """'What is the "sweat of the brow" doctrine?': the opinion names the doctrine in many passages and explains it
    in one ('Known alternatively as ...'), which the question's words do not single out; that one is looked up
    in the documents the search found, though the question names none of them."""
    docs = tmp_path / "docs"
    docs.mkdir()
    parts = ["---\nid: opinion\ntitle: Smith v. Jones - Opinion of the Court\ntype: opinion\n---\n\n# Opinion\n"]
    for n in range(1, 40):  # the term in a few passages, named three times each; the rest are about other things
        parts.append(f"\n## Part {n}\n\nThe sweat of the brow doctrine came up again in part {n}. Courts that used the "
                     f"sweat of the brow doctrine erred, and the sweat of the brow doctrine is rejected here.\n"
                     if n % 5 == 0 else f"\n## Part {n}\n\nPart {n} turns to the telephone directory's white pages "
                     f"and the listings number {n} that the publisher compiled by hand.\n")
    parts[6] = ("\n## Part 6\n\nMaking matters worse, these courts developed a new theory. Known alternatively as "
                "\u201csweat of the brow\u201d or \u201cindustrious collection,\u201d the underlying notion was that "
                "copyright was a reward for the hard work of compiling facts.\n")
    (docs / "opinion.md").write_text("".join(parts), encoding="utf-8")
    fake_assistant.ingest([docs])
    q = 'What is the "sweat of the brow" doctrine the Court rejected?'
    asked, hits, ctx = fake_assistant.prepare(q, fake_assistant.retrieval_query(q, []))
    assert "define" in asked.intents
    assert any("Known alternatively" in h.chunk.text for h in hits)


def _brute_force(a: Assistant, query: str, allowed=None) -> list[str]:
    """Every stored vector of a ready chunk times the query, best first: what an exact dense search returns."""
    import numpy as np
    r = a.retriever
    r.lexical.refresh()
    ids = sorted(c for c in r.lexical.ready if allowed is None or c.split("#")[0] in allowed)
    vecs = r.store.vectors(ids)
    qv = embed_query(a.embedder, query)
    return [c for c, _ in sorted(((c, float(np.dot(vecs[c], qv))) for c in ids), key=lambda x: (-x[1], x[0]))]


def test_the_dense_search_is_exact_over_every_ready_chunk(indexed):
    want = _brute_force(indexed, QUERY)[:10]
    got = [h.chunk.id for h in indexed.retriever.search(QUERY, k=10, mode="dense")]
    assert got == want


def test_the_exact_dense_search_keeps_to_the_filters(indexed):
    docs = indexed.retriever.docs
    kind = docs["dsm-mini"]["doc_type"]
    allowed = {sid for sid, d in docs.items() if d.get("doc_type") == kind}
    assert len(allowed) < len(docs)  # (the filter leaves some documents out)
    got = [h.chunk.id for h in indexed.retriever.search(QUERY, k=5, mode="dense", filters={"type": [kind]})]
    assert got == _brute_force(indexed, QUERY, allowed)[:5]


def test_the_exact_dense_search_sees_a_document_added_after_it_was_built(indexed, tmp_path):
    indexed.retriever.search(QUERY, k=5, mode="dense")  # builds the in-memory vectors
    new = tmp_path / "new"
    new.mkdir()
    (new / "optout.md").write_text("---\nid: opt-out-note\ntitle: Opt-out note\n---\n\n# Opt-out note\n\n"
                                   f"{QUERY}. {QUERY} under the directive.\n", encoding="utf-8")
    indexed.ingest([new])
    got = [h.chunk.id for h in indexed.retriever.search(QUERY, k=10, mode="dense")]
    assert got == _brute_force(indexed, QUERY)[:10]
    assert any(c.startswith("opt-out-note#") for c in got)


def test_above_the_exact_limit_the_dense_search_is_chromas(indexed):
    a = indexed
    r = Retriever(a.store, a.embedder, a.settings.model_copy(update={"exact_dense_max": 0}), a.retriever.lexical)
    hits = r.search(QUERY, k=5, mode="dense")
    assert hits and r._all is None  # (no in-memory copy of the vectors was made)
