"""The poller's lean ListObjectsV2 (``worker/poller/s3list.py``): the S3 client's own request,
signature included, for a fixed clock; pages read as the client reads them; against moto's S3
over HTTP, the same listings with one client request per bucket; the rest left to the client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest

from producer.errors import SmqError
from tests.functional.test_s3get import CLIENT_SETUPS, client, intercepted, wire
from tests.unit.lean_support import isolated
from tests.unit.test_listing import PAGES, listed
from tests.unit.test_listing import client as parsing_client
from worker.poller.s3check import S3Checker
from worker.poller.s3list import LeanList, read

LISTING = "before-send.s3.ListObjectsV2"
PARAMS: list[dict[str, Any]] = [
    {"Prefix": "async-output/ep/", "MaxKeys": 1000},
    {"Prefix": "async-output/ep/", "MaxKeys": 1000, "StartAfter": "async-output/ep/f00d.out"},
    {"Prefix": "out/with space/ünï+code%/", "MaxKeys": 10, "StartAfter": "out/with space/~a*b"},
    {"Prefix": "", "MaxKeys": 1000, "ContinuationToken": "1ueGcxLPRx1Tr/XYExHnhbYLgv+Ds2J="},
    {"Prefix": "a&b=c?d#e/", "MaxKeys": 1},
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    with isolated(monkeypatch, tmp_path):
        yield


def the_clients_request(s3: Any, params: dict[str, Any]) -> AWSPreparedRequest:
    """The request the client sends for ListObjectsV2."""
    return intercepted(s3, "ListObjectsV2", lambda: s3.list_objects_v2(**params))


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize(
    ("endpoint_url", "region", "options"),
    CLIENT_SETUPS,
)
def test_the_lean_request_is_the_clients_own(
    clock: None,
    params: dict[str, Any],
    endpoint_url: str | None,
    region: str,
    options: dict[str, Any],
) -> None:
    s3 = client(endpoint_url, region, **options)
    lean = LeanList()
    first = {"Bucket": "my-bucket", "Prefix": "async-output/ep/", "MaxKeys": 1000}
    lean.learn(s3, first, lambda: the_clients_request(s3, first))
    template = lean.template(s3, "my-bucket")
    assert template is not None
    params = {"Bucket": "my-bucket", **params}

    assert wire(lean.request(s3, template, params)) == wire(the_clients_request(s3, params))


def test_a_request_with_a_header_the_lean_path_does_not_send_is_left_to_the_client(
    clock: None,
) -> None:
    s3 = client(None)
    lean = LeanList()
    params = {"Bucket": "b", "Prefix": "p/", "MaxKeys": 1000, "ExpectedBucketOwner": "123"}
    lean.learn(s3, params, lambda: the_clients_request(s3, params))

    assert lean.knows(s3, "b")
    assert lean.template(s3, "b") is None  # remembered: the client lists this bucket


@pytest.mark.parametrize("name", PAGES)
def test_a_page_is_read_as_the_client_reads_it_or_left_to_the_client(name: str) -> None:
    status, body = PAGES[name]
    page = read(body) if status == 200 else None
    if page is None:
        assert name not in READ  # every page the lean path should read, it reads
        return
    response = listed(parsing_client(fast=False), status, body)
    contents = response.get("Contents", [])
    assert (page.keys, page.sizes) == ([o["Key"] for o in contents], [o["Size"] for o in contents])
    assert page.token == (
        response.get("NextContinuationToken") if response["IsTruncated"] else None
    )


# Pages as S3 writes them for the poller's requests (encoding-type=url): read the lean way.
READ = {"empty", "one object", "a full page, truncated", "url-encoded keys", "common prefixes"}


def test_the_pages_the_lean_path_reads_are_read() -> None:
    assert {name for name in READ if read(PAGES[name][1]) is not None} == READ


# --- against moto's S3 over HTTP ------------------------------------------------------------
def everything(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


def test_listings_equal_the_clients_with_one_client_request_per_bucket(
    s3: Any, bucket: str, request: pytest.FixtureRequest
) -> None:
    odd = ["a b+c", "ünï/cødé", "x&y<z>", "per%cent", "tilde~", "q?h#"]
    for i, name in enumerate(odd * 4):
        s3.put_object(Bucket=bucket, Key=f"out/{i:02d}-{name}.out", Body=b"x" * i)
    through_client: list[str] = []

    def count(request: AWSPreparedRequest, **_: Any) -> None:
        if "max-keys=5" in request.url:  # not the paginator in everything()
            through_client.append(request.url)

    s3.meta.events.register(LISTING, count, unique_id="test-count")
    request.addfinalizer(lambda: s3.meta.events.unregister(LISTING, unique_id="test-count"))
    checker = S3Checker(list_max_keys=10_000, forbidden_as_missing=False, threads=4, page_keys=5)
    try:
        first = checker.list_prefix(s3, bucket, "out/", due=100)
        for _ in range(3):
            s3.put_object(Bucket=bucket, Key=f"out/{uuid.uuid4().hex}+new.out", Body=b"{}")
            listed_now = checker.list_prefix(s3, bucket, "out/", due=100)
            assert listed_now == everything(s3, bucket, "out/")
    finally:
        checker.close()

    assert first is not None and len(first) == 24
    assert len(through_client) == 1  # the one it learned from; every other page was lean
    assert checker.requests > 20  # pages of 5, in ranges: the listings took many requests


def test_an_error_goes_to_the_client_and_is_its_error(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="out/a.out", Body=b"{}")
    checker = S3Checker(list_max_keys=10_000, forbidden_as_missing=False, threads=4)
    try:
        checker.list_prefix(s3, bucket, "out/", due=100)  # learned
        s3.delete_object(Bucket=bucket, Key="out/a.out")
        s3.delete_bucket(Bucket=bucket)
        before = checker.requests

        with pytest.raises(SmqError) as caught:
            checker.list_prefix(s3, bucket, "out/", due=100)

        assert getattr(caught.value, "code", None) == "NoSuchBucket"
        assert checker.requests - before == 2  # the lean request's 404, the client's own
    finally:
        checker.close()
        s3.create_bucket(Bucket=bucket)  # for the fixture's clean-up


def test_the_client_lists_every_page_when_lean_listing_is_off(s3: Any, bucket: str) -> None:
    for i in range(12):
        s3.put_object(Bucket=bucket, Key=f"out/{i:02d}.out", Body=b"{}")
    sent: list[str] = []

    def count(request: AWSPreparedRequest, **_: Any) -> None:
        if "max-keys=5" in request.url:  # not the paginator in everything()
            sent.append(request.url)

    s3.meta.events.register(LISTING, count, unique_id="test-off")
    checker = S3Checker(
        list_max_keys=10_000, forbidden_as_missing=False, threads=4, page_keys=5, lean_list=False
    )
    try:
        for _ in range(2):
            assert checker.list_prefix(s3, bucket, "out/", due=100) == everything(
                s3, bucket, "out/"
            )
    finally:
        checker.close()
        s3.meta.events.unregister(LISTING, unique_id="test-off")

    assert len(sent) == checker.requests  # every request through the client
