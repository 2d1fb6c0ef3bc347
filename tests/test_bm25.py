import numpy as np

from assistant.bm25 import BM25Index


def _index(n=5):
    bm = BM25Index()
    texts = ["fair use ruling on books", "settlement of one point five billion", "the weather is nice",
             "fair use and transformative purpose", "text and data mining opt out"]
    for i, t in enumerate(texts[:n]):
        bm.add(f"c{i}", t, {"source_id": f"s{i % 3}"})
    return bm


def test_ranks_matching_chunks_first():
    bm = _index()
    top = [bm.ids[r] for r, _s in bm.search("fair use ruling", 3)]
    assert top[0] == "c0" and "c3" in top and "c2" not in top


def test_removal_and_mask():
    bm = _index()
    bm.remove_ids(["c0"])
    assert "c0" not in [bm.ids[r] for r, _ in bm.search("fair use ruling", 5)]
    mask = np.array([s == "s1" for s in bm.source_of])
    assert [bm.ids[r] for r, _ in bm.search("fair use billion", 5, mask)] == ["c1"]


def test_compaction_keeps_rows_and_scores_consistent():
    bm = BM25Index()
    for i in range(3000):
        bm.add(f"c{i}", f"document n{i} about topic{i % 7} and fair use", {"source_id": f"s{i}"})
    bm.remove_ids([f"c{i}" for i in range(2000)])
    assert len(bm.ids) == bm.n_alive == 1000  # compacted: dead rows are gone
    assert bm.ids[bm.search("n2500", 1)[0][0]] == "c2500"
    after = [bm.ids[r] for r, _ in bm.search("topic3", 50)]
    assert len(after) == 50 and all(int(c[1:]) % 7 == 3 and int(c[1:]) >= 2000 for c in after)
    assert bm.source_of[bm.row["c2999"]] == "s2999"


def test_save_load_round_trip_gives_identical_results(tmp_path):
    bm = _index()
    bm.add("c9", "fair use fair use ruling again", {"source_id": "s9", "section": "Rulings"})
    bm.remove_ids(["c3"])
    before = [(bm.ids[r], round(s, 5)) for r, s in bm.search("fair use ruling", 5)]
    bm.save(tmp_path / "bm25", signature="sig-1")
    loaded, sig = BM25Index.load(tmp_path / "bm25")
    assert sig == "sig-1"
    assert [(loaded.ids[r], round(s, 5)) for r, s in loaded.search("fair use ruling", 5)] == before
    assert loaded.section_of[loaded.row["c9"]] == "Rulings" and "c3" not in loaded.row
    assert BM25Index.load(tmp_path / "missing") is None


def test_delta_and_frozen_parts_score_alike():
    a, b = BM25Index(), BM25Index()
    items = [(f"c{i}", f"text {i % 5} about court ruling {i % 3}", {"source_id": f"s{i}"}) for i in range(50)]
    for cid, t, m in items:
        a.add(cid, t, m)  # all in the delta
    b.add_many(items)  # frozen
    assert [(a.ids[r], round(s, 5)) for r, s in a.search("court ruling 3", 10)] == \
           [(b.ids[r], round(s, 5)) for r, s in b.search("court ruling 3", 10)]
