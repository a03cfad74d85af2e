"""The SpiffWorkflow adapter's errors, on the service's one tree (``producer.errors``)."""

from __future__ import annotations

from typing import Any

from producer.errors import InputError, SmqError


class ModelFileError(InputError):
    """The BPMN file cannot be read or parsed, or names no single executable process."""

    default_code = "InvalidModel"


class MappingError(InputError):
    """A ``zeebe:input`` / ``zeebe:output`` source failed (bad FEEL): an incident."""

    default_code = "MappingFailed"


class InstanceNotFoundError(SmqError):
    """No process instance with this id (never started, or removed)."""

    default_code = "InstanceNotFound"


class BpmnError(Exception):
    """Raised by a Python service-task handler to throw a BPMN error with ``code``; a
    matching error boundary event catches it, as it would a connector's ``bpmnError``."""

    def __init__(self, code: str, message: str = "", variables: dict[str, Any] | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.variables = variables or {}
