"""The lean invoke path against the botocore client it stands in for (worker/sagemaker/lean.py).

Given one client and a fixed clock and invocation id, when the same parameters go through
``client.invoke_endpoint`` and through ``LeanRuntime(client).invoke_endpoint``, then the HTTP
session is handed the same request (method, URL, headers in order, body, signature); and when
the session answers both with the same response (or raises the same transport error), then
``realtime.invoke`` / ``asynchronous.invoke`` return the same result or raise the same service
error. Over a matrix of clients (regions, partitions, endpoint overrides, FIPS, credentials
static, with a session token, from the environment, refreshed on use) and of parameters
and responses.
"""

from __future__ import annotations

import datetime
import io
import itertools
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import HTTPResponse

from producer.errors import SmqError
from tests.unit.lean_support import isolated
from worker.sagemaker import asynchronous, realtime
from worker.sagemaker.lean import LeanRuntime

CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    parameter_validation=False,
    tcp_keepalive=True,
)


def _refreshing() -> RefreshableCredentials:
    """Credentials that have expired: the signer must refresh them on this very call."""
    counter = itertools.count()

    def refresh() -> dict[str, str]:
        n = next(counter)
        return {
            "access_key": f"ASIAREFRESHED{n}",
            "secret_key": f"refreshed-secret-{n}",
            "token": f"refreshed-token-{n}",
            "expiry_time": (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
            .isoformat()
            .replace("+00:00", "Z"),
        }

    return RefreshableCredentials(
        "ASIAOLD",
        "old-secret",
        "old-token",
        datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5),
        refresh,
        "assume-role",
    )


CLIENTS: dict[str, dict[str, Any]] = {
    "static keys": {"region_name": "us-east-1"},
    "session token": {"region_name": "eu-west-1", "aws_session_token": "FwoGZXIvYXdzEB4aD+/="},
    "endpoint override http": {"region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:8080"},
    "endpoint override with a path": {
        "region_name": "ap-southeast-2",
        "endpoint_url": "https://proxy.example.com/sagemaker/",
    },
    "china partition": {"region_name": "cn-north-1"},
    "govcloud": {"region_name": "us-gov-west-1"},
    "fips": {"region_name": "us-east-2", "config": Config(use_fips_endpoint=True)},
    "credentials from the environment": {"region_name": "us-west-2", "keys": "env"},
    "credentials refreshed on use": {"region_name": "us-east-1", "keys": "refreshing"},
}


def make_client(name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = dict(CLIENTS[name])
    keys = spec.pop("keys", "static")
    config = CONFIG.merge(spec.pop("config")) if "config" in spec else CONFIG
    token = spec.pop("aws_session_token", None)
    if keys == "env":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
        session = boto3.session.Session()
    else:
        session = boto3.session.Session(
            aws_access_key_id="AKIASTATIC", aws_secret_access_key="static/secret+key"
        )
    client = session.client("sagemaker-runtime", config=config, **spec, aws_session_token=token)
    if keys == "refreshing":
        client._request_signer._credentials = _refreshing()
    return client


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    with isolated(monkeypatch, tmp_path):
        yield


def response(status: int, headers: dict[str, str], body: bytes = b"") -> Callable[..., Any]:
    """A session ``send`` that answers with a real urllib3 response, recording the request."""

    def send(request: Any) -> AWSResponse:
        send.requests.append(request)  # type: ignore[attr-defined]
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers={**headers, "Content-Length": str(len(body))},
            status=status,
            preload_content=False,
        )
        http = AWSResponse(request.url, status, raw.headers, raw)
        if not request.stream_output:
            http.content  # noqa: B018 - read now, as URLLib3Session does
        return http

    send.requests = []  # type: ignore[attr-defined]
    return send


def raising(error: Exception) -> Callable[..., Any]:
    def send(request: Any) -> AWSResponse:
        send.requests.append(request)  # type: ignore[attr-defined]
        raise error

    send.requests = []  # type: ignore[attr-defined]
    return send


def wire(request: Any) -> tuple[Any, ...]:
    return (
        request.method,
        request.url,
        list(request.headers.items()),
        request.body,
        request.stream_output,
    )


def both(
    client: Any, call: Callable[[Any], Any], send: Callable[..., Any]
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """(request, outcome) through the client, then through the lean path, same session."""
    lean = LeanRuntime(client)
    assert lean.lean, "the lean path declined this client"
    outcomes = []
    with mock.patch.object(client._endpoint.http_session, "send", send):
        for target in (client, lean):
            before = len(send.requests)  # type: ignore[attr-defined]
            with mock.patch.object(
                client, "_make_api_call", wraps=client._make_api_call
            ) as through_client:
                outcomes.append(_outcome(call, target))
            assert through_client.called == (target is client), "the lean path fell back"
            assert len(send.requests) == before + 1  # type: ignore[attr-defined]
    requests = send.requests  # type: ignore[attr-defined]
    return (wire(requests[0]), outcomes[0]), (wire(requests[1]), outcomes[1])


def _outcome(call: Callable[[Any], Any], target: Any) -> Any:
    try:
        return ("ok", call(target))
    except SmqError as exc:
        return ("error", type(exc), exc.code, exc.message, exc.details, exc.retryable)


REALTIME_PARAMS: dict[str, dict[str, Any]] = {
    "minimal": {"EndpointName": "churn", "Body": b'{"x":1}', "ContentType": "application/json"},
    "as the worker sends it": {
        "EndpointName": "bench-model",
        "ContentType": "application/json",
        "Accept": "application/json",
        "InferenceId": "0f8fad5bd9cb469fa16570867728950e",
        "Body": b'{"features":[1,1.5,2.5,3.5]}',
    },
    "every optional header": {
        "Body": b"a,b,c\n1,2,3\n",
        "EndpointName": "multi-model-ep",
        "ContentType": "text/csv",
        "Accept": "application/jsonlines",
        "CustomAttributes": 'trace=on, tenant="a b"',
        "TargetModel": "model-7.tar.gz",
        "TargetVariant": "Variant-2",
        "TargetContainerHostname": "container-1",
        "InferenceId": "id with spaces",
        "EnableExplanations": "`true`",
        "InferenceComponentName": "ic-1",
        "SessionId": "NEW_SESSION",
    },
    "empty body": {"EndpointName": "e", "Body": b"", "ContentType": "application/json"},
    "binary body": {
        "EndpointName": "image-model",
        "Body": bytes(range(256)) * 40,
        "ContentType": "application/x-image",
        "Accept": "application/json",
    },
    "unicode body and header": {
        "EndpointName": "e",
        "Body": '{"text":"naïve café, 東京"}'.encode(),
        "ContentType": "application/json; charset=utf-8",
        "CustomAttributes": "locale=de-DE",
    },
    "endpoint name needing escapes": {
        "EndpointName": "a b/c~d%e",
        "Body": b"{}",
        "ContentType": "application/json",
    },
}

ASYNC_PARAMS: dict[str, dict[str, Any]] = {
    "minimal": {"EndpointName": "bench-async", "InputLocation": "s3://b/inputs/1.json"},
    "as the worker sends it": {
        "EndpointName": "bench-async",
        "ContentType": "application/json",
        "Accept": "application/json",
        "InferenceId": "job-123",
        "InputLocation": "s3://smq-async/inputs/17.json",
    },
    "every optional header": {
        "EndpointName": "async-ep",
        "ContentType": "text/csv",
        "Accept": "application/json",
        "CustomAttributes": "c=1",
        "InferenceId": "i-1",
        "InputLocation": "s3://bucket/in put/ü.csv",
        "S3OutputPathExtension": "tenant-a/2026",
        "Filename": "result.json",
        "RequestTTLSeconds": 3600,
        "InvocationTimeoutSeconds": 900,
    },
}


@pytest.mark.parametrize("client_name", CLIENTS)
@pytest.mark.parametrize("params_name", REALTIME_PARAMS)
def test_invoke_endpoint_sends_what_the_client_sends(
    client_name: str, params_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(client_name, monkeypatch)
    params = REALTIME_PARAMS[params_name]
    send = response(200, {"Content-Type": "application/json"}, b'{"ok":true}')

    (sent_by_client, got_by_client), (sent_lean, got_lean) = both(
        client, lambda c: realtime.invoke(c, params), send
    )

    assert sent_lean == sent_by_client
    assert got_lean == got_by_client


@pytest.mark.parametrize("client_name", CLIENTS)
@pytest.mark.parametrize("params_name", ASYNC_PARAMS)
def test_invoke_endpoint_async_sends_what_the_client_sends(
    client_name: str, params_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(client_name, monkeypatch)
    params = ASYNC_PARAMS[params_name]
    send = response(
        202,
        {
            "Content-Type": "application/json",
            "X-Amzn-SageMaker-OutputLocation": "s3://b/out/i-1.out",
            "X-Amzn-SageMaker-FailureLocation": "s3://b/failure/i-1.out",
        },
        b'{"InferenceId":"i-1"}',
    )

    (sent_by_client, got_by_client), (sent_lean, got_lean) = both(
        client, lambda c: asynchronous.invoke(c, params), send
    )

    assert sent_lean == sent_by_client
    assert got_lean == got_by_client


def test_the_lambda_recursion_header_is_added_as_the_client_adds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "scorer")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    client = make_client("static keys", monkeypatch)
    send = response(200, {"Content-Type": "application/json"}, b"{}")

    (sent_by_client, _), (sent_lean, _) = both(
        client, lambda c: realtime.invoke(c, REALTIME_PARAMS["minimal"]), send
    )

    assert sent_lean == sent_by_client
    assert ("X-Amzn-Trace-Id" in dict(sent_lean[2])) is True


def error(status: int, code: str | None, body: dict[str, Any] | bytes | None = None) -> Any:
    import json

    headers = {"Content-Type": "application/json", "x-amzn-RequestId": "req-1"}
    if code:
        headers["x-amzn-ErrorType"] = f"{code}:http://internal.amazon.com/"
    raw = body if isinstance(body, bytes) else json.dumps(body or {"message": f"{code} says no"})
    return response(status, headers, raw if isinstance(raw, bytes) else raw.encode())


REALTIME_RESPONSES: dict[str, Callable[..., Any]] = {
    "json with every header": response(
        200,
        {
            "Content-Type": "application/json",
            "x-Amzn-Invoked-Production-Variant": "AllTraffic",
            "X-Amzn-SageMaker-Custom-Attributes": "c=1",
            "X-Amzn-SageMaker-New-Session-Id": "sess-1; Expires=2026-12-01T13:00:00Z",
            "X-Amzn-SageMaker-Closed-Session-Id": "sess-0",
        },
        b'{"score":0.7}',
    ),
    "json lines, charset, lower-case header names": response(
        200,
        {
            "content-type": "application/jsonlines; charset=utf-8",
            "x-amzn-invoked-production-variant": "v2",
        },
        b'{"a":1}\n{"a":2}\n',
    ),
    "csv": response(200, {"Content-Type": "text/csv"}, b"0.1,0.9\n"),
    "binary": response(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n\x00\xff"),
    "no content type": response(200, {}, b"plain"),
    "empty content type": response(200, {"Content-Type": ""}, b"plain"),
    "empty json body": response(200, {"Content-Type": "application/json"}, b""),
    "invalid json body": response(200, {"Content-Type": "application/json"}, b"{nope"),
    "empty session header": response(
        200, {"Content-Type": "text/plain", "X-Amzn-SageMaker-New-Session-Id": ""}, b"x"
    ),
    "ModelError with the container's side": error(
        424,
        "ModelError",
        {
            "message": "Received client error (400) from primary",
            "OriginalStatusCode": 400,
            "OriginalMessage": "bad input",
            "LogStreamArn": "arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/Endpoints/e",
        },
    ),
    "ValidationError": error(400, "ValidationError"),
    "throttled": error(429, "ThrottlingException"),
    "model not ready, code only in the body": error(
        429, None, {"__type": "com.amazon.sagemaker#ModelNotReadyException", "Message": "warming"}
    ),
    "internal failure": error(500, "InternalFailure"),
    "service unavailable": error(503, "ServiceUnavailable"),
    "internal dependency": error(530, "InternalDependencyException"),
    "access denied": error(403, "AccessDeniedException"),
    "unrecognized client": error(403, "UnrecognizedClientException"),
    "an unknown 4xx code": error(409, "SomethingNew"),
    "an unknown 5xx code": error(502, "GatewayTrouble"),
    "a proxy's html 502": response(502, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"),
    "an empty 500": response(500, {}, b""),
    "connection refused": raising(
        EndpointConnectionError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com")
    ),
    "read timeout": raising(ReadTimeoutError(endpoint_url="https://x")),
    "connect timeout": raising(ConnectTimeoutError(endpoint_url="https://x")),
    "connection closed": raising(ConnectionClosedError(endpoint_url="https://x")),
    "tls": raising(SSLError(endpoint_url="https://x", error="certificate verify failed")),
    "proxy": raising(ProxyConnectionError(proxy_url="http://proxy:3128", error="refused")),
}


ASYNC_RESPONSES: dict[str, Callable[..., Any]] = {
    "accepted": response(
        202,
        {
            "X-Amzn-SageMaker-OutputLocation": "s3://b/out/i-1.out",
            "X-Amzn-SageMaker-FailureLocation": "s3://b/failure/i-1.out",
        },
        b'{"InferenceId":"i-1"}',
    ),
    "accepted, no failure location": response(
        202, {"X-Amzn-SageMaker-OutputLocation": "s3://b/out/i-2.out"}, b'{"InferenceId":"i-2"}'
    ),
    "accepted, no body": response(202, {"X-Amzn-SageMaker-OutputLocation": "s3://b/o.out"}),
    "accepted, body not json": response(
        202, {"X-Amzn-SageMaker-OutputLocation": "s3://b/o.out"}, b"accepted"
    ),
    "no output location": response(202, {}, b'{"InferenceId":"i-3"}'),
    "ValidationError": error(400, "ValidationError"),
    "throttled": error(429, "ThrottlingException"),
    "service unavailable": error(503, "ServiceUnavailable"),
    "connection refused": raising(EndpointConnectionError(endpoint_url="https://x")),
    "read timeout": raising(ReadTimeoutError(endpoint_url="https://x")),
}


def _started_or_key_error(client: Any, params: dict[str, Any]) -> Any:
    try:
        return asynchronous.invoke(client, params)
    except KeyError as exc:  # no OutputLocation: the same failure on both paths
        return ("KeyError", str(exc))


# Each call with the client kind and parameters it is checked with, over its table of answers.
CALLS: dict[str, tuple[str, Callable[[Any], Any], dict[str, Callable[..., Any]]]] = {
    "InvokeEndpoint": (
        "static keys",
        lambda c: realtime.invoke(c, REALTIME_PARAMS["as the worker sends it"]),
        REALTIME_RESPONSES,
    ),
    "InvokeEndpointAsync": (
        "session token",
        lambda c: _started_or_key_error(c, ASYNC_PARAMS["as the worker sends it"]),
        ASYNC_RESPONSES,
    ),
}


@pytest.mark.parametrize(
    ("call", "answer"),
    [(call, answer) for call, (_, _, answers) in CALLS.items() for answer in answers],
)
def test_each_call_maps_every_response_and_error_as_the_client(
    call: str, answer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, invoke, answers = CALLS[call]
    client = make_client(kind, monkeypatch)
    send = answers[answer]
    send.requests = []  # type: ignore[attr-defined]

    (sent_by_client, got_by_client), (sent_lean, got_lean) = both(client, invoke, send)

    assert sent_lean == sent_by_client
    assert got_lean == got_by_client


def test_no_credentials_fails_as_the_client_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.session.Session().client(
        "sagemaker-runtime", region_name="us-east-1", config=CONFIG
    )
    lean = LeanRuntime(client)
    params = REALTIME_PARAMS["minimal"]
    outcomes = []
    for target in (client, lean):
        with pytest.raises(SmqError) as info:
            realtime.invoke(target, params)
        outcomes.append((type(info.value), info.value.code, info.value.message))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == "NoCredentials"


# --- what the lean path leaves to the client ----------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"EndpointName": "e", "Body": '{"a":1}'},  # a str body
        {"EndpointName": "e", "Body": io.BytesIO(b"{}")},  # a stream
        {"EndpointName": "e", "Body": b"{}", "Unknown": "x"},  # a parameter it does not bind
        {"EndpointName": "e", "Body": b"{}", "TargetModel": 7},  # a wrong type
    ],
)
def test_parameters_it_does_not_cover_go_to_the_client(
    params: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client("static keys", monkeypatch)
    lean = LeanRuntime(client)
    with mock.patch.object(client, "invoke_endpoint", return_value={"via": "client"}) as fallback:
        assert lean.invoke_endpoint(**params) == {"via": "client"}
    fallback.assert_called_once_with(**params)


def test_a_client_that_retries_is_not_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b").client(
        "sagemaker-runtime", region_name="us-east-1", config=Config(retries={"max_attempts": 3})
    )
    assert not LeanRuntime(client).lean


def test_a_client_with_a_handler_it_does_not_know_is_not_taken_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = make_client("static keys", monkeypatch)
    client.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint", lambda **_: None)
    lean = LeanRuntime(client)
    assert not lean.lean
    assert "InvokeEndpointAsync" in lean._ops  # the other operation is still covered


def test_switched_off_it_is_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client("static keys", monkeypatch)
    assert not LeanRuntime(client, enabled=False).lean
