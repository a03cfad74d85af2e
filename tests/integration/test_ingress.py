"""`smq ingress`: jobs XADDed to the ingress stream by any program — a real dispatcher
process, workers, the emulator, Redis; the README's redis-cli example run as written."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.control import EmulatorControl
from ops.local import ROOT, Service, redis_cli_binary, start_ingress, wait_until
from producer.connection import RedisClient
from producer.contract import Result
from producer.keys import DEAD_LETTER_STREAM, RESULT_FIELD
from producer.results import wait_for
from tests.integration.conftest import make_job

pytestmark = pytest.mark.integration
INGRESS = "smq:ingress"  # the default, as the README's example uses it
DEFAULT_RESULTS = f"test:ingress-default:{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def dispatcher(stack_dir: Path, worker_env: dict[str, str], worker: Service) -> Iterator[Service]:
    env = {**worker_env, "SMQ_RESULT_STREAM": DEFAULT_RESULTS, "SMQ_INGRESS_BLOCK_SECONDS": "0.2"}
    service = start_ingress(stack_dir / "ingress", env)
    yield service
    service.stop()


def xadd(redis: RedisClient, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return str(redis.xadd(INGRESS, {"job": text}))


def results(redis: RedisClient, stream: str, ids: list[str], timeout: float = 30) -> list[Result]:
    found = list(wait_for(redis, dict.fromkeys(ids, stream), {stream: "0-0"}, timeout=timeout))
    assert {r.id for r in found} == set(ids), f"results for {len(found)} of {len(ids)} jobs"
    return found


def dead_letters(redis: RedisClient, entry_id: str) -> list[dict[str, str]]:
    return [f for _, f in redis.xrange(DEAD_LETTER_STREAM) if f.get("entry") == entry_id]


def acknowledged(redis: RedisClient, entry_id: str) -> bool:
    """The dispatcher has read and acknowledged everything up to ``entry_id``."""
    [group] = [g for g in redis.xinfo_groups(INGRESS) if g["name"] == "smq-ingress"]
    last = tuple(int(p) for p in group["last-delivered-id"].split("-"))
    return bool(group["pending"] == 0 and last >= tuple(int(p) for p in entry_id.split("-")))


def test_valid_entries_are_submitted_and_answered(
    dispatcher: Service, redis_client: RedisClient, endpoint: str, stream: str
) -> None:
    # Given three valid jobs XADDed by "another program", one without an id
    jobs = [{**make_job(endpoint, stream), "id": f"ing-{uuid.uuid4().hex[:8]}"} for _ in range(2)]
    ids = [job["id"] for job in jobs]
    ids.append("ingress-" + xadd(redis_client, make_job(endpoint, stream)))
    for job in jobs:
        xadd(redis_client, job)

    # Then each is answered on its replyTo, the id-less one as ingress-<entry id>
    found = results(redis_client, stream, ids)
    assert {r.status for r in found} == {"completed"}


def test_invalid_entry_is_answered_with_every_problem_and_dead_lettered(
    dispatcher: Service, redis_client: RedisClient, endpoint: str, stream: str
) -> None:
    # Given a job with two bad fields
    job = make_job(endpoint, stream)
    job["id"] = f"bad-{uuid.uuid4().hex[:8]}"
    del job["variables"]["input"]["endpointName"]
    job["variables"]["input"]["enableExplanations"] = "MAYBE"

    # When it is XADDed
    entry_id = xadd(redis_client, job)

    # Then a failed result on its replyTo names every problem by path
    [result] = results(redis_client, stream, [job["id"]])
    assert result.status == "failed"
    assert result.error is not None and result.error.code == "InvalidJob"
    paths = {p["path"] for p in result.error.details["problems"]}
    assert paths == {"variables.input.endpointName", "variables.input.enableExplanations"}
    # And the entry is in the dead-letter stream with the reason
    wait_until(lambda: dead_letters(redis_client, entry_id), 10, "the dead letter")
    [dead] = dead_letters(redis_client, entry_id)
    assert "endpointName" in dead["reason"] and json.loads(dead["item"])["id"] == job["id"]


def test_resubmitted_id_is_not_run_twice(
    dispatcher: Service,
    redis_client: RedisClient,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    # Given a job sent twice with the same id (a producer retrying after a timeout)
    job = {**make_job(endpoint, stream), "id": f"twice-{uuid.uuid4().hex[:8]}"}
    xadd(redis_client, job)
    second = xadd(redis_client, job)

    # Then both entries are handled, and the job ran once with one result
    wait_until(lambda: acknowledged(redis_client, second), 20, "both entries acknowledged")
    results(redis_client, stream, [job["id"]])
    entries = [f for _, f in redis_client.xrange(stream) if f["id"] == job["id"]]
    assert len(entries) == 1
    assert emulator.invocations(endpoint)["count"] == 1


def test_malformed_entry_is_dead_lettered_and_answered_on_the_default_stream(
    dispatcher: Service, redis_client: RedisClient
) -> None:
    # When an entry is not JSON
    entry_id = xadd(redis_client, '{"id": "oops", "variables": ')

    # Then it is dead-lettered with the reason, and answered as ingress-<entry id>
    wait_until(lambda: dead_letters(redis_client, entry_id), 10, "the dead letter")
    [dead] = dead_letters(redis_client, entry_id)
    assert dead["reason"].startswith("invalid ingress entry: not JSON")
    assert dead["item"] == '{"id": "oops", "variables": '
    [result] = results(redis_client, DEFAULT_RESULTS, [f"ingress-{entry_id}"])
    assert result.status == "failed"
    assert result.error is not None and "not JSON" in result.error.message


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"ingress-example:start -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "the README's ingress example block"
    return block.group(1)


def test_readme_redis_cli_example_runs_as_written(
    dispatcher: Service, redis_client: RedisClient, worker_env: dict[str, str]
) -> None:
    cli = redis_cli_binary()  # from PATH, or the one the embedded Redis fallback ships
    assert Path(cli).exists(), cli

    # When the README's two lines run in a shell, redis-cli pointed at the test's Redis
    shim = f'redis-cli() {{ "{cli}" -u "{worker_env["SMQ_REDIS_URL"]}" "$@"; }}\n'
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", shim + readme_example()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # Then XADD printed the entry id and XREAD the completed result of order-42
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"\d+-\d+", lines[0])
    document = json.loads(next(line for line in lines if line.startswith("{")))
    assert document["id"] == "order-42" and document["status"] == "completed"
    assert document["variables"]["prediction"]["body"] == {"instances": [[12, 70.5]]}
    assert RESULT_FIELD in lines
