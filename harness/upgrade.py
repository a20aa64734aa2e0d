"""Give records made before code identity was an import closure the closure identity, where
that is provably the same code: the whole package each of their plugins hashed to is
byte-identical to the installed one, so the smaller closure is too.

An upgraded record keeps its name, numbers, artifacts and every other field; only ``code``
changes, from the whole-package hashes to the closure hashes of the same source. After that, the
record stays current while its family grows (a new method, task, claim or preset) instead of
going stale at the family's next edit. A record whose packages differ from the installed ones
is left as it is (it is stale either way).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from harness.errors import UserError
from harness.identity import code_identity_of, legacy_code_identity_of

if TYPE_CHECKING:
    from harness.plugins import Registry
    from harness.records import RecordStore


@dataclasses.dataclass(frozen=True)
class UpgradeCount:
    """How many records were upgraded, already had a closure identity, or were left alone."""

    upgraded: int = 0
    current: int = 0
    left: int = 0


def upgrade_legacy_identities(store: RecordStore, registry: Registry) -> UpgradeCount:
    """Rewrite (atomically) the ``code`` of each legacy record of ``store`` whose plugins'
    whole packages match the installed ones to the installed closure identity."""
    upgraded = current = left = 0
    for record in list(store.iter_records()):
        try:
            task, method = registry.check_pair(record.task, record.method)
        except UserError:
            left += 1  # its plugins are not installed: nothing to compare with
            continue
        closure = code_identity_of(registry, task, method)
        if record.code == closure:
            current += 1
        elif record.code == legacy_code_identity_of(registry, task, method):
            store.save(dataclasses.replace(record, code=closure))
            upgraded += 1
        else:
            left += 1
    return UpgradeCount(upgraded, current, left)
