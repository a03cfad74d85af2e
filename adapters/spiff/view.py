"""What ``smq spiff show`` reports about a workflow: status, data, end event, incidents."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.util.task import TaskState

from adapters.spiff.steps import META, service_tasks

WAITING, COMPLETED, ERROR, CANCELLED = "waiting", "completed", "error", "cancelled"


def incidents(workflow: Any) -> list[dict[str, Any]]:
    found = []
    for task in service_tasks(workflow):
        incident = task.internal_data.get(META, {}).get("incident")
        if incident:
            found.append({"elementId": task.task_spec.bpmn_id, "taskId": str(task.id), **incident})
    return found


def status(workflow: Any) -> str:
    if workflow.is_completed():
        # SpiffWorkflow's cancel() marks the workflow completed without success.
        return COMPLETED if workflow.success else CANCELLED
    return ERROR if incidents(workflow) else WAITING


def variables(workflow: Any) -> dict[str, Any]:
    """The instance's variables: the end's data once completed, else the data of the
    tasks in progress (merged; parallel branches each hold their own copy)."""
    if workflow.is_completed():
        return {k: v for k, v in workflow.data.items() if k != "data_objects"}
    merged: dict[str, Any] = {}
    active = TaskState.STARTED | TaskState.READY | TaskState.WAITING
    for task in workflow.get_tasks(state=active):
        if task.task_spec.bpmn_id is not None:
            merged.update(task.data)
    return merged


def end_events(workflow: Any) -> list[str]:
    """The end events reached, in the order they completed."""
    ends = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if isinstance(t.task_spec, EndEvent)
    ]
    return [t.task_spec.bpmn_id for t in sorted(ends, key=lambda t: t.last_state_change)]


def waiting_jobs(workflow: Any) -> list[dict[str, Any]]:
    return [
        {"elementId": t.task_spec.bpmn_id, "jobId": t.internal_data[META]["jobId"]}
        for t in service_tasks(workflow)
        if t.internal_data.get(META, {}).get("jobId")
    ]


def summary(workflow: Any) -> dict[str, Any]:
    ends = end_events(workflow)
    return {
        "status": status(workflow),
        "data": variables(workflow),
        "endEvent": ends[-1] if ends else None,
        "endEvents": ends,
        "waitingFor": waiting_jobs(workflow),
        "incidents": incidents(workflow),
    }
