"""ENGINE: the engine round trips — stand-in engine → adapter → queue → worker → result →
the engine's completion call — beside ``smq submit``'s path on the same endpoint, in one run:
Camunda 8 (``smq camunda``, keys ``engine_*``) and Camunda 7 (``smq camunda7``, keys
``engine7_*``), one after the other (``engine_kinds`` picks them).

Throughput: N activatable jobs (fetchable tasks), one adapter, one worker; jobs/s from the
first activation (lock) to the last completion call (the stand-in's own timestamps), against N
jobs submitted in bulk (``realtime.pipeline``, as ``smq submit`` does). Latency: one job at a
time, activation → completion call, against submit → result for the same endpoint; the
difference is what the adapter adds.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import realtime
from bench.stack import WORKDIR, Stack, cpu_seconds
from emulator.camunda7.control import Camunda7Control
from emulator.camunda8.control import Camunda8Control
from ops.camunda7 import start_adapter7, start_camunda7
from ops.camunda8 import start_adapter, start_camunda8
from ops.local import Service, wait_until
from producer.contract import TASK_TYPE
from producer.results import stream_tail, wait_for
from producer.submit import Producer


@dataclass
class Round:
    """One engine's stand-in as the measurements see it."""

    prefix: str  # of the figures' keys
    engine: Service
    create: Callable[[list[dict[str, Any]]], list[str]]
    histories: Callable[[], dict[str, tuple[str, list[dict[str, Any]]]]]  # id → (state, history)
    history: Callable[[str], tuple[str, list[dict[str, Any]]]]
    spec: Callable[[int], dict[str, Any]]
    taken: str  # the history event of an activation / a fetch
    start_adapter: Callable[[], Service]
    invalid: Callable[[], int]
    adapter: Service | None = None  # once started

    def stop(self) -> None:
        for service in (self.adapter, self.engine):
            if service is not None:
                service.stop()


def engine_job(n: int) -> dict[str, Any]:
    """The same job as ``realtime.job``, as an engine job of Camunda's template."""
    document = realtime.job("unused", n)
    return {
        "type": TASK_TYPE,
        "variables": document["variables"],
        "customHeaders": document["headers"],
        "retries": 3,
    }


def external_task(n: int) -> dict[str, Any]:
    """The same job as a Camunda 7 external task: Json variables, extension properties."""
    document = realtime.job("unused", n)
    variables = {
        name: {"type": "Json", "value": json.dumps(value), "valueInfo": {}}
        for name, value in document["variables"].items()
    }
    return {
        "topicName": "aws-sagemaker",
        "variables": variables,
        "extensionProperties": document["headers"],
    }


def run(stack: Stack, params: dict[str, Any]) -> dict[str, Any]:
    """Each engine's round on a fresh worker, with its own direct baseline just before it:
    a second round on the same worker measured ~25% slower whichever engine ran second."""
    stack.control.script(realtime.ENDPOINT, latencyMs=params["engine_latency_ms"])
    rounds = {"camunda8": _camunda8, "camunda7": _camunda7}
    figures: dict[str, Any] = {}
    for kind in params.get("engine_kinds", list(rounds)):
        worker = stack.worker(f"engine-{kind}", concurrency=params["default_concurrency"])
        engine_round = rounds[kind](stack)
        try:
            figures.update(_round(stack, engine_round, worker, params))
        finally:
            engine_round.stop()
            worker.stop()
            stack.extra.remove(worker)
    return figures


def _round(stack: Stack, r: Round, worker: Service, params: dict[str, Any]) -> dict[str, Any]:
    n, sequential = params["engine_jobs"], params["engine_sequential"]
    realtime.pipeline(stack, min(200, n), f"bench:{r.prefix}:warmup")
    # Direct submission first, then the adapter's path, on the same worker and endpoint.
    direct = realtime.pipeline(stack, n, f"bench:{r.prefix}:direct")
    direct_ms = _one_at_a_time_direct(stack, sequential)
    return _measure(r, worker, n, sequential, direct, direct_ms)


def _camunda8(stack: Stack) -> Round:
    camunda = start_camunda8(WORKDIR / "camunda8", check_answers=False)
    control = Camunda8Control(camunda.url)
    env = {
        **stack.env,
        "CAMUNDA_REST_ADDRESS": camunda.url,
        "SMQ_CAMUNDA_JOB_ID_PREFIX": f"bench{int(time.time())}",
        "SMQ_CAMUNDA_RESULT_STREAM": "bench:engine",
    }

    def jobs() -> dict[str, tuple[str, list[dict[str, Any]]]]:
        return {j["jobKey"]: (j["state"], j["history"]) for j in control.jobs()}

    def one(key: str) -> tuple[str, list[dict[str, Any]]]:
        job = control.job(key)
        return job["state"], job["history"]

    return Round(
        "engine",
        camunda,
        lambda specs: control.create_jobs(*specs),
        jobs,
        one,
        engine_job,
        "activated",
        lambda: start_adapter(WORKDIR / "adapters", env, name="engine-adapter"),
        lambda: int(control.stats()["invalid"]),
    )


def _camunda7(stack: Stack) -> Round:
    camunda = start_camunda7(WORKDIR / "camunda7", check_answers=False)
    control = Camunda7Control(camunda.url)
    env = {
        **stack.env,
        "SMQ_CAMUNDA7_URL": camunda.url + "/engine-rest",
        "SMQ_CAMUNDA7_JOB_ID_PREFIX": f"bench7-{int(time.time())}",
        "SMQ_CAMUNDA7_RESULT_STREAM": "bench:engine7",
    }

    def tasks() -> dict[str, tuple[str, list[dict[str, Any]]]]:
        return {t["id"]: (t["state"], t["history"]) for t in control.tasks()}

    def one(task_id: str) -> tuple[str, list[dict[str, Any]]]:
        task = control.task(task_id)
        return task["state"], task["history"]

    return Round(
        "engine7",
        camunda,
        lambda specs: control.create_tasks(*specs),
        tasks,
        one,
        external_task,
        "locked",
        lambda: start_adapter7(WORKDIR / "adapters", env, name="engine7-adapter"),
        lambda: int(control.stats()["invalid"]),
    )


def _measure(
    r: Round,
    worker: Service,
    n: int,
    sequential: int,
    direct: dict[str, Any],
    direct_ms: list[float],
) -> dict[str, Any]:
    ids = r.create([r.spec(i) for i in range(n)])
    cpu_before = {
        "worker": cpu_seconds(worker.process.pid),
        "engine": cpu_seconds(r.engine.process.pid),
    }
    adapter = r.adapter = r.start_adapter()
    cpu_before["adapter"] = cpu_seconds(adapter.process.pid)
    wait_until(lambda: _all_completed(r, ids), 600, f"{n} {r.prefix} jobs completed", 0.5)
    cpu = {
        "worker": cpu_seconds(worker.process.pid),
        "engine": cpu_seconds(r.engine.process.pid),
        "adapter": cpu_seconds(adapter.process.pid),
    }
    first, last, spans = _spans(r, ids)
    adapter_ms = _one_at_a_time_engine(r, sequential)
    via_engine = n / ((last - first) / 1000)
    d50, d99 = realtime.pct_ms(direct_ms, 50), realtime.pct_ms(direct_ms, 99)
    e50, e99 = realtime.pct_ms(adapter_ms, 50), realtime.pct_ms(adapter_ms, 99)
    p = r.prefix
    return {
        f"{p}_direct_jobs_per_s": round(direct["jobs_per_s"], 1),
        f"{p}_adapter_jobs_per_s": round(via_engine, 1),
        f"{p}_ratio": round(via_engine / direct["jobs_per_s"], 3),
        f"{p}_bulk_activation_to_completion_p50_ms": realtime.pct_ms(spans, 50),
        f"{p}_bulk_activation_to_completion_p99_ms": realtime.pct_ms(spans, 99),
        f"{p}_direct_submit_to_result_p50_ms": d50,
        f"{p}_direct_submit_to_result_p99_ms": d99,
        f"{p}_activation_to_completion_p50_ms": e50,
        f"{p}_activation_to_completion_p99_ms": e99,
        f"{p}_added_p50_ms": round(e50 - d50, 3),
        f"{p}_added_p99_ms": round(e99 - d99, 3),
        f"{p}_invalid_requests": r.invalid(),
        # CPU per job during the bulk run (ms): where the two cores went.
        **{f"{p}_cpu_ms_per_job_{k}": round((cpu[k] - cpu_before[k]) * 1000 / n, 3) for k in cpu},
    }


def _all_completed(r: Round, ids: list[str]) -> bool:
    states = r.histories()
    return all(states.get(i, ("", []))[0] == "COMPLETED" for i in ids)


def _spans(r: Round, ids: list[str]) -> tuple[int, int, list[float]]:
    """First activation, last completion (epoch ms) and each job's activation → completion."""
    histories = r.histories()
    firsts, lasts, spans = [], [], []
    for i in ids:
        history = histories[i][1]
        taken = min(e["time"] for e in history if e["event"] == r.taken)
        completed = max(e["time"] for e in history if e["event"] == "completed")
        firsts.append(taken)
        lasts.append(completed)
        spans.append(float(completed - taken))
    return min(firsts), max(lasts), spans


def _one_at_a_time_direct(stack: Stack, n: int) -> list[float]:
    producer = Producer(stack.client, stack.settings)
    stream = "bench:engine:one"
    took: list[float] = []
    for i in range(n + 5):
        cursor = stream_tail(stack.client, stream)
        started = time.perf_counter()
        [sub] = producer.submit_many([realtime.job(stream, i)])
        list(wait_for(stack.client, {sub.job_id: stream}, {stream: cursor}, timeout=30))
        took.append((time.perf_counter() - started) * 1000)
    return took[5:]


def _completed(r: Round, job_id: str) -> bool:
    return bool(r.history(job_id)[0] == "COMPLETED")


def _one_at_a_time_engine(r: Round, n: int) -> list[float]:
    """Create one job, wait for its completion; activation → completion from the engine's
    clock (the adapter long-polls, so it is taken as soon as it exists)."""
    took: list[float] = []
    for i in range(n + 5):
        [job_id] = r.create([r.spec(i)])
        wait_until(functools.partial(_completed, r, job_id), 30, job_id, 0.002)
        history = r.history(job_id)[1]
        taken = next(e["time"] for e in history if e["event"] == r.taken)
        completed = next(e["time"] for e in history if e["event"] == "completed")
        took.append(float(completed - taken))
    return took[5:]
