"""Find registered datasets in the data directory, download them when allowed, verify them
against their registered sha256, and accept files of the user's own outside the registry."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import DataCorruptError, DataMissingError
from harness.specs import DatasetSpec
from harness.storage import atomic_write, atomic_write_json, file_sha256

DOWNLOAD_TIMEOUT_S = 30
MEMO_NAME = "checksums.json"
# A file modified this recently may still change within its timestamp's resolution without its
# stat changing (coarse file-system clocks), so its hash is computed but not memoised.
RACY_NS = 2_000_000_000


class DataStore:
    """Resolves dataset entries, checks and checksums them.

    An *entry* is a registered dataset's name (``kodak24``: all its files), one registered file
    (``kodak24/kodim19.png``, its path in the data directory), or a file of the user's own: an
    absolute path, a ``~`` path, or a relative path (to the current directory) whose first part
    is no dataset's name (``my.wav``, ``./kodak24/mine.png``).

    sha256 digests are memoised in ``cache_dir/checksums.json`` per absolute path, keyed by the
    file's inode, size, mtime and ctime, so a file replaced by other bytes is hashed again. It
    never writes anywhere but the data directory (downloads) and the memo, so a read-only data
    directory works.
    """

    def __init__(
        self,
        data_dir: Path,
        cache_dir: Path,
        datasets: Mapping[str, DatasetSpec],
        allow_download: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.cache_dir = Path(cache_dir)
        self.datasets = datasets
        self.allow_download = allow_download
        self._owner = {rel: spec for spec in datasets.values() for rel in spec.files}
        self._memo: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}

    def is_user_file(self, entry: str) -> bool:
        """Whether ``entry`` names a file of the user's, not a registered dataset or file."""
        if entry in self.datasets or entry in self._owner:
            return False
        if Path(entry).expanduser().is_absolute():
            return True
        return entry.split("/", 1)[0] not in self.datasets

    def resolve(self, entry: str) -> Path:
        """The file ``entry`` names (a user's path made absolute, ``~`` expanded), or for a
        dataset's name the data directory its relative paths are joined to."""
        if self.is_user_file(entry):
            return Path(os.path.abspath(Path(entry).expanduser()))
        return self.data_dir if entry in self.datasets else self.data_dir / entry

    def missing_files(self, entry: str) -> list[str]:
        """The entry's files that are absent (relative paths; a user's file as written)."""
        if self.is_user_file(entry):
            return [] if self.resolve(entry).is_file() else [entry]
        _, wanted = self._files(entry)
        return [rel for rel in wanted if not (self.data_dir / rel).is_file()]

    def require(self, entry: str) -> Path:
        """Make sure ``entry`` is present and intact; return the data directory.

        Missing registered files are downloaded from their upstream URL when downloads are
        allowed; otherwise (or when that fails) a :class:`DataMissingError` names the files,
        where they were looked for and how to fix it. Present files are checked against their
        registered sha256 (memoised), a mismatch is a :class:`DataCorruptError`. A user's file
        must exist and be a regular file.
        """
        try:
            if self.is_user_file(entry):
                self._require_user_file(entry)
            else:
                spec, wanted = self._files(entry)
                self._fetch_missing(spec, entry)
                self._verify(spec, wanted)
        finally:
            self._save_memo()
        return self.data_dir

    def checksum(self, entry: str) -> str:
        """sha256 of what ``entry`` names, after :meth:`require`: of the file itself for a single
        file (registered or the user's), over ``<path>:<sha256>`` lines of all its files for a
        dataset's name. Memoised, so unchanged files are not read again."""
        self.require(entry)
        try:
            if entry not in self.datasets:
                return self._sha256(self.resolve(entry))
            digest = hashlib.sha256()
            for rel in sorted(self.datasets[entry].files):
                digest.update(f"{rel}:{self._sha256(self.data_dir / rel)}\n".encode())
            return digest.hexdigest()
        finally:
            self._save_memo()

    def _files(self, entry: str) -> tuple[DatasetSpec, list[str]]:
        if entry in self.datasets:
            return self.datasets[entry], list(self.datasets[entry].files)
        if entry in self._owner:
            return self._owner[entry], [entry]
        spec = self.datasets[entry.split("/", 1)[0]]
        raise DataMissingError(
            f"{entry!r} is not a file of dataset {spec.name!r}; it has e.g. "
            f"{', '.join(list(spec.files)[:3])} (a file of your own: write ./{entry})"
        )

    def _require_user_file(self, entry: str) -> None:
        path = self.resolve(entry)
        if path.is_file():
            return
        what = "is not a regular file" if path.exists() else "does not exist"
        raise DataMissingError(
            f"{entry!r} is neither a registered dataset nor a file: {path} {what}; give the "
            f"path of a file, or one of the datasets {', '.join(sorted(self.datasets))}"
        )

    def _fetch_missing(self, spec: DatasetSpec, entry: str) -> None:
        missing = self.missing_files(entry)
        if missing and self.allow_download and all(spec.files[rel].url for rel in missing):
            try:
                for rel in missing:
                    self._download(rel, spec.files[rel].url, spec.files[rel].sha256)
                return
            except (OSError, ValueError) as exc:  # urllib's URLError is an OSError
                raise DataMissingError(
                    f"dataset {spec.name!r}: {missing[0]} is not in {self.data_dir} and "
                    f"downloading it failed ({exc}); copy it there or set HARNESS_DATA_DIR to "
                    "a folder that holds it"
                ) from None
        if missing:
            shown = ", ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            raise DataMissingError(
                f"dataset {spec.name!r} is missing {shown} in {self.data_dir}; set "
                "HARNESS_DATA_DIR (or paths.data_dir=...) to a folder that holds it"
                + ("" if self.allow_download else ", or allow downloads (unset HARNESS_OFFLINE)")
            )

    def _verify(self, spec: DatasetSpec, wanted: list[str]) -> None:
        for rel in wanted:
            remote = spec.files[rel]
            if not remote.sha256:
                continue
            path = self.data_dir / rel
            actual = self._sha256(path)
            if actual != remote.sha256:
                source = remote.url or spec.homepage or "its upstream"
                again = (
                    ", or delete it to have it downloaded again"
                    if self.allow_download and remote.url
                    else ""
                )
                raise DataCorruptError(
                    f"{path} is corrupt (truncated or altered): its sha256 is {actual}, dataset "
                    f"{spec.name!r} registers {remote.sha256}; replace it with the original "
                    f"from {source}{again}"
                )

    def _sha256(self, path: Path) -> str:
        """The file's sha256, from the memo when its inode, size, mtime and ctime are those it
        had when it was hashed; a recently modified file's digest is kept for this store only."""
        memo = self._load_memo()
        stat = path.stat()
        key = os.path.abspath(path)  # the stamp, not the name, makes an entry valid
        stamp = [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
        known = memo.get(key)
        if isinstance(known, dict) and known.get("stat") == stamp and "sha256" in known:
            return str(known["sha256"])
        digest = file_sha256(path)
        memo[key] = {"stat": stamp, "sha256": digest}
        if time.time_ns() - stat.st_mtime_ns > RACY_NS:
            self._new[key] = memo[key]
        return digest

    def _load_memo(self) -> dict[str, Any]:
        if self._memo is None:
            self._memo = _read_memo(self.cache_dir / MEMO_NAME)
        return self._memo

    def _save_memo(self) -> None:
        """Merge this store's new digests into the memo file (re-read first, so other
        processes' entries are kept; a lost race only costs a rehash). The memo only saves
        time, so an unwritable cache dir is no error."""
        if not self._new:
            return
        path = self.cache_dir / MEMO_NAME
        memo = {**_read_memo(path), **self._new}
        self._new = {}
        with contextlib.suppress(OSError):
            atomic_write_json(path, memo)

    def _download(self, rel: str, url: str, sha256: str) -> None:
        import urllib.request  # slow to import; needed only when a download happens

        def fetch(tmp: Path) -> None:
            with (
                open(tmp, "wb") as out,
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
            ):
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            if sha256 and file_sha256(tmp) != sha256:
                raise ValueError(f"checksum mismatch for {url}")

        target = self.data_dir / rel
        created = [folder for folder in target.parents if not folder.exists()]  # deepest first
        try:
            atomic_write(target, fetch)
        except BaseException:
            for folder in created:  # a refused download leaves no empty folders behind
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise


def _read_memo(path: Path) -> dict[str, Any]:
    """The memo's entries of the current format (older or damaged content is ignored)."""
    try:
        memo = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(memo, dict):
        return {}
    return {key: value for key, value in memo.items() if isinstance(value, dict)}
