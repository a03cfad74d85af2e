"""The poller's S3 listing against moto's S3 over HTTP: ranges listed side by side answer
exactly what one listing page after page would, as objects come and go.

Pages of 10 keys (ranges of 9) stand in for S3's 1,000 (ranges of 900), so a few dozen
objects exercise what 100,000 do in production.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from producer.errors import SmqError
from worker.poller.s3check import S3Checker

PAGE = 10


@pytest.fixture
def checker() -> Iterator[S3Checker]:
    checker = S3Checker(list_max_keys=10_000, forbidden_as_missing=False, threads=4, page_keys=PAGE)
    yield checker
    checker.close()


def put(s3: Any, bucket: str, names: list[str], body: bytes = b"{}") -> None:
    for name in names:
        s3.put_object(Bucket=bucket, Key=f"out/{name}", Body=body)


def everything(s3: Any, bucket: str) -> dict[str, int]:
    """What boto3's own paginator lists under the prefix."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="out/")
    return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


def names(n: int) -> list[str]:
    return [f"{uuid.uuid4().hex}.out" for _ in range(n)]


def test_ranges_list_what_a_paginated_listing_does_as_objects_land_and_go(
    s3: Any, bucket: str, checker: S3Checker
) -> None:
    put(s3, bucket, names(45))
    first = checker.list_prefix(s3, bucket, "out/", due=100)  # page after page: 5 requests
    assert first == everything(s3, bucket)

    rng = random.Random(7)
    for _ in range(4):
        put(s3, bucket, names(rng.randint(1, 12)), body=b"[1, 2]")
        for key in rng.sample(sorted(everything(s3, bucket)), 3):
            s3.delete_object(Bucket=bucket, Key=key)

        listed = checker.list_prefix(s3, bucket, "out/", due=100)

        assert listed == everything(s3, bucket)
        assert list(listed) == sorted(listed)  # ranges come back in key order


def test_a_listing_in_ranges_takes_one_request_per_range_while_none_has_grown_past_a_page(
    s3: Any, bucket: str, checker: S3Checker
) -> None:
    put(s3, bucket, names(45))  # 5 ranges of 9
    checker.list_prefix(s3, bucket, "out/", due=100)
    before = checker.requests

    listed = checker.list_prefix(s3, bucket, "out/", due=100)

    assert listed is not None and len(listed) == 45
    assert checker.requests - before == 5


def test_a_range_that_grew_past_a_page_is_followed_to_its_end(
    s3: Any, bucket: str, checker: S3Checker
) -> None:
    put(s3, bucket, [f"m{i:02d}.out" for i in range(18)])  # ranges (…, m08], (m08, …)
    checker.list_prefix(s3, bucket, "out/", due=100)
    put(s3, bucket, [f"a{i:02d}.out" for i in range(25)])  # all in the first range

    listed = checker.list_prefix(s3, bucket, "out/", due=100)

    assert listed == everything(s3, bucket)
    assert listed is not None and len(listed) == 43


def test_a_prefix_past_list_max_keys_falls_back_to_head_checks(s3: Any, bucket: str) -> None:
    checker = S3Checker(list_max_keys=30, forbidden_as_missing=False, threads=4, page_keys=PAGE)
    try:
        put(s3, bucket, names(25))
        assert checker.list_prefix(s3, bucket, "out/", due=100) is not None
        put(s3, bucket, names(10))

        assert checker.list_prefix(s3, bucket, "out/", due=100) is None  # listed in ranges
        assert checker.list_prefix(s3, bucket, "out/", due=100) is None  # remembered
    finally:
        checker.close()


def test_a_listing_error_is_translated_whichever_range_meets_it(
    s3: Any, bucket: str, checker: S3Checker
) -> None:
    put(s3, bucket, names(30))
    checker.list_prefix(s3, bucket, "out/", due=100)
    for key in everything(s3, bucket):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)

    with pytest.raises(SmqError) as caught:
        checker.list_prefix(s3, bucket, "out/", due=100)

    assert getattr(caught.value, "code", None) == "NoSuchBucket"
    s3.create_bucket(Bucket=bucket)  # for the fixture's clean-up
