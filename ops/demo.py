"""``make demo``: the whole service on this machine, with sample jobs, until Ctrl-C.

Redis: ``SMQ_REDIS_URL`` if set, else a local redis-server (or the embedded one).
SageMaker: the local emulator, unless ``SMQ_DEMO_USE_AWS=1`` (then boto3's own credentials
and endpoints, and the sample endpoint names must exist in your account).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from types import FrameType

from emulator.control import EmulatorControl
from ops.local import (
    ROOT,
    Service,
    start_emulator,
    start_flower,
    start_poller,
    start_redis,
    start_worker,
)
from producer.connection import connect
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from worker.settings import WorkerSettings

WORKDIR = ROOT / ".demo"
EXAMPLES = ["camunda-job.json", "csv-job.json", "model-error-job.json", "async-job.json"]
DEMO_SECRETS = {"SECRET_AWS_ACCESS_KEY": "AKIADEMODEMODEMO", "SECRET_AWS_SECRET_KEY": "demo-secret"}


def say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


def start_services(services: list[Service]) -> dict[str, str]:
    """Start what is missing; return the environment the workers run with."""
    # Flower's JSON API is closed without auth; the demo binds it to 127.0.0.1 only.
    env = {**DEMO_SECRETS, "FLOWER_UNAUTHENTICATED_API": "true"}
    redis_url = os.environ.get("SMQ_REDIS_URL")
    if not redis_url:
        redis = start_redis(WORKDIR / "redis")
        services.append(redis)
        redis_url = redis.url
        say(f"redis-server started at {redis_url}")
    env["SMQ_REDIS_URL"] = redis_url
    if os.environ.get("SMQ_DEMO_USE_AWS") != "1":
        emulator = start_emulator(WORKDIR / "emulator", s3_builtin=True)
        services.append(emulator)
        script_emulator(EmulatorControl(emulator.url))
        env.update(
            AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=emulator.url,
            AWS_ENDPOINT_URL_S3=emulator.url,  # the emulator's built-in S3, for async
            SMQ_STAGING_S3_URI="s3://smq-async/staging",
            AWS_ACCESS_KEY_ID="demo",
            AWS_SECRET_ACCESS_KEY="demo",  # noqa: S106 - the emulator accepts anything
            AWS_EC2_METADATA_DISABLED="true",
        )
        say(f"SageMaker emulator at {emulator.url} (no AWS needed)")
    for name in ("w1", "w2"):
        services.append(start_worker(WORKDIR / "workers", env, name=name))
    say("2 worker processes ready (threads pool)")
    services.append(start_poller(WORKDIR / "pollers", env))
    say("async poller running")
    flower = start_flower(WORKDIR / "flower", env)
    services.append(flower)
    say(f"Flower at {flower.url}  (metrics: {flower.url}/metrics)")
    return env


def script_emulator(control: EmulatorControl) -> None:
    """Give the sample endpoints model-like answers (unscripted endpoints echo)."""
    control.script(
        "churn-classifier",
        latencyMs=40,
        response={
            "body": {"predictions": [{"churn": True, "score": 0.83}]},
            "contentType": "application/json; charset=utf-8",
        },
    )
    control.script(
        "iris-xgboost",
        latencyMs=20,
        response={"body": "0.02,0.11,0.87\n0.01,0.04,0.95\n", "contentType": "text/csv"},
    )
    control.script(
        "document-summarizer",
        response={
            "body": {"summary": "Revenue up, churn down.", "words": 4},
            "contentType": "application/json",
        },
        **{"async": {"delayMs": 1500}},
    )
    control.script(
        "broken-model",
        errors={
            "code": "ModelError",
            "message": "shape mismatch: expected 4 features",
            "originalStatusCode": 400,
        },
    )


def run_samples(redis_url: str) -> None:
    settings = WorkerSettings(redis_url=redis_url)
    redis = connect(settings)
    documents = [json.loads((ROOT / "examples" / name).read_text()) for name in EXAMPLES]
    cursor = stream_tail(redis, settings.result_stream)
    submissions = Producer(redis, settings).submit_many(documents)
    for sub, name in zip(submissions, EXAMPLES, strict=True):
        say(
            f"submitted examples/{name} as job {sub.job_id}"
            + ("" if sub.enqueued else " (already done)")
        )
    pending = {s.job_id: settings.result_stream for s in submissions}
    for result in wait_for(redis, pending, {settings.result_stream: cursor}, timeout=60):
        say(f"result for {result.id}: {result.status}")
        print(json.dumps(result.model_dump(by_alias=True), indent=2), flush=True)


def main() -> int:
    services: list[Service] = []
    stopping = False

    def stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        env = start_services(services)
        run_samples(env["SMQ_REDIS_URL"])
        redis_url = env["SMQ_REDIS_URL"]
        say(f"try: SMQ_REDIS_URL={redis_url} .venv/bin/smq submit examples/csv-job.json --wait")
        say("Ctrl-C (or SIGTERM) stops every process the demo started")
        while not stopping and all(s.alive() for s in services):
            time.sleep(0.2)
    finally:
        for service in reversed(services):
            service.stop()
        say(f"stopped {len(services)} processes; logs in {WORKDIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
