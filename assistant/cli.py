"""Command line: ingest | ask | sources | disputes | eval | serve | bench. The only code that prints or exits."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import click
from pydantic import ValidationError

from . import disputes as reg
from . import evaluation as ev
from .facade import Assistant
from .bench import main as bench_main
from .errors import AssistantError, InvalidInputError
from .gradio_startup import skip_stub_regeneration
from .settings import Settings, choices, settings_error
from .text import http_url
from .types import DocumentRecord


def _settings(index: str | None, **kw) -> Settings:
    return Settings().with_overrides(index_dir=Path(index) if index else None, **kw)  # a bad value: settings_error


def _quietly(fn):
    """fn for a background thread: an error is left for the main thread to meet (and report) when it gets there."""
    def run():
        try:
            fn()
        except Exception:  # the same call fails again on the main thread, which reports it
            pass
    return run


def _assistant(settings: Settings):
    return Assistant(settings)


index_option = click.option(
    "--index", "index", metavar="DIR", default=None,
    help="Index directory (env ASSISTANT_INDEX_DIR, default index/).",
)


def _filters(doc_type, jurisdiction, date_from, date_to, source, extra) -> dict:
    f: dict = {}
    if doc_type:
        f["type"] = list(doc_type)
    if jurisdiction:
        f["jurisdiction"] = list(jurisdiction)
    if date_from:
        f["date_from"] = date_from
    if date_to:
        f["date_to"] = date_to
    if source:
        f["source_id"] = list(source)
    for item in extra or ():
        if "=" not in item:
            raise InvalidInputError(f"--filter '{item}' is not KEY=VALUE (e.g. --filter jurisdiction=US)")
        key, value = item.split("=", 1)
        f.setdefault(key.strip(), []).extend(v.strip() for v in value.split(",") if v.strip())
    return f


filter_options = [
    click.option("--type", "doc_type", multiple=True, help="Only documents of this type (case, statute, ...)."),
    click.option("--jurisdiction", multiple=True, help="Only this jurisdiction (US, EU, UK, ...)."),
    click.option("--date-from", default=None, help="Only documents dated on or after YYYY-MM-DD."),
    click.option("--date-to", default=None, help="Only documents dated on or before YYYY-MM-DD."),
    click.option("--source", multiple=True, help="Only this source id."),
    click.option("--filter", "extra", multiple=True, metavar="KEY=VALUE", help="Any filter, e.g. type=case."),
]


def with_filters(f):
    for opt in reversed(filter_options):
        f = opt(f)
    return f


class CLI(click.Group):
    """Turns AssistantError into one line on stderr and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AssistantError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(1)
        except ValidationError as e:
            click.echo(f"Error: {settings_error(e)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; re-run the same command to finish (nothing half-written is served).", err=True)
            sys.exit(130)


@click.group(cls=CLI)
@click.version_option(package_name="assistant")
def main():
    """Answers questions about AI copyright disputes, citing the passages it used."""
    # the libraries' own progress bars (model weights loading) are noise here; ingest draws its own bar
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container without a passwd entry)
        return ""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@index_option
@click.option("--rebuild", is_flag=True, help="Delete the index first and build it again from these paths.")
@click.option("--replace", is_flag=True,
              help="Let a file replace a document of another origin (corpus, upload, url) with the same id.")
@click.option("--follow-links", is_flag=True,
              help="Follow links to files outside the folder, and links to folders.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(paths, index, rebuild, replace, follow_links, as_json):
    """Add or update files, folders (.md .txt .html .htm .pdf) or web addresses in the index."""
    a = _assistant(_settings(index))
    report = a.ingest(list(paths), rebuild=rebuild, notify=lambda m: click.echo(m, err=True), origin="cli",
                      replace=replace, actor=_os_user() or None, follow_links=follow_links)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for path, err in report.failed + report.skipped:
            click.echo(f"Skipped {path}: {err}", err=True)
        click.echo(report.summary())
    if (report.failed or report.skipped) and not (report.added or report.updated or report.unchanged):
        sys.exit(1)


# how a citation's origin is shown in plain text (the shipped corpus needs no label)
ORIGIN_LABELS = {"upload": "uploaded", "url": "fetched from the web", "cli": "added locally"}


def _print_answer(ans) -> None:
    click.echo(ans.text)
    if ans.notice:
        click.echo(f"\n({ans.notice})")
    if ans.citations:
        click.echo("\nSources:")
        for c in ans.citations:
            where = f" - {c.section}" if c.section else ""
            page = f", page {c.page}" if c.page else ""
            origin = f"; {ORIGIN_LABELS.get(c.origin, c.origin)}" if c.origin and c.origin != "corpus" else ""
            click.echo(f"[{c.n}] {c.title} ({c.source_id}, {c.date or 'undated'}{page}{origin}){where}")
            click.echo(f"    \"{' '.join(c.quote.split())}\"")
            if c.url:
                click.echo(f"    {c.url}")


@main.command()
@click.argument("question")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README for the schema).")
@click.option("-k", type=int, default=None, help="How many passages to use.")
@click.option("--retriever", type=click.Choice(choices("retriever")), default=None)
@click.option("--llm", default=None, help="extractive | openai:MODEL | ollama:MODEL")
@with_filters
def ask(question, index, as_json, k, retriever, llm, doc_type, jurisdiction, date_from, date_to, source, extra):
    """Answer QUESTION with numbered citations; QUESTION '-' reads one question per line from stdin."""
    a = _assistant(_settings(index, llm=llm))
    # the model loads on a thread while chromadb imports and the index opens: on 2 cores a cold ask is ~0.4 s
    # shorter. It is joined before the command returns: a process that exits while onnxruntime is still loading
    # aborts ("terminate called without an active exception") instead of printing its one-line error.
    loader = threading.Thread(target=_quietly(a.load_embedder), daemon=True, name="load-embedder")
    loader.start()
    try:
        filters = _filters(doc_type, jurisdiction, date_from, date_to, source, extra)
        if question == "-":
            failed = False
            for line in sys.stdin:
                line = line.strip()
                if not line:
                    continue
                try:
                    ans = a.ask(line, filters=filters, k=k, retriever=retriever)
                    out = ans.to_json()
                except AssistantError as e:
                    failed = True
                    out = {"question": line, "error": str(e)}
                if as_json:
                    click.echo(json.dumps(out, ensure_ascii=False))
                else:
                    click.echo(f"Q: {line}")
                    _print_answer(ans) if "error" not in out else click.echo(f"Error: {out['error']}")
                    click.echo()
            sys.exit(1 if failed else 0)
        ans = a.ask(question, filters=filters, k=k, retriever=retriever)
        if as_json:
            click.echo(json.dumps(ans.to_json(), ensure_ascii=False, indent=2))
        else:
            _print_answer(ans)
    finally:
        loader.join()


@main.group()
def sources():
    """List, show or remove indexed documents."""


def _doc_json(d: DocumentRecord) -> dict:
    return {"source_id": d.source_id, "title": d.title, "type": d.doc_type, "date": d.date,
            "jurisdiction": d.jurisdiction, "status": d.status, "path": d.path, "url": http_url(d.url),
            "chunks": d.n_chunks, "origin": d.origin, **d.provenance}


def _shown_metadata(fm: dict) -> dict:
    """Front matter as printed: `url` and `sources` keep only http(s) addresses."""
    out = dict(fm)
    if "url" in out:
        out["url"] = http_url(out["url"])
    if isinstance(out.get("sources"), list):
        out["sources"] = [u for u in map(http_url, out["sources"]) if u]
    return out


@sources.command("list")
@index_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--type", "doc_type", multiple=True, help="Only this document type.")
@click.option("--jurisdiction", multiple=True, help="Only this jurisdiction.")
def sources_list(index, as_json, doc_type, jurisdiction):
    """List documents: id, type, jurisdiction, date, status, chunks, title."""
    a = _assistant(_settings(index))
    docs = a.sources()
    # the same check as ask's filters: an unknown value is an error naming the values the index has
    a.retriever.normalise_filters({"type": list(doc_type), "jurisdiction": list(jurisdiction)})
    if doc_type:
        docs = [d for d in docs if d.doc_type in doc_type]
    if jurisdiction:
        docs = [d for d in docs if d.jurisdiction in jurisdiction]
    if as_json:
        for d in docs:
            click.echo(json.dumps(_doc_json(d), ensure_ascii=False))
        return
    if not docs:
        click.echo("No documents match." if (doc_type or jurisdiction) else
                   "The index is empty: add documents with `assistant ingest PATH`.")
        return
    w = max(len(d.source_id) for d in docs)
    click.echo(f"{'ID':<{w}}  {'TYPE':<10} {'JUR':<13} {'DATE':<10}  {'STATUS':<9} {'CHUNKS':>6}  TITLE")
    for d in docs:
        click.echo(f"{d.source_id:<{w}}  {d.doc_type:<10} {d.jurisdiction:<13} "
                   f"{d.date:<10}  {d.status:<9} {d.n_chunks:>6}  {d.title}")
    click.echo(f"{len(docs)} documents")


@sources.command("show")
@click.argument("source_id")
@index_option
@click.option("--json", "as_json", is_flag=True)
def sources_show(source_id, index, as_json):
    """Show one document's metadata and text."""
    a = _assistant(_settings(index))
    rec = a.source(source_id)
    fm = _shown_metadata(rec.front_matter)
    d = _doc_json(rec)
    if as_json:
        click.echo(json.dumps({**d, "metadata": fm, "text": rec.text}, ensure_ascii=False, indent=2))
        return
    for key in ("source_id", "title", "type", "jurisdiction", "date", "status", "path", "url", "chunks", "origin",
                "replaced_origin", "replaced_by", "replaced_at"):
        if d.get(key) not in (None, ""):
            click.echo(f"{key}: {d[key]}")
    click.echo()
    click.echo(rec.text)


@sources.command("remove")
@click.argument("source_id")
@index_option
def sources_remove(source_id, index):
    """Remove a document and all its chunks from the index."""
    a = _assistant(_settings(index))
    n = a.remove(source_id)
    click.echo(f"Removed {source_id} ({n} chunks)")


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry (see README for the fields).")
@click.option("--status", default=None, help="Only this status (pending, decided, settled, appeal, closed).")
@click.option("--court", default=None, help="Only courts containing this text, e.g. 'N.D. Cal' or 'Munich'.")
@click.option("--defendant", default=None, help="Only entries with a defendant containing this text.")
@click.option("--claim", default=None,
              help="Only this claim: training, outputs, dmca-1202, trademark, likeness-voice, contract.")
def disputes(index, as_json, status, court, defendant, claim):
    """List the register of disputes from the index: caption, court, docket, filing date, status, as-of date."""
    a = _assistant(_settings(index))
    records = a.sources()
    every = reg.from_records(records)
    rows = reg.filter_disputes(every, status=status, court=court, defendant=defendant, claim=claim)
    if as_json:
        for d in rows:
            click.echo(json.dumps(d.to_json(), ensure_ascii=False))
        return
    cov = reg.coverage(records)
    if not every:
        click.echo("The index has no register entries: ingest sources/ (its register/ folder holds them).")
        return
    if not rows:
        click.echo(f"No disputes match (the register has {len(every)}).")
        return
    w = min(60, max(len(d.caption) for d in rows))
    cw = min(28, max(len(d.court) for d in rows))
    click.echo(f"{'CAPTION':<{w}}  {'COURT':<{cw}}  {'DOCKET':<24} {'FILED':<10}  {'STATUS':<8}  AS OF")
    for d in rows:
        cap = d.caption if len(d.caption) <= w else d.caption[:w - 1] + "…"
        court_ = d.court if len(d.court) <= cw else d.court[:cw - 1] + "…"
        docket = d.docket[:24] or "—"
        click.echo(f"{cap:<{w}}  {court_:<{cw}}  {docket:<24} {d.filed or '—':<10}  {d.status:<8}  {d.as_of}")
    click.echo(f"{len(rows)} of {len(every)} disputes; the index is current to {cov.current_to or 'an unknown date'}")


@main.command("eval")
@click.argument("paths", nargs=-1, required=True)
@index_option
@click.option("-k", type=int, default=None, help="Passages per answer (default: the set's defaults.k).")
@click.option("--retriever", type=click.Choice(choices("retriever")), default=None)
@click.option("--llm", default=None, help="extractive | openai:MODEL | ollama:MODEL")
@click.option("--only", multiple=True, metavar="ID", help="Run only this case (repeatable).")
@click.option("--filter", "pattern", default=None, metavar="REGEX", help="Run cases whose id or question matches.")
@click.option("--json", "json_out", default=None, metavar="FILE", help="Write full results as JSON.")
@click.option("--junit", default=None, metavar="FILE", help="Write JUnit XML (one test case per eval case).")
@click.option("--report", default=None, metavar="FILE.html", help="Write a self-contained HTML report.")
@click.option("--baseline", default=None, metavar="FILE", help="Compare with a saved JSON run.")
@click.option("--ingest", "ingest_paths", multiple=True, metavar="PATH",
              help="Ingest these paths first (incremental; unchanged files are skipped).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def eval_cmd(paths, index, k, retriever, llm, only, pattern, json_out, junit, report, baseline, ingest_paths,
             no_progress):
    """Run eval sets (files or folders of YAML); exit 1 if a threshold is missed or a case errors."""
    a = _assistant(_settings(index, llm=llm))
    if ingest_paths:
        r = a.ingest(list(ingest_paths), notify=lambda m: click.echo(m, err=True))
        click.echo(f"ingest: {r.summary()}", err=True)
    base = None
    if baseline:
        try:
            base = json.loads(Path(baseline).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise AssistantError(f"Cannot read baseline {baseline}: {e}") from None
    progress = not no_progress and sys.stderr.isatty()
    run = ev.run_eval(a, list(paths), k=k, retriever=retriever, only=list(only) or None, pattern=pattern,
                      show_progress=progress)
    click.echo(ev.format_table(run))
    extra = {}
    if a.mode == "llm":
        # the same set in extractive mode, side by side, so the LLM's effect is measured on the same questions
        plain = _assistant(a.settings.with_overrides(llm="extractive"))
        base_run = ev.run_eval(plain, list(paths), k=k, retriever=retriever, only=list(only) or None,
                               pattern=pattern, show_progress=progress)
        extra = {f"extractive/{base_run.retriever}": base_run}
        click.echo()
        click.echo(ev.side_by_side(run, base_run))
    if base is not None:
        click.echo()
        click.echo(ev.compare(run, base))
    if json_out:
        ev.save_json(run, json_out)
    if junit:
        ev.write_junit(run, junit)
    if report:
        ev.write_html(run, report, extra_runs=extra)
    sys.exit(0 if run.ok else 1)


@main.command()
@index_option
@click.option("--host", default=None, help="Host to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 7860).")
@click.option("--auth", default=None, help="user:password (or ASSISTANT_AUTH).")
@click.option("--share", is_flag=True, help="Open a public Gradio share link (off by default).")
@click.option("--max-upload-mb", type=float, default=None)
@click.option("--concurrency", type=int, default=None, help="Requests answered at once.")
@click.option("--llm", default=None)
def serve(index, host, port, auth, share, max_upload_mb, concurrency, llm):
    """Serve the web chat (builds the index from sources/ when it is empty)."""
    skip_stub_regeneration()  # before gradio is imported: halves its import time
    from .ui import serve as run_server

    s = _settings(index, host=host, port=port, auth=auth, max_upload_mb=max_upload_mb,
                  concurrency=concurrency, llm=llm)
    run_server(s, share=share)


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args):
    """Run the benchmark and print its figures (same as python -m assistant.bench; --help for its options)."""
    bench_main(list(args))


if __name__ == "__main__":
    main()
