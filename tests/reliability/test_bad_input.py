"""Bad input: every row of tests/data/bad/README.md, each ingested together with a good file into an index that
already holds a document: the bad file is named in report.failed with a clear message, the good file is indexed,
and the index stays intact (the earlier document still answers). Questions and filters too, via library and CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.errors import InvalidInputError
from reliability_support import (BAD, CORPUS, assert_one_line_error, assert_served_consistently, cli,
                                 cli_small_index, opened, snapshot)

GOOD = CORPUS / "bartz-mini.md"
EXISTING = CORPUS / "dsm-mini.md"

# file in tests/data/bad -> what its message must say (besides the file's name)
REFUSED = [
    ("empty.md", "is empty: nothing to index"),
    ("garbage.md", "looks like binary data, not text"),
    ("corrupt.pdf", "is a corrupt PDF that cannot be read"),
    ("encrypted.pdf", "is an encrypted PDF: remove the password"),
    ("scanned.pdf", "no text layer, OCR not supported"),
    ("no-article.html", "no article text found in the HTML"),
    ("malformed-front-matter.md", "malformed YAML front matter (line 4)"),
    ("bad-date.md", "front matter 'date' is 'yesterday', not a date: write it as YYYY-MM-DD"),
    ("sources-not-list.md", "front matter 'sources' must be a list"),
    ("unsupported.docx", "Unsupported file type '.docx'"),
]


@pytest.fixture
def seeded(fake_assistant):
    """An index already holding one document (the one that must keep answering)."""
    r = fake_assistant.ingest([EXISTING])
    assert r.added == ["dsm-mini"], r.failed
    return fake_assistant


def assert_intact(a, expected_ids: set[str]) -> None:
    """The index holds exactly these documents, all complete, and the earlier one still answers with a citation."""
    assert {d.source_id for d in a.sources()} == expected_ids
    ans = a.ask("What does Article 4 of the DSM Directive allow?")
    assert not ans.refused and ans.citations[0].source_id == "dsm-mini", ans.text
    with opened(a.settings.index_dir) as fresh:  # as the next process will see it
        s = snapshot(fresh)
    assert_served_consistently(s)
    assert set(s.registry) == expected_ids, "a failed file left a registry record behind"


def ingest_with_good(a, *bad: Path):
    report = a.ingest([*map(str, bad), str(GOOD)])
    assert "bartz-mini" in report.added, report.failed
    return report


@pytest.mark.parametrize("name, message", REFUSED, ids=[n for n, _m in REFUSED])
def test_bad_file_is_named_and_the_rest_is_indexed(seeded, name, message):
    bad = BAD / name
    report = ingest_with_good(seeded, bad)
    assert len(report.failed) == 1, report.failed
    path, error = report.failed[0]
    assert path == str(bad)
    assert name in error and message in error, error
    assert "\n" not in error and "Traceback" not in error
    assert_intact(seeded, {"dsm-mini", "bartz-mini"})


def test_catalogue_readme_lists_every_file():
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for f in BAD.iterdir():
        if f.name not in ("README.md", "make_catalogue.py"):
            assert f"`{f.name}`" in readme, f"{f.name} is not described in tests/data/bad/README.md"
    for name, message in REFUSED:
        assert message in readme, f"README.md should quote the message for {name}: {message}"


def test_duplicate_ids_across_two_files(seeded):
    a_file, b_file = BAD / "duplicate-id-a.md", BAD / "duplicate-id-b.md"
    report = ingest_with_good(seeded, a_file, b_file)
    assert "duplicate-id" in report.added
    assert len(report.failed) == 1
    path, error = report.failed[0]
    assert path == str(b_file)
    assert "duplicate-id-b.md" in error and "id 'duplicate-id'" in error and "duplicate-id-a.md" in error, error
    assert "first file explains the licensing talks" in seeded.source("duplicate-id").text
    assert_intact(seeded, {"dsm-mini", "bartz-mini", "duplicate-id"})


@pytest.mark.parametrize("name, title, fragments", [
    ("latin1.txt", "Décision du tribunal: société française",
     ["La société Éditions Gérard a obtenu gain de cause", "« fouille de textes et de données »", "230 £ ± 5 %"]),
    ("utf16-bom.txt", "Urteil zum Text- und Data-Mining",
     ["Das Landgericht Hamburg hat entschieden", "Straße, Größe, Übung", "日本語も読めること"]),
], ids=["latin-1", "utf-16-bom"])
def test_non_utf8_text_is_read_correctly(seeded, name, title, fragments):
    report = ingest_with_good(seeded, BAD / name)
    sid = Path(name).stem
    assert not report.failed and sid in report.added
    rec = seeded.source(sid)
    assert rec.title == title
    assert not rec.text.startswith("\ufeff") and "\x00" not in rec.text and "\ufffd" not in rec.text
    for frag in fragments:
        assert frag in rec.text, frag
    hits = seeded.retriever.search(fragments[0], k=3, mode="bm25")
    assert hits and hits[0].chunk.source_id == sid and fragments[0] in hits[0].chunk.text
    assert_intact(seeded, {"dsm-mini", "bartz-mini", sid})


def test_50_mb_file_is_refused_naming_the_limit(seeded, tmp_path):
    big = tmp_path / "huge report.md"
    paragraph = ("# Huge\n\n" + "The tribunal considered the training data at length. " * 20 + "\n\n").encode()
    with open(big, "wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(paragraph) + 1):
            fh.write(paragraph)
    assert big.stat().st_size >= 50 * 1024 * 1024
    report = ingest_with_good(seeded, big)
    (path, error), = report.failed
    assert path == str(big)
    assert "huge report.md" in error and "50.0 MB" in error and "over the 20 MB limit" in error, error
    assert "ASSISTANT_MAX_FILE_MB" in error
    assert_intact(seeded, {"dsm-mini", "bartz-mini"})


def test_awkward_paths_ingest_with_sensible_ids(seeded, tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub dir").mkdir(parents=True)
    elsewhere = tmp_path / "other place"
    elsewhere.mkdir()
    long_stem = "a-very-long-file-name-" + "x" * 171 + "-end"
    assert len(long_stem + ".md") == 200
    files = {
        docs / "sub dir" / "my notes on fair use.md": "sub dir/my notes on fair use",
        docs / "Über Urteile – München ⚖ (2026).md": "Über Urteile – München ⚖ (2026)",
        docs / f"{long_stem}.md": long_stem,
        elsewhere / "notes..v2 final.md": "notes..v2 final",
    }
    for i, f in enumerate(files):
        f.write_text(f"# Note {i}\n\nThe Zorblatt tribunal{i} ruled on the quuxcorp{i} scraping case.\n",
                     encoding="utf-8")
    # a folder and a file, both reached through `..`
    via_dotdot = [docs / "sub dir" / "..", elsewhere / ".." / "other place" / "notes..v2 final.md"]
    report = ingest_with_good(seeded, *via_dotdot)
    assert not report.failed, report.failed
    assert set(report.added) == set(files.values()) | {"bartz-mini"}
    for i, (f, sid) in enumerate(files.items()):
        rec = seeded.source(sid)
        assert Path(rec.path).resolve() == f.resolve()
        hits = seeded.retriever.search(f"Zorblatt tribunal{i} quuxcorp{i}", k=1, mode="bm25")
        assert hits[0].chunk.source_id == sid
    assert_intact(seeded, set(files.values()) | {"dsm-mini", "bartz-mini"})


def _looped_folder(tmp_path: Path) -> Path:
    root = tmp_path / "looped"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text("# A\n\nThe first note about the Zorblatt tribunal.\n")
    (root / "sub" / "b.md").write_text("# B\n\nThe second note about the Quuxcorp appeal.\n")
    os.symlink("..", root / "sub" / "up")  # sub/up -> looped: a directory cycle
    os.symlink(".", root / "self")  # looped/self -> looped
    os.symlink("y.md", root / "x.md")  # x.md -> y.md -> x.md: a file cycle
    os.symlink("x.md", root / "y.md")
    return root


@pytest.mark.timeout(60)
def test_symlink_loop_terminates_and_the_rest_is_indexed(seeded, tmp_path):
    root = _looped_folder(tmp_path)
    report = ingest_with_good(seeded, root)
    assert sorted(report.added) == ["a", "bartz-mini", "sub/b"]  # each real file once, under its real path
    assert_intact(seeded, {"dsm-mini", "bartz-mini", "a", "sub/b"})


def test_looping_file_symlinks_are_named(seeded, tmp_path):
    root = _looped_folder(tmp_path)
    report = ingest_with_good(seeded, root)
    failed = dict(report.failed)
    assert set(failed) == {str(root / "x.md"), str(root / "y.md")}, report.failed
    assert all("symbolic links" in e for e in failed.values()), failed


def test_same_file_given_twice_is_not_a_duplicate_id(seeded, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nThe first note about the Zorblatt tribunal.\n")
    report = seeded.ingest([str(docs), str(docs / "a.md")])
    assert report.added == ["a"] and not report.failed, report.failed


# -- questions --------------------------------------------------------------------------------------------------
BAD_QUESTIONS = [
    ("", "The question is empty"),
    ("   \n\t  ", "The question is empty"),
    ("x" * 20_000, "The question is 20,000 characters long; the limit is 2,000 (ASSISTANT_MAX_QUESTION_CHARS)"),
    ("?!... ¿¡ — ???", "The question has no words, only punctuation"),
]
QUESTION_IDS = ["empty", "whitespace", "20000-chars", "punctuation"]


@pytest.mark.parametrize("question, message", BAD_QUESTIONS, ids=QUESTION_IDS)
def test_bad_question_library(seeded, question, message):
    with pytest.raises(InvalidInputError) as e:
        seeded.ask(question)
    assert message in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("question, message", BAD_QUESTIONS, ids=QUESTION_IDS)
def test_bad_question_cli(tmp_path, question, message):
    # the real CLI: the question is checked before the model or the index is touched
    r = cli("ask", question, "--index", tmp_path / "index", fake=False, timeout=120)
    assert_one_line_error(r, message)
    assert r.stdout == ""


def test_bad_questions_in_a_cli_batch_are_reported_per_line(tmp_path):
    qs = "\n?!?!\n" + "y" * 20_000 + "\n"
    r = cli("ask", "--json", "-", "--index", tmp_path / "index", fake=False, stdin=qs, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == 2  # the empty line is skipped
    assert out[0]["error"].startswith("The question has no words, only punctuation")
    assert out[1]["error"].startswith("The question is 20,000 characters long; the limit is 2,000")


# -- filters ------------------------------------------------------------------------------------------------------
BAD_FILTERS = [
    ({"jurisdiction": ["Atlantis"]}, ["--jurisdiction", "Atlantis"], "Unknown jurisdiction 'Atlantis' in filters: the index has EU, US"),
    ({"type": "opinion"}, ["--type", "opinion"], "Unknown type 'opinion' in filters: the index has case, statute"),
    ({"source_id": ["nope"]}, ["--source", "nope"], "Unknown source_id 'nope' in filters"),
    ({"colour": "red"}, ["--filter", "colour=red"], "Unknown filter 'colour': use one of type, jurisdiction"),
    ({"date_from": "yesterday"}, ["--date-from", "yesterday"], "Filter date_from is 'yesterday', not a date: use YYYY-MM-DD"),
    ({"date_to": "2025-13-45"}, ["--date-to", "2025-13-45"], "Filter date_to is '2025-13-45', not a date"),
]
FILTER_IDS = ["jurisdiction", "type", "source", "unknown-key", "date-word", "date-impossible"]


@pytest.mark.parametrize("filters, _args, message", BAD_FILTERS, ids=FILTER_IDS)
def test_unknown_filter_value_library(seeded, filters, _args, message):
    seeded.ingest([str(GOOD)])
    with pytest.raises(InvalidInputError) as e:
        seeded.ask("What did the court decide about fair use?", filters=filters)
    assert message in str(e.value)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    """An index of the small corpus built by the CLI with the fake embedder."""
    return cli_small_index(tmp_path_factory.mktemp("cli") / "index")


@pytest.mark.parametrize("_filters, args, message", BAD_FILTERS, ids=FILTER_IDS)
def test_unknown_filter_value_cli(cli_index, _filters, args, message):
    r = cli("ask", "What did the court decide about fair use?", *args, "--index", cli_index)
    assert_one_line_error(r, message)


def test_filter_without_equals_sign_cli(cli_index):
    r = cli("ask", "What did the court decide?", "--filter", "jurisdiction", "--index", cli_index)
    assert_one_line_error(r, "'jurisdiction' is not KEY=VALUE")


def test_bad_setting_in_the_environment_cli(tmp_path):
    r = cli("sources", "list", "--index", tmp_path / "index", env={"ASSISTANT_K": "abc"})
    assert_one_line_error(r, "ASSISTANT_K", "abc")
