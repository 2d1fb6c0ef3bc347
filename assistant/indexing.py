"""ingest(): load -> chunk -> embed -> store, skipping unchanged documents; returns a report."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import numpy as np

from .chunking import chunk_document
from .errors import AssistantError, IndexAccessError, IndexLockedError, LoadError
from .loaders import load_path, load_url, supported_suffix
from .types import Chunk, SourceDoc

if TYPE_CHECKING:
    from .answering import Assistant


@dataclass
class IngestReport:
    """What an ingest did, per document."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def summary(self) -> str:
        """One line: added / updated / unchanged / failed."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.failed)} failed; {self.chunks} chunks embedded in {self.seconds:.1f}s")

    def to_json(self) -> dict:
        """Machine-readable form."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "failed": [{"path": p, "error": e} for p, e in self.failed], "chunks": self.chunks,
                "seconds": round(self.seconds, 3)}


def expand(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None]]:
    """Yield (file or URL, root folder) for every supported file under the given paths; URLs pass through.

    A file reached twice (named twice, or through two folders) is yielded once.
    """
    seen: set[tuple[int, int]] = set()
    for p in paths:
        s = str(p)
        if s.startswith(("http://", "https://")):
            yield s, None
            continue
        path = Path(s)
        if path.is_dir():
            # followlinks=False: a symlink loop in an ingested folder cannot recurse forever
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    f = Path(dirpath) / name
                    if name.startswith(".") or not supported_suffix(f):
                        continue
                    try:
                        st = f.stat()
                    except OSError:
                        yield str(f), path  # reported as unreadable by the loader
                        continue
                    if (st.st_dev, st.st_ino) in seen:
                        continue
                    seen.add((st.st_dev, st.st_ino))
                    yield str(f), path
        else:
            try:
                st = path.stat()
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
            except OSError:
                pass  # missing or a broken link: reported by the caller or the loader
            yield s, path.parent if path.parent != Path("") else Path(".")


@contextlib.contextmanager
def index_lock(index_dir: Path, wait: float = 600.0, notify: Callable[[str], None] | None = None):
    """An exclusive lock on the index dir so two ingests never interleave; waits, then fails clearly."""
    index_dir = Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(index_dir / ".ingest.lock", "a+")
    except OSError as e:
        raise IndexAccessError(f"Cannot write to the index directory {index_dir}: {e.strerror or e}") from None
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexLockedError(
                        f"Another ingest is writing to {index_dir} and did not finish within {wait:.0f}s; "
                        "try again when it is done"
                    ) from None
                if not told and notify:
                    notify(f"Waiting for another ingest into {index_dir} to finish...")
                    told = True
                time.sleep(0.2)
        yield
    finally:
        fh.close()


class _Progress:
    """Ingest progress counted in chunks embedded. The total is the chunks found so far plus, for the files not read
    yet, their average so far: the figure moves with the embedding work instead of jumping file by file."""

    def __init__(self, files: int, callback: Callable[[int, int, str], None] | None, bar=None):
        self.files, self.callback, self.bar = files, callback, bar
        self.read = self.found = self.done = 0

    def file_read(self, chunks: int, name: str) -> None:
        self.read += 1
        self.found += chunks
        self._report(name)

    def embedded(self, chunks: int, name: str) -> None:
        self.done += chunks
        self._report(name)

    def total(self) -> int:
        rest = self.files - self.read
        estimate = self.found + (self.found / self.read * rest if self.read else 0)
        return max(int(round(estimate)), self.done)

    def _report(self, name: str) -> None:
        total = self.total()
        if self.callback:
            self.callback(self.done, total, name)
        if self.bar is not None:
            self.bar.total, self.bar.n = total, self.done
            self.bar.refresh()


def ingest(assistant: "Assistant", paths: Iterable[str | Path | SourceDoc], rebuild: bool = False,
           progress: Callable[[int, int, str], None] | None = None, show_bar: bool | None = None,
           notify: Callable[[str], None] | None = None) -> IngestReport:
    """Add or update the given files, folders and URLs in the index; bad files are reported and skipped.

    A SourceDoc (already loaded, e.g. an upload whose metadata the user corrected) is indexed as it is.
    `progress(chunks embedded, chunks in all (estimated until every file is read), file)` is called as the work
    moves; `show_bar` draws the same figures on stderr (default: when stderr is a terminal).
    """
    t_start = time.perf_counter()
    settings = assistant.settings
    report = IngestReport()
    paths = list(paths)
    loaded = [p for p in paths if isinstance(p, SourceDoc)]
    paths = [str(p) for p in paths if not isinstance(p, SourceDoc)]
    for s in paths:
        if not s.startswith(("http://", "https://")) and not Path(s).exists() and not Path(s).is_symlink():
            report.failed.append((s, f"No such file or folder: {s}"))
    items: list[tuple[str | SourceDoc, Path | None]] = [
        (s, r) for s, r in expand(p for p in paths if p.startswith(("http://", "https://"))
                                  or Path(p).exists() or Path(p).is_symlink())]
    items += [(doc, None) for doc in loaded]
    lock_dir = settings.index_dir if not settings.chroma_host else Path(settings.index_dir)
    with index_lock(lock_dir, notify=notify):
        store, retriever = assistant.store, assistant.retriever
        if rebuild:
            store.reset()
        store.collections(create=True)
        marker = interrupted_marker(settings.index_dir)
        if marker.exists():
            store.sweep()  # the last write was cut short: drop chunks no document version owns
        _touch(marker)
        retriever.refresh(force=True)
        registry = dict(retriever.docs)
        seen_ids: dict[str, str] = {}
        bar = None
        if show_bar is None:
            show_bar = sys.stderr.isatty()
        if show_bar:
            from tqdm import tqdm

            bar = tqdm(total=0, unit="chunk", desc="Embedding", file=sys.stderr)
        tracker = _Progress(len(items), progress, bar)
        step = max(2 * settings.embed_batch_size, 64)  # chunks embedded between progress reports
        batch: list[tuple[SourceDoc, list[Chunk], bool]] = []
        batch_chunks = 0

        def flush() -> None:
            nonlocal batch, batch_chunks
            if not batch:
                return
            texts = [c.embed_text() for _d, cs, _u in batch for c in cs]
            t0 = time.perf_counter()
            parts = []
            for i in range(0, len(texts), step):
                parts.append(assistant.embedder.embed(texts[i:i + step]))
                tracker.embedded(len(parts[-1]), batch[-1][0].path or batch[-1][0].source_id)
            vecs = np.concatenate(parts) if len(parts) > 1 else parts[0]
            report.embed_seconds += time.perf_counter() - t0
            try:
                store.mark_pending([(d, registry.get(d.source_id)) for d, _cs, _u in batch])
                store.put_chunks([(d, cs) for d, cs, _u in batch], vecs)
                store.commit_documents([(d, len(cs)) for d, cs, _u in batch])
            except AssistantError:
                raise
            except Exception as e:
                names = ", ".join(d.path for d, _cs, _u in batch[:3])
                raise IndexAccessError(_write_failure(settings.index_dir, store.location, names, e)) from None
            for doc, cs, updated in batch:
                meta = store._doc_meta(doc, len(cs), ready_hash=doc.content_hash)
                retriever.document_written(doc.source_id, cs, meta)
                registry[doc.source_id] = meta
                (report.updated if updated else report.added).append(doc.source_id)
                report.chunks += len(cs)
            batch, batch_chunks = [], 0

        for name, root in items:
            counted = False
            try:
                if isinstance(name, SourceDoc):
                    doc, name = name, name.path or name.source_id
                elif name.startswith(("http://", "https://")):
                    doc = load_url(name, max_mb=settings.max_file_mb)
                else:
                    doc = load_path(Path(name), root=root, max_mb=settings.max_file_mb)
                if doc.source_id in seen_ids:
                    raise LoadError(
                        f"{name}: id '{doc.source_id}' is already used by {seen_ids[doc.source_id]} in this batch; "
                        "give one of them another id"
                    )
                seen_ids[doc.source_id] = name
                old = registry.get(doc.source_id)
                if old and old.get("hash") == doc.content_hash and not old.get("pending"):
                    report.unchanged.append(doc.source_id)
                    if doc.path and old.get("path") != doc.path:
                        store.update_path(doc.source_id, doc.path, old)
                else:
                    chunks = chunk_document(doc, settings.max_chunk_chars)
                    if not chunks:
                        raise LoadError(f"{name}: no text to index after parsing")
                    batch.append((doc, chunks, bool(old and old.get("hash"))))
                    batch_chunks += len(chunks)
                    tracker.file_read(len(chunks), str(name))
                    counted = True
                    if batch_chunks >= 512:
                        flush()
            except LoadError as e:
                report.failed.append((name, str(e)))
            if not counted:
                tracker.file_read(0, str(name))
        flush()
        retriever.save_cache()
        marker.unlink(missing_ok=True)
        if bar:
            bar.close()
    report.seconds = time.perf_counter() - t_start
    return report


def interrupted_marker(index_dir: str | Path) -> Path:
    """The file that exists while an ingest or removal is writing; finding it means the last one was cut short."""
    return Path(index_dir) / ".ingest-interrupted"


def _touch(path: Path) -> None:
    try:
        path.touch()
    except OSError as e:
        raise IndexAccessError(f"Cannot write to the index directory {path.parent}: {e.strerror or e}") from None


def _write_failure(index_dir: Path, location: str, names: str, e: Exception) -> str:
    """A write error that says when the disk is full, rather than Chroma's internal wording."""
    import errno
    import shutil

    text = str(e)
    try:
        free = shutil.disk_usage(index_dir).free
    except OSError:
        free = None
    full = (isinstance(e, OSError) and e.errno == errno.ENOSPC) or "full" in text.lower() or (
        free is not None and free < 16 * 1024 * 1024)
    if full:
        shown = f" ({free // 1024} KB free)" if free is not None else ""
        return (f"The disk holding {index_dir} is full{shown}: free some space and run the same command again "
                f"(nothing half-written is served)")
    return f"Writing {names} to the index at {location} failed: {type(e).__name__}: {text[:200]}"
