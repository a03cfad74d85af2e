"""The SpiffWorkflow engine in process against a real redis-server: instances saved by
compare-and-set, and jobs a dead process saved but never submitted, submitted again."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from adapters.spiff.engine import SpiffEngine
from adapters.spiff.errors import InstanceNotFoundError
from adapters.spiff.keys import OUTBOX
from adapters.spiff.parser import parse_model
from adapters.spiff.settings import SpiffSettings
from adapters.spiff.steps import service_tasks
from adapters.spiff.workflows import loads
from ops.local import ROOT, Service
from producer.connection import RedisClient, connect
from producer.contract import Job, Result
from producer.keys import job_key
from producer.submit import Producer, Submission

EXAMPLE = parse_model(ROOT / "examples" / "bpmn" / "sagemaker-score.bpmn")
DATA = {"endpoint": "ep", "payload": {"x": 1}}


class DiesBeforeSubmitting(Producer):
    """A process killed between saving an instance and submitting its jobs."""

    def submit_many(self, documents: Iterable[Mapping[str, Any] | Job]) -> list[Submission]:
        raise SystemExit("killed")


@pytest.fixture
def spiff_settings(redis_service: Service) -> SpiffSettings:
    return SpiffSettings(
        redis_url=redis_service.url,
        queue=f"q-{uuid.uuid4().hex[:8]}",
        spiff_result_stream=f"spiff-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def client(spiff_settings: SpiffSettings) -> RedisClient:
    return connect(spiff_settings)


def test_jobs_saved_but_never_submitted_are_submitted_by_replay(
    spiff_settings: SpiffSettings, client: RedisClient
) -> None:
    # Given an instance saved by a process that died before submitting its job
    dying = SpiffEngine(
        client, spiff_settings, producer=DiesBeforeSubmitting(client, spiff_settings)
    )
    with pytest.raises(SystemExit):
        dying.start(EXAMPLE, DATA)
    [instance_id] = dying.store.unsubmitted(older_than=float("inf"))
    [waiting] = dying.show(instance_id)["waitingFor"]
    assert not client.exists(job_key(waiting["jobId"]))

    # When the outbox is replayed (what `smq spiff run` does after the grace time)
    engine = SpiffEngine(client, spiff_settings)
    assert engine.replay(instance_id) == 1

    # Then the job is queued, once, and the outbox is empty
    assert client.hget(job_key(waiting["jobId"]), "state") == "queued"
    assert engine.replay(instance_id) == 1  # again: idempotent by job id
    assert client.llen(spiff_settings.queue) == 1
    assert client.zscore(OUTBOX, instance_id) is None


def test_a_save_that_lost_the_race_applies_its_change_to_the_fresh_state(
    spiff_settings: SpiffSettings, client: RedisClient
) -> None:
    # Given an instance, and a result applied by another replica between load and save
    engine = SpiffEngine(client, spiff_settings)
    instance_id = engine.start(EXAMPLE, DATA)["id"]
    [waiting] = engine.show(instance_id)["waitingFor"]
    record = engine.store.load(instance_id)
    assert record is not None
    record.note("other_replica")
    assert engine.store.save(record, new_jobs=False, next_due=None) is not None

    # When the same result is applied here afterwards (and once more, a redelivery)
    result = Result(
        id=waiting["jobId"],
        status="completed",
        variables={"prediction": {"body": 1}, "riskScore": 0.5},
        correlation={"spiffInstance": instance_id, "spiffTask": _task_id(engine, instance_id)},
    )

    # Then it lands once, on top of the other replica's save
    assert engine.apply(result) is True
    assert engine.apply(result) is False
    shown = engine.show(instance_id)
    assert shown["status"] == "completed" and shown["data"]["riskScore"] == 0.5
    assert [e["event"] for e in shown["history"]].count("other_replica") == 1


def _task_id(engine: SpiffEngine, instance_id: str) -> str:
    record = engine.store.load(instance_id)
    assert record is not None
    [task] = service_tasks(loads(record.state))
    return str(task.id)


def test_show_of_an_unknown_instance_says_so(
    spiff_settings: SpiffSettings, client: RedisClient
) -> None:

    with pytest.raises(InstanceNotFoundError):
        SpiffEngine(client, spiff_settings).show("nope")


def _completion(engine: SpiffEngine, instance_id: str) -> Result:
    [waiting] = engine.show(instance_id)["waitingFor"]
    return Result(
        id=waiting["jobId"],
        status="completed",
        variables={"prediction": {"body": 1}, "riskScore": 0.5},
        correlation={"spiffInstance": instance_id, "spiffTask": _task_id(engine, instance_id)},
    )


def test_cancel_ends_a_waiting_instance_and_its_late_result_is_ignored(
    spiff_settings: SpiffSettings, client: RedisClient
) -> None:
    # Given an instance waiting for its job
    engine = SpiffEngine(client, spiff_settings)
    instance_id = engine.start(EXAMPLE, DATA)["id"]
    late = _completion(engine, instance_id)
    assert client.ttl(f"smq:spiff:instance:{instance_id}") == -1  # waiting: kept

    # When it is cancelled, and the job's result arrives afterwards
    assert engine.cancel(instance_id)["status"] == "cancelled"
    applied = engine.apply(late)

    # Then the result changes nothing, and the finished instance now expires
    assert applied is False
    shown = engine.show(instance_id)
    assert shown["status"] == "cancelled" and "riskScore" not in shown["data"]
    assert [e["event"] for e in shown["history"]][-1] == "cancelled"
    assert engine.cancel(instance_id)["status"] == "cancelled"  # again: nothing to do
    assert 0 < client.ttl(f"smq:spiff:instance:{instance_id}") <= 7 * 86400


def test_finished_instances_expire_and_leave_the_index(
    spiff_settings: SpiffSettings, client: RedisClient
) -> None:
    # Given instances kept 1 s after they finish: one completed, one still waiting
    settings = spiff_settings.model_copy(update={"spiff_keep_finished_seconds": 1.0})
    engine = SpiffEngine(client, settings)
    done = engine.start(EXAMPLE, DATA)["id"]
    waiting = engine.start(EXAMPLE, DATA)["id"]
    assert engine.apply(_completion(engine, done)) is True

    # When the time has passed and the index is pruned (what `smq spiff run` does)
    time.sleep(1.5)
    pruned = engine.store.prune(time.time())

    # Then only the finished one is gone, from the store and from the listing
    assert pruned == 1
    with pytest.raises(InstanceNotFoundError):
        engine.show(done)
    assert engine.show(waiting)["status"] == "waiting"
    listed = {row["id"] for row in engine.store.listing()}
    assert waiting in listed and done not in listed
