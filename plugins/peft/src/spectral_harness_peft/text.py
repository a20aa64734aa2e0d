"""Real English sentiment text obtainable offline: templated review sentences built from the VADER
lexicon's words and labelled by VADER's own rule-based scorer (negation, "but" clauses, boosters).

The sentiment words are split once, by a hash of the word, into a training and a test half, so a
test sentence's sentiment word never occurs in training: only what the pretrained encoder knows
about the word (and the structure the fine-tuning learns: negation, contrast) can solve it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from spectral_harness_peft.assets import Asset

SUBJECTS = (
    "the movie",
    "the food",
    "the service",
    "the hotel",
    "this phone",
    "the book",
    "the concert",
    "my flight",
    "the staff",
    "the game",
    "the course",
    "the apartment",
    "the software",
    "the show",
    "the meal",
    "the trip",
)
BOOSTERS = ("very", "really", "extremely", "quite", "so", "incredibly", "slightly", "somewhat")
TEMPLATES = (
    "{s} was {w}.",
    "{s} was not {w}.",
    "{s} was {b} {w}.",
    "{s} was {w}, but {s2} was {w2}.",
    "i expected {s} to be {w}, but it was {w2}.",
    "{s} was never {w}.",
    "{s} was {w} and {w2}.",
)


@dataclass(frozen=True)
class Sentences:
    """Sentences with binary labels (1 positive, 0 negative)."""

    text: list[str]
    labels: list[int]


def lexicon_words(asset: Asset, min_valence: float, max_std: float) -> list[tuple[str, float]]:
    """Alphabetic lexicon words (3+ letters) with |mean valence| ≥ ``min_valence`` and rater
    standard deviation ≤ ``max_std``, with their valence, in file order."""
    words = []
    for line in asset.file("vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        token, mean, std, *_ = line.split("\t")
        plain = token.isalpha() and len(token) >= 3 and token.islower()
        if plain and abs(float(mean)) >= min_valence and float(std) <= max_std:
            words.append((token, float(mean)))
    return words


def split_half(word: str) -> str:
    """``train`` or ``test``: a fixed split by the word's hash (independent of any seed)."""
    return "test" if hashlib.sha256(word.encode()).digest()[0] % 2 else "train"


def make_sentences(
    asset: Asset, split: str, n: int, seed: int, min_valence: float = 1.0, max_std: float = 1.2
) -> Sentences:
    """``n`` class-balanced sentences of ``split`` (``train``/``test``) drawn with ``seed`` and
    labelled by VADER's compound score (> 0.05 positive, < −0.05 negative, neutral dropped)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    scorer = SentimentIntensityAnalyzer()
    pool = [w for w, _ in lexicon_words(asset, min_valence, max_std) if split_half(w) == split]
    rng = random.Random(f"{split}:{seed}")
    kept: dict[int, list[str]] = {0: [], 1: []}
    seen: set[str] = set()
    while min(len(v) for v in kept.values()) < (n + 1) // 2:
        sentence = _draw(rng, pool)
        if sentence in seen:
            continue
        seen.add(sentence)
        compound = scorer.polarity_scores(sentence)["compound"]
        if abs(compound) > 0.05:
            label = int(compound > 0)
            if len(kept[label]) < (n + 1) // 2:
                kept[label].append(sentence)
    pairs = [(s, label) for label in (0, 1) for s in kept[label]]
    rng.shuffle(pairs)
    pairs = pairs[:n]
    return Sentences([s for s, _ in pairs], [label for _, label in pairs])


def _draw(rng: random.Random, pool: Sequence[str]) -> str:
    s, s2 = rng.sample(SUBJECTS, 2)
    return rng.choice(TEMPLATES).format(
        s=s, s2=s2, w=rng.choice(pool), w2=rng.choice(pool), b=rng.choice(BOOSTERS)
    )


def tokenize(asset: Asset, text: Sequence[str], max_len: int):
    """Token ids and attention mask (both (N, T) int64 tensors, T = the longest sentence, at
    most ``max_len``) from the asset's own WordPiece ``tokenizer.json``."""
    import torch
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(asset.file("tokenizer.json")))
    tokenizer.enable_truncation(max_length=max_len)
    tokenizer.no_padding()
    encoded = tokenizer.encode_batch(list(text))
    length = max(len(e.ids) for e in encoded)
    ids = torch.zeros(len(encoded), length, dtype=torch.int64)
    mask = torch.zeros(len(encoded), length, dtype=torch.int64)
    for row, e in enumerate(encoded):
        ids[row, : len(e.ids)] = torch.tensor(e.ids)
        mask[row, : len(e.ids)] = 1
    return ids, mask
