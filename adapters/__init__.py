"""Process-engine adapters: they import ``producer`` (and ``feel``), never the worker."""
