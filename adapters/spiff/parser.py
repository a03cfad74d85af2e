"""Parse Camunda 8 (Zeebe) BPMN for SpiffWorkflow.

SpiffWorkflow's own Camunda parser knows the Camunda 7 namespace only and ignores
``zeebe:*``; this registers a ``serviceTask`` parser that reads ``zeebe:taskDefinition``
(type, retries), ``zeebe:ioMapping`` (inputs and outputs) and ``zeebe:taskHeaders``, so a
file modeled for Camunda 8 runs unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.node_parser import DEFAULT_NSMAP
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from adapters.spiff.errors import ModelFileError
from adapters.spiff.tasks import ZeebeServiceTask

ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
NSMAP = {**DEFAULT_NSMAP, "zeebe": ZEEBE_NS}
# Zeebe's default when taskDefinition has no retries attribute.
DEFAULT_RETRIES = "3"
# A model file is data: no external entities, no network.
_XML = etree.XMLParser(resolve_entities=False, no_network=True)
RESERVED_IDS = frozenset({"Start", "End"})
RESERVED_SUFFIX = "__element"
REFERENCE_ATTRIBUTES = ("id", "sourceRef", "targetRef", "attachedToRef", "default", "bpmnElement")


@dataclass(frozen=True)
class ZeebeTaskExtensions:
    """What a service task's Zeebe extension elements say, as written (not evaluated)."""

    task_type: str | None
    retries: str
    inputs: list[list[str | None]]
    outputs: list[list[str | None]]
    headers: dict[str, str]


def read_extensions(node: Any) -> ZeebeTaskExtensions:
    """The Zeebe extensions of one ``bpmn:serviceTask`` element (an lxml element)."""

    def find(path: str) -> list[Any]:
        return list(node.xpath(path, namespaces=NSMAP))

    definition = find("./bpmn:extensionElements/zeebe:taskDefinition")
    task_type = definition[0].get("type") if definition else None
    retries = (definition[0].get("retries") if definition else None) or DEFAULT_RETRIES
    mapping = "./bpmn:extensionElements/zeebe:ioMapping/zeebe:"
    return ZeebeTaskExtensions(
        task_type=task_type or None,
        retries=retries,
        inputs=[[e.get("source"), e.get("target")] for e in find(mapping + "input")],
        outputs=[[e.get("source"), e.get("target")] for e in find(mapping + "output")],
        headers={
            e.get("key"): e.get("value") or ""
            for e in find("./bpmn:extensionElements/zeebe:taskHeaders/zeebe:header")
            if e.get("key")
        },
    )


class ZeebeServiceTaskParser(TaskParser):  # type: ignore[misc]  # SpiffWorkflow is untyped
    def create_task(self) -> ZeebeServiceTask:
        ext = read_extensions(self.node)
        for source, target in ext.inputs + ext.outputs:
            if not target:
                self.raise_validation_exception(f"a zeebe mapping from {source!r} has no target")
        return ZeebeServiceTask(
            self.spec,
            self.bpmn_id,
            task_type=ext.task_type,
            retries=ext.retries,
            input_mappings=ext.inputs,
            output_mappings=ext.outputs,
            headers=ext.headers,
            **self.bpmn_attributes,
        )


class ZeebeBpmnParser(BpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {  # noqa: RUF012 - SpiffWorkflow's extension point is a class dict
        full_tag("serviceTask"): (ZeebeServiceTaskParser, ZeebeServiceTask),
    }

    def __init__(self) -> None:
        super().__init__(namespaces=NSMAP)


@dataclass(frozen=True)
class ParsedModel:
    process_id: str
    spec: Any  # BpmnProcessSpec
    subprocess_specs: dict[str, Any]


def parse_model(source: str | Path, process_id: str | None = None) -> ParsedModel:
    """Parse a BPMN file (a path, or the XML text itself when it starts with ``<``).

    Without ``process_id`` the file must hold exactly one executable process.
    """
    parser = ZeebeBpmnParser()
    try:
        if isinstance(source, str) and source.lstrip().startswith("<"):
            root, filename = etree.fromstring(source.encode(), _XML), "<string>"
        else:
            root, filename = etree.parse(str(source), _XML).getroot(), str(source)
        renamed = _rename_reserved_ids(root)
        parser.add_bpmn_xml(root, filename=filename)
        chosen = process_id or _only_process(parser.get_process_ids())
        spec, subprocesses = parser.get_spec(chosen), parser.get_subprocess_specs(chosen)
    except ValidationException as exc:
        raise ModelFileError(str(exc)) from exc
    except (OSError, etree.XMLSyntaxError) as exc:
        raise ModelFileError(f"cannot read the model: {exc}") from exc
    for process in [spec, *subprocesses.values()]:
        for task_spec in process.task_specs.values():
            if task_spec.name in renamed:
                task_spec.bpmn_id = renamed[task_spec.name]
    return ParsedModel(chosen, spec, subprocesses)


def _rename_reserved_ids(root: Any) -> dict[str, str]:
    """SpiffWorkflow names its own start and end task specs ``Start`` and ``End``, and an
    element with such an id is taken for them (Camunda Modeler users do write
    ``id="Start"``). Rename those elements, and every reference to them, before parsing;
    the task spec keeps the original as its ``bpmn_id``. Returns new name → original."""
    renamed = {
        str(element.get("id")): f"{element.get('id')}{RESERVED_SUFFIX}"
        for element in root.iter()
        if element.get("id") in RESERVED_IDS
    }
    for element in root.iter() if renamed else ():
        for attribute in REFERENCE_ATTRIBUTES:
            if element.get(attribute) in renamed:
                element.set(attribute, renamed[element.get(attribute)])
        if element.tag in (full_tag("incoming"), full_tag("outgoing")):
            text = (element.text or "").strip()
            element.text = renamed.get(text, element.text)
    return {new: old for old, new in renamed.items()}


def _only_process(ids: list[str]) -> str:
    if len(ids) != 1:
        found = ", ".join(ids) or "none"
        raise ModelFileError(f"choose a process with --process (executable processes: {found})")
    return ids[0]
