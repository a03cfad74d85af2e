"""``python -m bench [--quick] [--only b1,b2,b3,b4,engine]``: a table, and .bench/latest.json."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import realtime
from bench.stack import WORKDIR, cpu_seconds, machine, stack, tree_cpu_seconds
from bench.targets import Target, judge_all

# Issue 16: where a limit of this machine is measured beside the figure (Celery's no-op round
# trip, boto3 alone in one process), the target is a multiple of it, taken in the same run.
TARGETS = {
    "b1_ratio": Target(">=", 0.9),
    "b2_p50_ms": Target("<=", 1.5, of="b2_celery_noop_p50_ms"),
    "b2_p99_ms": Target("<=", 15.0),
    "b3_ratio_to_direct": Target(">=", 0.8),
    "b3_cpu_ms_per_job": Target("<=", 1.25, of="b3_direct_cpu_ms_per_call"),
    "b4_requests_per_inference": Target("<=", 1.5),
    "b4_p95_s": Target("<=", 1.0),
    "b4_redis_bytes_per_pending": Target("<=", 1024.0),
    "b4_missing": Target("<=", 0),  # every inference completed
    "b4_failed": Target("<=", 0),
    "b4_seconds": Target("<=", 15 * 60),
    "b5_rss_mb": Target("<=", 200.0),
    "engine_ratio": Target(">=", 0.8),
    "engine_added_p50_ms": Target("<=", 10.0),
    "engine7_ratio": Target(">=", 0.8),
    "engine7_added_p50_ms": Target("<=", 10.0),
}


def b1(params: dict[str, Any]) -> dict[str, Any]:
    n, c, rounds = params["b1_jobs"], params["concurrency"], params["b1_rounds"]
    direct, piped = _Totals(), _Totals()
    with stack() as s:
        s.control.script(realtime.ENDPOINT, latencyMs=params["b1_latency_ms"])
        per_worker = c // params["b1_workers"]
        for i in range(params["b1_workers"]):
            s.worker(f"b1-{i}", concurrency=per_worker)
        realtime.pipeline(s, min(200, n), "bench:warmup")
        failed = 0
        # Alternating rounds, as in B3: both sides see the same machine.
        for r in range(rounds):
            size = n // rounds
            with direct.measure(os.getpid(), size):
                realtime.direct(s, size, c)
            with piped.measure(os.getpid(), size):
                failed += int(realtime.pipeline(s, size, f"bench:b1:{r}")["failed"])
    return {
        "b1_direct_jobs_per_s": direct.per_second(),
        "b1_pipeline_jobs_per_s": piped.per_second(),
        "b1_ratio": round(piped.per_second() / direct.per_second(), 3),
        "b1_failed": failed,
    }


def b2(params: dict[str, Any]) -> dict[str, Any]:
    from bench import floor

    with stack() as s:
        s.worker("b2", concurrency=8, extra=["-I", "bench.floor"])
        figures = realtime.added_latency(
            s,
            params["b2_jobs"],
            "bench:b2",
            # Celery's path alone: a task that only answers on a stream, same broker and app.
            floor=lambda: floor.round_trip_ms(s.client, s.settings.queue, "bench:b2:ping"),
        )
    return {
        "b2_p50_ms": round(figures["added_p50_ms"], 3),
        "b2_p99_ms": round(figures["added_p99_ms"], 3),
        **{f"b2_{k}": v for k, v in figures.items() if not k.startswith("added")},
    }


def b3(params: dict[str, Any]) -> dict[str, Any]:
    """One worker process, 100 ms endpoint: jobs/s and CPU per job against boto3 alone in one
    process; then the other pools (their jobs/s, CPU and memory beside the default's)."""
    out: dict[str, Any] = {}
    n, rounds = params["b3_jobs"], params["b3_rounds"]
    default = ("threads", params["default_concurrency"])
    with stack() as s:
        s.control.script(realtime.ENDPOINT, latencyMs=100)
        # The ceiling, boto3 alone in one process (this one: no Celery, no Redis), and the
        # default worker, measured in alternating rounds so that both see the same machine
        # (its speed drifts by tens of percent over a minute here).
        worker = s.worker("b3-default", concurrency=default[1])
        direct = _Totals()
        piped = _Totals()
        rss = realtime.rss_sampler(worker)
        in_flight = realtime.in_flight_sampler(s.control)
        for r in range(rounds):
            size = n // rounds
            with direct.measure(os.getpid(), size):
                realtime.direct(s, size, params["b3_direct_concurrency"])
            if r == 0:
                rss.start()
                in_flight.start()
            with piped.measure(worker.process.pid, size, children=True):
                realtime.pipeline(s, size, f"bench:b3:{r}")
        peak_rss = max(rss.stop())
        calls_mean, calls_peak = realtime.busy_mean_and_peak(in_flight.stop())
        s.stop_extra()
        out["b3_direct_one_process_jobs_per_s"] = direct.per_second()
        # botocore's client side of a call, with its thread pool's hand-offs.
        out["b3_direct_cpu_ms_per_call"] = direct.cpu_ms()
        key = "-".join(map(str, default))
        out[f"b3_{key}_jobs_per_s"] = piped.per_second()
        out[f"b3_{key}_cpu_ms_per_job"] = piped.cpu_ms()
        out[f"b3_{key}_in_flight_mean"] = calls_mean
        out[f"b3_{key}_in_flight_peak"] = calls_peak
        out[f"b3_{key}_rss_mb"] = round(peak_rss, 1)
        for pool, concurrency in params["b3_pools"]:
            if (pool, concurrency) == default:
                continue
            out.update(_other_pool(s, pool, concurrency, n))
    out["b3_jobs_per_s"] = out[f"b3_{key}_jobs_per_s"]
    out["b3_ratio_to_direct"] = round(
        out["b3_jobs_per_s"] / out["b3_direct_one_process_jobs_per_s"], 3
    )
    out["b3_cpu_ms_per_job"] = out[f"b3_{key}_cpu_ms_per_job"]
    out["b5_rss_mb"] = out[f"b3_{key}_rss_mb"]
    return out


class _Totals:
    """Wall time, CPU (of a process and its pool children, from /proc) and count over several
    measured blocks."""

    def __init__(self) -> None:
        self.seconds = self.cpu = 0.0
        self.count = 0

    @contextlib.contextmanager
    def measure(self, pid: int, count: int, *, children: bool = False) -> Iterator[None]:
        """``children``: a worker's pool processes count too (not for this bench process,
        whose children are the whole stack)."""
        read = tree_cpu_seconds if children else cpu_seconds
        cpu, started = read(pid), time.perf_counter()
        yield
        self.seconds += time.perf_counter() - started
        self.cpu += read(pid) - cpu
        self.count += count

    def per_second(self) -> float:
        return round(self.count / self.seconds, 1)

    def cpu_ms(self) -> float:
        return round(self.cpu * 1000 / self.count, 3)


def _other_pool(s: Any, pool: str, concurrency: int, n: int) -> dict[str, Any]:
    worker = s.worker(f"b3-{pool}-{concurrency}", pool=pool, concurrency=concurrency)
    rss = realtime.rss_sampler(worker)
    in_flight = realtime.in_flight_sampler(s.control)
    rss.start()
    in_flight.start()
    totals = _Totals()
    with totals.measure(worker.process.pid, n, children=True):
        realtime.pipeline(s, n, f"bench:b3:{pool}:{concurrency}")
    peak_rss = max(rss.stop())
    calls_mean, calls_peak = realtime.busy_mean_and_peak(in_flight.stop())
    s.stop_extra()
    key = f"b3_{pool}-{concurrency}"
    return {
        f"{key}_jobs_per_s": totals.per_second(),
        f"{key}_cpu_ms_per_job": totals.cpu_ms(),
        f"{key}_in_flight_mean": calls_mean,
        f"{key}_in_flight_peak": calls_peak,
        f"{key}_rss_mb": round(peak_rss, 1),
    }


def b4(params: dict[str, Any]) -> dict[str, Any]:
    from bench import asynchronous

    with stack(s3_builtin=True) as s:
        return asynchronous.run(s, params["b4_pending"], params["b4_landing_s"])


def engine(params: dict[str, Any]) -> dict[str, Any]:
    from bench import engine as round_trip

    with stack() as s:
        return round_trip.run(s, params)


SUITES = {"b1": b1, "b2": b2, "b3": b3, "b4": b4, "engine": engine}


def parameters(quick: bool) -> dict[str, Any]:
    pools = [("threads", 8), ("threads", 64), ("threads", 128), ("prefork", 8)]
    return {
        "concurrency": 32,
        "default_concurrency": 64,
        "b1_jobs": 1000 if quick else 6000,
        "b1_workers": 2,
        "b1_rounds": 3,  # direct and pipeline alternate, b1_jobs / b1_rounds each time
        "b1_latency_ms": 20,
        "b2_jobs": 50 if quick else 300,
        "b3_jobs": 1200 if quick else 6000,
        "b3_rounds": 3,  # direct and pipeline alternate, b3_jobs / b3_rounds each time
        "b3_pools": pools[1:2] if quick else pools,
        # enough threads for 640 calls/s at 100 ms: the ceiling is CPU, not concurrency
        "b3_direct_concurrency": 64,
        "b4_pending": 10_000 if quick else 100_000,
        "b4_landing_s": 60 if quick else 300,
        "engine_jobs": 500 if quick else 2000,
        "engine_sequential": 50 if quick else 200,
        "engine_latency_ms": 20,
        "engine_kinds": ["camunda8", "camunda7"],  # the round trips of --only engine
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small N: under a minute or two")
    parser.add_argument("--only", default="b1,b2,b3,b4,engine", help="comma-separated suites")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=JSON", help="override a parameter"
    )
    parser.add_argument("--out", default=str(WORKDIR.parent / "latest.json"), help="report path")
    args = parser.parse_args(argv)
    params = parameters(args.quick)
    for item in args.set:
        key, _, value = item.partition("=")
        params[key] = json.loads(value)
    figures: dict[str, Any] = {}
    for name in args.only.split(","):
        started = time.monotonic()
        figures.update(SUITES[name.strip()](params))
        figures[f"{name}_seconds"] = round(time.monotonic() - started, 1)
        print_table(figures)
    judged = judge_all(TARGETS, figures)
    report = {
        "machine": {
            **machine(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": {
            p: importlib.metadata.version(p)
            for p in ("celery", "kombu", "redis", "boto3", "botocore")
        },
        "parameters": params,
        "figures": figures,
        "targets": judged,
        "met": all(entry["met"] for entry in judged.values()),
        **{k: figures[k] for k in TARGETS if k in figures},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwritten {out}")
    return 0


def print_table(figures: dict[str, Any]) -> None:
    """Every figure; a targeted one with its target, its bound in this run and whether it held."""
    judged = judge_all(TARGETS, figures)
    print(f"\n{'figure':<34} {'value':>12}  {'target':<50} {'bound':>10}  met")
    for key, value in figures.items():
        entry = judged.get(key)
        verdict = ""
        if entry is not None:
            ratio = f" ({entry['ratio']:g}x)" if entry.get("ratio") is not None else ""
            verdict = (
                f"{entry['target'] + ratio:<50} {entry['bound']:>10g}  "
                f"{'met' if entry['met'] else 'MISSED'}"
            )
        print(f"{key:<34} {value!s:>12}  {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
