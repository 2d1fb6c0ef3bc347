"""The CLI as a user runs it: subprocesses against a real index."""

import json
import os
import subprocess
import sys

import pytest

from conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow


def run(*args, stdin=None, index=None, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if index:
        env["ASSISTANT_INDEX_DIR"] = str(index)
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout)


def test_ask_json_schema(real_index):
    r = run("ask", "--json", "How much is the Bartz settlement per work?", index=real_index)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"question", "answer", "refused", "citations"}
    assert out["refused"] is False
    c = out["citations"][0]
    assert set(c) >= {"n", "source_id", "title", "date", "url", "path", "section", "quote", "score"}
    assert c["n"] == 1 and isinstance(c["score"], float) and c["path"].endswith("bartz-mini.md")


def test_sources_list_refuses_an_unknown_filter_value_like_ask(real_index):
    listed = run("sources", "list", "--jurisdiction", "us", index=real_index)
    asked = run("ask", "fair use", "--jurisdiction", "us", index=real_index)
    for r in (listed, asked):
        assert r.returncode == 1 and "Unknown jurisdiction 'us' in filters: the index has" in r.stderr, r.stderr
        assert "US" in r.stderr and "No documents match" not in r.stdout
    assert run("sources", "list", "--jurisdiction", "US", index=real_index).returncode == 0


def test_ask_prints_no_library_progress_noise(real_index):
    r = run("ask", "How much is the Bartz settlement per work?", index=real_index)
    assert r.returncode == 0 and "[1]" in r.stdout, r.stderr
    assert "Loading weights" not in r.stderr and "it/s" not in r.stderr and "%|" not in r.stderr, r.stderr


def test_ask_batch_from_stdin(real_index):
    qs = "What does Article 4 allow?\nWill it rain tomorrow?\n\n"
    r = run("ask", "--json", "-", stdin=qs, index=real_index)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["What does Article 4 allow?", "Will it rain tomorrow?"]
    assert lines[0]["refused"] is False and lines[1]["refused"] is True


def test_sources_list_json_and_filters(real_index):
    r = run("sources", "list", "--json", index=real_index)
    docs = [json.loads(x) for x in r.stdout.splitlines()]
    assert {d["source_id"] for d in docs} == {"bartz-mini", "dsm-mini", "getty-article", "japan-30-4",
                                              "seedance-note"}
    assert all(set(d) >= {"source_id", "title", "type", "date", "path", "chunks"} for d in docs)
    r = run("sources", "list", "--type", "case", "--jurisdiction", "US", index=real_index)
    assert "bartz-mini" in r.stdout and "dsm-mini" not in r.stdout


def test_user_mistakes_give_one_line_and_exit_1(real_index, tmp_path):
    r = run("sources", "show", "nope", index=real_index)
    assert r.returncode == 1 and r.stderr.strip().startswith("Error: No document with id 'nope'")
    assert "Traceback" not in r.stderr
    r = run("ask", "", index=real_index)
    assert r.returncode == 1 and "empty" in r.stderr and "Traceback" not in r.stderr
    r = run("ask", "fair use", "--jurisdiction", "XX", index=real_index)
    assert r.returncode == 1 and "Unknown jurisdiction 'XX'" in r.stderr


def test_ingest_modify_remove_cycle(tmp_path):
    idx = tmp_path / "idx"
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.md").write_text("---\nid: doc-a\ntitle: Doc A\ntype: case\n---\n# Doc A\n\n## Summary\n\n"
                              "The tribunal fined the company 40,000 euros for scraping.\n")
    (src / "bad.md").write_bytes(b"\x00\x01\x02binary")
    r = run("ingest", str(src), index=idx)
    assert r.returncode == 0, r.stderr
    assert "1 added" in r.stdout and "Skipped" in r.stderr and "bad.md" in r.stderr
    r = run("ingest", str(src), index=idx)
    assert "0 added, 0 updated, 1 unchanged" in r.stdout
    r = run("sources", "remove", "doc-a", index=idx)
    assert r.returncode == 0 and "Removed doc-a" in r.stdout
    r = run("sources", "list", "--json", index=idx)
    assert r.stdout.strip() == ""


def test_ingest_url_from_loopback_server(tmp_path):
    import http.server
    import threading
    from functools import partial

    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(CORPUS))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/getty-article.html"
        idx = tmp_path / "idx"
        r = run("ingest", url, index=idx)
        assert r.returncode == 0 and "1 added" in r.stdout, r.stderr
        r = run("ask", "--json", "What did Mrs Justice Joanna Smith find about trade marks?", index=idx)
        out = json.loads(r.stdout)
        assert out["citations"][0]["url"] == url
        assert "FOOTER_SHOULD_NOT_APPEAR" not in json.dumps(out)
    finally:
        srv.shutdown()


@pytest.fixture(scope="module")
def bench_kept(tmp_path_factory):
    """One quick `assistant bench` run on the starter corpus, its work folder kept (--keep) for the lexical part."""
    work = tmp_path_factory.mktemp("bench")
    out = work.parent / "bench-quick.json"
    r = run("bench", "--sizes", "", "--quick", "--questions", "30", "--json", str(out), "--keep", str(work),
            timeout=900)
    return r, out, work


def test_bench_command_runs_and_reports_its_figures(bench_kept):
    """`assistant bench` end to end on the starter corpus (quick mode): a figure report, not a timing assertion."""
    r, out, _work = bench_kept
    assert r.returncode == 0, r.stderr[-2000:]
    assert "## starter corpus" in r.stdout and "| ratio ingest / raw |" in r.stdout and "## Summary" in r.stdout
    figures = json.loads(out.read_text())
    (starter,) = figures["runs"]
    ing, srv = starter["ingest"], starter["serve"]
    n_sources = len(list((ROOT / "sources").rglob("*.md")))  # register records sit in sources/register/
    assert ing["docs"] == n_sources and ing["failed"] == 0 and ing["chunks"] > n_sources
    assert ing["reingest_embedded"] == 0  # an unchanged corpus is not embedded again
    for phase in ("quiet", "busy"):  # the same questions without and with a process keeping one core busy
        stages = srv[phase]["stages_ms"]
        assert set(stages) >= {"embed_query", "dense", "bm25", "fusion", "answer", "total"}
        assert all(0 < v["p50"] <= v["p95"] <= v["p99"] for v in stages.values())
        # ingest stored the vectors of the sentences answers weigh: a question looks them up
        assert srv[phase]["sentences_looked_up"] > 30 * 10 and srv[phase]["embedded_late"] == 0
    assert srv["questions"] == 30 and ing["sentences"] > ing["chunks"]
    assert srv["peak_rss_mb"] > 100 and ing["raw_chunks_per_s"] > 0 and 0 < ing["ratio"]
    assert 0 < ing["embedder_share"] <= 1


def test_bench_lexical_part_runs_alone(bench_kept, tmp_path):
    """`assistant bench --only lexical`: both lexical indexes on the starter corpus, and nothing else. It reuses the
    Chroma index the quick run kept, so the corpus is not embedded twice; a full run refuses a used folder."""
    _r, _out, work = bench_kept
    out = tmp_path / "bench.json"
    again = run("bench", "--sizes", "", "--quick", "--keep", str(work))
    assert again.returncode != 0 and "needs a new or empty folder" in again.stderr
    r = run("bench", "--only", "lexical", "--sizes", "", "--questions", "30", "--json", str(out), "--keep", str(work),
            timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "## Lexical indexes" in r.stdout and "## Summary" not in r.stdout and "## starter corpus" not in r.stdout
    figures = json.loads(out.read_text())["lexical"]["starter corpus"]
    bm25, fts5 = figures["bm25"], figures["fts5"]
    assert bm25["chunks"] == fts5["chunks"] > 100
    for v in (bm25, fts5):
        assert 0 < v["search_ms"]["p50"] <= v["search_ms"]["p95"] and v["build_seconds"] > 0
        assert 0.5 < v["lexical"]["hit_at_5"] <= 1 and 0.5 < v["hybrid"]["hit_at_5"] <= 1


@pytest.fixture(scope="module")
def register_index(tmp_path_factory):
    d = tmp_path_factory.mktemp("register") / "index"
    r = run("ingest", str(ROOT / "tests" / "data" / "register"), index=d)
    assert r.returncode == 0, r.stderr
    return d


def test_disputes_lists_the_register_from_the_index(register_index):
    r = run("disputes", "--json", index=register_index)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["caption"] for x in rows] == ["Alpha Press LLC v. ModelCo, Inc.", "Beta Music GmbH v. TuneSynth Ltd"]
    assert all(set(x) >= {"caption", "court", "docket", "filed", "status", "as_of", "defendants", "plaintiffs",
                          "claims", "source_ids"} for x in rows)
    alpha = rows[0]
    assert alpha["claims"] == ["training", "dmca-1202"] and alpha["source_ids"] == ["alpha-v-modelco"]
    assert alpha["filed"] == "2026-03-02" and alpha["as_of"] == "2026-09-30" and rows[1]["confirmed"] is False
    table = run("disputes", index=register_index).stdout
    assert "Beta Music GmbH v. TuneSynth Ltd" in table and "42 O 1/26" in table
    assert "2 of 2 disputes; the index is current to 2026-10-05" in table


def test_disputes_filters_and_unknown_values(register_index):
    one = run("disputes", "--json", "--claim", "DMCA 1202", index=register_index)
    assert [json.loads(x)["caption"] for x in one.stdout.splitlines()] == ["Alpha Press LLC v. ModelCo, Inc."]
    mun = run("disputes", "--json", "--court", "münchen", "--status", "DECIDED", index=register_index)
    assert [json.loads(x)["source_ids"] for x in mun.stdout.splitlines()] == [["beta-v-tunesynth"]]
    none = run("disputes", "--defendant", "modelco", "--status", "decided", index=register_index)
    assert none.returncode == 0 and "No disputes match (the register has 2)" in none.stdout
    bad = run("disputes", "--court", "Ninth Circuit", index=register_index)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "the register has Landgericht München I, N.D. Cal." in bad.stderr
    bad = run("disputes", "--claim", "patent", index=register_index)
    assert bad.returncode == 1 and "dmca-1202 (DMCA §1202)" in bad.stderr
