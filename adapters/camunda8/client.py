"""A thin client for the five job calls of the Orchestration Cluster REST API v2.

Why not ``camunda-orchestration-sdk``: its ``JobWorker`` holds a slot until a handler
returns the job's outcome and sleeps a fixed second between polls; the adapter instead hands
jobs to the queue at once, reports results that any replica may read, re-attaches
re-activated jobs and extends deadlines — none of which its worker model offers, and five
calls do not need its generated client (see README.md).

HTTP errors are translated here, once, into ``adapters.errors`` (problem+json ``title`` and
``detail`` kept); a 401 gets one new token and one more try.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.camunda8.auth import Credentials
from adapters.errors import (
    EngineError,
    EngineUnavailable,
    JobConflict,
    JobGone,
    RequestRejected,
)


class Camunda8Client:
    def __init__(
        self, base_url: str, credentials: Credentials, http: httpx.Client, timeout: float
    ) -> None:
        self._base = base_url.rstrip("/")
        self._credentials = credentials
        self._http = http
        self._timeout = timeout

    def activate(self, body: dict[str, Any], wait_seconds: float) -> list[dict[str, Any]]:
        """``POST /jobs/activation``; the HTTP timeout outlasts the long poll."""
        response = self._send("POST", "/jobs/activation", body, wait_seconds + self._timeout)
        jobs: list[dict[str, Any]] = response.json()["jobs"]
        return jobs

    def complete(self, job_key: str, body: dict[str, Any]) -> None:
        self._send("POST", f"/jobs/{job_key}/completion", body)

    def fail(self, job_key: str, body: dict[str, Any]) -> None:
        self._send("POST", f"/jobs/{job_key}/failure", body)

    def throw_error(self, job_key: str, body: dict[str, Any]) -> None:
        self._send("POST", f"/jobs/{job_key}/error", body)

    def update(self, job_key: str, body: dict[str, Any]) -> None:
        self._send("PATCH", f"/jobs/{job_key}", body)

    def _send(
        self, method: str, path: str, body: dict[str, Any], timeout: float | None = None
    ) -> httpx.Response:
        for first in (True, False):
            try:
                response = self._http.request(
                    method,
                    self._base + path,
                    json=body,
                    headers=self._credentials.headers(),
                    timeout=timeout or self._timeout,
                )
            except httpx.TransportError as exc:
                raise EngineUnavailable(f"{type(exc).__name__}: {exc}") from exc
            if response.status_code == 401 and first:
                self._credentials.invalidate()  # expired or revoked: one new token, one retry
                continue
            if response.is_success:
                return response
            raise translate(response)
        raise AssertionError("unreachable")  # pragma: no cover


def translate(response: httpx.Response) -> EngineError:
    """The error a non-2xx answer means to the adapter."""
    title, detail = _problem(response)
    status = response.status_code
    if status == 404:
        return JobGone(title, status=status, detail=detail)
    if status == 409:
        return JobConflict(title, status=status, detail=detail)
    if status == 429 or status >= 500 or status == 401:
        return EngineUnavailable(title, status=status, detail=detail)
    return RequestRejected(title, status=status, detail=detail)


def _problem(response: httpx.Response) -> tuple[str, str]:
    """``title`` and ``detail`` of an RFC 9457 problem document, else the reason phrase."""
    try:
        document = response.json()
    except ValueError:
        return response.reason_phrase or str(response.status_code), response.text[:500]
    if not isinstance(document, dict):
        return response.reason_phrase, ""
    title = str(document.get("title") or response.reason_phrase)
    return title, str(document.get("detail") or "")
