"""A bulk message's jobs on the event-loop transport (``worker/message.py``): one thread sends
every call, finishes each as its answer comes, and answers every job once, whatever it came to.

The runner's clients are real (``ClientCache``, the lean path, aiohttp) and talk HTTP to the
SageMaker emulator; Redis is a real redis-server, S3 is moto over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from emulator.control import EmulatorControl
from ops.local import Service, start_emulator
from producer.connection import RedisClient
from producer.keys import job_key
from producer.submit import Producer
from tests.functional.conftest import SECRETS, job
from worker import metrics
from worker.message import MessageJobs
from worker.outcome import Kind
from worker.publish import GroupPoster
from worker.runner import JobRunner
from worker.sagemaker.clients import ClientCache
from worker.sagemaker.transport import shared_transport
from worker.secrets import Secrets
from worker.settings import WorkerSettings
from worker.store import JobStore


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory, moto_service: Service) -> Iterator[Service]:
    service = start_emulator(Path(tmp_path_factory.mktemp("emulator")), moto_service.url)
    yield service
    service.stop()


@pytest.fixture(scope="module", autouse=True)
def _transport_closed() -> Iterator[None]:
    """The process's transport is closed when these tests are done (a worker just exits)."""
    yield
    shared_transport().close()


@pytest.fixture
def loop_runner(
    emulator: Service,
    moto_service: Service,
    s3: Any,
    store: JobStore,
    settings: WorkerSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> JobRunner:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_service.url)
    assert settings.invoke_transport == "event-loop"
    return JobRunner(
        store,
        settings,
        clients=ClientCache(settings),
        secrets=Secrets("SECRET_", SECRETS),
        poster=GroupPoster(store.redis, settings),
    )


def results(redis: RedisClient, stream: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """Each job's result and the millisecond its entry was written."""
    return {
        fields["id"]: (int(entry_id.split("-")[0]), json.loads(fields["result"]))
        for entry_id, fields in redis.xrange(stream)
    }


def test_a_bulk_message_answers_every_job_once_whatever_it_came_to(
    emulator: Service,
    loop_runner: JobRunner,
    producer: Producer,
    store: JobStore,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    # Given endpoints that answer at once, after 1.5 s, with a ModelError, and throttled;
    # a job whose secret does not resolve, an asynchronous job, and a job already done
    control = EmulatorControl(emulator.url)
    control.script("fast")
    control.script("slow", latencyMs=1500)
    control.script("broken", errors={"code": "ModelError", "message": "bad input row"})
    control.script("busy", errors={"code": "ThrottlingException"})
    unresolved = job("fast")
    unresolved["variables"]["authentication"]["secretKey"] = "{{secrets.NOT_THERE}}"
    docs = {
        "fast": job("fast"),
        "slow": job("slow"),
        "broken": job("broken"),
        "busy": job("busy"),
        "unresolved": unresolved,
        "async": job("fast", invocationType="ASYNC"),
        "done": job("fast"),
    }
    submitted = producer.submit_many(list(docs.values()))
    ids = {name: sub.job_id for name, sub in zip(docs, submitted, strict=True)}
    jobs = MessageJobs(loop_runner, concurrency=2)
    assert loop_runner.sends_on_loop
    [done_before] = jobs.run([ids["done"]])
    assert done_before.kind is Kind.COMPLETED

    # When one message carries them all (the done one again, and one id twice)
    outcomes = jobs.run([*ids.values(), ids["fast"]])

    # Then each job has its outcome, in the message's order
    kinds = {name: o.kind for name, o in zip(ids, outcomes, strict=True)}
    assert kinds == {
        "fast": Kind.COMPLETED,
        "slow": Kind.COMPLETED,
        "broken": Kind.FAILED,
        "busy": Kind.RETRYING,
        "unresolved": Kind.FAILED,
        "async": Kind.AWAITING,
        "done": Kind.HANDLED,
    }
    # and each endpoint was called once per job that reached it
    assert control.invocations("slow")["count"] == 1
    assert control.invocations("broken")["count"] == 1
    # and one result per finished job is on the stream: the fast one posted as it came,
    # not held back for the slow one
    posted = results(redis, settings.result_stream)
    assert set(posted) == {ids[n] for n in ("fast", "slow", "broken", "unresolved", "done")}
    assert posted[ids["fast"]][1]["variables"]["prediction"]["body"] == {"x": [1, 2]}
    assert posted[ids["slow"]][0] - posted[ids["fast"]][0] >= 700
    assert posted[ids["broken"]][1]["error"]["code"] == "ModelError"
    assert posted[ids["unresolved"]][1]["error"]["code"] == "SecretNotFound"
    assert "{{secrets" not in json.dumps(posted) and SECRETS["SECRET_AWS_SECRET_KEY"] not in str(
        posted
    )
    # and the job records agree; nothing is left counted as in flight
    assert redis.hget(job_key(ids["async"]), "state") == "invoked"
    assert redis.hget(job_key(ids["busy"]), "state") == "retrying"
    assert metrics.IN_FLIGHT._value.get() == 0


def test_an_unreachable_endpoint_fails_each_job_retryably_and_nothing_hangs(
    loop_runner: JobRunner,
    producer: Producer,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    # Given jobs whose endpoint URL has nobody listening
    docs = [{**job("fast"), "retries": 1} for _ in range(3)]  # one attempt: no retry
    for doc in docs:
        doc["variables"]["configuration"]["endpoint"] = "http://127.0.0.1:9"
    ids = [sub.job_id for sub in producer.submit_many(docs)]

    # When their message runs
    outcomes = MessageJobs(loop_runner, concurrency=2).run(ids)

    # Then each failed with a connection error, posted once
    assert [o.kind for o in outcomes] == [Kind.FAILED] * 3
    posted = results(redis, settings.result_stream)
    assert {r["error"]["code"] for _, r in posted.values()} == {"ConnectionError"}
    assert set(posted) == set(ids)


class _FlakyPoster(GroupPoster):
    """Redis refuses the first post, then is back."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.refused = 0

    def post_many(self, items: list[tuple[Any, str]]) -> list[str | None]:
        if not self.refused:
            self.refused += 1
            raise RedisConnectionError("Redis went away")
        return super().post_many(items)


def test_a_post_redis_refuses_requeues_the_message_after_its_other_jobs_finish(
    emulator: Service,
    loop_runner: JobRunner,
    producer: Producer,
    store: JobStore,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    # Given a fast and a 1 s job in one message, and Redis refusing the first post
    control = EmulatorControl(emulator.url)
    control.script("fast")
    control.script("slow", latencyMs=1000)
    fast, slow = (sub.job_id for sub in producer.submit_many([job("fast"), job("slow")]))
    runner = JobRunner(
        store,
        settings,
        clients=loop_runner._clients,
        secrets=Secrets("SECRET_", SECRETS),
        poster=_FlakyPoster(store.redis, settings),
    )

    # When the message runs, then the task sees Redis's error (it requeues the message)
    with pytest.raises(RedisConnectionError):
        MessageJobs(runner, concurrency=2).run([fast, slow])

    # and the slow job still finished and posted first: the redelivery finds it done
    assert set(results(redis, settings.result_stream)) == {slow}
    assert redis.hget(job_key(slow), "state") == "done"
    assert redis.hget(job_key(fast), "state") == "invoking"


def test_a_message_of_one_job_sends_its_call_from_the_tasks_thread(
    emulator: Service, loop_runner: JobRunner, producer: Producer
) -> None:
    """Given the loop transport, when a message carries one job, then its call is sent from
    the task's thread on the client's session (no other job needs the thread: the loop would
    add two hand-offs); when it carries two, then both go on the loop."""
    control = EmulatorControl(emulator.url)
    control.script("single")
    jobs = MessageJobs(loop_runner, concurrency=2)
    one, two, three = (s.job_id for s in producer.submit_many([job("single") for _ in range(3)]))
    transport = shared_transport()
    with mock.patch.object(transport, "submit", wraps=transport.submit) as on_loop:
        [alone] = jobs.run([one])
        assert on_loop.call_count == 0
        pair = jobs.run([two, three])
        assert on_loop.call_count == 2
    assert [o.kind for o in (alone, *pair)] == [Kind.COMPLETED] * 3
    assert control.invocations("single")["count"] == 3
