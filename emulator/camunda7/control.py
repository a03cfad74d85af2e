"""A stdlib client for the Camunda 7 stand-in's control API, for tests and benchmarks."""

from __future__ import annotations

from typing import Any

from emulator.standin import StandInControl


class Camunda7Control(StandInControl):
    prefix = "/_camunda7"

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
