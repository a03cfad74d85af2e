"""The Camunda 7 adapter under faults: kill -9 with tasks in flight, SIGTERM, two replicas.
Real processes throughout; figures are printed (run with -s to see them)."""

from __future__ import annotations

import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.camunda7.control import Camunda7Control
from emulator.control import EmulatorControl
from ops.camunda7 import start_adapter7, start_camunda7
from ops.local import Service, wait_until
from producer.connection import RedisClient
from tests.integration.camunda7_support import (
    adapter_env,
    adapter_log_events,
    assert_nothing_secret_sent,
    events,
    task_spec,
    wait_final,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def camunda(stack_dir: Path) -> Iterator[Service]:
    service = start_camunda7(stack_dir / "camunda7-faults", auth="bearer", name="camunda7-faults")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def control(camunda: Service) -> Camunda7Control:
    return Camunda7Control(camunda.url)


@pytest.fixture
def endpoint() -> str:
    return f"c7f-{uuid.uuid4().hex[:10]}"


def env_for(worker_env: dict[str, str], camunda: Service, prefix: str, **knobs: str) -> dict:
    env = adapter_env(worker_env, camunda, prefix=prefix, **knobs)
    del env["SMQ_CAMUNDA7_USERNAME"], env["SMQ_CAMUNDA7_PASSWORD"]
    return {**env, "SMQ_CAMUNDA7_TOKEN": "smq-token"}


def completions_per_task(control: Camunda7Control, ids: list[str]) -> Counter[str]:
    calls = Counter(
        r["path"].split("/")[3]
        for r in control.requests()["requests"]
        if r["operation"] == "complete"
    )
    return Counter({task_id: calls[task_id] for task_id in ids})


def test_kill_9_with_30_tasks_in_flight_completes_each_once_and_invokes_each_once(
    stack_dir: Path,
    worker: Service,
    worker_env: dict[str, str],
    camunda: Service,
    control: Camunda7Control,
    emulator: EmulatorControl,
    redis_client: RedisClient,
    endpoint: str,
) -> None:
    # Given an adapter holding 30 tasks of a 5 s model, with a 3 s lock (extended every
    # second while the adapter lives)
    env = env_for(worker_env, camunda, "c7kill", SMQ_CAMUNDA7_LOCK_DURATION="3")
    first = start_adapter7(stack_dir / "adapters", env, name="adapter7-kill-1")
    emulator.script(endpoint, latencyMs=5000)
    ids = control.create_tasks(*[task_spec(endpoint, {"resultVariable": "r"})] * 30)
    wait_until(
        lambda: all(redis_client.exists(f"smq:job:c7kill:{t}:1") for t in ids), 20, "30 queue jobs"
    )
    emulator.wait_for_invocations(endpoint, 10, timeout_s=20)
    # When the adapter is killed mid-flight and a new one starts: the locks expire before the
    # model answers, and the new adapter fetches the tasks again
    first.kill()
    killed_at = time.monotonic()
    second = start_adapter7(stack_dir / "adapters", env, name="adapter7-kill-2")
    try:
        tasks = [wait_final(control, task_id, timeout=60) for task_id in ids]
        recovered_s = time.monotonic() - killed_at
    finally:
        second.stop()
    # Then every task is completed, exactly once, and the model invoked once for each
    assert [t["state"] for t in tasks] == ["COMPLETED"] * 30
    assert set(completions_per_task(control, ids).values()) == {1}
    invocations = emulator.invocations(endpoint)
    assert invocations["count"] == 30
    assert set(invocations["byInferenceId"].values()) == {1}
    refetched = sum(len(events(t, "locked")) > 1 for t in tasks)
    reattached = len(adapter_log_events(second, "job_reattached"))
    assert refetched >= 1 and reattached >= 1  # the re-attach path ran, not a second call
    assert_nothing_secret_sent(control)
    print(
        f"\nkill -9 with 30 in flight: all completed {recovered_s:.1f} s after the kill; "
        f"{refetched} fetched again after their lock expired, {reattached} re-attached, "
        f"0 invoked twice, 0 completed twice"
    )


def test_sigterm_drains_held_tasks_unlocks_late_ones_and_exits_0(
    stack_dir: Path,
    worker: Service,
    worker_env: dict[str, str],
    camunda: Service,
    control: Camunda7Control,
    emulator: EmulatorControl,
    redis_client: RedisClient,
    endpoint: str,
) -> None:
    # Given an adapter holding 10 tasks of a 1.5 s model
    env = env_for(worker_env, camunda, "c7term", SMQ_CAMUNDA7_SHUTDOWN_SECONDS="10")
    adapter = start_adapter7(stack_dir / "adapters", env, name="adapter7-term")
    emulator.script(endpoint, latencyMs=1500)
    ids = control.create_tasks(*[task_spec(endpoint, {"resultVariable": "r"})] * 10)
    # (held means queued: a fetch the engine answered but the adapter had not yet taken in
    # when the signal came is handed back, which is right, but not what this test is about)
    wait_until(
        lambda: all(redis_client.exists(f"smq:job:c7term:{t}:1") for t in ids), 15, "10 queued"
    )
    # When it gets SIGTERM, and a task is created while it stops
    adapter.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    # Once it has stopped activating: before its signal handler runs, a task that appears is
    # still fair game (started and completed, not lost), which is not this test's case.
    wait_until(
        lambda: adapter_log_events(adapter, "adapter_stopping"),
        10,
        "the adapter to stop activating",
    )
    [late] = control.create_tasks(task_spec(endpoint, {"resultVariable": "r"}))
    code = adapter.process.wait(20)
    stopped_s = time.monotonic() - signalled
    adapter.stop()
    # Then it reported what it held, started nothing new, and exited 0 in bounded time
    assert code == 0
    assert stopped_s < 10 + 3
    assert [control.task(t)["state"] for t in ids] == ["COMPLETED"] * 10
    late_task = control.task(late)
    assert late_task["state"] == "OPEN"
    assert late_task["workerId"] is None  # unlocked if a pending fetch caught it: no lock left
    assert late_task["retries"] is None  # and no retry used
    assert emulator.invocations(endpoint)["count"] == 10
    # And another replica finishes the late task at once (no lock to wait out)
    successor = start_adapter7(stack_dir / "adapters", env, name="adapter7-term-2")
    try:
        assert wait_final(control, late, timeout=15)["state"] == "COMPLETED"
    finally:
        successor.stop()
    print(f"\nSIGTERM with 10 held: exited 0 after {stopped_s:.1f} s, all 10 reported")


def test_two_replicas_share_the_work_and_report_each_task_once(
    stack_dir: Path,
    worker: Service,
    worker_env: dict[str, str],
    camunda: Service,
    control: Camunda7Control,
    emulator: EmulatorControl,
    endpoint: str,
) -> None:
    # Given two replicas (one worker id, their own consumer names) and 40 tasks
    env = env_for(worker_env, camunda, "c7two")
    replicas = [
        start_adapter7(
            stack_dir / "adapters",
            {**env, "SMQ_CAMUNDA7_CONSUMER_NAME": f"c7two-{n}"},
            name=f"adapter7-two-{n}",
        )
        for n in (1, 2)
    ]
    emulator.script(endpoint, latencyMs=200)
    try:
        ids = control.create_tasks(*[task_spec(endpoint, {"resultVariable": "r"})] * 40)
        tasks = [wait_final(control, task_id, timeout=60) for task_id in ids]
        reported = [len(adapter_log_events(r, "job_reported")) for r in replicas]
    finally:
        for replica in replicas:
            replica.stop()
    # Then each completed once, invoked once, and both replicas reported some
    assert [t["state"] for t in tasks] == ["COMPLETED"] * 40
    assert set(completions_per_task(control, ids).values()) == {1}
    assert emulator.invocations(endpoint)["count"] == 40
    assert sum(reported) == 40
    print(f"\ntwo replicas, 40 tasks: reports per replica {reported}")
