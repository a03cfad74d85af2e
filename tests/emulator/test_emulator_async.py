"""InvokeEndpointAsync against the emulator process, with results written to a moto S3."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "smq-async"
T = TypeVar("T")


def wait_until(condition: Callable[[], T | None], timeout_s: float = 10.0) -> T:
    deadline = time.monotonic() + timeout_s
    while (result := condition()) is None:
        assert time.monotonic() < deadline, f"condition not met within {timeout_s}s"
        time.sleep(0.05)
    return result


def s3_object(s3: S3Client, uri: str) -> tuple[bytes, str] | None:
    """(body, content type) of the object at `uri`, or None while it does not exist."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchKey":
            return None
        raise
    with response["Body"] as body:
        return body.read(), response["ContentType"]


def put_input(s3: S3Client, key: str, body: bytes) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def test_async_answers_202_with_both_locations(runtime, endpoint, s3):
    input_uri = put_input(s3, f"inputs/{endpoint}.json", b"{}")

    response = runtime.invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=input_uri, InferenceId="inf-1"
    )

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert response["InferenceId"] == "inf-1"
    assert response["OutputLocation"] == f"s3://{BUCKET}/async-output/{endpoint}/inf-1.out"
    assert response["FailureLocation"] == f"s3://{BUCKET}/async-failures/{endpoint}/inf-1-error.out"


def test_async_output_echoes_the_input_after_the_delay(runtime, control, endpoint, s3):
    control.script(endpoint, async_={"delayMs": 600})
    input_uri = put_input(s3, f"inputs/{endpoint}.csv", b"1,2,3\n")

    submitted = time.monotonic()
    response = runtime.invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=input_uri, ContentType="text/csv"
    )
    assert s3_object(s3, response["OutputLocation"]) is None

    body, content_type = wait_until(lambda: s3_object(s3, response["OutputLocation"]))
    assert time.monotonic() - submitted >= 0.6
    assert (body, content_type) == (b"1,2,3\n", "text/csv")
    assert s3_object(s3, response["FailureLocation"]) is None


def test_async_output_is_the_scripted_response(runtime, control, endpoint, s3):
    control.script(
        endpoint,
        response={"body": {"score": 0.9}, "contentType": "application/json"},
        async_={"delayMs": 0},
    )
    input_uri = put_input(s3, f"inputs/{endpoint}.json", b"{}")

    response = runtime.invoke_endpoint_async(EndpointName=endpoint, InputLocation=input_uri)

    body, content_type = wait_until(lambda: s3_object(s3, response["OutputLocation"]))
    assert (body, content_type) == (b'{"score": 0.9}', "application/json")


def test_async_scripted_failure_writes_the_failure_object(runtime, control, endpoint, s3):
    control.script(endpoint, async_={"delayMs": 50, "fail": True, "failureMessage": "OOM"})
    input_uri = put_input(s3, f"inputs/{endpoint}.json", b"{}")

    response = runtime.invoke_endpoint_async(EndpointName=endpoint, InputLocation=input_uri)

    body, _ = wait_until(lambda: s3_object(s3, response["FailureLocation"]))
    assert body == b"OOM"
    assert s3_object(s3, response["OutputLocation"]) is None


def test_async_missing_input_fails_the_inference_not_the_call(runtime, endpoint, s3):
    response = runtime.invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=f"s3://{BUCKET}/inputs/{endpoint}-missing"
    )

    body, _ = wait_until(lambda: s3_object(s3, response["FailureLocation"]))
    assert b"NoSuchKey" in body


def test_async_generates_an_inference_id_and_records_the_call(runtime, control, endpoint, s3):
    input_uri = put_input(s3, f"inputs/{endpoint}.json", b"{}")

    response = runtime.invoke_endpoint_async(
        EndpointName=endpoint,
        InputLocation=input_uri,
        ContentType="application/json",
        Accept="application/json",
        CustomAttributes="trace=1",
        RequestTTLSeconds=600,
        InvocationTimeoutSeconds=300,
    )

    (record,) = control.invocations(endpoint)["records"]
    assert len(response["InferenceId"]) == 36  # a UUID
    assert record["operation"] == "InvokeEndpointAsync"
    assert record["inferenceId"] == response["InferenceId"]
    assert record["params"] == {
        "ContentType": "application/json",
        "Accept": "application/json",
        "CustomAttributes": "trace=1",
        "InputLocation": input_uri,
        "RequestTTLSeconds": "600",
        "InvocationTimeoutSeconds": "300",
    }


def test_async_inline_body_is_echoed(runtime, endpoint, s3):
    response = runtime.invoke_endpoint_async(
        EndpointName=endpoint, Body=b"inline", ContentType="text/plain"
    )

    body, _ = wait_until(lambda: s3_object(s3, response["OutputLocation"]))
    assert body == b"inline"


def test_async_without_s3_is_a_validation_error(runtime_without_s3, endpoint):
    with pytest.raises(ClientError) as caught:
        runtime_without_s3.invoke_endpoint_async(
            EndpointName=endpoint, InputLocation="s3://bucket/key"
        )

    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "--s3-endpoint-url" in caught.value.response["Error"]["Message"]
