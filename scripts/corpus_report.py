"""Print figures about a corpus folder: documents, register entries, field coverage, primary-first sources, chunks.

    python scripts/corpus_report.py [sources/]

Reads the files with the real loader and chunker and builds the same records the index would hold, so the register
figures are the ones `assistant disputes` and the web UI see.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from assistant.chunking import chunk_document
from assistant.disputes import REQUIRED, coverage, from_records, is_primary_source
from assistant.loaders import load_path


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "sources")
    docs = [load_path(p, root=root) for p in sorted(root.rglob("*.md"))]
    records = [{"source_id": d.source_id, "title": d.title, "doc_type": d.doc_type, "jurisdiction": d.jurisdiction,
                "fm": json.dumps(d.metadata, default=str)} for d in docs]
    entries = from_records(records)
    cov = coverage(records)
    full = [e for e in entries if e.full_document]
    complete = [e for e in entries if not e.missing()]
    missing = Counter(f for e in entries for f in e.missing())
    led = [d for d in docs if is_primary_source((d.metadata.get("sources") or [""])[0])]
    top = [d for d in docs if "/" not in str(Path(d.path).relative_to(root))]
    top_led = [d for d in top if d in led]
    chunks = sum(len(chunk_document(d)) for d in docs)
    print(f"documents: {cov.documents} ({len(top)} in {root}/, {cov.documents - len(top)} register records)")
    print(f"register entries: {cov.disputes} ({len(full)} full documents, {cov.disputes - len(full)} short records); "
          f"current to {cov.current_to}")
    print(f"entries with every field filled: {len(complete)}/{len(entries)} = {len(complete) / len(entries):.1%}")
    for f in REQUIRED:
        print(f"  {f:<16} filled in {len(entries) - missing[f]:>3}/{len(entries)}")
    print(f"entries confirmed beyond the tracker: {sum(e.confirmed for e in entries)}/{len(entries)}")
    print(f"documents whose first source is primary or official: {len(led)}/{len(docs)} = {len(led) / len(docs):.1%} "
          f"(full documents: {len(top_led)}/{len(top)} = {len(top_led) / len(top):.1%})")
    print(f"chunks: {chunks}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
