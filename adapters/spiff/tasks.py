"""The task spec a Camunda 8 service task becomes, and the serializer converter it needs.

SpiffWorkflow runs a plain ``ServiceTask`` by calling its ``_execute``, which does nothing
and leaves the task STARTED: exactly "waiting for its job", with no thread held. This class
only carries what the Zeebe extension elements say; ``adapters.spiff.steps`` acts on it.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask


class ZeebeServiceTask(ServiceTask):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """A ``bpmn:serviceTask`` with ``zeebe:taskDefinition``, ``zeebe:ioMapping`` and
    ``zeebe:taskHeaders`` (all optional: a task without a type goes to an incident)."""

    def __init__(
        self,
        wf_spec: Any,
        bpmn_id: str,
        task_type: str | None = None,
        retries: str = "3",
        input_mappings: list[list[str | None]] | None = None,
        output_mappings: list[list[str | None]] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.task_type = task_type
        self.retries = retries
        # [source, target] pairs in document order (JSON has no tuples, so lists). Not
        # `inputs`/`outputs`: TaskSpec uses those names for the sequence flows.
        self.input_mappings = [list(pair) for pair in input_mappings or []]
        self.output_mappings = [list(pair) for pair in output_mappings or []]
        self.headers = dict(headers or {})


class ZeebeServiceTaskConverter(BpmnTaskSpecConverter):  # type: ignore[misc]
    """SpiffWorkflow's default serializer config has no converter for a service task (its
    own ``ServiceTask`` is never serialized by the stock engine); this one adds our fields."""

    def to_dict(self, spec: ZeebeServiceTask) -> dict[str, Any]:
        dct: dict[str, Any] = self.get_default_attributes(spec)
        dct.update(
            task_type=spec.task_type,
            retries=spec.retries,
            input_mappings=spec.input_mappings,
            output_mappings=spec.output_mappings,
            headers=spec.headers,
        )
        return dct

    def from_dict(self, dct: dict[str, Any]) -> ZeebeServiceTask:
        spec: ZeebeServiceTask = self.task_spec_from_dict(dct)
        return spec
