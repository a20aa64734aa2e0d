"""Word error rate of transcripts against reference sentences, after a small text normaliser.

Normalising: lower case; every character other than a letter, digit or apostrophe becomes a
space; apostrophes at a word's edge are dropped; whole numbers below 100 are spelled out
("2" → "two", "42" → "forty two"), so Whisper writing digits is not an error. The WER is
corpus-level: the total word-level edit distance (substitutions + deletions + insertions,
``jiwer``) divided by the number of reference words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(number: int) -> str:
    """English words of a whole number in [0, 100)."""
    if number < 20:
        return ONES[number]
    tens, ones = divmod(number, 10)
    return TENS[tens - 2] + ("" if ones == 0 else " " + ONES[ones])


def normalize(text: str) -> str:
    """Lower-cased words without punctuation, numbers below 100 spelled out."""
    words = re.sub(r"[^a-z0-9']+", " ", text.lower()).split()
    words = [w.strip("'") for w in words]
    return " ".join(spell(int(w)) if w.isdigit() and int(w) < 100 else w for w in words if w)


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER of ``hypotheses`` against ``references`` (both normalised first)."""
    import jiwer

    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    refs = [normalize(r) for r in references]
    if not all(refs):
        raise ValueError("every reference needs at least one word")
    return float(jiwer.wer(refs, [normalize(h) for h in hypotheses]))
