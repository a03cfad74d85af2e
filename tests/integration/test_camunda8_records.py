"""The per-engine-job record's decisions (adapters.keys Lua, on a real redis-server):
re-attach or a new attempt, and who may report. Table-driven."""

from __future__ import annotations

import uuid

import pytest

from adapters.records import EngineJobRecords
from producer.connection import RedisClient

pytestmark = pytest.mark.integration


@pytest.fixture
def records(redis_client: RedisClient) -> EngineJobRecords:
    return EngineJobRecords(redis_client, f"t{uuid.uuid4().hex[:8]}", 3600)


# (what happened to attempt 1 activated with 3 retries, retries at re-activation, new attempt?)
REACTIVATIONS = [
    ("still running (timed out)", None, 3, False),
    ("completion being reported", ("complete", None), 3, False),
    ("BPMN error being reported", ("error", None), 3, False),
    ("failure sent with 2 retries: arrived", ("fail", 2), 2, True),
    ("failure sent with 2 retries: did not arrive", ("fail", 2), 3, False),
    ("failure kept the retries (ambiguous): invoke again", ("fail", 3), 3, True),
    ("incident (0 retries sent), operator gave 1 retry", ("fail", 0), 1, True),
    ("reported", "finished", 2, True),
]


@pytest.mark.parametrize(("what", "before", "retries", "fresh"), REACTIVATIONS)
def test_reactivation(
    records: EngineJobRecords,
    what: str,
    before: object,
    retries: int,
    fresh: bool,
) -> None:
    [first] = records.attach_many([("42", 3)])
    assert (first.fresh, first.attempt) == (True, 1)
    if isinstance(before, tuple):
        kind, sent = before
        assert (
            records.claim("42", first.job_id, "me", kind=kind, sent=sent, lease_seconds=60).verdict
            == "ok"
        )
    elif before == "finished":
        records.claim("42", first.job_id, "me", kind="fail", sent=2, lease_seconds=60)
        records.finish("42", first.job_id, "reported")
    [again] = records.attach_many([("42", retries)])
    assert again.fresh is fresh, what
    assert again.job_id == (first.job_id.replace(":1", ":2") if fresh else first.job_id)


def test_operator_retries_after_reported_incident_is_a_new_attempt(
    records: EngineJobRecords,
) -> None:
    [first] = records.attach_many([("7", 3)])
    records.claim("7", first.job_id, "me", kind="fail", sent=0, lease_seconds=60)
    records.finish("7", first.job_id, "reported")
    [again] = records.attach_many([("7", 1)])
    assert (again.fresh, again.attempt) == (True, 2)


def test_claim_verdicts(records: EngineJobRecords) -> None:
    [att] = records.attach_many([("9", 3)])
    claim = records.claim("9", att.job_id, "a", kind="fail", sent=None, lease_seconds=60)
    assert (claim.verdict, claim.retries) == ("ok", 3)
    # another replica while the lease runs: busy; the same owner again (a retry): ok
    assert (
        records.claim("9", att.job_id, "b", kind="fail", sent=None, lease_seconds=60).verdict
        == "busy"
    )
    assert (
        records.claim("9", att.job_id, "a", kind="fail", sent=None, lease_seconds=60).verdict
        == "ok"
    )
    # a lease that ran out (its replica died) is taken over
    records.claim("9", att.job_id, "a", kind="fail", sent=None, lease_seconds=-1)
    assert (
        records.claim("9", att.job_id, "b", kind="fail", sent=None, lease_seconds=60).verdict
        == "ok"
    )
    assert (
        records.claim("9", "other:9:7", "b", kind="complete", sent=None, lease_seconds=60).verdict
        == "stale"
    )
    assert records.finish("9", att.job_id, "reported")
    assert (
        records.claim("9", att.job_id, "b", kind="complete", sent=None, lease_seconds=60).verdict
        == "done"
    )
    assert (
        records.claim("nope", "x:nope:1", "b", kind="complete", sent=None, lease_seconds=60).verdict
        == "missing"
    )
