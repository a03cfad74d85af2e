"""InvokeEndpoint request mapping and response/error translation (botocore Stubber)."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from producer.contract import Input
from producer.errors import InputError, PermanentError, RetryableError
from worker.sagemaker.realtime import MAX_PAYLOAD_BYTES, build_request, invoke


def make_input(**fields: Any) -> Input:
    return Input.model_validate({"endpointName": "ep", "body": {"x": 1}, **fields})


def test_minimal_request_uses_json_defaults_and_job_id_as_inference_id() -> None:
    request = build_request(make_input(), "job-1")
    assert request == {
        "EndpointName": "ep",
        "Body": b'{"x":1}',
        "ContentType": "application/json",
        "Accept": "application/json",
        "InferenceId": "job-1",
    }


def test_every_optional_field_is_mapped() -> None:
    inp = make_input(
        contentType="text/csv",
        accept="text/csv",
        body="1,2",
        customAttributes="trace=1",
        targetModel="m.tar.gz",
        targetVariant="blue",
        targetContainerHostname="c1",
        inferenceId="inf-9",
        enableExplanations="yes",
        inferenceComponentName="comp",
        sessionId="sess",
    )
    assert build_request(inp, "job-1") == {
        "EndpointName": "ep",
        "Body": b"1,2",
        "ContentType": "text/csv",
        "Accept": "text/csv",
        "CustomAttributes": "trace=1",
        "TargetModel": "m.tar.gz",
        "TargetVariant": "blue",
        "TargetContainerHostname": "c1",
        "InferenceId": "inf-9",
        "EnableExplanations": "1",
        "InferenceComponentName": "comp",
        "SessionId": "sess",
    }


@pytest.mark.parametrize(("value", "header"), [("NO", "0"), ("NOT_SET", None)])
def test_enable_explanations(value: str, header: str | None) -> None:
    request = build_request(make_input(enableExplanations=value), "j")
    assert request.get("EnableExplanations") == header


def test_long_job_id_is_not_used_as_inference_id() -> None:
    assert "InferenceId" not in build_request(make_input(), "j" * 65)


def test_oversized_payload_is_rejected_before_the_call() -> None:
    with pytest.raises(InputError) as info:
        build_request(make_input(body="x" * (MAX_PAYLOAD_BYTES + 1), contentType="text/plain"), "j")
    assert info.value.code == "PayloadTooLarge"


@pytest.fixture
def stubbed() -> Any:
    client = boto3.client(
        "sagemaker-runtime",
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    with Stubber(client) as stubber:
        yield client, stubber


def test_response_is_mapped_and_json_with_charset_parsed(stubbed: Any) -> None:
    client, stubber = stubbed
    raw = b'{"score": 0.7}'
    stubber.add_response(
        "invoke_endpoint",
        {
            "Body": StreamingBody(io.BytesIO(raw), len(raw)),
            "ContentType": "application/json; charset=utf-8",
            "CustomAttributes": "c=1",
            "InvokedProductionVariant": "AllTraffic",
        },
    )
    response = invoke(client, build_request(make_input(), "j"))
    assert response == {
        "body": {"score": 0.7},
        "contentType": "application/json; charset=utf-8",
        "customAttributes": "c=1",
        "invokedProductionVariant": "AllTraffic",
    }


def test_model_error_is_permanent_with_its_details(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "invoke_endpoint",
        service_error_code="ModelError",
        service_message="container said no",
        http_status_code=424,
        response_meta={},
        modeled_fields={"OriginalStatusCode": 500, "LogStreamArn": "arn:log"},
    )
    with pytest.raises(PermanentError) as info:
        invoke(client, build_request(make_input(), "j"))
    assert info.value.code == "ModelError"
    assert info.value.details["OriginalStatusCode"] == 500
    assert info.value.details["LogStreamArn"] == "arn:log"
    assert not info.value.retryable


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("ValidationError", 400, False),
        ("ThrottlingException", 400, True),
        ("ModelNotReadyException", 429, True),
        ("InternalFailure", 500, True),
        ("ServiceUnavailable", 503, True),
        ("InternalDependencyException", 530, True),
        ("AccessDeniedException", 403, False),
        ("SomethingNew", 502, True),
        ("SomethingElse", 409, False),
    ],
)
def test_errors_are_classified(stubbed: Any, code: str, status: int, retryable: bool) -> None:
    client, stubber = stubbed
    stubber.add_client_error("invoke_endpoint", service_error_code=code, http_status_code=status)
    expected = RetryableError if retryable else PermanentError
    with pytest.raises(expected) as info:
        invoke(client, build_request(make_input(), "j"))
    assert info.value.code == code
    assert info.value.details["httpStatus"] == status
