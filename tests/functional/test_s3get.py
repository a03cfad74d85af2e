"""The poller's lean GetObject (``worker/poller/s3get.py``): the S3 client's own request,
signature included, for a fixed clock; the same answers as the client against moto's S3 over
HTTP; everything but a 200 left to the client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from producer.contract import AwsAccess
from producer.errors import RetryableError
from tests.unit.lean_support import isolated
from worker.poller.s3check import S3Checker
from worker.poller.s3get import LeanGet
from worker.sagemaker.clients import ClientCache
from worker.settings import WorkerSettings

KEYS = [
    "out/plain.out",
    "out/with space/and more.json",
    "out/unicode/ünïcødé-日本語-😀.txt",
    "out/plus+sign and %20 percent",
    "out/query?hash#amp&lt<gt>quote\"'",
    "out/a//double//slash",
    "out/tilde~star*(parens)",
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    with isolated(monkeypatch, tmp_path):
        yield


def client(endpoint_url: str | None, region: str = "us-east-1", **options: Any) -> Any:
    """An S3 client configured as the poller's (``worker/sagemaker/clients.py``) — the test
    below checks that the service's clients are configured this way."""
    credentials = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
    credentials.update(options.pop("credentials", {}))
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(
            retries={"total_max_attempts": 3, "mode": "standard"},
            response_checksum_validation="when_required",
            **options,
        ),
        **credentials,
    )


def not_found(url: str) -> AWSResponse:
    """What a transport that never reaches the network hands back: a 404, so that the
    client's request can be captured without a server."""
    return AWSResponse(url, 404, {"content-length": "0"}, _Empty())


class _Empty:
    def read(self, *_: Any) -> bytes:
        return b""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b""


def intercepted(s3: Any, operation: str, call: Any) -> AWSPreparedRequest:
    """The request the client sends for ``operation`` in ``call()`` (caught before the
    network, answered with a 404)."""
    seen: list[AWSPreparedRequest] = []

    def grab(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        seen.append(request)
        return not_found(request.url)

    s3.meta.events.register(f"before-send.s3.{operation}", grab, unique_id="test-grab")
    try:
        call()
    except s3.exceptions.ClientError:
        pass
    finally:
        s3.meta.events.unregister(f"before-send.s3.{operation}", unique_id="test-grab")
    return seen[0]


def the_clients_request(s3: Any, bucket: str, key: str) -> AWSPreparedRequest:
    """The request the client sends for GetObject."""
    return intercepted(s3, "GetObject", lambda: s3.get_object(Bucket=bucket, Key=key))


def wire(request: AWSPreparedRequest) -> tuple[str, str, dict[str, str], bytes]:
    headers = {
        k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
    }
    return request.method, request.url, headers, request.body or b""


# (endpoint_url, region, client options): the set-ups both lean reads are held equal under
CLIENT_SETUPS: list[tuple[str | None, str, dict[str, Any]]] = [
    ("http://127.0.0.1:9000", "us-east-1", {}),  # path style, payload hashed (http)
    (None, "eu-west-1", {}),  # virtual-host style on AWS, https
    (None, "us-east-1", {"s3": {"addressing_style": "path"}}),
    (None, "ap-southeast-2", {"credentials": {"aws_session_token": "token/with+odd="}}),
    (None, "us-east-1", {"s3": {"payload_signing_enabled": False}}),
]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    ("endpoint_url", "region", "options"),
    CLIENT_SETUPS,
)
def test_the_lean_request_is_the_clients_own(
    clock: None, key: str, endpoint_url: str | None, region: str, options: dict[str, Any]
) -> None:
    s3 = client(endpoint_url, region, **options)
    lean = LeanGet()
    lean.learn(
        s3,
        "my-bucket",
        "out/first.out",
        lambda: the_clients_request(s3, "my-bucket", "out/first.out"),
    )
    template = lean.template(s3, "my-bucket")
    assert template is not None

    assert wire(lean.request(s3, template, key)) == wire(the_clients_request(s3, "my-bucket", key))


def test_a_request_the_lean_path_cannot_reproduce_is_left_to_the_client(clock: None) -> None:
    # An SSE-C read would carry customer-key headers; a checksum mode asks for validation.
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )  # botocore's default: response checksums validated when supported
    lean = LeanGet()
    lean.learn(s3, "b", "k", lambda: the_clients_request(s3, "b", "k"))

    assert lean.knows(s3, "b")
    assert lean.template(s3, "b") is None
    assert lean.knows(s3, "b")  # remembered: never learned again, never read the lean way


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"lean-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def checker() -> Iterator[S3Checker]:
    checker = S3Checker(list_max_keys=100, forbidden_as_missing=False, threads=2)
    yield checker
    checker.close()


@pytest.fixture
def poller_s3(moto_service: Any) -> Any:
    return client(moto_service.url, credentials={"aws_access_key_id": "test"})


def test_the_checker_reads_what_the_client_reads_and_learns_once(
    s3: Any, poller_s3: Any, bucket: str, checker: S3Checker
) -> None:
    for i, key in enumerate(KEYS):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * i, ContentType=f"text/x-{i}")
    plain = S3Checker(list_max_keys=100, forbidden_as_missing=False, threads=2, lean_get=False)
    sent: list[AWSPreparedRequest] = []
    http = poller_s3._endpoint.http_session
    original = http.send

    def counting(request: AWSPreparedRequest) -> Any:
        sent.append(request)
        return original(request)

    http.send = counting
    try:
        for i, key in enumerate(KEYS):
            lean = checker.fetch(poller_s3, bucket, key, cap=100, size=i)
            assert lean == plain.fetch(poller_s3, bucket, key, cap=100)
            assert lean == (b"x" * i, f"text/x-{i}", i)
    finally:
        http.send = original
        plain.close()

    # One request per read on each side: the lean side's first through the client (learning
    # the template), the other six the lean way, none asked twice.
    assert checker.requests == len(KEYS)
    assert len(sent) == 2 * len(KEYS)
    assert checker._lean is not None and checker._lean.template(poller_s3, bucket) is not None


def test_what_is_not_a_200_goes_to_the_client_and_its_errors(
    s3: Any, poller_s3: Any, bucket: str, checker: S3Checker
) -> None:
    s3.put_object(Bucket=bucket, Key="out/there.out", Body=b"{}")
    checker.fetch(poller_s3, bucket, "out/there.out", cap=100, size=2)  # learned
    before = checker.requests

    with pytest.raises(RetryableError) as caught:
        checker.fetch(poller_s3, bucket, "out/gone.out", cap=100, size=2)

    assert caught.value.code == "S3ObjectMissing"
    assert checker.requests - before == 2  # the lean GET's 404, then the client's


def test_an_object_larger_than_the_cap_is_not_read_the_lean_way(
    s3: Any, poller_s3: Any, bucket: str, checker: S3Checker
) -> None:
    s3.put_object(Bucket=bucket, Key="out/big.out", Body=b"y" * 500, ContentType="a/b")
    s3.put_object(Bucket=bucket, Key="out/small.out", Body=b"{}")
    checker.fetch(poller_s3, bucket, "out/small.out", cap=100, size=2)  # learned

    assert checker.fetch(poller_s3, bucket, "out/big.out", cap=100, size=500) == (
        None,
        "a/b",
        500,
    )


def test_the_services_s3_clients_are_configured_as_these_tests_assume(
    moto_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_service.url)
    access = AwsAccess.model_validate(
        {
            "authentication": {"type": "credentials", "accessKey": "a", "secretKey": "s"},
            "configuration": {"region": "us-east-1"},
        }
    )
    config = ClientCache(WorkerSettings()).s3(access).meta.config

    assert config.response_checksum_validation == "when_required"
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}


def test_a_bucket_whose_request_cannot_be_reproduced_costs_one_request_a_read(
    s3: Any, bucket: str, checker: S3Checker
) -> None:
    # ``s3`` has botocore's default config, which asks for response checksums: not a request
    # the lean path reproduces.
    s3.put_object(Bucket=bucket, Key="out/a.out", Body=b"{}")
    for _ in range(3):
        assert checker.fetch(s3, bucket, "out/a.out", cap=100, size=2)[0] == b"{}"

    assert checker.requests == 3


def test_an_object_grown_past_the_cap_since_its_listing_is_not_returned(
    s3: Any, poller_s3: Any, bucket: str, checker: S3Checker
) -> None:
    s3.put_object(Bucket=bucket, Key="out/small.out", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="out/grown.out", Body=b"z" * 300)
    checker.fetch(poller_s3, bucket, "out/small.out", cap=100, size=2)  # learned

    body, _, size = checker.fetch(poller_s3, bucket, "out/grown.out", cap=100, size=50)

    assert (body, size) == (None, 300)
