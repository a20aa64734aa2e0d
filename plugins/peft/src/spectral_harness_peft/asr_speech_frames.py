"""A control of :mod:`.asr_task`: the same task, but each layer is calibrated on the encoder frames
that cover speech only, not on the silence that pads each utterance to Whisper's 30-s window.

An encoder frame covers 320 samples (20 ms); of each calibration window the first
⌈samples / 320⌉ frames are kept. Evaluation is unchanged (full windows). This tests whether the
padding, ~90 % of every espeak-ng window, is what makes the principal subspaces miss speech.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from harness import RunContext
from spectral_harness_peft.asr_task import Build, run_speech_compression, speech

SAMPLES_PER_FRAME = 320
FRAMES = 1500


def speech_mask(lengths: list[int]) -> torch.Tensor:
    """Which rows of the calibration inputs (``len(lengths)`` windows of 1 500 frames, in
    order) cover speech: the first ⌈samples / 320⌉ frames of each window."""
    mask = torch.zeros(len(lengths), FRAMES, dtype=torch.bool)
    for row, samples in enumerate(lengths):
        mask[row, : min(FRAMES, math.ceil(samples / SAMPLES_PER_FRAME))] = True
    return mask.reshape(-1)


def run_speech_frames(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """:func:`.asr_task.run_speech_compression` with calibration inputs cut to speech frames."""

    def build_on_speech(problem: Any) -> Any:
        compress = build(problem)
        masks: list[torch.Tensor] = []

        def on_speech(linear: torch.nn.Module, inputs: torch.Tensor) -> Any:
            if not masks:
                masks.append(speech_mask([len(u.audio) for u in speech(ctx, cfg)[0]]))
            return compress(linear, inputs[masks[0]])

        return on_speech

    return run_speech_compression(cfg, ctx, build_on_speech)
