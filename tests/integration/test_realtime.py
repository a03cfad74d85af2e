"""Submit → Redis → worker process → emulator over HTTP → result stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulator.control import EmulatorControl
from producer.contract import Result
from tests.integration.conftest import SECRETS, make_job

pytestmark = pytest.mark.integration
RunJobs = Callable[..., list[Result]]


def test_json_job_completes_with_parsed_body(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    job = make_job(endpoint, stream, customAttributes="trace=abc")

    [result] = run_jobs(job)

    assert result.status == "completed", result.error
    assert result.response == {
        "body": {"features": [1, 2, 3]},
        "contentType": "application/json",
        "customAttributes": "trace=abc",
        "invokedProductionVariant": "AllTraffic",
    }
    assert result.variables == {"prediction": result.response}
    assert result.correlation == job["correlation"]
    assert result.attempts == 1
    assert emulator.invocations(endpoint)["count"] == 1


def test_csv_job_sends_and_returns_text_unchanged(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, response={"body": "0.91,0.09\n", "contentType": "text/csv"})
    job = make_job(
        endpoint, stream, body="5.1,3.5,1.4\n", contentType="text/csv", accept="text/csv"
    )

    [result] = run_jobs(job)

    assert result.status == "completed", result.error
    assert result.response is not None
    assert result.response["body"] == "0.91,0.09\n"
    [record] = emulator.invocations(endpoint)["records"]
    assert record["params"]["ContentType"] == "text/csv"
    assert record["bodyLength"] == len("5.1,3.5,1.4\n")


def test_json_with_charset_and_jsonlines_are_parsed(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(
        endpoint,
        sequence=[
            {
                "response": {
                    "body": '{"score": 0.7}',
                    "contentType": "application/json; charset=utf-8",
                }
            },
            {"response": {"body": '{"a": 1}\n{"a": 2}\n', "contentType": "application/jsonlines"}},
        ],
    )
    [first] = run_jobs(make_job(endpoint, stream))
    [second] = run_jobs(make_job(endpoint, stream))

    assert first.response is not None and first.response["body"] == {"score": 0.7}
    assert second.response is not None and second.response["body"] == [{"a": 1}, {"a": 2}]


def test_every_request_field_reaches_the_endpoint(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    job = make_job(
        endpoint,
        stream,
        targetModel="model-b.tar.gz",
        targetVariant="blue",
        targetContainerHostname="c2",
        inferenceComponentName="ic-1",
        enableExplanations="yes",
        sessionId="sess-1",
        accept="application/json",
    )
    [result] = run_jobs(job)

    assert result.status == "completed", result.error
    [record] = emulator.invocations(endpoint)["records"]
    assert record["params"] == {
        "ContentType": "application/json",
        "Accept": "application/json",
        "TargetModel": "model-b.tar.gz",
        "TargetVariant": "blue",
        "TargetContainerHostname": "c2",
        "InferenceComponentName": "ic-1",
        "EnableExplanations": "1",
        "SessionId": "sess-1",
        "InferenceId": result.id,  # the job id, so both sides can be matched
    }


def test_model_error_is_one_failed_result_with_its_code(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(
        endpoint,
        sequence=[
            {
                "error": {
                    "code": "ModelError",
                    "message": "bad tensor shape",
                    "originalStatusCode": 500,
                    "logStreamArn": "arn:aws:logs:x",
                }
            }
        ],
    )
    [result] = run_jobs(make_job(endpoint, stream))

    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "ModelError"
    assert result.error.retryable is False
    assert "bad tensor shape" in result.error.message
    assert result.error.details["OriginalStatusCode"] == 500
    assert emulator.invocations(endpoint)["count"] == 1


def test_missing_secret_fails_without_calling_the_endpoint(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    job = make_job(endpoint, stream)
    job["variables"]["authentication"]["secretKey"] = "{{secrets.NOT_CONFIGURED}}"

    [result] = run_jobs(job)

    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "SecretNotFound"
    assert result.error.type == "input"
    assert "SECRET_NOT_CONFIGURED" in result.error.message
    assert emulator.invocations(endpoint)["count"] == 0


def test_default_credential_chain_and_boto3_endpoint_variable(
    run_jobs: RunJobs, endpoint: str, stream: str
) -> None:
    job = make_job(endpoint, stream)
    job["variables"]["authentication"] = {"type": "defaultCredentialsChain"}

    [result] = run_jobs(job)

    assert result.status == "completed", result.error


def test_bulk_jobs_each_get_one_result(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    jobs = [make_job(endpoint, stream, body={"n": n}) for n in range(50)]

    results = run_jobs(*jobs)

    assert sorted(r.response["body"]["n"] for r in results if r.response) == list(range(50))
    assert emulator.invocations(endpoint)["count"] == 50


def test_resubmitting_an_id_does_not_run_it_again(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl, producer: Any
) -> None:
    job = {**make_job(endpoint, stream), "id": f"order-{endpoint}"}
    [first] = run_jobs(job)

    again = producer.submit(job)

    assert again.enqueued is False
    [second] = run_jobs(job)  # answered from the stored result
    assert second == first
    assert emulator.invocations(endpoint)["count"] == 1


def test_secret_values_never_reach_results_or_logs(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl, worker: Any
) -> None:
    emulator.script(
        endpoint,
        sequence=[
            {
                "error": {
                    "code": "ValidationError",
                    "message": f"key {SECRETS['AWS_SECRET_KEY']} rejected",
                }
            }
        ],
    )  # an error quoting a secret
    job = make_job(endpoint, stream)

    [result] = run_jobs(job)

    assert result.error is not None and "****" in result.error.message
    text = result.model_dump_json() + worker.log_text()
    for value in SECRETS.values():
        assert value not in text
