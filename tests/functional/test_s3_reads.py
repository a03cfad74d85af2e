"""S3 reads on the event loop (``worker/sagemaker/s3_reads.py``) against moto's S3 over HTTP:
the same answers and errors as botocore's own session, a large GetObject streamed by botocore,
and the poller's clients wired to it by ``SMQ_INVOKE_TRANSPORT``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ClientError

from producer.contract import AwsAccess
from tests.functional.conftest import BUCKET
from worker.poller import listing
from worker.sagemaker import s3_reads
from worker.sagemaker.clients import ClientCache
from worker.sagemaker.transport import BodyTooLarge, LoopTransport
from worker.settings import WorkerSettings

KEYS = [
    "plain.out",
    "with space/and more.json",
    "unicode/ünïcødé-日本語.txt",
    "plus+sign and %20 percent",
    "query?hash#amp&lt<gt>",
]


class CountingTransport(LoopTransport):
    """The real transport, counting what it was handed and what it declined."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []
        self.declined = 0

    def send(
        self, request: AWSPreparedRequest, http_session: Any, max_body: int | None = None
    ) -> AWSResponse:
        self.sent.append(request.method)
        try:
            return super().send(request, http_session, max_body)
        except BodyTooLarge:
            self.declined += 1
            raise


@pytest.fixture(scope="module")
def transport() -> Iterator[CountingTransport]:
    transport = CountingTransport()
    yield transport
    transport.close()


def s3_client(url: str) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    listing.register(client)
    return client


@pytest.fixture
def pair(moto_service: Any, transport: CountingTransport) -> tuple[Any, Any]:
    """(botocore's session, the event loop) on two clients of the same S3."""
    on_loop = s3_client(moto_service.url)
    s3_reads.register(on_loop, transport, max_body=1000)
    return s3_client(moto_service.url), on_loop


@pytest.fixture
def prefix(s3: Any) -> str:
    prefix = f"reads-{uuid.uuid4().hex[:8]}/"
    for i, key in enumerate(KEYS):
        s3.put_object(
            Bucket=BUCKET,
            Key=prefix + key,
            Body=b"x" * (i * 100),  # the first is empty
            ContentType=f"application/x-{i}",
            Metadata={"n": str(i)},
        )
    return prefix


def answer(response: dict[str, Any]) -> dict[str, Any]:
    """A parsed answer without what differs per request (request ids, dates)."""
    kept = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if "Body" in kept:
        kept["Body"] = kept["Body"].read()
    return kept


def test_reads_answer_as_botocore_session_does(
    pair: tuple[Any, Any], prefix: str, transport: CountingTransport
) -> None:
    boto, loop = pair
    before = len(transport.sent)
    for key in KEYS:
        full = prefix + key
        assert answer(loop.get_object(Bucket=BUCKET, Key=full)) == answer(
            boto.get_object(Bucket=BUCKET, Key=full)
        )
        assert answer(loop.head_object(Bucket=BUCKET, Key=full)) == answer(
            boto.head_object(Bucket=BUCKET, Key=full)
        )
    listed = answer(loop.list_objects_v2(Bucket=BUCKET, Prefix=prefix, MaxKeys=3))
    assert listed == answer(boto.list_objects_v2(Bucket=BUCKET, Prefix=prefix, MaxKeys=3))
    assert len(listed["Contents"]) == 3

    assert len(transport.sent) - before == 2 * len(KEYS) + 1  # every read went on the loop


@pytest.mark.parametrize("call", ["get_object", "head_object"])
def test_a_missing_object_raises_the_same_client_error(
    pair: tuple[Any, Any], prefix: str, call: str
) -> None:
    errors = []
    for client in pair:
        with pytest.raises(ClientError) as caught:
            getattr(client, call)(Bucket=BUCKET, Key=prefix + "absent")
        errors.append((caught.value.response["Error"], caught.value.operation_name))

    assert errors[0] == errors[1]
    assert errors[0][0]["Code"] in ("NoSuchKey", "404")


def test_a_get_longer_than_max_body_is_declined_and_streamed_by_botocore(
    pair: tuple[Any, Any], s3: Any, transport: CountingTransport
) -> None:
    _, loop = pair
    key = f"reads-{uuid.uuid4().hex[:8]}/big.out"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"y" * 5000)
    declined = transport.declined

    obj = loop.get_object(Bucket=BUCKET, Key=key)
    head = loop.head_object(Bucket=BUCKET, Key=key)  # a HEAD has no body to decline

    assert transport.declined == declined + 1
    assert obj["ContentLength"] == 5000
    assert obj["Body"].read() == b"y" * 5000
    assert head["ContentLength"] == 5000


@pytest.mark.parametrize(("setting", "on_loop"), [("event-loop", True), ("botocore", False)])
def test_the_poller_clients_read_on_the_loop_as_the_setting_says(
    moto_service: Any,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    on_loop: bool,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_service.url)
    clients = ClientCache(WorkerSettings(invoke_transport=setting))  # type: ignore[arg-type]
    counting = CountingTransport()
    if clients.transport is not None:
        clients.transport = counting
    access = AwsAccess.model_validate(
        {
            "authentication": {"type": "credentials", "accessKey": "a", "secretKey": "s"},
            "configuration": {"region": "us-east-1"},
        }
    )
    try:
        s3 = clients.s3(access)
        body = s3.get_object(Bucket=BUCKET, Key=prefix + KEYS[1])["Body"].read()
    finally:
        counting.close()

    assert body == b"x" * 100
    assert counting.sent == (["GET"] if on_loop else [])
