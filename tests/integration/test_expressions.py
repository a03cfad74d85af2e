"""resultExpression and errorExpression through a real worker, as modeled processes use them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulator.control import EmulatorControl
from producer.contract import Result
from tests.integration.conftest import make_job

pytestmark = pytest.mark.integration
RunJobs = Callable[..., list[Result]]
PREDICTIONS = {"predictions": [{"label": "churn", "score": 0.83}, {"label": "stay", "score": 0.17}]}


def test_result_expression_picks_a_score_into_variables(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, response={"body": PREDICTIONS, "contentType": "application/json"})
    job = make_job(endpoint, stream)
    job["headers"]["resultExpression"] = (
        "={score: body.predictions[1].score, label: if response.body.predictions[1].score > 0.5 "
        'then "positive" else "negative"}'
    )

    [result] = run_jobs(job)

    assert result.status == "completed", result.error
    assert result.variables["score"] == 0.83
    assert result.variables["label"] == "positive"
    assert result.variables["prediction"]["body"] == PREDICTIONS  # resultVariable still set


def test_error_expression_turns_model_error_into_a_bpmn_error(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, errors={"code": "ModelError", "message": "bad input shape"})
    job = make_job(endpoint, stream)
    job["headers"]["errorExpression"] = (
        '=if error.code = "ModelError" then bpmnError("MODEL_REJECTED", error.message, '
        "{reason: error.code}) else null"
    )

    [result] = run_jobs(job)

    assert result.status == "bpmnError"
    assert result.error is not None
    assert (result.error.type, result.error.code) == ("bpmnError", "MODEL_REJECTED")
    assert result.error.message == "bad input shape"
    assert result.variables == {"reason": "ModelError"}


def test_error_expression_can_fail_a_successful_response_as_a_business_error(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(
        endpoint, response={"body": {"status": "REJECTED"}, "contentType": "application/json"}
    )
    job = make_job(endpoint, stream)
    job["headers"]["errorExpression"] = (
        '=if response.body.status = "REJECTED" then jobError("rejected by model", {}, 2, '
        '@"PT10S") else null'
    )

    [result] = run_jobs(job)

    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.type, result.error.retries, result.error.retry_backoff) == (
        "jobError",
        2,
        "PT10S",
    )


def test_ignore_error_completes_with_its_variables_and_stops_retries(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, errors={"code": "ServiceUnavailable", "status": 503})
    job = {**make_job(endpoint, stream), "retries": 5}
    job["headers"]["errorExpression"] = "=ignoreError({fallback: true, retriesLeft: job.retries})"

    [result] = run_jobs(job)

    assert result.status == "completed"
    assert result.error is None
    # job.retries is the job's retries as this attempt began (Camunda's meaning): 5
    assert result.variables == {"fallback": True, "retriesLeft": 5}
    assert emulator.invocations(endpoint)["count"] == 1


def test_a_broken_expression_fails_the_job_without_retry(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    job = {**make_job(endpoint, stream), "retries": 5}
    job["headers"]["resultExpression"] = "={score: body.x +}"

    [result] = run_jobs(job)

    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "InvalidExpression"
    assert "column" in result.error.message
    assert emulator.invocations(endpoint)["count"] == 1
