"""Asynchronous inference: request mapping, S3 locations, backoff, results."""

from __future__ import annotations

import json

import pytest

from producer.contract import Input
from producer.errors import InputError
from worker.poller import completion
from worker.poller.pending import Pending, access_digest, access_json, prefix_of
from worker.poller.schedule import check_interval
from worker.sagemaker.asynchronous import Started, build_request, split_s3_uri, staging_location


def make_input(**fields: object) -> Input:
    return Input.model_validate({"endpointName": "ep", "invocationType": "ASYNC", **fields})


def test_async_request_maps_every_field() -> None:
    inp = make_input(
        contentType="text/csv",
        accept="application/json",
        customAttributes="a=1",
        requestTTLSeconds="120",
        invocationTimeoutSeconds=30,
        s3OutputPathExtension="2026/11",
        filename="out.json",
    )
    assert build_request(inp, "job-1", "s3://b/in.csv") == {
        "EndpointName": "ep",
        "InputLocation": "s3://b/in.csv",
        "ContentType": "text/csv",
        "Accept": "application/json",
        "CustomAttributes": "a=1",
        "RequestTTLSeconds": 120,
        "InvocationTimeoutSeconds": 30,
        "S3OutputPathExtension": "2026/11",
        "Filename": "out.json",
        "InferenceId": "job-1",
    }


def test_staging_location_is_keyed_by_job_id() -> None:
    assert staging_location("s3://bucket/some/prefix/", "j1") == "s3://bucket/some/prefix/j1.in"
    assert staging_location("s3://bucket", "j1") == "s3://bucket/j1.in"


def test_inline_body_without_staging_setting_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="SMQ_STAGING_S3_URI"):
        staging_location(None, "j1")


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://b/out/ep/x.out", ("b", "out/ep/", "out/ep/x.out")),
        ("s3://b/x.out", ("b", "", "x.out")),
    ],
)
def test_prefix_of(uri: str, expected: tuple[str, str, str]) -> None:
    assert prefix_of(uri) == expected


def test_split_rejects_non_s3_uris() -> None:
    with pytest.raises(InputError):
        split_s3_uri("https://example.com/x")


def test_check_interval_doubles_to_the_cap_with_jitter() -> None:
    for checks, base in [(0, 1.0), (1, 2.0), (3, 8.0), (10, 15.0), (500, 15.0)]:
        value = check_interval(checks, 1.0, 15.0)
        assert base * 0.5 <= value <= base * 1.5


def test_access_json_keeps_placeholders_and_is_stable() -> None:
    variables = {
        "input": {"body": "big"},
        "configuration": {"region": "r"},
        "authentication": {"secretKey": "{{secrets.S}}", "accessKey": "{{secrets.A}}"},
    }
    text = access_json(variables)
    assert json.loads(text) == {
        "authentication": variables["authentication"],
        "configuration": {"region": "r"},
    }
    assert "big" not in text
    assert access_digest(text) == access_digest(access_json(dict(reversed(variables.items()))))


def _pending(doc: dict[str, object]) -> Pending:
    started = Started("inf-1", "s3://b/o/inf-1.out", "s3://b/f/inf-1-error.out")
    return Pending("job-1", json.dumps(doc), "invoked", started, 0.0, 0, "d", 1, None, 0.0)


# What a tracked job keeps of its document: JobContext JSON.
JOB_DOC = {"id": "job-1", "headers": {"resultVariable": "out"}, "correlation": {"k": 1}}


def test_output_result_parses_the_body_and_keeps_the_locations() -> None:
    result = completion.output_result(_pending(JOB_DOC), b'{"a": 1}', "application/json", 8)
    assert result.status == "completed"
    assert result.response == {
        "outputLocation": "s3://b/o/inf-1.out",
        "failureLocation": "s3://b/f/inf-1-error.out",
        "inferenceId": "inf-1",
        "body": {"a": 1},
        "contentType": "application/json",
    }
    assert result.variables == {"out": result.response}
    assert result.correlation == {"k": 1}


def test_output_above_the_cap_returns_the_location_only() -> None:
    result = completion.output_result(_pending(JOB_DOC), None, "application/json", 10**9)
    assert result.response is not None
    assert result.response["body"] is None
    assert "1000000000 bytes" in result.response["bodyOmitted"]


def test_failure_and_timeout_results() -> None:
    failed = completion.failure_result(_pending(JOB_DOC), "x" * 10_000)
    assert failed.error is not None
    assert failed.error.code == "AsyncInferenceFailed"
    assert len(failed.error.message) == 6000
    timeout = completion.timeout_result(_pending(JOB_DOC))
    assert timeout.error is not None
    assert timeout.error.code == "AsyncInferenceTimeout"
    assert timeout.correlation == {"k": 1}


def test_context_json_keeps_what_results_need_and_nothing_else() -> None:
    from producer.contract import JobContext, parse_job

    job = parse_job(
        {
            "id": "j-1",
            "retries": 5,
            "correlation": {"pi": 7},
            "headers": {"retryBackoff": "PT5S"},
            "variables": {
                "authentication": {"type": "credentials", "accessKey": "AKIA", "secretKey": "s"},
                "configuration": {"region": "r"},
                "input": {"endpointName": "e", "invocationType": "ASYNC", "body": "x" * 1000},
            },
        }
    )
    text = job.context_json()
    assert "AKIA" not in text and "x" * 10 not in text
    restored = JobContext.model_validate_json(text)
    assert (restored.id, restored.retries, restored.correlation) == ("j-1", 5, {"pi": 7})
    assert restored.headers.retry_backoff == job.headers.retry_backoff
