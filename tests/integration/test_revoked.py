"""A job message revoked before it runs (Flower's revoke, ``celery control revoke``) is answered."""

from __future__ import annotations

import uuid

import pytest
from celery import Celery

from emulator.control import EmulatorControl
from producer.connection import RedisClient
from producer.results import stream_tail, wait_for
from producer.settings import Settings
from producer.submit import Producer
from tests.integration.conftest import make_job

pytestmark = pytest.mark.integration


def test_a_revoked_job_fails_with_code_revoked_and_is_never_invoked(
    worker: object,
    producer: Producer,
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    job = {**make_job(endpoint, stream), "id": f"revoked-{uuid.uuid4().hex[:12]}"}
    # An app of its own on the test's Redis (Celery's control publishes through the app's
    # broker); broadcast, and wait for the worker to answer: it now drops a task with this id.
    control = Celery("revoker", broker=settings.redis_url, set_as_current=False).control
    replies = control.revoke(job["id"], reply=True, timeout=10)
    assert replies, "no worker acknowledged the revoke"
    cursor = stream_tail(redis_client, stream)
    [sub] = producer.submit_many([job])
    [result] = wait_for(redis_client, {sub.job_id: stream}, {stream: cursor}, timeout=30)
    assert result.status == "failed"
    assert result.error is not None and result.error.code == "Revoked"
    assert not result.error.retryable
    assert emulator.invocations(endpoint)["count"] == 0
