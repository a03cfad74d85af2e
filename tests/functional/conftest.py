"""In-process tests of a job's whole path: the runner and the poller called as functions,
against a real redis-server, with boto3 clients injected (a botocore ``Stubber`` for the
SageMaker runtime, moto's S3 server over HTTP). A failure here names the function that
broke, not "the worker log said nothing".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from ops.local import Service, start_moto, start_redis
from producer.connection import RedisClient, connect
from producer.submit import Producer
from worker.publish import GroupPoster
from worker.runner import JobRunner
from worker.secrets import Secrets
from worker.settings import WorkerSettings
from worker.store import JobStore

BUCKET = "functional"
SECRETS = {
    "SECRET_AWS_ACCESS_KEY": "AKIAFUNCTIONALKEY1",
    "SECRET_AWS_SECRET_KEY": "fUnC-sEcReT-0123",
}


@pytest.fixture(scope="session")
def redis_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_redis(tmp_path_factory.mktemp("redis"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def moto_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_moto(tmp_path_factory.mktemp("moto"))
    yield service
    service.stop()


@pytest.fixture
def settings(redis_service: Service) -> WorkerSettings:
    return WorkerSettings(
        redis_url=redis_service.url,
        staging_s3_uri=f"s3://{BUCKET}/inline",
        result_stream=f"functional:{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def redis(settings: WorkerSettings) -> RedisClient:
    return connect(settings)


@pytest.fixture
def producer(redis: RedisClient, settings: WorkerSettings) -> Producer:
    return Producer(redis, settings)


class Clients:
    """Stands in for ``ClientCache``: the same client whatever the job's credentials."""

    transport = None  # calls made from the job's thread (a Stubber sees no event loop)

    def __init__(self, runtime: Any, s3: Any) -> None:
        self._runtime, self._s3 = runtime, s3
        self.access: list[Any] = []  # the resolved access each call was made with

    def runtime(self, access: Any, read_timeout: float | None = None) -> Any:
        self.access.append(access)
        return self._runtime

    def s3(self, access: Any) -> Any:
        self.access.append(access)
        return self._s3


@pytest.fixture
def runtime() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "sagemaker-runtime",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture(scope="session")
def s3(moto_service: Service) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=moto_service.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    """A bucket of this test's own, emptied and deleted after it."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for o in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=o["Key"])
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def clients(runtime: tuple[Any, Stubber], s3: Any) -> Clients:
    return Clients(runtime[0], s3)


@pytest.fixture
def store(redis: RedisClient, settings: WorkerSettings) -> JobStore:
    return JobStore(redis, settings.job_ttl_seconds)


@pytest.fixture
def runner(store: JobStore, settings: WorkerSettings, clients: Clients) -> JobRunner:
    poster = GroupPoster(store.redis, settings)
    return JobRunner(
        store, settings, clients=clients, secrets=Secrets("SECRET_", SECRETS), poster=poster
    )


def job(endpoint: str = "churn", **input_fields: Any) -> dict[str, Any]:
    """A Camunda-shaped job whose credentials are secrets placeholders."""
    return {
        "id": f"f-{uuid.uuid4().hex[:12]}",
        "variables": {
            "authentication": {
                "type": "credentials",
                "accessKey": "{{secrets.AWS_ACCESS_KEY}}",
                "secretKey": "{{secrets.AWS_SECRET_KEY}}",
            },
            "configuration": {"region": "us-east-1"},
            "input": {"endpointName": endpoint, "body": {"x": [1, 2]}, **input_fields},
        },
        "headers": {"resultVariable": "prediction", "retryBackoff": "PT2S"},
        "correlation": {"elementId": "Score"},
    }
