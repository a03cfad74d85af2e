"""``python -m bench.ab NAME:ENV=VALUE[,ENV=VALUE] ...``: worker settings side by side (B3's shape).

``BATCH=N`` among a side's settings submits its jobs N per queue message (the producer's
``SMQ_BATCH_SIZE``; the worker takes any).

Each round runs boto3 alone, then one worker per configuration in turn, on one stack, so every
side sees the same machine (its speed drifts by tens of percent over a minute here); a change
lands with these figures beside it (issue 16). Example::

    python -m bench.ab loop:SMQ_INVOKE_TRANSPORT=event-loop boto:SMQ_INVOKE_TRANSPORT=botocore
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench import realtime
from bench.stack import cpu_seconds, stack, tree_cpu_seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab")
    parser.add_argument("configs", nargs="+", help="NAME:ENV=VALUE[,ENV=VALUE] (NAME: for none)")
    parser.add_argument("--jobs", type=int, default=3000, help="per side and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=64, help="worker threads")
    args = parser.parse_args(argv)
    configs = {}
    for spec in args.configs:
        name, _, env = spec.partition(":")
        configs[name] = dict(kv.split("=", 1) for kv in env.split(",") if kv)
    figures: dict[str, list[tuple[float, float]]] = {"boto3": [], **{n: [] for n in configs}}
    n = args.jobs
    with stack() as s:
        s.control.script(realtime.ENDPOINT, latencyMs=args.latency_ms)
        for r in range(args.rounds):
            cpu, started = cpu_seconds(os.getpid()), time.perf_counter()
            realtime.direct(s, n, 64)
            figures["boto3"].append(_per(n, started, cpu_seconds(os.getpid()) - cpu))
            for name, env in configs.items():
                worker_env = {k: v for k, v in env.items() if k != "BATCH"}
                batch = int(env["BATCH"]) if "BATCH" in env else None
                worker = s.worker(f"ab-{name}-{r}", concurrency=args.concurrency, **worker_env)
                realtime.pipeline(s, 300, f"bench:ab:warm:{name}:{r}", batch_size=batch)
                cpu, started = tree_cpu_seconds(worker.process.pid), time.perf_counter()
                realtime.pipeline(s, n, f"bench:ab:{name}:{r}", batch_size=batch)
                used = tree_cpu_seconds(worker.process.pid) - cpu
                figures[name].append(_per(n, started, used))
                s.stop_extra()
    print(f"{'side':<12} {'jobs/s (rounds)':<24} {'CPU ms/job (rounds)':<26} median")
    for name, rows in figures.items():
        rates = " ".join(f"{rate:.0f}" for rate, _ in rows)
        cpus = " ".join(f"{ms:.3f}" for _, ms in rows)
        rate, ms = statistics.median(r for r, _ in rows), statistics.median(m for _, m in rows)
        print(f"{name:<12} {rates:<24} {cpus:<26} {rate:.0f}/s {ms:.3f} ms")


def _per(n: int, started: float, cpu: float) -> tuple[float, float]:
    return n / (time.perf_counter() - started), cpu * 1000 / n


if __name__ == "__main__":
    main()
