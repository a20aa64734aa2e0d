"""The INR tasks' loaders: an audio clip or an image as a :class:`Signal`.

The loaders' libraries are imported at module level: the host imports a task's module once in
the launching process, so every forked cell inherits them instead of importing them again.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image
from scipy.io import wavfile

from harness import DataCorruptError, UserError
from spectral_harness_inr.problem import Signal

# the WINNER reference (learn_audios.py) fits the first 150,000 samples of each clip
REFERENCE_SAMPLES = 150_000


def read_audio(path: Path) -> tuple[int, np.ndarray]:
    """A WAV file as (sample rate, mono float64 samples): channels are averaged (librosa's
    ``mono=True``, as the WINNER reference loads its clips).

    A file scipy can only read in part (truncated, broken chunks) is a :class:`DataCorruptError`,
    not a warning; only its notice about skipping unknown metadata chunks stays a warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", wavfile.WavFileWarning)
        warnings.filterwarnings("default", "Chunk .*not understood", wavfile.WavFileWarning)
        try:
            rate, data = wavfile.read(path)
        except (wavfile.WavFileWarning, ValueError, EOFError) as exc:
            raise DataCorruptError(
                f"{path} is not a valid WAV file ({exc}); replace it with an intact copy"
            ) from None
    data = np.asarray(data, dtype=np.float64)
    return rate, data.mean(axis=1) if data.ndim > 1 else data


def loudest_window(data: np.ndarray, length: int, region: int) -> int:
    """Start of the ``length``-sample window with the most energy among the first ``region``
    samples (windows start every ``length // 4`` samples): where the signal is, not a silent
    lead-in. 0 when the window covers the region (the reference protocol's own segment)."""
    region = min(region, len(data))
    if length >= region:
        return 0
    energy = np.concatenate([[0.0], np.cumsum(data[:region] ** 2)])
    starts = np.arange(0, region - length + 1, max(1, length // 4))
    return int(starts[np.argmax(energy[starts + length] - energy[starts])])


def load_audio(
    path: Path,
    start_s: float | None,
    num_samples: int | None,
    normalize: str = "clip",
    region: int = REFERENCE_SAMPLES,
) -> Signal:
    """A mono clip cut to ``num_samples`` (0/None: the whole clip) and scaled to [-1, 1].

    ``start_s``: where the segment starts, in seconds; ``None`` picks the loudest window of the
    first ``region`` samples (:func:`loudest_window`; the WINNER reference fits the first 150,000
    samples). ``normalize``: ``clip`` divides by the whole file's peak, as the reference does
    before it cuts the segment; ``segment`` by the segment's own peak (which amplifies a quiet
    segment's noise floor).
    """
    rate, data = read_audio(path)
    length = num_samples or len(data)
    start = loudest_window(data, length, region) if start_s is None else round(start_s * rate)
    end = start + length
    if end > len(data):
        raise UserError(f"{path.name} has {len(data)} samples; cannot take {length} from {start}")
    clip = data[start:end]
    peak = float(np.abs(data if normalize == "clip" else clip).max())
    if peak == 0 or not np.abs(clip).max() > 0:
        raise UserError(f"{path.name}: the selected segment is empty or silent")
    return Signal((clip / peak).astype(np.float32)[:, None], (len(clip),))


def load_image(spec: str, data_dir: Path | None, size: int | None) -> Signal:
    """An image in [-1, 1]: ``skimage:<name>`` (bundled with scikit-image) or an image file
    (an absolute path, or one relative to ``data_dir``).

    A file PIL cannot decode (truncated, not an image) is a :class:`DataCorruptError`.
    """

    if spec.startswith("skimage:"):
        name = spec.removeprefix("skimage:")
        loader = getattr(skimage.data, name, None)
        if loader is None:
            raise UserError(f"scikit-image has no bundled image {name!r} (try camera, astronaut)")
        image = Image.fromarray(np.asarray(loader()))
    else:
        path = Path(data_dir or "") / spec
        try:
            with Image.open(path) as opened:
                opened.load()
                image = opened.copy()
        except (OSError, SyntaxError, ValueError) as exc:
            raise DataCorruptError(
                f"{path} is not a readable image ({exc}); replace it with an intact copy"
            ) from None
    image = image.convert("RGB" if image.mode in ("RGB", "RGBA", "P", "CMYK") else "L")
    if size:
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
        if side != size:
            image = image.resize((size, size), Image.Resampling.LANCZOS)
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    pixels = pixels.reshape(pixels.shape[0], pixels.shape[1], -1)
    values = (pixels * 2.0 - 1.0).reshape(-1, pixels.shape[-1])
    return Signal(values, (pixels.shape[0], pixels.shape[1]))
