"""S3's REST-XML wire format, as botocore's rest-xml parser reads it.

Documents are written as strings, not through an XML library: a ListObjectsV2 page of 1,000
keys is on the hot path of every poller benchmark.
"""

from __future__ import annotations

import functools
import itertools
import re
import time
from email.utils import formatdate
from urllib.parse import quote
from xml.sax.saxutils import escape

from emulator.http import Response
from emulator.s3store import Listing, StoredObject

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
# What S3 stores when a PutObject names no Content-Type.
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
MAX_KEYS = 1000  # S3 never returns more per page, whatever max-keys asks
# What quote(text, safe="/") leaves as it is.
_URL_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*")

_request_ids = itertools.count(1)


def request_id() -> tuple[str, str]:
    # botocore copies x-amz-request-id into ResponseMetadata.RequestId (and error metadata).
    return ("x-amz-request-id", f"EMU{next(_request_ids):013X}")


# Objects written in the same second share these strings: a listing page of 1,000 objects
# formats a handful of dates, not 1,000.
@functools.lru_cache(maxsize=4096)
def http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


@functools.lru_cache(maxsize=4096)
def _iso_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def iso_date(timestamp: float) -> str:
    """S3's listing timestamp, with milliseconds: 2024-05-01T12:00:00.123Z."""
    millis = int(timestamp * 1000)
    return f"{_iso_second(millis // 1000)}.{millis % 1000:03d}Z"


def error(status: int, code: str, message: str, head: bool = False, **fields: str) -> Response:
    """An S3 error document. The root must be a bare <Error> (no namespace): botocore's
    parser only takes the S3 error path when ``root.tag == 'Error'``. HEAD answers carry no
    body at all, as S3's do, so botocore reports the status number as the code ("404")."""
    if head:
        return Response(status, b"", [request_id()])
    extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    rid = request_id()
    document = (
        f"{XML_DECLARATION}<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
        f"{extra}<RequestId>{rid[1]}</RequestId></Error>"
    )
    return Response(status, document.encode(), [("Content-Type", "application/xml"), rid])


def no_such_bucket(bucket: str, head: bool = False) -> Response:
    message = "The specified bucket does not exist"
    return error(404, "NoSuchBucket", message, head, BucketName=bucket)


def no_such_key(key: str, head: bool = False) -> Response:
    return error(404, "NoSuchKey", "The specified key does not exist.", head, Key=key)


def invalid_argument(message: str, name: str, value: str) -> Response:
    return error(400, "InvalidArgument", message, ArgumentName=name, ArgumentValue=value)


def not_implemented(what: str, head: bool = False) -> Response:
    message = (
        f"the emulator's built-in S3 does not implement {what}: it speaks CreateBucket, "
        "HeadBucket, PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2"
    )
    return error(501, "NotImplemented", message, head)


def object_headers(stored: StoredObject) -> list[tuple[str, str]]:
    headers = [
        ("Content-Type", stored.content_type),
        ("ETag", stored.etag),
        ("Last-Modified", http_date(int(stored.written_at))),
        ("Accept-Ranges", "bytes"),
        request_id(),
    ]
    headers.extend(stored.metadata)
    return headers


def list_objects_v2(
    bucket: str,
    listing: Listing,
    objects: dict[str, StoredObject],
    rendered: dict[tuple[str, bool], str],
    params: dict[str, str],
    max_keys: int,
    next_token: str | None,
) -> Response:
    """A ListBucketResult. With encoding-type=url (which botocore asks for on its own, then
    unquote_plus-es the answer) keys and prefixes are percent-encoded, '+' included. Each
    object's element comes from ``rendered`` (the bucket's cache, emptied for a key when it
    is written or deleted), rendered into it on first use."""
    url = params.get("encoding-type") == "url"
    encode = _url_encode if url else escape
    parts = [
        f'{XML_DECLARATION}<ListBucketResult xmlns="{XMLNS}">',
        f"<Name>{escape(bucket)}</Name><Prefix>{encode(params.get('prefix', ''))}</Prefix>",
        f"<KeyCount>{listing.count}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
        f"<IsTruncated>{'true' if next_token else 'false'}</IsTruncated>",
    ]
    for name, tag in (("delimiter", "Delimiter"), ("start-after", "StartAfter")):
        if name in params:
            parts.append(f"<{tag}>{encode(params[name])}</{tag}>")
    if "encoding-type" in params:
        parts.append(f"<EncodingType>{escape(params['encoding-type'])}</EncodingType>")
    if "continuation-token" in params:
        token = escape(params["continuation-token"])
        parts.append(f"<ContinuationToken>{token}</ContinuationToken>")
    if next_token:
        parts.append(f"<NextContinuationToken>{next_token}</NextContinuationToken>")
    for key in listing.keys:
        element = rendered.get((key, url))
        if element is None:
            stored = objects[key]
            element = rendered[(key, url)] = (
                f"<Contents><Key>{encode(key)}</Key>"
                f"<LastModified>{iso_date(stored.written_at)}</LastModified>"
                f"<ETag>{escape(stored.etag)}</ETag><Size>{len(stored.body)}</Size>"
                "<StorageClass>STANDARD</StorageClass></Contents>"
            )
        parts.append(element)
    parts.extend(
        f"<CommonPrefixes><Prefix>{encode(common)}</Prefix></CommonPrefixes>"
        for common in listing.common_prefixes
    )
    parts.append("</ListBucketResult>")
    return Response(
        200, "".join(parts).encode(), [("Content-Type", "application/xml"), request_id()]
    )


def _url_encode(text: str) -> str:
    # Most keys need no escaping; the regex is several times cheaper than quote().
    return text if _URL_PLAIN.fullmatch(text) else quote(text, safe="/")


def decode_aws_chunked(body: bytes) -> bytes:
    """The payload of an ``aws-chunked`` body (SigV4 streaming, or unsigned with trailing
    checksums): ``hex-size[;chunk-signature=...]\\r\\n<data>\\r\\n`` until a zero-size chunk,
    then optional trailers. botocore only sends it over https; other SDKs may over http.
    ValueError when the framing is broken."""
    chunks: list[bytes] = []
    position = 0
    while True:
        end_of_line = body.index(b"\r\n", position)
        size = int(body[position:end_of_line].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(chunks)
        start = end_of_line + 2
        if start + size > len(body):
            raise ValueError("aws-chunked body ends inside a chunk")
        chunks.append(body[start : start + size])
        position = start + size + 2
