"""A poller killed with SIGKILL while it holds claims: another poller finishes every job.

Runs its own pollers (the async module's poller is stopped by then: module-scoped)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from emulator.control import EmulatorControl
from ops.local import Service, start_poller, wait_until
from producer.connection import RedisClient
from producer.keys import ASYNC_DUE
from producer.results import service_status, stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import STAGING_BUCKET, make_job
from worker.settings import WorkerSettings as Settings

pytestmark = pytest.mark.integration


def claimed(redis_client: RedisClient, lease_seconds: float) -> int:
    """Entries whose score lies beyond any backoff: only a claim's lease puts them there."""
    return int(redis_client.zcount(ASYNC_DUE, time.time() + lease_seconds / 2, "+inf"))


def test_kill_9_poller_holding_claims_loses_nothing(
    stack_dir: Path,
    worker_env: dict[str, str],
    worker: Service,
    producer: Producer,
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    lease = 4.0  # SMQ_ASYNC_CLAIM_SECONDS in worker_env; the backoff cap is 1 s
    emulator.script(
        endpoint,
        response={"body": {"ok": 1}, "contentType": "application/json"},
        **{"async": {"delayMs": 1500, "jitterMs": 1500}},
    )
    jobs = []
    for n in range(300):
        job = make_job(
            endpoint, stream, invocationType="ASYNC", inputLocation=f"s3://{STAGING_BUCKET}/x/{n}"
        )
        del job["variables"]["input"]["body"]
        jobs.append(job)
    cursor = stream_tail(redis_client, stream)
    subs = producer.submit_many(jobs)
    wait_until(
        lambda: service_status(redis_client, settings)["async"]["pending"] >= 250,
        60,
        "inferences to be pending",
    )

    # Given a poller that holds claims (one S3 thread, so a pass takes a while) ...
    slow = start_poller(
        stack_dir / "pollers", {**worker_env, "SMQ_POLLER_THREADS": "1"}, name="doomed"
    )
    wait_until(lambda: claimed(redis_client, lease) > 0, 30, "the poller to claim entries")
    # ... when it is killed with SIGKILL mid-pass,
    slow.kill()
    held = claimed(redis_client, lease)
    started = time.monotonic()
    # then a fresh poller finishes every job once the dead one's leases run out.
    rescuer = start_poller(stack_dir / "pollers", worker_env, name="rescuer")
    try:
        results = list(
            wait_for(redis_client, {s.job_id: stream for s in subs}, {stream: cursor}, timeout=120)
        )
    finally:
        rescuer.stop()
    recovered = time.monotonic() - started

    assert held > 0
    assert len(results) == 300
    assert {r.id for r in results} == {s.job_id for s in subs}
    assert redis_client.xlen(stream) == 300
    print(f"kill -9 poller: {held} claims held, all 300 done {recovered:.1f}s after the kill")
