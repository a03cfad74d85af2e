"""The ``smq`` CLI as a process, and bad input at every door: submit, queue, stored job."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from emulator.control import EmulatorControl
from ops.local import Service, wait_until
from producer.connection import RedisClient
from producer.envelope import task_message
from producer.keys import DEAD_LETTER_STREAM, JobField, job_key
from producer.results import ResultConsumer, stored_result
from tests.integration.conftest import make_job
from worker.settings import WorkerSettings as Settings

pytestmark = pytest.mark.integration


def smq(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_camunda_job_submit_wait_completes_with_parsed_body(
    worker: Service, cli_env: dict[str, str], endpoint: str, tmp_path: Path
) -> None:
    job = make_job(endpoint, "smq:results")
    del job["replyTo"]  # the default stream, as an engine adapter would use
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))

    done = smq(cli_env, "submit", str(path), "--wait", "--timeout", "30")

    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert result["status"] == "completed"
    assert result["response"]["body"] == {"features": [1, 2, 3]}
    assert result["variables"]["prediction"]["body"] == {"features": [1, 2, 3]}


def test_json_lines_bulk_submit_wait_exits_1_when_one_fails(
    worker: Service, cli_env: dict[str, str], endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, sequence=[{"error": {"code": "ModelError", "message": "no"}}])
    lines = "\n".join(json.dumps(make_job(endpoint, stream, body={"n": n})) for n in range(5))

    done = smq(cli_env, "submit", "-", "--wait", "--timeout", "30", stdin=lines)

    assert done.returncode == 1, done.stderr
    statuses = sorted(json.loads(line)["status"] for line in done.stdout.splitlines())
    assert statuses == ["completed"] * 4 + ["failed"]


def test_invalid_job_exits_2_with_field_paths_and_enqueues_nothing(
    worker: Service,
    cli_env: dict[str, str],
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
) -> None:
    good = make_job(endpoint, stream)
    bad = make_job(endpoint, stream)
    bad["variables"]["input"]["invocationType"] = "SOMETIMES"
    del bad["variables"]["configuration"]
    # Keys, not their count: other tests' keys in this Redis expire meanwhile (dbsize fell by
    # 2 during this call once), so "nothing enqueued" is "no key that was not there before".
    before = set(redis_client.scan_iter(count=1000))

    done = smq(cli_env, "submit", "-", stdin=json.dumps([good, bad]))

    assert done.returncode == 2
    assert "[1].variables.input.invocationType: Input should be 'SYNC' or 'ASYNC'" in done.stderr
    assert "nothing was enqueued" in done.stderr
    assert done.stdout == ""
    assert set(redis_client.scan_iter(count=1000)) <= before


def test_wait_times_out_with_exit_3(
    worker: Service, cli_env: dict[str, str], endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, latencyMs=3000)

    done = smq(
        cli_env,
        "submit",
        "-",
        "--wait",
        "--timeout",
        "0.5",
        stdin=json.dumps(make_job(endpoint, stream)),
    )

    assert done.returncode == 3
    assert "timed out" in done.stderr


def test_status_shows_state_and_result_but_not_the_document(
    worker: Service, cli_env: dict[str, str], endpoint: str, stream: str
) -> None:
    job = {**make_job(endpoint, stream), "id": f"status-{endpoint}"}
    assert smq(cli_env, "submit", "-", "--wait", stdin=json.dumps(job)).returncode == 0

    done = smq(cli_env, "status", job["id"])

    status = json.loads(done.stdout)
    assert status["state"] == "done"
    assert status["result"]["status"] == "completed"
    assert status["endpoint"] == endpoint
    assert "doc" not in status and "secrets" not in done.stdout
    assert smq(cli_env, "status", "no-such-job").returncode == 5


def test_results_command_reads_and_acks_as_a_group(
    worker: Service,
    cli_env: dict[str, str],
    endpoint: str,
    stream: str,
    run_jobs: Any,
    redis_client: RedisClient,
) -> None:
    run_jobs(*[make_job(endpoint, stream) for _ in range(3)])

    done = smq(cli_env, "results", "--stream", stream, "--group", "g1")

    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert redis_client.xpending(stream, "g1")["pending"] == 0
    again = smq(cli_env, "results", "--stream", stream, "--group", "g1")
    assert again.stdout == ""


def test_consumer_redelivers_what_a_dead_consumer_did_not_ack(
    run_jobs: Any, endpoint: str, stream: str, redis_client: RedisClient
) -> None:
    run_jobs(*[make_job(endpoint, stream) for _ in range(2)])
    dying = ResultConsumer(redis_client, stream, group="g", consumer="c1", block_ms=100)
    first = next(dying.results())  # handed out, never acknowledged

    restarted = ResultConsumer(redis_client, stream, group="g", consumer="c1", block_ms=100)
    ids = [r.id for r in restarted.results()]

    assert first.id in ids
    assert len(ids) == 2


def _push_raw(redis_client: RedisClient, settings: Settings, item: str) -> None:
    redis_client.lpush(settings.queue, item)


def test_message_without_a_job_id_gets_a_failed_result(
    worker: Service, redis_client: RedisClient, settings: Settings
) -> None:
    message_id = f"raw-{uuid.uuid4().hex}"
    raw = json.loads(task_message(message_id, settings.queue))
    raw["body"] = "W1tdLCB7fSwge31d"  # base64 of [[], {}, {}]: no arguments at all
    _push_raw(redis_client, settings, json.dumps(raw))

    wait_until(lambda: stored_result(redis_client, message_id), 20, "a failed result")
    result = stored_result(redis_client, message_id)
    assert result is not None and result.error is not None
    assert result.error.code == "MalformedMessage"


def test_malformed_stored_job_gets_a_failed_result_naming_the_field(
    worker: Service, redis_client: RedisClient, settings: Settings, stream: str
) -> None:
    job_id = f"bad-{uuid.uuid4().hex}"
    doc = {"variables": {"input": {"endpointName": 42}}}  # written by a foreign producer
    redis_client.hset(
        job_key(job_id), mapping={JobField.DOC: json.dumps(doc), JobField.REPLY_TO: stream}
    )
    _push_raw(redis_client, settings, task_message(job_id, settings.queue))

    wait_until(lambda: stored_result(redis_client, job_id), 20, "a failed result")
    result = stored_result(redis_client, job_id)
    assert result is not None and result.error is not None
    assert result.error.code == "InvalidJob"
    assert "variables.input.endpointName" in result.error.message
    assert redis_client.xlen(stream) == 1


def test_garbage_on_the_queue_does_not_stop_the_worker(
    worker: Service,
    redis_client: RedisClient,
    settings: Settings,
    run_jobs: Any,
    endpoint: str,
    stream: str,
) -> None:
    dead_before = redis_client.xlen(DEAD_LETTER_STREAM)
    named = f"unreadable-{uuid.uuid4().hex}"
    for item in [
        "not json at all",
        "{}",
        '{"body": "%%%", "headers": {}, "properties": {}}',
        json.dumps(
            {
                "body": "e30=",
                "content-type": "application/x-unknown",
                "content-encoding": "utf-8",
                "headers": {"task": "smq.run_job", "id": named},
                "properties": {"delivery_tag": "t1", "delivery_info": {}},
            }
        ),
    ]:
        _push_raw(redis_client, settings, item)

    [result] = run_jobs(make_job(endpoint, stream))

    assert result.status == "completed"
    assert worker.alive()
    dead = redis_client.xrange(DEAD_LETTER_STREAM)[dead_before:]
    assert dead[0][1]["item"] == "not json at all"
    assert len(dead) == 4
    assert all(e[1]["reason"].startswith("unreadable queue item") for e in dead)
    # The one that still names its job gets a failed result, so the engine is answered.
    answer = stored_result(redis_client, named)
    assert answer is not None and answer.error is not None
    assert answer.error.code == "UnreadableMessage"
