"""`smq spiff`: the example BPMN (modeled for Camunda 8) run by SpiffWorkflow, its service
task a queue job — real `smq spiff run` processes, workers, the emulator and Redis.

Each test has its own result stream and runner processes, so killing one runner or
starting two replicas touches no other test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.spiff.engine import SpiffEngine
from adapters.spiff.parser import parse_model
from adapters.spiff.settings import SpiffSettings
from emulator.control import EmulatorControl
from ops.local import ROOT, Service, start_poller, start_spiff_runner, wait_until
from producer.connection import RedisClient

pytestmark = pytest.mark.integration
EXAMPLE = ROOT / "examples" / "bpmn" / "sagemaker-score.bpmn"
PAYLOAD = {"score": 0.83, "features": [1, 2, 3]}


class Spiff:
    """One test's adapter: its own result stream, runner processes and engine."""

    def __init__(self, workdir: Path, env: dict[str, str], redis: RedisClient) -> None:
        self.stream = f"test:spiff:{uuid.uuid4().hex[:12]}"
        self.env = {**env, "SMQ_SPIFF_RESULT_STREAM": self.stream, "SMQ_SPIFF_POLL_SECONDS": "0.2"}
        self.workdir = workdir
        settings = SpiffSettings(redis_url=env["SMQ_REDIS_URL"], spiff_result_stream=self.stream)
        self.engine = SpiffEngine(redis, settings)
        self.runners: list[Service] = []

    def start_runner(self, name: str = "r1") -> Service:
        runner = start_spiff_runner(self.workdir, self.env, name=name)
        self.runners.append(runner)
        return runner

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", "spiff", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def start(self, endpoint: str, payload: Any = None) -> str:
        data = {"endpoint": endpoint, "payload": PAYLOAD if payload is None else payload}
        done = self.cli("start", str(EXAMPLE), "--data", json.dumps(data))
        assert done.returncode == 0, done.stderr
        started = json.loads(done.stdout)
        assert started["status"] == "waiting"
        return str(started["id"])

    def show(self, instance_id: str) -> dict[str, Any]:
        return self.engine.show(instance_id)

    def wait_status(self, instance_id: str, status: str, timeout: float = 30) -> dict[str, Any]:
        wait_until(
            lambda: self.show(instance_id)["status"] == status,
            timeout,
            f"instance {instance_id} {status} (now {self.show(instance_id)['status']})",
        )
        return self.show(instance_id)


@pytest.fixture
def spiff(
    tmp_path: Path, worker_env: dict[str, str], worker: Service, redis_client: RedisClient
) -> Iterator[Spiff]:
    adapter = Spiff(tmp_path, {**worker_env, "SMQ_LOG_FORMAT": "json"}, redis_client)
    yield adapter
    for runner in adapter.runners:
        runner.stop()


def events(shown: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in shown["history"] if e["event"] == name]


def test_example_completes_with_the_prediction_mapped_into_its_data(
    spiff: Spiff, endpoint: str
) -> None:
    # Given a runner, and an endpoint that echoes its input (so the body is =payload)
    spiff.start_runner()

    # When an instance of the example starts (through the CLI)
    instance_id = spiff.start(endpoint)

    # Then it completes at the Scored end event with the prediction in its data
    shown = spiff.wait_status(instance_id, "completed")
    assert shown["endEvent"] == "Scored"
    data = shown["data"]
    # zeebe:output mappings (nested targets) over resultVariable "prediction", whose body
    # is the echoed =payload, and resultExpression's riskScore
    assert data["score"] == {"result": PAYLOAD, "variant": "AllTraffic"}
    assert data["riskScore"] == 0.83
    # with output mappings only they reach the instance; the input locals stay local
    assert data.keys() == {"endpoint", "payload", "score", "riskScore"}
    assert [e["jobId"] for e in events(shown, "job_completed")] == [
        e["jobId"] for e in events(shown, "job_submitted")
    ]
    # And `smq spiff show` prints the same as one JSON object
    printed = spiff.cli("show", instance_id)
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["data"]["score"]["variant"] == "AllTraffic"
    listed = [json.loads(line) for line in spiff.cli("list").stdout.splitlines()]
    assert {"id": instance_id, "status": "completed"}.items() <= next(
        row for row in listed if row["id"] == instance_id
    ).items()


def test_model_error_is_caught_by_the_error_boundary_event(
    spiff: Spiff, endpoint: str, emulator: EmulatorControl
) -> None:
    # Given an endpoint whose model fails (ModelError, not retried)
    emulator.script(endpoint, errors={"code": "ModelError", "message": "bad shape"})
    spiff.start_runner()

    # When an instance runs
    instance_id = spiff.start(endpoint)

    # Then errorExpression's bpmnError("MODEL_ERROR", …) is taken by the boundary event
    shown = spiff.wait_status(instance_id, "completed")
    assert shown["endEvent"] == "NeedsReview"
    assert "bad shape" in shown["data"]["modelError"]
    assert "score" not in shown["data"]
    assert events(shown, "job_bpmnError")[0]["code"] == "MODEL_ERROR"
    assert emulator.invocations(endpoint)["count"] == 1


def test_failure_leaves_an_incident_that_retry_resolves_once_the_endpoint_is_fixed(
    spiff: Spiff, endpoint: str, emulator: EmulatorControl
) -> None:
    # Given an endpoint refusing the input (ValidationError: permanent, no errorExpression case)
    emulator.script(endpoint, errors={"code": "ValidationError", "message": "no such model"})
    spiff.start_runner()
    instance_id = spiff.start(endpoint)

    # Then the instance stops at the task in an incident holding the error
    shown = spiff.wait_status(instance_id, "error")
    [incident] = shown["incidents"]
    assert incident["elementId"] == "Score"
    assert incident["code"] == "ValidationError"
    assert "no such model" in incident["message"]

    # When the endpoint is fixed and the instance retried
    emulator.script(endpoint, response={"body": {"score": 0.5}})
    retried = spiff.cli("retry", instance_id)
    assert retried.returncode == 0, retried.stderr
    assert json.loads(retried.stdout)["status"] == "waiting"

    # Then it completes with the new answer, from a second job
    shown = spiff.wait_status(instance_id, "completed")
    assert shown["data"]["riskScore"] == 0.5
    assert shown["incidents"] == []
    assert len(events(shown, "job_submitted")) == 2
    assert emulator.invocations(endpoint)["count"] == 2


def test_cancel_from_the_command_line_ends_a_waiting_instance(
    spiff: Spiff, endpoint: str, emulator: EmulatorControl
) -> None:
    # Given an instance waiting on a slow model (slower than two CLI runs)
    emulator.script(endpoint, latencyMs=6000, response={"body": {"score": 0.5}})
    runner = spiff.start_runner()
    instance_id = spiff.start(endpoint)
    # When it is cancelled before the result
    cancelled = spiff.cli("cancel", instance_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert json.loads(cancelled.stdout) == {"id": instance_id, "status": "cancelled"}
    # Then the result, once the runner reads it, changes nothing
    wait_until(lambda: '"result_ignored"' in runner.log_text(), 30, "the result to be read")
    shown = json.loads(spiff.cli("show", instance_id).stdout)
    assert shown["status"] == "cancelled" and "riskScore" not in shown["data"]
    assert spiff.cli("cancel", "no-such-instance").returncode == 5


def test_runner_killed_before_the_result_then_restarted_completes_the_instance_once(
    spiff: Spiff, endpoint: str, emulator: EmulatorControl, redis_client: RedisClient
) -> None:
    # Given an instance waiting on a slow model, and its runner killed -9 meanwhile
    emulator.script(endpoint, latencyMs=2000, response={"body": {"score": 0.9}})
    runner = spiff.start_runner("before")
    instance_id = spiff.start(endpoint)
    emulator.wait_for_invocations(endpoint, 1)
    runner.kill()

    # When the result lands while no runner runs, and a runner starts again
    wait_until(lambda: redis_client.xlen(spiff.stream) >= 1, 30, "the result on the stream")
    assert spiff.show(instance_id)["status"] == "waiting"
    spiff.start_runner("after")

    # Then the instance completes, from one job, its result applied once
    shown = spiff.wait_status(instance_id, "completed")
    assert shown["data"]["riskScore"] == 0.9
    assert len(events(shown, "job_completed")) == 1
    assert emulator.invocations(endpoint)["count"] == 1


def test_two_hundred_instances_at_once_all_complete_with_two_runner_replicas(
    spiff: Spiff, endpoint: str, emulator: EmulatorControl
) -> None:
    # Given two runner replicas sharing the result stream, and a 50 ms model
    emulator.script(endpoint, latencyMs=50)
    spiff.start_runner("a")
    spiff.start_runner("b")
    model = parse_model(EXAMPLE)

    # When 200 instances start at once
    began = time.monotonic()
    ids = [spiff.engine.start(model, {"endpoint": endpoint, "payload": {"n": n}})["id"]
           for n in range(200)]  # fmt: skip
    started = time.monotonic() - began

    # Then all complete, each with its own prediction, each result applied once
    def completed() -> int:
        rows = spiff.engine.store.listing(5000)
        return sum(1 for r in rows if r["id"] in set(ids) and r["status"] == "completed")

    wait_until(lambda: completed() == 200, 90, "200 completed instances", interval=0.25)
    finished = time.monotonic() - began
    for n, instance_id in enumerate(ids):
        shown = spiff.show(instance_id)
        assert shown["data"]["score"]["result"] == {"n": n}
        assert len(events(shown, "job_completed")) == 1
    assert emulator.invocations(endpoint)["count"] == 200
    print(f"\n200 instances: started in {started:.2f}s, all completed {finished:.2f}s after start")


@pytest.fixture
def poller(tmp_path: Path, worker_env: dict[str, str], worker: Service) -> Iterator[Service]:
    service = start_poller(tmp_path / "poller", worker_env, name="spiff-async")
    yield service
    service.stop()


def test_async_task_completes_after_its_output_lands(
    spiff: Spiff, endpoint: str, emulator: EmulatorControl, poller: Service, s3: Any
) -> None:  # s3: the staging bucket an inline body is uploaded to
    # Given the example switched to ASYNC, and an inference that takes 1.5 s
    emulator.script(endpoint, **{"async": {"delayMs": 1500}})
    model = parse_model(EXAMPLE.read_text().replace('source="SYNC"', 'source="ASYNC"'))
    spiff.start_runner()

    # When an instance starts
    began = time.time()
    instance_id = spiff.engine.start(model, {"endpoint": endpoint, "payload": PAYLOAD})["id"]

    # Then it waits while the inference runs, and completes with its output once it lands
    assert spiff.show(instance_id)["status"] == "waiting"
    shown = spiff.wait_status(instance_id, "completed", timeout=60)
    assert shown["updatedAt"] - began >= 1.5
    assert shown["data"]["score"]["result"] == PAYLOAD
