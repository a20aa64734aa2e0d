"""Resume trusts an ok record only while the data it read is unchanged (issue 12, item 13)."""

from __future__ import annotations

import numpy as np

from harness.runner import make_cell, run_cell


def _png(path, shift: int) -> None:
    from PIL import Image

    y, x = np.mgrid[:32, :32]
    Image.fromarray(((x + y) * 4 + shift).astype(np.uint8)).save(path)


def test_changed_data_reruns_the_cell_and_restored_data_reruns_it_again(
    registry, settings, tmp_path
):
    image = tmp_path / "mine.png"
    _png(image, shift=0)
    cell = make_cell(registry, "inr_image", "siren", task_overrides={"image": str(image)})
    first = run_cell(cell, registry, settings)
    assert first.status == "ok" and first.user_data
    assert run_cell(cell, registry, settings) == first  # unchanged: skipped

    _png(image, shift=9)  # other bytes at the same path
    changed = run_cell(cell, registry, settings)
    assert changed.attempt == 2 and changed.user_data != first.user_data
    assert changed.metrics["psnr"] != first.metrics["psnr"]

    _png(image, shift=0)  # back to the first bytes: the stored record is of the other data
    restored = run_cell(cell, registry, settings)
    assert restored.attempt == 3 and restored.user_data == first.user_data


def test_a_sweeps_batch_check_says_what_each_cells_check_says(registry, settings, tmp_path):
    from harness.runner import are_done, is_done

    images = [tmp_path / "a.png", tmp_path / "b.png"]
    for shift, image in enumerate(images):
        _png(image, shift=shift)
    cells = [
        make_cell(registry, "inr_image", "siren", seed=seed, task_overrides={"image": str(im)})
        for im in images
        for seed in (0, 1)
    ]
    for cell in cells[:3]:  # the last cell never runs
        assert run_cell(cell, registry, settings).status == "ok"
    _png(images[0], shift=5)  # the first image's cells read other bytes now
    expected = [False, False, True, False]
    assert are_done([(cell, settings, None) for cell in cells], registry) == expected
    assert [is_done(cell, registry, settings) for cell in cells] == expected
