"""Shared fixtures: every test gets its own index dir; fakes that behave like the real embedder."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.settings import Settings
from assistant.text import content_words

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
ROOT = Path(__file__).parent.parent

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


class FakeEmbedder:
    """Hashed bag of stemmed words: texts sharing words get close vectors, different texts differ.

    Like the real model it returns unit float32 vectors of a fixed dimension; unlike it, it is instant.
    """

    model_id = "fake/hashed-words"
    dim = 64

    def __init__(self):
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts):
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in content_words(t) or ["<empty>"]:
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 8) & 1 else -1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
        return out


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Point every index path at tmp_path so tests never touch the real index/."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    for var in ("ASSISTANT_CHROMA_HOST", "ASSISTANT_LLM", "ASSISTANT_AUTH"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(index_dir=tmp_path / "index")


@pytest.fixture
def fake_assistant(settings):
    from assistant.facade import Assistant

    return Assistant(settings, embedder=FakeEmbedder())


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the small test corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Path:
    """The small corpus indexed once with the real model and real Chroma (read-only for tests)."""
    from assistant.facade import Assistant

    d = tmp_path_factory.mktemp("real") / "index"
    a = Assistant(Settings(index_dir=d))
    report = a.ingest([str(CORPUS)])
    assert not report.failed, report.failed
    return d


@pytest.fixture(scope="session")
def real_assistant(real_index):
    from assistant.facade import Assistant

    return Assistant(Settings(index_dir=real_index))
