"""Limits a valid job can still break, checked at submit so a job that is sure to fail is
refused with nothing enqueued instead of failing on a worker later: the document size Redis
is asked to hold, SageMaker's real-time body limit.
"""

from __future__ import annotations

import json
from typing import Any

from producer.contract import InvocationType, Job
from producer.errors import FieldProblem

# SageMaker's limit on a real-time request body.
REALTIME_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


def submit_problems(job: Job, stored_bytes: int, max_job_bytes: int) -> list[FieldProblem]:
    """What makes a valid job fail for sure: a document over the size Redis is asked to hold
    (``stored_bytes``: its stored JSON), a real-time body over SageMaker's limit.

    An inline ASYNC body is staged from the stored document, so the document cap is its limit
    too (SageMaker's own 1 GB for async input lies beyond what Redis can hold, 512 MB).
    """
    if stored_bytes > max_job_bytes:
        return [
            FieldProblem(
                "",
                f"the job document is {stored_bytes} bytes, over the {max_job_bytes}-byte cap "
                "(SMQ_MAX_JOB_BYTES); put large inputs in S3 and use an ASYNC job with "
                "inputLocation",
            )
        ]
    limit = REALTIME_MAX_PAYLOAD_BYTES
    if job.variables.input.invocation_type is not InvocationType.SYNC:
        return []
    # The stored JSON holds the body and is never smaller than its encoding (see below).
    inp = job.variables.input
    if stored_bytes <= limit or (size := body_size_at_least(inp.body, inp.content_type)) <= limit:
        return []
    reason = (
        f"{size} bytes exceeds SageMaker's real-time limit of {limit} bytes; "
        "use invocationType ASYNC"
    )
    return [FieldProblem("variables.input.body", reason)]


def body_size_at_least(body: Any, content_type: str = "application/json") -> int:
    """A lower bound of the request bytes the worker sends for ``body`` (its
    ``encode_body``): never refuse what would be sent. Exact for ``application/json`` (the
    default: compact JSON, UTF-8). For other types a string may go as its raw text, a
    ``{"encoding": "base64"}`` marker as the decoded bytes, a JSON-lines list one byte
    shorter: the smallest of those is taken rather than repeat the worker's type rules."""
    encoded = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    if content_type.split(";", 1)[0].strip().lower() == "application/json":
        return encoded
    candidates = [encoded]
    if isinstance(body, list) and body:  # JSON lines: a newline per item, no brackets/commas
        candidates.append(encoded - 1)
    elif isinstance(body, str):
        candidates.append(len(body.encode()))
    elif (
        isinstance(body, dict)
        and body.get("encoding") == "base64"
        and isinstance(data := body.get("data"), str)
    ):
        candidates.append(len(data) * 3 // 4 - data.count("="))
    return min(candidates)
