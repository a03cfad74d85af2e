"""The one exception tree of the service, split by what the caller should do.

Every error that can end a job is an ``SmqError``; its ``code`` becomes ``error.code`` in the
result and its class decides ``error.retryable``. AWS errors are translated once, where the
boto3 client is wrapped (``worker.sagemaker``), and chained with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SmqError(Exception):
    """Base of every error the service raises on purpose."""

    retryable: ClassVar[bool] = False
    default_code: ClassVar[str] = "InternalError"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    @property
    def kind(self) -> str:
        """The value of ``error.type`` in a result: the category, not the Python class."""
        return type(self).category

    category: ClassVar[str] = "internal"


class InputError(SmqError):
    """The job itself is wrong (bad field, missing secret, bad expression): never retried."""

    default_code = "InvalidJob"
    category = "input"


class FieldProblem:
    """One bad field of a job: where (a dotted path) and why."""

    __slots__ = ("path", "reason")

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path or '<job>'}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


class JobValidationError(InputError):
    """A job document failed the contract; carries every bad field with its path."""

    def __init__(self, problems: list[FieldProblem], *, index: int | None = None) -> None:
        self.problems = problems
        self.index = index
        where = f"job #{index}: " if index is not None else ""
        super().__init__(
            where + "; ".join(str(p) for p in problems),
            details={"problems": [p.as_dict() for p in problems]},
        )


class SecretNotFoundError(InputError):
    """A ``{{secrets.NAME}}`` placeholder names a secret the worker does not have."""

    default_code = "SecretNotFound"


class PermanentError(SmqError):
    """AWS or the model refused the call in a way a retry cannot fix (ModelError, 400, 403)."""

    default_code = "PermanentError"
    category = "aws"


class RetryableError(SmqError):
    """A transient failure: throttling, 5xx, connection errors, timeouts."""

    retryable = True
    default_code = "Transient"
    category = "aws"


class ResponseError(PermanentError):
    """The endpoint answered, but the answer cannot be turned into a result."""

    default_code = "InvalidResponse"
    category = "response"
