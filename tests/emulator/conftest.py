"""Real processes for the emulator tests: a moto S3 server and the emulator talking to it,
and a second emulator whose async results go to its built-in S3 (``--s3-builtin``).

Deliberately no ``__init__.py`` in this folder: as a package it would be named ``emulator``
and shadow the package under test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from emulator.control import EmulatorControl
from ops.local import Service, start_emulator, start_moto

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

REGION = "us-east-1"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
START_TIMEOUT_S = 20.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is an emulator test (``make emulator``, ``-m emulator``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.emulator)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulator")


@contextmanager
def running_emulator(workdir: Path, *args: str) -> Iterator[Service]:
    """``python -m emulator`` on a free port (started by ops.local, as demo and bench do). On
    exit, SIGTERM and require a clean exit, which is part of the CLI's contract."""
    service = start_emulator(workdir, extra=list(args))
    try:
        EmulatorControl(service.url).wait_healthy(START_TIMEOUT_S)
        yield service
    finally:
        exit_code = service.stop()
    assert exit_code == 0, f"the emulator exited with {exit_code} on SIGTERM"


@pytest.fixture
def start_emulator_process(tmp_path: Path) -> Callable[..., AbstractContextManager[Service]]:
    """`running_emulator`, for tests that need an emulator of their own."""
    return lambda *args: running_emulator(tmp_path, *args)


@pytest.fixture(scope="module")
def moto_url(workdir: Path) -> Iterator[str]:
    service = start_moto(workdir)
    yield service.url
    service.stop()


@pytest.fixture(scope="module")
def emulator_url(workdir: Path, moto_url: str) -> Iterator[str]:
    with running_emulator(
        workdir, "--s3-endpoint-url", moto_url, "--async-bucket", "smq-async"
    ) as service:
        yield service.url


@pytest.fixture(scope="module")
def control(emulator_url: str) -> EmulatorControl:
    return EmulatorControl(emulator_url)


@pytest.fixture
def endpoint() -> str:
    """A fresh endpoint name per test, so module-scoped processes need no reset between tests."""
    return f"ep-{uuid.uuid4().hex[:12]}"


def _runtime_client(url: str) -> SageMakerRuntimeClient:
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name=REGION,
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=200),
        **DUMMY_CREDENTIALS,
    )


@pytest.fixture
def runtime(emulator_url: str) -> Iterator[SageMakerRuntimeClient]:
    client = _runtime_client(emulator_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def plain_url(workdir: Path) -> Iterator[str]:
    """A second emulator, started with neither --s3-endpoint-url nor --s3-builtin."""
    with running_emulator(workdir) as service:
        yield service.url


@pytest.fixture(scope="module")
def runtime_without_s3(plain_url: str) -> Iterator[SageMakerRuntimeClient]:
    client = _runtime_client(plain_url)
    yield client
    client.close()


@pytest.fixture
def s3(moto_url: str) -> Iterator[S3Client]:
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}),
        **DUMMY_CREDENTIALS,
    )
    yield client
    client.close()


@pytest.fixture(scope="module")
def builtin_url(workdir: Path) -> Iterator[str]:
    """An emulator started with --s3-builtin: async results land in its own S3."""
    with running_emulator(workdir, "--s3-builtin", "--async-bucket", "smq-async") as service:
        yield service.url


@pytest.fixture(scope="module")
def builtin_control(builtin_url: str) -> EmulatorControl:
    return EmulatorControl(builtin_url)


def _s3_client(url: str) -> S3Client:
    """A plain boto3 S3 client; path-style, as any S3 on a local URL needs."""
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
        **DUMMY_CREDENTIALS,
    )


@pytest.fixture
def builtin_s3(builtin_url: str) -> Iterator[S3Client]:
    """A boto3 S3 client for the emulator's built-in S3."""
    client = _s3_client(builtin_url)
    yield client
    client.close()


@pytest.fixture
def make_s3_client() -> Iterator[Callable[[str], S3Client]]:
    """Path-style boto3 S3 clients for any emulator URL, closed after the test."""
    clients: list[S3Client] = []

    def make(url: str) -> S3Client:
        clients.append(_s3_client(url))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def builtin_runtime(builtin_url: str) -> Iterator[SageMakerRuntimeClient]:
    client = _runtime_client(builtin_url)
    yield client
    client.close()


@pytest.fixture
def bucket(builtin_s3: S3Client) -> str:
    """A fresh bucket of the built-in S3, so tests sharing the emulator do not meet."""
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    builtin_s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["builtin", "moto"])
def any_url(request: pytest.FixtureRequest) -> str:
    """The built-in S3 and moto's: the behaviours the service relies on are tested on both,
    so the fast built-in one (benchmarks, demo) cannot drift from what moto checks."""
    url: str = request.getfixturevalue("builtin_url" if request.param == "builtin" else "moto_url")
    return url


@pytest.fixture
def any_s3(any_url: str) -> Iterator[S3Client]:
    client = _s3_client(any_url)
    yield client
    client.close()


@pytest.fixture
def any_bucket(any_s3: S3Client) -> str:
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    any_s3.create_bucket(Bucket=name)
    return name
