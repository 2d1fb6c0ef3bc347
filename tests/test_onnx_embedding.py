"""The ONNX embedders. fp32 (the default, `minilm`): the torch model's vectors on every chunk of the shipped corpus,
the same index, torch never imported on the query path, one thread per query. int8 (`minilm-onnx-int8`): close
vectors and rankings, refused by an index built with the torch model. Both: built once, cached, safe to race."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.errors import AssistantError, IndexMismatchError, InvalidInputError
from assistant.settings import Settings

from conftest import CORPUS, ROOT

# The fp32 export computes what sentence-transformers computes on torch; only float rounding differs (measured:
# at most 2e-7 per component over the 530 chunks of the shipped corpus).
FP32_MAX_ABS = 1e-5
FP32_MIN_COS = 0.99999


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def int8_embedder(onnx_cache):
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    e = OnnxMiniLMEmbedder(cache_dir=onnx_cache, precision="int8")
    e.embed(["warm up"])  # exports, quantises and caches
    return e


@pytest.fixture(scope="module")
def fp32_embedder():
    from assistant.embedding import default_embedder

    return default_embedder()  # the default: fp32 ONNX, in the user's cache (built there once)


@pytest.fixture(scope="module")
def torch_embedder():
    from assistant.embedding import default_embedder

    return default_embedder(name="minilm-torch")


@pytest.fixture(scope="module")
def corpus_chunks():
    from assistant.chunking import chunk_document
    from assistant.loaders import load_path

    return [c for f in sorted(CORPUS.iterdir()) for c in chunk_document(load_path(f, CORPUS))]


@pytest.fixture(scope="module")
def shipped_chunk_texts() -> list[str]:
    """What ingest embeds for every chunk of the shipped corpus (sources/)."""
    from assistant.chunking import chunk_document
    from assistant.loaders import load_path

    src = ROOT / "sources"
    return [c.embed_text() for f in sorted(src.glob("*.md")) for c in chunk_document(load_path(f, src))]


@pytest.fixture(scope="module")
def shipped_vectors(fp32_embedder, torch_embedder, shipped_chunk_texts) -> tuple[np.ndarray, np.ndarray]:
    """(fp32 ONNX, torch) vectors of every shipped chunk."""
    return fp32_embedder.embed(shipped_chunk_texts), torch_embedder.embed(shipped_chunk_texts)


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

    with pytest.raises(InvalidInputError, match="minilm, minilm-torch, minilm-onnx-int8"):
        default_embedder(64, "minilm-gpu")


def test_embedder_setting_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "minilm-onnx-int8")
    monkeypatch.setenv("ASSISTANT_ONNX_CACHE", str(tmp_path))
    s = Settings()
    assert s.embedder == "minilm-onnx-int8" and s.onnx_cache == tmp_path
    assert Settings(embedder="minilm").embedder == "minilm"


def test_the_default_is_the_fp32_export_under_the_torch_models_id():
    from assistant.embedding import MODEL_ID, MiniLMEmbedder, default_embedder
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    e = default_embedder()
    assert isinstance(e, OnnxMiniLMEmbedder) and e.precision == "fp32"
    assert e.model_id == MODEL_ID == MiniLMEmbedder.model_id  # same vectors, so the same index
    assert default_embedder(name="minilm-onnx-int8").model_id == MODEL_ID + "@onnx-int8"
    assert OnnxMiniLMEmbedder()._sessions == {}  # constructing loads nothing (default_embedder's may be in use)


def test_an_unusable_cache_folder_is_reported_with_the_setting_that_fixes_it(tmp_path):
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    e = OnnxMiniLMEmbedder(cache_dir=blocker / "onnx")
    with pytest.raises(AssistantError, match=r"Cannot build the ONNX model in .*a-file.*ASSISTANT_ONNX_CACHE"):
        e.embed(["fair use"])


# -- fp32: the default ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_fp32_vectors_match_the_torch_model_on_every_chunk_of_the_corpus(shipped_vectors, shipped_chunk_texts):
    v, ref = shipped_vectors
    assert v.shape == ref.shape == (len(shipped_chunk_texts), 384) and v.dtype == np.float32
    assert len(shipped_chunk_texts) > 400
    assert float(np.abs(v - ref).max()) <= FP32_MAX_ABS
    assert float((v * ref).sum(axis=1).min()) >= FP32_MIN_COS


@pytest.mark.slow
def test_fp32_query_vectors_and_rankings_match_the_torch_model(fp32_embedder, torch_embedder, shipped_vectors):
    cases = yaml.safe_load((ROOT / "evals" / "core.yaml").read_text(encoding="utf-8"))["cases"]
    questions = [c["question"] for c in cases if c.get("question")][:80]
    q_o = np.stack([fp32_embedder.embed_query(q) for q in questions])
    q_t = np.stack([torch_embedder.embed_query(q) for q in questions])
    assert float(np.abs(q_o - q_t).max()) <= FP32_MAX_ABS
    docs = shipped_vectors[1]  # the index as the torch model built it
    s_o, s_t = q_o @ docs.T, q_t @ docs.T
    assert float(np.abs(s_o - s_t).max()) <= FP32_MAX_ABS
    # the same top 5 wherever the torch scores are not tied within the tolerance
    for row_o, row_t in zip(s_o, s_t):
        top_t = np.argsort(-row_t)[:6]
        if row_t[top_t[4]] - row_t[top_t[5]] > 2 * FP32_MAX_ABS:
            assert set(np.argsort(-row_o)[:5]) == set(top_t[:5])


@pytest.mark.slow
def test_fp32_small_batches_match_one_text_at_a_time(fp32_embedder, sentences):
    """The answer composer embeds a few dozen sentences in one call; each must get its own vector, in order."""
    batch = fp32_embedder.embed(sentences)
    alone = np.stack([fp32_embedder.embed_query(s) for s in sentences])
    assert float(np.abs(batch - alone).max()) <= FP32_MAX_ABS
    perm = np.random.default_rng(0).permutation(len(sentences))
    assert float(np.abs(fp32_embedder.embed([sentences[i] for i in perm]) - batch[perm]).max()) <= FP32_MAX_ABS
    assert fp32_embedder.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_queries_and_small_batches_run_on_one_thread_and_ingest_batches_on_every_core(onnx_cache, sentences,
                                                                                       shipped_chunk_texts):
    from assistant.onnx_embedding import SMALL_BATCH_TOKENS, OnnxMiniLMEmbedder, build_model, model_file

    e = OnnxMiniLMEmbedder(cache_dir=onnx_cache, threads=2)
    build_model(e.model_dir, model_file(onnx_cache, e.model_dir, "fp32"), "fp32")
    e.embed_query("Was training on books fair use?")
    e.embed(sentences * 2)  # ~40 sentences: the composer's call
    assert list(e._sessions) == [1]
    many = shipped_chunk_texts[:60]
    assert sum(len(x.ids) for x in e._tokenizer.encode_batch(many)) > SMALL_BATCH_TOKENS
    e.embed(many)
    assert sorted(e._sessions) == [1, 2]
    assert e._sessions[2].get_session_options().intra_op_num_threads == 2
    assert e._sessions[1].get_session_options().intra_op_num_threads == 1


@pytest.mark.slow
def test_an_index_built_with_torch_is_used_as_is_by_the_default(tmp_path, torch_embedder):
    from assistant.facade import Assistant

    index = tmp_path / "index"
    built = Assistant(Settings(index_dir=index, embedder="minilm-torch"), embedder=torch_embedder)
    r = built.ingest([str(CORPUS)])
    assert r.added and not r.failed
    q = "Was training Claude on purchased books fair use?"
    want = [h.chunk.id for h in built.retriever.search(q, k=5)]
    default = Assistant(Settings(index_dir=index))
    assert [h.chunk.id for h in default.retriever.search(q, k=5)] == want
    assert not default.ask(q).refused


@pytest.mark.slow
def test_the_query_path_never_imports_torch(tmp_path, fp32_embedder):
    """A cold `assistant ask` on a built index: `python -X importtime` lists no torch, transformers,
    sentence-transformers or llama-index module, and the answer is printed."""
    from assistant.facade import Assistant

    index = tmp_path / "index"
    Assistant(Settings(index_dir=index)).ingest([str(CORPUS)])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(index), "PYTHONPATH": str(ROOT)}
    env.pop("ASSISTANT_EMBEDDER", None)
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant", "ask",
                        "What did Getty Images claim against Stability AI?"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "[1]" in r.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "onnxruntime" in imported and "chromadb" in imported  # the listing is real
    heavy = sorted(m for m in imported if m.split(".")[0] in {"torch", "transformers", "sentence_transformers",
                                                                "llama_index"})
    assert heavy == []


# -- int8: the optional faster embedder -------------------------------------------------------------------------
@pytest.mark.slow
def test_int8_vectors_are_close_to_the_torch_model(int8_embedder, torch_embedder, sentences):
    v = int8_embedder.embed(sentences)
    ref = torch_embedder.embed(sentences)
    assert v.shape == (len(sentences), 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    cos = (v * ref).sum(axis=1)
    assert cos.min() >= 0.98, cos
    # rows come back in input order whatever the length-sorted batching did (a misplaced row has cosine < 0.9)
    perm = np.random.default_rng(0).permutation(len(sentences))
    shuffled = int8_embedder.embed([sentences[i] for i in perm])
    assert ((shuffled * ref[perm]).sum(axis=1)).min() >= 0.98
    # activations are quantised per batch, so a text alone gets a slightly different (still close) vector
    one = int8_embedder.embed([sentences[3]])
    assert float(one[0] @ v[3]) >= 0.98 and float(one[0] @ ref[3]) >= 0.98
    assert np.array_equal(int8_embedder.embed(sentences), v)  # the same batch gives the same vectors
    assert int8_embedder.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_int8_ranking_agrees_with_the_torch_model(int8_embedder, torch_embedder, corpus_chunks):
    texts = [c.embed_text() for c in corpus_chunks]
    queries = [
        "Was training Claude on purchased books fair use?",
        "Which EU directive article allows text and data mining for research?",
        "What did Getty Images claim against Stability AI?",
        "Does Japan's Article 30-4 permit using works for machine learning?",
        "What is Seedance and why did the MPA object to it?",
        "How much did Anthropic agree to pay in the settlement?",
    ]
    docs_o, docs_t = int8_embedder.embed(texts), torch_embedder.embed(texts)
    q_o, q_t = int8_embedder.embed(queries), torch_embedder.embed(queries)
    top_o = np.argsort(-(q_o @ docs_o.T), axis=1)
    top_t = np.argsort(-(q_t @ docs_t.T), axis=1)
    assert list(top_o[:, 0]) == list(top_t[:, 0])
    for a, b in zip(top_o[:, :5], top_t[:, :5]):
        assert len(set(a) & set(b)) >= 4


@pytest.mark.slow
def test_exported_models_are_cached_and_reused(int8_embedder, onnx_cache):
    from assistant import onnx_embedding
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    path = int8_embedder.model_path
    assert path.parent == onnx_cache and path.is_file()
    fp32 = OnnxMiniLMEmbedder(cache_dir=onnx_cache)
    fp32.embed(["built now"])
    assert fp32.model_path.is_file() and fp32.model_path != path
    before = (onnx_embedding.build_count, path.stat().st_mtime_ns, fp32.model_path.stat().st_mtime_ns)
    again = OnnxMiniLMEmbedder(cache_dir=onnx_cache, precision="int8")
    v = again.embed(["The court ruled on fair use."])
    fp32.embed(["The court ruled on fair use."])
    assert again.model_path == path
    assert (onnx_embedding.build_count, path.stat().st_mtime_ns, fp32.model_path.stat().st_mtime_ns) == before
    assert v.shape == (1, 384)
    assert not list(onnx_cache.glob(".build-*")), "temporary build folders left behind"


@pytest.mark.slow
def test_index_built_with_torch_is_refused_by_the_int8_embedder(tmp_path, onnx_cache, torch_embedder):
    from assistant.facade import Assistant

    index = tmp_path / "index"
    r = Assistant(Settings(index_dir=index, embedder="minilm-torch"), embedder=torch_embedder).ingest(
        [str(CORPUS / "bartz-mini.md")])
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
