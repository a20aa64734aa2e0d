"""Find registered datasets in the data directory, download them when allowed, checksum them."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from harness.errors import DataMissingError
from harness.records import atomic_write_json
from harness.specs import DatasetSpec

DOWNLOAD_TIMEOUT_S = 30


class DataStore:
    """Resolves dataset files under ``data_dir``; never writes anywhere but the data directory
    (downloads) and ``cache_dir`` (checksum memo), so a read-only data directory works."""

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

    def missing_files(self, entry: str) -> list[str]:
        """Relative paths of ``entry``'s files that are absent from the data directory.

        ``entry`` is a dataset name (all its files) or one file of a dataset, written as its
        path in the data directory (``kodak24/kodim19.png``: the first part names the dataset).
        """
        _, wanted = self._files(entry)
        return [rel for rel in wanted if not (self.data_dir / rel).is_file()]

    def require(self, entry: str) -> Path:
        """Make sure ``entry`` (a dataset, or one file of it) is present; return the data dir.

        Missing files are downloaded from their upstream URL when downloads are allowed;
        otherwise (or when that fails) a :class:`DataMissingError` names the files, where they
        were looked for and how to fix it.
        """
        spec, _ = self._files(entry)
        name = spec.name
        missing = self.missing_files(entry)
        if missing and self.allow_download and all(spec.files[rel].url for rel in missing):
            try:
                for rel in missing:
                    self._download(rel, spec.files[rel].url, spec.files[rel].sha256)
                missing = []
            except (OSError, urllib.error.URLError, ValueError) as exc:
                raise DataMissingError(
                    f"dataset {name!r}: {missing[0]} is not in {self.data_dir} and downloading "
                    f"it failed ({exc}); copy it there or set HARNESS_DATA_DIR to a folder "
                    "that holds it"
                ) from None
        if missing:
            shown = ", ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            raise DataMissingError(
                f"dataset {name!r} is missing {shown} in {self.data_dir}; set HARNESS_DATA_DIR "
                "(or paths.data_dir=...) to a folder that holds it"
                + ("" if self.allow_download else ", or allow downloads (unset HARNESS_OFFLINE)")
            )
        return self.data_dir

    def checksum(self, name: str) -> str:
        """sha256 over the dataset's files (memoised by path, size and mtime in the cache dir)."""
        spec = self._spec(name)
        memo_path = self.cache_dir / "checksums.json"
        try:
            memo = json.loads(memo_path.read_text())
        except (OSError, ValueError):
            memo = {}
        digest = hashlib.sha256()
        changed = False
        for rel in sorted(spec.files):
            path = self.data_dir / rel
            stat = path.stat()
            key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
            if key not in memo:
                memo[key] = file_sha256(path)
                changed = True
            digest.update(f"{rel}:{memo[key]}\n".encode())
        if changed:
            atomic_write_json(memo_path, memo)
        return digest.hexdigest()

    def _files(self, entry: str) -> tuple[DatasetSpec, list[str]]:
        spec = self._spec(entry.split("/", 1)[0])
        if "/" not in entry:
            return spec, list(spec.files)
        if entry not in spec.files:
            raise DataMissingError(
                f"{entry!r} is not a file of dataset {spec.name!r}; it has e.g. "
                f"{', '.join(list(spec.files)[:3])}"
            )
        return spec, [entry]

    def _spec(self, name: str) -> DatasetSpec:
        if name not in self.datasets:
            raise DataMissingError(
                f"no dataset called {name!r} is registered; "
                f"known: {', '.join(sorted(self.datasets))}"
            )
        return self.datasets[name]

    def _download(self, rel: str, url: str, sha256: str) -> None:
        target = self.data_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
            ):
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            if sha256 and file_sha256(Path(tmp)) != sha256:
                raise ValueError(f"checksum mismatch for {url}")
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
