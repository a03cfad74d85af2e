"""Asynchronous inference: InvokeEndpointAsync on the emulator, outputs in moto's S3, a real
poller process finishing them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.control import EmulatorControl
from ops.local import Service, start_poller, wait_until
from producer.connection import RedisClient
from producer.contract import Result
from producer.keys import ASYNC_DUE, JobField, job_key
from tests.integration.conftest import STAGING_BUCKET, make_job

pytestmark = pytest.mark.integration
RunJobs = Callable[..., list[Result]]


@pytest.fixture(scope="module")
def poller(stack_dir: Path, worker_env: dict[str, str], worker: Service) -> Iterator[Service]:
    service = start_poller(stack_dir / "pollers", worker_env, name="async")
    yield service
    service.stop()


def async_job(endpoint: str, stream: str, **fields: Any) -> dict[str, Any]:
    job = make_job(endpoint, stream, invocationType="async", **fields)
    if "body" not in fields:
        del job["variables"]["input"]["body"]
    return job


@pytest.fixture
def input_location(s3: Any) -> str:
    s3.put_object(
        Bucket=STAGING_BUCKET,
        Key="given/input.json",
        Body=b'{"rows": [[1, 2]]}',
        ContentType="application/json",
    )
    return f"s3://{STAGING_BUCKET}/given/input.json"


def test_async_job_completes_with_the_output_after_a_delay(
    poller: Service,
    run_jobs: RunJobs,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    input_location: str,
) -> None:
    emulator.script(endpoint, **{"async": {"delayMs": 800}})
    job = async_job(
        endpoint,
        stream,
        inputLocation=input_location,
        requestTTLSeconds="600",
        invocationTimeoutSeconds=60,
        customAttributes="c=1",
    )

    [result] = run_jobs(job)

    assert result.status == "completed", result.error
    response = result.response
    assert response is not None
    assert response["body"] == {"rows": [[1, 2]]}
    assert response["inferenceId"] == result.id
    assert response["outputLocation"].startswith("s3://smq-async/async-output/")
    assert response["failureLocation"].startswith("s3://smq-async/async-failures/")
    assert result.variables == {"prediction": response}
    [record] = emulator.invocations(endpoint)["records"]
    assert record["params"]["RequestTTLSeconds"] == "600"
    assert record["params"]["InvocationTimeoutSeconds"] == "60"
    assert record["params"]["InputLocation"] == input_location


def test_failure_file_gives_a_failed_result_with_its_content(
    poller: Service,
    run_jobs: RunJobs,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    input_location: str,
) -> None:
    emulator.script(
        endpoint,
        **{"async": {"delayMs": 300, "fail": True, "failureMessage": "CUDA out of memory"}},
    )

    [result] = run_jobs(async_job(endpoint, stream, inputLocation=input_location))

    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "AsyncInferenceFailed"
    assert "CUDA out of memory" in result.error.message
    assert result.error.details["inferenceId"] == result.id


def test_inline_body_is_staged_once_and_echoed(
    poller: Service,
    run_jobs: RunJobs,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    s3: Any,
) -> None:
    emulator.script(endpoint, **{"async": {"delayMs": 200}})
    job = async_job(endpoint, stream, body={"text": "hello"})

    [result] = run_jobs(job)

    assert result.status == "completed", result.error
    assert result.response is not None
    assert result.response["body"] == {"text": "hello"}
    staged = s3.get_object(Bucket=STAGING_BUCKET, Key=f"inline/{result.id}.in")
    assert staged["Body"].read() == b'{"text":"hello"}'


def test_await_completion_false_returns_the_locations_at_once(
    poller: Service,
    run_jobs: RunJobs,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    input_location: str,
    redis_client: RedisClient,
) -> None:
    emulator.script(endpoint, **{"async": {"delayMs": 60_000}})
    job = async_job(endpoint, stream, inputLocation=input_location, awaitCompletion=False)

    [result] = run_jobs(job, timeout=10)

    assert result.status == "completed"
    assert result.response is not None
    assert set(result.response) == {"outputLocation", "failureLocation", "inferenceId"}
    assert redis_client.zscore(ASYNC_DUE, result.id) is None


def test_past_the_deadline_gives_a_timeout_result(
    poller: Service,
    producer: Any,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    input_location: str,
    redis_client: RedisClient,
    run_jobs: RunJobs,
) -> None:
    emulator.script(endpoint, **{"async": {"delayMs": 600_000}})  # never lands in the test
    job = {**async_job(endpoint, stream, inputLocation=input_location), "id": f"late-{endpoint}"}
    producer.submit(job)
    deadline = time.monotonic() + 20
    while redis_client.zscore(ASYNC_DUE, job["id"]) is None:
        assert time.monotonic() < deadline, "the job was never tracked"
        time.sleep(0.05)
    # Given the inference is tracked, when its deadline passes (moved, not waited for):
    redis_client.hset(job_key(job["id"]), JobField.DEADLINE, repr(time.time() - 1))

    [result] = run_jobs(job)  # answered from the stored result once the poller gives up

    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "AsyncInferenceTimeout"


def test_missing_staging_setting_is_not_needed_with_input_location(
    poller: Service,
    run_jobs: RunJobs,
    endpoint: str,
    stream: str,
    input_location: str,
) -> None:
    [result] = run_jobs(async_job(endpoint, stream, inputLocation=input_location))
    assert result.status == "completed", result.error


def test_thousand_pending_inferences_in_random_order_each_give_one_result(
    poller: Service,
    run_jobs: RunJobs,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    redis_client: RedisClient,
) -> None:
    emulator.script(
        endpoint,
        response={"body": {"ok": True}, "contentType": "application/json"},
        **{"async": {"delayMs": 500, "jitterMs": 6000}},
    )
    jobs = [
        async_job(endpoint, stream, inputLocation=f"s3://{STAGING_BUCKET}/none/{n}")
        for n in range(1000)
    ]

    results = run_jobs(*jobs, timeout=120)

    assert len({r.id for r in results}) == 1000
    assert all(r.status == "completed" for r in results), [r.error for r in results if r.error][:3]
    assert redis_client.xlen(stream) == 1000  # no duplicates on the stream either


def test_status_summary_reports_pending_inferences_and_the_oldest_age(
    poller: Service,
    producer: Any,
    redis_client: RedisClient,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    input_location: str,
    cli_env: dict[str, str],
) -> None:
    emulator.script(endpoint, **{"async": {"delayMs": 600_000}})
    sub = producer.submit(async_job(endpoint, stream, inputLocation=input_location))
    wait_until(lambda: redis_client.zscore(ASYNC_DUE, sub.job_id) is not None, 20, "tracking")

    def summary() -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "status"],
            env=cli_env,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return dict(json.loads(done.stdout))

    wait_until(
        lambda: (summary()["async"]["oldestAgeSeconds"] or 0) > 0.5, 20, "the poller's sighting"
    )
    status = summary()
    assert status["async"]["pending"] >= 1
    assert status["queue"]["length"] >= 0
    assert status["queue"]["retriesWaiting"] >= 0
