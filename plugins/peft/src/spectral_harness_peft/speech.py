"""Spoken English made by our own code with the ``espeak-ng`` synthesiser, for ASR word error rates.

The text is the first five lists of the Harvard sentences (IEEE Recommended Practice for Speech
Quality Measurements, IEEE Trans. Audio Electroacoustics 17(3), 1969, appendix; public domain,
ten phonetically balanced sentences per list), written out below. Lists 1–2 are the
*calibration* pool, lists 3–5 the *evaluation* split, so no calibration sentence is ever
scored. Sentence ``i`` of the 50 is spoken by voice ``VOICES[i % 4]`` at ``RATES[(i // 4) % 2]``
words per minute, so both splits hold every voice and rate.

``espeak-ng`` writes 22.05 kHz 16-bit WAV on stdout; it is resampled to 16 kHz (polyphase,
``scipy.signal.resample_poly``, 320/441), stored as a 16 kHz 16-bit mono WAV in a
:class:`harness.ContentCache` keyed by the text, voice, rate and the synthesiser's version, and
each utterance's sha256 (of its 16-bit samples) goes into the run record. The synthesiser is
deterministic (same bytes for the same input), so the cache only saves time. Without
``espeak-ng`` the task refuses in one line saying how to install it.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from harness import ContentCache, UserError

SAMPLE_RATE = 16_000
ESPEAK_RATE = 22_050
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland")
RATES = (140, 170)
CALIBRATION_LISTS = 2  # Harvard lists 1-2: calibration pool; lists 3-5: evaluation

HARVARD = (
    # list 1
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    # list 2
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
    # list 3
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.",
    "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.",
    "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.",
    "Read verse out loud for pleasure.",
    # list 4
    "Hoist the load to your left shoulder.",
    "Take the winding path to reach the lake.",
    "Note closely the size of the gas tank.",
    "Wipe the grease off his dirty face.",
    "Mend the coat before you go out.",
    "The wrist was badly strained and hung limp.",
    "The stray cat gave birth to kittens.",
    "The young girl gave no clear response.",
    "The meal was cooked before the bell rang.",
    "What joy there is in living.",
    # list 5
    "A king ruled the state in the early days.",
    "The ship was torn apart on the sharp reef.",
    "Sickness kept him home the third week.",
    "The wide road shimmered in the hot sun.",
    "The lazy cow lay in the cool grass.",
    "Lift the square stone over the fence.",
    "The rope will bind the seven books at once.",
    "Hop over the fence and plunge in.",
    "The friendly gang left the drug store.",
    "Mesh wire keeps chicks inside.",
)


@dataclass(frozen=True)
class Utterance:
    """One spoken sentence: its ``text``, ``voice``, ``rate`` (words per minute) and ``audio``
    (float32 samples in [-1, 1] at 16 kHz), with ``sha256`` of its 16-bit samples."""

    text: str
    voice: str
    rate: int
    audio: np.ndarray
    sha256: str


def split_indices(split: str) -> list[int]:
    """The sentence indices of ``split`` (``calibration`` or ``eval``)."""
    cut = 10 * CALIBRATION_LISTS
    if split == "calibration":
        return list(range(cut))
    if split == "eval":
        return list(range(cut, len(HARVARD)))
    raise UserError(f"unknown speech split {split!r}; expected 'calibration' or 'eval'")


def voice_and_rate(index: int) -> tuple[str, int]:
    """The voice and speaking rate of sentence ``index``."""
    return VOICES[index % len(VOICES)], RATES[(index // len(VOICES)) % len(RATES)]


@cache
def espeak_version() -> str:
    """``espeak-ng --version``'s first line; refuse in one line when it is not installed."""
    if shutil.which("espeak-ng") is None:
        raise UserError(
            "the speech task synthesises its audio with espeak-ng, which is not installed "
            "(apt-get install espeak-ng)"
        )
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def synthesize(text: str, voice: str, rate: int) -> np.ndarray:
    """``text`` spoken by espeak-ng as int16 samples at 16 kHz."""
    from scipy.signal import resample_poly

    espeak_version()
    command = ["espeak-ng", "-v", voice, "-s", str(rate), "--stdout", text]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(raw)) as wav:
        if wav.getframerate() != ESPEAK_RATE or wav.getsampwidth() != 2:
            raise UserError(
                f"espeak-ng wrote {wav.getframerate()} Hz, {8 * wav.getsampwidth()}-bit audio; "
                f"expected {ESPEAK_RATE} Hz 16-bit"
            )
    # espeak-ng's --stdout header leaves the data size open: read what the bytes after it hold
    start = raw.index(b"data") + 8
    samples = np.frombuffer(raw[start : start + (len(raw) - start) // 2 * 2], dtype="<i2")
    samples = samples.astype(np.float64)
    resampled = resample_poly(samples, SAMPLE_RATE // 50, ESPEAK_RATE // 50)
    return np.clip(np.round(resampled), -32768, 32767).astype(np.int16)


def write_wav(samples: np.ndarray, path: Path) -> None:
    """Write int16 mono samples as a 16 kHz WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.astype("<i2").tobytes())


def read_wav(path: Path) -> np.ndarray:
    """Read a 16 kHz 16-bit mono WAV file as int16 samples."""
    with wave.open(str(path), "rb") as wav:
        if (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) != (SAMPLE_RATE, 2, 1):
            raise UserError(f"{path} is not 16 kHz 16-bit mono")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").copy()


def utterance(index: int, cache_dir: Path) -> Utterance:
    """Sentence ``index`` spoken by its voice and rate, from the cache or synthesised."""
    text = HARVARD[index]
    voice, rate = voice_and_rate(index)
    key = {"text": text, "voice": voice, "rate": rate, "espeak": espeak_version()}
    key |= {"sample_rate": SAMPLE_RATE, "kind": "espeak-ng speech v1"}
    samples = ContentCache(cache_dir, "espeak").get_or_create(
        key, lambda: synthesize(text, voice, rate), save=write_wav, load=read_wav
    )
    digest = hashlib.sha256(samples.astype("<i2").tobytes()).hexdigest()
    return Utterance(text, voice, rate, samples.astype(np.float32) / 32768.0, digest)
