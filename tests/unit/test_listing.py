"""The poller's ListObjectsV2 parse (worker/poller/listing.py) against botocore's.

Given the same page from S3, when one client parses it with the fast handler and one
without, then the responses are equal — every envelope field, and each object's Key (URL-
decoded or XML-unescaped as botocore does) and Size — and anything the handler does not
know (an error in a 200, an error status, an odd element) is parsed by botocore alone.
"""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError
from urllib3.response import HTTPResponse

from worker.poller import listing

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def obj(key: str, size: int, extra: str = "") -> str:
    return (
        f"<Contents><Key>{key}</Key><LastModified>2026-12-01T12:00:00.000Z</LastModified>"
        f"<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag>"
        f"<ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType>"
        f"<Size>{size}</Size><StorageClass>STANDARD</StorageClass>{extra}</Contents>"
    )


def page(
    objects: list[str],
    *,
    truncated: bool = False,
    encoding: str | None = "url",
    prefix: str = "async-output/ep/",
    extra: str = "",
    decl: bool = True,
) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if decl else ""
    token = "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
    token = f"<NextContinuationToken>{token}</NextContinuationToken>"
    return (
        f"{head}<ListBucketResult {NS}><Name>smq-async</Name><Prefix>{prefix}</Prefix>"
        f"<KeyCount>{len(objects)}</KeyCount><MaxKeys>1000</MaxKeys>"
        + (f"<EncodingType>{encoding}</EncodingType>" if encoding else "")
        + f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
        + (token if truncated else "")
        + "".join(objects)
        + extra
        + "</ListBucketResult>"
    ).encode()


PAGES: dict[str, tuple[int, bytes]] = {
    "empty": (200, page([])),
    "one object": (200, page([obj("async-output/ep/a1b2.out", 31)])),
    "a full page, truncated": (
        200,
        page([obj(f"async-output/ep/{i:032x}.out", i) for i in range(1000)], truncated=True),
    ),
    "url-encoded keys": (
        200,
        page(
            [obj("async-output/ep/a%20b%2Bc%26d.out", 1), obj("async-output/ep/%E6%9D%B1.out", 2)]
        ),
    ),
    "xml-escaped keys, no encoding type": (
        200,
        page([obj("k&amp;1&lt;2&gt;&quot;q&quot;&apos;s", 3), obj("cr&#13;lf", 4)], encoding=None),
    ),
    "owner and restore status": (
        200,
        page(
            [
                obj(
                    "k1",
                    9,
                    "<Owner><ID>abc</ID><DisplayName>me</DisplayName></Owner>"
                    "<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus>",
                )
            ]
        ),
    ),
    "common prefixes": (
        200,
        page([obj("p/k", 1)], extra="<CommonPrefixes><Prefix>p/sub%2F/</Prefix></CommonPrefixes>"),
    ),
    "pretty-printed, no declaration": (
        200,
        page([obj("k\n", 5).replace("><", ">\n  <")], decl=False),
    ),
    "a page cut short": (200, page([obj(f"k{i}", i) for i in range(5)])[:-200]),
    "an error inside a 200": (
        200,
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
        b"<Message>We encountered an internal error.</Message></Error>",
    ),
    "access denied": (
        403,
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        b"<Message>Access Denied</Message></Error>",
    ),
    "no such bucket": (
        404,
        b"<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
        b"<BucketName>smq-async</BucketName></Error>",
    ),
}


def client(fast: bool) -> Any:
    session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b")
    s3 = session.client(
        "s3", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    if fast:
        listing.register(s3)
    return s3


def answer(status: int, body: bytes) -> Any:
    def send(request: Any) -> AWSResponse:
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": "application/xml", "Content-Length": str(len(body))},
            status=status,
            preload_content=False,
        )
        http = AWSResponse(request.url, status, raw.headers, raw)
        http.content  # noqa: B018 - read, as URLLib3Session does for non-streaming output
        return http

    return send


def listed(s3: Any, status: int, body: bytes) -> Any:
    with mock.patch.object(s3._endpoint.http_session, "send", answer(status, body)):
        try:
            response = s3.list_objects_v2(Bucket="smq-async", Prefix="async-output/ep/")
        except ClientError as exc:
            return (
                "error",
                exc.response["Error"],
                exc.response["ResponseMetadata"]["HTTPStatusCode"],
            )
    response.pop("ResponseMetadata")
    for item in response.get("Contents", []):  # the fields the fast parse keeps
        for field in list(item):
            if field not in ("Key", "Size"):
                del item[field]
    return response


@pytest.mark.parametrize("name", PAGES)
def test_a_page_parses_as_botocore_parses_it(name: str) -> None:
    status, body = PAGES[name]
    assert listed(client(fast=True), status, body) == listed(client(fast=False), status, body)


def test_a_plain_page_takes_the_fast_path() -> None:
    status, body = PAGES["a full page, truncated"]
    seen: dict[str, Any] = {}
    parse = listing.parse_page

    def spy(
        response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **kw: Any
    ) -> None:
        parse(response_dict, customized_response_dict, **kw)
        seen.update(customized_response_dict)
        seen["body"] = response_dict["body"]

    s3 = client(fast=True)
    with mock.patch.object(listing, "parse_page", spy):
        response = listed(s3, status, body)

    assert len(seen["Contents"]) == 1000
    assert b"<Contents>" not in seen["body"]  # botocore parsed the envelope only
    assert response["IsTruncated"] is True and response["NextContinuationToken"]
