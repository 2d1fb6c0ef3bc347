"""Run the CLI or the web app with the tests' FakeEmbedder, so fault tests need no model (tests only).

    python tests/reliability/with_fake_embedder.py cli ingest DIR --index IDX   # = python -m assistant ...
    python tests/reliability/with_fake_embedder.py app                          # = python app.py

The library stays free of test hooks: this script swaps `default_embedder` before the CLI or app starts.

RELIABILITY_KILL_AT="STEP:N" makes the process SIGKILL itself the N-th time a write reaches STEP of the write
protocol in store.py (a write is one document or one batch), so every gap between its steps can be hit on purpose:
  after_pending  after step 1 (record marked pending)      after_chunks  after step 2 (chunks upserted)
  before_delete  after step 3 (record ready), before step 4 (old chunks deleted)
  after_commit   after step 4
RELIABILITY_PAUSE_AT="STEP:N" instead prints "RELIABILITY paused" on stderr there and waits (holding the index
lock) until the file named by RELIABILITY_RESUME_FILE exists, so a test can start a second ingest meanwhile.
RELIABILITY_SIGNAL_WRITES=1 prints "RELIABILITY writing" on stderr when the first document write starts.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
sys.path[:0] = [str(ROOT), str(TESTS)]


def _install_fake_embedder() -> None:
    import assistant.facade
    import assistant.embedding
    from conftest import FakeEmbedder

    shared = FakeEmbedder()

    def default_embedder(batch_size: int = 64, *_name_and_cache, **_kw) -> FakeEmbedder:
        return shared

    assistant.embedding.default_embedder = default_embedder
    assistant.facade.default_embedder = default_embedder


def _install_kill_hooks() -> None:
    kill = os.environ.get("RELIABILITY_KILL_AT", "")
    pause = os.environ.get("RELIABILITY_PAUSE_AT", "")
    signal_writes = os.environ.get("RELIABILITY_SIGNAL_WRITES") == "1"
    if not kill and not pause and not signal_writes:
        return
    from assistant.store import Store

    step, _, n = (kill or pause).partition(":")
    target = int(n or 1)
    counts: dict[str, int] = {}
    started = [False]

    def reached(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1
        if name != step or counts[name] != target:
            return
        if kill:
            os.kill(os.getpid(), signal.SIGKILL)
        print("RELIABILITY paused", file=sys.stderr, flush=True)
        resume = Path(os.environ["RELIABILITY_RESUME_FILE"])
        deadline = time.monotonic() + 120
        while not resume.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def wrap(method_name: str, after: str | None):
        original = getattr(Store, method_name)

        def wrapper(self, *a, **kw):
            if signal_writes and not started[0]:
                started[0] = True
                print("RELIABILITY writing", file=sys.stderr, flush=True)
            out = original(self, *a, **kw)
            if after:
                reached(after)
            return out

        setattr(Store, method_name, wrapper)

    # store.py writes one document or a batch of them per call (commit_document / commit_documents): either way
    # the hooks sit between the protocol's steps, and N counts calls.
    for method_name, after in (("mark_pending", "after_pending"), ("put_chunks", "after_chunks"),
                               ("commit_documents", "after_commit"), ("commit_document", "after_commit")):
        if hasattr(Store, method_name):
            wrap(method_name, after)
    if step == "before_delete":
        from chromadb.api.models.Collection import Collection

        original_delete = Collection.delete

        def delete(self, *a, **kw):
            reached("before_delete")
            return original_delete(self, *a, **kw)

        Collection.delete = delete


def main() -> None:
    what, args = sys.argv[1], sys.argv[2:]
    _install_fake_embedder()
    _install_kill_hooks()
    if what == "cli":
        from assistant.cli import main as cli_main

        cli_main(args=args, prog_name="assistant")
    elif what == "app":
        import runpy

        sys.argv = [str(ROOT / "app.py"), *args]
        runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
    else:
        raise SystemExit(f"usage: {sys.argv[0]} cli ARGS... | app")


if __name__ == "__main__":
    main()
