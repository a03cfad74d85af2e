"""The emulator's built-in S3, through an unmodified boto3 S3 client (path-style addressing).

Tests taking ``any_s3`` run on the built-in S3 and on moto's: those are the S3 behaviours the
poller and the staging step rely on (object round trip, missing objects, listing pages,
prefixes, odd keys, ranges), held to the same answers on both.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ODD_KEYS = [
    "with space/and more spaces.json",
    "unicode/ünïcødé-日本語-😀.txt",
    "plus+sign and %20 literal percent",
    "query?hash#amp&lt<gt>quote\"'",
    "a//double//slash",
    "/leading-slash",
    "tilde~star*(parens)",
]


def put_raw(url: str, bucket: str, keys: list[str], body: bytes = b"x") -> None:
    """PUT many objects over one keep-alive connection: much faster than boto3 for setup."""
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    try:
        for key in keys:
            connection.request("PUT", f"/{bucket}/{quote(key)}", body=body)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, key
    finally:
        connection.close()


def list_all(s3: S3Client, bucket: str, **params: object) -> tuple[list[str], list[int]]:
    """(every key, the size of each page) through boto3's own ListObjectsV2 paginator."""
    keys: list[str] = []
    page_sizes: list[int] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, **params):
        contents = page.get("Contents", [])
        assert page["KeyCount"] == len(contents)
        keys.extend(item["Key"] for item in contents)
        page_sizes.append(len(contents))
    return keys, page_sizes


def error_of(call, **params) -> dict:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return {
        **caught.value.response["Error"],
        "status": caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
    }


def test_put_get_head_delete_round_trip(any_s3, any_bucket):
    body = b'{"score": 0.97}'

    put = any_s3.put_object(
        Bucket=any_bucket,
        Key="results/job-1.json",
        Body=body,
        ContentType="application/json",
        Metadata={"job": "job-1"},
    )
    got = any_s3.get_object(Bucket=any_bucket, Key="results/job-1.json")
    head = any_s3.head_object(Bucket=any_bucket, Key="results/job-1.json")

    etag = f'"{hashlib.md5(body).hexdigest()}"'
    assert put["ETag"] == etag
    assert got["Body"].read() == body
    for answer in (got, head):
        assert answer["ContentType"] == "application/json"
        assert answer["ContentLength"] == len(body)
        assert answer["ETag"] == etag
        assert abs(answer["LastModified"].timestamp() - time.time()) < 60
        assert answer["Metadata"] == {"job": "job-1"}

    any_s3.delete_object(Bucket=any_bucket, Key="results/job-1.json")

    gone = error_of(any_s3.head_object, Bucket=any_bucket, Key="results/job-1.json")
    assert gone["Code"] == "404"


def test_put_without_content_type_stores_s3s_default(builtin_s3, bucket):
    builtin_s3.put_object(Bucket=bucket, Key="raw", Body=b"\x00\x01")

    assert builtin_s3.head_object(Bucket=bucket, Key="raw")["ContentType"] == "binary/octet-stream"


def test_missing_objects_answer_as_s3_does(any_s3, any_bucket):
    get = error_of(any_s3.get_object, Bucket=any_bucket, Key="missing")
    head = error_of(any_s3.head_object, Bucket=any_bucket, Key="missing")

    # GET has an XML error body; HEAD has none, so botocore's code is the status number.
    assert (get["Code"], get["status"], get["Key"]) == ("NoSuchKey", 404, "missing")
    assert (head["Code"], head["status"]) == ("404", 404)
    # Deleting what is not there succeeds, as in S3.
    status = any_s3.delete_object(Bucket=any_bucket, Key="missing")["ResponseMetadata"]
    assert status["HTTPStatusCode"] == 204


def test_missing_bucket_answers_no_such_bucket(builtin_s3):
    put = error_of(builtin_s3.put_object, Bucket="no-such-bucket", Key="k", Body=b"")
    listing = error_of(builtin_s3.list_objects_v2, Bucket="no-such-bucket")
    head = error_of(builtin_s3.head_bucket, Bucket="no-such-bucket")

    assert (put["Code"], put["status"]) == ("NoSuchBucket", 404)
    assert listing["Code"] == "NoSuchBucket"
    assert head["Code"] == "404"


def test_create_bucket_is_idempotent(builtin_s3, bucket):
    builtin_s3.put_object(Bucket=bucket, Key="kept", Body=b"1")

    again = builtin_s3.create_bucket(Bucket=bucket)

    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert again["Location"] == f"/{bucket}"
    builtin_s3.head_bucket(Bucket=bucket)
    assert builtin_s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"1"


def test_pagination_returns_every_key_once_in_order(any_url, any_s3, any_bucket):
    keys = [f"out/{i:05d}.json" for i in range(2500)]
    put_raw(any_url, any_bucket, keys[::-1])  # written in reverse: the order is the store's

    listed, page_sizes = list_all(any_s3, any_bucket, PaginationConfig={"PageSize": 1000})

    assert listed == keys
    assert page_sizes == [1000, 1000, 500]


def test_list_objects_v2_page_fields(any_url, any_s3, any_bucket):
    put_raw(any_url, any_bucket, ["a", "b", "c"], body=b"12345")

    first = any_s3.list_objects_v2(Bucket=any_bucket, MaxKeys=2)
    second = any_s3.list_objects_v2(
        Bucket=any_bucket, MaxKeys=2, ContinuationToken=first["NextContinuationToken"]
    )

    assert (first["IsTruncated"], first["KeyCount"], first["MaxKeys"]) == (True, 2, 2)
    assert [item["Key"] for item in first["Contents"]] == ["a", "b"]
    item = first["Contents"][0]
    assert item["Size"] == 5
    assert item["ETag"] == f'"{hashlib.md5(b"12345").hexdigest()}"'
    assert abs(item["LastModified"].timestamp() - time.time()) < 60
    assert second["IsTruncated"] is False
    assert "NextContinuationToken" not in second
    assert [item["Key"] for item in second["Contents"]] == ["c"]


def test_a_listing_after_an_overwrite_or_delete_shows_the_object_as_it_is_now(any_s3, any_bucket):
    # The built-in S3 renders each object's listing element once: a write or a delete must
    # replace it.
    for key in ("k 1", "k 2"):
        any_s3.put_object(Bucket=any_bucket, Key=key, Body=b"12345")
    any_s3.list_objects_v2(Bucket=any_bucket)  # rendered and kept
    any_s3.put_object(Bucket=any_bucket, Key="k 1", Body=b"123")
    any_s3.delete_object(Bucket=any_bucket, Key="k 2")
    any_s3.put_object(Bucket=any_bucket, Key="k 3", Body=b"1")

    listed = any_s3.list_objects_v2(Bucket=any_bucket)["Contents"]

    assert [(o["Key"], o["Size"]) for o in listed] == [("k 1", 3), ("k 3", 1)]
    assert listed[0]["ETag"] == f'"{hashlib.md5(b"123").hexdigest()}"'


def test_the_plain_and_the_url_encoded_listing_are_kept_apart(builtin_url, builtin_s3, bucket):
    # botocore always asks for encoding-type=url; a listing without it must not reuse those.
    put_raw(builtin_url, bucket, ["k 1"])
    encoded = builtin_s3.list_objects_v2(Bucket=bucket)["Contents"]
    plain = urllib.request.urlopen(f"{builtin_url}/{bucket}?list-type=2").read().decode()
    again = urllib.request.urlopen(f"{builtin_url}/{bucket}?list-type=2&encoding-type=url")

    assert [o["Key"] for o in encoded] == ["k 1"]
    assert "<Key>k 1</Key>" in plain
    assert "<Key>k%201</Key>" in again.read().decode()


def test_the_builtin_s3_echoes_the_continuation_token(builtin_url, builtin_s3, bucket):
    # As AWS does (moto does not; nothing of ours reads it).
    put_raw(builtin_url, bucket, ["a", "b", "c"])
    first = builtin_s3.list_objects_v2(Bucket=bucket, MaxKeys=2)

    token = first["NextContinuationToken"]
    second = builtin_s3.list_objects_v2(Bucket=bucket, MaxKeys=2, ContinuationToken=token)

    assert second["ContinuationToken"] == token


def test_prefix_start_after_and_delimiter(any_url, any_s3, any_bucket):
    put_raw(any_url, any_bucket, ["in/1", "out/a/1", "out/a/2", "out/b/1", "out/c", "outer"])

    by_prefix, _ = list_all(any_s3, any_bucket, Prefix="out/")
    after, _ = list_all(any_s3, any_bucket, Prefix="out/", StartAfter="out/a/2")
    folders = any_s3.list_objects_v2(Bucket=any_bucket, Prefix="out/", Delimiter="/")
    empty = any_s3.list_objects_v2(Bucket=any_bucket, Prefix="nothing/")

    assert by_prefix == ["out/a/1", "out/a/2", "out/b/1", "out/c"]
    assert after == ["out/b/1", "out/c"]
    assert [item["Key"] for item in folders["Contents"]] == ["out/c"]
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["out/a/", "out/b/"]
    assert folders["KeyCount"] == 3
    assert (empty["KeyCount"], "Contents" in empty) == (0, False)


def test_keys_with_spaces_unicode_and_reserved_characters(any_s3, any_bucket):
    for key in ODD_KEYS:
        any_s3.put_object(Bucket=any_bucket, Key=key, Body=key.encode())

    bodies = {key: any_s3.get_object(Bucket=any_bucket, Key=key)["Body"].read() for key in ODD_KEYS}
    listed, _ = list_all(any_s3, any_bucket)
    by_prefix, _ = list_all(any_s3, any_bucket, Prefix="plus+sign and %20")

    assert bodies == {key: key.encode() for key in ODD_KEYS}
    assert listed == sorted(ODD_KEYS, key=lambda key: key.encode())
    assert by_prefix == ["plus+sign and %20 literal percent"]


def test_ranged_get(any_s3, any_bucket):
    any_s3.put_object(Bucket=any_bucket, Key="digits", Body=b"0123456789")

    middle = any_s3.get_object(Bucket=any_bucket, Key="digits", Range="bytes=2-4")
    tail = any_s3.get_object(Bucket=any_bucket, Key="digits", Range="bytes=-3")
    beyond = error_of(any_s3.get_object, Bucket=any_bucket, Key="digits", Range="bytes=20-")

    assert middle["Body"].read() == b"234"
    assert middle["ContentRange"] == "bytes 2-4/10"
    assert middle["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert tail["Body"].read() == b"789"
    assert beyond["Code"] == "InvalidRange"


def test_wrong_content_md5_is_refused(builtin_s3, bucket):
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()

    refused = error_of(builtin_s3.put_object, Bucket=bucket, Key="k", Body=b"x", ContentMD5=wrong)

    assert (refused["Code"], refused["status"]) == ("BadDigest", 400)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("list_buckets", {}),
        ("list_objects", {"Bucket": "{bucket}"}),
        ("delete_bucket", {"Bucket": "{bucket}"}),
        ("get_object_tagging", {"Bucket": "{bucket}", "Key": "k"}),
        ("copy_object", {"Bucket": "{bucket}", "Key": "k2", "CopySource": "{bucket}/k"}),
        ("create_multipart_upload", {"Bucket": "{bucket}", "Key": "k"}),
        ("delete_objects", {"Bucket": "{bucket}", "Delete": {"Objects": [{"Key": "k"}]}}),
    ],
)
def test_other_operations_answer_not_implemented(builtin_s3, bucket, operation, params):
    filled = {
        name: value.format(bucket=bucket) if isinstance(value, str) else value
        for name, value in params.items()
    }

    refused = error_of(getattr(builtin_s3, operation), **filled)

    assert (refused["Code"], refused["status"]) == ("NotImplemented", 501)
    assert "ListObjectsV2" in refused["Message"]


def test_stats_count_requests_per_operation_on_one_connection(builtin_s3, builtin_control, bucket):
    builtin_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    before = builtin_control.s3_stats()

    for _ in range(3):
        builtin_s3.get_object(Bucket=bucket, Key="k")["Body"].read()
    builtin_s3.head_object(Bucket=bucket, Key="k")
    builtin_s3.list_objects_v2(Bucket=bucket)
    builtin_s3.put_object(Bucket=bucket, Key="k2", Body=b"v")
    builtin_s3.delete_object(Bucket=bucket, Key="k2")
    error_of(builtin_s3.list_buckets)

    after = builtin_control.s3_stats()
    delta = {name: after[name] - before[name] for name in after}
    assert delta == {
        "CreateBucket": 0,
        "HeadBucket": 0,
        "PutObject": 1,
        "GetObject": 3,
        "HeadObject": 1,
        "DeleteObject": 1,
        "ListObjectsV2": 1,
        "NotImplemented": 1,
        "connections": 0,  # the client's connection was already counted by the first PUT
    }


def test_objects_record_when_they_were_written(builtin_s3, builtin_control, bucket):
    before = time.time()
    builtin_s3.put_object(Bucket=bucket, Key="out/1", Body=b"abc", ContentType="text/plain")
    builtin_s3.put_object(Bucket=bucket, Key="out/2", Body=b"")
    builtin_s3.put_object(Bucket=bucket, Key="other", Body=b"")
    after = time.time()

    objects = builtin_control.s3_objects(bucket, prefix="out/")

    assert [(o["key"], o["size"]) for o in objects] == [("out/1", 3), ("out/2", 0)]
    assert objects[0]["contentType"] == "text/plain"
    assert before <= objects[0]["writtenAt"] <= objects[1]["writtenAt"] <= after


def test_endpoint_reset_keeps_s3_and_s3_reset_empties_it(
    builtin_url, builtin_s3, builtin_control, bucket
):
    builtin_s3.put_object(Bucket=bucket, Key="k", Body=b"v")

    builtin_control.reset()
    kept = builtin_control.s3_objects(bucket)
    builtin_control.s3_reset()

    assert [o["key"] for o in kept] == ["k"]
    assert builtin_control.s3_objects(bucket) == []
    builtin_s3.head_bucket(Bucket=bucket)  # buckets stay
    with urllib.request.urlopen(f"{builtin_url}/_emulator/s3") as response:
        buckets = {b["name"]: b["objects"] for b in json.load(response)["buckets"]}
    assert buckets[bucket] == 0
    assert "smq-async" in buckets


def test_runtime_and_s3_share_the_port(builtin_runtime, builtin_s3, bucket, endpoint):
    builtin_s3.put_object(Bucket=bucket, Key="k", Body=b"stored")

    answer = builtin_runtime.invoke_endpoint(EndpointName=endpoint, Body=b"echoed")

    assert answer["Body"].read() == b"echoed"
    assert builtin_s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"stored"
