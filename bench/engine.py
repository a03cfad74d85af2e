"""ENGINE: the Camunda 8 round trip — stand-in engine → ``smq camunda`` → queue → worker →
result → completion call — beside ``smq submit``'s path on the same endpoint, in one run.

Throughput: N activatable jobs, one adapter, one worker; jobs/s from the first activation to
the last completion call (the stand-in's own timestamps), against N jobs submitted in bulk
(``realtime.pipeline``, as ``smq submit`` does). Latency: one job at a time, activation →
completion call, against submit → result for the same endpoint; the difference is what the
adapter adds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench import realtime
from bench.stack import WORKDIR, Stack
from emulator.camunda8.control import Camunda8Control
from ops.camunda8 import start_adapter, start_camunda8
from ops.local import Service, wait_until
from producer.contract import TASK_TYPE
from producer.results import stream_tail, wait_for
from producer.submit import Producer


def engine_job(n: int) -> dict[str, Any]:
    """The same job as ``realtime.job``, as an engine job of Camunda's template."""
    document = realtime.job("unused", n)
    return {
        "type": TASK_TYPE,
        "variables": document["variables"],
        "customHeaders": document["headers"],
        "retries": 3,
    }


def run(stack: Stack, params: dict[str, Any]) -> dict[str, Any]:
    n, sequential = params["engine_jobs"], params["engine_sequential"]
    stack.control.script(realtime.ENDPOINT, latencyMs=params["engine_latency_ms"])
    stack.worker("engine", concurrency=params["default_concurrency"])
    camunda = start_camunda8(WORKDIR / "camunda8", check_answers=False)
    control = Camunda8Control(camunda.url)
    stack.extra.append(camunda)
    env = {
        **stack.env,
        "CAMUNDA_REST_ADDRESS": camunda.url,
        "SMQ_CAMUNDA_JOB_ID_PREFIX": f"bench{int(time.time())}",
        "SMQ_CAMUNDA_RESULT_STREAM": "bench:engine",
    }
    realtime.pipeline(stack, min(200, n), "bench:engine:warmup")
    # Direct submission first, then the adapter's path, on the same worker and endpoint.
    direct = realtime.pipeline(stack, n, "bench:engine:direct")
    direct_ms = _one_at_a_time_direct(stack, sequential)
    keys = control.create_jobs(*[engine_job(i) for i in range(n)])
    worker = stack.extra[0]
    cpu_before = {"worker": cpu_seconds(worker), "engine": cpu_seconds(camunda)}
    adapter = start_adapter(WORKDIR / "adapters", env, name="engine-adapter")
    stack.extra.append(adapter)
    cpu_before["adapter"] = cpu_seconds(adapter)
    wait_until(lambda: _all_completed(control, keys), 600, f"{n} engine jobs completed", 0.5)
    cpu = {
        "worker": cpu_seconds(worker),
        "engine": cpu_seconds(camunda),
        "adapter": cpu_seconds(adapter),
    }
    first, last, spans = _spans(control, keys)
    adapter_ms = _one_at_a_time_engine(control, sequential)
    via_engine = n / ((last - first) / 1000)
    d50, d99 = realtime.pct_ms(direct_ms, 50), realtime.pct_ms(direct_ms, 99)
    e50, e99 = realtime.pct_ms(adapter_ms, 50), realtime.pct_ms(adapter_ms, 99)
    return {
        "engine_direct_jobs_per_s": round(direct["jobs_per_s"], 1),
        "engine_adapter_jobs_per_s": round(via_engine, 1),
        "engine_ratio": round(via_engine / direct["jobs_per_s"], 3),
        "engine_bulk_activation_to_completion_p50_ms": realtime.pct_ms(spans, 50),
        "engine_bulk_activation_to_completion_p99_ms": realtime.pct_ms(spans, 99),
        "engine_direct_submit_to_result_p50_ms": d50,
        "engine_direct_submit_to_result_p99_ms": d99,
        "engine_activation_to_completion_p50_ms": e50,
        "engine_activation_to_completion_p99_ms": e99,
        "engine_added_p50_ms": round(e50 - d50, 3),
        "engine_added_p99_ms": round(e99 - d99, 3),
        "engine_invalid_requests": control.stats()["invalid"],
        # CPU per job during the bulk run (ms): where the two cores went.
        **{
            f"engine_cpu_ms_per_job_{k}": round((cpu[k] - cpu_before[k]) * 1000 / n, 3) for k in cpu
        },
    }


def cpu_seconds(service: Service) -> float:
    """User + system CPU of a process so far (from /proc; Linux)."""
    fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _all_completed(control: Camunda8Control, keys: list[str]) -> bool:
    states = {job["jobKey"]: job["state"] for job in control.jobs()}
    return all(states.get(key) == "COMPLETED" for key in keys)


def _spans(control: Camunda8Control, keys: list[str]) -> tuple[int, int, list[float]]:
    """First activation, last completion (epoch ms) and each job's activation → completion."""
    wanted = set(keys)
    firsts, lasts, spans = [], [], []
    for job in control.jobs():
        if job["jobKey"] not in wanted:
            continue
        activated = min(e["time"] for e in job["history"] if e["event"] == "activated")
        completed = max(e["time"] for e in job["history"] if e["event"] == "completed")
        firsts.append(activated)
        lasts.append(completed)
        spans.append(float(completed - activated))
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


def _one_at_a_time_engine(control: Camunda8Control, n: int) -> list[float]:
    """Create one job, wait for its completion; activation → completion from the engine's
    clock (the adapter long-polls, so it is activated as soon as it exists)."""
    took: list[float] = []
    for i in range(n + 5):
        [key] = control.create_jobs(engine_job(i))
        wait_until(lambda k=key: control.job(k)["state"] == "COMPLETED", 30, key, 0.002)
        history = control.job(key)["history"]
        activated = next(e["time"] for e in history if e["event"] == "activated")
        completed = next(e["time"] for e in history if e["event"] == "completed")
        took.append(float(completed - activated))
    return took[5:]
