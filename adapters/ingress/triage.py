"""Decide what one ingress entry is: a job to submit, or a rejection to answer.

Pure: no Redis. A job without an ``id`` gets ``ingress-<entry id>`` (the entry id XADD
returned), so a redelivered entry is the same job and is not run twice; a rejection is
answered under the job's own id when it has a usable one, else under that same name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from producer.contract import JOB_ID_PATTERN, ErrorInfo, Result, parse_job
from producer.errors import FieldProblem, JobValidationError

_JOB_ID = re.compile(JOB_ID_PATTERN)
# Raw entries kept in the dead-letter stream are cut to this size.
MAX_DEAD_ITEM = 64 * 1024


@dataclass(frozen=True)
class Accepted:
    entry_id: str
    document: dict[str, Any]


@dataclass(frozen=True)
class Rejected:
    entry_id: str
    job_id: str
    reply_to: str | None  # None: the default result stream
    reason: str
    raw: str
    problems: list[FieldProblem] = field(default_factory=list)

    def result(self) -> Result:
        """The failed result a waiting producer reads, with every problem's path."""
        error = ErrorInfo(
            type="input",
            code="InvalidJob",
            message=self.reason,
            retryable=False,
            details={"problems": [p.as_dict() for p in self.problems], "entry": self.entry_id},
        )
        return Result(id=self.job_id, status="failed", error=error)


def default_id(entry_id: str) -> str:
    return f"ingress-{entry_id}"


def triage(entry_id: str, fields: dict[str, str], field_name: str) -> Accepted | Rejected:
    raw = fields.get(field_name)
    if raw is None:
        reason = f"the entry has no {field_name!r} field (fields: {sorted(fields)})"
        return _reject(entry_id, None, reason, json.dumps(fields)[:MAX_DEAD_ITEM])
    try:
        document = json.loads(raw)
    except ValueError as exc:
        return _reject(entry_id, None, f"not JSON: {exc}", raw)
    if not isinstance(document, dict):
        return _reject(entry_id, None, "a job must be a JSON object", raw)
    if _blank(document.get("id")):
        document = {**document, "id": default_id(entry_id)}
    try:
        parse_job(document)
    except JobValidationError as exc:
        return _reject(entry_id, document, exc.message, raw, exc.problems)
    return Accepted(entry_id, document)


def _reject(
    entry_id: str,
    document: dict[str, Any] | None,
    reason: str,
    raw: str,
    problems: list[FieldProblem] | None = None,
) -> Rejected:
    document = document or {}
    job_id = document.get("id")
    reply_to = document.get("replyTo")
    return Rejected(
        entry_id=entry_id,
        job_id=job_id
        if isinstance(job_id, str) and _JOB_ID.match(job_id)
        else default_id(entry_id),
        reply_to=reply_to if isinstance(reply_to, str) and reply_to.strip() else None,
        reason=reason,
        raw=raw[:MAX_DEAD_ITEM],
        problems=problems or [FieldProblem("", reason)],
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
