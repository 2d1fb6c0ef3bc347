"""Helpers shared by the reliability tests: running the CLI, generated corpora, and index comparisons."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
DATA = TESTS / "data"
CORPUS = DATA / "corpus"
BAD = DATA / "bad"
WRAPPER = Path(__file__).resolve().parent / "with_fake_embedder.py"

_WORDS = ("court ruling training data fair use licence copyright model output lyrics books settlement damages "
          "reservation tribunal appeal injunction dataset scraping publisher label studio artist photograph "
          "archive transformative market harm notice takedown").split()


def base_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: offline, no telemetry, plus `extra`."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


def cli_command(*args: str, fake: bool = True) -> list[str]:
    """argv for `assistant ARGS` (with the fake embedder unless fake=False)."""
    if fake:
        return [sys.executable, str(WRAPPER), "cli", *map(str, args)]
    return [sys.executable, "-m", "assistant", *map(str, args)]


def cli(*args: Any, fake: bool = True, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the CLI to completion and capture its output."""
    return subprocess.run(cli_command(*args, fake=fake), cwd=ROOT, env=base_env(**(env or {})), input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def cli_small_index(index: Path) -> Path:
    """Build an index of two small-corpus documents at `index` with the CLI and the fake embedder."""
    r = cli("ingest", CORPUS / "bartz-mini.md", CORPUS / "dsm-mini.md", "--index", index)
    assert r.returncode == 0, r.stderr
    return index


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 1, nothing on stdout, exactly one line on stderr starting 'Error:' and containing every needle."""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# -- generated corpora ----------------------------------------------------------------------------------------
def doc_text(i: int, version: int = 0, sections: int = 8, seed: int = 0) -> str:
    """A deterministic Markdown document with front matter and `sections` sections (one chunk each)."""
    rng = random.Random(f"{seed}-{i}-{version}")
    parts = []
    for s in range(sections):
        sents = " ".join(" ".join(rng.choice(_WORDS) for _ in range(12)).capitalize() + "." for _ in range(6))
        parts.append(f"## Section {s}\n\n{sents}\n")
    return (f"---\nid: doc-{i:03d}\ntitle: Generated document {i} (version {version})\ntype: case\n"
            f"jurisdiction: US\ndate: 2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n---\n"
            f"# Generated document {i}\n\n" + "\n".join(parts))


def write_corpus(folder: Path, n: int, versions: dict[int, int] | None = None, sections: int = 8) -> Path:
    """n generated documents in folder (document i at versions.get(i, 0)); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"doc-{i:03d}.md").write_text(doc_text(i, (versions or {}).get(i, 0), sections), encoding="utf-8")
    return folder


# -- opening and comparing indexes ------------------------------------------------------------------------------
def _forget_chroma(index_dir: Path) -> None:
    # Chroma caches one client system per path in the process; drop it so the next open reads the disk afresh
    # (another process may have written since). Other paths' systems (session fixtures) are left alone.
    from chromadb.api.client import SharedSystemClient

    for key in list(SharedSystemClient._identifier_to_system):
        if key == str(index_dir):
            system = SharedSystemClient._identifier_to_system.pop(key)
            SharedSystemClient._identifier_to_refcount.pop(key, None)
            with contextlib.suppress(Exception):
                system.stop()


@contextlib.contextmanager
def opened(index_dir: Path) -> Iterator[Any]:
    """A fresh Assistant (fake embedder) on an index written by another process; released afterwards."""
    from assistant.facade import Assistant
    from assistant.settings import Settings
    from conftest import FakeEmbedder

    index_dir = Path(index_dir)
    _forget_chroma(index_dir)
    try:
        yield Assistant(Settings(index_dir=index_dir), embedder=FakeEmbedder())
    finally:
        _forget_chroma(index_dir)


@dataclass
class Snapshot:
    """Everything that makes up an index's visible state."""

    registry: dict[str, dict[str, Any]]  # source id -> record metadata
    texts: dict[str, str]  # source id -> document text
    chunks: dict[str, tuple[str, dict[str, Any]]]  # chunk id -> (text, metadata)
    chunk_rows: int  # rows Chroma returned (equal to len(chunks) when no id is duplicated)
    vectors: dict[str, Any]
    bm25_ids: set[str]
    bm25_scores: dict[str, dict[str, float]]  # query -> chunk id -> score


BM25_QUERIES = ("fair use training data", "settlement damages court", "licence lyrics label", "notice takedown")


def snapshot(a: Any) -> Snapshot:
    """Read the registry, every chunk, their vectors and the BM25 side as a fresh process would serve them."""
    registry = {sid: dict(m) for sid, m in a.store.documents().items()}
    texts = {sid: (a.store.document(sid) or {}).get("text", "") for sid in registry}
    rows = list(a.store.iter_chunks())
    chunks = {cid: (text, dict(meta)) for cid, text, meta in rows}
    vectors = a.store.vectors(sorted(chunks)) if chunks else {}
    lex = a.retriever.lexical
    lex.refresh(force=True)
    bm25_ids = set(lex.ready)
    scores = {}
    for q in BM25_QUERIES:
        scores[q] = {cid: round(float(s), 5) for cid, s in lex.search(q, max(len(bm25_ids), 1))}
    return Snapshot(registry, texts, chunks, len(rows), vectors, bm25_ids, scores)


def ready_chunk_ids(s: Snapshot) -> set[str]:
    """Chunks of each document's ready version."""
    ready = {sid: m.get("hash") for sid, m in s.registry.items() if m.get("hash")}
    return {cid for cid, (_t, m) in s.chunks.items() if ready.get(m.get("source_id")) == m.get("doc_hash")}


def assert_served_consistently(s: Snapshot) -> None:
    """What an interrupted index may look like: every ready document complete, BM25 exactly the ready chunks."""
    assert s.chunk_rows == len(s.chunks), "duplicate chunk ids in Chroma"
    for sid, m in s.registry.items():
        if not m.get("hash"):
            continue  # never finished: not served
        positions = sorted(meta.get("position") for _t, meta in s.chunks.values()
                           if meta.get("source_id") == sid and meta.get("doc_hash") == m["hash"])
        assert positions == list(range(int(m["n_chunks"]))), f"{sid}: ready version served incomplete"
        assert s.texts[sid], f"{sid}: ready record without its text"
    ready = ready_chunk_ids(s)
    assert s.bm25_ids == ready, (f"BM25 side out of step: {len(s.bm25_ids - ready)} orphaned, "
                                 f"{len(ready - s.bm25_ids)} missing")


def assert_same_index(got: Snapshot, clean: Snapshot) -> None:
    """The index equals a clean build: same documents and hashes, same chunks (no leftovers), same BM25 side."""
    import numpy as np

    assert_served_consistently(got)
    assert not [sid for sid, m in got.registry.items() if m.get("pending")], "documents left pending"
    assert set(got.registry) == set(clean.registry), "document registries differ"
    keys = ("hash", "pending", "n_chunks", "title", "path", "doc_type", "date", "jurisdiction", "fm")
    for sid, m in clean.registry.items():
        assert {k: got.registry[sid].get(k) for k in keys} == {k: m.get(k) for k in keys}, sid
    assert got.texts == clean.texts
    assert set(got.chunks) == set(clean.chunks), (
        f"{len(set(got.chunks) - set(clean.chunks))} extra chunks, {len(set(clean.chunks) - set(got.chunks))} missing")
    assert got.chunks == clean.chunks, "chunk texts or metadata differ"
    for cid, v in clean.vectors.items():
        assert np.allclose(got.vectors[cid], v, atol=1e-6), cid
    assert got.bm25_ids == clean.bm25_ids
    for q, scores in clean.bm25_scores.items():
        other = got.bm25_scores[q]
        assert set(other) == set(scores), q
        assert all(abs(other[c] - s) < 1e-4 for c, s in scores.items()), q


# -- servers ----------------------------------------------------------------------------------------------------
def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a server process with its output going to a log file (a pipe nobody reads could fill and block it)."""
    with open(log, "w") as fh:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, text=True)


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    """Poll url until it answers (any status below 500); fail with the process's log if it dies first."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {timeout:.0f}s")
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server started by a test."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
