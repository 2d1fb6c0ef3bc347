"""Sentence vectors made at ingest: a question looks its candidates up instead of embedding them, and a missing or
removed row never changes an answer."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import composer
from assistant.sentence_vectors import SentenceVectors
from conftest import FakeEmbedder


def test_found_written_and_replaced_per_document(tmp_path):
    emb = FakeEmbedder()
    sv = SentenceVectors(tmp_path, emb.model_id, emb.embed)
    assert sv.found(["never written"]) == {}  # no file yet: nothing found, nothing created
    assert not sv.path.exists()
    assert sv.write([("a", ["The court granted the motion.", "The jury was sworn."])]) == 2
    assert sv.write([("b", ["The jury was sworn.", "A new sentence here."])]) == 1  # a shared text is copied
    got = sv.found(["The jury was sworn.", "A new sentence here.", "Unknown text."])
    assert set(got) == {"The jury was sworn.", "A new sentence here."}
    np.testing.assert_allclose(got["The jury was sworn."], emb.embed(["The jury was sworn."])[0], atol=1e-7)
    sv.write([("a", ["Only this one now."])])  # rewriting a document replaces its rows
    assert "The court granted the motion." not in sv.found(["The court granted the motion."])
    assert "The jury was sworn." in sv.found(["The jury was sworn."])  # still b's
    sv.remove("b")
    assert sv.found(["The jury was sworn.", "A new sentence here."]) == {}
    assert sv.count() == 1
    sv.reset()
    assert sv.count() == 0


def test_embed_looks_up_and_embeds_only_what_is_missing(tmp_path):
    emb = FakeEmbedder()
    sv = SentenceVectors(tmp_path, emb.model_id, emb.embed)
    sv.write([("a", ["Stored sentence one.", "Stored sentence two."])])
    before = emb.texts_embedded
    vecs = sv.embed(["Stored sentence two.", "Not stored yet.", "Stored sentence one."])
    assert emb.texts_embedded - before == 1
    np.testing.assert_allclose(vecs, emb.embed(["Stored sentence two.", "Not stored yet.", "Stored sentence one."]),
                               atol=1e-7)
    assert (sv.looked_up, sv.embedded_late) == (3, 1)


def test_another_model_does_not_see_the_rows(tmp_path):
    emb = FakeEmbedder()
    SentenceVectors(tmp_path, emb.model_id, emb.embed).write([("a", ["A sentence of four words."])])
    assert SentenceVectors(tmp_path, "other/model", emb.embed).found(["A sentence of four words."]) == {}


def _candidate_texts(a, question: str) -> list[str]:
    asked, hits, ctx = a.prepare(question, question)
    return [c.text for c in composer.candidates(asked, hits, ctx)]


def test_ingest_stores_every_candidate_and_answers_do_not_change(fake_assistant, corpus_copy):
    a = fake_assistant
    a.ingest([str(corpus_copy)])
    q = "How much did Anthropic agree to pay to settle the authors' class action?"
    texts = _candidate_texts(a, q)
    assert texts and len(a.sentences.found(texts)) == len(set(texts))  # ingest stored every one the composer ranks
    composer.SENTENCE_VECTORS.clear()
    a.sentences.embedded_late = 0
    with_rows = a.ask(q)
    assert a.sentences.embedded_late == 0
    a.sentences.reset()  # an index built before sentence vectors existed: the same answer, embedded late
    composer.SENTENCE_VECTORS.clear()
    without = a.ask(q)
    assert a.sentences.embedded_late > 0
    assert without.text == with_rows.text
    assert [c.quote for c in without.citations] == [c.quote for c in with_rows.citations]


def test_removing_a_document_drops_its_rows(fake_assistant, corpus_copy):
    a = fake_assistant
    a.ingest([str(corpus_copy)])
    sid = sorted(d.source_id for d in a.sources())[0]
    n = a.sentences.count()
    a.remove(sid)
    assert 0 < a.sentences.count() < n


@pytest.mark.slow
def test_real_index_has_every_candidate_of_the_eval_questions(real_assistant):
    a = real_assistant
    qs = ["What did the court decide on fair use?", "When was the settlement approved?",
          "What does Article 53 of the AI Act require?"]
    for q in qs:
        texts = _candidate_texts(a, q)
        assert len(a.sentences.found(texts)) == len(set(texts)), q
