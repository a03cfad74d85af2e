"""Our element template and example BPMN: valid against the official element-template
schema (vendored, @camunda/zeebe-element-templates-json-schema 0.46.0), bound to the same
names as Camunda's SageMaker template, and to names the job contract reads."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from producer.contract import TASK_TYPE, Headers, Input

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "adapters" / "camunda8" / "element-template.json"
SCHEMA = ROOT / "schema" / "vendor" / "zeebe-element-templates-json-schema" / "schema.json"
EXAMPLE = ROOT / "examples" / "bpmn" / "sagemaker-score.bpmn"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"

# Binding names Camunda's SageMaker template uses (docs: shared/reference), which a process
# modeled with theirs sends: ours must bind each of them the same way.
CAMUNDA_INPUTS = {
    "authentication.type",
    "authentication.accessKey",
    "authentication.secretKey",
    "configuration.region",
    "configuration.endpoint",
    "input.invocationType",
    "input.endpointName",
    "input.body",
    "input.contentType",
    "input.accept",
    "input.customAttributes",
    "input.inferenceId",
    "input.targetModel",
    "input.targetVariant",
    "input.targetContainerHostname",
    "input.inferenceComponentName",
    "input.enableExplanations",
    "input.inputLocation",
    "input.requestTTLSeconds",
    "input.invocationTimeoutSeconds",
}
CAMUNDA_HEADERS = {"resultVariable", "resultExpression", "errorExpression", "retryBackoff"}


def _template() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    return document


def _bindings(kind: str, field: str) -> dict[str, dict[str, Any]]:
    return {
        p["binding"][field]: p for p in _template()["properties"] if p["binding"]["type"] == kind
    }


def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_template_is_valid_against_the_official_schema() -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(_template())
    ]
    assert errors == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda t: t.pop("name"),
        lambda t: t["properties"].append({"type": "String", "binding": {"type": "zeebe:nonsense"}}),
        lambda t: next(p for p in t["properties"] if p["type"] == "Dropdown").pop("choices"),
    ],
)
def test_the_schema_check_can_fail(breakage: Any) -> None:
    template = _template()
    breakage(template)
    assert any(True for _ in _validator().iter_errors(template))


def test_shares_camunda_binding_names_and_task_type() -> None:
    assert set(_bindings("zeebe:input", "name")) >= CAMUNDA_INPUTS
    assert set(_bindings("zeebe:taskHeader", "key")) >= CAMUNDA_HEADERS
    task = _bindings("zeebe:taskDefinition", "property")
    assert task["type"]["value"] == TASK_TYPE
    assert task["retries"]["value"] == "3"


def test_every_input_and_header_is_one_the_job_contract_reads() -> None:
    contract_inputs = {f.alias or name for name, f in Input.model_fields.items()}
    for name in _bindings("zeebe:input", "name"):
        group, _, field = name.partition(".")
        if group == "input":
            assert field in contract_inputs, name
        else:
            assert group in ("authentication", "configuration"), name
    contract_headers = {f.alias or name for name, f in Headers.model_fields.items()}
    assert set(_bindings("zeebe:taskHeader", "key")) <= contract_headers


def test_example_bpmn_uses_the_template_bindings() -> None:
    tree = ET.parse(EXAMPLE)
    [task] = tree.getroot().iter(f"{BPMN}serviceTask")
    [definition] = task.iter(f"{ZEEBE}taskDefinition")
    assert definition.get("type") == TASK_TYPE
    targets = {i.get("target") for i in task.iter(f"{ZEEBE}input")}
    assert targets <= set(_bindings("zeebe:input", "name"))
    headers = {h.get("key") for h in task.iter(f"{ZEEBE}header")}
    assert headers <= set(_bindings("zeebe:taskHeader", "key"))
    [boundary] = tree.getroot().iter(f"{BPMN}boundaryEvent")
    assert boundary.get("attachedToRef") == task.get("id")
