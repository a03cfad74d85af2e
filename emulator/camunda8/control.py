"""A stdlib client for the stand-in engine's control API, for tests and benchmarks."""

from __future__ import annotations

from typing import Any

from emulator.standin import StandInControl


class Camunda8Control(StandInControl):
    prefix = "/_camunda8"

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
