"""B1 throughput, B2 added latency, B3 I/O concurrency, B5 memory: real-time jobs."""

from __future__ import annotations

import functools
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.stack import Stack, rss_mb
from producer.results import stream_tail, wait_for
from producer.submit import Producer

ENDPOINT = "bench-model"


def job(stream: str, n: int) -> dict[str, Any]:
    return {
        "replyTo": stream,
        "variables": {
            "authentication": {
                "type": "credentials",
                "accessKey": "{{secrets.BENCH_KEY}}",
                "secretKey": "{{secrets.BENCH_SECRET}}",
            },
            "configuration": {"region": "us-east-1"},
            "input": {"endpointName": ENDPOINT, "body": {"features": [n, 1.5, 2.5, 3.5]}},
        },
        "headers": {"resultVariable": "prediction"},
    }


def direct(stack: Stack, n: int, concurrency: int) -> dict[str, float]:
    """N InvokeEndpoint calls straight from boto3 threads: the ceiling the pipeline is held to."""
    client: Any = stack.boto3_runtime(concurrency)
    body = b'{"features":[1,1.5,2.5,3.5]}'
    latencies: list[float] = []
    lock = threading.Lock()

    def call(_: int) -> None:
        started = time.perf_counter()
        response = client.invoke_endpoint(
            EndpointName=ENDPOINT,
            Body=body,
            ContentType="application/json",
            Accept="application/json",
        )
        response["Body"].read()
        with lock:
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(call, range(n)))
    elapsed = time.perf_counter() - started
    return {"jobs_per_s": n / elapsed, "p50_ms": _pct(latencies, 50), "p99_ms": _pct(latencies, 99)}


def pipeline(
    stack: Stack, n: int, stream: str, *, batch_size: int | None = None
) -> dict[str, float]:
    """N jobs through producer → Redis → workers → result stream; time to the last result.
    ``batch_size``: jobs per queue message (the settings' otherwise)."""
    settings = stack.settings
    if batch_size is not None:
        settings = settings.model_copy(update={"batch_size": batch_size})
    producer = Producer(stack.client, settings)
    cursor = stream_tail(stack.client, stream)
    started = time.perf_counter()
    ids: list[str] = []
    for chunk in range(0, n, 2000):
        subs = producer.submit_many([job(stream, i) for i in range(chunk, min(n, chunk + 2000))])
        ids += [s.job_id for s in subs if s.enqueued]
    pending = dict.fromkeys(ids, stream)
    results = list(wait_for(stack.client, pending, {stream: cursor}, timeout=600, new=ids))
    elapsed = time.perf_counter() - started
    failed = sum(r.status != "completed" for r in results)
    return {"jobs_per_s": len(results) / elapsed, "results": len(results), "failed": failed}


def added_latency(
    stack: Stack, n: int, stream: str, floor: Callable[[], float]
) -> dict[str, float]:
    """One job at a time: enqueue → result, against one direct call at a time and against
    ``floor`` (Celery's own round trip); the three in turn, in a rotating order, so that they
    see the same machine and none always follows the same one."""
    client: Any = stack.boto3_runtime(1)
    producer = Producer(stack.client, stack.settings)

    def direct_ms() -> float:
        started = time.perf_counter()
        client.invoke_endpoint(EndpointName=ENDPOINT, Body=b"{}", ContentType="application/json")[
            "Body"
        ].read()
        return (time.perf_counter() - started) * 1000

    def pipeline_ms(i: int) -> float:
        cursor = stream_tail(stack.client, stream)
        started = time.perf_counter()
        [sub] = producer.submit_many([job(stream, i)])
        new = {sub.job_id}  # enqueued after the cursor: nothing stored to look up
        list(wait_for(stack.client, {sub.job_id: stream}, {stream: cursor}, timeout=30, new=new))
        return (time.perf_counter() - started) * 1000

    samples: dict[str, list[float]] = {"direct": [], "pipeline": [], "floor": []}
    order = list(samples)
    for i in range(n + 5):  # the first rounds open connections and warm up: not counted
        measure: dict[str, Callable[[], float]] = {
            "direct": direct_ms,
            "pipeline": functools.partial(pipeline_ms, i),
            "floor": floor,
        }
        for name in order[i % 3 :] + order[: i % 3]:
            time.sleep(0.002)  # the previous one's tail (ack, task events) is over
            samples[name].append(measure[name]())
    direct, pipeline, floor_ms = (samples[k][5:] for k in order)
    d50, d99 = pct_ms(direct, 50), pct_ms(direct, 99)
    p50, p99 = pct_ms(pipeline, 50), pct_ms(pipeline, 99)
    return {
        "direct_p50_ms": d50,
        "direct_p99_ms": d99,
        "pipeline_p50_ms": p50,
        "pipeline_p99_ms": p99,
        "added_p50_ms": p50 - d50,
        "added_p99_ms": p99 - d99,
        "celery_noop_p50_ms": pct_ms(floor_ms, 50),
        "celery_noop_p99_ms": pct_ms(floor_ms, 99),
    }


class Sampler(threading.Thread):
    """Reads a gauge every ``interval`` seconds while a benchmark runs (once more at stop)."""

    def __init__(self, read: Callable[[], float], interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self._read = read
        self._interval = interval
        self.samples: list[float] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self._interval):
            self.samples.append(self._read())

    def stop(self) -> list[float]:
        self._stop_event.set()
        self.join()
        self.samples.append(self._read())
        return self.samples


def rss_sampler(service: Any) -> Sampler:
    """Resident memory of a worker (with its children) in MB."""
    return Sampler(lambda: rss_mb(service), 0.2)


def in_flight_sampler(control: Any) -> Sampler:
    """Real-time calls the emulator is serving at once."""
    return Sampler(lambda: float(control.stats()["inFlight"]))


def busy_mean_and_peak(samples: list[float]) -> tuple[float, float]:
    """Mean over the samples with calls in flight (ramp-up and tail included), and the peak."""
    busy = [n for n in samples if n] or [0.0]
    return round(statistics.fmean(busy), 1), max(busy)


def _pct(values_s: list[float], pct: float) -> float:
    return pct_ms([v * 1000 for v in values_s], pct)


def pct_ms(values_ms: list[float], pct: float) -> float:
    if len(values_ms) == 1:
        return round(values_ms[0], 3)
    return round(statistics.quantiles(values_ms, n=100, method="inclusive")[int(pct) - 1], 3)
