"""B4: thousands of pending asynchronous inferences tracked by one poller, outputs landing at
random — S3 requests per inference, landing → result latency, Redis bytes per pending one."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any, cast

from bench.stack import Stack, cpu_seconds
from ops.local import wait_until
from producer.keys import ASYNC_DUE
from producer.results import wait_for
from producer.submit import Producer

ENDPOINT = "bench-async"
BUCKET = "smq-async"


def job(stream: str, n: int) -> dict[str, Any]:
    return {
        "replyTo": stream,
        "variables": {
            "authentication": {"type": "defaultCredentialsChain"},
            "configuration": {"region": "us-east-1"},
            "input": {
                "invocationType": "ASYNC",
                "endpointName": ENDPOINT,
                "inputLocation": f"s3://{BUCKET}/inputs/{n}.json",
            },
        },
    }


def run(stack: Stack, pending: int, landing_s: float) -> dict[str, Any]:
    stream = "bench:b4"
    # Outputs are held until every inference is tracked, then land at random over landing_s:
    # all `pending` are pending at once, however long starting them took.
    stack.control.script(
        ENDPOINT,
        response={"body": {"label": "ok", "score": 0.9}, "contentType": "application/json"},
        **{"async": {"hold": True, "jitterMs": int(landing_s * 1000)}},
    )
    for i in range(2):
        stack.worker(f"b4-{i}", concurrency=32)
    # B4_POLLER_LOG_LEVEL=DEBUG: the poller's per-pass timings (poller_pass) in its log
    level = os.environ.get("B4_POLLER_LOG_LEVEL")
    poller = stack.poller("b4", **({"SMQ_LOG_LEVEL": level} if level else {}))
    base_memory = _used_memory(stack)
    s3_before = _s3_requests(stack)

    started = time.time()
    ids: list[str] = []
    producer = Producer(stack.client, stack.settings)
    for chunk in range(0, pending, 2000):
        subs = producer.submit_many(
            [job(stream, n) for n in range(chunk, min(pending, chunk + 2000))]
        )
        ids += [s.job_id for s in subs]
    wait_until(
        lambda: stack.client.zcard(ASYNC_DUE) >= pending,
        max(120.0, pending / 50),
        "every inference to be tracked",
    )
    tracked_at = time.time()
    tracked_memory = _used_memory(stack)
    stack.control.release(ENDPOINT)
    cpu_before = cpu_seconds(poller.process.pid)

    results = list(
        wait_for(
            stack.client,
            dict.fromkeys(ids, stream),
            {stream: "0-0"},
            timeout=landing_s + 300,
        )
    )
    finished_at = time.time()
    poller_cpu = cpu_seconds(poller.process.pid) - cpu_before
    entries = cast("list[tuple[str, dict[str, str]]]", stack.client.xrange(stream))
    posted_ms = {f["id"]: int(eid.split("-")[0]) for eid, f in entries}
    written = {
        o["key"].rsplit("/", 1)[-1].removesuffix(".out"): o["writtenAt"]
        for o in stack.control.s3_objects(BUCKET, f"async-output/{ENDPOINT}/")
    }
    delays = [posted_ms[i] / 1000 - written[i] for i in ids if i in posted_ms and i in written]
    requests = _s3_requests(stack) - s3_before
    stack.stop_extra()
    return {
        "b4_pending": pending,
        "b4_results": len(results),
        "b4_missing": pending - len(results),
        "b4_failed": sum(r.status != "completed" for r in results),
        "b4_track_seconds": round(tracked_at - started, 1),
        "b4_track_per_s": round(pending / (tracked_at - started), 1),
        "b4_landing_to_done_seconds": round(finished_at - tracked_at, 1),
        "b4_requests_per_inference": round(requests / max(1, len(results)), 3),
        "b4_p50_s": round(statistics.median(delays), 3),
        "b4_p95_s": round(statistics.quantiles(delays, n=20)[-1], 3),
        # the poller's CPU from the release to the last result: steadier than latency on a
        # shared machine, so a change to the poller shows here first
        "b4_poller_cpu_ms_per_result": round(1000 * poller_cpu / max(1, len(results)), 3),
        "b4_redis_bytes_per_pending": round((tracked_memory - base_memory) / pending, 1),
    }


def _used_memory(stack: Stack) -> int:
    info: Any = stack.client.info("memory")
    return int(info["used_memory"])


def _s3_requests(stack: Stack) -> int:
    s3: dict[str, int] = stack.control.stats()["s3"]
    return sum(v for k, v in s3.items() if k in ("GetObject", "HeadObject", "ListObjectsV2"))
