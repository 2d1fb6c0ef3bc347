import io
from pathlib import Path

import pytest

from assistant.errors import LoadError
from assistant.loaders import load_path, parse_markdown, url_source_id
from conftest import CORPUS, ROOT


def test_markdown_front_matter_is_kept_as_metadata():
    doc = load_path(CORPUS / "bartz-mini.md", root=CORPUS)
    assert doc.source_id == "bartz-mini"
    assert doc.title == "Bartz v. Anthropic (test copy)"
    assert doc.doc_type == "case" and doc.jurisdiction == "US" and doc.date == "2025-09-25"
    assert doc.metadata["docket"] == "3:24-cv-05417"
    assert doc.metadata["parties"] == ["Andrea Bartz", "Anthropic PBC"]
    assert doc.url == "https://example.org/bartz"
    assert not doc.text.startswith("---") and "Judge William Alsup" in doc.text


def test_source_id_defaults_to_relative_path(tmp_path):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "note.md").write_text("# A note\n\nSome words about fair use here.\n")
    assert load_path(sub / "note.md", root=tmp_path).source_id == "a/b/note"


def test_html_keeps_article_and_drops_boilerplate():
    doc = load_path(CORPUS / "getty-article.html", root=CORPUS)
    assert "Stable Diffusion model is not an infringing copy" in doc.text
    for junk in ("SCRIPT_SHOULD_NOT_APPEAR", "NAVIGATION_SHOULD_NOT_APPEAR", "RELATED_BOX_SHOULD_NOT_APPEAR",
                 "FOOTER_SHOULD_NOT_APPEAR"):
        assert junk not in doc.text
    assert doc.title == "Getty loses most of its case against Stability AI in London"
    assert doc.date == "2025-11-04"


def test_pdf_text_per_page_with_page_ranges():
    doc = load_path(CORPUS / "japan-30-4.pdf", root=CORPUS)
    assert [p for p, _a, _b in doc.pages] == [1, 2]
    p2 = doc.pages[1]
    assert "Agency for Cultural Affairs" in doc.text[p2[1]:p2[2]]
    assert "Agency for Cultural Affairs" not in doc.text[doc.pages[0][1]:doc.pages[0][2]]


def test_plain_text_title_is_first_line():
    doc = load_path(CORPUS / "seedance-note.txt", root=CORPUS)
    assert doc.title == "Seedance 2.0 and the studios"


@pytest.mark.parametrize("text, needle", [
    ("---\ntitle: [unclosed\n---\nbody text here\n", "malformed YAML"),
    ("---\ndate: yesterday\n---\nbody text here\n", "'date' is 'yesterday'"),
    ("---\nsources: https://x.org\n---\nbody text here\n", "'sources' must be a list"),
    ("---\nid: x\n", "no closing"),
])
def test_bad_front_matter_is_named(text, needle):
    with pytest.raises(LoadError, match=needle):
        parse_markdown(text, name="bad.md")


def test_unsupported_and_empty_files_are_named(tmp_path):
    (tmp_path / "x.docx").write_text("hello")
    with pytest.raises(LoadError, match=r"Unsupported file type '\.docx' in .*x\.docx"):
        load_path(tmp_path / "x.docx")
    (tmp_path / "empty.md").write_text("  \n")
    with pytest.raises(LoadError, match="empty.md is empty"):
        load_path(tmp_path / "empty.md")


def test_binary_with_md_name_is_refused(tmp_path):
    (tmp_path / "garbage.md").write_bytes(bytes(range(256)) * 20)
    with pytest.raises(LoadError, match="binary"):
        load_path(tmp_path / "garbage.md")


def test_latin1_and_utf16_text_are_read(tmp_path):
    (tmp_path / "l1.txt").write_bytes("Café société: the exception applies.\n".encode("latin-1"))
    (tmp_path / "u16.txt").write_bytes("Ünïcode title\nThe exception applies.\n".encode("utf-16"))
    assert "Café société" in load_path(tmp_path / "l1.txt").text
    assert load_path(tmp_path / "u16.txt").title == "Ünïcode title"


def test_size_limit_is_named(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 300_000)
    with pytest.raises(LoadError, match="over the 1 MB limit"):
        load_path(tmp_path / "big.txt", max_mb=1)


def test_url_ids_are_stable():
    assert url_source_id("https://news.example.com/2025/11/getty-ruling?x=1") == "web/news.example.com/2025-11-getty-ruling-x-1"


def test_libyaml_and_the_pure_python_loader_read_front_matter_alike():
    """Front matter is parsed with libyaml when PyYAML has it (re-ingest of 14k unchanged files spent most of its
    time in the pure-Python parser); both must give the same values, or every document would be re-embedded."""
    import yaml

    from assistant.loaders import _FrontMatterLoader, _load_yaml

    blocks = [p.read_text(encoding="utf-8").split("---\n")[1] for p in sorted((ROOT / "sources").rglob("*.md"))
              if p.read_text(encoding="utf-8").startswith("---\n")]
    assert len(blocks) > 100
    for b in blocks:
        assert _load_yaml(b) == yaml.load(b, Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader subclass


def test_words_a_pdf_splits_apart_are_joined_back_only_where_many_are_split():
    from assistant.loaders import rejoin_split_words

    real = Path(__file__).parent / "data" / "real"
    page = (real / "snyder-page6-pypdf.txt").read_text(encoding="utf-8")
    assert "Marine La nce Corporal Ma tthew Snyder" in page  # what pypdf reads
    (fixed,) = rejoin_split_words([page])
    assert "Marine Lance Corporal Matthew Snyder was killed" in fixed
    assert "the Catholic church in the Snyders’ hometown of \nWestminster, Maryland, as" in fixed
    assert "near the Maryland" in fixed and "in the  line of duty" in fixed  # other spacing is left as it was
    assert fixed.count("\n") == page.count("\n")  # lines (and so page offsets and gutters) stay where they were
    # a clean document keeps every word, even a rare pair that would make a word ('Option B are', 'but t')
    clean = [(real / "feist-page2-pypdf.txt").read_text(encoding="utf-8")] * 3 + ["Option B are priced; but t"]
    assert rejoin_split_words(clean) == clean


def test_a_pdf_whose_fonts_space_letters_out_is_read_by_glyph_position():
    """Page 6 of the Snyder v. Phelps slip opinion, as a one-page PDF: pypdf's default reading splits one word in
    fifteen ('Ma tthew'), which no dictionary join mends ('all owing', 'Di ego'); its layout reading splits none."""
    from pypdf import PdfReader

    from assistant.loaders import parse_pdf, split_rate

    data = (Path(__file__).parent / "data" / "real" / "snyder-page6.pdf").read_bytes()
    assert split_rate([PdfReader(io.BytesIO(data)).pages[0].extract_text()]) > 0.05  # what the default reading gives
    doc = parse_pdf(data, "snyder-page6.pdf", "snyder")
    assert "Marine Lance Corporal Matthew Snyder was killed in\nIraq in the line of duty." in doc.text
    assert "(two of his daughters and four of\nhis grandchildren) to picket." in doc.text
    assert split_rate([doc.text]) == 0.0 and "  " not in doc.text  # the layout's runs of spaces are single spaces
    assert len(doc.pages) == 1


def test_block_quotes_read_as_their_words_but_code_keeps_its_text():
    doc = parse_markdown("# Notes\n\nHe wrote:\n\n> But with timely registration, \n> you get the option.\n> > Nested.\n\n"
                         "```\n> a shell prompt\n```\n")
    assert "\nBut with timely registration, \nyou get the option.\nNested.\n" in doc.text
    assert "> a shell prompt" in doc.text


def test_reference_style_links_read_as_their_words():
    doc = parse_markdown("# Notes\n\nYou may elect statutory damages. [17 USC §504(c)][504]. See [the Act][].\n\n"
                         "[504]: https://example.org/504\n")
    assert "statutory damages. 17 USC §504(c). See the Act." in doc.text
    # a pinpoint citation's brackets are not a link, and its numbers stay apart
    assert "Practice ¶ 134.22[2][b]." in parse_markdown("# N\n\nCiting Practice ¶ 134.22[2][b].\n").text


def test_a_link_whose_words_wrap_reads_as_its_words():
    doc = parse_markdown("# N\n\nFor more, see [Circular 9, Works Made\nfor Hire](https://example.org/c9.pdf).\n\n"
                         "[Not a link\n\nat all](https://example.org/x)\n")
    assert "see Circular 9, Works Made\nfor Hire." in doc.text
    assert "[Not a link" in doc.text  # a blank line ends a paragraph, and a link never spans two
