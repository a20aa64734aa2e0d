"""Built-in method families. Each subpackage is a plugin registered through the
``spectral_harness`` entry-point group, exactly like a third-party plugin package."""
