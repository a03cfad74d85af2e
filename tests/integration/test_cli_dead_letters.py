"""``smq dead-letters``: list what no worker could read, replay its jobs once, purge the rest."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from ops.local import Service, wait_until
from producer.connection import RedisClient
from producer.envelope import task_message
from producer.keys import DEAD_LETTER_STREAM, JobField, JobState, job_key
from producer.results import stored_result
from producer.settings import Settings
from tests.integration.conftest import make_job
from tests.integration.test_cli_and_bad_input import smq

pytestmark = pytest.mark.integration


def _dead_bulk_message(
    redis_client: RedisClient, settings: Settings, endpoint: str, stream: str, ids: list[str]
) -> str:
    """Given stored jobs whose one bulk message a worker cannot read (a foreign producer's
    content type): the entry it dead-letters."""
    _store(redis_client, endpoint, stream, ids)
    return _dead_message(redis_client, settings, ids)


def _store(redis_client: RedisClient, endpoint: str, stream: str, ids: list[str]) -> None:
    for job_id in ids:
        doc = {**make_job(endpoint, stream), "id": job_id}
        redis_client.hset(
            job_key(job_id),
            mapping={
                JobField.DOC: json.dumps(doc),
                JobField.STATE: JobState.QUEUED,
                JobField.REPLY_TO: stream,
                JobField.ATTEMPTS: 0,
                JobField.SUBMITTED_AT: repr(time.time()),
            },
        )


def _dead_message(redis_client: RedisClient, settings: Settings, ids: list[str]) -> str:
    message = json.loads(task_message(ids, settings.queue))
    message["content-type"] = "application/x-foreign"
    redis_client.lpush(settings.queue, json.dumps(message))

    def entry() -> str | None:
        for entry_id, fields in redis_client.xrange(DEAD_LETTER_STREAM):
            if ids[0] in fields["item"] or ids[0] in str(fields):
                return str(entry_id)
        return None

    wait_until(entry, 20, "the message to be dead-lettered")
    found = entry()
    assert found is not None
    return found


def test_replay_answers_each_job_of_a_dead_letter_once(
    worker: Service,
    cli_env: dict[str, str],
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
) -> None:
    ids = [f"dead-{uuid.uuid4().hex[:8]}-{n}" for n in range(2)]
    entry = _dead_bulk_message(redis_client, settings, endpoint, stream, ids)

    listed = smq(cli_env, "dead-letters", "list", "-n", "0")
    replayed = smq(cli_env, "dead-letters", "replay", entry)
    wait_until(lambda: all(stored_result(redis_client, i) for i in ids), 30, "both results")
    again = smq(cli_env, "dead-letters", "replay", entry)

    [row] = [json.loads(x) for x in listed.stdout.splitlines() if json.loads(x)["entry"] == entry]
    assert row["jobIds"] == ids
    assert "content-type 'application/x-foreign'" in row["reason"]
    assert replayed.returncode == 0, replayed.stderr
    assert [json.loads(x)["outcome"] for x in replayed.stdout.splitlines()] == ["queued"] * 2
    assert again.returncode == 5  # the replayed entry is gone
    assert sorted(fields["id"] for _, fields in redis_client.xrange(stream)) == sorted(ids)
    assert all(stored_result(redis_client, i).status == "completed" for i in ids)  # type: ignore[union-attr]


def test_replaying_a_job_already_done_does_not_run_it_again(
    run_jobs: object,
    cli_env: dict[str, str],
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
) -> None:
    ids = [f"done-{uuid.uuid4().hex[:8]}"]
    entry = _dead_bulk_message(redis_client, settings, endpoint, stream, ids)
    smq(cli_env, "dead-letters", "replay", entry)
    wait_until(lambda: stored_result(redis_client, ids[0]), 30, "the result")
    # A second copy of the same message, dead-lettered after the job was done.
    second = _dead_message(redis_client, settings, ids)

    replayed = smq(cli_env, "dead-letters", "replay", second, "-o", "table")

    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.splitlines()[1].split() == [second, ids[0], "done"]
    assert redis_client.xlen(stream) == 1


def test_an_entry_naming_no_job_is_kept_and_purge_removes_it(
    worker: Service, cli_env: dict[str, str], redis_client: RedisClient, settings: Settings
) -> None:
    marker = f"garbage-{uuid.uuid4().hex}"
    redis_client.lpush(settings.queue, marker)
    wait_until(
        lambda: any(f["item"] == marker for _, f in redis_client.xrange(DEAD_LETTER_STREAM)),
        20,
        "the garbage to be dead-lettered",
    )
    [entry] = [e for e, f in redis_client.xrange(DEAD_LETTER_STREAM) if f["item"] == marker]

    kept = smq(cli_env, "dead-letters", "replay", entry)
    still_there = redis_client.xrange(DEAD_LETTER_STREAM, entry, entry)
    purged_none = smq(cli_env, "dead-letters", "purge", "--older-than", "1h")
    purged = smq(cli_env, "dead-letters", "purge", "--older-than", "0")

    assert kept.returncode == 5
    assert f"kept {entry}: it names no job; nothing to replay" in kept.stderr
    assert still_there
    assert purged_none.returncode == 0 and "deleted 0 dead letter(s)" in purged_none.stderr
    assert purged.returncode == 0
    assert not redis_client.xrange(DEAD_LETTER_STREAM, entry, entry)
