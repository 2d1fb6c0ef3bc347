"""Benchmark: prints figures (ingest throughput against the raw embedder, re-ingest, per-stage ask latency,
cold start, memory, and peers on the same chunks). A script that measures, not a test that asserts.

    python -m assistant.bench                      # starter corpus + 1k and 10k chunks (real model), peers
    python -m assistant.bench --sizes 1000 --quick # a fast run
    python -m assistant.bench --sizes 1000,10000,100000

Synthetic corpora: the starter corpus plus generated legal-style documents (seeded templates: parties, courts,
dates, amounts, rulings; the same seven sections as the corpus) until the chunk count is reached. At sizes above
--real-max chunks, vectors come from a hashed stand-in embedder of the same dimension (384): embedding 100k chunks
with the real model would take over an hour on 2 cores. Those runs measure re-ingest, query latency and memory,
not embedding throughput; their `embed query` stage is the real model's, measured separately.
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


def write_synthetic(folder: Path, n_docs: int, seed: int = 7) -> None:
    """n_docs Markdown documents of seven sections (~7 chunks each), deterministic for a seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        a, b = _party(rng), _party(rng)
        body = [f"# {a} v. {b} (synthetic {i})", ""]
        for sec in SECTIONS:
            body += [f"## {sec}", "", " ".join(_sentence(rng, a, b) for _ in range(rng.randint(4, 7))), ""]
        fm = (f"---\nid: syn-{i:06d}\ntitle: \"{a} v. {b} (synthetic {i})\"\ntype: case\n"
              f"jurisdiction: {rng.choice(['US', 'UK', 'DE', 'IN', 'JP'])}\ndate: {_date(rng)}\n"
              f"sources: [https://example.org/synthetic/{i}]\n---\n")
        (folder / f"syn-{i:06d}.md").write_text(fm + "\n".join(body), encoding="utf-8")


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
    a.embedder.embed(["warm up"])
    ready = time.perf_counter() - t0
    qs = _questions(args.questions)
    for q in qs[:5]:
        a.ask(q)
    stages: dict[str, list[float]] = {}
    for q in qs:
        ans = a.ask(q, retriever=args.retriever)
        for k, v in ans.timings.items():
            stages.setdefault(k, []).append(v * 1000)
    pct = {k: _percentiles(v) for k, v in stages.items()}
    return {"open_seconds": ready, "stages_ms": pct, "peak_rss_mb": _peak_rss_mb(), "questions": len(qs)}


def _percentiles(v: list[float]) -> dict[str, float]:
    s = sorted(v)

    def p(q: float) -> float:
        return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]

    return {"p50": p(0.50), "p95": p(0.95), "p99": p(0.99), "mean": statistics.fmean(s)}


def child_peers(args) -> dict:
    """LlamaIndex's default pipeline and a BM25-only retriever against ours, on the same corpus and eval set."""
    import yaml
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.node_parser import SentenceSplitter

    from .loaders import load_path

    a = _assistant(Path(args.index), False)
    a.retriever.refresh(force=True)
    emb = a.embedder
    emb.embed(["warm up"])

    class SameEmbedder(BaseEmbedding):
        def _get_query_embedding(self, query):
            return emb.embed([query])[0].tolist()

        def _get_text_embedding(self, text):
            return emb.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts):
            return emb.embed(texts).tolist()

        async def _aget_query_embedding(self, query):
            return self._get_query_embedding(query)

    folder = Path(args.folder)
    docs = []
    for f in sorted(folder.rglob("*.md")):
        d = load_path(f, folder)
        docs.append(Document(text=d.text, metadata={"source_id": d.source_id, "title": d.title}))
    t0 = time.perf_counter()
    nodes = SentenceSplitter().get_nodes_from_documents(docs)
    index = VectorStoreIndex(nodes, embed_model=SameEmbedder(embed_batch_size=64))
    li_ingest = time.perf_counter() - t0
    retr = index.as_retriever(similarity_top_k=5)

    data = yaml.safe_load((ROOT / "evals" / "core.yaml").read_text(encoding="utf-8"))
    cases = [(c["question"], c["expected_sources"]) for c in data["cases"]
             if c.get("question") and c.get("expected_sources")]

    def score(search) -> dict:
        h1 = h5 = 0
        lat = []
        for q, exp in cases:
            t = time.perf_counter()
            ranked = list(dict.fromkeys(search(q)))
            lat.append((time.perf_counter() - t) * 1000)
            h1 += bool(ranked[:1] and ranked[0] in exp)
            h5 += any(s in exp for s in ranked[:5])
        return {"hit_at_1": h1 / len(cases), "hit_at_5": h5 / len(cases), **_percentiles(lat)}

    out = {"cases": len(cases), "llamaindex": score(lambda q: [n.node.metadata["source_id"] for n in retr.retrieve(q)]),
           "llamaindex_ingest": {"nodes": len(nodes), "seconds": li_ingest, "chunks_per_s": len(nodes) / li_ingest}}
    for mode in ("bm25", "dense", "hybrid"):
        out[f"ours_{mode}"] = score(lambda q, m=mode: [h.chunk.source_id for h in a.retriever.search(q, k=5, mode=m)])
    return out


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
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="Chunk counts of the synthetic corpora.")
    ap.add_argument("--real-max", type=int, default=10000, help="Largest size embedded with the real model.")
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
    if args.child:
        fn = {"ingest": child_ingest, "serve": child_serve, "peers": child_peers}[args.child]
        print(json.dumps(fn(args)))
        return

    questions = 40 if args.quick else args.questions
    results: dict = {"machine": machine(), "runs": []}
    print(f"# Benchmark on {results['machine']}\n")
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    try:
        starter = work / "starter"
        shutil.copytree(ROOT / "sources", starter)
        runs = [("starter corpus", starter, False)]
        for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
            folder = work / f"c{size}"
            shutil.copytree(ROOT / "sources", folder)
            # ~7.6 chunks per synthetic document at the default chunk size
            write_synthetic(folder / "synthetic", max(0, int((size - 530) / 7.6)))
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
    print(f"| open index (registry + BM25) | {srv['open_seconds']:.2f} s |")
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
    print("| pipeline | source hit@1 | hit@5 | query p50 ms | p95 ms |\n|---|---|---|---|---|")
    names = {"llamaindex": "LlamaIndex default (SentenceSplitter + VectorStoreIndex, same embedder)",
             "ours_bm25": "BM25 only (ours)", "ours_dense": "dense only (ours, Chroma)", "ours_hybrid": "ours (hybrid)"}
    for key, name in names.items():
        v = p[key]
        print(f"| {name} | {v['hit_at_1']:.3f} | {v['hit_at_5']:.3f} | {v['p50']:.1f} | {v['p95']:.1f} |")
    li = p["llamaindex_ingest"]
    print(f"\nLlamaIndex default ingest: {li['nodes']} nodes in {li['seconds']:.1f} s ({li['chunks_per_s']:.1f} nodes/s)\n")


if __name__ == "__main__":
    main()
