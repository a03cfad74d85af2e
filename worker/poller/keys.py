"""Redis keys only the worker side uses for pending asynchronous inferences.

The keys a client reads too (the job hash, ``ASYNC_DUE``, ``ASYNC_OLDEST``) stay in
``producer/keys.py``.
"""

from __future__ import annotations

# digest → "bucket/prefix": a pending job stores "<digest>:<object name>", not the full URI,
# which keeps its hash in Redis's compact encoding (values up to 64 bytes).
ASYNC_PREFIXES = "smq:async:prefixes"
_ASYNC_LOCATIONS = "smq:async:loc:"
_ACCESS = "smq:async:access:"


def locations_key(bucket: str, prefix: str) -> str:
    """Hash of object key → job id for pending inferences under one S3 prefix, so one listing
    of the prefix answers for all of them."""
    return f"{_ASYNC_LOCATIONS}{bucket}/{prefix}"


def access_key(digest: str) -> str:
    """The (unresolved) AWS access variables shared by the pending jobs with that digest."""
    return _ACCESS + digest
