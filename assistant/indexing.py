"""ingest(): load -> chunk -> embed -> store, skipping unchanged documents; returns a report."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import composer
from .chunking import chunk_document
from .embedding import Embedder
from .errors import AssistantError, IndexAccessError, IndexLockedError, InvalidInputError, LoadError
from .loaders import load_path, load_url, special_kind, supported_suffix
from .lexical import LexicalIndex
from .sentence_vectors import SentenceVectors
from .settings import Settings
from .store import Store
from .types import Chunk, SourceDoc



@dataclass
class IngestReport:
    """What an ingest did, per document; `skipped` holds paths left out on purpose (special files, links that
    leave the folder, unsupported types), `failed` those that could not be read or indexed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # ids taken over from a document of another origin
    chunks: int = 0
    sentences: int = 0  # quotable sentences embedded (assistant/sentence_vectors.py)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def summary(self) -> str:
        """One line: added / updated / unchanged / failed / skipped."""
        replaced = f" ({len(self.replaced)} replacing another origin's document)" if self.replaced else ""
        return (f"{len(self.added)} added, {len(self.updated)} updated{replaced}, {len(self.unchanged)} unchanged, "
                f"{len(self.failed)} failed, {len(self.skipped)} skipped; {self.chunks} chunks embedded in "
                f"{self.seconds:.1f}s")

    def to_json(self) -> dict:
        """Machine-readable form."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "failed": [{"path": p, "error": e} for p, e in self.failed],
                "skipped": [{"path": p, "reason": r} for p, r in self.skipped], "replaced": self.replaced,
                "chunks": self.chunks, "seconds": round(self.seconds, 3)}


# -- which files: regular files only; links that leave the folder only when asked ---------------------------------
ORIGINS = ("corpus", "cli", "upload", "url")
FOLLOW_HINT = "pass --follow-links (library: follow_links=True) to ingest it"


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def _path_error(path: str, e: OSError, what: str = "") -> str:
    import errno

    where = f"{what} {path}" if what else path
    if e.errno == errno.ENAMETOOLONG:
        try:
            limit = os.pathconf("/", "PC_PATH_MAX")
        except (OSError, ValueError):
            limit = 4096
        return (f"Cannot read {where}: the path is {len(os.fsencode(path)):,} bytes long, over the system's "
                f"{limit:,}-byte limit (move it higher up the folder tree)")
    return f"Cannot read {where}: {e.strerror or e}"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


@dataclass
class Selection:
    """The files and URLs an ingest reads, with what it leaves out and why."""

    items: list[tuple[str, Path | None]] = field(default_factory=list)  # (file or URL, root folder)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def select(paths: Iterable[str | Path], follow_links: bool = False) -> Selection:
    """The regular files with a supported extension under the given paths (URLs pass through).

    Inside a folder, a link to a file is followed only when its target stays in that folder (or with
    follow_links), and links to folders only with follow_links; FIFOs, devices and sockets are never read. A file
    named directly is read even through a link (naming it is the choice), but only if it is a regular file. Each
    path left out is reported with its reason; a folder that cannot be listed (a path too long for the system,
    no permission) is a failure. A file reached twice (named twice, or through two folders) is read once.
    Hidden files and folders are ignored."""
    import stat

    out = Selection()
    seen: set[tuple[int, int]] = set()

    def consider(f: Path, root: Path, named: bool) -> None:
        s = str(f)
        try:
            link = f.is_symlink()
            st = f.stat()
        except OSError as e:
            out.failed.append((s, _path_error(s, e)))
            return
        if not stat.S_ISREG(st.st_mode):
            out.skipped.append((s, f"{s} is {special_kind(st.st_mode)}, not a regular file: only regular files "
                                   "are ingested"))
            return
        if link and not named and not follow_links:
            target = f.resolve()
            if not _inside(target, root.resolve()):
                out.skipped.append((s, f"{s} is a link to {target}, outside {root}: not followed; {FOLLOW_HINT}"))
                return
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        out.items.append((s, root))

    for p in paths:
        s = str(p)
        if _is_url(s):
            out.items.append((s, None))
            continue
        path = Path(s)
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists() or path.is_symlink()
        except OSError as e:  # a name too long for the system, say
            out.failed.append((s, _path_error(s, e)))
            continue
        if not exists:
            out.failed.append((s, f"No such file or folder: {s}"))
            continue
        if not is_dir:
            consider(path, path.parent if path.parent != Path("") else Path("."), named=True)
            continue
        visited: set[tuple[int, int]] = set()

        def walk_error(e: OSError, root: Path = path) -> None:
            name = str(e.filename or root)
            out.failed.append((name, _path_error(name, e, "folder")))

        # links to folders are walked only with follow_links; `visited` keeps a loop of them from recursing forever
        for dirpath, dirnames, filenames in os.walk(path, followlinks=follow_links, onerror=walk_error):
            try:
                here = os.stat(dirpath)
                visited.add((here.st_dev, here.st_ino))
            except OSError:
                pass
            keep = []
            for d in sorted(dirnames):
                full = Path(dirpath) / d
                if d.startswith("."):
                    continue
                try:
                    linked = full.is_symlink()
                except OSError as e:  # a path too long for the system
                    out.failed.append((str(full), _path_error(str(full), e, "folder")))
                    continue
                if linked:
                    if not follow_links:
                        out.skipped.append((str(full), f"{full} is a link to a folder: not followed; "
                                                       f"{FOLLOW_HINT.replace('ingest it', 'follow it')}"))
                        continue
                    try:
                        st = full.stat()
                    except OSError as e:
                        out.failed.append((str(full), _path_error(str(full), e, "folder")))
                        continue
                    if (st.st_dev, st.st_ino) in visited:
                        continue  # a loop, or a folder already read
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                f = Path(dirpath) / name
                if name.startswith("."):
                    continue
                if not supported_suffix(f):
                    out.skipped.append((str(f), f"{f}: unsupported file type '{f.suffix.lower() or '(none)'}'"))
                    continue
                consider(f, path, named=False)
    return out


def expand(paths: Iterable[str | Path], follow_links: bool = False) -> Iterator[tuple[str, Path | None]]:
    """Yield (file or URL, root folder) for every file select() would read."""
    yield from select(paths, follow_links).items


def origin_for(item: str, origin: str, settings) -> str:
    """The origin recorded for one ingested item: 'url' for a web address, 'upload' when the caller says so,
    'corpus' when the caller says so or for a file under settings.sources_dir (the shipped corpus `make run`
    builds the index from), else 'cli'."""
    if _is_url(item):
        return "url"
    if origin in ("upload", "corpus"):
        return origin
    try:
        under = _inside(Path(item).resolve(), Path(settings.sources_dir).resolve())
    except (OSError, RuntimeError):
        under = False
    return "corpus" if under else origin


def record_origin(rec: dict | None, settings) -> str:
    """The origin of a registry record; a record written before origins were kept gets the one its id and path
    imply."""
    rec = rec or {}
    if rec.get("origin"):
        return str(rec["origin"])
    sid, path = str(rec.get("source_id", "")), str(rec.get("path", ""))
    if sid.startswith("web/") or _is_url(path):
        return "url"
    if path:
        p = Path(path).resolve()
        if _inside(p, (Path(settings.index_dir) / "uploads").resolve()):
            return "upload"
        if _inside(p, Path(settings.sources_dir).resolve()):
            return "corpus"
    return "cli"


def upload_id(source_id: str) -> str:
    """An upload's id in its own namespace: 'bartz-v-anthropic' -> 'upload/bartz-v-anthropic'."""
    import re

    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", source_id.removeprefix("upload/")).strip("-.") or "document"
    return f"upload/{slug[:150]}"


@contextlib.contextmanager
def index_lock(index_dir: Path, wait: float = 600.0, notify: Callable[[str], None] | None = None):
    """An exclusive lock on the index dir so two ingests never interleave; waits, then fails clearly. (filelock:
    an OS lock released when the process dies, on every platform.)"""
    from filelock import FileLock, Timeout

    index_dir = Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(index_dir / ".ingest.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if notify:
                notify(f"Waiting for another ingest into {index_dir} to finish...")
            lock.acquire(timeout=wait)
    except Timeout:
        raise IndexLockedError(f"Another ingest is writing to {index_dir} and did not finish within {wait:.0f}s; "
                               "try again when it is done") from None
    except OSError as e:
        raise IndexAccessError(f"Cannot write to the index directory {index_dir}: {e.strerror or e}") from None
    try:
        yield
    finally:
        lock.release()


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


def ingest(paths: Iterable[str | Path | SourceDoc], *, store: Store, embedder: Embedder, lexical: LexicalIndex,
           sentences: SentenceVectors, settings: Settings, rebuild: bool = False,
           progress: Callable[[int, int, str], None] | None = None, show_bar: bool | None = None,
           notify: Callable[[str], None] | None = None, origin: str = "cli", replace: bool = False,
           actor: str | None = None, follow_links: bool = False) -> IngestReport:
    """Add or update the given files, folders and URLs in the index; bad files are reported and skipped.

    `origin` says where the documents come from: "cli" (the default), "corpus" (the shipped sources; a file under
    settings.sources_dir counts as corpus anyway), "upload" (the web app) or "url" (web addresses always are).
    The registry records each document's origin. An upload's id is put in its own namespace (front matter
    `id: x` becomes `upload/x`), so an upload can only ever update an earlier upload.

    A document never replaces one of another origin that has the same id unless `replace=True`: without it the
    file is reported as failed and the existing document is left as it is. `replace=True` is the explicit
    "replace" action (the CLI's --replace; for the web app, a button that names the document): an upload then
    keeps the id its front matter names (if it names one), and the registry records what was replaced and who
    replaced it when (`replaced_origin`, `replaced_by` = actor, `replaced_at`). `actor` (the logged-in user, the OS
    user) is kept on every document written, as `actor`, with `written_at`.

    Only regular files are read; see select() for links (`follow_links`) and what is skipped. A SourceDoc (already
    loaded, e.g. an upload whose metadata the user corrected) is indexed as it is, with the given origin.
    `progress(chunks embedded, chunks in all (estimated until every file is read), file)` is called as the work
    moves; `show_bar` draws the same figures on stderr (default: when stderr is a terminal).
    """
    if origin not in ORIGINS:
        raise InvalidInputError(f"Unknown origin '{origin}': use one of {', '.join(ORIGINS)}")
    t_start = time.perf_counter()
    report = IngestReport()
    paths = list(paths)
    chosen = select([str(p) for p in paths if not isinstance(p, SourceDoc)], follow_links=follow_links)
    items: list[tuple[str | SourceDoc, Path | None]] = list(chosen.items)
    items += [(p, None) for p in paths if isinstance(p, SourceDoc)]
    report.failed += chosen.failed
    report.skipped += chosen.skipped
    with index_lock(Path(settings.index_dir), notify=notify):
        if rebuild:
            store.reset()
            sentences.reset()
        store.collections(create=True)
        marker = interrupted_marker(settings.index_dir)
        if marker.exists():
            store.sweep()  # the last write was cut short: drop chunks no document version owns
        _touch(marker)
        lexical.refresh(force=True)
        if show_bar is None:
            show_bar = sys.stderr.isatty()
        bar = tqdm(total=0, unit="chunk", desc="Embedding", file=sys.stderr) if show_bar else None
        tracker = _Progress(len(items), progress, bar)
        reader = _Reader(settings, store, report, dict(lexical.docs), origin, replace, actor, _now())
        writer = _Writer(store, embedder, lexical, sentences, settings, reader.registry, report, tracker)
        for name, root in items:
            read = reader.read(name, root, tracker)
            if read is not None:
                writer.add(*read)
            if writer.pending_chunks >= 512:
                writer.flush()  # outside the per-file try: a write failure is the index's, not this file's
        writer.flush()
        lexical.save_cache()
        marker.unlink(missing_ok=True)
        if bar:
            bar.close()
    report.seconds = time.perf_counter() - t_start
    return report


class _Reader:
    """Loads and chunks one file at a time, deciding whether it is new, updated, unchanged or refused."""

    def __init__(self, settings: Settings, store: Store, report: IngestReport, registry: dict[str, dict], origin: str,
                 replace: bool, actor: str | None, written_at: str):
        self.settings, self.store, self.report = settings, store, report
        self.registry, self.origin, self.replace = registry, origin, replace
        self.actor, self.written_at = actor, written_at
        self.seen_ids: dict[str, str] = {}

    def read(self, name: str | SourceDoc, root: Path | None, tracker: _Progress
             ) -> tuple[SourceDoc, list[Chunk], bool] | None:
        """(document, chunks, updated) to write, or None (unchanged, or failed and reported)."""
        shown, report = self._name(name), self.report
        chunks = 0
        try:
            out = self._read(name, root)
            chunks = len(out[1]) if out is not None else 0
            return out
        except LoadError as e:
            report.failed.append((shown, str(e)))
        except AssistantError:
            raise  # the index itself failed: not this file's fault
        except Exception as e:  # a reader's own bug or a missing module: this file fails, the batch goes on
            report.failed.append((shown, f"{shown}: unexpected error while reading it "
                                         f"({type(e).__name__}: {str(e)[:200]})"))
        finally:
            tracker.file_read(chunks, str(shown))
        return None

    @staticmethod
    def _name(name: str | SourceDoc) -> str:
        return name.path or name.source_id if isinstance(name, SourceDoc) else name

    def _read(self, name: str | SourceDoc, root: Path | None) -> tuple[SourceDoc, list[Chunk], bool] | None:
        settings, report = self.settings, self.report
        if isinstance(name, SourceDoc):
            doc, name = name, self._name(name)
            item_origin = self.origin
        elif _is_url(name):
            item_origin = "url"
            doc = load_url(name, max_mb=settings.max_file_mb)
        else:
            item_origin = origin_for(name, self.origin, settings)
            doc = load_path(Path(name), root=root, max_mb=settings.max_file_mb, max_pages=settings.max_pages_per_file)
        if item_origin == "upload" and not (self.replace and doc.metadata.get("id")):
            doc.source_id = upload_id(doc.source_id)
        doc.origin = item_origin
        if doc.source_id in self.seen_ids:
            raise LoadError(f"{name}: id '{doc.source_id}' is already used by {self.seen_ids[doc.source_id]} in this "
                            "batch; give one of them another id")
        self.seen_ids[doc.source_id] = name
        old = self.registry.get(doc.source_id)
        old_origin = record_origin(old, settings) if old and old.get("hash") else None
        same_origin = old_origin in (None, item_origin)
        if old and old.get("hash") == doc.content_hash and not old.get("pending"):
            report.unchanged.append(doc.source_id)
            if same_origin and doc.path and old.get("path") != doc.path:
                self.store.update_path(doc.source_id, doc.path, old)
            return None
        if not same_origin and not self.replace:
            raise LoadError(
                f"{name}: id '{doc.source_id}' belongs to a document of origin '{old_origin}' "
                f"(“{str(old.get('title', ''))[:80]}”), which was left as it is; to replace it, ingest "
                "again with --replace (library: replace=True)"
            )
        doc.provenance = {"actor": self.actor or "", "written_at": self.written_at}
        if not same_origin:
            doc.provenance.update(replaced_origin=old_origin, replaced_by=self.actor or item_origin,
                                  replaced_at=self.written_at)
        chunks = chunk_document(doc, settings.max_chunk_chars)
        if not chunks:
            raise LoadError(f"{name}: no text to index after parsing")
        if len(chunks) > settings.max_chunks_per_file:
            raise LoadError(
                f"{name} makes {len(chunks):,} chunks, over the limit of {settings.max_chunks_per_file:,} "
                "per file (ASSISTANT_MAX_CHUNKS_PER_FILE): split the document or raise the limit"
            )
        if not same_origin:
            report.replaced.append(doc.source_id)
        return doc, chunks, bool(old and old.get("hash"))


class _Writer:
    """Embeds read documents in batches and writes each batch in the store's four steps (see README, "How the
    index stays correct"), with the quotable sentences' vectors first."""

    def __init__(self, store: Store, embedder: Embedder, lexical: LexicalIndex, sentences: SentenceVectors,
                 settings: Settings, registry: dict[str, dict], report: IngestReport, tracker: _Progress):
        self.store, self.embedder, self.lexical, self.sentences = store, embedder, lexical, sentences
        self.settings, self.registry, self.report, self.tracker = settings, registry, report, tracker
        self.batch: list[tuple[SourceDoc, list[Chunk], bool]] = []
        self.pending_chunks = 0
        self.step = max(2 * settings.embed_batch_size, 64)  # chunks embedded between progress reports

    @contextlib.contextmanager
    def _sentence_table(self, names: str) -> Iterator[None]:
        """The sentence-vector table's storage errors as the index's (a full disk says so)."""
        try:
            yield
        except (sqlite3.Error, OSError) as e:
            raise IndexAccessError(_write_failure(self.settings.index_dir, str(self.sentences.path), names, e)) \
                from None

    def add(self, doc: SourceDoc, chunks: list[Chunk], updated: bool) -> None:
        self.batch.append((doc, chunks, updated))
        self.pending_chunks += len(chunks)

    def flush(self) -> None:
        batch, report, store = self.batch, self.report, self.store
        if not batch:
            return
        chunks = [(d, c) for d, cs, _u in batch for c in cs]
        t0 = time.perf_counter()
        parts = []
        sentence_vectors: dict[str, np.ndarray] = {}
        quotable_of: list[list[str]] = []  # per chunk, in order
        names = ", ".join(d.path for d, _cs, _u in batch[:3])
        for i in range(0, len(chunks), self.step):
            part = chunks[i:i + self.step]
            parts.append(self.embedder.embed([c.embed_text() for _d, c in part]))
            # the sentences answers may quote from these chunks, embedded now so that a question only looks them
            # up (read from the table when another document or version already has them)
            per_chunk = [composer.quotable_texts(c, lambda _sid, d=d: d.text) for d, c in part]
            quotable_of.extend(per_chunk)
            texts = [t for ts in per_chunk for t in ts]
            with self._sentence_table(names):
                got, n_new = self.sentences.vectors_for([t for t in texts if t not in sentence_vectors],
                                                        self.embedder.embed)
            sentence_vectors.update(got)
            report.sentences += n_new
            self.tracker.embedded(len(part), part[-1][0].path or part[-1][0].source_id)
        vecs = np.concatenate(parts) if len(parts) > 1 else parts[0]
        quotable, at = [], 0
        for d, cs, _u in batch:
            quotable.append((d.source_id, [t for ts in quotable_of[at:at + len(cs)] for t in ts]))
            at += len(cs)
        with self._sentence_table(names):
            self.sentences.write(quotable, embed=self.embedder.embed, vectors=sentence_vectors)
        report.embed_seconds += time.perf_counter() - t0
        try:
            store.mark_pending([(d, self.registry.get(d.source_id)) for d, _cs, _u in batch])
            store.put_chunks([(d, cs) for d, cs, _u in batch], vecs)
            store.commit_documents([(d, len(cs)) for d, cs, _u in batch])
        except AssistantError:
            raise
        except Exception as e:
            raise IndexAccessError(_write_failure(self.settings.index_dir, store.location, names, e)) from None
        for doc, cs, updated in batch:
            meta = store.doc_meta(doc, len(cs), ready_hash=doc.content_hash)
            self.lexical.document_written(doc.source_id, cs, meta)
            self.registry[doc.source_id] = meta
            (report.updated if updated else report.added).append(doc.source_id)
            report.chunks += len(cs)
        self.batch, self.pending_chunks = [], 0


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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
