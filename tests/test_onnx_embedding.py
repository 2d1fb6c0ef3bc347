"""The optional ONNX int8 embedder: same vectors and rankings as the torch model, built once and cached, refused
by an index built with the torch model. Needs the `fast` extra (onnxruntime, onnx), which `dev` includes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import IndexMismatchError, InvalidInputError
from assistant.settings import Settings

from conftest import CORPUS, ROOT

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache):
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    e = OnnxMiniLMEmbedder(cache_dir=onnx_cache)
    e.embed(["warm up"])  # builds the model into the cache
    return e


@pytest.fixture(scope="module")
def torch_embedder():
    from assistant.embedding import default_embedder

    return default_embedder()


@pytest.fixture(scope="module")
def corpus_chunks():
    from assistant.chunking import chunk_document
    from assistant.loaders import load_path

    return [c for f in sorted(CORPUS.iterdir()) for c in chunk_document(load_path(f, CORPUS))]


@pytest.fixture(scope="module")
def sentences(corpus_chunks) -> list[str]:
    """~20 sentences of the test corpus, of varied length."""
    out: list[str] = []
    for c in corpus_chunks:
        for s in re.split(r"(?<=[.!?])\s+", c.text):
            s = s.strip()
            if len(s) >= 30 and s not in out:
                out.append(s)
    assert len(out) >= 20
    return out[:: max(1, len(out) // 20)][:20]


def test_unknown_embedder_name_is_refused_with_the_valid_names():
    from assistant.embedding import default_embedder

    with pytest.raises(InvalidInputError, match="minilm, minilm-onnx-int8"):
        default_embedder(64, "minilm-gpu")


def test_embedder_setting_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "minilm-onnx-int8")
    monkeypatch.setenv("ASSISTANT_ONNX_CACHE", str(tmp_path))
    s = Settings()
    assert s.embedder == "minilm-onnx-int8" and s.onnx_cache == tmp_path
    assert Settings(embedder="minilm").embedder == "minilm"


@pytest.mark.slow
def test_vectors_match_the_torch_model(onnx_embedder, torch_embedder, sentences):
    v = onnx_embedder.embed(sentences)
    ref = torch_embedder.embed(sentences)
    assert v.shape == (len(sentences), 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    cos = (v * ref).sum(axis=1)
    assert cos.min() >= 0.98, cos
    # rows come back in input order whatever the length-sorted batching did (a misplaced row has cosine < 0.9)
    perm = np.random.default_rng(0).permutation(len(sentences))
    shuffled = onnx_embedder.embed([sentences[i] for i in perm])
    assert ((shuffled * ref[perm]).sum(axis=1)).min() >= 0.98
    # activations are quantised per batch, so a text alone gets a slightly different (still close) vector
    one = onnx_embedder.embed([sentences[3]])
    assert float(one[0] @ v[3]) >= 0.98 and float(one[0] @ ref[3]) >= 0.98
    assert np.array_equal(onnx_embedder.embed(sentences), v)  # the same batch gives the same vectors
    assert onnx_embedder.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_ranking_agrees_with_the_torch_model(onnx_embedder, torch_embedder, corpus_chunks):
    texts = [c.embed_text() for c in corpus_chunks]
    queries = [
        "Was training Claude on purchased books fair use?",
        "Which EU directive article allows text and data mining for research?",
        "What did Getty Images claim against Stability AI?",
        "Does Japan's Article 30-4 permit using works for machine learning?",
        "What is Seedance and why did the MPA object to it?",
        "How much did Anthropic agree to pay in the settlement?",
    ]
    docs_o, docs_t = onnx_embedder.embed(texts), torch_embedder.embed(texts)
    q_o, q_t = onnx_embedder.embed(queries), torch_embedder.embed(queries)
    top_o = np.argsort(-(q_o @ docs_o.T), axis=1)
    top_t = np.argsort(-(q_t @ docs_t.T), axis=1)
    assert list(top_o[:, 0]) == list(top_t[:, 0])
    for a, b in zip(top_o[:, :5], top_t[:, :5]):
        assert len(set(a) & set(b)) >= 4


@pytest.mark.slow
def test_exported_model_is_cached_and_reused(onnx_embedder, onnx_cache):
    from assistant import onnx_embedding
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    path = onnx_embedder.model_path
    assert path.parent == onnx_cache and path.is_file()
    before = (onnx_embedding.build_count, path.stat().st_mtime_ns)
    again = OnnxMiniLMEmbedder(cache_dir=onnx_cache)
    v = again.embed(["The court ruled on fair use."])
    assert again.model_path == path
    assert (onnx_embedding.build_count, path.stat().st_mtime_ns) == before
    assert v.shape == (1, 384)
    assert not list(onnx_cache.glob(".build-*")), "temporary build folders left behind"


@pytest.mark.slow
def test_index_built_with_torch_is_refused_by_the_onnx_embedder(tmp_path, onnx_cache):
    from assistant.answering import Assistant

    index = tmp_path / "index"
    r = Assistant(Settings(index_dir=index, embedder="minilm")).ingest([str(CORPUS / "bartz-mini.md")])
    assert r.added and not r.failed
    fast = Assistant(Settings(index_dir=index, embedder="minilm-onnx-int8", onnx_cache=onnx_cache))
    assert fast.embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2@onnx-int8"
    with pytest.raises(IndexMismatchError, match=r"assistant ingest --rebuild") as e:
        fast.sources()
    assert "onnx-int8" in str(e.value)


@pytest.mark.slow
def test_two_processes_building_at_once_make_one_model(tmp_path):
    """Both processes get a working model; one export, no half-written file or temp folder left."""
    cache = tmp_path / "cache"
    script = textwrap.dedent("""
        import sys
        from assistant import onnx_embedding
        from assistant.onnx_embedding import OnnxMiniLMEmbedder
        v = OnnxMiniLMEmbedder(cache_dir=sys.argv[1]).embed(["Getty sued Stability AI in London."])
        print("built", onnx_embedding.build_count, float(v[0] @ v[0]))
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(cache)], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=400) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
    built = sorted(int(out.split()[-2]) for out, _ in outs)
    assert built == [0, 1], outs  # the second waited for the first's lock, then loaded its file
    assert len(list(cache.glob("*.onnx"))) == 1
    assert not list(cache.glob(".build-*"))
