"""The built-in S3's REST API, path-style only: ``/{bucket}`` and ``/{bucket}/{key}``.

Served on the emulator's own port: every path whose first segment is not ``endpoints``
(SageMaker Runtime) or ``_emulator`` (the control API) is S3, so those two names cannot be
buckets. Signatures are not checked. An operation is recognised from the method, whether a
key is present, the query and the copy-source header; anything outside the seven operations
spoken here answers 501 NotImplemented rather than being mistaken for one of them.

Why a second S3 next to moto's (which the integration tests use): speed. On this 2-core
machine, with other work running, one boto3 client with 8 threads made 611 HEAD/s here and
224 against moto's server, which also closes every connection; B4 at 100,000 pending
inferences needs ~400 S3 requests/s from one poller. The behaviours the service relies on
are tested on both (``any_s3`` in tests/emulator/test_s3_builtin.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from urllib.parse import parse_qsl, unquote_to_bytes

from emulator import s3wire
from emulator.http import Request, Response
from emulator.s3store import Bucket, MemoryS3, stored_object

OPERATIONS = (
    "CreateBucket",
    "HeadBucket",
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "ListObjectsV2",
)
NOT_IMPLEMENTED = "NotImplemented"
_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
    "response-content-language": "Content-Language",
    "response-cache-control": "Cache-Control",
    "response-expires": "Expires",
}
# (method, has a key) -> the operation and the query parameters it accepts. Any other
# parameter is a subresource (?acl, ?tagging, ?uploads, versionId...) of another operation.
_ROUTES: dict[tuple[str, bool], tuple[str, frozenset[str]]] = {
    ("PUT", False): ("CreateBucket", frozenset({"x-id"})),
    ("HEAD", False): ("HeadBucket", frozenset({"x-id"})),
    ("GET", False): (
        "ListObjectsV2",
        frozenset(
            {
                "list-type",
                "prefix",
                "delimiter",
                "max-keys",
                "continuation-token",
                "start-after",
                "encoding-type",
                "fetch-owner",
                "x-id",
            }
        ),
    ),
    ("PUT", True): ("PutObject", frozenset({"x-id"})),
    ("GET", True): ("GetObject", frozenset({"x-id", *_RESPONSE_OVERRIDES})),
    ("HEAD", True): ("HeadObject", frozenset({"x-id", *_RESPONSE_OVERRIDES})),
    ("DELETE", True): ("DeleteObject", frozenset({"x-id"})),
}
_CONNECTION_TAG = "s3"


def split_path(path: str) -> tuple[str, str]:
    """(bucket, key) of a path-style request path; the key is percent-decoded as UTF-8, so
    boto3's quoting of spaces, '+', '%' and non-ASCII characters round-trips."""
    if "%" in path or not path.isascii():
        path = unquote_to_bytes(path.encode("latin-1")).decode("utf-8", errors="replace")
    bucket, _, key = path[1:].partition("/")
    return bucket, key


class S3Api:
    def __init__(self, store: MemoryS3) -> None:
        self.store = store
        self.requests: Counter[str] = Counter()
        self.connections = 0  # connections that carried at least one S3 request

    def stats(self) -> dict[str, int]:
        counts = {operation: self.requests[operation] for operation in OPERATIONS}
        counts[NOT_IMPLEMENTED] = self.requests[NOT_IMPLEMENTED]
        counts["connections"] = self.connections
        return counts

    async def handle(self, request: Request) -> Response:
        bucket_name, key = split_path(request.path)
        params = dict(parse_qsl(request.query, keep_blank_values=True)) if request.query else {}
        operation = _operation(request, bucket_name, key, params)
        self._count(request, operation)
        head = request.method == "HEAD"
        if operation == NOT_IMPLEMENTED:
            target = request.path + (f"?{request.query}" if request.query else "")
            return s3wire.not_implemented(f"{request.method} {target}", head)
        if operation == "CreateBucket":
            self.store.create_bucket(bucket_name)
            return Response(200, b"", [("Location", f"/{bucket_name}"), s3wire.request_id()])
        bucket = self.store.bucket(bucket_name)
        if bucket is None:
            return s3wire.no_such_bucket(bucket_name, head)
        if operation == "HeadBucket":
            return Response(200, b"", [s3wire.request_id()])
        if operation == "ListObjectsV2":
            return _list_objects_v2(bucket, params)
        if operation == "PutObject":
            return _put_object(bucket, key, request)
        if operation == "DeleteObject":
            bucket.delete(key)
            return Response(204, b"", [s3wire.request_id()])
        return _get_object(bucket, key, request, params, head)

    def _count(self, request: Request, operation: str) -> None:
        self.requests[operation] += 1
        if _CONNECTION_TAG not in request.connection.tags:
            request.connection.tags.add(_CONNECTION_TAG)
            self.connections += 1


def _operation(request: Request, bucket: str, key: str, params: dict[str, str]) -> str:
    route = _ROUTES.get((request.method, bool(key)))
    if not bucket or route is None:
        return NOT_IMPLEMENTED  # ListBuckets, DeleteBucket, POST (DeleteObjects, uploads)...
    operation, accepted = route
    if not params.keys() <= accepted:
        return NOT_IMPLEMENTED
    if operation == "ListObjectsV2" and params.get("list-type") != "2":
        return NOT_IMPLEMENTED  # ListObjects (v1)
    if operation == "PutObject" and "x-amz-copy-source" in request.headers:
        return NOT_IMPLEMENTED  # CopyObject
    return operation


def _put_object(bucket: Bucket, key: str, request: Request) -> Response:
    body = request.body
    headers = request.headers
    if "aws-chunked" in headers.get("content-encoding", ""):
        try:
            body = s3wire.decode_aws_chunked(body)
        except ValueError as exc:
            return s3wire.error(400, "IncompleteBody", f"bad aws-chunked body: {exc}")
    digest = hashlib.md5(body, usedforsecurity=False).digest()
    sent_md5 = headers.get("content-md5")
    if sent_md5 is not None and sent_md5 != base64.b64encode(digest).decode():
        message = "The Content-MD5 you specified did not match what we received."
        return s3wire.error(400, "BadDigest", message)
    metadata = tuple((name, value) for name, value in headers.items() if name[:11] == "x-amz-meta-")
    etag = f'"{digest.hex()}"'
    content_type = headers.get("content-type", s3wire.DEFAULT_CONTENT_TYPE)
    bucket.put(key, stored_object(body, content_type, etag, metadata))
    return Response(200, b"", [("ETag", etag), s3wire.request_id()])


def _get_object(
    bucket: Bucket, key: str, request: Request, params: dict[str, str], head: bool
) -> Response:
    stored = bucket.objects.get(key)
    if stored is None:
        return s3wire.no_such_key(key, head)
    headers = s3wire.object_headers(stored)
    if params:
        overrides = {_RESPONSE_OVERRIDES[n]: v for n, v in params.items() if n != "x-id"}
        headers = [(n, v) for n, v in headers if n not in overrides]
        headers.extend(overrides.items())
    wanted = request.headers.get("range")
    if wanted is None:
        return Response(200, stored.body, headers)
    size = len(stored.body)
    try:
        span = _byte_range(wanted, size)
    except ValueError:
        return s3wire.error(416, "InvalidRange", "The requested range is not satisfiable", head)
    if span is None:
        return Response(200, stored.body, headers)
    start, end = span
    headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    return Response(206, stored.body[start : end + 1], headers)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range; None for a header S3 would ignore
    (several ranges, other units); ValueError when it cannot be satisfied."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first or last) or not (first + last).isdigit():
        return None
    if not first:  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise ValueError(header)
    return start, end


def _list_objects_v2(bucket: Bucket, params: dict[str, str]) -> Response:
    raw_max = params.get("max-keys", str(s3wire.MAX_KEYS))
    if not raw_max.isdigit():
        return s3wire.invalid_argument("Provided max-keys not an integer", "max-keys", raw_max)
    max_keys = min(int(raw_max), s3wire.MAX_KEYS)
    encoding = params.get("encoding-type")
    if encoding not in (None, "url"):
        message = "Invalid Encoding Method specified in Request"
        return s3wire.invalid_argument(message, "encoding-type", encoding)
    token = params.get("continuation-token")
    try:
        start_at = "" if token is None else _token_key(token)
    except ValueError:
        message = "The continuation token provided is incorrect"
        return s3wire.invalid_argument(message, "continuation-token", token or "")
    listing = bucket.page(
        params.get("prefix", ""),
        max_keys,
        start_at=start_at,
        after="" if token is not None else params.get("start-after", ""),
        delimiter=params.get("delimiter", ""),
    )
    resume = listing.resume_at
    next_token = None if resume is None else _key_token(resume)
    return s3wire.list_objects_v2(
        bucket.name, listing, bucket.objects, bucket.listed, params, max_keys, next_token
    )


# Continuation tokens are opaque to clients (botocore passes them back undecoded): here, the
# first key of the next page, base64url-encoded so any key survives the query string and XML.
def _key_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _token_key(token: str) -> str:
    # binascii.Error and UnicodeDecodeError are both ValueErrors.
    return base64.urlsafe_b64decode(token.encode()).decode()
