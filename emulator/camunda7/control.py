"""A stdlib client for the Camunda 7 stand-in's control API, for tests and benchmarks."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class Camunda7Control:
    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s

    def create_tasks(self, *specs: dict[str, Any]) -> list[str]:
        """Create external tasks (``topicName``, typed ``variables``, ``extensionProperties``,
        ``businessKey``, ``tenantId``, ``activityId``, ``retries``, …); their ids."""
        ids: list[str] = self._call("POST", "/tasks", list(specs))["ids"]
        return ids

    def task(self, task_id: str) -> dict[str, Any]:
        """``{id, topicName, state, retries, workerId, incident, errorMessage, errorDetails,
        fetches, history}``."""
        document: dict[str, Any] = self._call("GET", f"/tasks/{task_id}")
        return document

    def tasks(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/tasks")["tasks"]
        return found

    def delete(self, task_id: str) -> dict[str, Any]:
        """Delete the task's process instance: every call on the task then answers 404."""
        document: dict[str, Any] = self._call("POST", f"/tasks/{task_id}/delete")
        return document

    def set_retries(self, task_id: str, retries: int) -> dict[str, Any]:
        body = {"retries": retries}
        document: dict[str, Any] = self._call("POST", f"/tasks/{task_id}/retries", body)
        return document

    def fault(
        self,
        operation: str,
        status: int,
        count: int,
        kind: str = "ProcessEngineException",
        message: str = "scripted by the control API",
    ) -> None:
        """Answer the next ``count`` calls of ``operation`` (or ``any``) with this error."""
        body = {
            "operation": operation,
            "status": status,
            "type": kind,
            "message": message,
            "count": count,
        }
        self._call("POST", "/faults", body)

    def requests(self) -> dict[str, Any]:
        """``{"requests": [{time, method, path, operation, raw, authorization}], "invalid": …}``."""
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
            self.base_url + "/_camunda7" + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
            return json.loads(response.read() or b"null")
