"""Regenerate the committed bad-input catalogue in this folder (run once; the files are committed).

    .venv/bin/python tests/data/bad/make_catalogue.py

Files that must not be committed (the 50 MB file, symlink loops, very long or unicode names) are made by the
tests in tmp_path instead; see README.md here.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

HERE = Path(__file__).parent


def _text_pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def main() -> None:
    from fpdf import FPDF
    from PIL import Image, ImageDraw
    from pypdf import PdfReader, PdfWriter

    files: dict[str, bytes] = {}
    files["empty.md"] = b""
    rng = random.Random(8)
    files["garbage.md"] = bytes(rng.randrange(256) for _ in range(2048))

    good = _text_pdf(["Notes on the Kadrey v. Meta fair use ruling.", "The court found the use transformative."])
    files["corrupt.pdf"] = good[: len(good) // 2]  # cut off mid-stream, as an interrupted download would be

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.encrypt(user_password="catalogue-password", owner_password="catalogue-owner")
    buf = io.BytesIO()
    writer.write(buf)
    files["encrypted.pdf"] = buf.getvalue()

    img = Image.new("L", (240, 80), 255)
    ImageDraw.Draw(img).text((10, 30), "SCANNED PAGE: NO TEXT LAYER", fill=0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(img, x=20, y=20, w=160)
    files["scanned.pdf"] = bytes(pdf.output())

    files["no-article.html"] = b"""<!doctype html>
<html><head><title>Menu only</title><script>var tracking = "SCRIPT_TEXT";</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About</a></nav>
<footer>Copyright 2026. All rights reserved.</footer></body></html>
"""
    files["malformed-front-matter.md"] = b"""---
id: malformed
title: [an unclosed list
type: case
---
# Malformed front matter

This body would be fine, but the YAML above it is not.
"""
    files["bad-date.md"] = b"""---
id: bad-date
title: A note with a date that is not a date
date: yesterday
---
# A note with a date that is not a date

The court heard arguments about the training data.
"""
    files["sources-not-list.md"] = b"""---
id: sources-not-list
title: A note whose sources are one string
sources: https://example.org/only-one
---
# A note whose sources are one string

The tribunal published its reasons online.
"""
    dup = """---
id: duplicate-id
title: {title}
type: article
---
# {title}

{body}
"""
    files["duplicate-id-a.md"] = dup.format(
        title="First file using the id", body="The first file explains the licensing talks between the labels."
    ).encode()
    files["duplicate-id-b.md"] = dup.format(
        title="Second file using the same id", body="The second file describes a different dispute entirely."
    ).encode()
    files["unsupported.docx"] = b"PK\x03\x04" + bytes(64)

    files["latin1.txt"] = (
        "Décision du tribunal: société française\n\n"
        "La société Éditions Gérard a obtenu gain de cause à Paris; le juge a cité l'exception « fouille de "
        "textes et de données » (coût: 1 500 francs, soit environ 230 £ ± 5 %).\n"
    ).encode("latin-1")
    files["utf16-bom.txt"] = (
        "Urteil zum Text- und Data-Mining\n\n"
        "Das Landgericht Hamburg hat entschieden, dass der Verein LAION die Fotos für das Training nutzen durfte. "
        "Straße, Größe, Übung: Umlaute müssen erhalten bleiben. 日本語も読めること。\n"
    ).encode("utf-16")  # Python's utf-16 codec writes a BOM
    for name, data in files.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
