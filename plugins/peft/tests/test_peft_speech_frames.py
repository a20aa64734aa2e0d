"""The speech-frame control keeps, of each 1 500-frame calibration window, the frames that cover
its audio (320 samples per frame)."""

from __future__ import annotations

from spectral_harness_peft.asr_speech_frames import speech_mask


def test_the_mask_keeps_the_frames_that_cover_each_utterance():
    mask = speech_mask([640, 641, 480_000]).reshape(3, 1500)
    assert mask[0].sum() == 2 and mask[0, :2].all()
    assert mask[1].sum() == 3  # a partly covered frame counts
    assert mask[2].all()  # a full 30-s window keeps every frame
    assert not mask[0, 2:].any()
