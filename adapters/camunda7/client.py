"""A thin client for the six external-task calls of the Camunda 7 REST API (the same on
Operaton and CIB seven).

Why not ``camunda-external-task-client-python`` or the generated OpenAPI client: the first
holds a task until a handler returns its outcome and polls on a fixed interval; the adapter
instead hands tasks to the queue at once, reports results any replica may read, re-attaches
re-fetched tasks and extends locks — the same reasons the Camunda 8 adapter has its own five
calls. Six calls do not need a generated client.

HTTP errors are translated here, once, into ``adapters.errors``: the engine answers
``{type, message}``; 404 is a task that no longer exists; a 400 saying the lock is held by
another worker (or expired) means this worker no longer holds it; 5xx, 401 and network errors
are worth another try later.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx

from adapters.camunda7.settings import Camunda7Settings
from adapters.errors import (
    EngineError,
    EngineUnavailable,
    JobConflict,
    JobGone,
    RequestRejected,
)

# HandleExternalTaskCmd: "… cannot be completed by worker 'w'. It is locked by worker 'x'."
# (every call names its action); ExtendLockOnExternalTaskCmd: "Cannot extend a lock that expired".
_LOCK_NOT_HELD = re.compile(r"It is locked by worker|Cannot extend a lock that expired")


def auth_headers(settings: Camunda7Settings) -> dict[str, str]:
    if settings.token is not None:
        return {"Authorization": f"Bearer {settings.token.get_secret_value()}"}
    if settings.username is not None and settings.password is not None:
        pair = f"{settings.username}:{settings.password.get_secret_value()}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    return {}


class Camunda7Client:
    def __init__(
        self, base_url: str, headers: dict[str, str], http: httpx.Client, timeout: float
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = headers
        self._http = http
        self._timeout = timeout

    def fetch_and_lock(self, body: dict[str, Any], wait_seconds: float) -> list[dict[str, Any]]:
        """``POST /external-task/fetchAndLock``; the HTTP timeout outlasts the long poll."""
        response = self._post("/external-task/fetchAndLock", body, wait_seconds + self._timeout)
        tasks: list[dict[str, Any]] = response.json()
        return tasks

    def complete(self, task_id: str, body: dict[str, Any]) -> None:
        self._post(f"/external-task/{task_id}/complete", body)

    def failure(self, task_id: str, body: dict[str, Any]) -> None:
        self._post(f"/external-task/{task_id}/failure", body)

    def bpmn_error(self, task_id: str, body: dict[str, Any]) -> None:
        self._post(f"/external-task/{task_id}/bpmnError", body)

    def extend_lock(self, task_id: str, body: dict[str, Any]) -> None:
        self._post(f"/external-task/{task_id}/extendLock", body)

    def unlock(self, task_id: str) -> None:
        """The one call without a body (and so without ``workerId``): the API defines none."""
        self._post(f"/external-task/{task_id}/unlock", None)

    def _post(
        self, path: str, body: dict[str, Any] | None, timeout: float | None = None
    ) -> httpx.Response:
        try:
            response = self._http.post(
                self._base + path,
                json=body,
                headers=self._headers,
                timeout=timeout or self._timeout,
            )
        except httpx.TransportError as exc:
            raise EngineUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return response
        raise translate(response)


def translate(response: httpx.Response) -> EngineError:
    """The error a non-2xx answer means to the adapter."""
    kind, message = _exception(response)
    status = response.status_code
    if status == 404:
        return JobGone(kind, status=status, detail=message)
    if status == 400 and _LOCK_NOT_HELD.search(message):
        return JobConflict(kind, status=status, detail=message)
    if status in (401, 429) or status >= 500:
        return EngineUnavailable(kind, status=status, detail=message)
    return RequestRejected(kind, status=status, detail=message)


def _exception(response: httpx.Response) -> tuple[str, str]:
    """``type`` and ``message`` of the engine's ExceptionDto, else the reason phrase."""
    try:
        document = response.json()
    except ValueError:
        return response.reason_phrase or str(response.status_code), response.text[:500]
    if not isinstance(document, dict):
        return response.reason_phrase, ""
    return str(document.get("type") or response.reason_phrase), str(document.get("message") or "")
