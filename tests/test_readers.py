"""Reading real documents faithfully: court-filing PDF text (gutters, stamps, captions), official HTML (structure,
superscripts), static-site Markdown (ISO date-times, TOML, raw HTML) and plain-text titles. Fast: no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import LoadError
from assistant.filings import clean_pages, leading_header, read_caption, read_judge, strip_gutter
from assistant.html_reader import read_structured
from assistant.loaders import _pdf_document, parse_html, parse_markdown, parse_text

REAL = Path(__file__).parent / "data" / "real"


def _pages_like_feist() -> list[str]:
    """The real extraction of page 2 of a generated filing, between two pages laid out the same way (running
    headers are told apart by recurring on most pages)."""
    page2 = (REAL / "feist-page2-pypdf.txt").read_text(encoding="utf-8")
    gutter = "\n".join(str(i) for i in range(1, 29))

    def page(i: int, body: str) -> str:
        return (f"{gutter}\n- {i} -\nOPINION OF THE COURT - No. 89-1909\n{body}\n"
                f"Case 89-1909   Document 57   Filed 03/27/91   Page {i} of 20")

    return [page(1, "The opening page of the opinion."), page2, page(3, "A later page says something else.")]


def test_pleading_gutter_stamps_and_running_headers_are_dropped():
    cleaned, stamps = clean_pages(_pages_like_feist())
    text = cleaned[1]
    assert text.startswith("Feist Publications, Inc., is a publishing company")
    lines = text.splitlines()
    assert not any(l.strip().isdigit() for l in lines), "a gutter number survived"
    assert "Document 57" not in text and "Page 2 of 20" not in text
    assert "OPINION OF THE COURT - No. 89-1909" not in text and "- 2 -" not in text
    assert "46,878" in text and "7,700" in text  # the body's own numbers stay
    assert stamps[0].docket == "89-1909" and stamps[0].document == "57" and stamps[0].filed == "1991-03-27"


def test_line_numbers_leading_text_lines_are_stripped_but_numbered_paragraphs_stay():
    gutter = [f"{i} line {i} of the order text" for i in range(1, 15)]
    assert strip_gutter(gutter)[0] == "line 1 of the order text"
    numbered = ["1. The first point.", "2. The second point.", "3. The third point."]
    assert strip_gutter(numbered) == numbered
    short = ["1", "2", "3", "Body"]  # three bare numbers are no gutter
    assert strip_gutter(short) == short


def test_ecf_stamp_glued_to_other_text_is_removed_and_read():
    cleaned, stamps = clean_pages(["XXXXXXXXCase 4:08-cv-02214-SBA   Document 27   Filed 02/03/09   Page 1 of 2\nThe order."])
    assert cleaned == ["XXXXXXXX\nThe order."]
    assert stamps[0].docket == "4:08-cv-02214-SBA" and stamps[0].filed == "2009-02-03"


CAPTION = """UNITED STATES DISTRICT COURT
NORTHERN DISTRICT OF CALIFORNIA
ANDREA BARTZ, CHARLES GRAEBER, and KIRK
WALLACE JOHNSON, individually and on behalf of others,
Plaintiffs,
v.
ANTHROPIC PBC,
Defendant.

No. C 24-05417 WHA

ORDER ON FAIR USE

INTRODUCTION
An artificial intelligence firm downloaded for free millions of copyrighted books."""

SIGNATURE = """IT IS SO ORDERED.
Dated: June 23, 2025.
WILLIAM ALSUP
UNITED STATES DISTRICT JUDGE"""


def test_caption_gives_title_court_docket_kind_and_date():
    cap = read_caption(CAPTION + "\n" + SIGNATURE)
    assert cap.court == "United States District Court, Northern District of California"
    assert cap.parties == "Andrea Bartz v. Anthropic PBC"
    assert cap.document == "Order on Fair Use"
    assert cap.title == "Andrea Bartz v. Anthropic PBC \u2014 Order on Fair Use"
    assert cap.docket.startswith("C 24-05417")
    assert cap.kind == "order"
    assert cap.date == "2025-06-23"
    assert read_judge(SIGNATURE, CAPTION) == "William Alsup"


def test_text_without_a_caption_reads_as_no_filing():
    cap = read_caption("Annual report\n\nThe office received many comments on training data.")
    assert cap.title == "" and cap.kind == "" and cap.court == ""


EURLEX = """<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>L_202401689EN.000101.fmx.xml</title></head><body>
<table><tbody><tr><td><p class="oj-hd-date">12.7.2024</p></td><td><p class="oj-hd-ti">Official Journal of the European
Union</p></td></tr></tbody></table>
<div class="eli-main-title"><p class="oj-doc-ti">REGULATION (EU) 2024/1689 OF THE EUROPEAN PARLIAMENT AND OF THE
COUNCIL</p><p class="oj-doc-ti">of 13 June 2024</p><p class="oj-doc-ti">laying down harmonised rules on artificial
intelligence (Artificial Intelligence Act)</p><p class="oj-doc-ti">(Text with EEA relevance)</p></div>
<div class="eli-subdivision" id="rct_7"><table><tbody><tr><td><p class="oj-normal">(7)</p></td><td><p
class="oj-normal">Common rules should apply, as recalled in a communication (<a href="#ntr1"><span class="oj-super
oj-note-tag">1</span></a>).</p></td></tr></tbody></table></div>
<div class="eli-subdivision" id="art_51"><p class="oj-ti-art">Article 51</p><div class="eli-title"><p
class="oj-sti-art">Classification of general-purpose AI models</p></div>
<div id="051.001"><p class="oj-normal">1.   A model shall be classified as posing systemic risk if:</p>
<table><tbody><tr><td><p class="oj-normal">(a)</p></td><td><p class="oj-normal">it has high impact capabilities; or</p>
<table><tbody><tr><td><p class="oj-normal">(i)</p></td><td><p class="oj-normal">a nested point;</p></td></tr></tbody>
</table></td></tr></tbody></table></div>
<div id="051.002"><p class="oj-normal">2.   It is presumed to have them when its training used more than
10<span class="oj-super">25</span> floating point operations, and CO<sub>2</sub> is 1<sup>st</sup> in line.</p></div>
</div></body></html>"""


def test_eurlex_structure_title_points_and_superscripts():
    doc = read_structured(EURLEX)
    assert doc is not None
    assert doc.title == "Artificial Intelligence Act (Regulation (EU) 2024/1689)"
    assert doc.aliases == ["Artificial Intelligence Act"]
    assert doc.date == "2024-06-13" and doc.jurisdiction == "EU" and doc.doc_type == "legislation"
    text = doc.text
    assert "## Recital 7" in text and "(7) Common rules should apply" in text
    assert "communication (1)." in text, "a note call is not an exponent"
    assert "## Article 51 \u2014 Classification of general-purpose AI models" in text
    assert "(a) it has high impact capabilities; or" in text
    assert text.count("a nested point") == 1, "nested points are read once"
    assert "more than 10^25 floating point operations" in text and "1025" not in text
    assert "CO2" in text and "1st in line" in text
    # the act's whole heading and the journal's reference are read once, after the title (a question about its full
    # title, date or publication is answered from them), and the journal's running header nowhere else
    assert ("REGULATION (EU) 2024/1689 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL of 13 June 2024 laying down "
            "harmonised rules on artificial intelligence (Artificial Intelligence Act)") in text
    assert text.count("Official Journal of the European") == 1 and text.index("Official Journal") < text.index(
        "## Recital 7") and "L_2024" not in text


def test_dga_recital_fixture_reads_as_a_numbered_recital():
    doc = parse_html((REAL / "eurlex-dga-recital-2.html").read_text(encoding="utf-8"), default_id="dga")
    assert "## Recital 2" in doc.text
    assert "(2) Over the last decade, digital technologies have transformed the economy" in doc.text
    assert "Recommendation 2003/361/EC (3), and start-ups" in doc.text


def test_ordinary_article_html_is_left_to_the_article_reader():
    html = "<html><head><title>News</title></head><body><nav>Home</nav><article><h1>Court rules on AI</h1>" \
           "<p>The court ruled on Tuesday that training was fair use, a decision the authors will appeal.</p>" \
           "<p>Water boils at 10<sup>2</sup> degrees.</p></article></body></html>"
    assert read_structured(html) is None
    doc = parse_html(html, default_id="news")
    assert "training was fair use" in doc.text and "10^2 degrees" in doc.text and "Home" not in doc.text


def test_static_site_markdown_iso_datetime_tags_and_unknown_keys():
    md = ("---\ntitle: A post\ndate: 2026-01-08T22:00:57+00:00\nlastmod: '2026-02-01T10:00:00Z'\ntags: ai, copyright\n"
          "weight: 40\naliases: [/old/path/]\n---\n# A post\n\nThe body says something about training data.\n")
    doc = parse_markdown(md, name="post.md", default_id="post")
    assert doc.date == "2026-01-08" and doc.metadata["date_original"].startswith("2026-01-08T22:00:57")
    assert doc.metadata["lastmod"] == "2026-02-01" and doc.metadata["lastmod_original"] == "2026-02-01T10:00:00Z"
    assert doc.metadata["tags"] == ["ai", "copyright"] and doc.metadata["weight"] == 40


def test_toml_front_matter_code_fence_headings_and_raw_html_body():
    md = ('+++\ntitle = "Fine-tuning in Europe"\ndate = "2026-02-13"\n+++\n\n```python\n# not a title\n```\n\n'
          'See [Article 4](https://eur-lex.europa.eu/eli/dir/2019/790/oj) and ![img](x.png) here.\n\n'
          '<p>Reddit <a href="https://x.test" data-i13n="cpos:1">sued</a> Perplexity.</p><p>Second &amp; last.</p>'
          '<p>Third.</p>\n')
    doc = parse_markdown(md, name="p.md", default_id="p")
    assert doc.title == "Fine-tuning in Europe" and doc.date == "2026-02-13"
    assert "See Article 4 and  here." in doc.text
    assert "Reddit sued Perplexity." in doc.text and "Second & last." in doc.text and "<a" not in doc.text
    with pytest.raises(LoadError, match="TOML"):
        parse_markdown('+++\ntitle = \n+++\nbody\n', name="bad.md")


def test_markdown_title_is_not_taken_from_a_code_comment():
    doc = parse_markdown("Intro line.\n\n```\n# comment\n```\n\nMore text here for the body.\n", default_id="x")
    assert doc.title == "x"


def test_plain_text_title_from_an_underlined_heading_or_first_words():
    assert parse_text("\n12\n\nCopyright Act notes\n=====\nBody.\n").title == "Copyright Act notes"
    assert parse_text("  3  \n§ 1202. Integrity of copyright management information\n(a) text").title.startswith("§ 1202.")


def test_a_slip_opinion_caption_is_the_capitalised_run_above_the_v_not_the_syllabus_note():
    head = ("(Slip Opinion) OCTOBER TERM, 2025\nSyllabus\nNOTE: Where it is feasible, a syllabus (headnote) will be "
            "released, as is\nbeing done in connection with this case, at the time the opinion is issued.\nSyllabus\n"
            "CONEY ISLAND AUTO PARTS UNLIMITED, INC. v.\nBURTON, CHAPTER 7 TRUSTEE FOR VISTA-PRO\n"
            "CERTIORARI TO THE UNITED STATES COURT OF APPEALS FOR\nTHE SIXTH CIRCUIT\n"
            "No. 24\u2013808. Argued November 4, 2025\u2014Decided January 20, 2026\n")
    cap = read_caption(head)
    assert cap.parties == "Coney Island Auto Parts Unlimited, Inc v. Burton"
    assert cap.date == "2026-01-20"


def test_a_minutes_form_gives_its_title_date_and_docket_and_a_motion_number_is_no_docket():
    head = ("UNITED STATES DISTRICT COURT\nCENTRAL DISTRICT OF CALIFORNIA\n\n   CIVIL MINUTES \u2013 GENERAL   \u2018O\u2019\n"
            "Case No.  2:16-cv-08962-CAS-KSx Date\u00a0 January 15, 2019\n"
            "Title  MANUFACTURING AUTOMATION AND SOFTWARE SYSTEMS,\nINC. V. KRISTOPHER HUGHES, ET AL.\n\n"
            "Present: The Honorable  CHRISTINA A. SNYDER\nPLAINTIFF\u2019S MOTION IN LIMINE NO. 1 TO EXCLUDE (Dkt. 273, "
            "filed July 23, 2018)\n")
    cap = read_caption(head)
    assert cap.parties == "Manufacturing Automation and Software Systems, Inc v. Kristopher Hughes"
    assert cap.date == "2019-01-15" and cap.docket == "2:16-cv-08962-CAS-KSx"
    assert read_caption("MOTION IN LIMINE NO. 1 TO EXCLUDE EVIDENCE\n").docket == ""


def test_a_running_header_that_holds_the_caption_is_kept_once_at_the_top_of_the_text():
    # a minutes form repeats its court, case number, date and title on every page; cleaning drops the repeats,
    # and the first page's copy stays so the date and title can be quoted; the 'Page 1 of 3' footer does not
    header = ("UNITED STATES DISTRICT COURT\nCENTRAL DISTRICT OF CALIFORNIA\n\n   CIVIL MINUTES \u2013 GENERAL\n"
              "Case No.  2:16-cv-08962-CAS-KSx Date  January 15, 2019\nTitle  ACME CORP. V. ROE, ET AL.\n\n"
              "CV-90 (04/18)  CIVIL MINUTES - GENERAL Page {n} of 3\n")
    pages = [header.format(n=1) + "Present: The Honorable  JANE A. DOE\nThe Court DENIES the motion.\n",
             header.format(n=2) + "The plaintiff filed a complaint against the defendants.\n",
             header.format(n=3) + "IT IS SO ORDERED.\n"]
    cleaned, _ = clean_pages(pages)
    assert cleaned[0].startswith("Present: The Honorable")
    top = leading_header(pages[0], cleaned[0])
    assert "Date  January 15, 2019" in top and top.startswith("UNITED STATES DISTRICT COURT")
    assert "Page 1 of 3" not in top and "Present" not in top
    assert leading_header(pages[0], "The Court DENIES the motion.").count("Case No.") == 1
    assert leading_header("Present: the body starts at the top\n", "Present: the body starts at the top") == ""
    doc = _pdf_document(pages, None, "acme-minutes")
    assert doc.date == "2019-01-15" and doc.text.startswith("UNITED STATES DISTRICT COURT")
    assert doc.text.count("Case No.") == 1 and "Page 1 of 3" not in doc.text
    assert doc.text[doc.pages[0][1]:doc.pages[0][2]].endswith("DENIES the motion.")


def test_an_official_journal_text_is_titled_by_the_acts_heading_not_the_masthead():
    text = ("Official Journal\nof the European Union\n\nEN\n\nL series\n\n2024/1689\n\n12.7.2024\n\n"
            "REGULATION (EU) 2024/1689 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL\n\nof 13 June 2024\n\n"
            "laying down harmonised rules on artificial intelligence (Artificial Intelligence Act)\n\n"
            "(Text with EEA relevance)\n\nWhereas:\n")
    doc = parse_text(text)
    assert doc.title == ("REGULATION (EU) 2024/1689 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL "
                         "(Artificial Intelligence Act)")
    assert doc.doc_type == "legislation" and doc.jurisdiction == "EU"


def test_a_caption_with_v_on_its_own_line_then_a_blank_line_and_a_redacted_order_title():
    # (the court's name also runs down every page's margin, so cleaning drops it from the caption)
    head = ("SAN JOSE DIVISION\n\nTESSERA, INC.,\nPlaintiff,\nv.\n\nTOSHIBA CORPORATION,\nDefendant.\n\n"
            "Case No.  15-cv-02543-BLF\n\nREDACTED ORDER (1) GRANTING\nTESSERA\u2019S MOTION FOR PARTIAL\n"
            "SUMMARY JUDGMENT\n[Re: ECF 318, 378, 380]\n\nPlaintiff Tessera, Inc. and Defendant Toshiba ...\n")
    cap = read_caption(head)
    assert cap.parties == "Tessera, Inc v. Toshiba Corporation"
    assert cap.document == "Redacted Order (1) Granting Tessera\u2019s Motion for Partial Summary Judgment"
    assert cap.kind == "order"  # an order on a summary-judgment motion, not a judgment


def test_a_document_title_in_ordinary_case_under_the_case_number():
    head = ("UNITED STATES DISTRICT COURT\nCENTRAL DISTRICT OF CALIFORNIA\nTCL COMMUNICATION\nTECHNOLOGY HOLDINGS, "
            "LTD.,\net al.,\nPlaintiffs/Counterclaim-Defendants,\nv.\nTELEFONAKTIEBOLAGET LM\nERICSSON, et al.,\n"
            "Defendants/Counterclaim-Plaintiffs.\nCASE NO: SACV 14-341 JVS(DFMx)\nAmended\n"
            "Memorandum of Findings of Fact and Conclusions of Law\n")
    cap = read_caption(head)
    assert cap.document == "Amended Memorandum of Findings of Fact and Conclusions of Law"
    assert read_judge("IT IS SO ORDERED.\nJAMES V. SELNA\nUNITED STATES DISTRICT JUDGE\n", head) == "James V. Selna"


def test_a_footnote_that_breaks_a_sentence_at_a_page_foot_moves_below_its_paragraph():
    from assistant.filings import move_split_footnotes
    pages = ["The labels carry negative connotations. That said, to the extent that any of these terms\n\n"
             "1 Although not subject to the motion, Cisco intends to use \u201cIP Company.\u201d",
             "appear on the face of admissible documents, no redaction is necessary.\n\nThe Court DENIES the rest."]
    got = move_split_footnotes(pages)
    assert got[0] == "The labels carry negative connotations. That said, to the extent that any of these terms"
    assert got[1] == ("appear on the face of admissible documents, no redaction is necessary.\n\n1 Although not "
                      "subject to the motion, Cisco intends to use \u201cIP Company.\u201d\n\nThe Court DENIES the rest.")
    # a page whose sentence ended, or a list the page introduces, is left as it is
    ended = ["The Court GRANTS the motion.\n\n1 See Doe v. Roe.", "Next page."]
    assert move_split_footnotes(ended) == ended
    listed = ["The factors are as follows:\n\n1 The first factor is the purpose.", "2 The second factor."]
    assert move_split_footnotes(listed) == listed
