"""Classified retries: transient errors are retried with backoff, permanent ones never."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable

import pytest

from emulator.control import EmulatorControl
from producer.contract import Result
from tests.integration.conftest import make_job

pytestmark = pytest.mark.integration
RunJobs = Callable[..., list[Result]]


def test_throttling_storm_all_jobs_complete_with_spaced_retries(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    # Given an endpoint that throttles and then is unavailable for 2.5 s, then recovers,
    emulator.script(endpoint, errors={"code": "ThrottlingException", "forMs": 2500})
    jobs = [{**make_job(endpoint, stream, body={"n": n}), "retries": 10} for n in range(20)]
    for job in jobs:
        job["headers"]["retryBackoff"] = "PT0.5S"

    # when 20 jobs run,
    results = run_jobs(*jobs, timeout=60)

    # then every one completes, some after several attempts,
    assert [r.status for r in results] == ["completed"] * 20, [r.error for r in results]
    assert max(r.attempts for r in results) >= 2
    # and the attempts of one job are spaced by its backoff.
    times: dict[str, list[float]] = defaultdict(list)
    for record in emulator.invocations(endpoint)["records"]:
        times[record["inferenceId"]].append(record["time"])
    gaps = [b - a for ts in times.values() for a, b in itertools.pairwise(ts)]
    assert gaps and min(gaps) >= 0.45


@pytest.mark.parametrize(("code", "status"), [("ModelError", 424), ("ValidationError", 400)])
def test_permanent_errors_are_invoked_exactly_once(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl, code: str, status: int
) -> None:
    emulator.script(endpoint, errors={"code": code, "status": status, "message": "no"})

    [result] = run_jobs({**make_job(endpoint, stream), "retries": 5})

    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable, result.attempts) == (code, False, 1)
    assert emulator.invocations(endpoint)["count"] == 1


def test_retries_exhausted_gives_one_failed_result_with_the_true_attempt_count(
    run_jobs: RunJobs, endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, errors={"code": "ServiceUnavailable", "status": 503})
    job = {**make_job(endpoint, stream), "retries": 3}
    job["headers"]["retryBackoff"] = "PT0.2S"

    [result] = run_jobs(job, timeout=30)

    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable, result.attempts) == (
        "ServiceUnavailable",
        True,
        3,
    )
    assert emulator.invocations(endpoint)["count"] == 3
