"""Unit tests for the built-in S3's store and wire helpers: no processes, no sockets."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from emulator.s3 import ObjectUnreadable
from emulator.s3api import split_path
from emulator.s3store import Bucket, BuiltinStore, MemoryS3, etag_of, stored_object
from emulator.s3wire import decode_aws_chunked


def filled(keys: list[str]) -> Bucket:
    bucket = Bucket("b")
    for key in keys:
        bucket.put(key, stored_object(b"", "text/plain", etag_of(b"")))
    return bucket


def every_page(bucket: Bucket, prefix: str = "", max_keys: int = 1000, **options: str):
    start_at = ""
    while True:
        listing = bucket.page(prefix, max_keys, start_at=start_at, **options)
        yield listing
        if listing.resume_at is None:
            return
        start_at = listing.resume_at


def test_pages_of_20000_keys_cover_each_key_once_in_order_and_fast():
    keys = [f"async-output/ep/{i:06d}.out" for i in range(20_000)]
    shuffled = random.sample(keys, len(keys))
    bucket = filled(shuffled)

    started = time.perf_counter()
    pages = list(every_page(bucket, prefix="async-output/"))
    elapsed = time.perf_counter() - started

    assert [key for page in pages for key in page.keys] == keys
    assert [len(page.keys) for page in pages] == [1000] * 20
    # Bisect plus a walk over the page: well under a millisecond a page (a full sort per
    # page would be tens of milliseconds). Generous for slow CI machines.
    assert elapsed < 0.5


def test_a_narrow_prefix_in_a_big_bucket_reads_only_its_keys():
    bucket = filled([f"{folder}/{i:05d}" for folder in "abcdefghij" for i in range(2000)])

    (page,) = every_page(bucket, prefix="e/01")

    assert page.keys == [f"e/{i:05d}" for i in range(1000, 2000)]


def test_delete_and_overwrite_keep_keys_sorted_and_unique():
    bucket = filled(["c", "a", "b", "a"])

    bucket.delete("b")
    bucket.delete("missing")
    bucket.put("b2", stored_object(b"x", "text/plain", etag_of(b"x")))

    (page,) = every_page(bucket)
    assert page.keys == ["a", "b2", "c"]


def test_after_is_exclusive_and_start_at_inclusive():
    bucket = filled(["a", "b", "c"])

    assert bucket.page("", 10, after="a").keys == ["b", "c"]
    assert bucket.page("", 10, start_at="b").keys == ["b", "c"]
    assert bucket.page("", 10, after="bb").keys == ["c"]


def test_delimiter_rolls_keys_up_into_common_prefixes_across_pages():
    bucket = filled(["x/1", "x/2", "y", "z/1/1", "z/1/2", "z/2"])

    pages = list(every_page(bucket, max_keys=2, delimiter="/"))

    assert [(page.keys, page.common_prefixes) for page in pages] == [
        (["y"], ["x/"]),
        ([], ["z/"]),
    ]


def test_max_keys_zero_is_an_empty_untruncated_page():
    listing = filled(["a"]).page("", 0)

    assert (listing.keys, listing.resume_at) == ([], None)


def test_wipe_empties_buckets_but_keeps_them():
    s3 = MemoryS3()
    s3.create_bucket("b").put("k", stored_object(b"", "text/plain", etag_of(b"")))

    s3.wipe()

    bucket = s3.bucket("b")
    assert bucket is not None
    assert bucket.objects == {}
    assert s3.objects_document(bucket, "") == []


def test_builtin_store_reads_and_writes_by_uri():
    s3 = MemoryS3()
    store = BuiltinStore(s3)

    async def scenario() -> bytes:
        await store.ensure_bucket("out")
        await store.put("s3://out/a/b.json", b"{}", "application/json")
        return await store.get("s3://out/a/b.json")

    assert asyncio.run(scenario()) == b"{}"
    with pytest.raises(ObjectUnreadable, match="NoSuchKey"):
        asyncio.run(store.get("s3://out/missing"))
    with pytest.raises(ObjectUnreadable, match="NoSuchBucket"):
        asyncio.run(store.get("s3://nowhere/k"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/bucket", ("bucket", "")),
        ("/bucket/", ("bucket", "")),
        ("/bucket/a/b.json", ("bucket", "a/b.json")),
        ("/bucket/with%20space%2Bplus", ("bucket", "with space+plus")),
        ("/bucket/caf%C3%A9/%F0%9F%98%80", ("bucket", "café/😀")),
        ("/bucket//leading", ("bucket", "/leading")),
        ("/bucket/literal+plus", ("bucket", "literal+plus")),
    ],
)
def test_split_path_decodes_keys_as_utf8(path, expected):
    assert split_path(path) == expected


def test_aws_chunked_bodies_are_unframed():
    body = (
        b"5;chunk-signature=abc\r\nhello\r\n"
        b"6;chunk-signature=def\r\n world\r\n"
        b"0;chunk-signature=ghi\r\n"
        b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    )

    assert decode_aws_chunked(body) == b"hello world"
    with pytest.raises(ValueError):
        decode_aws_chunked(b"ff\r\ntoo short\r\n")
