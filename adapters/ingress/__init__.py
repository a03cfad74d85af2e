"""Any-language ingress: jobs XADDed as JSON to a Redis stream, dispatched onto the queue
with the guarantees of ``smq submit`` (``smq ingress``)."""

from adapters.ingress.cli import main

__all__ = ["main"]
