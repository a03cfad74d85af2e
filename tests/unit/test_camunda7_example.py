"""examples/camunda7/sagemaker-score.bpmn works with the adapter: an external task on the
adapter's topic, whose input parameters — rendered as the engine renders them — make a task
the adapter turns into a valid queue job, whose extension properties are headers the contract
reads, and whose errorExpression throws the error its boundary event catches."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from adapters.camunda7 import mapping
from adapters.camunda7.settings import Camunda7Settings
from adapters.connector import FETCH_VARIABLES
from feel import evaluate, to_json
from ops.local import ROOT
from producer.contract import Headers, parse_job

EXAMPLE = ROOT / "examples" / "camunda7" / "sagemaker-score.bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
PROCESS_VARIABLES = {"tenureMonths": 14, "monthlyCharges": 70.5}


def _task() -> ET.Element:
    [task] = ET.parse(EXAMPLE).getroot().iter(f"{BPMN}serviceTask")
    return task


def _properties() -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in _task().iter(f"{CAMUNDA}property")}


def _rendered_inputs(process: dict[str, Any]) -> dict[str, str]:
    """Each input parameter's text with ``${name}`` replaced as JUEL does: a String variable."""
    inputs = {}
    for parameter in _task().iter(f"{CAMUNDA}inputParameter"):
        text = parameter.text or ""
        inputs[parameter.get("name", "")] = re.sub(
            r"\$\{(\w+)\}", lambda m: str(process[m[1]]), text
        )
    return inputs


def test_an_external_task_on_the_adapters_topic() -> None:
    task = _task()
    assert task.get(f"{CAMUNDA}type") == "external"
    assert task.get(f"{CAMUNDA}topic") in Camunda7Settings().topics
    assert set(_rendered_inputs(PROCESS_VARIABLES)) <= set(FETCH_VARIABLES)


def test_its_inputs_make_a_valid_queue_job() -> None:
    # Given the task as fetchAndLock hands it over: String variables, extension properties
    fetched = {
        "id": "t-1",
        "retries": None,
        "extensionProperties": _properties(),
        "variables": {
            name: {"type": "String", "value": text, "valueInfo": {}}
            for name, text in _rendered_inputs(PROCESS_VARIABLES).items()
        },
    }
    # When the adapter maps it
    job = mapping.activated_job(fetched, default_retries=3)
    # Then it is a valid job with the model input built from the process variables
    assert job.invalid is None
    assert job.retries == 3
    parsed = parse_job({**job.document, "id": "c7:t-1:1"})
    assert parsed.variables.input.body == {"instances": [[14, 70.5]]}
    assert parsed.headers.retry_backoff is not None


def test_the_extension_properties_are_headers_the_contract_reads() -> None:
    headers = {f.alias or name for name, f in Headers.model_fields.items()}
    assert set(_properties()) <= headers | {mapping.RETRIES_PROPERTY}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"body": {"predictions": [{"score": 0.91}]}}, None),
        ({"error": {"code": "ModelError", "message": "bad shape"}}, "MODEL_REJECTED"),
        ({"error": {"code": "ThrottlingException", "message": "slow"}}, None),
    ],
)
def test_the_error_expression_throws_what_the_boundary_event_catches(
    context: dict[str, Any], expected: str | None
) -> None:
    root = ET.parse(EXAMPLE).getroot()
    [boundary] = root.iter(f"{BPMN}boundaryEvent")
    assert boundary.get("attachedToRef") == _task().get("id")
    [definition] = boundary.iter(f"{BPMN}errorEventDefinition")
    [error] = [e for e in root.iter(f"{BPMN}error") if e.get("id") == definition.get("errorRef")]
    outcome = evaluate(_properties()["errorExpression"], {"job": {"retries": 3}, **context})
    if expected is None:
        assert outcome is None
    else:
        assert outcome["code"] == expected == error.get("errorCode")


def test_the_result_expression_picks_the_score() -> None:
    response = {"body": {"predictions": [{"score": 0.91}]}}
    expression = _properties()["resultExpression"]
    value = evaluate(expression, {**response, "response": response})
    assert to_json(value) == {"churnScore": 0.91}
