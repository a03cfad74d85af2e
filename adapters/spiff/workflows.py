"""Creating, serializing and restoring workflows.

An instance is stored as SpiffWorkflow's own serialized JSON (the spec included, ~10 KB
for the example), through a serializer that knows our service task: the default config
has no converter for it. Conditions written as FEEL (``=…``, how Camunda 8 models write
them) are evaluated by the project's FEEL; others fall back to SpiffWorkflow's Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

from adapters.spiff.parser import ParsedModel
from adapters.spiff.tasks import ZeebeServiceTask, ZeebeServiceTaskConverter
from feel import evaluate, to_json


class FeelScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """Gateway conditions and other expressions: FEEL when they start with ``=``."""

    def evaluate(self, task: Any, expression: Any, external_context: Any = None) -> Any:
        if isinstance(expression, str) and expression.lstrip().startswith("="):
            context = {**(external_context or {}), **task.data}
            return to_json(evaluate(expression.strip(), context))
        return super().evaluate(task, expression, external_context)


SCRIPT_ENGINE = FeelScriptEngine()
_SERIALIZER = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure(
        {**DEFAULT_CONFIG, ZeebeServiceTask: ZeebeServiceTaskConverter}
    )
)


def new_workflow(model: ParsedModel, data: Mapping[str, Any]) -> Any:
    """A workflow at its start, with ``data`` as the instance's variables."""
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return workflow


def dumps(workflow: Any) -> str:
    text: str = _SERIALIZER.serialize_json(workflow)
    return text


def loads(text: str) -> Any:
    workflow = _SERIALIZER.deserialize_json(text)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow
