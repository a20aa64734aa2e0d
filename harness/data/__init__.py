"""Data access: the data directory, users' own files, downloads, verified checksums."""
