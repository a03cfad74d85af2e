"""Throughput check: how many small calls per second the emulator answers.

    python -m emulator.loadcheck                      # spawns an emulator on a free port
    python -m emulator.loadcheck --url http://127.0.0.1:8080 --calls 20000 --threads 16
    python -m emulator.loadcheck --mode raw --threads 1000 --calls 5000 --latency-ms 1000
    python -m emulator.loadcheck --mode s3 --processes 2
    python -m emulator.loadcheck --mode s3-raw --threads 16

``--mode boto3`` (default) drives real boto3 clients from threads, so it measures what a
worker pool can get out of the emulator; boto3's per-call cost in the client usually bounds
it. ``--mode raw`` sends the same InvokeEndpoint request from asyncio connections with a
minimal hand-written client, which leaves the emulator as the bottleneck. ``--mode s3`` and
``--mode s3-raw`` do the same against the built-in S3, alternating GetObject and HeadObject
over 100 small objects. Not a test: it prints a number for the benchmark notes.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import urlsplit

from emulator.control import EmulatorControl

ENDPOINT = "loadcheck"
BODY = b'{"inputs": [0.1, 0.2, 0.3]}'
BUCKET = "loadcheck"
OBJECTS = 100
MODES = ("boto3", "raw", "s3", "s3-raw")


def _key(i: int) -> str:
    return f"outputs/{i % OBJECTS:04d}.json"


def _boto3_calls(url: str, calls: int, threads: int, barrier: Barrier) -> tuple[int, float, float]:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="loadcheck",
        aws_secret_access_key="loadcheck",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=threads),
    )

    def invoke(count: int) -> int:
        for _ in range(count):
            response = client.invoke_endpoint(
                EndpointName=ENDPOINT, Body=BODY, ContentType="application/json"
            )
            response["Body"].read()
        return count

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(invoke, [1] * threads))  # warm up: connections and botocore caches
        barrier.wait()
        started = time.monotonic()
        done = sum(pool.map(invoke, _shares(calls, threads)))
    client.close()
    return done, started, time.monotonic()


def _s3_calls(url: str, calls: int, threads: int, barrier: Barrier) -> tuple[int, float, float]:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="loadcheck",
        aws_secret_access_key="loadcheck",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"total_max_attempts": 1},
            max_pool_connections=threads,
        ),
    )

    def read(count: int) -> int:
        for i in range(count):
            if i % 2:
                client.head_object(Bucket=BUCKET, Key=_key(i))
            else:
                client.get_object(Bucket=BUCKET, Key=_key(i))["Body"].read()
        return count

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(read, [2] * threads))  # warm up: connections and botocore caches
        barrier.wait()
        started = time.monotonic()
        done = sum(pool.map(read, _shares(calls, threads)))
    client.close()
    return done, started, time.monotonic()


def _raw_requests(mode: str, host: str, port: int) -> list[tuple[bytes, bool]]:
    """The requests a raw connection cycles through, each with "the answer has a body"."""
    if mode == "raw":
        request = (
            f"POST /endpoints/{ENDPOINT}/invocations HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
        ).encode() + BODY
        return [(request, True)]
    return [
        (f"{method} /{BUCKET}/{_key(i)} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode(), has_body)
        for i in range(OBJECTS)
        for method, has_body in (("GET", True), ("HEAD", False))
    ]


def _raw_calls(
    mode: str, url: str, calls: int, connections: int, barrier: Barrier
) -> tuple[int, float, float]:
    host, port = urlsplit(url).hostname or "127.0.0.1", urlsplit(url).port or 80
    requests = _raw_requests(mode, host, port)

    async def connection(count: int) -> int:
        reader, writer = await asyncio.open_connection(host, port)
        for i in range(count):
            request, has_body = requests[i % len(requests)]
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ", 1)[1].split(b"\r\n", 1)[0])
            if has_body:
                await reader.readexactly(length)
        writer.close()
        return count

    async def run() -> tuple[int, float, float]:
        barrier.wait()
        started = time.monotonic()
        done = await asyncio.gather(*(connection(n) for n in _shares(calls, connections)))
        return sum(done), started, time.monotonic()

    return asyncio.run(run())


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _process(
    mode: str,
    url: str,
    calls: int,
    threads: int,
    barrier: Barrier,
    results: multiprocessing.Queue[tuple[int, float, float]],
) -> None:
    if mode in ("boto3", "s3"):
        run = _boto3_calls if mode == "boto3" else _s3_calls
        results.put(run(url, calls, threads, barrier))
    else:
        results.put(_raw_calls(mode, url, calls, threads, barrier))


def measure(mode: str, url: str, calls: int, threads: int, processes: int) -> tuple[int, float]:
    """(calls answered, wall seconds) for `calls` spread over processes x threads."""
    barrier = multiprocessing.Barrier(processes)
    results: multiprocessing.Queue[tuple[int, float, float]] = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(
            target=_process, args=(mode, url, share, threads, barrier, results), daemon=True
        )
        for share in _shares(calls, processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    done = sum(outcome[0] for outcome in outcomes)
    wall = max(outcome[2] for outcome in outcomes) - min(outcome[1] for outcome in outcomes)
    return done, wall


def _seed(url: str) -> None:
    """The bucket and objects the S3 modes read, written over one keep-alive connection."""
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    try:
        for path in [f"/{BUCKET}", *(f"/{BUCKET}/{_key(i)}" for i in range(OBJECTS))]:
            connection.request("PUT", path, body=BODY, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"seeding {path} answered {response.status}")
    finally:
        connection.close()


def _connections_used(mode: str, stats: dict[str, Any]) -> int:
    if mode.startswith("s3"):
        return int(stats["s3"]["connections"])
    return int(stats["invocationConnections"])


@contextmanager
def _emulator(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    command = [sys.executable, "-m", "emulator", "--port", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        yield proc.stdout.readline().strip().rsplit(" ", 1)[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.loadcheck", description=__doc__)
    parser.add_argument("--url", help="a running emulator; default: spawn one")
    parser.add_argument("--mode", choices=MODES, default="boto3")
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8, help="threads (raw: connections)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0, help="scripted per-call latency")
    args = parser.parse_args(argv)
    # Exit through the finally blocks on SIGTERM too, so a spawned emulator is not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with _emulator(args.url) as url:
        control = EmulatorControl(url)
        control.wait_healthy()
        control.script(ENDPOINT, latencyMs=args.latency_ms)
        if args.mode.startswith("s3"):
            _seed(url)
        before = control.stats()
        done, wall = measure(args.mode, url, args.calls, args.threads, args.processes)
        after = control.stats()
    connections = _connections_used(args.mode, after) - _connections_used(args.mode, before)
    what = "GetObject/HeadObject" if args.mode.startswith("s3") else "echo"
    print(
        f"{args.mode}: {done} {what} calls in {wall:.2f}s = {done / wall:,.0f} calls/s "
        f"({args.processes} process(es) x {args.threads} threads/connections, "
        f"{connections} connections used, {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
