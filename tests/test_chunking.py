from assistant.chunking import chunk_document, sections
from assistant.loaders import load_path, parse_markdown, parse_text
from conftest import CORPUS


def test_markdown_headings_start_chunks_and_name_sections():
    doc = load_path(CORPUS / "bartz-mini.md", root=CORPUS)
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["Summary", "Key dates", "Rulings and outcome"]
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.title == doc.title


def test_chunk_ids_are_deterministic_and_change_with_content():
    doc = load_path(CORPUS / "bartz-mini.md", root=CORPUS)
    a = [c.id for c in chunk_document(doc)]
    assert a == [c.id for c in chunk_document(load_path(CORPUS / "bartz-mini.md", root=CORPUS))]
    doc.text = doc.text.replace("$3,000", "$3,100")
    b = [c.id for c in chunk_document(doc)]
    assert a[:2] == b[:2] and a[2] != b[2]


def test_statute_sections_start_chunks_in_plain_text():
    text = ("Test statute\n\nArticle 3\nResearch bodies may mine texts.\n\nArticle 4 - Exception for anyone\n"
            "Anyone may mine texts unless the rightholder reserved the right.\n")
    doc = parse_text(text, default_id="statute")
    heads = [h for h, _a, _b in sections(doc)]
    assert heads == ["", "Article 3", "Article 4 - Exception for anyone"]
    chunks = chunk_document(doc)
    assert chunks[-1].section == "Article 4 - Exception for anyone"
    assert "reserved the right" in chunks[-1].text


def test_long_sections_split_under_the_limit_at_sentence_ends():
    body = " ".join(f"Sentence number {i} talks about the fair use factor." for i in range(60))
    doc = parse_markdown(f"# T\n\n## Long\n\n{body}\n", default_id="long")
    chunks = chunk_document(doc, max_chars=300)
    assert len(chunks) > 5
    for c in chunks:
        assert len(c.text) <= 300 and c.text.endswith(".") and c.section == "Long"
        assert doc.text[c.start:c.end] == c.text


def test_pdf_chunks_carry_page_numbers():
    doc = load_path(CORPUS / "japan-30-4.pdf", root=CORPUS)
    chunks = chunk_document(doc)
    assert {c.page for c in chunks} == {1, 2}
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)


def test_a_provisions_number_over_its_title_is_one_section_and_unspaced_headings_count():
    # as a treaty converted to Markdown writes it: '##Title' with no space, and each article's number over its title
    text = ("##Verdrag inzake auteursrecht (WCT) (1996)\n\n####WIPO Copyright Treaty (WCT) (1996)\n\nPreamble text.\n\n"
            "### Article  2  \n\n####Scope of Copyright Protection\n\nCopyright protection extends to expressions.\n\n"
            "### Article 3\n\n### Article 4\n\nComputer programs are protected.\n\n#hashtag is no heading.\n")
    doc = parse_markdown(text, default_id="wct")
    heads = [h for h, _a, _b in sections(doc)]
    assert heads == ["WIPO Copyright Treaty (WCT) (1996)", "Article 2 \u2014 Scope of Copyright Protection",
                     "Article 4"]  # an article with no text of its own is not merged with the next article
    assert doc.title == "Verdrag inzake auteursrecht (WCT) (1996)"  # the one top-level heading
    chunks = chunk_document(doc)
    assert any(c.section.startswith("Article 2") and c.text.startswith("Copyright protection") for c in chunks)
    assert any("#hashtag is no heading." in c.text for c in chunks)


def test_headings_that_share_the_top_level_name_no_document():
    doc = parse_markdown("### Requesting Information\n\nText.\n\n### Legal Process\n\nMore.\n", default_id="guidelines")
    assert doc.title == "guidelines"
    doc = parse_markdown("# Real Title\n\n## A\n\nText.\n", default_id="x")
    assert doc.title == "Real Title"


def test_a_court_papers_outline_headings_start_sections_with_their_parents():
    from assistant.types import SourceDoc

    caption = "UNITED STATES DISTRICT COURT\nNORTHERN DISTRICT OF CALIFORNIA\nANDREA BARTZ, et al.,\nPlaintiffs.\n"
    body = ("This order rules on the motion.\nSTATEMENT\nThe authors sued.\nANALYSIS\nThe factors follow.\n"
            "1. THE PURPOSE AND CHARACTER OF THE USE.\nTraining was transformative.\n"
            "A. THE COPIES USED TO TRAIN SPECIFIC LLMS.\nThey were used to train.\n"
            "(ii) The Pirated Library Copies.\nThey were stolen.\n"
            "4. THE EFFECT OF THE USE UPON THE MARKET FOR OR VALUE OF THE\nCOPYRIGHTED WORK.\nDemand was displaced.\n"
            "(b) the court may act within 30 days,\nwhich is no heading.\nCOUNT IV\nALTERATION OR REMOVAL OF COPYRIGHT "
            "MANAGEMENT\nINFORMATION PURSUANT TO 17 U.S.C. §1202\n70. The Software had management information.\n")
    text = caption * 20 + body  # (the caption fills the first page's top half, which is not read for headings)
    doc = SourceDoc(source_id="order", title="Order", text=text, format="pdf", pages=[(1, 0, len(text))])
    heads = [h for h, _a, _b in sections(doc)]
    assert heads[1:] == [
        "STATEMENT", "ANALYSIS", "ANALYSIS \u2014 1. THE PURPOSE AND CHARACTER OF THE USE.",
        "ANALYSIS \u2014 1. THE PURPOSE AND CHARACTER OF THE USE. \u2014 A. THE COPIES USED TO TRAIN SPECIFIC LLMS.",
        "ANALYSIS \u2014 1. THE PURPOSE AND CHARACTER OF THE USE. \u2014 A. THE COPIES USED TO TRAIN SPECIFIC LLMS. "
        "\u2014 (ii) The Pirated Library Copies.",
        "ANALYSIS \u2014 4. THE EFFECT OF THE USE UPON THE MARKET FOR OR VALUE OF THE COPYRIGHTED WORK.",
        "COUNT IV ALTERATION OR REMOVAL OF COPYRIGHT MANAGEMENT INFORMATION PURSUANT TO 17 U.S.C. \u00a71202",
    ]
    # the caption's lines in capitals are no headings, and every chunk is verbatim text of its section
    for c in chunk_document(doc):
        assert doc.text[c.start:c.end] == c.text
