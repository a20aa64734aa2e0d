"""Exceptions the host turns into one-line messages or into a run record's status."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix (typo, wrong slot, missing data): one line, no traceback."""


class DataMissingError(UserError):
    """A dataset file is absent from the data directory and could not be downloaded."""


class DataCorruptError(UserError):
    """A data file is present but not what it should be (wrong sha256, truncated, unreadable)."""


class Diverged(Exception):
    """Training produced a non-finite loss; the run is recorded with status ``diverged``."""


class TimeLimitExceeded(Exception):
    """The run passed its wall-clock limit; it is recorded with status ``timeout``."""


class ContractError(Exception):
    """A component broke its slot's contract (wrong shape, dtype, non-finite output)."""
