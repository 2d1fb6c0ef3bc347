"""Command line: ingest | ask | sources | eval | serve | bench. The only code that prints or exits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import AssistantError, InvalidInputError
from pydantic import ValidationError

from .settings import Settings, settings_error


def _settings(index: str | None, **kw) -> Settings:
    s = Settings().with_overrides(index_dir=Path(index) if index else None, **kw)
    if (s.llm or "extractive") != "extractive":
        from . import llm

        llm.parse(s)  # a malformed --llm / ASSISTANT_LLM is reported before any work starts
    return s


def _assistant(settings: Settings):
    from .answering import Assistant

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


@main.command()
@click.argument("paths", nargs=-1, required=True)
@index_option
@click.option("--rebuild", is_flag=True, help="Delete the index first and build it again from these paths.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(paths, index, rebuild, as_json):
    """Add or update files, folders (.md .txt .html .htm .pdf) or web addresses in the index."""
    a = _assistant(_settings(index))
    report = a.ingest(list(paths), rebuild=rebuild, notify=lambda m: click.echo(m, err=True))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for path, err in report.failed:
            click.echo(f"Skipped {path}: {err}", err=True)
        click.echo(report.summary())
    if report.failed and not (report.added or report.updated or report.unchanged):
        sys.exit(1)


def _print_answer(ans) -> None:
    click.echo(ans.text)
    if ans.notice:
        click.echo(f"\n({ans.notice})")
    if ans.citations:
        click.echo("\nSources:")
        for c in ans.citations:
            where = f" - {c.section}" if c.section else ""
            page = f", page {c.page}" if c.page else ""
            click.echo(f"[{c.n}] {c.title} ({c.source_id}, {c.date or 'undated'}{page}){where}")
            click.echo(f"    \"{' '.join(c.quote.split())}\"")
            if c.url:
                click.echo(f"    {c.url}")


@main.command()
@click.argument("question")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README for the schema).")
@click.option("-k", type=int, default=None, help="How many passages to use.")
@click.option("--retriever", type=click.Choice(["dense", "bm25", "hybrid"]), default=None)
@click.option("--llm", default=None, help="extractive | openai:MODEL | ollama:MODEL")
@with_filters
def ask(question, index, as_json, k, retriever, llm, doc_type, jurisdiction, date_from, date_to, source, extra):
    """Answer QUESTION with numbered citations; QUESTION '-' reads one question per line from stdin."""
    a = _assistant(_settings(index, llm=llm))
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


@main.group()
def sources():
    """List, show or remove indexed documents."""


def _doc_json(d: dict) -> dict:
    return {"source_id": d.get("source_id"), "title": d.get("title"), "type": d.get("doc_type"),
            "date": d.get("date"), "jurisdiction": d.get("jurisdiction"), "status": d.get("status", ""),
            "path": d.get("path"), "url": d.get("url"), "chunks": d.get("n_chunks", 0)}


@sources.command("list")
@index_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--type", "doc_type", multiple=True, help="Only this document type.")
@click.option("--jurisdiction", multiple=True, help="Only this jurisdiction.")
def sources_list(index, as_json, doc_type, jurisdiction):
    """List documents: id, type, jurisdiction, date, status, chunks, title."""
    a = _assistant(_settings(index))
    docs = a.sources()
    if doc_type:
        docs = [d for d in docs if d.get("doc_type") in doc_type]
    if jurisdiction:
        docs = [d for d in docs if d.get("jurisdiction") in jurisdiction]
    if as_json:
        for d in docs:
            click.echo(json.dumps(_doc_json(d), ensure_ascii=False))
        return
    if not docs:
        click.echo("No documents match." if (doc_type or jurisdiction) else
                   "The index is empty: add documents with `assistant ingest PATH`.")
        return
    w = max(len(d["source_id"]) for d in docs)
    click.echo(f"{'ID':<{w}}  {'TYPE':<10} {'JUR':<13} {'DATE':<10}  {'STATUS':<9} {'CHUNKS':>6}  TITLE")
    for d in docs:
        click.echo(f"{d['source_id']:<{w}}  {d.get('doc_type', ''):<10} {d.get('jurisdiction', ''):<13} "
                   f"{d.get('date', ''):<10}  {d.get('status', ''):<9} {d.get('n_chunks', 0):>6}  {d.get('title', '')}")
    click.echo(f"{len(docs)} documents")


@sources.command("show")
@click.argument("source_id")
@index_option
@click.option("--json", "as_json", is_flag=True)
def sources_show(source_id, index, as_json):
    """Show one document's metadata and text."""
    a = _assistant(_settings(index))
    rec = a.source(source_id)
    fm = json.loads(rec.get("fm") or "{}")
    if as_json:
        click.echo(json.dumps({**_doc_json(rec), "metadata": fm, "text": rec["text"]}, ensure_ascii=False, indent=2))
        return
    d = _doc_json(rec)
    for key in ("source_id", "title", "type", "jurisdiction", "date", "status", "path", "url", "chunks"):
        if d.get(key) not in (None, ""):
            click.echo(f"{key}: {d[key]}")
    click.echo()
    click.echo(rec["text"])


@sources.command("remove")
@click.argument("source_id")
@index_option
def sources_remove(source_id, index):
    """Remove a document and all its chunks from the index."""
    a = _assistant(_settings(index))
    n = a.remove(source_id)
    click.echo(f"Removed {source_id} ({n} chunks)")


@main.command("eval")
@click.argument("paths", nargs=-1, required=True)
@index_option
@click.option("-k", type=int, default=None, help="Passages per answer (default: the set's defaults.k).")
@click.option("--retriever", type=click.Choice(["dense", "bm25", "hybrid"]), default=None)
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
    from . import evaluation as ev

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
    from .gradio_startup import skip_stub_regeneration

    skip_stub_regeneration()  # before gradio is imported: halves its import time
    from .ui import serve as run_server

    s = _settings(index, host=host, port=port, auth=auth, max_upload_mb=max_upload_mb,
                  concurrency=concurrency, llm=llm)
    run_server(s, share=share)


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args):
    """Run the benchmark and print its figures (same as python -m assistant.bench; --help for its options)."""
    from .bench import main as bench_main

    bench_main(list(args))


if __name__ == "__main__":
    main()
