"""The Camunda 8 parser and the workflow steps, in memory (no Redis): Zeebe extensions read,
a service task turned into a job, results applied, handlers, incidents, FEEL conditions."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.spiff.errors import BpmnError, ModelFileError
from adapters.spiff.parser import parse_model, read_extensions
from adapters.spiff.steps import StepContext, advance, apply_result, retry
from adapters.spiff.tasks import ZeebeServiceTask
from adapters.spiff.view import summary
from adapters.spiff.workflows import dumps, loads, new_workflow
from ops.local import ROOT
from producer.contract import TASK_TYPE, Result

EXAMPLE = ROOT / "examples" / "bpmn" / "sagemaker-score.bpmn"
NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
)


def model(task_type: str, extensions: str = "", *, boundary: str | None = None) -> str:
    """start → Task (a service task of ``task_type``) → Done, and an optional error boundary
    event catching ``boundary`` → Caught."""
    catch = (
        '<bpmn:boundaryEvent id="Boundary" attachedToRef="Task">'
        '<bpmn:errorEventDefinition errorRef="Err" /></bpmn:boundaryEvent>'
        '<bpmn:endEvent id="Caught" /><bpmn:sequenceFlow id="f3" sourceRef="Boundary" '
        'targetRef="Caught" />'
        if boundary
        else ""
    )
    error = f'<bpmn:error id="Err" errorCode="{boundary}" />' if boundary else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d" targetNamespace="t">{error}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="Begin" />
    <bpmn:serviceTask id="Task"><bpmn:extensionElements>
      <zeebe:taskDefinition type="{task_type}" />{extensions}
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="Done" />{catch}
    <bpmn:sequenceFlow id="f1" sourceRef="Begin" targetRef="Task" />
    <bpmn:sequenceFlow id="f2" sourceRef="Task" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>"""


def ctx(**handlers: Any) -> StepContext:
    return StepContext("inst1", "results", handlers)


def started(xml: str | Any, data: dict[str, Any], context: StepContext) -> tuple[Any, list[Any]]:
    workflow = new_workflow(parse_model(xml), data)
    return workflow, advance(workflow, context, now=0).jobs


def test_the_example_parses_with_its_zeebe_extensions() -> None:
    parsed = parse_model(EXAMPLE)

    task = parsed.spec.task_specs["Score"]
    assert parsed.process_id == "sagemaker_score"
    assert isinstance(task, ZeebeServiceTask)
    assert (task.task_type, task.retries) == (TASK_TYPE, "3")
    assert ["=payload", "input.body"] in task.input_mappings
    assert ["=prediction.body", "score.result"] in task.output_mappings
    assert task.headers["resultVariable"] == "prediction"
    assert task.headers["errorExpression"].startswith("=if error != null")


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        ("", (None, "3", [], [], {})),
        ('<zeebe:taskDefinition type="t" retries="5" />', ("t", "5", [], [], {})),
        (
            '<zeebe:ioMapping><zeebe:input source="=a" target="x.y" />'
            '<zeebe:output source="=b" target="z" /><zeebe:input target="n" /></zeebe:ioMapping>',
            (None, "3", [["=a", "x.y"], [None, "n"]], [["=b", "z"]], {}),
        ),
        (
            '<zeebe:taskHeaders><zeebe:header key="k" value="v" />'
            '<zeebe:header value="no key" /><zeebe:header key="empty" /></zeebe:taskHeaders>',
            (None, "3", [], [], {"k": "v", "empty": ""}),
        ),
    ],
)
def test_read_extensions(extensions: str, expected: tuple[Any, ...]) -> None:
    from lxml import etree

    node = etree.fromstring(
        f"<bpmn:serviceTask {NS} id='s'><bpmn:extensionElements>{extensions}"
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )

    ext = read_extensions(node)

    assert (ext.task_type, ext.retries, ext.inputs, ext.outputs, ext.headers) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (ROOT / "no-such.bpmn", "cannot read"),
        (model("t").replace('id="p"', 'id="p"').replace("</bpmn:definitions>", "")
         + '<bpmn:process id="q" isExecutable="true"><bpmn:startEvent id="s" /></bpmn:process>'
         "</bpmn:definitions>", "executable processes: p, q"),
        (model("t", '<zeebe:ioMapping><zeebe:input source="=a" /></zeebe:ioMapping>'),
         "has no target"),
    ],
)  # fmt: skip
def test_unusable_models_are_refused_with_the_reason(source: Any, message: str) -> None:
    with pytest.raises(ModelFileError, match=message):
        parse_model(source)


def test_a_connector_task_becomes_a_job_with_its_mapped_variables() -> None:
    extensions = (
        "<zeebe:ioMapping>"
        '<zeebe:input source="=endpoint" target="input.endpointName" />'
        '<zeebe:input source="=payload" target="input.body" />'
        '<zeebe:input source="us-east-1" target="configuration.region" />'
        '<zeebe:input source="defaultCredentialsChain" target="authentication.type" />'
        '</zeebe:ioMapping><zeebe:taskHeaders><zeebe:header key="resultVariable" value="r" />'
        "</zeebe:taskHeaders>"
    )
    data = {"endpoint": "ep", "payload": [1], "unrelated": "stays home"}

    workflow, [job] = started(model(TASK_TYPE, extensions), data, ctx())

    task = workflow.get_tasks(spec_name="Task")[0]
    assert job["id"] == f"inst1.{task.id.hex}.1"
    assert job["variables"] == {
        "input": {"endpointName": "ep", "body": [1]},
        "configuration": {"region": "us-east-1"},
        "authentication": {"type": "defaultCredentialsChain"},
    }
    assert job["headers"] == {"resultVariable": "r"}
    assert job["retries"] == 3
    assert job["replyTo"] == "results"
    assert job["correlation"] == {"spiffInstance": "inst1", "spiffTask": str(task.id),
                                  "elementId": "Task"}  # fmt: skip
    assert summary(workflow)["status"] == "waiting"
    # A round trip through the serializer keeps the task and its waiting job
    restored = loads(dumps(workflow))
    assert summary(restored)["waitingFor"] == [{"elementId": "Task", "jobId": job["id"]}]


CONNECTOR = (
    "<zeebe:ioMapping>"
    '<zeebe:input source="ep" target="input.endpointName" />'
    '<zeebe:input source="=payload" target="input.body" />'
    '<zeebe:input source="us-east-1" target="configuration.region" />'
    '<zeebe:input source="defaultCredentialsChain" target="authentication.type" />'
    "</zeebe:ioMapping>"
)


def result(job: dict[str, Any], **fields: Any) -> Result:
    return Result.model_validate({"id": job["id"], "correlation": job["correlation"], **fields})


def test_a_completed_result_completes_the_task_once() -> None:
    workflow, [job] = started(model(TASK_TYPE, CONNECTOR), {"payload": 1}, ctx())

    first = apply_result(workflow, result(job, status="completed", variables={"r": 2}))
    again = apply_result(workflow, result(job, status="completed", variables={"r": 3}))
    advance(workflow, ctx())

    assert (first, again) == (True, False)
    shown = summary(workflow)
    assert shown["status"] == "completed" and shown["endEvent"] == "Done"
    assert shown["data"] == {"payload": 1, "r": 2}


def test_a_result_for_another_job_of_the_task_is_ignored() -> None:
    workflow, [job] = started(model(TASK_TYPE, CONNECTOR), {"payload": 1}, ctx())

    stale = {**job, "id": job["id"][:-1] + "0"}

    assert not apply_result(workflow, result(stale, status="completed"))
    assert summary(workflow)["status"] == "waiting"


def test_bpmn_error_is_caught_by_a_matching_boundary_event() -> None:
    workflow, [job] = started(model(TASK_TYPE, CONNECTOR, boundary="E1"), {"payload": 1}, ctx())
    error = {"type": "bpmnError", "code": "E1", "message": "m", "retryable": False}

    apply_result(workflow, result(job, status="bpmnError", error=error, variables={"why": "m"}))

    shown = summary(workflow)
    assert shown["status"] == "completed" and shown["endEvent"] == "Caught"
    assert shown["data"]["why"] == "m"


def test_an_uncaught_bpmn_error_is_an_incident() -> None:
    workflow, [job] = started(model(TASK_TYPE, CONNECTOR, boundary="E1"), {"payload": 1}, ctx())
    error = {"type": "bpmnError", "code": "OTHER", "message": "m", "retryable": False}

    apply_result(workflow, result(job, status="bpmnError", error=error))

    [incident] = summary(workflow)["incidents"]
    assert summary(workflow)["status"] == "error"
    assert (incident["type"], incident["code"]) == ("bpmnError", "OTHER")


def test_a_failure_is_an_incident_and_retry_dispatches_a_new_job() -> None:
    workflow, [job] = started(model(TASK_TYPE, CONNECTOR), {"payload": 1}, ctx())
    error = {"type": "aws", "code": "ValidationError", "message": "no", "retryable": False}

    apply_result(workflow, result(job, status="failed", error=error))
    [incident] = summary(workflow)["incidents"]
    cleared = retry(workflow)
    [again] = advance(workflow, ctx()).jobs

    assert (incident["code"], incident["jobId"]) == ("ValidationError", job["id"])
    assert cleared == 1
    assert again["id"].endswith(".2") and again["variables"] == job["variables"]
    assert summary(workflow)["status"] == "waiting"


def test_job_error_with_retries_is_activated_again_after_its_backoff() -> None:
    workflow, [job] = started(model(TASK_TYPE, CONNECTOR), {"payload": 1}, ctx())
    error = {"type": "jobError", "code": "x", "message": "m", "retryable": True,
             "retries": 2, "retryBackoff": "PT30S"}  # fmt: skip

    apply_result(workflow, result(job, status="failed", error=error), now=1000)

    early = advance(workflow, ctx(), now=1010)
    late = advance(workflow, ctx(), now=1031)
    assert (early.jobs, early.next_due) == ([], 1030)
    [again] = late.jobs
    assert again["retries"] == 2 and again["id"].endswith(".2")


def test_other_task_types_run_registered_handlers_inline() -> None:
    calls: list[tuple[dict[str, Any], dict[str, str]]] = []

    def send_mail(variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        calls.append((variables, headers))
        return {"sent": variables["to"]}

    extensions = (
        '<zeebe:ioMapping><zeebe:input source="=customer" target="to" /></zeebe:ioMapping>'
        '<zeebe:taskHeaders><zeebe:header key="template" value="welcome" /></zeebe:taskHeaders>'
    )
    workflow, jobs = started(model("send-mail", extensions), {"customer": "a@b"}, ctx(**{
        "send-mail": send_mail}))  # fmt: skip

    assert jobs == []
    assert calls == [({"customer": "a@b", "to": "a@b"}, {"template": "welcome"})]
    assert summary(workflow)["data"] == {"customer": "a@b", "sent": "a@b"}


def test_a_handler_can_throw_a_bpmn_error() -> None:
    def refuse(variables: dict[str, Any], headers: dict[str, str]) -> None:
        raise BpmnError("E1", "refused", {"reason": "no"})

    workflow, _ = started(model("t", boundary="E1"), {}, ctx(t=refuse))

    assert summary(workflow)["endEvent"] == "Caught"


@pytest.mark.parametrize(
    ("task_type", "handlers", "code", "names"),
    [
        ("unknown-type", {}, "NoHandler", "unknown-type"),
        ("t", {"t": lambda v, h: 1 / 0}, "ZeroDivisionError", "division by zero"),
    ],
)
def test_a_task_without_a_working_handler_is_an_incident_naming_why(
    task_type: str, handlers: dict[str, Any], code: str, names: str
) -> None:
    workflow, _ = started(model(task_type), {}, ctx(**handlers))

    [incident] = summary(workflow)["incidents"]
    assert incident["code"] == code and names in incident["message"]


def test_gateway_conditions_written_in_feel_are_evaluated_with_feel() -> None:
    xml = f"""<bpmn:definitions {NS} id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="Begin" />
    <bpmn:exclusiveGateway id="Gate" default="toLow" />
    <bpmn:endEvent id="High" /><bpmn:endEvent id="Low" />
    <bpmn:sequenceFlow id="f1" sourceRef="Begin" targetRef="Gate" />
    <bpmn:sequenceFlow id="toHigh" sourceRef="Gate" targetRef="High">
      <bpmn:conditionExpression>=risk.score &gt; 0.5</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toLow" sourceRef="Gate" targetRef="Low" />
  </bpmn:process>
</bpmn:definitions>"""

    ends = [started(xml, {"risk": {"score": s}}, ctx())[0] for s in (0.9, 0.1)]

    assert [summary(w)["endEvent"] for w in ends] == ["High", "Low"]


def test_elements_named_like_spiffworkflows_own_start_and_end_still_run() -> None:
    # Camunda Modeler users write id="Start"; SpiffWorkflow names its own task specs so.
    xml = model("t").replace('"Begin"', '"Start"').replace('"Done"', '"End"')

    workflow, _ = started(xml, {}, ctx(t=lambda v, h: {"ok": True}))
    restored = loads(dumps(workflow))

    assert summary(restored)["status"] == "completed"
    assert summary(restored)["endEvent"] == "End"
    assert summary(restored)["data"] == {"ok": True}
