"""Word error rate: identical strings score 0, a known pair its hand-counted value, and the
normaliser forgives case, punctuation and digits."""

from __future__ import annotations

import pytest

from spectral_harness_peft.wer import normalize, spell, word_error_rate


def test_identical_transcripts_have_no_error():
    sentences = ["The birch canoe slid on the smooth planks.", "Mesh wire keeps chicks inside."]
    assert word_error_rate(sentences, sentences) == 0.0


def test_a_known_pair_scores_its_hand_counted_error_rate():
    # "sat" -> "sit" (1 substitution), "the" before "mat" deleted, "today" inserted: 3 / 6
    assert word_error_rate(["the cat sat on the mat"], ["the cat sit on mat today"]) == 0.5
    # corpus level: 3 errors over 6 + 4 reference words
    pair = word_error_rate(
        ["the cat sat on the mat", "a rod catches salmon"],
        ["the cat sit on mat today", "a rod catches salmon"],
    )
    assert pair == pytest.approx(3 / 10)


def test_the_normaliser_forgives_case_punctuation_and_digits():
    assert normalize("Two blue fish swam.") == normalize("2 Blue fish, SWAM")
    assert normalize("It's 42 'quoted' words!") == "it's forty two quoted words"
    assert [spell(n) for n in (0, 13, 20, 99)] == ["zero", "thirteen", "twenty", "ninety nine"]
    assert word_error_rate(["Two blue fish."], ["2 blue fish"]) == 0.0


def test_mismatched_lengths_and_empty_references_are_refused():
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        word_error_rate(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="at least one word"):
        word_error_rate(["..."], ["a"])
