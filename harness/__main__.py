"""``python -m harness`` is the same as the ``spectral-harness`` command."""

from harness.cli import main

raise SystemExit(main())
