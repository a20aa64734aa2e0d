"""Test folders of the user's own HR images (any folder of PNGs, registered nowhere).

Each PNG of a folder is handed to the host as a file of the user's (an absolute path), so the
host checksums every one into the record (``user_data``) and the board marks the section as run
on user data. No torch here: the entry point's module imports this.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness import UserError


def folder_pngs(folder: str) -> list[Path]:
    """The ``*.png`` files directly inside ``folder`` (absolute, sorted), refused in one line when
    the folder is missing or holds none."""
    path = Path(folder).expanduser().resolve()
    if not path.is_dir():
        raise UserError(f"task.test_folders: {folder!r} is not a folder ({path})")
    pngs = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".png")
    if not pngs:
        raise UserError(f"task.test_folders: {folder!r} holds no .png file ({path})")
    return pngs


def folder_label(folder: str) -> str:
    """The metric suffix of a folder: its name, lower-case, runs of other characters as ``_``
    (``~/My Photos`` → ``my_photos``)."""
    name = Path(folder).expanduser().resolve().name
    label = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return label or "folder"


def folder_labels(folders: list[str], taken: list[str]) -> dict[str, str]:
    """``{folder: metric suffix}``; refused when two test sets would share a suffix."""
    labels = {folder: folder_label(folder) for folder in folders}
    seen = list(taken)
    for folder, label in labels.items():
        if label in seen:
            raise UserError(
                f"task.test_folders: {folder!r} would report metrics *_{label}, which another "
                "test set already reports; rename or drop one"
            )
        seen.append(label)
    return labels
