"""Data access: the data directory, upstream downloads, checksums."""
