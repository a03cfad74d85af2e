"""What happens to a workflow between two saves: engine steps, service tasks activated (a
queue job, or a Python handler run inline), a job's result applied, incidents, retry.

Everything here works on an in-memory ``BpmnWorkflow``; ``adapters.spiff.engine`` loads and
saves it. A service task's own state lives in the task's ``internal_data["smq"]`` (so it
is serialized with the workflow): the job it waits for, its locals, its incident.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter, ValidationError
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.util.task import TaskState

from adapters.spiff.errors import BpmnError, MappingError
from adapters.spiff.mapping import map_inputs, map_outputs, source_value
from adapters.spiff.tasks import ZeebeServiceTask
from producer.contract import TASK_TYPE, Result, parse_job
from producer.errors import JobValidationError

META = "smq"
# The variables Camunda's connector runtime fetches for a job; nothing else of the
# instance travels to the queue.
CONNECTOR_VARIABLES = ("authentication", "configuration", "input", "awsCredential")

_DURATION = TypeAdapter(timedelta)

Handler = Callable[[dict[str, Any], dict[str, str]], Mapping[str, Any] | None]
"""A Python service-task handler: (variables, headers) → variables to set (or None).
Raise ``BpmnError`` to throw a BPMN error; any other exception makes an incident."""


@dataclass
class Activation:
    """What one pass over a workflow produced: jobs to submit, and when to look again."""

    jobs: list[dict[str, Any]] = field(default_factory=list)
    next_due: float | None = None


@dataclass(frozen=True)
class StepContext:
    instance_id: str
    reply_to: str
    handlers: Mapping[str, Handler] = field(default_factory=dict)


def meta(task: Any) -> dict[str, Any]:
    found: dict[str, Any] = task.internal_data.setdefault(META, {"attempt": 1})
    return found


def service_tasks(workflow: Any) -> list[Any]:
    """Started service tasks of ours, in a stable order."""
    tasks = workflow.get_tasks(state=TaskState.STARTED)
    found = [t for t in tasks if isinstance(t.task_spec, ZeebeServiceTask)]
    return sorted(found, key=lambda t: (t.task_spec.bpmn_id or "", str(t.id)))


def advance(workflow: Any, ctx: StepContext, now: float | None = None) -> Activation:
    """Run engine steps and activate every started service task that waits for nothing;
    repeat while handlers complete tasks inline."""
    now = time.time() if now is None else now
    out = Activation()
    progressed = True
    while progressed:
        workflow.do_engine_steps()
        progressed = False
        for task in service_tasks(workflow):
            state = meta(task)
            if state.get("jobId") or state.get("incident"):
                continue
            due = state.get("dueAt")
            if due is not None and due > now:
                out.next_due = due if out.next_due is None else min(out.next_due, due)
                continue
            progressed |= _activate(task, state, ctx, out)
    return out


def _activate(task: Any, state: dict[str, Any], ctx: StepContext, out: Activation) -> bool:
    """Start one task's work; True when it completed (the engine can move on)."""
    spec: ZeebeServiceTask = task.task_spec
    state.pop("dueAt", None)
    try:
        task_type = source_value(spec.task_type, task.data) if spec.task_type else None
        local = map_inputs(spec.input_mappings, task.data)
        if task_type == TASK_TYPE:
            out.jobs.append(_dispatch(task, state, local, ctx))
            return False
        handler = ctx.handlers.get(str(task_type)) if task_type else None
        if handler is None:
            raise _no_handler(task_type)
        variables = handler({**task.data, **local}, dict(spec.headers))
    except BpmnError as exc:
        return throw_error(task, exc.code, exc.message, exc.variables)
    except JobValidationError as exc:
        incident(task, _error("input", exc.code, exc.message, exc.details))
        return False
    except Exception as exc:  # a handler's failure of any kind is the task's incident
        code = getattr(exc, "code", type(exc).__name__)
        incident(task, _error("handler", str(code), str(exc)))
        return False
    complete(task, dict(variables or {}), local)
    return True


def _no_handler(task_type: Any) -> MappingError:
    if not task_type:
        return MappingError("the service task has no zeebe:taskDefinition type", code="NoTaskType")
    return MappingError(f"no handler is registered for task type {task_type!r}", code="NoHandler")


def _dispatch(
    task: Any, state: dict[str, Any], local: dict[str, Any], ctx: StepContext
) -> dict[str, Any]:
    spec: ZeebeServiceTask = task.task_spec
    retries = state.get("retries")
    if retries is None:
        retries = int(str(source_value(spec.retries, task.data)))
    visible = {**task.data, **local}
    document = {
        "id": f"{ctx.instance_id}.{task.id.hex}.{state['attempt']}",
        "variables": {k: visible[k] for k in CONNECTOR_VARIABLES if k in visible},
        "headers": dict(spec.headers),
        "retries": retries,
        "replyTo": ctx.reply_to,
        "correlation": {
            "spiffInstance": ctx.instance_id,
            "spiffTask": str(task.id),
            "elementId": spec.bpmn_id,
        },
    }
    parse_job(document)  # an invalid job is the task's incident, not the submitter's error
    # The document stays with the task until its result arrives: a save whose submission
    # did not happen (a crash in between) is submitted again from it (engine.replay).
    state.update(jobId=document["id"], local=local, retries=retries, job=document)
    return document


def complete(task: Any, variables: dict[str, Any], local: Mapping[str, Any]) -> None:
    spec: ZeebeServiceTask = task.task_spec
    task.data = map_outputs(spec.output_mappings, task.data, local, variables)
    _clear(task)
    task.complete()


def throw_error(task: Any, code: str, message: str, variables: Mapping[str, Any]) -> bool:
    """Throw a BPMN error from ``task``; a matching error boundary event takes it (the task
    is cancelled). Uncaught, it is an incident, as in Zeebe. True when caught."""
    definition = ErrorEventDefinition(code, code=code)
    workflow = task.workflow
    workflow.top_workflow.catch(BpmnEvent(definition, payload=dict(variables), target=workflow))
    workflow.top_workflow.do_engine_steps()
    if task.state == TaskState.STARTED:
        incident(task, _error("bpmnError", code, f"no error boundary event catches {code!r}"))
        return False
    _clear(task)
    return True


def incident(task: Any, error: dict[str, Any]) -> None:
    state = meta(task)
    state["incident"] = {**error, "jobId": state.get("jobId"), "at": round(time.time(), 3)}
    state["jobId"] = state["job"] = None


def _clear(task: Any) -> None:
    state = meta(task)
    for key in ("jobId", "job", "local", "incident", "retries", "dueAt"):
        state.pop(key, None)


def _error(kind: str, code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"type": kind, "code": code, "message": message, "details": details or {}}


def find_task(workflow: Any, task_id: str) -> Any:
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError):
        return None
    except Exception:  # SpiffWorkflow raises its own TaskNotFoundException
        return None


def apply_result(workflow: Any, result: Result, now: float | None = None) -> bool:
    """Apply a job's result to the task waiting for it; False when no task waits for this
    job (a duplicate, or a result for an earlier attempt)."""
    task = find_task(workflow, str(result.correlation.get("spiffTask", "")))
    if task is None or task.state != TaskState.STARTED:
        return False
    state = meta(task)
    if state.get("jobId") != result.id:
        return False
    if result.status == "completed":
        complete(task, dict(result.variables), state.get("local") or {})
    elif result.status == "bpmnError":
        error = result.error
        assert error is not None
        throw_error(task, error.code, error.message, result.variables)
    else:
        _failed(task, state, result, time.time() if now is None else now)
    return True


def _failed(task: Any, state: dict[str, Any], result: Result, now: float) -> None:
    error = result.error
    assert error is not None
    if error.type == "jobError" and error.retries:
        # The connector's jobError(…, retries, backoff): the engine retries the job itself.
        state.update(jobId=None, job=None, retries=error.retries, attempt=state["attempt"] + 1)
        state["dueAt"] = now + _seconds(error.retry_backoff)
        return
    incident(task, error.model_dump(by_alias=True, exclude_none=True))


def _seconds(duration: str | None) -> float:
    """An ISO-8601 duration (``PT30S``) in seconds; 0 when absent or unreadable."""
    if not duration:
        return 0.0
    try:
        return _DURATION.validate_python(duration).total_seconds()
    except ValidationError:
        return 0.0


def retry(workflow: Any) -> int:
    """Clear every incident so the next ``advance`` activates those tasks again (a new job
    with a new id and the task's full retries). Returns how many were cleared."""
    cleared = 0
    for task in service_tasks(workflow):
        state = meta(task)
        if state.get("incident"):
            attempt = state["attempt"]
            _clear(task)
            state["attempt"] = attempt + 1
            cleared += 1
    return cleared


def pending_jobs(workflow: Any) -> list[dict[str, Any]]:
    """The job documents of every task waiting for a result."""
    return [meta(t)["job"] for t in service_tasks(workflow) if meta(t).get("job")]
