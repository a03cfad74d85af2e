"""Real processes for the emulator tests: a moto S3 server and the emulator talking to it,
and a second emulator whose async results go to its built-in S3 (``--s3-builtin``).

Deliberately no ``__init__.py`` in this folder: as a package it would be named ``emulator``
and shadow the package under test.
"""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from emulator.control import EmulatorControl

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
START_TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _read_listening_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT_S)
    if not ready:
        raise TimeoutError(f"the emulator printed nothing within {START_TIMEOUT_S}s")
    line = proc.stdout.readline().strip()
    prefix = "emulator listening on "
    assert line.startswith(prefix), f"unexpected first line {line!r} (exit {proc.poll()})"
    return line[len(prefix) :]


@contextmanager
def running_emulator(*args: str, stderr: Path | None = None) -> Iterator[str]:
    """Start ``python -m emulator`` on a free port; yields its base URL. On exit, SIGTERM
    and require a clean exit, which is part of the CLI's contract. Its stderr goes to the
    file `stderr` when given, else to the test's own."""
    command = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0", *args]
    with ExitStack() as stack:
        err = None if stderr is None else stack.enter_context(stderr.open("w"))
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            base_url = _read_listening_line(proc)
            EmulatorControl(base_url).wait_healthy(START_TIMEOUT_S)
            yield base_url
        finally:
            exit_code = _stop(proc)
    assert exit_code == 0, f"the emulator exited with {exit_code} on SIGTERM"


@pytest.fixture
def start_emulator() -> Callable[..., AbstractContextManager[str]]:
    """`running_emulator`, for tests that need an emulator of their own."""
    return running_emulator


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                _stop(proc)
                raise
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def emulator_url(moto_url: str) -> Iterator[str]:
    with running_emulator("--s3-endpoint-url", moto_url, "--async-bucket", "smq-async") as url:
        yield url


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
def plain_url() -> Iterator[str]:
    """A second emulator, started with neither --s3-endpoint-url nor --s3-builtin."""
    with running_emulator() as url:
        yield url


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
def builtin_url() -> Iterator[str]:
    """An emulator started with --s3-builtin: async results land in its own S3."""
    with running_emulator("--s3-builtin", "--async-bucket", "smq-async") as url:
        yield url


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
