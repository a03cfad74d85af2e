"""Unit tests for script playback and the wire tables: no processes, no sockets."""

from __future__ import annotations

import botocore.session
import pytest
from pydantic import ValidationError

from emulator import wire
from emulator.scripts import DEFAULT_ERROR_STATUS, Cursor, Script


def play(script: Script, calls: int, at: float = 0.0) -> list[str]:
    cursor = Cursor(script, now=0.0)
    outcomes = []
    for _ in range(calls):
        plan = cursor.next_plan(now=at)
        if plan.error is not None:
            outcomes.append(plan.error.code)
        else:
            outcomes.append("reply" if plan.reply else "echo")
    return outcomes


def test_sequence_then_burst_then_steady_answer():
    script = Script.model_validate(
        {
            "sequence": [{"error": {"code": "ModelError"}}, {}],
            "errors": {"code": "ServiceUnavailable", "count": 2},
            "response": {"body": "x"},
        }
    )

    assert play(script, 6) == ["ModelError", "echo", *["ServiceUnavailable"] * 2, "reply", "reply"]


def test_burst_by_time_ends_at_its_deadline():
    script = Script.model_validate({"errors": {"code": "InternalFailure", "forMs": 1000}})

    assert play(script, 2, at=0.999) == ["InternalFailure"] * 2
    assert play(script, 2, at=1.0) == ["echo"] * 2


def test_burst_without_limits_lasts_until_rescripted():
    script = Script.model_validate({"errors": {"code": "ModelNotReadyException"}})

    assert play(script, 3, at=3600) == ["ModelNotReadyException"] * 3


def test_step_latency_overrides_the_script_latency():
    script = Script.model_validate({"latencyMs": 100, "sequence": [{"latencyMs": 5}, {}]})
    cursor = Cursor(script, now=0.0)

    assert [cursor.next_plan(0.0).latency_s for _ in range(2)] == [0.005, 0.1]


def test_jitter_stays_within_its_bound():
    cursor = Cursor(Script(latency_ms=10, jitter_ms=5), now=0.0)

    latencies = [cursor.next_plan(0.0).latency_s for _ in range(200)]

    assert all(0.010 <= latency <= 0.015 for latency in latencies)


def test_snake_case_and_camel_case_keys_are_both_accepted():
    camel = Script.model_validate({"latencyMs": 7, "async": {"delayMs": 9}})
    snake = Script.model_validate({"latency_ms": 7, "async_": {"delay_ms": 9}})

    assert camel == snake


@pytest.mark.parametrize(
    "document",
    [
        {"latencyMs": -1},
        {"unknownKey": 1},
        {"response": {"body": "a", "base64Body": "YQ=="}},
        {"response": {"base64Body": "not base64!"}},
        {"sequence": [{"response": {}, "error": {"code": "ModelError"}}]},
    ],
)
def test_bad_scripts_are_refused(document):
    with pytest.raises(ValidationError):
        Script.model_validate(document)


def test_default_error_statuses_match_the_service_model():
    model = botocore.session.get_session().get_service_model("sagemaker-runtime")

    for code, status in DEFAULT_ERROR_STATUS.items():
        shape = model.shape_for_error_code(code)
        if shape is not None:  # ThrottlingException is not modeled
            assert shape.metadata["error"]["httpStatusCode"] == status, code


def test_request_headers_come_from_the_service_model():
    headers = wire.request_headers(wire.INVOKE)

    assert headers["CustomAttributes"] == "x-amzn-sagemaker-custom-attributes"
    assert headers["InferenceComponentName"] == "x-amzn-sagemaker-inference-component"
    assert wire.request_headers(wire.INVOKE_ASYNC)["InputLocation"] == (
        "x-amzn-sagemaker-inputlocation"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/endpoints/my-ep/invocations", (wire.INVOKE, "my-ep")),
        ("/endpoints/my-ep/async-invocations", (wire.INVOKE_ASYNC, "my-ep")),
        ("/endpoints/my%2Dep/invocations", (wire.INVOKE, "my-ep")),
        ("/endpoints//invocations", None),
        ("/endpoints/my-ep/invocations-response-stream", None),
        ("/_emulator/health", None),
    ],
)
def test_runtime_routes(path, expected):
    assert wire.route(path) == expected
