"""The torch reference embedder (minilm-torch): its single-query path gives the same vector as the batch path."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding import default_embedder, embed_query
from tests.conftest import FakeEmbedder

QUERIES = [
    "What did the MPA demand from ByteDance over Seedance 2.0?",
    "Was Anthropic's training on books fair use?",
    "Article 30-4",
    "Wer hat gegen OpenAI in München geklagt? GEMA, Urteil vom 11.11.2025",
    "x",
    # longer than the model's 256-token window: both paths must truncate the same way
    " ".join(["The court considered the fourth fair-use factor and the market for licensed training data."] * 40),
]


@pytest.fixture(scope="module")
def model():
    return default_embedder(name="minilm-torch")


@pytest.mark.slow
@pytest.mark.parametrize("text", QUERIES, ids=range(len(QUERIES)))
def test_single_query_vector_matches_encode(model, text):
    batch = model.embed([text])[0]
    one = model.embed_query(text)
    assert one.dtype == np.float32 and one.shape == (model.dim,)
    assert abs(float(np.linalg.norm(one)) - 1.0) < 1e-5
    assert float(np.max(np.abs(one - batch))) < 1e-5


@pytest.mark.slow
def test_single_query_path_ranks_like_the_batch_path(model):
    passages = model.embed([
        "The MPA demanded that ByteDance stop training Seedance on its members' films.",
        "Japan's Article 30-4 allows use that is not for enjoyment of the work.",
        "Judge Alsup held that training on lawfully bought books was fair use.",
    ])
    for q in QUERIES[:3]:
        assert list(np.argsort(-passages @ embed_query(model, q))) == list(np.argsort(-passages @ model.embed([q])[0]))


@pytest.mark.slow
def test_single_query_path_leaves_the_shared_tokenizer_as_encode_sets_it(model):
    """The fast tokenizer keeps padding and truncation as state shared by all threads. If the single-query path
    set it differently from encode(), a batch embedded at the same moment in another thread (an upload while
    someone asks) could be tokenised unpadded and fail. So both paths must leave the same state behind."""
    backend = model.model[0].tokenizer._tokenizer
    model.embed(["a short text", "a somewhat longer text that needs padding in a batch"])
    after_encode = (backend.padding, backend.truncation)
    assert after_encode[0] is not None  # encode() pads
    model.embed_query("What did the court decide on fair use?")
    assert (backend.padding, backend.truncation) == after_encode


def test_embedders_without_a_single_query_path_fall_back_to_embed():
    fake = FakeEmbedder()
    v = embed_query(fake, "fair use of books")
    assert np.allclose(v, fake.embed(["fair use of books"])[0])
    assert fake.calls == 2
