"""``{{secrets.NAME}}`` placeholders, resolved on the worker and kept out of every output.

Secrets are read from the worker's environment (``<prefix>NAME``) only while a job runs; the
stored job and the Celery message keep the placeholder. Every value resolved for a job, and
any inline key, goes into that job's ``Redactor``, which masks them in error messages and logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from producer.contract import AwsAccess, Job, parse_job
from producer.errors import SecretNotFoundError

_PLACEHOLDER = re.compile(r"\{\{\s*secrets\.([A-Za-z0-9_\-.]+)\s*\}\}")
MASK = "****"
# Values this short are too likely to occur by chance to be masked inside other text.
_MIN_MASKED_LEN = 4


def digest(text: str, size: int = 64) -> str:
    """A SHA-256 hex digest, cut to ``size``: names a secret, or a long text, without it."""
    return hashlib.sha256(text.encode()).hexdigest()[:size]


class Redactor:
    """Masks known secret values in text."""

    def __init__(self, values: set[str] | None = None) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values or ():
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= _MIN_MASKED_LEN and value not in self._values:
            self._values.add(value)
            self._pattern = None  # rebuilt on next use, once per job rather than per value

    def __call__(self, text: str) -> str:
        if not self._values:
            return text
        if self._pattern is None:
            longest_first = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in longest_first))
        return self._pattern.sub(MASK, text)

    def __bool__(self) -> bool:
        return bool(self._values)


class Secrets:
    """Resolves placeholders from one environment (the process's, or one a test hands in):
    the one place the worker and the poller turn stored variables into usable ones."""

    def __init__(self, prefix: str, environ: Mapping[str, str] | None = None) -> None:
        self._prefix = prefix
        self._environ = os.environ if environ is None else environ

    def job(self, raw: dict[str, Any], job_id: str, redactor: Redactor) -> Job:
        """Resolve, then validate; every resolved value and inline key goes to ``redactor``."""
        variables = resolve(raw.get("variables"), self._environ, self._prefix, redactor)
        job = parse_job({**raw, "id": job_id, "variables": variables})
        auth = job.variables.auth
        if auth is not None:
            for value in (auth.access_key, auth.secret_key, auth.session_token):
                redactor.add(value)
        return job

    def access(self, raw_json: str) -> AwsAccess:
        """The AWS access variables of pending inferences (``access_json``), resolved."""
        raw = json.loads(raw_json)
        return AwsAccess.model_validate(resolve(raw, self._environ, self._prefix, Redactor()))


def resolve(data: Any, environ: Mapping[str, str], prefix: str, redactor: Redactor) -> Any:
    """``data`` with every placeholder replaced; raises ``SecretNotFoundError`` for a missing one.

    Returns the same objects where nothing changed, so a large body is not copied.
    """

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        value = environ.get(prefix + name)
        # An empty variable is a secret nobody set (compose's `${X:-}` leaves one behind):
        # calling AWS with an empty key would fail later with a vaguer error.
        if not value:
            state = "is empty" if value == "" else "is not configured"
            raise SecretNotFoundError(
                f"secret {name!r} {state} on the worker "
                f"(expected environment variable {prefix}{name})"
            )
        redactor.add(value)
        return value

    return _walk(data, lambda text: _PLACEHOLDER.sub(lookup, text) if "{{" in text else text)


def _walk(data: Any, fix: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return fix(data)
    if isinstance(data, dict):
        changed = {k: _walk(v, fix) for k, v in data.items()}
        return data if all(changed[k] is data[k] for k in data) else changed
    if isinstance(data, list):
        items = [_walk(v, fix) for v in data]
        return data if all(a is b for a, b in zip(items, data, strict=True)) else items
    return data
