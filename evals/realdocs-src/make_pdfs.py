"""Render public-domain court texts as PDFs laid out like court filings.

The PDFs in this folder that are named in DOCS are generated, not downloaded: the opinion text (verbatim,
from evals/realdocs-src/) is set on 28-line pleading paper with line numbers in the left margin, a running
"Case ... Document ... Filed ... Page N of M" stamp, a caption block, page-number footers and a closing
signature block. The stamp, document number and layout are synthetic (see SOURCES.md); the words of the
opinion are not changed.

The content stream is written in the order pypdf reads real N.D./C.D. Cal. orders back: gutter numbers
1-28 first, then the footer, then the body lines, then the header stamp last. So `extract_text()` gives
"1 \\n2 \\n...28 \\n" before the text of each page and "Case ... Page N of M" at its end, as it does for
the real filings listed in /work/realdocs-local/README.md.

Run: python evals/realdocs-src/make_pdfs.py   (needs fpdf2 and the Liberation Serif font)
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
SRC = HERE
FONT_DIR = Path("/usr/share/fonts/truetype/liberation")

LINES_PER_PAGE = 28
TOP = 72.0          # y of pleading line 1 (pt)
PITCH = 24.0        # double spacing
LEFT_TEXT = 108.0   # body starts right of the gutter rule
RIGHT = 560.0
GUTTER_X = 60.0


@dataclass
class Doc:
    out: str
    src: str
    court: list[str]
    parties: list[str]
    case_no: str
    title: list[str]
    stamp_case: str
    doc_no: int
    filed: str
    footer: str
    signed: list[str]
    meta_title: str = ""   # real filings carry an empty or word-processor title, never the caption


DOCS = [
    Doc(
        out="feist-v-rural.pdf", src="feist-v-rural.txt",
        court=["SUPREME COURT OF THE UNITED STATES"],
        parties=["FEIST PUBLICATIONS, INC.,", "Petitioner,", "v.", "RURAL TELEPHONE SERVICE CO., INC.,",
                 "Respondent."],
        case_no="No. 89-1909",
        title=["ON WRIT OF CERTIORARI TO THE UNITED STATES", "COURT OF APPEALS FOR THE TENTH CIRCUIT",
               "", "OPINION OF THE COURT", "Argued January 9, 1991", "Decided March 27, 1991"],
        stamp_case="Case 89-1909", doc_no=57, filed="03/27/91",
        footer="OPINION OF THE COURT - No. 89-1909",
        meta_title="Microsoft Word - 89-1909_Feist_opinion_FINAL.docx",
        signed=["Dated: March 27, 1991", "", "O'CONNOR, J., delivered the opinion of the Court, in which",
                "REHNQUIST, C. J., and WHITE, MARSHALL, STEVENS, SCALIA, KENNEDY,",
                "and SOUTER, JJ., joined. BLACKMUN, J., concurred in the judgment."],
    ),
    Doc(
        out="oracle-v-google.pdf", src="oracle-v-google.txt",
        court=["UNITED STATES COURT OF APPEALS", "FOR THE FEDERAL CIRCUIT"],
        parties=["ORACLE AMERICA, INC.,", "Plaintiff-Appellant,", "v.", "GOOGLE INC.,",
                 "Defendant-Cross-Appellant."],
        case_no="Nos. 2013-1021, 2013-1022",
        title=["Appeals from the United States District Court for the", "Northern District of California,",
               "No. 3:10-cv-03561", "", "OPINION (EXCERPT)", "Decided: May 9, 2014"],
        stamp_case="Case 13-1021", doc_no=112, filed="05/09/14",
        footer="OPINION - Nos. 2013-1021, -1022",
        signed=["Dated: May 9, 2014", "", "KATHLEEN M. O'MALLEY", "United States Circuit Judge"],
    ),
]


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    out: list[str] = []
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            out.append("")
            continue
        lines = pdf.multi_cell(width, PITCH, "     " + para, dry_run=True, output="LINES")
        out.extend(lines)
    return out


def _fresh(doc: Doc) -> FPDF:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT_TEXT, TOP, 612 - RIGHT)
    pdf.add_font("Serif", "", str(FONT_DIR / "LiberationSerif-Regular.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "LiberationSerif-Bold.ttf"))
    pdf.set_title(doc.meta_title)
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=timezone.utc))  # reproducible output
    return pdf


def render(doc: Doc) -> Path:
    if not (FONT_DIR / "LiberationSerif-Regular.ttf").exists():
        sys.exit(f"make_pdfs: font not found in {FONT_DIR} (apt-get install fonts-liberation)")
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT_TEXT, TOP, 612 - RIGHT)
    pdf.add_font("Serif", "", str(FONT_DIR / "LiberationSerif-Regular.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "LiberationSerif-Bold.ttf"))
    pdf.set_title(" ".join(doc.parties[:1] + ["v."] + doc.parties[3:4]).replace(",", ""))
    pdf.set_font("Serif", "", 12)
    pdf.add_page()  # scratch document for measuring line breaks only

    # Page 1 caption occupies the first lines of the pleading grid.
    caption: list[tuple[str, str]] = [("", "")] * 2
    caption += [("C", c) for c in doc.court] + [("", "")]
    left = doc.parties
    right = [doc.case_no, ""] + doc.title
    for i in range(max(len(left), len(right))):
        caption.append(("2", f"{left[i] if i < len(left) else ''}\t{right[i] if i < len(right) else ''}"))
    caption.append(("", ""))
    body = [("", ln) for ln in _wrap(pdf, (SRC / doc.src).read_text(encoding="utf-8"), RIGHT - LEFT_TEXT)]
    closing = [("", ""), ("B", "IT IS SO ORDERED.")] + [("", "")] + [("R", s) for s in doc.signed]
    lines = caption + body + closing
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    total = len(pages)
    pdf = _fresh(doc)

    for n, page in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Serif", "", 12)
        pdf.set_line_width(0.6)
        pdf.line(LEFT_TEXT - 12, 36, LEFT_TEXT - 12, 756)   # gutter rule
        pdf.line(LEFT_TEXT - 15, 36, LEFT_TEXT - 15, 756)
        pdf.line(RIGHT + 6, 36, RIGHT + 6, 756)
        for i in range(1, LINES_PER_PAGE + 1):                # 1. gutter numbers
            pdf.text(GUTTER_X, TOP + (i - 1) * PITCH, f"{i}")
        pdf.set_font("Serif", "", 9)                          # 2. footer
        pdf.text(300, 770, f"- {n} -")
        pdf.text(LEFT_TEXT, 782, doc.footer)
        pdf.set_font("Serif", "", 12)
        for i, (kind, text) in enumerate(page):               # 3. body
            y = TOP + i * PITCH
            if kind == "C":
                pdf.set_font("Serif", "B", 12)
                pdf.text((612 - pdf.get_string_width(text)) / 2, y, text)
                pdf.set_font("Serif", "", 12)
            elif kind == "2":
                a, b = text.split("\t")
                pdf.text(LEFT_TEXT, y, a)
                if b:
                    pdf.text(340, y, b)
                pdf.line(325, y - 14, 325, y + 8)
            elif kind == "B":
                pdf.set_font("Serif", "B", 12)
                pdf.text(LEFT_TEXT + 36, y, text)
                pdf.set_font("Serif", "", 12)
            elif kind == "R":
                pdf.text(330, y, text)
            elif text:
                pdf.text(LEFT_TEXT, y, text)
        pdf.set_font("Serif", "", 9)                          # 4. running stamp, written last
        stamp = f"{doc.stamp_case}   Document {doc.doc_no}   Filed {doc.filed}   Page {n} of {total}"
        pdf.text((612 - pdf.get_string_width(stamp)) / 2, 24, stamp)
    out = HERE.parent / "realdocs" / doc.out
    pdf.output(str(out))
    return out


def main() -> None:
    for d in DOCS:
        p = render(d)
        print(f"{p.name}: {p.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
