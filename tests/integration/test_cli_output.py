"""What ``smq`` prints: tables for people, JSON lines for programs; status with the workers
online; results read safely (a tail leaves the adapters' group alone); one stored result."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from emulator.control import EmulatorControl
from ops.local import Service
from producer.connection import RedisClient
from producer.results import DEFAULT_GROUP, ResultConsumer
from tests.integration.conftest import make_job
from tests.integration.test_cli_and_bad_input import smq

pytestmark = pytest.mark.integration
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_job_status_as_json_and_as_a_table(
    run_jobs: Any, cli_env: dict[str, str], endpoint: str, stream: str
) -> None:
    [result] = run_jobs(make_job(endpoint, stream))

    as_json = smq(cli_env, "status", result.id)  # piped: JSON by default
    as_table = smq(cli_env, "status", result.id, "--output", "table")

    status = json.loads(as_json.stdout)
    assert ISO.match(status["submittedAt"]) and ISO.match(status["finishedAt"])
    assert status["state"] == "done"
    assert re.search(r"^state\s+done\s*$", as_table.stdout, re.MULTILINE)
    assert re.search(r"^submittedAt\s+\d{4}-\d\d-\d\dT", as_table.stdout, re.MULTILINE)
    assert "{" not in as_table.stdout.split("result.")[0]  # not JSON above the result rows


def test_service_status_counts_the_workers_online(worker: Service, cli_env: dict[str, str]) -> None:
    status = json.loads(smq(cli_env, "status").stdout)
    table = smq(cli_env, "status", "-o", "table").stdout

    assert status["workers"]["online"] >= 1
    assert any(name.startswith("main@") for name in status["workers"]["names"])
    assert status["warnings"] == []
    assert re.search(r"^workers\.online\s+[1-9]", table, re.MULTILINE)


def test_status_says_plainly_that_nobody_consumes_waiting_jobs(
    cli_env: dict[str, str], redis_service: Service, endpoint: str, stream: str
) -> None:
    env = {**cli_env, "SMQ_REDIS_URL": redis_service.url.rsplit("/", 1)[0] + "/8"}
    assert smq(env, "submit", "-", stdin=json.dumps(make_job(endpoint, stream))).returncode == 0

    status = json.loads(smq(env, "status").stdout)
    table = smq(env, "status", "-o", "table").stdout

    assert status["workers"]["online"] == 0
    assert status["queue"]["jobsWaiting"] >= 1
    [warning] = status["warnings"]
    assert "nothing is consuming queue 'smq'" in warning
    assert "warning: no worker answered a ping" in table


def test_results_tail_takes_nothing_from_the_adapters_group(
    run_jobs: Any, cli_env: dict[str, str], endpoint: str, stream: str, redis_client: RedisClient
) -> None:
    done = run_jobs(*[make_job(endpoint, stream, body={"n": n}) for n in range(3)])
    adapter = ResultConsumer(redis_client, stream, consumer="engine", block_ms=50)
    next(adapter.results())  # delivered to the engine's adapter, not yet acknowledged
    before = redis_client.xinfo_groups(stream)
    pending = redis_client.xpending(stream, DEFAULT_GROUP)["pending"]

    tail = smq(cli_env, "results", "--stream", stream)
    table = smq(cli_env, "results", "--stream", stream, "-n", "2", "-o", "table")

    assert tail.returncode == 0, tail.stderr
    assert [json.loads(x)["id"] for x in tail.stdout.splitlines()] == [r.id for r in done]
    assert table.stdout.splitlines()[0].split() == ["JOB", "ID", "STATUS", "ATTEMPTS", "DETAIL"]
    assert len(table.stdout.splitlines()) == 3
    assert redis_client.xinfo_groups(stream) == before
    assert redis_client.xpending(stream, DEFAULT_GROUP)["pending"] == pending > 0


def test_consuming_as_the_adapters_group_needs_force(
    run_jobs: Any, cli_env: dict[str, str], endpoint: str, stream: str, redis_client: RedisClient
) -> None:
    run_jobs(make_job(endpoint, stream))

    refused = smq(cli_env, "results", "--stream", stream, "--group", DEFAULT_GROUP)
    forced = smq(cli_env, "results", "--stream", stream, "--group", DEFAULT_GROUP, "--force")

    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "engine adapters' group" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert forced.returncode == 0, forced.stderr
    assert len(forced.stdout.splitlines()) == 1
    assert redis_client.xpending(stream, DEFAULT_GROUP)["pending"] == 0


def test_result_of_one_job_and_its_exit_code(
    run_jobs: Any,
    cli_env: dict[str, str],
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    emulator.script(endpoint, sequence=[{"error": {"code": "ModelError", "message": "no"}}])
    failed, completed = run_jobs(make_job(endpoint, stream), make_job(endpoint, stream))
    if failed.status == "completed":
        failed, completed = completed, failed

    ok = smq(cli_env, "result", completed.id)
    bad = smq(cli_env, "result", failed.id, "-o", "table")
    missing = smq(cli_env, "result", "no-such-job")

    assert ok.returncode == 0 and json.loads(ok.stdout)["id"] == completed.id
    assert bad.returncode == 1
    assert re.search(rf"^{failed.id}\s+failed\s+1\s+ModelError: ", bad.stdout, re.MULTILINE)
    assert missing.returncode == 5
    assert (
        missing.stderr
        == "error: no such job: no-such-job (never submitted, or its record expired)\n"
    )


def test_result_of_a_job_still_running_says_how_to_wait(
    worker: Service, cli_env: dict[str, str], endpoint: str, stream: str, emulator: EmulatorControl
) -> None:
    emulator.script(endpoint, latencyMs=3000)
    job = {**make_job(endpoint, stream), "id": f"running-{endpoint}"}
    assert smq(cli_env, "submit", "-", stdin=json.dumps(job)).returncode == 0

    early = smq(cli_env, "result", job["id"])

    assert early.returncode == 5
    assert f"smq wait {job['id']} waits for it" in early.stderr


def test_wait_prints_a_table_on_request(
    run_jobs: Any, cli_env: dict[str, str], endpoint: str, stream: str
) -> None:
    [result] = run_jobs(make_job(endpoint, stream))

    done = smq(cli_env, "wait", result.id, "-o", "table")

    assert done.returncode == 0
    header, row = done.stdout.splitlines()
    assert header.split()[:3] == ["JOB", "ID", "STATUS"]
    assert row.split()[:3] == [result.id, "completed", "1"]
