"""Every line a worker process writes is JSON (Celery's banner, warnings and shutdown
included), every line about a job names it, and no secret appears — at DEBUG, the most a
worker logs. Its own redis-server, so this worker runs every job of the test."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from emulator.control import EmulatorControl
from ops.local import start_redis, start_worker
from producer.connection import connect
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import SECRETS, make_job
from worker.settings import WorkerSettings

pytestmark = pytest.mark.integration

# Events logged about one job: each must carry its job_id.
JOB_EVENTS = {
    "job_received",
    "endpoint_invoked",
    "endpoint_failed",
    "async_invoked",
    "retry_scheduled",
    "result_posted",
    "result_already_posted",
    "job_crashed",
    "job_already_done",
    "job_already_invoked",
}


def test_every_worker_line_is_json_job_lines_name_the_job_and_no_secret_shows(
    tmp_path: Path,
    worker_env: dict[str, str],
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    redis_service = start_redis(tmp_path / "redis")
    env = {**worker_env, "SMQ_REDIS_URL": redis_service.url, "SMQ_LOG_LEVEL": "DEBUG"}
    settings = WorkerSettings(redis_url=redis_service.url)
    redis = connect(settings)
    secret = SECRETS["AWS_SECRET_KEY"]
    emulator.script(
        f"{endpoint}-bad", sequence=[{"error": {"code": "ModelError", "message": f"echo {secret}"}}]
    )
    emulator.script(f"{endpoint}-thr", errors={"code": "ThrottlingException", "count": 1})
    missing_secret = make_job(endpoint, stream)
    missing_secret["variables"]["authentication"]["secretKey"] = "{{secrets.NOT_THERE}}"
    jobs = [
        make_job(endpoint, stream),
        make_job(f"{endpoint}-bad", stream),
        make_job(f"{endpoint}-thr", stream),
        missing_secret,
    ]
    with ExitStack() as started:
        started.callback(redis_service.stop)
        worker = start_worker(tmp_path, env, name="logged", concurrency=4)
        started.callback(worker.stop)  # SIGTERM: the shutdown's lines are checked too
        cursor = stream_tail(redis, stream)
        subs = Producer(redis, settings).submit_many(jobs)
        results = list(
            wait_for(redis, {s.job_id: stream for s in subs}, {stream: cursor}, timeout=30)
        )
    lines = [line for line in worker.log_text().splitlines() if line.strip()]

    events = [json.loads(line) for line in lines]  # raises on the first line that is not JSON
    assert len(results) == 4
    assert all(isinstance(e, dict) for e in events)
    names = [e.get("event") for e in events]
    assert "worker_starting" in names and "worker_stopping" in names
    assert any(str(n).endswith(" ready.") for n in names)  # Celery's own line, as JSON
    about_jobs = [e for e in events if e.get("event") in JOB_EVENTS]
    assert {e["event"] for e in about_jobs} >= {
        "job_received",
        "endpoint_invoked",
        "endpoint_failed",
        "retry_scheduled",
        "result_posted",
    }
    assert all(e.get("job_id") in {s.job_id for s in subs} for e in about_jobs)
    assert sum(e["event"] == "result_posted" for e in events) == 4
    for value in SECRETS.values():
        assert value not in worker.log_text()
