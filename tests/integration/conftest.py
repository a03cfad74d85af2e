"""Real parts: a redis-server, the SageMaker emulator over HTTP, Celery worker processes.

Started once per test session. Each test isolates itself with its own endpoint name and
result stream, so tests share the processes without sharing outcomes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from emulator.control import EmulatorControl
from ops.local import Service, start_emulator, start_moto, start_redis, start_worker
from producer.connection import RedisClient, connect
from producer.contract import Result
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from worker.settings import WorkerSettings as Settings

# Known secret values: the suite asserts they never show up in logs or results.
STAGING_BUCKET = "smq-staging"
SECRETS = {"AWS_ACCESS_KEY": "AKIATESTACCESSKEY1", "AWS_SECRET_KEY": "tEsT-sEcReT-kEy-0123456789"}


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def redis_service(stack_dir: Path) -> Iterator[Service]:
    service = start_redis(stack_dir / "redis")
    yield service
    service.stop()


@pytest.fixture(scope="session")
def moto_service(stack_dir: Path) -> Iterator[Service]:
    """S3 over HTTP for asynchronous inference (moto's server)."""
    service = start_moto(stack_dir / "moto")
    yield service
    service.stop()


@pytest.fixture(scope="session")
def s3(moto_service: Service) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=moto_service.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=STAGING_BUCKET)
    return client


@pytest.fixture(scope="session")
def emulator_service(stack_dir: Path, moto_service: Service) -> Iterator[Service]:
    service = start_emulator(stack_dir / "emulator", s3_url=moto_service.url)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def emulator(emulator_service: Service) -> EmulatorControl:
    return EmulatorControl(emulator_service.url)


@pytest.fixture(scope="session")
def worker_env(
    redis_service: Service, emulator_service: Service, moto_service: Service
) -> dict[str, str]:
    env = {
        "SMQ_REDIS_URL": redis_service.url,
        "SMQ_STAGING_S3_URI": f"s3://{STAGING_BUCKET}/inline",
        "AWS_ENDPOINT_URL_S3": moto_service.url,
        # A fast poller, so tests wait for outcomes, not backoff.
        "SMQ_ASYNC_POLL_INTERVAL": "0.2",
        "SMQ_ASYNC_BACKOFF_INITIAL": "0.3",
        "SMQ_ASYNC_BACKOFF_MAX": "1.0",
        "SMQ_ASYNC_CLAIM_SECONDS": "4",
        "SMQ_LOG_FORMAT": "json",
        "SMQ_VISIBILITY_TIMEOUT": "30",
        "SMQ_READ_TIMEOUT": "10",
        # boto3 reads these itself: jobs without configuration.endpoint reach the emulator.
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": emulator_service.url,
        "AWS_ACCESS_KEY_ID": "chain-access-key",
        "AWS_SECRET_ACCESS_KEY": "chain-secret-key",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update({f"SECRET_{k}": v for k, v in SECRETS.items()})
    return env


@pytest.fixture(scope="session")
def worker(stack_dir: Path, worker_env: dict[str, str]) -> Iterator[Service]:
    service = start_worker(stack_dir / "workers", worker_env, name="main", concurrency=8)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def settings(redis_service: Service) -> Settings:
    return Settings(redis_url=redis_service.url)


@pytest.fixture(scope="session")
def redis_client(settings: Settings) -> RedisClient:
    return connect(settings)


@pytest.fixture(scope="session")
def producer(redis_client: RedisClient, settings: Settings) -> Producer:
    return Producer(redis_client, settings)


@pytest.fixture
def endpoint() -> str:
    """A fresh endpoint name: the emulator keeps scripts and counts per name."""
    return f"ep-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def stream() -> str:
    return f"test:results:{uuid.uuid4().hex[:12]}"


def make_job(endpoint: str, stream: str, **input_fields: Any) -> dict[str, Any]:
    """A Camunda-shaped job: variables as the connector template binds them."""
    return {
        "replyTo": stream,
        "variables": {
            "authentication": {
                "type": "credentials",
                "accessKey": "{{secrets.AWS_ACCESS_KEY}}",
                "secretKey": "{{secrets.AWS_SECRET_KEY}}",
            },
            "configuration": {"region": "us-east-1"},
            "input": {
                "invocationType": "SYNC",
                "endpointName": endpoint,
                "body": {"features": [1, 2, 3]},
                **input_fields,
            },
        },
        "headers": {"resultVariable": "prediction", "retryBackoff": "PT1S"},
        "correlation": {"processInstanceKey": 2251799813685249, "elementId": "Score"},
    }


@pytest.fixture
def run_jobs(
    worker: Service, producer: Producer, redis_client: RedisClient
) -> Callable[..., list[Result]]:
    """Submit jobs (all to the same stream) and wait for their results."""

    def run(*jobs: dict[str, Any], timeout: float = 30.0) -> list[Result]:
        streams = {job.get("replyTo") or producer_stream(producer) for job in jobs}
        cursors = {s: stream_tail(redis_client, s) for s in streams}
        subs = producer.submit_many(list(jobs))
        pending = {
            s.job_id: (j.get("replyTo") or producer_stream(producer))
            for s, j in zip(subs, jobs, strict=True)
        }
        results = list(wait_for(redis_client, pending, cursors, timeout=timeout))
        assert len(results) == len(jobs), f"only {len(results)} of {len(jobs)} results arrived"
        return results

    return run


def producer_stream(producer: Producer) -> str:
    return producer.settings.result_stream


@pytest.fixture(scope="session")
def cli_env(worker_env: dict[str, str]) -> dict[str, str]:
    """Environment for running ``smq`` as a subprocess against the test Redis."""
    return {**os.environ, "SMQ_REDIS_URL": worker_env["SMQ_REDIS_URL"]}
