"""Torch vs ONNX int8 embedder, side by side: throughput on the same chunks in the same process, and agreement.

    .venv/bin/python evals/onnx_bench.py                  # sources/*.md, 2 rounds
    .venv/bin/python evals/onnx_bench.py --rounds 3 --folder tests/data/corpus

Prints chunks/s for each embedder per round (the order alternates between rounds, so neither always runs on a
cold cache), their ratio, and the cosine between the two embedders' vectors of every chunk. Retrieval quality on
the eval set is measured with the CLI (see the README): ASSISTANT_EMBEDDER=minilm-onnx-int8 assistant ingest ...
then assistant eval evals/core.yaml --index DIR.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folder", default=str(ROOT / "sources"))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args(argv)

    import numpy as np
    import torch

    from assistant.chunking import chunk_document
    from assistant.embedding import MiniLMEmbedder
    from assistant.loaders import load_path
    from assistant.onnx_embedding import OnnxMiniLMEmbedder

    folder = Path(args.folder)
    chunks = [c for f in sorted(folder.glob("*.md")) for c in chunk_document(load_path(f, folder))]
    texts = [c.embed_text() for c in chunks]
    print(f"{len(texts)} chunks from {len(list(folder.glob('*.md')))} files in {folder}; "
          f"{os.cpu_count()} CPUs; torch threads {torch.get_num_threads()}; batch {args.batch_size}")

    torch_e = MiniLMEmbedder(args.batch_size)
    onnx_e = OnnxMiniLMEmbedder(args.batch_size)
    t0 = time.perf_counter()
    onnx_e.embed(["warm up"])
    print(f"onnx model ready in {time.perf_counter() - t0:.1f} s ({onnx_e.model_path})")
    torch_e.embed(["warm up"])

    vecs = {}
    for r in range(args.rounds):
        order = [("torch", torch_e), ("onnx-int8", onnx_e)]
        if r % 2:
            order.reverse()
        rates = {}
        for name, e in order:
            t0 = time.perf_counter()
            vecs[name] = e.embed(texts)
            rates[name] = len(texts) / (time.perf_counter() - t0)
        print(f"round {r + 1}: torch {rates['torch']:.1f} chunks/s | onnx-int8 {rates['onnx-int8']:.1f} chunks/s | "
              f"speed-up x{rates['onnx-int8'] / rates['torch']:.2f}")
    cos = (vecs["torch"] * vecs["onnx-int8"]).sum(axis=1)
    print(f"cosine torch vs onnx-int8 per chunk: min {cos.min():.4f} mean {cos.mean():.4f} "
          f"p01 {np.quantile(cos, 0.01):.4f}")


if __name__ == "__main__":
    main()
