"""InvokeEndpoint against the emulator process, through an unmodified boto3 client."""

from __future__ import annotations

import http.client
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from emulator.control import EmulatorControl, EmulatorControlError

if TYPE_CHECKING:
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
    from mypy_boto3_sagemaker_runtime.type_defs import InvokeEndpointOutputTypeDef


def invoke(
    runtime: SageMakerRuntimeClient, endpoint: str, body: bytes = b"{}", **params: str
) -> tuple[bytes, InvokeEndpointOutputTypeDef]:
    """One InvokeEndpoint; returns (body, response) with the body read, freeing the socket."""
    response = runtime.invoke_endpoint(EndpointName=endpoint, Body=body, **params)
    return response["Body"].read(), response


def error_of(runtime: SageMakerRuntimeClient, endpoint: str) -> ClientError:
    with pytest.raises(ClientError) as caught:
        invoke(runtime, endpoint)
    return caught.value


def test_unscripted_endpoint_echoes_json(runtime, endpoint):
    body, response = invoke(runtime, endpoint, b'{"x": [1, 2]}', ContentType="application/json")

    assert body == b'{"x": [1, 2]}'
    assert response["ContentType"] == "application/json"
    assert response["InvokedProductionVariant"] == "AllTraffic"
    assert "CustomAttributes" not in response
    assert response["ResponseMetadata"]["RequestId"]


def test_echo_answers_in_the_accepted_type(runtime, endpoint):
    csv = b"1,2,3\n4,5,6\n"

    body, response = invoke(runtime, endpoint, csv, ContentType="text/csv", Accept="*/*")
    assert (body, response["ContentType"]) == (csv, "text/csv")

    body, response = invoke(runtime, endpoint, csv, ContentType="text/csv", Accept="text/plain")
    assert (body, response["ContentType"]) == (csv, "text/plain")


def test_every_request_header_reaches_the_emulator(runtime, control, endpoint):
    params = {
        "ContentType": "application/json",
        "Accept": "application/jsonlines",
        "CustomAttributes": "trace=abc;tenant=7",
        "TargetModel": "model-a.tar.gz",
        "TargetVariant": "blue",
        "TargetContainerHostname": "container-1",
        "InferenceId": "job-42",
        "EnableExplanations": "`true`",
        "InferenceComponentName": "component-1",
        "SessionId": "NEW_SESSION",
    }

    _, response = invoke(runtime, endpoint, b'{"a": 1}', **params)

    (record,) = control.invocations(endpoint)["records"]
    assert record["params"] == params
    assert record["inferenceId"] == "job-42"
    assert record["bodyLength"] == len(b'{"a": 1}')
    assert response["CustomAttributes"] == "trace=abc;tenant=7"
    assert response["InvokedProductionVariant"] == "blue"


def test_fixed_response_with_custom_attributes_and_variant(runtime, control, endpoint):
    control.script(
        endpoint,
        response={
            "body": {"label": "cat"},
            "contentType": "application/json",
            "customAttributes": "model=v7",
            "invokedProductionVariant": "v1",
        },
    )

    body, response = invoke(runtime, endpoint, b"ignored", CustomAttributes="from-caller")

    assert body == b'{"label": "cat"}'
    assert response["ContentType"] == "application/json"
    assert response["CustomAttributes"] == "model=v7"
    assert response["InvokedProductionVariant"] == "v1"


def test_fixed_binary_response(runtime, control, endpoint):
    control.script(endpoint, response={"base64Body": "AAEC/w==", "contentType": "image/x-raw"})

    body, response = invoke(runtime, endpoint)

    assert (body, response["ContentType"]) == (b"\x00\x01\x02\xff", "image/x-raw")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ModelError", 424),
        ("ValidationError", 400),
        ("ThrottlingException", 400),
        ("ModelNotReadyException", 429),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
        ("InternalDependencyException", 530),
    ],
)
def test_scripted_error_is_a_client_error_with_its_code(runtime, control, endpoint, code, status):
    control.script(endpoint, errors={"code": code, "message": f"scripted {code}"})

    error = error_of(runtime, endpoint)

    assert error.response["Error"]["Code"] == code
    assert error.response["Error"]["Message"] == f"scripted {code}"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_model_error_carries_the_models_own_status_and_message(runtime, control, endpoint):
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/x"
    control.script(
        endpoint,
        errors={
            "code": "ModelError",
            "message": "boom",
            "originalStatusCode": 500,
            "originalMessage": "Traceback: ZeroDivisionError",
            "logStreamArn": arn,
        },
    )

    with pytest.raises(runtime.exceptions.ModelError) as caught:
        invoke(runtime, endpoint)

    response = caught.value.response
    assert response["Error"] == {"Code": "ModelError", "Message": "boom"}
    assert response["OriginalStatusCode"] == 500
    assert response["OriginalMessage"] == "Traceback: ZeroDivisionError"
    assert response["LogStreamArn"] == arn


def test_sequence_is_consumed_in_order_then_the_steady_answer(runtime, control, endpoint):
    control.script(
        endpoint,
        sequence=[
            {"error": {"code": "ModelNotReadyException"}},
            {"response": {"body": "second"}},
            {},
        ],
        response={"body": "steady"},
    )

    assert error_of(runtime, endpoint).response["Error"]["Code"] == "ModelNotReadyException"
    assert invoke(runtime, endpoint)[0] == b"second"
    assert invoke(runtime, endpoint, b"echoed")[0] == b"echoed"
    assert invoke(runtime, endpoint)[0] == b"steady"
    assert invoke(runtime, endpoint)[0] == b"steady"


def test_errors_for_a_count_then_recovery(runtime, control, endpoint):
    control.script(endpoint, errors={"code": "ServiceUnavailable", "count": 3})

    codes = [error_of(runtime, endpoint).response["Error"]["Code"] for _ in range(3)]

    assert codes == ["ServiceUnavailable"] * 3
    assert invoke(runtime, endpoint, b"back")[0] == b"back"
    records = control.invocations(endpoint)["records"]
    assert [r["status"] for r in records] == [503, 503, 503, 200]


def test_errors_for_a_while_then_recovery(runtime, control, endpoint):
    control.script(endpoint, errors={"code": "InternalFailure", "forMs": 1000})
    scripted_at = time.monotonic()

    assert error_of(runtime, endpoint).response["Error"]["Code"] == "InternalFailure"
    deadline = time.monotonic() + 10
    while True:
        try:
            body, _ = invoke(runtime, endpoint, b"ok")
            break
        except ClientError:
            assert time.monotonic() < deadline, "the endpoint never recovered"
            time.sleep(0.02)

    assert body == b"ok"
    assert time.monotonic() - scripted_at >= 1.0


def test_scripted_latency_delays_the_answer(runtime, control, endpoint):
    control.script(endpoint, latency_ms=200)

    started = time.monotonic()
    invoke(runtime, endpoint)

    assert time.monotonic() - started >= 0.2


def test_slow_invocations_are_served_concurrently(runtime, control, endpoint):
    control.script(endpoint, latencyMs=1000)
    calls = 150

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=calls) as pool:
        bodies = list(pool.map(lambda i: invoke(runtime, endpoint, b"%d" % i)[0], range(calls)))

    # Served one after another they would take 150 s; concurrently, about one.
    assert time.monotonic() - started < 10
    assert bodies == [b"%d" % i for i in range(calls)]


def test_one_client_keeps_one_connection_alive(runtime, control, endpoint):
    before = control.stats()

    for i in range(50):
        invoke(runtime, endpoint, b"%d" % i)

    after = control.stats()
    assert after["invocationConnections"] - before["invocationConnections"] == 1
    assert after["invocations"] - before["invocations"] == 50
    records = control.invocations(endpoint)["records"]
    assert len({r["connection"] for r in records}) == 1


def test_invocations_count_repeats_per_inference_id(runtime, control, endpoint):
    for inference_id in ["a", "b", "a"]:
        invoke(runtime, endpoint, InferenceId=inference_id)
    invoke(runtime, endpoint)

    invocations = control.invocations(endpoint)

    assert invocations["count"] == 4
    assert invocations["byInferenceId"] == {"a": 2, "b": 1}


def test_reset_forgets_scripts_and_records(runtime, control, endpoint):
    control.script(endpoint, response={"body": "fixed"})
    invoke(runtime, endpoint)

    control.reset()

    assert control.invocations(endpoint)["count"] == 0
    assert invoke(runtime, endpoint, b"echo again")[0] == b"echo again"


def test_invalid_script_is_refused_with_the_reason(control, endpoint):
    with pytest.raises(EmulatorControlError) as caught:
        control.script(endpoint, latencyMs=-1, sequnce=[])

    assert caught.value.status == 400
    paths = {problem["path"] for problem in caught.value.document["problems"]}
    assert paths == {"latencyMs", "sequnce"}


def test_chunked_request_body_is_refused_clearly(emulator_url, endpoint):
    connection = http.client.HTTPConnection(urlsplit(emulator_url).netloc, timeout=5)
    try:
        connection.request(
            "POST",
            f"/endpoints/{endpoint}/invocations",
            body=iter([b"a", b"b"]),
            encode_chunked=True,
            headers={"Transfer-Encoding": "chunked"},
        )
        response = connection.getresponse()
        message = response.read()
    finally:
        connection.close()

    assert response.status == 411
    assert b"Content-Length" in message


def test_refused_request_is_answered_while_the_client_keeps_sending(emulator_url):
    head = b"POST /endpoints/x/invocations HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"1000\r\n" + b"x" * 0x1000 + b"\r\n"
    address = urlsplit(emulator_url)

    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(head)
        answer = b""
        while data := sock.recv(65536):  # the emulator half-closes once it has answered
            answer += data
        # Closing with this unread would reset the connection (EPIPE here, and a lost answer
        # when it races the client's reads); the emulator reads and discards it instead.
        sock.sendall(chunk * 256)

    assert answer.startswith(b"HTTP/1.1 411")


def test_health(control: EmulatorControl):
    assert control.healthy()


def test_sigterm_with_open_connections_exits_cleanly(start_emulator_process):
    with start_emulator_process() as service:
        url = service.url
        control = EmulatorControl(url)
        control.script("slow", latencyMs=60_000)
        idle = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        busy = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        idle.request("POST", "/endpoints/fast/invocations", body=b"x")
        idle.getresponse().read()
        busy.request("POST", "/endpoints/slow/invocations", body=b"x")
        control.wait_for_invocations("slow", 1)
    # Leaving the block sent SIGTERM and required exit code 0.
    idle.close()
    busy.close()

    assert "Traceback" not in service.log_text()
