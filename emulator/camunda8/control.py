"""A stdlib client for the stand-in engine's control API, for tests and benchmarks."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class Camunda8Control:
    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s

    def create_jobs(self, *specs: dict[str, Any]) -> list[str]:
        """Create jobs (``type``, ``variables``, ``customHeaders``, ``retries``, …); their keys."""
        keys: list[str] = self._call("POST", "/jobs", list(specs))["jobKeys"]
        return keys

    def job(self, key: str) -> dict[str, Any]:
        """``{jobKey, type, state, retries, incident, activations, history}``."""
        document: dict[str, Any] = self._call("GET", f"/jobs/{key}")
        return document

    def jobs(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/jobs")["jobs"]
        return found

    def cancel(self, key: str) -> dict[str, Any]:
        document: dict[str, Any] = self._call("POST", f"/jobs/{key}/cancel")
        return document

    def set_retries(self, key: str, retries: int) -> dict[str, Any]:
        document: dict[str, Any] = self._call("POST", f"/jobs/{key}/retries", {"retries": retries})
        return document

    def fault(self, operation: str, status: int, title: str, count: int) -> None:
        """Answer the next ``count`` calls of ``operation`` (or ``any``) with this problem."""
        body = {"operation": operation, "status": status, "title": title, "count": count}
        self._call("POST", "/faults", body)

    def revoke_tokens(self) -> int:
        revoked: int = self._call("POST", "/tokens/revoke")["revoked"]
        return revoked

    def requests(self) -> dict[str, Any]:
        """``{"requests": [{time, method, path, operation, body, raw}], "invalid": [...]}``."""
        document: dict[str, Any] = self._call("GET", "/requests")
        return document

    def stats(self) -> dict[str, Any]:
        document: dict[str, Any] = self._call("GET", "/stats")
        return document

    def healthy(self) -> bool:
        try:
            self._call("GET", "/health")
        except OSError:
            return False
        return True

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + "/_camunda8" + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
            return json.loads(response.read() or b"null")
