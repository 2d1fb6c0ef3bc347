"""Load test for the web chat: N concurrent users ask M questions in total through the /chat API (gradio_client).

    python scripts/load_test.py http://127.0.0.1:7860 --users 20 --questions 500     # against a running app
    python scripts/load_test.py --start --index index/ --users 20 --questions 500     # start `python app.py` first

Questions come from eval sets (default evals/core.yaml), shuffled with --seed and repeated as needed. Every answer
is checked: each [n] in the text must appear in its numbered "Sources:" list, and each quoted passage must be
verbatim in the cited document's text (read from the same index with the library, as `assistant sources show ID`).
Prints total, errors, refusals, p50/p95/p99 latency and throughput; exits 1 on any error, invalid citation or
question left unasked (the run is bounded by --max-seconds, and each request by --timeout).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_HEADER = re.compile(r"^\[(\d+)\] (.*) \(([^()]*), ([^(),]*)\)(?: - (.*))?$")
# A marker names one of at most 50 passages (Settings.k); "[2025] EWHC 2863" in a quoted sentence is not one.
_MARKER = re.compile(r"\[(\d{1,2})\]")


@dataclass
class Result:
    question: str
    seconds: float
    answer: str = ""
    error: str = ""
    user: int = 0


@dataclass
class Check:
    answers: int = 0
    refusals: int = 0
    citations: int = 0
    invalid: list[str] = field(default_factory=list)


def load_questions(paths: list[str]) -> list[str]:
    """Every question (single-turn cases and each turn of multi-turn cases) in the given eval sets."""
    import yaml

    out: list[str] = []
    for p in paths:
        data = yaml.safe_load(Path(p).read_text(encoding="utf-8")) or {}
        for case in data.get("cases") or []:
            if case.get("question"):
                out.append(str(case["question"]))
            for turn in case.get("turns") or []:
                if turn.get("question"):
                    out.append(str(turn["question"]))
    if not out:
        raise SystemExit(f"No questions found in {', '.join(paths)}")
    return out


def parse_answer(text: str) -> tuple[str, dict[int, tuple[str, str]]]:
    """(answer text, {n: (source_id, quote)}) from the /chat reply: text, then 'Sources:' and numbered entries."""
    body, sep, sources = text.partition("\n\nSources:\n")
    entries: dict[int, tuple[str, str]] = {}
    if sep:
        lines = sources.splitlines()
        for i, line in enumerate(lines):
            m = _HEADER.match(line)
            if not m:
                continue
            quote_line = lines[i + 1].strip() if i + 1 < len(lines) else ""
            quote = quote_line[1:-1] if len(quote_line) >= 2 and quote_line[0] == quote_line[-1] == '"' else ""
            entries[int(m.group(1))] = (m.group(3), quote)
    return body, entries


def flat(text: str) -> str:
    return " ".join(text.split())


def check_answers(results: list[Result], doc_text) -> Check:
    """Check every answer's markers against its source list and every quote against its document."""
    ck = Check()
    for r in results:
        if r.error:
            continue
        ck.answers += 1
        body, entries = parse_answer(r.answer)
        used = {int(n) for n in _MARKER.findall(body)}
        if not entries and not used:
            ck.refusals += 1
            continue
        for n in sorted(used - set(entries)):
            ck.invalid.append(f"{r.question!r}: [{n}] is not in the Sources list")
        for n in sorted(set(entries) - used):
            ck.invalid.append(f"{r.question!r}: source [{n}] is listed but never cited")
        for n, (sid, quote) in sorted(entries.items()):
            ck.citations += 1
            text = doc_text(sid)
            if text is None:
                ck.invalid.append(f"{r.question!r}: [{n}] cites '{sid}', which is not in the index")
            elif not quote or flat(quote) not in flat(text):
                ck.invalid.append(f"{r.question!r}: the quote of [{n}] is not verbatim in '{sid}': {quote[:80]!r}")
    return ck


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(index: Path, port: int, timeout: float, log: Path) -> subprocess.Popen:
    """Start `python app.py` on loopback with the given index; returns once it answers HTTP."""
    import httpx

    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": str(port),
           "ASSISTANT_HOST": "127.0.0.1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise SystemExit(f"app.py did not answer within {timeout:.0f}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)


def run_load(url: str, questions: list[str], users: int, timeout: float, max_seconds: float,
             auth: tuple[str, str] | None) -> tuple[list[Result], float, int]:
    """Ask the questions with `users` threads, one gradio_client each; returns (results, wall seconds, unasked)."""
    from gradio_client import Client

    todo: queue.Queue[str] = queue.Queue()
    for q in questions:
        todo.put(q)
    results: list[Result] = []
    lock = threading.Lock()
    clients = [Client(url, auth=auth, verbose=False) for _ in range(users)]
    start = threading.Barrier(users + 1)
    t0 = [0.0]

    def user(i: int) -> None:
        client = clients[i]
        start.wait()
        while time.monotonic() - t0[0] < max_seconds:
            try:
                q = todo.get_nowait()
            except queue.Empty:
                return
            t = time.perf_counter()
            try:
                answer = client.submit(q, api_name="/chat").result(timeout=timeout)
                r = Result(q, time.perf_counter() - t, answer=str(answer), user=i)
            except Exception as e:  # an error from the app or a timeout: counted, never fatal to the run
                r = Result(q, time.perf_counter() - t, error=f"{type(e).__name__}: {e}"[:300], user=i)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for th in threads:
        th.start()
    t0[0] = time.monotonic()
    start.wait()
    for th in threads:
        th.join(timeout=max_seconds + timeout + 30)
    wall = time.monotonic() - t0[0]
    return results, wall, todo.qsize()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", nargs="?", help="the running app, e.g. http://127.0.0.1:7860 (or use --start)")
    ap.add_argument("--start", action="store_true", help="start `python app.py` on a free loopback port")
    ap.add_argument("--index", default=os.environ.get("ASSISTANT_INDEX_DIR", "index"),
                    help="the app's index (documents for the quote check; the index --start serves)")
    ap.add_argument("--users", type=int, default=20, help="concurrent users (threads)")
    ap.add_argument("--questions", type=int, default=500, help="questions asked in total")
    ap.add_argument("--questions-file", action="append", default=None, metavar="YAML",
                    help="eval set(s) to take questions from (default evals/core.yaml)")
    ap.add_argument("--seed", type=int, default=8, help="shuffle seed")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per request")
    ap.add_argument("--max-seconds", type=float, default=1800.0, help="bound on the whole run")
    ap.add_argument("--startup-timeout", type=float, default=600.0, help="seconds for --start to come up")
    ap.add_argument("--auth", default=os.environ.get("ASSISTANT_AUTH"), help="user:password when auth is on")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    ap.add_argument("--log", default=None, help="where --start writes the app's output (default: a temp file, "
                                                 "kept only when the run fails)")
    args = ap.parse_args(argv)
    if not args.url and not args.start:
        ap.error("give the app's URL or --start")
    if args.users < 1 or args.questions < 1:
        ap.error("--users and --questions must be at least 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    pool = load_questions(args.questions_file or [str(ROOT / "evals" / "core.yaml")])
    rng = random.Random(args.seed)
    questions: list[str] = []
    while len(questions) < args.questions:
        batch = pool[:]
        rng.shuffle(batch)
        questions += batch
    questions = questions[:args.questions]
    auth = tuple(args.auth.split(":", 1)) if args.auth else None

    proc = None
    log = Path(args.log) if args.log else Path(tempfile.mkstemp(prefix="load-test-app-", suffix=".log")[1])
    url = args.url
    try:
        if args.start:
            port = free_port()
            t = time.monotonic()
            proc = start_app(Path(args.index), port, args.startup_timeout, log)
            url = f"http://127.0.0.1:{port}"
            print(f"started app.py on {url} in {time.monotonic() - t:.1f}s (log: {log})", flush=True)
        # one question first, not counted: the app loads its model on first use
        from gradio_client import Client

        t = time.perf_counter()
        Client(url, auth=auth, verbose=False).predict(questions[0], api_name="/chat")
        warm = time.perf_counter() - t
        print(f"warm-up question answered in {warm:.2f}s; {args.users} users asking {len(questions)} questions "
              f"({len(set(questions))} distinct) ...", flush=True)
        results, wall, unasked = run_load(url, questions, args.users, args.timeout, args.max_seconds, auth)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    from assistant.facade import Assistant
    from assistant.errors import AssistantError
    from assistant.settings import Settings

    lib = Assistant(Settings(index_dir=Path(args.index)))
    texts: dict[str, str | None] = {}

    def doc_text(sid: str) -> str | None:
        if sid not in texts:
            try:
                texts[sid] = lib.source(sid).text
            except AssistantError:
                texts[sid] = None
        return texts[sid]

    ck = check_answers(results, doc_text)
    errors = [r for r in results if r.error]
    lat = sorted(r.seconds for r in results if not r.error)
    figures = {
        "users": args.users, "questions": len(questions), "completed": len(results) - len(errors),
        "errors": len(errors), "unasked": unasked, "refusals": ck.refusals, "citations_checked": ck.citations,
        "invalid_citations": len(ck.invalid), "wall_seconds": round(wall, 2),
        "throughput_qps": round((len(results) - len(errors)) / wall, 2) if wall else 0.0,
        "p50": round(percentile(lat, 50), 3), "p95": round(percentile(lat, 95), 3),
        "p99": round(percentile(lat, 99), 3), "max": round(lat[-1], 3) if lat else 0.0,
        "warmup_seconds": round(warm, 2),
    }
    print(f"total {len(questions)} questions, {args.users} users, {wall:.1f}s wall")
    print(f"completed {figures['completed']}, errors {len(errors)}, unasked {unasked}, refusals {ck.refusals}")
    print(f"latency p50 {figures['p50']:.3f}s  p95 {figures['p95']:.3f}s  p99 {figures['p99']:.3f}s  "
          f"max {figures['max']:.3f}s")
    print(f"throughput {figures['throughput_qps']:.2f} questions/s")
    print(f"citations: {ck.citations} checked in {ck.answers - ck.refusals} cited answers, {len(ck.invalid)} invalid")
    for r in errors[:5]:
        print(f"  error: {r.question[:60]!r}: {r.error}")
    for msg in ck.invalid[:5]:
        print(f"  invalid: {msg}")
    if args.json:
        print(json.dumps(figures))
    ok = not errors and not ck.invalid and not unasked
    if args.start and not args.log:
        if ok:
            log.unlink(missing_ok=True)
        else:
            print(f"app log kept at {log}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
